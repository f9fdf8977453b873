//! One game object and its record form in the store (a hash of named fields).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::attr_flags::AttrFlags;
use super::lock_flags::LockFlags;
use super::powers::Powers;
use super::small_map::SmallMap;
use crate::store::Fields;

/// A database reference, shown as `#N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dbref(pub u32);

impl fmt::Display for Dbref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Dbref::HOME {
            f.write_str("home")
        } else {
            write!(f, "#{}", self.0)
        }
    }
}

impl Dbref {
    /// The link an exit has when it leads each user to their own home.
    pub const HOME: Dbref = Dbref(u32::MAX);

    /// Parses `#N` or `home` (a stored link).
    pub fn parse_link(s: &str) -> Option<Dbref> {
        if s.trim().eq_ignore_ascii_case("home") {
            Some(Dbref::HOME)
        } else {
            Dbref::parse(s)
        }
    }

    /// Parses `#N`.
    pub fn parse(s: &str) -> Option<Dbref> {
        s.trim().strip_prefix('#')?.parse().ok().map(Dbref)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectKind {
    Room,
    Player,
    Exit,
    Thing,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Room => "room",
            ObjectKind::Player => "player",
            ObjectKind::Exit => "exit",
            ObjectKind::Thing => "thing",
        }
    }

    pub fn parse(s: &str) -> Option<ObjectKind> {
        Some(match s {
            "room" => ObjectKind::Room,
            "player" => ObjectKind::Player,
            "exit" => ObjectKind::Exit,
            "thing" => ObjectKind::Thing,
            _ => return None,
        })
    }

    /// The type letter PennMUSH shows after a dbref.
    pub fn letter(self) -> &'static str {
        match self {
            ObjectKind::Room => "R",
            ObjectKind::Player => "P",
            ObjectKind::Exit => "E",
            ObjectKind::Thing => "",
        }
    }
}

/// Object flags as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Flags(pub u32);

impl Flags {
    pub const WIZARD: u32 = 1 << 0;
    pub const DARK: u32 = 1 << 1;
    pub const HAVEN: u32 = 1 << 2;
    pub const OPAQUE: u32 = 1 << 3;
    pub const LINK_OK: u32 = 1 << 4;
    pub const JUMP_OK: u32 = 1 << 5;
    pub const ENTER_OK: u32 = 1 << 6;
    pub const QUIET: u32 = 1 << 7;
    pub const UNFINDABLE: u32 = 1 << 8;
    pub const GOING: u32 = 1 << 9;
    /// `@destroy` refuses it (`@nuke` or `@destroy/override` still destroy it).
    pub const SAFE: u32 = 1 << 10;
    /// Its `$`-commands are not looked for.
    pub const NO_COMMAND: u32 = 1 << 11;
    /// A player who wants colour codes.
    pub const ANSI: u32 = 1 << 12;
    pub const COLOR: u32 = 1 << 13;
    /// Anyone may examine it.
    pub const VISUAL: u32 = 1 << 14;
    /// Runs no commands from the queue (set on runaways; cleared with `@set obj=!HALT`).
    pub const HALT: u32 = 1 << 24;
    /// Checks its `^`-listen patterns against what it hears.
    pub const MONITOR: u32 = 1 << 25;
    /// A thing that relays what it hears to its owner.
    pub const PUPPET: u32 = 1 << 26;
    /// A room whose AUDIBLE exits carry what is said in it to where they lead.
    pub const AUDIBLE: u32 = 1 << 27;
    /// Its evaluations are traced to its owner, a line per function call.
    pub const DEBUG: u32 = 1 << 28;

