//! Looking around: `look`, `examine`, and how names and rooms are shown.

use super::matching::{self, Scope};
use super::{Caller, CommandFn};
use crate::game::{Flow, Game, Messages};
use crate::world::{Dbref, Flags, Object, ObjectKind};

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("look", look),
    ("l", look),
    ("examine", examine),
    ("ex", examine),
];

/// An object's name as `viewer` sees it: with `(#dbref flags)` when they control it or
/// it is LINK_OK/JUMP_OK (PennMUSH shows dbrefs of objects one may link to).
pub fn display_name(game: &Game, viewer: Dbref, obj: &Object) -> String {
    let open = obj.flags.0 & (Flags::LINK_OK | Flags::JUMP_OK) != 0;
    if game.controls(viewer, obj) || open {
        format!(
            "{}({}{}{})",
            obj.short_name(),
            obj.dbref,
            obj.kind.letter(),
            obj.flags.letters()
        )
    } else {
        obj.short_name().to_string()
    }
}

/// What `look` shows of the viewer's location.
pub fn describe_location(game: &mut Game, viewer: Dbref) -> String {
    match game
        .location_of(viewer)
        .filter(|l| game.world.get(*l).is_some())
    {
        Some(room) => describe(game, viewer, room),
        None => "You are nowhere.".to_string(),
    }
}

/// Name, description (evaluated, with the viewer as enactor), contents (hidden in DARK
/// rooms and OPAQUE things from those who do not control them) and exits.
fn describe(game: &mut Game, viewer: Dbref, what: Dbref) -> String {
    let description = match game.world.get(what) {
        Some(o) if !o.description.is_empty() => {
            let code = o.description.clone();
            Some(game.render(what, viewer, &code))
        }
        Some(_) => None,
        None => return String::new(),
    };
    let Some(obj) = game.world.get(what) else {
        return String::new();
    };
    let mut text = display_name(game, viewer, obj);
    text.push('\n');
    match description {
        None if obj.kind != ObjectKind::Room => text.push_str("You see nothing special.\n"),
        None => {}
        Some(d) => {
            text.push_str(&d);
            text.push('\n');
        }
    }
    let hidden = obj.flags.0 & (Flags::DARK | Flags::OPAQUE) != 0 && !game.controls(viewer, obj);
    let visible: Vec<String> = game
        .world
        .contents(obj.dbref)
        .iter()
        .filter(|d| **d != viewer && !hidden)
        .filter_map(|d| game.world.get(*d))
        .filter(|o| o.kind != ObjectKind::Player || game.ctx.table.is_connected(o.dbref))
        .filter(|o| !o.flags.has(Flags::DARK) || game.controls(viewer, o))
        .map(|o| display_name(game, viewer, o))
        .collect();
    if !visible.is_empty() {
        text.push_str(if obj.kind == ObjectKind::Room {
            "Contents:\n"
        } else {
            "Carrying:\n"
        });
        for v in visible {
            text.push_str(&v);
            text.push('\n');
        }
    }
    let exits: Vec<&str> = game
        .world
        .exits(obj.dbref)
        .iter()
        .filter_map(|d| game.world.get(*d))
        .filter(|e| !e.flags.has(Flags::DARK))
        .map(Object::short_name)
        .collect();
    if !exits.is_empty() && !hidden {
        text.push_str("Obvious exits:\n");
        text.push_str(&exits.join("  "));
    }
    text.trim_end().to_string()
}

/// What `look` and `examine` are about: the named object, or the room.
fn looked_at(game: &Game, caller: Caller, args: &str) -> Result<Dbref, &'static str> {
    let target = args.trim();
    if target.is_empty() {
        game.location_of(caller.player).ok_or(matching::NOT_FOUND)
    } else {
        matching::find(game, caller.player, target, Scope::NEAR)
    }
}

fn look(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let obj = match looked_at(game, caller, args).map(|d| game.world.get(d)) {
        Ok(Some(o)) => o,
        Ok(None) => return Flow::Continue,
        Err(why) => {
            game.reply(caller, why);
            return Flow::Continue;
        }
    };
    let is_room = obj.kind == ObjectKind::Room;
    let dbref = obj.dbref;
    let text = describe(game, caller.player, dbref);
    game.reply(caller, &text);
    // Looking at a room runs its success or failure messages, as PennMUSH does.
    if is_room && game.location_of(caller.player) == Some(dbref) {
        let passes = game.world.passes_lock(dbref, "basic", caller.player);
        let (actor, others, action) = if passes {
            ("SUCCESS", "OSUCCESS", "ASUCCESS")
        } else {
            ("FAIL", "OFAIL", "AFAIL")
        };
        game.did_it(
            caller.player,
            dbref,
            &Messages {
                actor,
                actor_default: "",
                others,
                others_default: "",
                action,
            },
        );
    }
    Flow::Continue
}

