//! @mail: every player's mailbox, kept in memory on the game task and written through
//! the store as one record per mailbox.
//!
//! Key scheme: `mail:#<player>` (Redis: `<prefix>:mail:#<player>`, indexed in the set
//! `<prefix>:mails`). Its fields are `m<id>` → one message (MessagePack) and `meta` →
//! the folder names, the current folder and the next message id (MessagePack).
//! Messages are numbered per folder in the order they arrived (`@mail 0:3`).

pub mod select;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use tracing::warn;

use crate::server::ServerContext;
use crate::store::write_behind::Op;
use crate::store::{Key, KeyKind, StoredFields};
use crate::world::Dbref;

/// Folders are numbered 0 (the inbox) to `MAX_FOLDER`, as in PennMUSH.
pub const MAX_FOLDER: u8 = 15;
/// The longest subject kept; longer ones are cut.
pub const MAX_SUBJECT: usize = 200;
/// The longest message body accepted.
pub const MAX_BODY: usize = 8000;
/// The longest folder name.
pub const MAX_FOLDER_NAME: usize = 20;

/// Message status bits.
pub const READ: u8 = 1;
pub const CLEARED: u8 = 2;
pub const TAGGED: u8 = 4;
pub const URGENT: u8 = 8;
pub const FORWARD: u8 = 16;
pub const REPLY: u8 = 32;

/// One message in its recipient's mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Unique within the mailbox, rising in the order messages arrive.
    pub id: u64,
    pub from: Dbref,
    /// Unix seconds.
    pub time: u64,
    pub subject: String,
    pub body: String,
    pub folder: u8,
    pub flags: u8,
}

impl Message {
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// PennMUSH's status characters in `@mail/list`: `NCUF+` or `-` for each.
    pub fn status_chars(&self) -> String {
        [
            (!self.has(READ), 'N'),
            (self.has(CLEARED), 'C'),
            (self.has(URGENT), 'U'),
            (self.has(FORWARD), 'F'),
            (self.has(TAGGED), '+'),
        ]
        .iter()
        .map(|(on, c)| if *on { *c } else { '-' })
        .collect()
    }

    /// The status words `@mail <n>` shows.
    pub fn status_words(&self) -> String {
        let mut words = Vec::new();
        if self.has(CLEARED) {
            words.push("Cleared");
        }
        if self.has(URGENT) {
            words.push("Urgent");
        }
        if !self.has(READ) {
            words.push("Unread");
        }
        if self.has(FORWARD) {
            words.push("Fwd");
        }
        if self.has(TAGGED) {
            words.push("Tagged");
        }
        words.join(" ")
    }

    fn encode(&self) -> Vec<u8> {
        rmp_serde::to_vec(self).unwrap_or_default()
    }
}

/// A mailbox's settings, stored in its `meta` field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub names: BTreeMap<u8, String>,
    pub current: u8,
    pub next_id: u64,
}

/// One player's mail.
#[derive(Debug, Clone, Default)]
pub struct Mailbox {
    /// In arrival order.
    pub messages: Vec<Message>,
    pub meta: Meta,
}

impl Mailbox {
    pub fn folder_name(&self, folder: u8) -> String {
        match self.meta.names.get(&folder) {
            Some(n) => n.clone(),
            None if folder == 0 => "INBOX".into(),
            None => String::new(),
        }
    }

    /// Counts in a folder: (read, unread, cleared), a cleared message counted once.
    pub fn counts(&self, folder: u8) -> (usize, usize, usize) {
        let (mut read, mut unread, mut cleared) = (0, 0, 0);
        for m in self.messages.iter().filter(|m| m.folder == folder) {
            if m.has(CLEARED) {
                cleared += 1;
            } else if m.has(READ) {
                read += 1;
            } else {
                unread += 1;
            }
        }
        (read, unread, cleared)
    }

    /// A message by folder and 1-based number within it.
    pub fn nth(&self, folder: u8, n: usize) -> Option<&Message> {
        self.messages
            .iter()
            .filter(|m| m.folder == folder)
            .nth(n.checked_sub(1)?)
    }

