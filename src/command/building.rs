//! Building: the first pieces of the world issue — digging rooms, teleporting, flags
//! and descriptions.

use super::matching::{self, Scope};
use super::{refuse, Caller, CommandFn};
use crate::game::{Flow, Game};
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::world::{Dbref, Flags, ObjectKind};

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("@dig", dig),
    ("@set", set),
    ("@describe", describe),
    ("@desc", describe),
    ("@open", open),
    ("@link", link),
    ("@unlink", unlink),
    ("@create", create),
    ("@name", name),
    ("@chown", chown),
    ("@parent", parent),
    ("@clone", clone),
];

/// Finds what a builder names, nearby or by `#dbref`/`*player` (see `matching`).
pub(super) fn find_target(game: &Game, caller: Caller, name: &str) -> Result<Dbref, &'static str> {
    matching::find(game, caller.player, name, Scope::NEAR)
}

/// Finds a target the caller may change (see `Game::controls`).
pub(super) fn controlled_target(
    game: &Game,
    caller: Caller,
    what: &str,
) -> Result<Dbref, &'static str> {
    let target = find_target(game, caller, what)?;
    if game.controls_dbref(caller.player, target) {
        Ok(target)
    } else {
        Err("Permission denied.")
    }
}

/// `@set <object>=[!]<flag>`, with PennMUSH's permissions: the controller may set most
/// flags, only wizards WIZARD, nobody but God anything on God; GOING is not set by hand.
fn set(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let Some((what, flag)) = args.split_once('=') else {
        game.tell(
            caller.player,
            "Use: @set <object>=<flag> or @set <object>=!<flag>",
        );
        return Flow::Continue;
    };
    if what.contains('/') {
        return super::attributes::set_attr_flags(game, caller, what, flag);
    }
    let target = match find_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    // `@set obj=NAME:value` sets an attribute; flag names never hold a colon.
    if let Some((attr, value)) = flag.split_once(':') {
        return super::attributes::set_attr(game, caller, what, attr, value);
    }
    let flag = flag.trim();
    let (clear, name) = match flag.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, flag),
    };
    if name.eq_ignore_ascii_case("connected") {
        game.tell(caller.player, "That flag is set automatically.");
        return Flow::Continue;
    }
    let Some((flag_name, bit)) = Flags::lookup(name) else {
        game.tell(
            caller.player,
            &format!("{} - I don't recognize that flag.", name.trim()),
        );
        return Flow::Continue;
    };
    let Some(obj) = game.world.get(target) else {
        return Flow::Continue;
    };
    // `controls` already keeps everyone but God off God.
    let allowed = game.controls(caller.player, obj)
        && (bit != Flags::WIZARD || game.is_wizard(caller.player))
        && bit != Flags::GOING;
    if !allowed {
        game.tell(caller.player, "Permission denied.");
        return Flow::Continue;
    }
    if let Some(o) = game.world.get_mut(target) {
        if clear {
            o.flags.0 &= !bit;
        } else {
            o.flags.0 |= bit;
        }
    }
    game.touch(target, &["flags"]);
    tracing::info!(object = %target, flag = flag_name, clear, by = %caller.player, "flag");
    // PennMUSH's wording: `Widget - SAFE set.` / `Widget - SAFE reset.`.
    let shown = game.world.get(target).map_or("", |o| o.short_name());
    let text = format!(
        "{shown} - {flag_name} {}.",
        if clear { "reset" } else { "set" }
    );
    game.ack(caller.player, &text);
    Flow::Continue
}

/// `@describe <object>=<text>`: what `look` shows (empty clears it).
fn describe(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let (what, text) = args.split_once('=').unwrap_or((args, ""));
    let target = match controlled_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    if let Some(o) = game.world.get_mut(target) {
        o.description = text.to_string();
    }
    game.touch(target, &["desc"]);
    let message = if text.is_empty() {
        "Description cleared."
    } else {
        "Description set."
    };
    game.tell(caller.player, message);
    Flow::Continue
}

/// Longest name of a room, thing or exit (with its aliases).
const MAX_NAME: usize = 200;

