//! Looking around.

use super::{Caller, CommandFn};
use crate::game::{Flow, Game};
use crate::world::{Dbref, Object, ObjectKind};

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("look", look),
    ("l", look),
    ("examine", examine),
    ("ex", examine),
];

/// Whether `who` may see dbrefs and flags of `what`.
pub(super) fn controls(game: &Game, who: Dbref, what: &Object) -> bool {
    what.owner == who || what.dbref == who || game.is_wizard(who)
}

/// An object's name as `viewer` sees it: with `(#dbref flags)` when they control it.
pub fn display_name(game: &Game, viewer: Dbref, obj: &Object) -> String {
    if controls(game, viewer, obj) {
        format!(
            "{}({}{}{})",
            obj.name,
            obj.dbref,
            obj.kind.letter(),
            obj.flags.letters()
        )
    } else {
        obj.name.clone()
    }
}

/// What `look` shows of the viewer's location.
pub fn describe_location(game: &Game, viewer: Dbref) -> String {
    match game.location_of(viewer).and_then(|l| game.world.get(l)) {
        Some(room) => describe(game, viewer, room),
        None => "You are nowhere.".to_string(),
    }
}

fn describe(game: &Game, viewer: Dbref, obj: &Object) -> String {
    let mut text = display_name(game, viewer, obj);
    text.push('\n');
    if obj.description.is_empty() {
        if obj.kind != ObjectKind::Room {
            text.push_str("You see nothing special.\n");
        }
    } else {
        text.push_str(&obj.description);
        text.push('\n');
    }
    let visible: Vec<String> = game
        .world
        .contents(obj.dbref)
        .iter()
        .filter(|d| **d != viewer)
        .filter_map(|d| game.world.get(*d))
        .filter(|o| o.kind != ObjectKind::Player || game.ctx.table.is_connected(o.dbref))
        .map(|o| display_name(game, viewer, o))
        .collect();
    if !visible.is_empty() {
        text.push_str("Contents:\n");
        for v in visible {
            text.push_str(&v);
            text.push('\n');
        }
    }
    text.trim_end().to_string()
}

fn look(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let target = args.trim();
    let text = if target.is_empty() || target.eq_ignore_ascii_case("here") {
        describe_location(game, caller.player)
    } else if target.eq_ignore_ascii_case("me") {
        match game.world.get(caller.player) {
            Some(me) => describe(game, caller.player, me),
            None => return Flow::Continue,
        }
    } else {
        match find_here(game, caller.player, target) {
            Ok(d) => match game.world.get(d) {
                Some(o) => describe(game, caller.player, o),
                None => "I can't see that here.".to_string(),
            },
            Err(why) => why.to_string(),
        }
    };
    game.tell_handle(caller.handle, &text);
    Flow::Continue
}

/// Matches a name among the things and connected players in the viewer's room.
pub(super) fn find_here(game: &Game, viewer: Dbref, name: &str) -> Result<Dbref, &'static str> {
    let here = game.location_of(viewer).ok_or("I can't see that here.")?;
    if let Some(d) = Dbref::parse(name) {
        if game.location_of(d) == Some(here)
            || (game.is_wizard(viewer) && game.world.get(d).is_some())
        {
            return Ok(d);
        }
        return Err("I can't see that here.");
    }
    let lower = name.to_lowercase();
    let candidates: Vec<&Object> = game
        .world
        .contents(here)
        .iter()
        .filter_map(|d| game.world.get(*d))
        .filter(|o| o.kind != ObjectKind::Player || game.ctx.table.is_connected(o.dbref))
        .collect();
    if let Some(o) = candidates.iter().find(|o| o.name.to_lowercase() == lower) {
        return Ok(o.dbref);
    }
    let partial: Vec<&&Object> = candidates
        .iter()
        .filter(|o| o.name.to_lowercase().starts_with(&lower))
        .collect();
    match partial.as_slice() {
        [one] => Ok(one.dbref),
        [] => Err("I can't see that here."),
        _ => Err("I don't know which one you mean!"),
    }
}

/// `examine <thing>`: the object's details when the viewer controls it.
fn examine(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let target = args.trim();
    let found = if target.is_empty() || target.eq_ignore_ascii_case("here") {
        game.location_of(caller.player)
            .ok_or("I can't see that here.")
    } else if target.eq_ignore_ascii_case("me") {
        Ok(caller.player)
    } else if let Some(name) = target.strip_prefix('*') {
        game.world
            .player_by_name(name)
            .ok_or("I can't find that player.")
    } else {
        find_here(game, caller.player, target).or_else(|e| {
            game.world
                .player_by_name(target)
                .filter(|_| game.is_wizard(caller.player))
                .ok_or(e)
        })
    };
    let text = match found.map(|d| game.world.get(d)) {
        Ok(Some(obj)) => examine_text(game, caller.player, obj),
        Ok(None) => "I can't see that here.".to_string(),
        Err(why) => why.to_string(),
    };
    game.tell_handle(caller.handle, &text);
    Flow::Continue
}

fn examine_text(game: &Game, viewer: Dbref, obj: &Object) -> String {
    let owner = game.world.name(obj.owner).to_string();
    if !controls(game, viewer, obj) {
        return format!("{} is owned by {owner}.", obj.name);
    }
    let mut text = display_name(game, viewer, obj);
    text.push_str(&format!(
        "\nType: {}  Flags: {}\nOwner: {owner}\nCreated: {}\n",
        obj.kind.as_str().to_uppercase(),
        obj.flags.names(),
        super::time::utc(obj.created)
    ));
    if !obj.description.is_empty() {
        text.push_str(&obj.description);
        text.push('\n');
    }
    for (kind, key) in &obj.locks {
        text.push_str(&format!("Lock ({kind}): {key}\n"));
    }
    for (name, value) in &obj.attrs {
        text.push_str(&format!("{name}: {value}\n"));
    }
    if let Some(loc) = obj.location.and_then(|l| game.world.get(l)) {
        text.push_str(&format!("Location: {}\n", display_name(game, viewer, loc)));
    }
    if let Some(p) = obj.player.as_ref().filter(|_| game.is_wizard(viewer)) {
        let on = if game.ctx.table.is_connected(obj.dbref) {
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
    text.trim_end().to_string()
}
