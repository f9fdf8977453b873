//! Chat channels as PennMUSH has them (`help channels`): a name, a description, an
//! owner, privileges, `@clock` locks, members with their titles and gag/mute/hide
//! settings, and a bounded recall buffer.
//!
//! Store records (all through the write-behind):
//! - `channels`: the index, lower-case name → display name;
//! - `chan:<lower-name>`: `name`, `desc`, `owner`, `privs` (priv letters), `buffer`
//!   (recall lines kept), `msgs` (messages sent), `lock:<kind>` (canonical lock key) and
//!   one `m:#<dbref>` field per member: member letters (`G` gag, `Q` mute, `H` hide), a
//!   tab, then the title;
//! - `chanrecall:<lower-name>`: one field per buffered line, the sequence number
//!   zero-padded to 12 digits → `<unix seconds>` tab `<text>`; the oldest are removed
//!   as new ones come, so it never holds more than the channel's buffer.

pub mod persist;

use std::collections::{BTreeMap, VecDeque};

use crate::world::Dbref;

/// A channel privilege: (letter, name as `clflags()` shows it, bit).
pub const PRIVS: &[(char, &str, u32)] = &[
    ('D', "Disabled", Privs::DISABLED),
    ('P', "Player", Privs::PLAYER),
    ('O', "Object", Privs::OBJECT),
    ('A', "Admin", Privs::ADMIN),
    ('W', "Wizard", Privs::WIZARD),
    ('Q', "Quiet", Privs::QUIET),
    ('o', "Open", Privs::OPEN),
    ('H', "Hide_Ok", Privs::HIDE_OK),
    ('T', "NoTitles", Privs::NOTITLES),
    ('N', "NoNames", Privs::NONAMES),
    ('C', "NoCemit", Privs::NOCEMIT),
];

/// Lock kinds a channel has (`@clock/<kind>`).
pub const LOCK_KINDS: &[&str] = &["join", "speak", "see", "hide", "mod"];

/// Longest channel name, description and title.
pub const MAX_NAME: usize = 30;
pub const MAX_DESC: usize = 256;
pub const MAX_TITLE: usize = 80;
/// Most channels a mortal may own.
pub const MAX_OWNED: usize = 5;
/// Most channels in all.
pub const MAX_CHANNELS: usize = 500;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Privs(pub u32);

impl Privs {
    pub const DISABLED: u32 = 1 << 0;
    pub const PLAYER: u32 = 1 << 1;
    pub const OBJECT: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const WIZARD: u32 = 1 << 4;
    pub const QUIET: u32 = 1 << 5;
    pub const OPEN: u32 = 1 << 6;
    pub const HIDE_OK: u32 = 1 << 7;
    pub const NOTITLES: u32 = 1 << 8;
    pub const NONAMES: u32 = 1 << 9;
    pub const NOCEMIT: u32 = 1 << 10;

    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }

    /// The priv letters, in PennMUSH's order (`cflags()`).
    pub fn letters(self) -> String {
        PRIVS
            .iter()
            .filter(|(_, _, b)| self.has(*b))
            .map(|(c, _, _)| *c)
            .collect()
    }

    /// The priv names, space-separated (`clflags()`).
    pub fn names(self) -> String {
        PRIVS
            .iter()
            .filter(|(_, _, b)| self.has(*b))
            .map(|(_, n, _)| *n)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Parses a space-separated list of priv names (any case, unique prefixes) or a
    /// string of priv letters; `Err` names the word not understood.
    pub fn parse(text: &str) -> Result<Privs, String> {
        let mut bits = 0;
        let words: Vec<&str> = text.split_whitespace().collect();
        let by_letters = words.len() == 1
            && text
                .trim()
                .chars()
                .all(|c| PRIVS.iter().any(|(l, _, _)| *l == c));
        if by_letters {
            for c in text.trim().chars() {
                if let Some((_, _, b)) = PRIVS.iter().find(|(l, _, _)| *l == c) {
                    bits |= b;
                }
            }
            return Ok(Privs(bits));
        }
        for w in words {
            let lw = w.to_lowercase().replace('_', "");
            let found = PRIVS.iter().find(|(_, n, _)| {
                let ln = n.to_lowercase().replace('_', "");
                ln == lw || (lw == "hide" && ln == "hideok")
            });
            match found {
                Some((_, _, b)) => bits |= b,
                None => return Err(w.to_string()),
            }
        }
        Ok(Privs(bits))
    }
}

/// One member's settings on one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Member {
    pub title: String,
    /// Hears nothing on the channel.
    pub gag: bool,
    /// Hears no connection notices.
    pub mute: bool,
    /// Left out of `@channel/who`.
    pub hide: bool,
}

impl Member {
    /// The member letters (`cflags(<channel>, <object>)`).
    pub fn letters(&self) -> String {
        let mut s = String::new();
        if self.gag {
            s.push('G');
        }
        if self.mute {
            s.push('Q');
        }
        if self.hide {
            s.push('H');
        }
        s
    }

    pub fn encode(&self) -> String {
        format!("{}\t{}", self.letters(), self.title)
    }

    pub fn decode(text: &str) -> Member {
        let (flags, title) = text.split_once('\t').unwrap_or((text, ""));
        Member {
            title: title.to_string(),
            gag: flags.contains('G'),
            mute: flags.contains('Q'),
            hide: flags.contains('H'),
        }
    }
}

