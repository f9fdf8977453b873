//! Moving and handling: exits (by name or `go`), `home`, `@teleport`, `get`/`take`,
//! `drop`, `give`, `inventory`, `enter`, `leave` and `use`.

use super::matching::{self, Scope};
use super::{refuse, Caller, CommandFn};
use crate::game::{Flow, Game, Messages};
use crate::world::{Dbref, Flags, ObjectKind};

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("go", go),
    ("goto", go),
    ("move", go),
    ("home", home),
    ("@teleport", teleport),
    ("@tel", teleport),
    ("get", get),
    ("take", get),
    ("drop", drop),
    ("give", give),
    ("inventory", inventory),
    ("inv", inventory),
    ("i", inventory),
    ("enter", enter),
    ("leave", leave),
    ("use", use_thing),
];

/// A line that names an exit of the caller's room moves them through it.
pub fn try_exit(game: &mut Game, caller: Caller, line: &str) -> Option<Flow> {
    let here = game.location_of(caller.player)?;
    let exit = game.world.exits(here).iter().copied().find(|e| {
        game.world
            .get(*e)
            .is_some_and(|o| matching::exit_matches(o, line))
    })?;
    Some(use_exit(game, caller, exit))
}

/// `go <exit>`.
fn go(game: &mut Game, caller: Caller, args: &str) -> Flow {
    if args.eq_ignore_ascii_case("home") {
        return home(game, caller, "");
    }
    match matching::find(game, caller.player, args, Scope::EXITS) {
        Ok(exit) => use_exit(game, caller, exit),
        Err(_) => refuse(game, caller, "You can't go that way."),
    }
}

/// Goes through an exit: its basic lock decides; SUCCESS/OSUCCESS/DROP/ODROP tell it.
fn use_exit(game: &mut Game, caller: Caller, exit: Dbref) -> Flow {
    let who = caller.player;
    let dest = match game.world.get(exit).and_then(|e| e.link) {
        Some(Dbref::HOME) => game.home_of(who),
        Some(d) if game.world.get(d).is_some() => d,
        _ => return refuse(game, caller, "You can't go that way."),
    };
    if !game.check_lock(who, exit, "basic", "You can't go that way.") {
        return Flow::Continue;
    }
    if let Some(text) = game.world.attr(exit, "SUCCESS") {
        game.tell(who, text);
    }
    let left = game.world.attr(exit, "OSUCCESS").map(str::to_string);
    let arrived = game.world.attr(exit, "ODROP").map(str::to_string);
    game.relocate(who, dest, left.as_deref(), arrived.as_deref());
    if let Some(text) = game.world.attr(exit, "DROP") {
        game.tell(who, text);
    }
    Flow::Continue
}

/// `home`: back to the player's home.
fn home(game: &mut Game, caller: Caller, _args: &str) -> Flow {
    let home = game.home_of(caller.player);
    // PennMUSH says it three times, home or not.
    for _ in 0..3 {
        game.tell(caller.player, "There's no place like home...");
    }
    game.relocate(caller.player, home, Some("goes home."), None);
    Flow::Continue
}

/// Where a teleport or `@link` may point by name: near things, `#dbref` anywhere.
pub(super) fn find_destination(
    game: &Game,
    caller: Caller,
    name: &str,
) -> Result<Dbref, &'static str> {
    if let Some(d) = Dbref::parse(name) {
        return game.world.get(d).map(|_| d).ok_or(matching::NOT_FOUND);
    }
    matching::find(game, caller.player, name, Scope::NEAR)
}

