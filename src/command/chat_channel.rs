//! `@channel` and its switches (PennMUSH's `help @channel`).

use super::chat::{find_seen, miss_text, named_player};
use super::{split_equals, Caller};
use crate::chat::MAX_TITLE;
use crate::chat::{persist, valid_name, Channel, Miss, Privs, MAX_CHANNELS, MAX_DESC, MAX_OWNED};
use crate::game::{Flow, Game};
use crate::world::Dbref;

/// `@channel/<switch> <args>`.
pub fn channel(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    let switch = switches.split('/').next().unwrap_or("");
    let (left, right) = match split_equals(args) {
        Some((l, r)) => (l.trim(), Some(r.trim())),
        None => (args.trim(), None),
    };
    let result = match switch {
        "add" => add(game, caller.player, left, right),
        "delete" => delete(game, caller.player, left),
        "join" | "on" => join(game, caller, left, right),
        "leave" | "off" => leave(game, caller, left, right),
        "who" => who(game, caller.player, left),
        "list" | "" => Ok(list(game, caller.player, left)),
        "what" => Ok(what(game, caller.player, left)),
        "title" => title(game, caller.player, left, right),
        "mute" | "gag" | "hide" => member_flag(game, caller.player, switch, left, right, true),
        "unmute" | "ungag" | "unhide" => {
            let flag = switch.strip_prefix("un").unwrap_or(switch);
            member_flag(game, caller.player, flag, left, right, false)
        }
        "describe" | "desc" | "rename" | "name" | "chown" | "privs" | "buffer" | "wipe" => {
            modify(game, caller, switch, left, right.unwrap_or(""))
        }
        "recall" => recall(game, caller.player, left, right),
        _ => Err("CHAT: Unknown @channel switch.".into()),
    };
    match result {
        Ok(text) | Err(text) => {
            if !text.is_empty() {
                game.reply(caller, &text);
            }
            Flow::Continue
        }
    }
}

type Answer = Result<String, String>;

fn add(game: &mut Game, who: Dbref, name: &str, privs: Option<&str>) -> Answer {
    if !valid_name(name) {
        return Err("CHAT: You need to specify a valid channel name.".into());
    }
    if game
        .chat
        .find(name, |_| true)
        .is_ok_and(|l| l == name.to_lowercase())
        || game.chat.channels.len() >= MAX_CHANNELS
    {
        return Err("CHAT: The channel needs a more unique name.".into());
    }
    let admin = game.chat_admin(who);
    let owned = game
        .chat
        .channels
        .values()
        .filter(|c| c.owner == who)
        .count();
    if !admin && owned >= MAX_OWNED {
        return Err("CHAT: You own too many channels already.".into());
    }
    let privs = match privs.filter(|p| !p.is_empty()) {
        None => Privs(Privs::PLAYER),
        Some(p) => Privs::parse(p).map_err(|w| format!("CHAT: Invalid privilege: {w}."))?,
    };
    if !admin && (privs.has(Privs::ADMIN) || privs.has(Privs::WIZARD)) {
        return Err("CHAT: Permission denied.".into());
    }
    let c = Channel::new(name, who, privs);
    persist::queue(&game.ctx.wb, persist::whole(&c));
    game.chat.channels.insert(name.to_lowercase(), c);
    Ok(format!("CHAT: Channel <{name}> created."))
}

fn delete(game: &mut Game, who: Dbref, name: &str) -> Answer {
    let lower = find_seen(game, who, name)?;
    let Some(c) = game.chat.channels.get(&lower) else {
        return Err(miss_text(Miss::None).into());
    };
    if c.owner != who && !game.chat_admin(who) {
        return Err("CHAT: Permission denied.".into());
    }
    let cname = c.name.clone();
    game.chat.channels.remove(&lower);
    persist::queue(&game.ctx.wb, persist::removal(&lower));
    Ok(format!("CHAT: Channel <{cname}> destroyed."))
}

/// The object an `=<player>` names (for a wizard or the channel's modifier), or the
/// caller.
fn target(game: &Game, caller: Caller, other: Option<&str>) -> Result<Dbref, String> {
    match other.filter(|o| !o.is_empty()) {
        None => Ok(caller.player),
        Some(name) => {
            let d = named_player(game, caller, name)?;
            if d != caller.player && !game.chat_admin(caller.player) {
                return Err("CHAT: Permission denied.".into());
            }
            Ok(d)
        }
    }
}

