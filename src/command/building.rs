//! Building: the first pieces of the world issue — digging rooms and teleporting.

use super::{Caller, CommandFn};
use crate::game::{now_secs, Flow, Game};
use crate::world::{Dbref, Object, ObjectKind};

pub const COMMANDS: &[(&str, CommandFn)] =
    &[("@dig", dig), ("@teleport", teleport), ("@tel", teleport)];

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
    if !wizard && (what != caller.player || dest_obj.owner != caller.player) {
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
