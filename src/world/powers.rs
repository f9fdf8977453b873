//! Powers: single privileges a wizard grants with `@power` (PennMUSH's power table),
//! so a player can be trusted with one thing (seeing everything, building anywhere)
//! without being made a wizard.

/// An object's powers as a bit set; stored by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Powers(pub u32);

impl Powers {
    /// PennMUSH's powers in its order (`powers()` lists them so).
    pub const TABLE: &'static [&'static str] = &[
        "Announce",
        "Boot",
        "Builder",
        "Chat_Privs",
        "Functions",
        "Guest",
        "Halt",
        "Hide",
        "Idle",
        "Immortal",
        "Link_Anywhere",
        "Login",
        "Long_Fingers",
        "No_Pay",
        "No_Quota",
        "Open_Anywhere",
        "Pemit_All",
        "Player_Create",
        "Poll",
        "Queue",
        "Quotas",
        "Search",
        "See_All",
        "See_Queue",
        "Tport_Anything",
        "Tport_Anywhere",
        "Can_spoof",
    ];

    /// Other names PennMUSH accepts for a power.
    const ALIASES: &'static [(&'static str, &'static str)] = &[
        ("@wall", "Announce"),
        ("wall", "Announce"),
        ("Can_nspemit", "Can_spoof"),
    ];

    /// The bit of a power by name or alias, any case: (its name, bit).
    pub fn lookup(name: &str) -> Option<(&'static str, u32)> {
        let name = name.trim();
        let real = Self::ALIASES
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(name))
            .map_or(name, |(_, r)| *r);
        Self::TABLE
            .iter()
            .position(|p| p.eq_ignore_ascii_case(real))
            .and_then(|i| Some((*Self::TABLE.get(i)?, 1u32 << i)))
    }

    /// Whether the power `name` is held (Immortal counts as No_Pay and No_Quota).
    pub fn has(self, name: &str) -> bool {
        let held = |n: &str| Self::lookup(n).is_some_and(|(_, bit)| self.0 & bit != 0);
        held(name)
            || (["No_Pay", "No_Quota"]
                .iter()
                .any(|n| n.eq_ignore_ascii_case(name.trim()))
                && held("Immortal"))
    }

    /// Names of the held powers, in table order.
    pub fn names(self) -> Vec<&'static str> {
        Self::TABLE
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1u32 << i) != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    /// Reads stored names back; unknown names are dropped.
    pub fn from_names(text: &str) -> Powers {
        Powers(
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
    fn lookup_names_and_round_trip() {
        let (name, bit) = Powers::lookup("see_all").expect("See_All");
        assert_eq!(name, "See_All");
        assert_eq!(Powers::lookup("wall").map(|(n, _)| n), Some("Announce"));
        assert_eq!(Powers::lookup("NoSuchPower"), None);
        let p = Powers(bit | Powers::lookup("Builder").expect("Builder").1);
        assert_eq!(p.names(), vec!["Builder", "See_All"]);
        assert_eq!(Powers::from_names(&p.names().join(" ")), p);
        assert!(p.has("SEE_ALL") && !p.has("Boot"));
        let immortal = Powers::from_names("Immortal");
        assert!(immortal.has("No_Pay") && immortal.has("no_quota"));
    }
}
