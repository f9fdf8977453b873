//! Players' own and wizards' commands about players: `@password`, `@newpassword`,
//! `@pcreate`, `@nuke`, `@toad`. Passwords are hashed off the game task, and every
//! change that decides who can log in is in the store before the command answers.

use super::{find_player, refuse, wizard_only, Caller, CommandFn};
use crate::game::{Apply, Flow, Game, GOD};
use crate::session::login::{hash_password, verify_password};
use crate::session::CloseReason;
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::world::{Dbref, ObjectKind};

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("@password", password),
    ("@newpassword", newpassword),
    ("@pcreate", pcreate),
    ("@nuke", nuke),
    ("@toad", toad),
];

/// Longest password accepted (argon2 takes more, but nobody types more).
const MAX_PASSWORD: usize = 256;

fn check_password(new: &str) -> Result<(), &'static str> {
    if new.is_empty() || new.len() > MAX_PASSWORD || new.chars().any(char::is_whitespace) {
        return Err("A password must be 1 to 256 characters with no spaces.");
    }
    Ok(())
}

/// Sets a player's password hash and makes the command answer once it is stored.
fn store_password(game: &mut Game, player: Dbref, hash: String, ok: &str) {
    if let Some(pd) = game.world.get_mut(player).and_then(|o| o.player.as_mut()) {
        pd.password_hash = hash;
    }
    game.touch(player, &["password"]);
    game.require_durable(ok);
}

/// `@password <old>=<new>`.
fn password(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let Some((old, new)) = args.split_once('=') else {
        return refuse(game, caller, "Use: @password <old password>=<new password>");
    };
    let (old, new) = (old.trim().to_string(), new.trim().to_string());
    if let Err(why) = check_password(&new) {
        return refuse(game, caller, why);
    }
    let Some(current) = game
        .world
        .get(caller.player)
        .and_then(|o| o.player.as_ref())
        .map(|p| p.password_hash.clone())
    else {
        return Flow::Continue;
    };
    let memory = game.ctx.config.game.password_hash_memory_kib;
    let player = caller.player;
    game.after = Some(crate::game::After::Blocking(Box::new(move || -> Apply {
        let outcome = if verify_password(&old, &current) {
            Some(hash_password(&new, memory))
        } else {
            None
        };
        Box::new(move |game: &mut Game| match outcome {
            None => game.tell(player, "Sorry, that is not your password."),
            Some(Err(e)) => game.tell(player, &format!("The password could not be set: {e}")),
            Some(Ok(hash)) => {
                tracing::info!(player = %player, "password changed");
                store_password(game, player, hash, "Password changed.");
            }
        })
    })));
    Flow::Continue
}

/// `@newpassword <player>=<password>`: wizards set anyone's (God's only by God).
fn newpassword(game: &mut Game, caller: Caller, args: &str) -> Flow {
    if !wizard_only(game, caller) {
        return Flow::Continue;
    }
    let Some((who, new)) = args.split_once('=') else {
        return refuse(game, caller, "Use: @newpassword <player>=<password>");
    };
    let target = match find_player(game, caller, who) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, &why),
    };
    if target == GOD && caller.player != GOD {
        return refuse(game, caller, "Permission denied.");
    }
    let new = new.trim().to_string();
    if let Err(why) = check_password(&new) {
        return refuse(game, caller, why);
    }
    let memory = game.ctx.config.game.password_hash_memory_kib;
    let by = caller.player;
    game.after = Some(crate::game::After::Blocking(Box::new(move || -> Apply {
        let hashed = hash_password(&new, memory);
        Box::new(move |game: &mut Game| match hashed {
            Err(e) => game.tell(by, &format!("The password could not be set: {e}")),
            Ok(hash) => {
                let name = game.name(target);
                let by_name = game.name(by);
                tracing::info!(player = %target, by = %by, "password set by a wizard");
                game.tell(
                    target,
                    &format!("Your password has been changed by {by_name}."),
                );
                store_password(game, target, hash, &format!("Password for {name} changed."));
            }
        })
    })));
    Flow::Continue
}

/// `@pcreate <name>=<password>`: wizards make a player.
fn pcreate(game: &mut Game, caller: Caller, args: &str) -> Flow {
    if !wizard_only(game, caller) {
        return Flow::Continue;
    }
    let Some((name, pass)) = args.split_once('=') else {
        return refuse(game, caller, "Use: @pcreate <name>=<password>");
    };
    let (name, pass) = (name.trim().to_string(), pass.trim().to_string());
    if let Err(e) = game.world.check_player_name(&name) {
        return refuse(game, caller, &e.to_string());
    }
    if let Err(why) = check_password(&pass) {
        return refuse(game, caller, why);
    }
    let memory = game.ctx.config.game.password_hash_memory_kib;
    let by = caller.player;
    game.after = Some(crate::game::After::Blocking(Box::new(move || -> Apply {
        let hashed = hash_password(&pass, memory);
        Box::new(move |game: &mut Game| {
            let made = hashed.and_then(|h| game.create_player(&name, h));
            match made {
                Err(e) => game.tell(by, &e),
                Ok(d) => {
                    tracing::info!(player = %d, by = %by, "player created by a wizard");
                    game.require_durable(&format!("New player '{name}' ({d}) created."));
                }
            }
        })
    })));
    Flow::Continue
}

