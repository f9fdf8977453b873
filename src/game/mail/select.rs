//! PennMUSH's message lists: `3`, `2-5`, `-7`, `3-`, `1:2-5`, `1:`, `*sender`, `~3`
//! (days old), `<2`, `>1`, `read`, `unread`, `cleared`, `tagged`, `urgent`, `folder`
//! and `all`.

use super::{Mailbox, CLEARED, MAX_FOLDER, READ, TAGGED, URGENT};
use crate::world::Dbref;

/// Which messages a message list picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// `None`: the current folder.
    pub folder: Option<u8>,
    pub all_folders: bool,
    /// 1-based, inclusive.
    pub low: usize,
    pub high: usize,
    /// A flag that must be set (`true`) or clear.
    pub flag: Option<(u8, bool)>,
    pub sender: Option<Dbref>,
    /// `('~' | '<' | '>', days)`.
    pub age: Option<(char, u64)>,
}

impl Default for Selector {
    fn default() -> Self {
        Selector {
            folder: None,
            all_folders: false,
            low: 1,
            high: usize::MAX,
            flag: None,
            sender: None,
            age: None,
        }
    }
}

/// Parses a folder number, `0`-`15`.
pub fn folder_number(text: &str) -> Option<u8> {
    text.trim().parse::<u8>().ok().filter(|f| *f <= MAX_FOLDER)
}

/// Parses a message list; `Err` is the message to show. `find` looks up `*sender`.
pub fn parse(text: &str, find: impl Fn(&str) -> Option<Dbref>) -> Result<Selector, String> {
    let text = text.trim();
    let mut sel = Selector::default();
    let lower = text.to_ascii_lowercase();
    let flag = match lower.as_str() {
        "" | "folder" => return Ok(sel),
        "all" => {
            sel.all_folders = true;
            return Ok(sel);
        }
        "read" => Some((READ, true)),
        "unread" => Some((READ, false)),
        "cleared" => Some((CLEARED, true)),
        "tagged" => Some((TAGGED, true)),
        "urgent" => Some((URGENT, true)),
        _ => None,
    };
    if flag.is_some() {
        sel.flag = flag;
        return Ok(sel);
    }
    if let Some(name) = text.strip_prefix('*') {
        sel.sender = Some(find(name).ok_or("MAIL: Invalid player")?);
        return Ok(sel);
    }
    let mut chars = text.chars();
    if let Some(c @ ('~' | '<' | '>')) = chars.next() {
        let days = chars
            .as_str()
            .trim()
            .parse()
            .map_err(|_| "MAIL: Message ages must be integers")?;
        sel.age = Some((c, days));
        return Ok(sel);
    }
    let invalid = || "MAIL: Invalid message specification".to_string();
    let range = match text.split_once(':') {
        Some((f, rest)) => {
            sel.folder = Some(folder_number(f).ok_or_else(invalid)?);
            rest
        }
        None => text,
    };
    let num = |s: &str| s.trim().parse::<usize>().ok().filter(|n| *n > 0);
    match range.split_once('-') {
        _ if range.is_empty() => {}
        None => {
            sel.low = num(range).ok_or_else(invalid)?;
            sel.high = sel.low;
        }
        Some((lo, hi)) => {
            if !lo.trim().is_empty() {
                sel.low = num(lo).ok_or_else(invalid)?;
            }
            if !hi.trim().is_empty() {
                sel.high = num(hi).ok_or_else(invalid)?;
            }
        }
    }
    Ok(sel)
}

impl Selector {
    /// Whether this names exactly one message by number (`@mail 3` reads it).
    pub fn is_single(&self) -> bool {
        self.low == self.high && !self.all_folders
    }

    /// The indices into `mb.messages` picked, in order.
    pub fn pick(&self, mb: &Mailbox, now: u64) -> Vec<usize> {
        let folder = self.folder.unwrap_or(mb.meta.current);
        mb.numbered()
            .into_iter()
            .filter(|(_, f, _)| self.all_folders || *f == folder)
            .filter(|(_, _, n)| (self.low..=self.high).contains(n))
            .filter_map(|(i, _, _)| {
                let m = mb.messages.get(i)?;
                let flag_ok = self.flag.is_none_or(|(bit, on)| m.has(bit) == on);
                let sender_ok = self.sender.is_none_or(|s| m.from == s);
                let days = now.saturating_sub(m.time) / 86_400;
                let age_ok = match self.age {
                    None => true,
                    Some(('~', d)) => days == d,
                    Some(('<', d)) => days < d,
                    Some((_, d)) => days > d,
                };
                (flag_ok && sender_ok && age_ok).then_some(i)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Selector, String> {
        parse(text, |n| (n == "ann").then_some(Dbref(4)))
    }

    #[test]
    fn message_lists_parse() {
        let s = p("3").expect("single");
        assert_eq!((s.low, s.high, s.folder), (3, 3, None));
        assert!(s.is_single());
        let s = p("1:2-5").expect("range");
        assert_eq!((s.low, s.high, s.folder), (2, 5, Some(1)));
        let s = p("-7").expect("open start");
        assert_eq!((s.low, s.high), (1, 7));
        let s = p("3-").expect("open end");
        assert_eq!((s.low, s.high), (3, usize::MAX));
        assert!(p("all").expect("all").all_folders);
        assert_eq!(p("unread").expect("flag").flag, Some((READ, false)));
        assert_eq!(p("*ann").expect("sender").sender, Some(Dbref(4)));
        assert_eq!(p("~2").expect("age").age, Some(('~', 2)));
        assert!(p("*bob").is_err());
        assert!(p("16:1").is_err());
        assert!(p("x").is_err());
        assert!(p("0").is_err());
        assert!(p("<x").is_err());
    }
}
