//! Lock flags, PennMUSH's per-lock privileges (`@lset`, `lockflags()`): who may see
//! and change a lock, and whether children and clones get it.

/// A lock's flags as a bit set. Stored with the lock as its flag names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LockFlags(pub u32);

impl LockFlags {
    /// Anyone may read the lock with `lock()`/`elock()`.
    pub const VISUAL: u32 = 1 << 0;
    /// Children do not inherit it (every built-in lock type starts so).
    pub const NO_INHERIT: u32 = 1 << 1;
    /// Only wizards may change it.
    pub const WIZARD: u32 = 1 << 2;
    /// Only whoever set it may change it.
    pub const LOCKED: u32 = 1 << 3;
    /// `@clone` does not copy it.
    pub const NO_CLONE: u32 = 1 << 4;
    /// Only the object's owner may change it; set by the lock type, never by `@lset`.
    pub const OWNER: u32 = 1 << 8;

    /// Name, letter and bit of the flags players see and set, in PennMUSH's order.
    pub const TABLE: &'static [(&'static str, char, u32)] = &[
        ("visual", 'v', Self::VISUAL),
        ("no_inherit", 'i', Self::NO_INHERIT),
        ("no_clone", 'c', Self::NO_CLONE),
        ("wizard", 'w', Self::WIZARD),
        ("locked", '+', Self::LOCKED),
    ];

    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }

    /// The flags a new lock of `kind` (lower case) gets: PennMUSH's built-in types do
    /// not pass to children, and a few may be changed by the owner only.
    pub fn default_for(kind: &str) -> LockFlags {
        if !is_builtin(kind) {
            return LockFlags(0);
        }
        let owner_only = matches!(
            kind,
            "examine" | "forward" | "control" | "destroy" | "chown"
        );
        LockFlags(Self::NO_INHERIT | if owner_only { Self::OWNER } else { 0 })
    }

    /// Letters of the visible flags (`lockflags()`).
    pub fn letters(self) -> String {
        self.visible().map(|(_, c, _)| *c).collect()
    }

    /// Names of the visible flags, space-separated (`llockflags()`, and the stored form).
    pub fn names(self) -> String {
        self.visible()
            .map(|(n, _, _)| *n)
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn visible(self) -> impl Iterator<Item = &'static (&'static str, char, u32)> {
        Self::TABLE.iter().filter(move |(_, _, b)| self.has(*b))
    }

    /// Reads stored flag names back; unknown words are ignored.
    pub fn from_names(text: &str) -> LockFlags {
        LockFlags(
            text.split_whitespace()
                .filter_map(|w| Self::TABLE.iter().find(|(n, _, _)| *n == w))
                .fold(0, |acc, (_, _, b)| acc | b),
        )
    }

    /// The bits a player's flag list names, as PennMUSH reads it: words are names or
    /// name prefixes (`!` before one clears it), a lone character is a letter, and a
    /// single word that names nothing is read as a string of letters. Returns (set,
    /// cleared); both empty when nothing was recognised.
    pub fn parse(text: &str) -> (u32, u32) {
        let (mut yes, mut no, mut words) = (0, 0, 0);
        for word in text.split_whitespace() {
            words += 1;
            let (neg, w) = match word.strip_prefix('!') {
                Some("") => continue,
                Some(rest) => (true, rest),
                None => (false, word),
            };
            let mut bits = 0;
            let mut chars = w.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                bits = letter_bits(&c.to_string()).0;
            }
            if bits == 0 {
                let lower = w.to_ascii_lowercase();
                bits = Self::TABLE
                    .iter()
                    .find(|(n, _, _)| n.starts_with(&lower))
                    .map_or(0, |(_, _, b)| *b);
            }
            if neg {
                no |= bits;
            } else {
                yes |= bits;
            }
        }
        if yes == 0 && no == 0 && words == 1 {
            return letter_bits(text.trim());
        }
        (yes, no)
    }
}

