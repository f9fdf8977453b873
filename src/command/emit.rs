//! Output commands: `@emit`, `@pemit`, `@remit`, `@oemit` and `think` (their text is
//! evaluated by the dispatcher). PennMUSH's `@ns...` forms exist for code written for it:
//! they differ only in NOSPOOF tags, which mushd does not add, so they are the same.

use super::matching::{self, Scope};
use super::{find_player, refuse, Caller, CommandFn};
use crate::game::{Flow, Game};
use crate::world::{Dbref, Flags};

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("@emit", emit),
    ("@pemit", pemit),
    ("@remit", remit),
    ("@oemit", oemit),
    ("@nsemit", emit),
    ("@nspemit", pemit),
    ("@nsremit", remit),
    ("@nsoemit", oemit),
    ("think", think),
];

/// `@emit <text>`: to everyone in the caller's room, the caller included.
fn emit(game: &mut Game, caller: Caller, args: &str) -> Flow {
    if let Some(room) = game.location_of(caller.player) {
        game.tell_room(room, &[], args);
    }
    Flow::Continue
}

/// Finds a player anywhere (by name or `*name`) or an object nearby.
fn find_recipient(game: &Game, caller: Caller, name: &str) -> Result<Dbref, String> {
    match matching::find(game, caller.player, name, Scope::NEAR) {
        Ok(d) => Ok(d),
        Err(matching::AMBIGUOUS) => Err(matching::AMBIGUOUS.into()),
        Err(_) => find_player(game, caller, name),
    }
}

/// `@pemit <target>=<text>`: to a player anywhere or an object near or controlled;
/// HAVEN players only hear wizards.
fn pemit(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let Some((who, text)) = args.split_once('=') else {
        return refuse(game, caller, "Use: @pemit <object>=<message>");
    };
    let target = match find_recipient(game, caller, who) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, &why),
    };
    let wizard = game.is_wizard(caller.player);
    let Some(obj) = game.world.get(target) else {
        return Flow::Continue;
    };
    // What `find_recipient` finds is near, a player, or controlled: all may be told.
    if obj.flags.has(Flags::HAVEN) && !wizard && target != caller.player {
        let name = obj.name.clone();
        return refuse(game, caller, &format!("{name} is not accepting messages."));
    }
    game.tell(target, text);
    Flow::Continue
}

/// `@remit <room>=<text>`: to everyone in a room the caller is in or controls.
fn remit(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let Some((room, text)) = args.split_once('=') else {
        return refuse(game, caller, "Use: @remit <room>=<message>");
    };
    let room = match super::moving::find_destination(game, caller, room.trim()) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let inside = game.location_of(caller.player) == Some(room);
    if !inside && !game.controls_dbref(caller.player, room) {
        return refuse(game, caller, "Permission denied.");
    }
    game.tell_room(room, &[], text);
    Flow::Continue
}

/// `@oemit <object>=<text>`: to everyone in the object's room but the object.
fn oemit(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let Some((who, text)) = args.split_once('=') else {
        return refuse(game, caller, "Use: @oemit <object>=<message>");
    };
    let target = match matching::find(game, caller.player, who, Scope::NEAR) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let Some(room) = game.location_of(target) else {
        return Flow::Continue;
    };
    let inside = game.location_of(caller.player) == Some(room);
    if !inside && !game.controls_dbref(caller.player, room) {
        return refuse(game, caller, "Permission denied.");
    }
    game.tell_room(room, &[target], text);
    Flow::Continue
}

/// `think <text>`: to the caller only (evaluated on the way in; nothing for nothing).
fn think(game: &mut Game, caller: Caller, args: &str) -> Flow {
    if !args.is_empty() {
        game.reply(caller, args);
    }
    Flow::Continue
}