    /// The folder-relative number of every message: (index, folder, number).
    pub fn numbered(&self) -> Vec<(usize, u8, usize)> {
        let mut seen = [0usize; MAX_FOLDER as usize + 1];
        let mut out = Vec::with_capacity(self.messages.len());
        for (i, m) in self.messages.iter().enumerate() {
            if let Some(c) = seen.get_mut(m.folder as usize) {
                *c += 1;
                out.push((i, m.folder, *c));
            }
        }
        out
    }
}

/// Everyone's mail, and the drafts being written.
#[derive(Debug, Default)]
pub struct Mail {
    boxes: HashMap<Dbref, Mailbox>,
    /// Messages being composed with `@mail/quick`-less drafting (`- text`).
    pub drafts: HashMap<Dbref, Draft>,
}

/// A message being written: recipients, subject and the text so far.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub to: Vec<Dbref>,
    pub subject: String,
    pub body: String,
    pub flags: u8,
}

fn field_of(id: u64) -> String {
    format!("m{id}")
}

impl Mail {
    pub fn get(&self, player: Dbref) -> Option<&Mailbox> {
        self.boxes.get(&player)
    }

    pub fn get_mut(&mut self, player: Dbref) -> &mut Mailbox {
        self.boxes.entry(player).or_default()
    }

    /// Every mailbox, for statistics.
    pub fn all(&self) -> impl Iterator<Item = (&Dbref, &Mailbox)> {
        self.boxes.iter()
    }

    /// Builds the mail from the store's `mail:` records.
    pub fn from_records(records: Vec<(Key, StoredFields)>) -> Mail {
        let mut mail = Mail::default();
        for (key, fields) in records {
            let Key::Mail(player) = key else { continue };
            let mut mb = Mailbox::default();
            for (name, value) in &fields {
                if name == "meta" {
                    match rmp_serde::from_slice(value) {
                        Ok(meta) => mb.meta = meta,
                        Err(e) => warn!(%player, error = %e, "unreadable mailbox settings"),
                    }
                } else if name.starts_with('m') {
                    match rmp_serde::from_slice::<Message>(value) {
                        Ok(m) => mb.messages.push(m),
                        Err(e) => warn!(%player, field = %name, error = %e, "unreadable mail"),
                    }
                }
            }
            mb.messages.sort_unstable_by_key(|m| m.id);
            let top = mb.messages.last().map_or(0, |m| m.id + 1);
            mb.meta.next_id = mb.meta.next_id.max(top);
            mail.boxes.insert(player, mb);
        }
        mail
    }

    /// Delivers a message to `to`'s inbox (the caller checked the limit); returns its
    /// number in the inbox.
    pub fn deliver(&mut self, ctx: &ServerContext, to: Dbref, mut msg: Message) -> usize {
        let mb = self.get_mut(to);
        msg.id = mb.meta.next_id;
        msg.folder = 0;
        mb.meta.next_id += 1;
        ctx.wb.set(Key::Mail(to), &field_of(msg.id), msg.encode());
        mb.messages.push(msg);
        save_meta(ctx, to, mb);
        mb.messages.iter().filter(|m| m.folder == 0).count()
    }

    /// Writes one message again after its flags or folder changed.
    pub fn save_message(&self, ctx: &ServerContext, player: Dbref, index: usize) {
        if let Some(m) = self.get(player).and_then(|mb| mb.messages.get(index)) {
            ctx.wb.set(Key::Mail(player), &field_of(m.id), m.encode());
        }
    }

    /// Writes a mailbox's settings.
    pub fn save_meta(&self, ctx: &ServerContext, player: Dbref) {
        if let Some(mb) = self.get(player) {
            save_meta(ctx, player, mb);
        }
    }