/// `@teleport [<object>=]<destination>`: the caller must control what moves, and control
/// the destination or find it JUMP_OK and pass its enter lock. Players go into rooms
/// and things; nothing goes into an exit or inside itself.
fn teleport(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let (what, dest) = match args.split_once('=') {
        Some((w, d)) => (w.trim(), d.trim()),
        None => ("me", args.trim()),
    };
    if dest.is_empty() {
        return refuse(game, caller, "Use: @teleport [<object>=]<destination>");
    }
    let what = match matching::find(game, caller.player, what, Scope::NEAR) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let dest = if dest.eq_ignore_ascii_case("home") {
        game.home_of(what)
    } else {
        // PennMUSH's wording when the destination is not found.
        match find_destination(game, caller, dest) {
            Ok(d) => d,
            Err(matching::AMBIGUOUS) => {
                return refuse(game, caller, "I don't know which destination you mean!")
            }
            Err(_) => return refuse(game, caller, "No match."),
        }
    };
    let (Some(what_obj), Some(dest_obj)) = (game.world.get(what), game.world.get(dest)) else {
        return Flow::Continue;
    };
    let mover_kind = what_obj.kind;
    let dest_kind = dest_obj.kind;
    if mover_kind == ObjectKind::Room || mover_kind == ObjectKind::Exit {
        return refuse(game, caller, "Rooms and exits cannot be teleported.");
    }
    let fits = match mover_kind {
        ObjectKind::Player => matches!(dest_kind, ObjectKind::Room | ObjectKind::Thing),
        _ => dest_kind != ObjectKind::Exit,
    };
    if !fits {
        return refuse(
            game,
            caller,
            "You can only teleport into a room or a thing.",
        );
    }
    let may_move = game.controls(caller.player, what_obj);
    let may_enter = game.controls(caller.player, dest_obj)
        || (dest_obj.flags.has(Flags::JUMP_OK)
            && game.world.passes_lock(dest, "enter", caller.player));
    if !may_move || !may_enter {
        return refuse(game, caller, "Permission denied.");
    }
    if game.world.contains(what, dest) {
        return refuse(game, caller, "You can't put something inside itself.");
    }
    if what != caller.player {
        game.tell(caller.player, "Teleported.");
    }
    game.relocate(what, dest, None, None);
    Flow::Continue
}

/// `get <thing>`: picks up a thing in the room, if its basic lock allows.
fn get(game: &mut Game, caller: Caller, args: &str) -> Flow {
    if args.is_empty() {
        return refuse(game, caller, "Take what?");
    }
    let thing = match matching::find(game, caller.player, args, Scope::ROOM) {
        Ok(d) => d,
        Err(why) => {
            let carried = matching::find(game, caller.player, args, Scope::INVENTORY).is_ok();
            return refuse(
                game,
                caller,
                if carried {
                    "You already have that!"
                } else if why == matching::NOT_FOUND {
                    "I don't see that here."
                } else {
                    why
                },
            );
        }
    };
    let kind = game.world.get(thing).map(|o| o.kind);
    if kind != Some(ObjectKind::Thing) || game.location_of(thing) != game.location_of(caller.player)
    {
        return refuse(game, caller, "You can't take that.");
    }
    if !game.check_lock(caller.player, thing, "basic", "You can't pick that up.") {
        return Flow::Continue;
    }
    game.world.move_to(thing, caller.player);
    game.save(thing, &["location"]);
    // PennMUSH's defaults: `You take Box.`, and the room hears `Ann takes Box.`.
    let thing_name = game.name(thing);
    let actor_default = format!("You take {thing_name}.");
    let others_default = format!("takes {thing_name}.");
    game.did_it(
        caller.player,
        thing,
        &Messages {
            actor: "SUCCESS",
            actor_default: &actor_default,
            others: "OSUCCESS",
            others_default: &others_default,
            action: "ASUCCESS",
        },
    );
    Flow::Continue
}

/// `drop <thing>`: puts down something carried (a room's drop-to takes it on).
fn drop(game: &mut Game, caller: Caller, args: &str) -> Flow {
    if args.is_empty() {
        return refuse(game, caller, "Drop what?");
    }
    let thing = match matching::find(game, caller.player, args, Scope::INVENTORY) {
        Ok(d) => d,
        Err(matching::AMBIGUOUS) => return refuse(game, caller, matching::AMBIGUOUS),
        Err(_) => return refuse(game, caller, "You don't have that!"),
    };
    let Some(here) = game.location_of(caller.player) else {
        return Flow::Continue;
    };
    let dropto = game
        .world
        .get(here)
        .filter(|r| r.kind == ObjectKind::Room)
        .and_then(|r| r.link);
    let dest = match dropto {
        Some(Dbref::HOME) => game.home_of(thing),
        Some(d) if game.world.get(d).is_some() => d,
        _ => here,
    };
    game.world.move_to(thing, dest);
    game.save(thing, &["location"]);
    // PennMUSH's defaults: `You drop Box.`, and the room hears `Ann drops Box.`.
    let thing_name = game.name(thing);
    let actor_default = format!("You drop {thing_name}.");
    let others_default = format!("drops {thing_name}.");
    game.did_it(
        caller.player,
        thing,
        &Messages {
            actor: "DROP",
            actor_default: &actor_default,
            others: "ODROP",
            others_default: &others_default,
            action: "ADROP",
        },
    );
    Flow::Continue
}

