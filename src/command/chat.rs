//! Chat commands (PennMUSH's `help @channel`, `help @chat`): `@chat`, `+<channel>`,
//! `@cemit` and `@clock`; `@channel` and its switches are in `chat_channel.rs`.

use super::{find_player, refuse, split_equals, Caller, SwitchedFn};
use crate::chat::{Miss, LOCK_KINDS};
use crate::game::{Flow, Game};
use crate::world::{lock, Dbref};

pub const COMMANDS: &[(&str, SwitchedFn)] = &[
    ("@channel", super::chat_channel::channel),
    ("@chan", super::chat_channel::channel),
    ("@chat", chat),
    ("@cemit", cemit),
    ("@nscemit", cemit),
    ("@clock", clock),
];

/// What an unknown or ambiguous channel name answers.
pub fn miss_text(miss: Miss) -> &'static str {
    match miss {
        Miss::None => "CHAT: I don't recognize that channel.",
        Miss::Ambiguous => "CHAT: I don't know which channel you mean.",
    }
}

/// The channel `name` names among those `who` can see (lower-case name).
pub fn find_seen(game: &Game, who: Dbref, name: &str) -> Result<String, &'static str> {
    game.chat
        .find(name, |c| game.can_see_chan(c, who))
        .map_err(miss_text)
}

/// Speaks on a channel after the permission checks; the shared end of `@chat` and
/// `+<channel>`.
fn speak(game: &mut Game, caller: Caller, lower: &str, message: &str) -> Flow {
    let Some(c) = game.chat.channels.get(lower) else {
        return refuse(game, caller, miss_text(Miss::None));
    };
    if let Some(why) = game.speak_refusal(c, caller.player) {
        return refuse(game, caller, &why);
    }
    if message.trim().is_empty() {
        return refuse(game, caller, "CHAT: What do you want to say?");
    }
    game.chan_say(lower, caller.player, message);
    Flow::Continue
}

/// `@chat <channel>=<message>`.
fn chat(game: &mut Game, caller: Caller, _switches: &str, args: &str) -> Flow {
    let Some((name, message)) = split_equals(args) else {
        return refuse(
            game,
            caller,
            "CHAT: What do you want to say to that channel?",
        );
    };
    let lower = match find_seen(game, caller.player, name) {
        Ok(l) => l,
        Err(why) => return refuse(game, caller, why),
    };
    let message = match game.evaluate(caller.player, message) {
        Ok(m) => m,
        Err(_) => return refuse(game, caller, super::HUH),
    };
    speak(game, caller, &lower, &message)
}

/// `+<prefix> <message>`: when the word after `+` begins the name of exactly one
/// channel the player is on, speaks there; `None` lets the line go on to other commands.
pub fn plus(game: &mut Game, caller: Caller, line: &str) -> Option<Flow> {
    let rest = line.strip_prefix('+')?;
    let (word, message) = match rest.split_once(char::is_whitespace) {
        Some((w, m)) => (w, m.trim_start()),
        None => (rest, ""),
    };
    let who = caller.player;
    let lower = match game.chat.find(word, |c| c.members.contains_key(&who)) {
        Ok(l) => l,
        Err(Miss::Ambiguous) => return Some(refuse(game, caller, miss_text(Miss::Ambiguous))),
        Err(Miss::None) => return None,
    };
    let message = match game.evaluate(who, message) {
        Ok(m) => m,
        Err(_) => return Some(refuse(game, caller, super::HUH)),
    };
    Some(speak(game, caller, &lower, &message))
}

/// `@cemit[/noisy|/silent][/noeval] <channel>=<message>`: the message as it is, with
/// the `<Channel>` prefix only when noisy.
fn cemit(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    let Some((name, message)) = split_equals(args) else {
        return refuse(game, caller, "CHAT: What do you want to emit?");
    };
    let noisy = switches.split('/').any(|s| s == "noisy");
    let message = if switches.split('/').any(|s| s == "noeval") {
        message.to_string()
    } else {
        match game.evaluate(caller.player, message) {
            Ok(m) => m,
            Err(_) => return refuse(game, caller, super::HUH),
        }
    };
    if let Err(why) = cemit_as(game, caller.player, name, &message, noisy) {
        return refuse(game, caller, &why);
    }
    Flow::Continue
}