/// Checks a name for a new room, thing or exit.
fn good_name(name: &str) -> Result<&str, &'static str> {
    let name = name.trim();
    let bad_start = name.starts_with(['#', '*', '!', '&']);
    let reserved = ["me", "here", "home"]
        .iter()
        .any(|r| name.eq_ignore_ascii_case(r));
    if name.is_empty()
        || bad_start
        || reserved
        || name.chars().count() > MAX_NAME
        || name.chars().any(|c| c.is_control() || c == '=')
    {
        return Err("That is not a reasonable name.");
    }
    Ok(name)
}

/// Whether the caller may make `more` objects under `game.building_quota` (wizards
/// always may); says so when not.
fn within_quota(game: &Game, caller: Caller, more: usize) -> bool {
    let quota = game.ctx.config.game.building_quota;
    if quota == 0 || game.is_wizard(caller.player) {
        return true;
    }
    if game.world.owned_by(caller.player) + more <= quota {
        return true;
    }
    game.tell(
        caller.player,
        &format!("You have reached your building quota ({quota} objects)."),
    );
    false
}

/// `@dig <name>[=<exit>[,<back exit>]]`: a room owned by the digger, and with exits
/// named, an exit from here to it and one back.
fn dig(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let (name, exits) = match args.split_once('=') {
        Some((n, e)) => (n, Some(e)),
        None => (args, None),
    };
    let name = match good_name(name) {
        Ok(n) => n.to_string(),
        Err(_) if name.trim().is_empty() => {
            return refuse(
                game,
                caller,
                "Dig what? Use: @dig <room name>[=<exit>[,<back exit>]]",
            )
        }
        Err(why) => return refuse(game, caller, why),
    };
    let (out_name, back_name) = match exits {
        Some(e) => match e.split_once(',') {
            Some((o, b)) => (Some(o.trim()), Some(b.trim())),
            None => (Some(e.trim()), None),
        },
        None => (None, None),
    };
    for exit in [out_name, back_name].into_iter().flatten() {
        if let Err(why) = good_name(exit) {
            return refuse(game, caller, why);
        }
    }
    let here = game.location_of(caller.player);
    let control_here = here.is_some_and(|h| game.controls_dbref(caller.player, h));
    if out_name.is_some() && !control_here {
        return refuse(game, caller, "Permission denied.");
    }
    let more = 1 + usize::from(out_name.is_some()) + usize::from(back_name.is_some());
    if !within_quota(game, caller, more) {
        return Flow::Continue;
    }
    let room = game.create_object(ObjectKind::Room, &name, caller.player, None);
    // PennMUSH prints the room's number without the `#`.
    game.tell(
        caller.player,
        &format!("{name} created with room number {}.", room.0),
    );
    if let (Some(out), Some(here)) = (out_name, here) {
        let exit = open_exit(game, caller, out, here, Some(room));
        tell_opened(game, caller, exit, Some(Ok(room)));
    }
    if let (Some(back), Some(here)) = (back_name, here) {
        let exit = open_exit(game, caller, back, room, Some(here));
        tell_opened(game, caller, exit, Some(Ok(here)));
    }
    Flow::Continue
}

/// Makes an exit in `from`, linked to `to` when given.
fn open_exit(game: &mut Game, caller: Caller, name: &str, from: Dbref, to: Option<Dbref>) -> Dbref {
    let exit = game.create_object(ObjectKind::Exit, name, caller.player, Some(from));
    if let Some(o) = game.world.get_mut(exit) {
        o.link = to;
    }
    game.save(exit, &["link"]);
    exit
}

/// PennMUSH's report of a new exit: `Opened exit #7`, and when a destination was
/// given, `Trying to link...` then `Linked exit #7 to #6` or why it could not be linked.
fn tell_opened(
    game: &mut Game,
    caller: Caller,
    exit: Dbref,
    dest: Option<Result<Dbref, &'static str>>,
) {
    game.tell(caller.player, &format!("Opened exit {exit}"));
    let Some(dest) = dest else {
        return;
    };
    game.tell(caller.player, "Trying to link...");
    let text = match dest {
        // PennMUSH numbers `home` -3.
        Ok(Dbref::HOME) => format!("Linked exit {exit} to #-3"),
        Ok(d) => format!("Linked exit {exit} to #{}", d.0),
        Err(why) => why.to_string(),
    };
    game.tell(caller.player, &text);
}

