//! `@lock[/basic|/enter|/use] <object>=<key>`, `@unlock`, and `@lset` for lock flags.
//! Keys are parsed and their names resolved to dbrefs when set, and stored in canonical
//! form.

use super::building::controlled_target;
use super::{refuse, Caller, CommandFn};
use crate::game::{Flow, Game};
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::world::lock;
use crate::world::lock_flags;
use crate::world::object::{lock_field, lock_flags_field};
use crate::world::{Dbref, LockFlags, ObjectKind};

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("@lock", |g, c, a| lock_cmd(g, c, a, "basic")),
    ("@lock/basic", |g, c, a| lock_cmd(g, c, a, "basic")),
    ("@lock/enter", |g, c, a| lock_cmd(g, c, a, "enter")),
    ("@lock/use", |g, c, a| lock_cmd(g, c, a, "use")),
    ("@unlock", |g, c, a| unlock_cmd(g, c, a, "basic")),
    ("@unlock/basic", |g, c, a| unlock_cmd(g, c, a, "basic")),
    ("@unlock/enter", |g, c, a| unlock_cmd(g, c, a, "enter")),
    ("@unlock/use", |g, c, a| unlock_cmd(g, c, a, "use")),
    ("@lset", lset),
];

fn lock_cmd(game: &mut Game, caller: Caller, args: &str, kind: &str) -> Flow {
    let Some((what, key_text)) = args.split_once('=') else {
        game.tell(caller.player, "Use: @lock <object>=<key>");
        return Flow::Continue;
    };
    let target = match controlled_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    // Names in a key mean players anywhere, or things and rooms nearby.
    let parsed = {
        let world = &game.world;
        let here = game.location_of(caller.player);
        let finder = |name: &str| -> Result<Dbref, String> {
            if name.eq_ignore_ascii_case("me") {
                return Ok(caller.player);
            }
            if let Some(d) = world.player_by_name(name.trim_start_matches('*')) {
                return Ok(d);
            }
            let lower = name.to_lowercase();
            here.into_iter()
                .flat_map(|h| world.contents(h).iter().copied())
                .find(|d| {
                    world.get(*d).is_some_and(|o| {
                        o.kind != ObjectKind::Player && o.name.to_lowercase() == lower
                    })
                })
                .ok_or_else(|| format!("I can't find \"{name}\" for that lock."))
        };
        lock::parse(key_text, &finder)
    };
    let key = match parsed {
        Ok(k) => k.to_string(),
        Err(why) => return refuse(game, caller, &why),
    };
    if let Some(o) = game.world.get_mut(target) {
        o.locks.insert(kind.to_string(), key.clone());
    }
    game.touch(target, &[]);
    game.ctx
        .wb
        .push(Key::Obj(target), Op::Set(lock_field(kind), key.into()));
    let text = format!(
        "{} - {} locked.",
        lock_subject(game, target),
        lock_label(kind)
    );
    game.tell(caller.player, &text);
    Flow::Continue
}

fn unlock_cmd(game: &mut Game, caller: Caller, args: &str, kind: &str) -> Flow {
    let target = match controlled_target(game, caller, args) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let subject = lock_subject(game, target);
    let label = lock_label(kind);
    let removed = game.world.get_mut(target).is_some_and(|o| {
        o.lock_flags.remove(kind);
        o.locks.remove(kind).is_some()
    });
    if !removed {
        let text = format!("{subject} - {label} (already) unlocked.");
        game.tell(caller.player, &text);
        return Flow::Continue;
    }
    game.touch(target, &[]);
    game.ctx
        .wb
        .push(Key::Obj(target), Op::Remove(lock_field(kind)));
    game.ctx
        .wb
        .push(Key::Obj(target), Op::Remove(lock_flags_field(kind)));
    game.tell(caller.player, &format!("{subject} - {label} unlocked."));
    Flow::Continue
}

/// `@lset <object>/<lock>=[!]<flags>`: sets or clears lock flags, with PennMUSH's
/// rules: the lock must be set on the object itself, the `wizard` flag is for those
/// who see all, and a wizard, locked or owner-only lock is changed only by whom it
/// names.
pub fn lset(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let (what, flags) = args.split_once('=').unwrap_or((args, ""));
    let Some((what, kind)) = what.split_once('/') else {
        return refuse(game, caller, "No lock name given.");
    };
    let target = match controlled_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let flags = flags.trim();
    let (unset, flags) = match flags.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, flags),
    };
    let (yes, no) = LockFlags::parse(flags);
    let bits = yes & !no;
    let see_all = game.is_wizard(caller.player) || game.has_power(caller.player, "See_All");
    if bits == 0 || (bits & LockFlags::WIZARD != 0 && !see_all) {
        return refuse(game, caller, "Unrecognized lock flag.");
    }
    let kind = kind.trim().to_ascii_lowercase();
    let Some(obj) = game
        .world
        .get(target)
        .filter(|o| o.locks.get(&kind).is_some())
    else {
        return refuse(game, caller, "No such lock.");
    };
    let current = obj.lock_flags(&kind);
    let owner = obj.owner;
    if !may_change_lock(game, caller.player, target, owner, current) {
        return refuse(game, caller, "Permission denied.");
    }
    let new = if unset {
        current.0 & !bits
    } else {
        current.0 | bits
    };
    if let Some(o) = game.world.get_mut(target) {
        o.lock_flags.insert(kind.clone(), new.to_string());
    }
    game.touch(target, &[]);
    game.ctx.wb.push(
        Key::Obj(target),
        Op::Set(lock_flags_field(&kind), LockFlags(new).names().into()),
    );
    let name = game.world.get(target).map_or("", |o| o.short_name());
    let text = format!(
        "{name}/{} - lock flags {}.",
        lock_flags::label(&kind),
        if unset { "unset" } else { "set" }
    );
    game.ack(caller.player, &text);
    Flow::Continue
}

/// PennMUSH's can_write_lock: God always, nobody else on God; wizards always; others
/// not a wizard lock, an owner-only lock unless they own the object, nor a locked
/// one (mushd keeps no lock creator: the object's owner stands for it).
fn may_change_lock(game: &Game, who: Dbref, target: Dbref, owner: Dbref, f: LockFlags) -> bool {
    if who == crate::game::GOD {
        return true;
    }
    if target == crate::game::GOD {
        return false;
    }
    if game.is_wizard(who) {
        return true;
    }
    let owns = game.world.get(who).map_or(who, |o| o.owner) == owner || who == owner;
    !f.has(LockFlags::WIZARD)
        && (!f.has(LockFlags::OWNER) || owns)
        && (!f.has(LockFlags::LOCKED) || owns)
}

/// How PennMUSH names a locked object: `Widget(#3)`, without flag letters.
fn lock_subject(game: &Game, target: Dbref) -> String {
    let name = game.world.get(target).map_or("", |o| o.short_name());
    format!("{name}({target})")
}

/// A lock kind as PennMUSH prints it: `Basic`, `Enter`, `Use`.
fn lock_label(kind: &str) -> String {
    lock_flags::label(kind)
}