/// An `@cemit` or `cemit()` by `who`; `Err` is what to tell them.
pub fn cemit_as(
    game: &mut Game,
    who: Dbref,
    name: &str,
    message: &str,
    noisy: bool,
) -> Result<(), String> {
    let lower = find_seen(game, who, name).map_err(String::from)?;
    let Some(c) = game.chat.channels.get(&lower) else {
        return Err(miss_text(Miss::None).into());
    };
    if c.privs.has(crate::chat::Privs::NOCEMIT) && !game.chat_admin(who) {
        return Err(format!("CHAT: @cemit is not allowed on <{}>.", c.name));
    }
    let on = c.members.contains_key(&who);
    if !game.chat_admin(who) && (!on || game.speak_refusal(c, who).is_some()) {
        return Err(format!(
            "CHAT: You do not have permission to speak on <{}>.",
            c.name
        ));
    }
    let text = if noisy {
        format!("<{}> {message}", c.name)
    } else {
        message.to_string()
    };
    game.chan_broadcast(&lower, &text, false, true);
    Ok(())
}

/// `@clock/<kind> <channel>[=<key>]`: sets or clears a channel lock.
fn clock(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    let kind = if switches.is_empty() {
        "join"
    } else {
        switches
    };
    if !LOCK_KINDS.contains(&kind) {
        return refuse(game, caller, "CHAT: Unknown lock type.");
    }
    let (name, key) = split_equals(args).unwrap_or((args, ""));
    match set_clock(game, caller.player, name, kind, key) {
        Ok(text) | Err(text) => refuse(game, caller, &text),
    }
}

/// Sets (non-empty `key`) or clears a channel lock as `who`; the answer either way.
pub fn set_clock(
    game: &mut Game,
    who: Dbref,
    name: &str,
    kind: &str,
    key: &str,
) -> Result<String, String> {
    let lower = find_seen(game, who, name).map_err(String::from)?;
    let Some(c) = game.chat.channels.get(&lower) else {
        return Err(miss_text(Miss::None).into());
    };
    if !game.can_modify_chan(c, who) {
        return Err("CHAT: Permission denied.".into());
    }
    let cname = c.name.clone();
    let label = match kind {
        "join" => "Joinlock",
        "speak" => "Speaklock",
        "see" => "Seelock",
        "hide" => "Hidelock",
        _ => "Modlock",
    };
    let field = format!("lock:{kind}");
    if key.trim().is_empty() {
        if let Some(c) = game.chat.channels.get_mut(&lower) {
            c.locks.remove(kind);
        }
        game.ctx.wb.push(
            crate::store::Key::Chan(lower),
            crate::store::write_behind::Op::Remove(field),
        );
        return Ok(format!("CHAT: {label} on <{cname}> reset."));
    }
    let parsed = {
        let world = &game.world;
        let finder = |n: &str| -> Result<Dbref, String> {
            if n.eq_ignore_ascii_case("me") {
                return Ok(who);
            }
            world
                .player_by_name(n.trim_start_matches('*'))
                .ok_or_else(|| format!("I can't find \"{n}\" for that lock."))
        };
        lock::parse(key, &finder)
    }?;
    let text = parsed.to_string();
    if let Some(c) = game.chat.channels.get_mut(&lower) {
        c.locks.insert(kind.to_string(), text.clone());
    }
    game.chan_save_field(&lower, &field, text);
    Ok(format!("CHAT: {label} on <{cname}> set."))
}

/// A player named in an `@channel` command, or the message why not.
pub fn named_player(game: &Game, caller: Caller, name: &str) -> Result<Dbref, String> {
    find_player(game, caller, name)
}