/// Resolves where an exit or home may be linked: a room (or `home` for exits) the
/// caller controls or that is LINK_OK.
fn linkable(
    game: &Game,
    caller: Caller,
    name: &str,
    allow_home: bool,
) -> Result<Dbref, &'static str> {
    if allow_home && name.trim().eq_ignore_ascii_case("home") {
        return Ok(Dbref::HOME);
    }
    let dest = super::moving::find_destination(game, caller, name.trim())?;
    let obj = game.world.get(dest).ok_or(matching::NOT_FOUND)?;
    if obj.kind != ObjectKind::Room {
        return Err("You can only link to a room.");
    }
    if !game.controls(caller.player, obj) && !obj.flags.has(Flags::LINK_OK) {
        return Err("You can't link to that.");
    }
    Ok(dest)
}

/// `@open <exit>[=<destination>[,<back exit>]]`: an exit out of the caller's room.
fn open(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let (name, rest) = match args.split_once('=') {
        Some((n, r)) => (n, Some(r)),
        None => (args, None),
    };
    let name = match good_name(name) {
        Ok(n) => n.to_string(),
        Err(_) if name.trim().is_empty() => return refuse(game, caller, "Open where?"),
        Err(why) => return refuse(game, caller, why),
    };
    let Some(here) = game.location_of(caller.player) else {
        return Flow::Continue;
    };
    if !game.controls_dbref(caller.player, here)
        || game.world.get(here).map(|o| o.kind) != Some(ObjectKind::Room)
    {
        return refuse(game, caller, "Permission denied.");
    }
    let (dest_name, back_name) = match rest.map(|r| r.split_once(',')) {
        Some(Some((d, b))) => (Some(d), Some(b.trim())),
        Some(None) => (rest, None),
        None => (None, None),
    };
    // As in PennMUSH, a destination that is no good leaves the exit unlinked (and
    // makes no exit back) rather than refusing the exit.
    let dest = dest_name.map(|d| {
        linkable(game, caller, d, true).map_err(|why| match why {
            matching::NOT_FOUND | matching::AMBIGUOUS => "That is not a valid object.",
            other => other,
        })
    });
    let linked = dest.and_then(Result::ok);
    let back_name = back_name.filter(|_| linked.is_some());
    if let Some(back) = back_name {
        if let Err(why) = good_name(back) {
            return refuse(game, caller, why);
        }
        if !linked.is_some_and(|d| d != Dbref::HOME && game.controls_dbref(caller.player, d)) {
            return refuse(game, caller, "Permission denied.");
        }
    }
    if !within_quota(game, caller, 1 + usize::from(back_name.is_some())) {
        return Flow::Continue;
    }
    let exit = open_exit(game, caller, &name, here, linked);
    tell_opened(game, caller, exit, dest);
    if let (Some(back), Some(d)) = (back_name, linked) {
        let back_exit = open_exit(game, caller, back, d, Some(here));
        tell_opened(game, caller, back_exit, Some(Ok(here)));
    }
    Flow::Continue
}

/// `@link <object>=<destination>`: an exit's destination (anyone may take over an
/// unlinked exit), a player's or thing's home, a room's drop-to.
fn link(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let Some((what, dest)) = args.split_once('=') else {
        return refuse(game, caller, "Use: @link <object>=<destination>");
    };
    let target = match find_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let Some(obj) = game.world.get(target) else {
        return Flow::Continue;
    };
    let kind = obj.kind;
    let unlinked_exit = kind == ObjectKind::Exit && obj.link.is_none();
    if !game.controls(caller.player, obj) && !unlinked_exit {
        return refuse(game, caller, "Permission denied.");
    }
    // `home` is a destination for exits and a drop-to for rooms, not a home.
    let home_ok = matches!(kind, ObjectKind::Exit | ObjectKind::Room);
    let dest = match linkable(game, caller, dest, home_ok) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    if let Some(o) = game.world.get_mut(target) {
        o.link = Some(dest);
        if unlinked_exit {
            o.owner = caller.player;
        }
    }
    game.touch(target, &["link", "owner"]);
    // PennMUSH's wording: `Linked exit #7 to Lab(#6R)`, `Dropto set.`, `Home set.`.
    let text = match kind {
        ObjectKind::Exit => {
            let to = match game.world.get(dest) {
                Some(d) if dest != Dbref::HOME => super::look::display_name(game, caller.player, d),
                _ => "*HOME*".to_string(),
            };
            format!("Linked exit {target} to {to}")
        }
        ObjectKind::Room => "Dropto set.".to_string(),
        _ => "Home set.".to_string(),
    };
    game.ack(caller.player, &text);
    Flow::Continue
}

