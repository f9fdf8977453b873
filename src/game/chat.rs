//! The game's side of channels: who may see, join, speak on and change a channel,
//! and how a message reaches the members and the recall buffer.

use tracing::info;

use super::{now_secs, Game};
use crate::chat::{persist, Channel, Chat, Member, Privs};
use crate::server::ServerContext;
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::world::{lock, Dbref, ObjectKind, Trier};

/// The channels from the store; a new game gets Public and Admin, owned by God.
pub async fn load_or_create(ctx: &ServerContext) -> Chat {
    if let Some(chat) = persist::load(&*ctx.store).await {
        return chat;
    }
    let mut chat = Chat::default();
    let buffer = ctx
        .config
        .game
        .chat_recall_lines
        .min(ctx.config.game.chat_max_recall);
    for c in Chat::defaults(super::GOD, buffer) {
        persist::queue(&ctx.wb, persist::whole(&c));
        chat.channels.insert(c.name.to_lowercase(), c);
    }
    info!("created the default channels");
    chat
}

/// How a member speaks: `"` says, `:` poses, `;` semiposes.
pub fn speech(channel: &str, speaker: &str, message: &str) -> String {
    if let Some(rest) = message.strip_prefix(':') {
        format!("<{channel}> {speaker} {rest}")
    } else if let Some(rest) = message.strip_prefix(';') {
        format!("<{channel}> {speaker}{rest}")
    } else {
        format!("<{channel}> {speaker} says, \"{message}\"")
    }
}

impl Game {
    /// Whether `who` counts as a chat admin (PennMUSH: wizard, royalty or Chat_Privs).
    pub fn chat_admin(&self, who: Dbref) -> bool {
        self.is_wizard(who)
    }

    /// Whether `who` passes `kind` of the channel's locks (an unset lock passes).
    pub fn passes_clock(&self, c: &Channel, kind: &str, who: Dbref) -> bool {
        let Some(text) = c.locks.get(kind) else {
            return true;
        };
        let Some(obj) = self.world.get(who) else {
            return false;
        };
        match lock::parse(text, &|name| Err(format!("unresolved name {name}"))) {
            Ok(key) => key.eval(&Trier {
                world: &self.world,
                obj,
            }),
            Err(_) => false,
        }
    }

    /// Whether the channel's type and admin privileges let `who` use it at all.
    fn chan_type_ok(&self, c: &Channel, who: Dbref) -> bool {
        if self.chat_admin(who) {
            return true;
        }
        if c.privs.has(Privs::WIZARD) || c.privs.has(Privs::ADMIN) {
            return false;
        }
        let player = self
            .world
            .get(who)
            .is_some_and(|o| o.kind == ObjectKind::Player);
        if player {
            c.privs.has(Privs::PLAYER)
        } else {
            c.privs.has(Privs::OBJECT)
        }
    }

    /// Whether `who` may see the channel in lists and look it up.
    pub fn can_see_chan(&self, c: &Channel, who: Dbref) -> bool {
        self.chat_admin(who)
            || c.owner == who
            || c.members.contains_key(&who)
            || (self.chan_type_ok(c, who) && self.passes_clock(c, "see", who))
    }

    /// Whether `who` may join the channel.
    pub fn can_join_chan(&self, c: &Channel, who: Dbref) -> bool {
        if self.chat_admin(who) {
            return true;
        }
        !c.privs.has(Privs::DISABLED)
            && self.chan_type_ok(c, who)
            && self.passes_clock(c, "join", who)
    }

    /// Whether `who` may change the channel (owner, admin, or its mod lock when set).
    pub fn can_modify_chan(&self, c: &Channel, who: Dbref) -> bool {
        self.chat_admin(who)
            || c.owner == who
            || (c.locks.contains_key("mod") && self.passes_clock(c, "mod", who))
    }

    /// Why `who` may not speak on the channel, if it may not.
    pub fn speak_refusal(&self, c: &Channel, who: Dbref) -> Option<String> {
        let on = c.members.get(&who);
        if c.privs.has(Privs::DISABLED) && !self.chat_admin(who) {
            return Some(format!("CHAT: Channel <{}> is disabled.", c.name));
        }
        let listening = on.is_some_and(|m| !m.gag);
        if !listening && !c.privs.has(Privs::OPEN) {
            return Some(format!("CHAT: You must be on <{}> to speak on it.", c.name));
        }
        if !self.chan_type_ok(c, who) || !self.passes_clock(c, "speak", who) {
            return Some(format!(
                "CHAT: You do not have permission to speak on <{}>.",
                c.name
            ));
        }
        None
    }

    /// How `who` is named on the channel: title (unless NOTITLES) and name (unless
    /// NONAMES; "Someone" when nothing is left).
    pub fn chan_speaker(&self, c: &Channel, who: Dbref) -> String {
        let title = c
            .members
            .get(&who)
            .map(|m| m.title.as_str())
            .filter(|t| !t.is_empty() && !c.privs.has(Privs::NOTITLES));
        let name = (!c.privs.has(Privs::NONAMES)).then(|| self.name(who));
        match (title, name) {
            (Some(t), Some(n)) => format!("{t} {n}"),
            (Some(t), None) => t.to_string(),
            (None, Some(n)) => n,
            (None, None) => "Someone".into(),
        }
    }

