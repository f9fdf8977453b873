//! Building: the first pieces of the world issue — digging rooms, teleporting, flags
//! and descriptions.

use super::{Caller, CommandFn};
use crate::game::{now_secs, Flow, Game};
use crate::world::{Dbref, Flags, Object, ObjectKind};

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("@dig", dig),
    ("@teleport", teleport),
    ("@tel", teleport),
    ("@set", set),
    ("@describe", describe),
    ("@desc", describe),
];

/// Finds what a builder names: `me`, `here`, `#dbref` (wizards anywhere, others nearby
/// or their own), `*player`, or something in the room.
pub(super) fn find_target(game: &Game, caller: Caller, name: &str) -> Result<Dbref, &'static str> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("me") {
        return Ok(caller.player);
    }
    if name.eq_ignore_ascii_case("here") {
        return game
            .location_of(caller.player)
            .ok_or("I can't see that here.");
    }
    if let Some(player) = name.strip_prefix('*') {
        return game
            .world
            .player_by_name(player)
            .ok_or("I can't find that player.");
    }
    if let Some(d) = Dbref::parse(name) {
        let here = game.location_of(caller.player);
        let visible = game.is_wizard(caller.player)
            || Some(d) == here
            || game.location_of(d) == here
            || game.world.get(d).is_some_and(|o| o.owner == caller.player);
        return match game.world.get(d) {
            Some(_) if visible => Ok(d),
            _ => Err("I can't see that here."),
        };
    }
    super::look::find_here(game, caller.player, name)
}

/// Finds a target the caller may change: they control it, and only God changes God.
pub(super) fn controlled_target(
    game: &Game,
    caller: Caller,
    what: &str,
) -> Result<Dbref, &'static str> {
    let target = find_target(game, caller, what)?;
    let allowed = game
        .world
        .get(target)
        .is_some_and(|o| super::look::controls(game, caller.player, o))
        && (target != Dbref(1) || caller.player == Dbref(1));
    if allowed {
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
    let target = match find_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => {
            game.tell(caller.player, why);
            return Flow::Continue;
        }
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
        game.tell(caller.player, "I don't recognize that flag.");
        return Flow::Continue;
    };
    let Some(obj) = game.world.get(target) else {
        return Flow::Continue;
    };
    let god = Dbref(1);
    let allowed = super::look::controls(game, caller.player, obj)
        && (bit != Flags::WIZARD || game.is_wizard(caller.player))
        && (target != god || caller.player == god)
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
        o.modified = now_secs();
    }
    game.save(target, &["flags", "modified"]);
    tracing::info!(object = %target, flag = flag_name, clear, by = %caller.player, "flag");
    game.tell(
        caller.player,
        if clear { "Flag reset." } else { "Flag set." },
    );
    Flow::Continue
}

/// `@describe <object>=<text>`: what `look` shows (empty clears it).
fn describe(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let (what, text) = args.split_once('=').unwrap_or((args, ""));
    let target = match find_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => {
            game.tell(caller.player, why);
            return Flow::Continue;
        }
    };
    let Some(obj) = game.world.get(target) else {
        return Flow::Continue;
    };
    if !super::look::controls(game, caller.player, obj) {
        game.tell(caller.player, "Permission denied.");
        return Flow::Continue;
    }
    if let Some(o) = game.world.get_mut(target) {
        o.description = text.to_string();
        o.modified = now_secs();
    }
    game.save(target, &["desc", "modified"]);
    let message = if text.is_empty() {
        "Description cleared."
    } else {
        "Description set."
    };
    game.tell(caller.player, message);
    Flow::Continue
}

/// `@dig <name>`: makes a room owned by the digger.
fn dig(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let name = args.split('=').next().unwrap_or("").trim();
    if name.is_empty() {
        game.tell(caller.player, "Dig what? Use: @dig <room name>");
        return Flow::Continue;
    }
    if name.chars().any(char::is_control) || name.chars().count() > 200 {
        game.tell(caller.player, "That is not a good name for a room.");
        return Flow::Continue;
    }
    let dbref = game.world.next_dbref();
    let mut room = Object::new_room(dbref, name, now_secs());
    room.owner = caller.player;
    game.world.insert(room);
    game.save(dbref, &[]);
    game.tell(
        caller.player,
        &format!("{name} created with room number {dbref}."),
    );
    Flow::Continue
}

/// Resolves a teleport target: `me`, `here`, `#dbref`, or a player's name.
fn resolve(game: &Game, caller: Caller, what: &str) -> Option<Dbref> {
    let what = what.trim();
    if what.eq_ignore_ascii_case("me") {
        return Some(caller.player);
    }
    if what.eq_ignore_ascii_case("here") {
        return game.location_of(caller.player);
    }
    if let Some(d) = Dbref::parse(what) {
        return game.world.get(d).map(|_| d);
    }
    game.world
        .player_by_name(what.strip_prefix('*').unwrap_or(what))
}

/// `@teleport [<object>=]<destination>`: wizards move anything into a room; players
/// move themselves into rooms they own.
fn teleport(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let (what, dest) = match args.split_once('=') {
        Some((w, d)) => (w.trim(), d.trim()),
        None => ("me", args.trim()),
    };
    let (Some(what), Some(dest)) = (resolve(game, caller, what), resolve(game, caller, dest))
    else {
        game.tell(caller.player, "I can't find that.");
        return Flow::Continue;
    };
    let Some(dest_obj) = game.world.get(dest) else {
        return Flow::Continue;
    };
    if dest_obj.kind != ObjectKind::Room {
        game.tell(caller.player, "You can only teleport into a room.");
        return Flow::Continue;
    }
    let wizard = game.is_wizard(caller.player);
    let may_enter = dest_obj.owner == caller.player || dest_obj.flags.has(Flags::JUMP_OK);
    if !wizard && (what != caller.player || !may_enter) {
        game.tell(caller.player, "Permission denied.");
        return Flow::Continue;
    }
    let name = game.name(what);
    if let Some(from) = game.location_of(what) {
        game.tell_room(from, &[what], &format!("{name} has left."));
    }
    game.world.move_to(what, dest);
    game.save(what, &["location"]);
    game.tell_room(dest, &[what], &format!("{name} has arrived."));
    if game.ctx.table.is_connected(what) {
        let view = super::look::describe_location(game, what);
        game.tell(what, &view);
    }
    Flow::Continue
}