    /// Removes every cleared message; returns how many went.
    pub fn purge(&mut self, ctx: &ServerContext, player: Dbref) -> usize {
        let Some(mb) = self.boxes.get_mut(&player) else {
            return 0;
        };
        let before = mb.messages.len();
        mb.messages.retain(|m| {
            if m.has(CLEARED) {
                ctx.wb.push(Key::Mail(player), Op::Remove(field_of(m.id)));
                false
            } else {
                true
            }
        });
        before - mb.messages.len()
    }

    /// Forgets a destroyed player's mailbox.
    pub fn remove_box(&mut self, ctx: &ServerContext, player: Dbref) {
        if self.boxes.remove(&player).is_some() {
            ctx.wb.push(Key::Mail(player), Op::Delete);
        }
        self.drafts.remove(&player);
    }

    /// (sent, received) counts for `@mail/stats` and `mailstats()`.
    pub fn stats(&self, player: Dbref) -> (usize, usize) {
        let sent = self
            .boxes
            .values()
            .flat_map(|mb| mb.messages.iter())
            .filter(|m| m.from == player)
            .count();
        let received = self.get(player).map_or(0, |mb| mb.messages.len());
        (sent, received)
    }
}

fn save_meta(ctx: &ServerContext, player: Dbref, mb: &Mailbox) {
    let bytes = rmp_serde::to_vec(&mb.meta).unwrap_or_default();
    ctx.wb.set(Key::Mail(player), "meta", bytes);
}

/// Reads every mailbox (none, with a warning, when the store cannot be read).
pub async fn load(ctx: &ServerContext) -> Mail {
    match ctx.store.load(KeyKind::Mail).await {
        Ok(records) => Mail::from_records(records),
        Err(e) => {
            warn!(error = %e, "cannot read the mail; starting without it");
            Mail::default()
        }
    }
}

/// A subject cut to `MAX_SUBJECT` characters.
pub fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The login notice: one line per folder holding mail.
pub fn check_mail(game: &crate::game::Game, player: Dbref) {
    let Some(mb) = game.mail.get(player) else {
        game.tell(player, "MAIL: You have no mail.");
        return;
    };
    let mut total = 0;
    for f in 0..=MAX_FOLDER {
        let (r, u, c) = mb.counts(f);
        let n = r + u + c;
        if n > 0 {
            game.tell(
                player,
                &format!(
                    "MAIL: {n} messages in folder {f} [{}] ({u} unread, {c} cleared).",
                    mb.folder_name(f)
                ),
            );
            total += n;
            let limit = game.ctx.config.game.mailbox_limit;
            if f == 0 && n + 5 > limit {
                game.tell(
                    player,
                    &format!("MAIL: Warning! Limit on inbox messages is {limit}!"),
                );
            }
        }
    }
    if total == 0 {
        game.tell(player, "MAIL: You have no mail.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: u64, folder: u8, flags: u8) -> Message {
        Message {
            id,
            from: Dbref(1),
            time: 0,
            subject: "s".into(),
            body: "b".into(),
            folder,
            flags,
        }
    }

    #[test]
    fn records_round_trip_and_count() {
        let m = msg(3, 0, READ | TAGGED);
        let meta = Meta {
            current: 1,
            ..Meta::default()
        };
        let mut fields = StoredFields::new();
        fields.insert("m3".into(), m.encode());
        fields.insert("m4".into(), msg(4, 0, CLEARED).encode());
        fields.insert("m5".into(), b"junk".to_vec());
        fields.insert("meta".into(), rmp_serde::to_vec(&meta).unwrap_or_default());
        let mail = Mail::from_records(vec![(Key::Mail(Dbref(7)), fields)]);
        let mb = mail.get(Dbref(7)).expect("mailbox");
        assert_eq!(mb.messages.len(), 2);
        assert_eq!(mb.meta.current, 1);
        assert_eq!(mb.meta.next_id, 5);
        assert_eq!(mb.counts(0), (1, 0, 1));
        assert_eq!(mb.messages[0].status_chars(), "----+");
        assert_eq!(mb.nth(0, 2).map(|m| m.id), Some(4));
        assert_eq!(mb.nth(0, 0), None);
        assert_eq!(mb.folder_name(0), "INBOX");
    }
}