    /// Tells every member who listens (not gagged; not muted when `notice`) a line,
    /// remembers it in the recall buffer, and counts it when `counted`.
    pub fn chan_broadcast(&mut self, lower: &str, text: &str, notice: bool, counted: bool) {
        let Some(c) = self.chat.channels.get(lower) else {
            return;
        };
        for (who, m) in &c.members {
            if m.gag || (notice && m.mute) {
                continue;
            }
            self.tell(*who, text);
        }
        self.chan_remember(lower, text, counted);
    }

    /// Adds a line to the channel's recall buffer (and the store), counting it as a
    /// message when `counted`.
    pub fn chan_remember(&mut self, lower: &str, text: &str, counted: bool) {
        let Some(c) = self.chat.channels.get_mut(lower) else {
            return;
        };
        let key = Key::Chan(lower.to_string());
        if counted {
            c.msgs += 1;
            self.ctx.wb.set(key, "msgs", c.msgs.to_string());
        }
        if let Some((line, gone)) = c.remember(now_secs(), text) {
            let rkey = Key::ChanRecall(lower.to_string());
            self.ctx.wb.set(
                rkey.clone(),
                &persist::recall_field(line.seq),
                format!("{}\t{}", line.secs, line.text),
            );
            for seq in gone {
                self.ctx
                    .wb
                    .push(rkey.clone(), Op::Remove(persist::recall_field(seq)));
            }
        }
    }

    /// Stores one member's settings (or their leaving, when they are gone).
    pub fn chan_save_member(&self, lower: &str, who: Dbref) {
        let key = Key::Chan(lower.to_string());
        let field = persist::member_field(who);
        match self
            .chat
            .channels
            .get(lower)
            .and_then(|c| c.members.get(&who))
        {
            Some(m) => self.ctx.wb.set(key, &field, m.encode()),
            None => self.ctx.wb.push(key, Op::Remove(field)),
        }
    }

    /// Stores one field of a channel's definition.
    pub fn chan_save_field(&self, lower: &str, field: &str, value: String) {
        self.ctx.wb.set(Key::Chan(lower.to_string()), field, value);
    }

    /// Puts `who` on the channel and announces it.
    pub fn chan_join(&mut self, lower: &str, who: Dbref) {
        let name = self.name(who);
        let Some(c) = self.chat.channels.get_mut(lower) else {
            return;
        };
        c.members.insert(who, Member::default());
        let text = format!("<{}> {name} has joined this channel.", c.name);
        self.chan_save_member(lower, who);
        self.chan_broadcast(lower, &text, true, false);
    }

    /// Takes `who` off the channel and tells those left.
    pub fn chan_leave(&mut self, lower: &str, who: Dbref) {
        let name = self.name(who);
        let Some(c) = self.chat.channels.get_mut(lower) else {
            return;
        };
        c.members.remove(&who);
        let text = format!("<{}> {name} has left this channel.", c.name);
        self.chan_save_member(lower, who);
        self.chan_broadcast(lower, &text, true, false);
    }

    /// Says, poses or semiposes `message` on the channel as `who` (permission already
    /// checked).
    pub fn chan_say(&mut self, lower: &str, who: Dbref, message: &str) {
        let Some(c) = self.chat.channels.get(lower) else {
            return;
        };
        let text = speech(&c.name, &self.chan_speaker(c, who), message);
        self.chan_broadcast(lower, &text, false, true);
    }

    /// Tells connected members of non-quiet channels that `who` connected or
    /// disconnected (`what`: "connected" or "disconnected").
    pub fn chan_connection_notice(&mut self, who: Dbref, what: &str) {
        let name = self.name(who);
        for lower in self.chat.joined(who) {
            let Some(c) = self.chat.channels.get(&lower) else {
                continue;
            };
            if c.privs.has(Privs::QUIET) || c.members.get(&who).is_some_and(|m| m.hide) {
                continue;
            }
            let text = format!("<{}> {name} has {what}.", c.name);
            for (member, m) in &c.members {
                if *member != who && !m.gag && !m.mute {
                    self.tell(*member, &text);
                }
            }
        }
    }

    /// A player's last connection closed: the channels hear it (unless quiet or the
    /// player is dark), and their gags are lifted, as in PennMUSH.
    pub fn chan_disconnected(&mut self, who: Dbref) {
        if !self.is_dark(who) {
            self.chan_connection_notice(who, "disconnected");
        }
        for lower in self.chat.joined(who) {
            let gagged = self
                .chat
                .channels
                .get_mut(&lower)
                .and_then(|c| c.members.get_mut(&who))
                .filter(|m| m.gag);
            if let Some(m) = gagged {
                m.gag = false;
                self.chan_save_member(&lower, who);
            }
        }
    }

    /// An object is destroyed: it leaves every channel, and God takes over its own.
    pub fn chan_forget(&mut self, who: Dbref) {
        let mut touched = Vec::new();
        for (lower, c) in self.chat.channels.iter_mut() {
            let was_member = c.members.remove(&who).is_some();
            let was_owner = c.owner == who;
            if was_owner {
                c.owner = super::GOD;
            }
            if was_member || was_owner {
                touched.push((lower.clone(), was_member, was_owner));
            }
        }
        for (lower, member, owner) in touched {
            if member {
                self.chan_save_member(&lower, who);
            }
            if owner {
                self.chan_save_field(&lower, "owner", super::GOD.to_string());
            }
        }
    }
}