/// One buffered line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recalled {
    pub seq: u64,
    pub secs: u64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub name: String,
    pub desc: String,
    pub owner: Dbref,
    pub privs: Privs,
    /// Lock kind → canonical key text.
    pub locks: BTreeMap<String, String>,
    pub members: BTreeMap<Dbref, Member>,
    /// Lines the recall buffer keeps (0: none).
    pub buffer: usize,
    pub recall: VecDeque<Recalled>,
    pub next_seq: u64,
    /// Messages said or emitted on the channel since it was made.
    pub msgs: u64,
}

impl Channel {
    pub fn new(name: &str, owner: Dbref, privs: Privs) -> Channel {
        Channel {
            name: name.to_string(),
            desc: String::new(),
            owner,
            privs,
            locks: BTreeMap::new(),
            members: BTreeMap::new(),
            buffer: 0,
            recall: VecDeque::new(),
            next_seq: 1,
            msgs: 0,
        }
    }

    /// Adds a line to the recall buffer; returns the line added and the sequence
    /// numbers pushed out, for the store.
    pub fn remember(&mut self, secs: u64, text: &str) -> Option<(Recalled, Vec<u64>)> {
        if self.buffer == 0 {
            return None;
        }
        let line = Recalled {
            seq: self.next_seq,
            secs,
            text: text.to_string(),
        };
        self.next_seq += 1;
        self.recall.push_back(line.clone());
        Some((line, self.trim_recall()))
    }

    /// Drops the oldest lines beyond the buffer size; returns their sequence numbers.
    pub fn trim_recall(&mut self) -> Vec<u64> {
        let mut gone = Vec::new();
        while self.recall.len() > self.buffer {
            if let Some(old) = self.recall.pop_front() {
                gone.push(old.seq);
            }
        }
        gone
    }
}

/// Whether `name` may name a channel: printable, no spaces or separators.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.'!?@$%^*".contains(c))
}

/// Every channel, by lower-case name.
#[derive(Debug, Default)]
pub struct Chat {
    pub channels: BTreeMap<String, Channel>,
}

/// Why a channel name matched no single channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    None,
    Ambiguous,
}

impl Chat {
    pub fn get(&self, name: &str) -> Option<&Channel> {
        self.channels.get(&name.to_lowercase())
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Channel> {
        self.channels.get_mut(&name.to_lowercase())
    }

    /// The channel named exactly `name`, or else the only one it begins, among those
    /// `keep` allows; returns the lower-case name.
    pub fn find(&self, name: &str, keep: impl Fn(&Channel) -> bool) -> Result<String, Miss> {
        let lower = name.trim().to_lowercase();
        if lower.is_empty() {
            return Err(Miss::None);
        }
        if let Some(c) = self.channels.get(&lower) {
            if keep(c) {
                return Ok(lower);
            }
        }
        let mut found = self
            .channels
            .iter()
            .filter(|(k, c)| k.starts_with(&lower) && keep(c))
            .map(|(k, _)| k.clone());
        match (found.next(), found.next()) {
            (Some(one), None) => Ok(one),
            (None, _) => Err(Miss::None),
            _ => Err(Miss::Ambiguous),
        }
    }

    /// The channels `who` is on, in name order (lower-case names).
    pub fn joined(&self, who: Dbref) -> Vec<String> {
        self.channels
            .iter()
            .filter(|(_, c)| c.members.contains_key(&who))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The channels a new game starts with: Public (players, open) and Admin (admins).
    pub fn defaults(god: Dbref, buffer: usize) -> Vec<Channel> {
        let mut public = Channel::new("Public", god, Privs(Privs::PLAYER | Privs::OPEN));
        public.desc = "Public chat".into();
        public.buffer = buffer;
        let mut admin = Channel::new("Admin", god, Privs(Privs::ADMIN | Privs::PLAYER));
        admin.desc = "Admin chat".into();
        admin.buffer = buffer;
        vec![public, admin]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privs_parse_names_and_letters() {
        assert_eq!(
            Privs::parse("player quiet").map(Privs::letters),
            Ok("PQ".into())
        );
        assert_eq!(Privs::parse("Po").map(Privs::letters), Ok("Po".into()));
        assert_eq!(
            Privs::parse("hide_ok").map(Privs::names),
            Ok("Hide_Ok".into())
        );
        assert!(Privs::parse("nonsense").is_err());
    }

    #[test]
    fn recall_is_bounded() {
        let mut c = Channel::new("X", Dbref(1), Privs(Privs::PLAYER));
        assert!(c.remember(1, "a").is_none());
        c.buffer = 2;
        for t in ["a", "b", "c"] {
            c.remember(1, t);
        }
        let texts: Vec<_> = c.recall.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["b", "c"]);
    }

    #[test]
    fn prefixes_match_uniquely() {
        let mut chat = Chat::default();
        for c in Chat::defaults(Dbref(1), 0) {
            chat.channels.insert(c.name.to_lowercase(), c);
        }
        assert_eq!(chat.find("pub", |_| true), Ok("public".into()));
        assert_eq!(chat.find("x", |_| true), Err(Miss::None));
        chat.channels
            .insert("pubs".into(), Channel::new("Pubs", Dbref(1), Privs(0)));
        assert_eq!(chat.find("pub", |_| true), Err(Miss::Ambiguous));
        assert_eq!(chat.find("public", |_| true), Ok("public".into()));
        assert_eq!(Member::decode("GH\tThe Boss").title, "The Boss");
    }
}