/// Letters (each may follow a `!`) as (set, cleared) bits; other characters are skipped.
fn letter_bits(text: &str) -> (u32, u32) {
    let (mut yes, mut no) = (0, 0);
    let mut neg = false;
    for c in text.chars() {
        if c == '!' {
            neg = true;
            continue;
        }
        let bit = LockFlags::TABLE
            .iter()
            .find(|(_, l, _)| *l == c)
            .map_or(0, |(_, _, b)| *b);
        if neg {
            no |= bit;
        } else {
            yes |= bit;
        }
        neg = false;
    }
    (yes, no)
}

/// PennMUSH's built-in lock types, as `locks()` and `llocks()` name them.
pub use mushd_softcode::functions::lockfns::LOCK_TYPES;

/// Whether `kind` (any case) is one of PennMUSH's built-in lock types.
pub fn is_builtin(kind: &str) -> bool {
    LOCK_TYPES.iter().any(|t| t.eq_ignore_ascii_case(kind))
}

/// How PennMUSH prints a lock type: `Basic`, `MailForward`; others as given.
pub fn label(kind: &str) -> String {
    LOCK_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(kind))
        .map_or_else(|| kind.to_string(), |t| (*t).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_names_and_letters() {
        let basic = LockFlags::default_for("basic");
        assert_eq!(basic.letters(), "i");
        assert_eq!(basic.names(), "no_inherit");
        assert!(LockFlags::default_for("control").has(LockFlags::OWNER));
        assert_eq!(LockFlags::default_for("user:mine"), LockFlags(0));
        let all = LockFlags(0x1f);
        assert_eq!(all.letters(), "vicw+");
        assert_eq!(LockFlags::from_names(&all.names()), all);
        assert_eq!(label("mailforward"), "MailForward");
    }

    #[test]
    fn parses_like_pennmush() {
        assert_eq!(LockFlags::parse("visual"), (LockFlags::VISUAL, 0));
        assert_eq!(LockFlags::parse("no_i"), (LockFlags::NO_INHERIT, 0));
        assert_eq!(LockFlags::parse("!no_inherit"), (0, LockFlags::NO_INHERIT));
        assert_eq!(
            LockFlags::parse("v !i"),
            (LockFlags::VISUAL, LockFlags::NO_INHERIT)
        );
        // One unknown word is read as letters: the `c` in it is no_clone.
        assert_eq!(LockFlags::parse("nosuchflag"), (LockFlags::NO_CLONE, 0));
        assert_eq!(LockFlags::parse("zzz"), (0, 0));
        assert_eq!(LockFlags::parse(""), (0, 0));
    }

    #[test]
    fn children_inherit_only_locks_without_no_inherit() {
        use crate::world::{Dbref, Object, ObjectKind, World};
        let mut w = World::default();
        w.insert(Object::new_room(Dbref(0), "Zero", 0));
        w.insert(Object::new_player(Dbref(1), "Al", "h".into(), Dbref(0), 0));
        let mut parent = Object::new(Dbref(2), ObjectKind::Thing, "Proto", Dbref(1), 0);
        parent.locks.insert("basic".into(), "#0".into());
        w.insert(parent);
        let mut child = Object::new(Dbref(3), ObjectKind::Thing, "Kid", Dbref(1), 0);
        child.parent = Some(Dbref(2));
        w.insert(child);
        assert!(
            w.lock_of(Dbref(3), "basic").is_none(),
            "no_inherit by default"
        );
        assert!(w.passes_lock(Dbref(3), "basic", Dbref(1)));
        if let Some(p) = w.get_mut(Dbref(2)) {
            p.lock_flags.insert("basic".into(), "0".into());
        }
        assert_eq!(w.lock_of(Dbref(3), "basic").map(|l| l.0), Some(Dbref(2)));
        assert!(!w.passes_lock(Dbref(3), "basic", Dbref(1)));
    }
}