/// `examine <object>`: everything about an object the viewer controls; of others,
/// the owner and description.
fn examine(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let text = match looked_at(game, caller, args).map(|d| game.world.get(d)) {
        Ok(Some(obj)) => examine_text(game, caller.player, obj),
        Ok(None) => matching::NOT_FOUND.to_string(),
        Err(why) => why.to_string(),
    };
    game.reply(caller, &text);
    Flow::Continue
}

fn named_list(game: &Game, viewer: Dbref, list: &[Dbref]) -> String {
    list.iter()
        .filter_map(|d| game.world.get(*d))
        .map(|o| display_name(game, viewer, o))
        .collect::<Vec<_>>()
        .join("\n")
}

fn examine_text(game: &Game, viewer: Dbref, obj: &Object) -> String {
    let owner = game.world.name(obj.owner).to_string();
    if !game.controls(viewer, obj) {
        let mut text = format!("{} is owned by {owner}.", obj.short_name());
        if !obj.description.is_empty() {
            text.push('\n');
            text.push_str(&obj.description);
        }
        return text;
    }
    let mut text = display_name(game, viewer, obj);
    let flags = obj.flags.names();
    let connected = obj.kind == ObjectKind::Player && game.ctx.table.is_connected(obj.dbref);
    let flags = match (flags.is_empty(), connected) {
        (_, false) => flags,
        (true, true) => "CONNECTED".to_string(),
        (false, true) => format!("{flags} CONNECTED"),
    };
    text.push_str(&format!(
        "\nType: {}  Flags: {}\n",
        obj.kind.as_str().to_uppercase(),
        if flags.is_empty() { "none" } else { &flags },
    ));
    if obj.kind == ObjectKind::Exit {
        text.push_str(&format!("Aliases: {}\n", obj.name));
    }
    if !obj.description.is_empty() {
        text.push_str(&obj.description);
        text.push('\n');
    }
    text.push_str(&format!("Owner: {owner}\n"));
    if let Some(p) = obj.parent {
        text.push_str(&format!("Parent: {} ({p})\n", game.world.name(p)));
    }
    for (kind, key) in &obj.locks {
        text.push_str(&format!("Lock ({kind}): {key}\n"));
    }
    text.push_str(&format!(
        "Created: {}  Modified: {}\n",
        super::time::utc(obj.created),
        super::time::utc(obj.modified)
    ));
    if let Some(at) = obj.going_at.filter(|_| obj.flags.has(Flags::GOING)) {
        text.push_str(&format!("Going since: {}\n", super::time::utc(at)));
    }
    for (name, value) in &obj.attrs {
        // Flagged attributes show their letters, as PennMUSH does: `VIS [v]: text`.
        let letters = obj.attr_flags(name).letters();
        if letters.is_empty() {
            text.push_str(&format!("{name}: {value}\n"));
        } else {
            text.push_str(&format!("{name} [{letters}]: {value}\n"));
        }
    }
    let contents = game.world.contents(obj.dbref);
    if !contents.is_empty() {
        text.push_str(&format!(
            "Contents:\n{}\n",
            named_list(game, viewer, contents)
        ));
    }
    let exits = game.world.exits(obj.dbref);
    if !exits.is_empty() {
        text.push_str(&format!("Exits:\n{}\n", named_list(game, viewer, exits)));
    }
    let link_label = match obj.kind {
        ObjectKind::Exit => "Destination",
        ObjectKind::Room => "Drop-to",
        _ => "Home",
    };
    match obj.link {
        Some(Dbref::HOME) => text.push_str(&format!("{link_label}: home\n")),
        Some(d) => text.push_str(&format!("{link_label}: {} ({d})\n", game.world.name(d))),
        None if obj.kind == ObjectKind::Exit => text.push_str("Destination: *UNLINKED*\n"),
        None => {}
    }
    if let Some(p) = obj.player.as_ref().filter(|_| game.is_wizard(viewer)) {
        let on = if connected {
            "connected now".to_string()
        } else {
            p.last_on
                .map(super::time::utc)
                .unwrap_or_else(|| "never".to_string())
        };
        text.push_str(&format!(
            "Last on: {on}\nLast host: {}\n",
            p.last_host.as_deref().unwrap_or("unknown")
        ));
    }
    if let Some(loc) = obj.location.and_then(|l| game.world.get(l)) {
        let label = if obj.kind == ObjectKind::Exit {
            "Source"
        } else {
            "Location"
        };
        text.push_str(&format!("{label}: {}\n", display_name(game, viewer, loc)));
    }
    text.trim_end().to_string()
}