/// `@unlink <exit or room>`: an exit leads nowhere, a room loses its drop-to.
fn unlink(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let target = match controlled_target(game, caller, args) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let Some(obj) = game.world.get(target) else {
        return Flow::Continue;
    };
    // PennMUSH's wording: `Unlinked exit #7 (Used to lead to Lab(#6R)).`, `Dropto removed.`.
    let text = match obj.kind {
        ObjectKind::Exit => {
            let to = match obj.link {
                Some(Dbref::HOME) => "*HOME*".to_string(),
                Some(d) => match game.world.get(d) {
                    Some(o) => super::look::display_name(game, caller.player, o),
                    None => "*NOTHING*".to_string(),
                },
                None => "*NOTHING*".to_string(),
            };
            format!("Unlinked exit {target} (Used to lead to {to}).")
        }
        ObjectKind::Room => "Dropto removed.".to_string(),
        _ => return refuse(game, caller, "You can't unlink that!"),
    };
    if let Some(o) = game.world.get_mut(target) {
        o.link = None;
    }
    game.touch(target, &["link"]);
    game.ack(caller.player, &text);
    Flow::Continue
}

/// `@create <name>`: a thing in the creator's hands, at home where they stand.
fn create(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let name = args.split('=').next().unwrap_or("");
    let name = match good_name(name) {
        Ok(n) => n.to_string(),
        Err(_) if name.trim().is_empty() => return refuse(game, caller, "Create what?"),
        Err(why) => return refuse(game, caller, why),
    };
    if !within_quota(game, caller, 1) {
        return Flow::Continue;
    }
    let home = game.location_of(caller.player);
    let thing = game.create_object(ObjectKind::Thing, &name, caller.player, Some(caller.player));
    if let Some(o) = game.world.get_mut(thing) {
        o.link = home;
    }
    game.save(thing, &["link"]);
    game.tell(caller.player, &format!("Created: Object {thing}."));
    Flow::Continue
}

/// `@name <object>=<new name>`: player names stay unique (and the name index follows).
fn name(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let Some((what, new_name)) = args.split_once('=') else {
        return refuse(game, caller, "Use: @name <object>=<new name>");
    };
    let target = match controlled_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let Some(obj) = game.world.get(target) else {
        return Flow::Continue;
    };
    let new_name = new_name.trim().to_string();
    let old_name = obj.name.clone();
    if obj.kind == ObjectKind::Player {
        let same_player = game.world.player_by_name(&new_name) == Some(target);
        if let Err(e) = crate::world::validate_player_name(&new_name) {
            return refuse(game, caller, &e.to_string());
        }
        if !same_player && game.world.player_by_name(&new_name).is_some() {
            return refuse(game, caller, "There is already a player with that name.");
        }
        game.world.rename(target, &new_name);
        let names = Key::PlayerNames;
        game.ctx
            .wb
            .push(names.clone(), Op::Remove(old_name.to_lowercase()));
        game.ctx
            .wb
            .set(names, &new_name.to_lowercase(), target.to_string());
        game.touch(target, &["name"]);
        // The name index decides who can log in: written before we answer.
        game.require_durable("Name set.");
        return Flow::Continue;
    }
    if let Err(why) = good_name(&new_name) {
        return refuse(game, caller, why);
    }
    game.world.rename(target, &new_name);
    game.touch(target, &["name"]);
    game.ack(caller.player, "Name set.");
    Flow::Continue
}

