//! Attribute flags (`@set obj/ATTR=visual`): who may see or change an attribute and how
//! it is used, with PennMUSH's names and letters.

/// A set of attribute flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttrFlags(pub u32);

impl AttrFlags {
    pub const NO_COMMAND: u32 = 1 << 0;
    pub const NO_INHERIT: u32 = 1 << 1;
    pub const NO_CLONE: u32 = 1 << 2;
    pub const WIZARD: u32 = 1 << 3;
    pub const VISUAL: u32 = 1 << 4;
    pub const MORTAL_DARK: u32 = 1 << 5;
    pub const REGEXP: u32 = 1 << 6;
    pub const CASE: u32 = 1 << 7;
    pub const LOCKED: u32 = 1 << 8;
    pub const SAFE: u32 = 1 << 9;
    pub const VEILED: u32 = 1 << 10;
    pub const DEBUG: u32 = 1 << 11;
    pub const NO_DEBUG: u32 = 1 << 12;
    pub const PUBLIC: u32 = 1 << 13;
    pub const NEARBY: u32 = 1 << 14;
    pub const NONAME: u32 = 1 << 15;
    pub const NOSPACE: u32 = 1 << 16;
    pub const AMHEAR: u32 = 1 << 17;
    pub const AAHEAR: u32 = 1 << 18;
    pub const QUIET: u32 = 1 << 19;
    pub const PREFIXMATCH: u32 = 1 << 20;

    /// Canonical name, letter (`'\0'` for none) and bit, in PennMUSH's order.
    pub const TABLE: &'static [(&'static str, char, u32)] = &[
        ("no_command", '$', Self::NO_COMMAND),
        ("no_inherit", 'i', Self::NO_INHERIT),
        ("no_clone", 'c', Self::NO_CLONE),
        ("wizard", 'w', Self::WIZARD),
        ("visual", 'v', Self::VISUAL),
        ("mortal_dark", 'm', Self::MORTAL_DARK),
        ("regexp", 'R', Self::REGEXP),
        ("case", 'C', Self::CASE),
        ("locked", '+', Self::LOCKED),
        ("safe", 'S', Self::SAFE),
        ("prefixmatch", '\0', Self::PREFIXMATCH),
        ("veiled", 'V', Self::VEILED),
        ("debug", 'b', Self::DEBUG),
        ("no_debug", 'B', Self::NO_DEBUG),
        ("public", 'p', Self::PUBLIC),
        ("nearby", 'n', Self::NEARBY),
        ("noname", 'N', Self::NONAME),
        ("nospace", 's', Self::NOSPACE),
        ("amhear", 'M', Self::AMHEAR),
        ("aahear", 'A', Self::AAHEAR),
        ("quiet", 'Q', Self::QUIET),
    ];

    /// Other names PennMUSH accepts.
    const SYNONYMS: &'static [(&'static str, u32)] = &[
        ("private", Self::NO_INHERIT),
        ("hidden", Self::MORTAL_DARK),
        ("no_name", Self::NONAME),
        ("no_space", Self::NOSPACE),
    ];

    /// Only wizards may set or clear these.
    pub const WIZARD_ONLY: u32 = Self::WIZARD | Self::MORTAL_DARK;

    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }

    /// A flag by name (any case), exactly: (canonical name, bit).
    pub fn lookup(name: &str) -> Option<(&'static str, u32)> {
        let lower = name.trim().to_ascii_lowercase();
        if let Some((n, _, bit)) = Self::TABLE.iter().find(|(n, _, _)| *n == lower) {
            return Some((n, *bit));
        }
        let (_, bit) = Self::SYNONYMS.iter().find(|(n, _)| *n == lower)?;
        Self::TABLE
            .iter()
            .find(|(_, _, b)| b == bit)
            .map(|(n, _, b)| (*n, *b))
    }

    /// Letters, as `examine` and `flags(obj/attr)` show them.
    pub fn letters(self) -> String {
        Self::TABLE
            .iter()
            .filter(|(_, c, bit)| *c != '\0' && self.has(*bit))
            .map(|(_, c, _)| *c)
            .collect()
    }

    /// Names separated by spaces, as `lflags(obj/attr)` shows them and the store keeps.
    pub fn names(self) -> String {
        let names: Vec<&str> = Self::TABLE
            .iter()
            .filter(|(_, _, bit)| self.has(*bit))
            .map(|(n, _, _)| *n)
            .collect();
        names.join(" ")
    }

    /// Parses the stored form (names separated by spaces); unknown names are skipped.
    pub fn from_names(text: &str) -> AttrFlags {
        AttrFlags(
            text.split_whitespace()
                .filter_map(Self::lookup)
                .fold(0, |acc, (_, bit)| acc | bit),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_letters_and_synonyms() {
        let f = AttrFlags(AttrFlags::VISUAL | AttrFlags::NO_COMMAND);
        assert_eq!(f.letters(), "$v");
        assert_eq!(f.names(), "no_command visual");
        assert_eq!(AttrFlags::from_names(&f.names()), f);
        assert_eq!(
            AttrFlags::lookup("HIDDEN"),
            Some(("mortal_dark", AttrFlags::MORTAL_DARK))
        );
        assert_eq!(AttrFlags::lookup("vis"), None);
        assert_eq!(
            AttrFlags::from_names("visual bogus"),
            AttrFlags(AttrFlags::VISUAL)
        );
    }
}