fn join(game: &mut Game, caller: Caller, name: &str, other: Option<&str>) -> Answer {
    let who = target(game, caller, other)?;
    let lower = find_seen(game, caller.player, name)?;
    let Some(c) = game.chat.channels.get(&lower) else {
        return Err(miss_text(Miss::None).into());
    };
    let cname = c.name.clone();
    if c.members.contains_key(&who) {
        return Err(format!("CHAT: You are already on channel <{cname}>."));
    }
    if !game.can_join_chan(c, who) {
        return Err(format!(
            "CHAT: Sorry, you're not allowed to join channel <{cname}>."
        ));
    }
    game.tell(who, &format!("CHAT: You join channel <{cname}>."));
    game.chan_join(&lower, who);
    Ok(String::new())
}

fn leave(game: &mut Game, caller: Caller, name: &str, other: Option<&str>) -> Answer {
    let who = target(game, caller, other)?;
    let lower = game
        .chat
        .find(name, |c| c.members.contains_key(&who))
        .map_err(miss_text)?;
    let cname = game
        .chat
        .get(&lower)
        .map(|c| c.name.clone())
        .unwrap_or_default();
    game.chan_leave(&lower, who);
    game.tell(who, &format!("CHAT: You leave channel <{cname}>."));
    Ok(String::new())
}

fn who(game: &Game, viewer: Dbref, name: &str) -> Answer {
    let lower = find_seen(game, viewer, name)?;
    let Some(c) = game.chat.channels.get(&lower) else {
        return Err(miss_text(Miss::None).into());
    };
    let admin = game.chat_admin(viewer);
    let names: Vec<String> = c
        .members
        .iter()
        .filter(|(d, m)| admin || !m.hide || **d == viewer)
        .map(|(d, _)| game.name(*d))
        .collect();
    if names.is_empty() {
        return Ok(format!("There are no connected players on <{}>.", c.name));
    }
    Ok(format!(
        "Members of channel <{}> are:\n  {}",
        c.name,
        names.join(", ")
    ))
}

/// One `@channel/list` row, as PennMUSH's legend lays it out.
fn list_row(c: &Channel, viewer: Dbref) -> String {
    let p = c.privs;
    let flag = |bit: u32, ch: char| if p.has(bit) { ch } else { '-' };
    let access: String = [
        flag(Privs::DISABLED, 'D'),
        flag(Privs::PLAYER, 'P'),
        flag(Privs::OBJECT, 'T'),
        if p.has(Privs::WIZARD) {
            'W'
        } else {
            flag(Privs::ADMIN, 'A')
        },
        flag(Privs::QUIET, 'Q'),
        flag(Privs::HIDE_OK, 'H'),
        flag(Privs::OPEN, 'o'),
    ]
    .iter()
    .collect();
    let lock = |k: &str, ch: char| if c.locks.contains_key(k) { ch } else { '-' };
    let locks: String = [
        lock("join", 'j'),
        lock("speak", 's'),
        lock("mod", 'm'),
        lock("see", 'v'),
        lock("hide", 'h'),
        if c.owner == viewer { '*' } else { '-' },
    ]
    .iter()
    .collect();
    let status = match c.members.get(&viewer) {
        None => "Off ".to_string(),
        Some(m) => format!(
            "{}{}{}-",
            if m.gag { "Gag " } else { "On  " },
            if m.mute { 'Q' } else { '-' },
            if m.hide { 'H' } else { '-' }
        ),
    };
    format!(
        "{:<26}{:>10}{:>9} [{access} {locks}] [{status:<7}] {:>3}",
        c.name,
        c.members.len(),
        c.msgs,
        c.buffer
    )
}

fn list(game: &Game, viewer: Dbref, prefix: &str) -> String {
    let lower = prefix.to_lowercase();
    let mut out =
        vec!["Channel Name               Num Users Num Msgs  Access Locks     Status   Buf".into()];
    for (k, c) in &game.chat.channels {
        if k.starts_with(&lower) && game.can_see_chan(c, viewer) {
            out.push(list_row(c, viewer));
        }
    }
    out.join("\n")
}