    /// Name, display letter and bit of every stored flag, in PennMUSH's order (which
    /// `flags()` and `lflags()` keep). CONNECTED is not stored: it is shown for players
    /// with a live connection.
    pub const TABLE: &'static [(&'static str, char, u32)] = &[
        ("DARK", 'D', Self::DARK),
        ("GOING", 'G', Self::GOING),
        ("HAVEN", 'H', Self::HAVEN),
        ("LINK_OK", 'L', Self::LINK_OK),
        ("OPAQUE", 'O', Self::OPAQUE),
        ("QUIET", 'Q', Self::QUIET),
        ("UNFINDABLE", 'U', Self::UNFINDABLE),
        ("VISUAL", 'V', Self::VISUAL),
        ("WIZARD", 'W', Self::WIZARD),
        ("SAFE", 'X', Self::SAFE),
        ("AUDIBLE", 'a', Self::AUDIBLE),
        ("DEBUG", 'b', Self::DEBUG),
        ("ENTER_OK", 'e', Self::ENTER_OK),
        ("HALT", 'h', Self::HALT),
        ("NO_COMMAND", 'n', Self::NO_COMMAND),
        ("ANSI", 'A', Self::ANSI),
        ("COLOR", 'C', Self::COLOR),
        ("MONITOR", 'M', Self::MONITOR),
        ("PUPPET", 'p', Self::PUPPET),
        ("JUMP_OK", 'J', Self::JUMP_OK),
    ];

    /// What PennMUSH's default configuration sets on new objects of each kind
    /// (`player_flags`, `thing_flags`, `room_flags`, `exit_flags` in its mush.cnf).
    pub fn defaults_for(kind: ObjectKind) -> Flags {
        Flags(match kind {
            ObjectKind::Player => Self::ENTER_OK | Self::ANSI | Self::NO_COMMAND,
            ObjectKind::Thing | ObjectKind::Room => Self::NO_COMMAND,
            ObjectKind::Exit => 0,
        })
    }

    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }

    /// A flag by name or unique prefix, case-insensitively: (name, bit).
    pub fn lookup(name: &str) -> Option<(&'static str, u32)> {
        let upper = name.trim().to_ascii_uppercase();
        if upper.is_empty() {
            return None;
        }
        if let Some((n, _, bit)) = Self::TABLE.iter().find(|(n, _, _)| *n == upper) {
            return Some((n, *bit));
        }
        let mut prefixed = Self::TABLE.iter().filter(|(n, _, _)| n.starts_with(&upper));
        match (prefixed.next(), prefixed.next()) {
            (Some((n, _, bit)), None) => Some((n, *bit)),
            _ => None,
        }
    }

    /// Flag letters for display after a dbref.
    pub fn letters(self) -> String {
        Self::TABLE
            .iter()
            .filter(|(_, _, bit)| self.has(*bit))
            .map(|(_, c, _)| *c)
            .collect()
    }

    /// Flag names, space-separated, for `examine`.
    pub fn names(self) -> String {
        Self::TABLE
            .iter()
            .filter(|(_, _, bit)| self.has(*bit))
            .map(|(n, _, _)| *n)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What only players have.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlayerData {
    /// An argon2 PHC string; never logged.
    pub password_hash: String,
    /// Unix seconds of the last disconnect.
    pub last_on: Option<u64>,
    pub last_host: Option<String>,
}

/// Stored field names of attributes start with this.
pub const ATTR_PREFIX: &str = "attr:";

/// Stored field names of attribute flags start with this (values: flag names).
pub const ATTR_FLAGS_PREFIX: &str = "aflags:";

/// The stored field of an attribute's flags.
pub fn attr_flags_field(name: &str) -> String {
    format!("{ATTR_FLAGS_PREFIX}{name}")
}

/// Stored field names of locks start with this.
pub const LOCK_PREFIX: &str = "lock:";

/// The stored field of a lock.
pub fn lock_field(kind: &str) -> String {
    format!("{LOCK_PREFIX}{kind}")
}

/// Stored field names of lock flags start with this (values: flag names). A lock
/// without one has its type's default flags.
pub const LOCK_FLAGS_PREFIX: &str = "lockflags:";

/// The stored field of a lock's flags.
pub fn lock_flags_field(kind: &str) -> String {
    format!("{LOCK_FLAGS_PREFIX}{kind}")
}

/// The stored field of an attribute.
pub fn attr_field(name: &str) -> String {
    format!("{ATTR_PREFIX}{name}")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub dbref: Dbref,
    pub kind: ObjectKind,
    pub name: String,
    pub owner: Dbref,
    /// Where it is; for an exit, the room it leads out of.
    pub location: Option<Dbref>,
    /// Home of a player or thing, destination of an exit (maybe `Dbref::HOME`),
    /// drop-to of a room.
    pub link: Option<Dbref>,
    /// Attributes not set here are looked up on the parent, and its parent.
    pub parent: Option<Dbref>,
    /// The zone master object (`@chzone`): its `$`-commands and zone lock cover this one.
    pub zone: Option<Dbref>,
    /// Unix seconds when `@destroy` set GOING; destroyed at the purge after the delay.
    pub going_at: Option<u64>,
    pub flags: Flags,
    pub description: String,
    /// Attributes by upper-case name; values verbatim.
    pub attrs: SmallMap,
    /// Flags of the attributes that have any, by name (the bits in decimal).
    pub attr_flags: SmallMap,
    /// Lock keys by kind ("basic", "enter", "use"), in canonical text.
    pub locks: SmallMap,
    /// Flags of the locks whose flags are not their type's default (`@lset`), by kind
    /// (the bits in decimal).
    pub lock_flags: SmallMap,
    pub powers: Powers,
    /// Money (PennMUSH's pennies).
    pub pennies: i64,
    /// Unix seconds.
    pub created: u64,
    pub modified: u64,
    pub player: Option<PlayerData>,
}

impl Object {
    /// The flags of one attribute set here (none when it has none).
    pub fn attr_flags(&self, name: &str) -> AttrFlags {
        AttrFlags(
            self.attr_flags
                .get(name)
                .and_then(|b| b.parse().ok())
                .unwrap_or(0),
        )
    }

    /// The flags of one of its locks (its type's default unless changed).
    pub fn lock_flags(&self, kind: &str) -> LockFlags {
        self.lock_flags
            .get(kind)
            .and_then(|b| b.parse().ok())
            .map_or_else(|| LockFlags::default_for(kind), LockFlags)
    }

    /// A new object of any kind with nothing set.
    pub fn new(dbref: Dbref, kind: ObjectKind, name: &str, owner: Dbref, now: u64) -> Object {
        Object {
            dbref,
            kind,
            name: name.trim().to_string(),
            owner,
            location: None,
            link: None,
            parent: None,
            zone: None,
            going_at: None,
            flags: Flags::default(),
            description: String::new(),
            attrs: SmallMap::default(),
            attr_flags: SmallMap::default(),
            locks: SmallMap::default(),
            lock_flags: SmallMap::default(),
            powers: Powers::default(),
            pennies: 0,
            created: now,
            modified: now,
            player: None,
        }
    }

    pub fn new_room(dbref: Dbref, name: &str, now: u64) -> Object {
        Object::new(dbref, ObjectKind::Room, name, Dbref(1), now)
    }

    /// The display name: an exit's first alias.
    pub fn short_name(&self) -> &str {
        if self.kind == ObjectKind::Exit {
            self.name.split(';').next().unwrap_or(&self.name).trim()
        } else {
            &self.name
        }
    }

    pub fn new_player(
        dbref: Dbref,
        name: &str,
        password_hash: String,
        home: Dbref,
        now: u64,
    ) -> Object {
        let mut p = Object::new(dbref, ObjectKind::Player, name, dbref, now);
        p.location = Some(home);
        p.link = Some(home);
        p.player = Some(PlayerData {
            password_hash,
            last_on: None,
            last_host: None,
        });
        // As in PennMUSH, a player starts locked to itself: nobody else picks it up,
        // enters it or uses it.
        let own = format!("={dbref}");
        for kind in ["basic", "enter", "use"] {
            p.locks.insert(kind.to_string(), own.clone());
        }
        p
    }

    pub fn is_wizard(&self) -> bool {
        self.flags.has(Flags::WIZARD)
    }

    /// Every field as the store keeps it.
    pub fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        f.insert("type".into(), self.kind.as_str().into());
        f.insert("name".into(), self.name.clone().into());
        f.insert("owner".into(), self.owner.to_string().into());
        f.insert(
            "location".into(),
            self.location
                .map(|d| d.to_string())
                .unwrap_or_default()
                .into(),
        );
        let opt = |d: Option<Dbref>| d.map(|d| d.to_string()).unwrap_or_default();
        f.insert("link".into(), opt(self.link).into());
        f.insert("parent".into(), opt(self.parent).into());
        f.insert("zone".into(), opt(self.zone).into());
        f.insert(
            "going_at".into(),
            self.going_at
                .map(|t| t.to_string())
                .unwrap_or_default()
                .into(),
        );
        f.insert("flags".into(), self.flags.0.to_string().into());
        f.insert("desc".into(), self.description.clone().into());
        for (name, value) in &self.attrs {
            f.insert(attr_field(name), value.clone().into());
        }
        for (name, bits) in &self.attr_flags {
            let names = AttrFlags(bits.parse().unwrap_or(0)).names();
            f.insert(attr_flags_field(name), names.into());
        }
        for (kind, key) in &self.locks {
            f.insert(lock_field(kind), key.clone().into());
        }
        for (kind, bits) in &self.lock_flags {
            let names = LockFlags(bits.parse().unwrap_or(0)).names();
            f.insert(lock_flags_field(kind), names.into());
        }
        f.insert("powers".into(), self.powers.names().join(" ").into());
        f.insert("pennies".into(), self.pennies.to_string().into());
        f.insert("created".into(), self.created.to_string().into());
        f.insert("modified".into(), self.modified.to_string().into());
        if let Some(p) = &self.player {
            f.insert("password".into(), p.password_hash.clone().into());
            f.insert(
                "last_on".into(),
                p.last_on.map(|t| t.to_string()).unwrap_or_default().into(),
            );
            f.insert(
                "last_host".into(),
                p.last_host.clone().unwrap_or_default().into(),
            );
        }
        f
    }

    /// Rebuilds an object from its stored fields; `None` when a required field is bad.
    pub fn from_fields(dbref: Dbref, f: &BTreeMap<String, Vec<u8>>) -> Option<Object> {
        let text = |k: &str| f.get(k).map(|v| String::from_utf8_lossy(v).into_owned());
        let num = |k: &str| text(k).and_then(|v| v.parse::<u64>().ok());
        let kind = ObjectKind::parse(&text("type")?)?;
        let player = (kind == ObjectKind::Player).then(|| PlayerData {
            password_hash: text("password").unwrap_or_default(),
            last_on: num("last_on"),
            last_host: text("last_host").filter(|h| !h.is_empty()),
        });
        Some(Object {
            dbref,
            kind,
            name: text("name")?,
            // An unreadable owner must not hand the object to God (and God's powers):
            // it owns itself, which only wizards control, and the log says so.
            owner: text("owner")
                .and_then(|o| Dbref::parse(&o))
                .unwrap_or_else(|| {
                    tracing::warn!(object = %dbref, "unreadable owner; the object now owns itself");
                    dbref
                }),
            location: text("location").and_then(|l| Dbref::parse(&l)),
            link: text("link").and_then(|l| Dbref::parse_link(&l)),
            parent: text("parent").and_then(|l| Dbref::parse(&l)),
            // Records written before zones existed have no field: unzoned.
            zone: text("zone").and_then(|l| Dbref::parse(&l)),
            going_at: num("going_at"),
            flags: Flags(num("flags").unwrap_or(0) as u32),
            description: text("desc").unwrap_or_default(),
            attrs: f
                .iter()
                .filter_map(|(k, v)| {
                    let name = k.strip_prefix(ATTR_PREFIX)?;
                    Some((name.to_string(), String::from_utf8_lossy(v).into_owned()))
                })
                .collect(),
            attr_flags: f
                .iter()
                .filter_map(|(k, v)| {
                    let name = k.strip_prefix(ATTR_FLAGS_PREFIX)?;
                    let flags = AttrFlags::from_names(&String::from_utf8_lossy(v));
                    (flags.0 != 0).then(|| (name.to_string(), flags.0.to_string()))
                })
                .collect(),
            locks: f
                .iter()
                .filter_map(|(k, v)| {
                    let kind = k.strip_prefix(LOCK_PREFIX)?;
                    Some((kind.to_string(), String::from_utf8_lossy(v).into_owned()))
                })
                .collect(),
            lock_flags: f
                .iter()
                .filter_map(|(k, v)| {
                    let kind = k.strip_prefix(LOCK_FLAGS_PREFIX)?;
                    let flags = LockFlags::from_names(&String::from_utf8_lossy(v));
                    Some((kind.to_string(), flags.0.to_string()))
                })
                .collect(),
            powers: Powers::from_names(&text("powers").unwrap_or_default()),
            pennies: text("pennies").and_then(|v| v.parse().ok()).unwrap_or(0),
            created: num("created").unwrap_or(0),
            modified: num("modified").unwrap_or(0),
            player,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_by_name_and_prefix() {
        assert_eq!(Flags::lookup("jump_ok"), Some(("JUMP_OK", Flags::JUMP_OK)));
        assert_eq!(Flags::lookup("wiz"), Some(("WIZARD", Flags::WIZARD)));
        assert_eq!(Flags::lookup("nope"), None);
        assert_eq!(Flags::lookup(""), None);
        let f = Flags(Flags::WIZARD | Flags::JUMP_OK);
        assert_eq!(f.letters(), "WJ");
        assert_eq!(f.names(), "WIZARD JUMP_OK");
        assert_eq!(Flags::lookup("safe"), Some(("SAFE", Flags::SAFE)));
        let bob = Flags(Flags::UNFINDABLE | Flags::defaults_for(ObjectKind::Player).0);
        assert_eq!(bob.letters(), "UenA");
        assert_eq!(bob.names(), "UNFINDABLE ENTER_OK NO_COMMAND ANSI");
    }

    #[test]
    fn players_start_locked_to_themselves() {
        let p = Object::new_player(Dbref(9), "Bob", String::new(), Dbref(0), 0);
        assert_eq!(p.locks.get("enter").map(String::as_str), Some("=#9"));
        assert_eq!(p.lock_flags("basic").names(), "no_inherit");
    }

    #[test]
    fn fields_round_trip() {
        let mut p = Object::new_player(Dbref(3), "Bob", "$argon2id$x".into(), Dbref(0), 77);
        p.attrs.insert("SEX".into(), "male".into());
        p.attrs.insert("NOTE".into(), "a:b=c".into());
        p.flags = Flags(Flags::WIZARD | Flags::SAFE);
        p.zone = Some(Dbref(4));
        p.lock_flags.insert("basic".into(), "1".into());
        p.lock_flags.insert("enter".into(), "0".into());
        p.powers = Powers::from_names("See_All Builder");
        p.pennies = 150;
        if let Some(pd) = p.player.as_mut() {
            pd.last_on = Some(99);
            pd.last_host = Some("127.0.0.1".into());
        }
        let stored: BTreeMap<String, Vec<u8>> = p
            .to_fields()
            .into_iter()
            .map(|(k, v)| (k, v.to_vec()))
            .collect();
        assert_eq!(Object::from_fields(Dbref(3), &stored), Some(p));
        assert_eq!(Dbref::parse("#12"), Some(Dbref(12)));
        assert_eq!(Dbref::parse("12"), None);
    }
}