/// `@chown <object>=<player>`: wizards give anything but players to anyone; others may
/// give what they own.
fn chown(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let Some((what, to)) = args.split_once('=') else {
        return refuse(game, caller, "Use: @chown <object>=<player>");
    };
    let target = match controlled_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let new_owner = match super::find_player(game, caller, to) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, &why),
    };
    if game.world.get(target).map(|o| o.kind) == Some(ObjectKind::Player) {
        return refuse(game, caller, "Players always own themselves.");
    }
    if let Some(o) = game.world.get_mut(target) {
        o.owner = new_owner;
    }
    game.touch(target, &["owner"]);
    game.ack(caller.player, "Owner changed.");
    Flow::Continue
}

/// `@parent <object>[=<parent>]`: attributes not set on the object come from the parent
/// (and its parents). The caller controls both, or the parent is LINK_OK.
fn parent(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let (what, parent) = args.split_once('=').unwrap_or((args, ""));
    let target = match controlled_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let parent_name = parent.trim();
    let new_parent = if parent_name.is_empty() || parent_name.eq_ignore_ascii_case("none") {
        None
    } else {
        let p = match super::moving::find_destination(game, caller, parent_name) {
            Ok(d) => d,
            Err(why) => return refuse(game, caller, why),
        };
        let Some(pobj) = game.world.get(p) else {
            return Flow::Continue;
        };
        if !game.controls(caller.player, pobj) && !pobj.flags.has(Flags::LINK_OK) {
            return refuse(game, caller, "Permission denied.");
        }
        if !game.world.parent_allowed(target, p) {
            return refuse(
                game,
                caller,
                "That would make a parent loop or too long a chain.",
            );
        }
        Some(p)
    };
    if let Some(o) = game.world.get_mut(target) {
        o.parent = new_parent;
    }
    game.touch(target, &["parent"]);
    game.ack(caller.player, "Parent changed.");
    Flow::Continue
}

/// `@clone <object>[=<new name>]`: a copy of a thing, exit or room the caller controls,
/// with its attributes, locks, flags and parent. Things and exits appear here.
fn clone(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let (what, new_name) = args.split_once('=').unwrap_or((args, ""));
    let source = match controlled_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let Some(original) = game.world.get(source).cloned() else {
        return Flow::Continue;
    };
    if original.kind == ObjectKind::Player {
        return refuse(game, caller, "You cannot clone players!");
    }
    let name = if new_name.trim().is_empty() {
        original.name.clone()
    } else {
        match good_name(new_name) {
            Ok(n) => n.to_string(),
            Err(why) => return refuse(game, caller, why),
        }
    };
    let here = game.location_of(caller.player);
    if original.kind == ObjectKind::Exit
        && !here.is_some_and(|h| game.controls_dbref(caller.player, h))
    {
        return refuse(game, caller, "Permission denied.");
    }
    let location = match original.kind {
        ObjectKind::Room => None,
        _ => here,
    };
    if !within_quota(game, caller, 1) {
        return Flow::Continue;
    }
    let copy = game.create_object(original.kind, &name, caller.player, location);
    if let Some(o) = game.world.get_mut(copy) {
        o.attrs = original.attrs.clone();
        // Locks come along with their flags, except those set no_clone.
        for (kind, key) in &original.locks {
            let flags = original.lock_flags(kind);
            if !flags.has(crate::world::LockFlags::NO_CLONE) {
                o.locks.insert(kind.clone(), key.clone());
                if let Some(bits) = original.lock_flags.get(kind) {
                    o.lock_flags.insert(kind.clone(), bits.clone());
                }
            }
        }
        o.description = original.description;
        o.parent = original.parent;
        o.zone = original.zone;
        o.link = original.link;
        o.flags = Flags(original.flags.0 & !(Flags::WIZARD | Flags::GOING));
    }
    game.save(copy, &[]);
    let what = match original.kind {
        ObjectKind::Room => "Room",
        ObjectKind::Exit => "Exit",
        _ => "Object",
    };
    game.tell(caller.player, &format!("Cloned: {what} {copy}."));
    Flow::Continue
}