fn what(game: &Game, viewer: Dbref, prefix: &str) -> String {
    let lower = prefix.to_lowercase();
    let mut out = Vec::new();
    for (k, c) in &game.chat.channels {
        if k.starts_with(&lower) && game.can_see_chan(c, viewer) {
            out.push(format!(
                "Name: {}\nDescription: {}\nOwner: {}\nFlags: {}\nBuffer: {} lines",
                c.name,
                c.desc,
                game.name(c.owner),
                c.privs.names(),
                c.buffer
            ));
        }
    }
    if out.is_empty() {
        return "CHAT: I don't recognize that channel.".into();
    }
    out.join("\n")
}

/// The channel `who` is on that `name` names.
fn joined(game: &Game, who: Dbref, name: &str) -> Result<String, String> {
    game.chat
        .find(name, |c| c.members.contains_key(&who))
        .map_err(|m| miss_text(m).to_string())
}

fn title(game: &mut Game, who: Dbref, name: &str, text: Option<&str>) -> Answer {
    let lower = joined(game, who, name)?;
    let Some(c) = game.chat.channels.get_mut(&lower) else {
        return Err(miss_text(Miss::None).into());
    };
    let cname = c.name.clone();
    let Some(m) = c.members.get_mut(&who) else {
        return Err(miss_text(Miss::None).into());
    };
    let Some(text) = text else {
        return Ok(format!("CHAT: Your title on <{cname}> is '{}'.", m.title));
    };
    if text.chars().count() > MAX_TITLE {
        return Err("CHAT: Title too long.".into());
    }
    m.title = text.to_string();
    game.chan_save_member(&lower, who);
    if text.is_empty() {
        Ok(format!("CHAT: Title cleared on channel <{cname}>."))
    } else {
        Ok(format!("CHAT: Title set on channel <{cname}>."))
    }
}

/// `@channel/gag|mute|hide [<channel>][=yes|no]` (and `un...`): one channel, or every
/// channel the player is on.
fn member_flag(
    game: &mut Game,
    who: Dbref,
    flag: &str,
    name: &str,
    value: Option<&str>,
    default: bool,
) -> Answer {
    let on = match value.map(str::to_lowercase).as_deref() {
        None | Some("") => default,
        Some("yes") | Some("on") | Some("1") => true,
        Some("no") | Some("off") | Some("0") => false,
        Some(_) => return Err("CHAT: Say yes or no.".into()),
    };
    let channels = if name.is_empty() {
        game.chat.joined(who)
    } else {
        vec![joined(game, who, name)?]
    };
    let mut out = Vec::new();
    for lower in channels {
        let admin = game.chat_admin(who);
        let hide_ok = game.chat.channels.get(&lower).is_some_and(|c| {
            admin || (c.privs.has(Privs::HIDE_OK) && game.passes_clock(c, "hide", who))
        });
        let Some(c) = game.chat.channels.get_mut(&lower) else {
            continue;
        };
        let cname = c.name.clone();
        let Some(m) = c.members.get_mut(&who) else {
            continue;
        };
        let text = match (flag, on) {
            ("gag", true) => "You will no longer hear messages on channel",
            ("gag", false) => "You will now hear messages on channel",
            ("mute", true) => "You will no longer hear connection messages on channel",
            ("mute", false) => "You will now hear connection messages on channel",
            ("hide", true) if !hide_ok => "You are not permitted to hide on channel",
            ("hide", true) => "You are now hidden on channel",
            _ => "You are no longer hidden on channel",
        };
        match flag {
            "gag" => m.gag = on,
            "mute" => m.mute = on,
            _ => m.hide = on && hide_ok,
        }
        game.chan_save_member(&lower, who);
        out.push(format!("CHAT: {text} <{cname}>."));
    }
    Ok(out.join("\n"))
}