/// `give <recipient>=<thing>`: the recipient must be ENTER_OK or the giver's own.
fn give(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let Some((to, what)) = args.split_once('=') else {
        return refuse(game, caller, "Use: give <player>=<object>");
    };
    if what.trim().parse::<i64>().is_ok() {
        return refuse(game, caller, "There is no money in this game.");
    }
    let recipient = match matching::find(game, caller.player, to, Scope::ROOM) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let thing = match matching::find(game, caller.player, what, Scope::INVENTORY) {
        Ok(d) => d,
        Err(matching::AMBIGUOUS) => return refuse(game, caller, matching::AMBIGUOUS),
        Err(_) => return refuse(game, caller, "You don't have that!"),
    };
    let Some(rec) = game.world.get(recipient) else {
        return Flow::Continue;
    };
    if !matches!(rec.kind, ObjectKind::Player | ObjectKind::Thing) {
        return refuse(game, caller, "You can only give to players and things.");
    }
    // As in PennMUSH, giving needs ENTER_OK (or control) but not the enter lock, which
    // players keep locked to themselves.
    let accepts = rec.flags.has(Flags::ENTER_OK) || game.controls(caller.player, rec);
    if !accepts {
        return refuse(game, caller, "Permission denied.");
    }
    if game.world.contains(thing, recipient) {
        return refuse(game, caller, "You can't put something inside itself.");
    }
    game.world.move_to(thing, recipient);
    game.save(thing, &["location"]);
    let thing_name = game.name(thing);
    let rec_name = game.name(recipient);
    let giver = game.name(caller.player);
    game.tell(
        caller.player,
        &format!("You gave {thing_name} to {rec_name}."),
    );
    game.tell(recipient, &format!("{giver} gave you {thing_name}."));
    Flow::Continue
}

/// `inventory`: what the caller carries.
fn inventory(game: &mut Game, caller: Caller, _args: &str) -> Flow {
    let carried: Vec<String> = game
        .world
        .contents(caller.player)
        .iter()
        .filter_map(|d| game.world.get(*d))
        .map(|o| super::look::display_name(game, caller.player, o))
        .collect();
    let text = if carried.is_empty() {
        "You aren't carrying anything.".to_string()
    } else {
        format!("You are carrying:\n{}", carried.join("\n"))
    };
    game.reply(caller, &text);
    Flow::Continue
}

/// `enter <thing>`: into a thing that is ENTER_OK (or the caller's own) and whose
/// enter lock the caller passes.
fn enter(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let thing = match matching::find(game, caller.player, args, Scope::ROOM) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let Some(obj) = game.world.get(thing) else {
        return Flow::Continue;
    };
    if obj.kind != ObjectKind::Thing {
        return refuse(game, caller, "You can't enter that.");
    }
    if !obj.flags.has(Flags::ENTER_OK) && !game.controls(caller.player, obj) {
        return refuse(game, caller, "Permission denied.");
    }
    if !game.check_lock(caller.player, thing, "enter", "You can't enter that.") {
        return Flow::Continue;
    }
    game.relocate(caller.player, thing, None, None);
    Flow::Continue
}

/// `leave`: out of the thing the caller is in, into its location.
fn leave(game: &mut Game, caller: Caller, _args: &str) -> Flow {
    let Some(inside) = game.location_of(caller.player) else {
        return Flow::Continue;
    };
    let outer = match game.world.get(inside) {
        Some(o) if o.kind != ObjectKind::Room => o.location,
        _ => return refuse(game, caller, "You can't leave."),
    };
    match outer {
        Some(out) => {
            game.relocate(caller.player, out, None, None);
            Flow::Continue
        }
        None => refuse(game, caller, "You can't leave."),
    }
}

/// `use <object>`: something carried or nearby, if its use lock allows; shows USE (or
/// "You use <name>.") to the user and OUSE to the room.
fn use_thing(game: &mut Game, caller: Caller, args: &str) -> Flow {
    if args.is_empty() {
        return refuse(game, caller, "Use what?");
    }
    let thing = match matching::find(game, caller.player, args, Scope::NEAR) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    if !game.check_lock(caller.player, thing, "use", "Permission denied.") {
        return Flow::Continue;
    }
    let default = format!("You use {}.", game.name(thing));
    game.did_it(
        caller.player,
        thing,
        &Messages {
            actor: "USE",
            actor_default: &default,
            others: "OUSE",
            others_default: "",
            action: "AUSE",
        },
    );
    Flow::Continue
}
