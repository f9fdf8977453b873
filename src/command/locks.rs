//! `@lock[/basic|/enter|/use] <object>=<key>` and `@unlock`. Keys are parsed and their
//! names resolved to dbrefs when set, and stored in canonical form.

use super::building::controlled_target;
use super::{refuse, Caller, CommandFn};
use crate::game::{Flow, Game};
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::world::lock;
use crate::world::object::lock_field;
use crate::world::{Dbref, ObjectKind};

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("@lock", |g, c, a| lock_cmd(g, c, a, "basic")),
    ("@lock/basic", |g, c, a| lock_cmd(g, c, a, "basic")),
    ("@lock/enter", |g, c, a| lock_cmd(g, c, a, "enter")),
    ("@lock/use", |g, c, a| lock_cmd(g, c, a, "use")),
    ("@unlock", |g, c, a| unlock_cmd(g, c, a, "basic")),
    ("@unlock/basic", |g, c, a| unlock_cmd(g, c, a, "basic")),
    ("@unlock/enter", |g, c, a| unlock_cmd(g, c, a, "enter")),
    ("@unlock/use", |g, c, a| unlock_cmd(g, c, a, "use")),
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
    let removed = game
        .world
        .get_mut(target)
        .and_then(|o| o.locks.remove(kind))
        .is_some();
    if !removed {
        let text = format!("{subject} - {label} (already) unlocked.");
        game.tell(caller.player, &text);
        return Flow::Continue;
    }
    game.touch(target, &[]);
    game.ctx
        .wb
        .push(Key::Obj(target), Op::Remove(lock_field(kind)));
    game.tell(caller.player, &format!("{subject} - {label} unlocked."));
    Flow::Continue
}

/// How PennMUSH names a locked object: `Widget(#3)`, without flag letters.
fn lock_subject(game: &Game, target: Dbref) -> String {
    let name = game.world.get(target).map_or("", |o| o.short_name());
    format!("{name}({target})")
}

/// A lock kind as PennMUSH prints it: `Basic`, `Enter`, `Use`.
fn lock_label(kind: &str) -> String {
    let mut chars = kind.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}