fn modify(game: &mut Game, caller: Caller, switch: &str, name: &str, value: &str) -> Answer {
    let who = caller.player;
    let lower = find_seen(game, who, name)?;
    let admin = game.chat_admin(who);
    let Some(c) = game.chat.channels.get(&lower) else {
        return Err(miss_text(Miss::None).into());
    };
    if !game.can_modify_chan(c, who) || (switch == "chown" && !admin) {
        return Err("CHAT: Permission denied.".into());
    }
    let cname = c.name.clone();
    match switch {
        "describe" | "desc" => {
            if value.chars().count() > MAX_DESC {
                return Err("CHAT: New description too long.".into());
            }
            set_channel(game, &lower, |c| c.desc = value.to_string());
            game.chan_save_field(&lower, "desc", value.to_string());
            Ok(format!("CHAT: Channel <{cname}> description set."))
        }
        "privs" => {
            let privs =
                Privs::parse(value).map_err(|w| format!("CHAT: Invalid privilege: {w}."))?;
            set_channel(game, &lower, |c| c.privs = privs);
            game.chan_save_field(&lower, "privs", privs.letters());
            Ok(format!("CHAT: Privileges set on channel <{cname}>."))
        }
        "buffer" => {
            let lines: usize = value
                .trim()
                .parse()
                .map_err(|_| "CHAT: Invalid buffer size.".to_string())?;
            let lines = lines.min(game.ctx.config.game.chat_max_recall);
            set_channel(game, &lower, |c| {
                c.buffer = lines;
                c.trim_recall();
            });
            if let Some(c) = game.chat.channels.get(&lower) {
                persist::queue(&game.ctx.wb, persist::whole(c));
            }
            Ok(if lines == 0 {
                format!("CHAT: Buffering disabled on channel <{cname}>.")
            } else {
                format!("CHAT: Buffering enabled on channel <{cname}>.")
            })
        }
        "chown" => {
            let owner = named_player(game, caller, value)?;
            set_channel(game, &lower, |c| c.owner = owner);
            game.chan_save_field(&lower, "owner", owner.to_string());
            Ok(format!(
                "CHAT: Channel <{cname}> now owned by {}.",
                game.name(owner)
            ))
        }
        "wipe" => {
            set_channel(game, &lower, |c| c.members.clear());
            if let Some(c) = game.chat.channels.get(&lower) {
                persist::queue(&game.ctx.wb, persist::whole(c));
            }
            Ok(format!("CHAT: Channel <{cname}> wiped."))
        }
        _ => {
            let new = value.trim();
            let taken =
                game.chat.channels.contains_key(&new.to_lowercase()) && new.to_lowercase() != lower;
            if !valid_name(new) || taken {
                return Err("CHAT: The channel needs a more unique name.".into());
            }
            let Some(mut c) = game.chat.channels.remove(&lower) else {
                return Err(miss_text(Miss::None).into());
            };
            c.name = new.to_string();
            persist::queue(&game.ctx.wb, persist::removal(&lower));
            persist::queue(&game.ctx.wb, persist::whole(&c));
            game.chat.channels.insert(new.to_lowercase(), c);
            Ok(format!("CHAT: Channel <{cname}> renamed to <{new}>."))
        }
    }
}

fn set_channel(game: &mut Game, lower: &str, f: impl FnOnce(&mut Channel)) {
    if let Some(c) = game.chat.channels.get_mut(lower) {
        f(c);
    }
}

/// A Unix time as `HH:MM:SS` (UTC), for recall lines.
fn clock_time(secs: u64) -> String {
    let day = secs % 86_400;
    format!("{:02}:{:02}:{:02}", day / 3600, day % 3600 / 60, day % 60)
}

fn recall(game: &Game, who: Dbref, name: &str, lines: Option<&str>) -> Answer {
    let lower = find_seen(game, who, name)?;
    let Some(c) = game.chat.channels.get(&lower) else {
        return Err(miss_text(Miss::None).into());
    };
    if !c.members.contains_key(&who) && !game.chat_admin(who) {
        return Err(format!("CHAT: You must join <{}> to recall it.", c.name));
    }
    if c.buffer == 0 {
        return Err(format!(
            "CHAT: Channel <{}> does not have a buffer.",
            c.name
        ));
    }
    let count = lines
        .and_then(|l| l.split(',').next())
        .and_then(|l| l.trim().parse::<usize>().ok())
        .unwrap_or(10);
    let skip = c.recall.len().saturating_sub(count);
    let mut out = vec![format!("CHAT: Recall from channel <{}>", c.name)];
    for r in c.recall.iter().skip(skip) {
        out.push(format!("[{}] {}", clock_time(r.secs), r.text));
    }
    out.push("CHAT: End recall".into());
    Ok(out.join("\n"))
}