/// The player a wizard may remove: not God, not themselves, not another wizard unless
/// the caller is God.
fn removable_player(game: &Game, caller: Caller, args: &str) -> Result<Dbref, String> {
    if !game.is_wizard(caller.player) {
        return Err("Permission denied.".into());
    }
    let target = find_player(game, caller, args)?;
    if target == GOD || target == caller.player {
        return Err("Permission denied.".into());
    }
    if game.is_wizard(target) && caller.player != GOD {
        return Err("Permission denied.".into());
    }
    Ok(target)
}

/// Starts removing a player for `@nuke` and `@toad`: checks the caller may, closes the
/// player's connections with `farewell` and frees the name. `None` when refused (told).
fn take_player(
    game: &mut Game,
    caller: Caller,
    args: &str,
    farewell: &str,
) -> Option<(Dbref, String)> {
    let target = match removable_player(game, caller, args) {
        Ok(d) => d,
        Err(why) => {
            game.tell(caller.player, &why);
            return None;
        }
    };
    let name = game.name(target);
    disconnect(game, target, farewell);
    forget_name(game, target);
    Some((target, name))
}

/// Closes every connection of a player, telling them why.
fn disconnect(game: &Game, player: Dbref, why: &str) {
    for h in game.ctx.table.handles_of(player) {
        game.tell_handle(h, why);
        game.ctx.table.close(h, CloseReason::Boot);
    }
}

/// Takes a player out of the name index (world and store).
fn forget_name(game: &mut Game, player: Dbref) {
    let name = game.name(player).to_lowercase();
    game.ctx.wb.push(Key::PlayerNames, Op::Remove(name));
}

/// `@nuke <player>`: destroys a player; what they owned passes to God and what they
/// carried is left where they stood.
fn nuke(game: &mut Game, caller: Caller, args: &str) -> Flow {
    // Anything else is destroyed as `@destroy/override` does, SAFE or not.
    let nearby = super::building::find_target(game, caller, args).ok();
    if nearby.is_some_and(|d| {
        game.world
            .get(d)
            .is_some_and(|o| o.kind != ObjectKind::Player)
    }) {
        return super::destroy::destroy_override(game, caller, args);
    }
    let Some((target, name)) = take_player(game, caller, args, "You have been destroyed.") else {
        return Flow::Continue;
    };
    let here = game.location_of(target).unwrap_or(Dbref(0));
    for carried in game.world.contents(target).to_vec() {
        game.world.move_to(carried, here);
        game.save(carried, &["location"]);
    }
    let owned: Vec<Dbref> = game
        .world
        .iter()
        .filter(|o| o.owner == target && o.dbref != target)
        .map(|o| o.dbref)
        .collect();
    for d in &owned {
        if let Some(o) = game.world.get_mut(*d) {
            o.owner = GOD;
        }
        game.touch(*d, &["owner"]);
    }
    super::destroy::destroy_now(game, target);
    tracing::info!(player = %target, by = %caller.player, "player nuked");
    game.require_durable(&format!(
        "{name} has been destroyed; {} object(s) they owned now belong to {}.",
        owned.len(),
        game.name(GOD)
    ));
    Flow::Continue
}

/// `@toad <player>`: turns a player into a thing ("a slimy toad"), owned by the wizard.
fn toad(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let Some((target, name)) = take_player(game, caller, args, "You have been turned into a toad.")
    else {
        return Flow::Continue;
    };
    let Some(mut obj) = game.world.get(target).cloned() else {
        return Flow::Continue;
    };
    obj.kind = ObjectKind::Thing;
    obj.name = format!("A slimy toad named {name}");
    obj.owner = caller.player;
    obj.player = None;
    obj.flags.0 = 0;
    // Replacing the object re-indexes it: out of the player names, contents kept.
    game.world.insert(obj);
    // The record loses its player fields.
    game.save_whole(target);
    if let Some(room) = game.location_of(target) {
        game.tell_room(
            room,
            &[],
            &format!("{name} has been turned into a slimy toad!"),
        );
    }
    tracing::info!(player = %target, by = %caller.player, "player toaded");
    game.require_durable(&format!("You turned {name} into a toad."));
    Flow::Continue
}
