//! Destroying objects the PennMUSH way: `@destroy` marks an object GOING and it goes
//! for good after `game.destroy_delay_secs` (a second `@destroy` makes it immediate,
//! `@undestroy` keeps it). Its dbref is then free for the next object made.

use super::building::controlled_target;
use super::{refuse, Caller, CommandFn};
use crate::game::{now_secs, Flow, Game};
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::world::{Dbref, Flags, ObjectKind};

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("@destroy", destroy),
    ("@dest", destroy),
    ("@recycle", destroy),
    ("@destroy/override", destroy_override),
    ("@dest/override", destroy_override),
    ("@undestroy", undestroy),
    ("@undest", undestroy),
];

/// `@destroy <object>`: refuses SAFE objects.
fn destroy(game: &mut Game, caller: Caller, args: &str) -> Flow {
    destroy_with(game, caller, args, false)
}

/// `@destroy/override <object>`, and `@nuke` of anything but a player: SAFE or not.
pub fn destroy_override(game: &mut Game, caller: Caller, args: &str) -> Flow {
    destroy_with(game, caller, args, true)
}

fn destroy_with(game: &mut Game, caller: Caller, args: &str, confirmed: bool) -> Flow {
    if args.trim().is_empty() {
        return refuse(game, caller, "Destroy what?");
    }
    let target = match controlled_target(game, caller, args) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let Some(obj) = game.world.get(target) else {
        return Flow::Continue;
    };
    if obj.kind == ObjectKind::Player {
        return refuse(game, caller, "Players are destroyed with @nuke.");
    }
    if target == Dbref(0) {
        return refuse(game, caller, "Room Zero cannot be destroyed.");
    }
    if obj.flags.has(Flags::SAFE) && !confirmed {
        return refuse(
            game,
            caller,
            "That object is marked SAFE. Use @nuke to destroy it.",
        );
    }
    let name = obj.name.clone();
    if obj.flags.has(Flags::GOING) {
        destroy_now(game, target);
        tracing::info!(object = %target, by = %caller.player, "destroyed");
        game.tell(caller.player, &format!("{name} has been destroyed."));
        return Flow::Continue;
    }
    if let Some(o) = game.world.get_mut(target) {
        o.flags.0 |= Flags::GOING;
        o.going_at = Some(now_secs());
    }
    game.touch(target, &["flags", "going_at"]);
    let minutes = game.ctx.config.game.destroy_delay_secs.div_ceil(60);
    game.tell(
        caller.player,
        &format!(
            "{name} shall be destroyed in about {minutes} minute(s). \
             @destroy it again to destroy it now, or @undestroy it to keep it."
        ),
    );
    Flow::Continue
}

/// `@undestroy <object>`: takes back a pending `@destroy`.
fn undestroy(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let target = match controlled_target(game, caller, args) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let Some(o) = game.world.get_mut(target) else {
        return Flow::Continue;
    };
    if !o.flags.has(Flags::GOING) {
        return refuse(game, caller, "That is not being destroyed.");
    }
    o.flags.0 &= !Flags::GOING;
    o.going_at = None;
    let name = o.name.clone();
    game.touch(target, &["flags", "going_at"]);
    game.tell(
        caller.player,
        &format!("{name} is no longer being destroyed."),
    );
    Flow::Continue
}

/// Destroys every GOING object whose delay has passed.
pub fn purge(game: &mut Game) {
    let delay = game.ctx.config.game.destroy_delay_secs;
    let now = now_secs();
    let due: Vec<Dbref> = game
        .world
        .iter()
        .filter(|o| o.flags.has(Flags::GOING) && o.kind != ObjectKind::Player)
        .filter(|o| o.going_at.is_none_or(|t| t.saturating_add(delay) <= now))
        .map(|o| o.dbref)
        .collect();
    for d in due {
        tracing::info!(object = %d, "purged");
        destroy_now(game, d);
    }
}

/// Takes an object out of the world and the store, leaving nothing pointing at it:
/// exits out of a destroyed room go with it, whatever was inside goes home, links,
/// homes, drop-tos, parents and zones that named it are cleared (homes become Room Zero).
pub fn destroy_now(game: &mut Game, target: Dbref) {
    let Some(kind) = game.world.get(target).map(|o| o.kind) else {
        return;
    };
    game.chan_forget(target);
    if kind == ObjectKind::Room {
        for exit in game.world.exits(target).to_vec() {
            remove_record(game, exit);
        }
    }
    for inside in game.world.contents(target).to_vec() {
        let mut home = game.home_of(inside);
        if home == target || game.world.contains(target, home) {
            home = Dbref(0);
        }
        if game.ctx.table.is_connected(inside) {
            game.tell(inside, "The place you were in is gone: you are sent home.");
        }
        game.relocate(inside, home, None, None);
    }
    let pointing: Vec<Dbref> = game
        .world
        .iter()
        .filter(|o| o.link == Some(target) || o.parent == Some(target) || o.zone == Some(target))
        .map(|o| o.dbref)
        .collect();
    for d in pointing {
        let Some(o) = game.world.get_mut(d) else {
            continue;
        };
        if o.parent == Some(target) {
            o.parent = None;
        }
        if o.zone == Some(target) {
            o.zone = None;
        }
        if o.link == Some(target) {
            o.link = match o.kind {
                ObjectKind::Player | ObjectKind::Thing => Some(Dbref(0)),
                _ => None,
            };
        }
        game.touch(d, &["link", "parent", "zone"]);
    }
    remove_record(game, target);
}

/// Removes one object from the world and deletes its record. A player's dbref is not
/// reused while a connection still names it (it is closing): until then output for the
/// dbref would reach that connection.
pub fn remove_record(game: &mut Game, dbref: Dbref) {
    game.world.remove(dbref);
    if game.ctx.table.is_connected(dbref) {
        game.world.hold(dbref);
    }
    game.ctx.wb.push(Key::Obj(dbref), Op::Delete);
    game.mail.remove_box(&game.ctx, dbref);
}
