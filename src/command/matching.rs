//! Object matching as PennMUSH players expect: `me`, `here`, `#dbref`, `*player`, then
//! names — exact first, then a unique prefix of the name or of one of its words — among
//! what the looker carries, what is in the room with them and the room's exits (exits by
//! any of their `;`-separated aliases, exactly). `*name` finds a player anywhere, unless
//! they are UNFINDABLE and elsewhere.

use crate::game::Game;
use crate::world::{Dbref, Flags, Object, ObjectKind};

pub const NOT_FOUND: &str = "I can't see that here.";
pub const AMBIGUOUS: &str = "I don't know which one you mean!";

/// Where a name is looked for.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub inventory: bool,
    pub neighbors: bool,
    pub exits: bool,
}

impl Scope {
    /// Everything near the looker: carried, in the room, and the room's exits.
    pub const NEAR: Scope = Scope {
        inventory: true,
        neighbors: true,
        exits: true,
    };
    pub const INVENTORY: Scope = Scope {
        inventory: true,
        neighbors: false,
        exits: false,
    };
    pub const ROOM: Scope = Scope {
        inventory: false,
        neighbors: true,
        exits: false,
    };
    pub const EXITS: Scope = Scope {
        inventory: false,
        neighbors: false,
        exits: true,
    };
}

/// Whether an exit's alias list holds `name` (case-insensitively, exactly).
pub fn exit_matches(exit: &Object, name: &str) -> bool {
    exit.name
        .split(';')
        .any(|alias| alias.trim().eq_ignore_ascii_case(name))
}

/// Whether `text` is a prefix of the name or of one of its words.
fn prefix_matches(name: &str, text: &str) -> bool {
    let name = name.to_lowercase();
    name.starts_with(text) || name.split_whitespace().any(|w| w.starts_with(text))
}

/// Finds what `looker` means by `name`. A `#dbref` far away matches when the looker
/// controls it (wizards control everything); `*player` finds a player anywhere.
pub fn find(game: &Game, looker: Dbref, name: &str, scope: Scope) -> Result<Dbref, &'static str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(NOT_FOUND);
    }
    if name.eq_ignore_ascii_case("me") {
        return Ok(looker);
    }
    let here = game.location_of(looker);
    if name.eq_ignore_ascii_case("here") {
        return here.ok_or(NOT_FOUND);
    }
    if let Some(player) = name.strip_prefix('*') {
        let found = game.world.player_by_name(player).ok_or(NOT_FOUND)?;
        let obj = game.world.get(found).ok_or(NOT_FOUND)?;
        // UNFINDABLE players are found from afar only by those who control them.
        let hidden =
            obj.flags.has(Flags::UNFINDABLE) && obj.location != here && !game.controls(looker, obj);
        return if hidden { Err(NOT_FOUND) } else { Ok(found) };
    }
    let candidates = nearby(game, looker, here, scope);
    if let Some(d) = Dbref::parse(name) {
        let obj = game.world.get(d).ok_or(NOT_FOUND)?;
        let near = candidates.contains(&d) || Some(d) == here;
        return if near || game.controls(looker, obj) {
            Ok(d)
        } else {
            Err(NOT_FOUND)
        };
    }
    let lower = name.to_lowercase();
    let objects: Vec<&Object> = candidates
        .iter()
        .filter_map(|d| game.world.get(*d))
        .collect();
    let exact: Vec<Dbref> = objects
        .iter()
        .filter(|o| match o.kind {
            ObjectKind::Exit => exit_matches(o, name),
            _ => o.name.to_lowercase() == lower,
        })
        .map(|o| o.dbref)
        .collect();
    match exact.as_slice() {
        [one] => return Ok(*one),
        [] => {}
        _ => return Err(AMBIGUOUS),
    }
    let partial: Vec<Dbref> = objects
        .iter()
        .filter(|o| o.kind != ObjectKind::Exit && prefix_matches(&o.name, &lower))
        .map(|o| o.dbref)
        .collect();
    match partial.as_slice() {
        [one] => Ok(*one),
        [] => Err(NOT_FOUND),
        _ => Err(AMBIGUOUS),
    }
}

/// What the looker can name without a dbref. Players who are not connected are not
/// seen, as in the room's contents list.
fn nearby(game: &Game, looker: Dbref, here: Option<Dbref>, scope: Scope) -> Vec<Dbref> {
    let mut out = Vec::new();
    if scope.inventory {
        out.extend_from_slice(game.world.contents(looker));
    }
    if let Some(here) = here {
        if scope.neighbors {
            out.extend(game.world.contents(here).iter().copied().filter(|d| {
                *d != looker
                    && game.world.get(*d).is_some_and(|o| {
                        o.kind != ObjectKind::Player || game.ctx.table.is_connected(o.dbref)
                    })
            }));
        }
        if scope.exits {
            out.extend_from_slice(game.world.exits(here));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_any_word() {
        assert!(prefix_matches("Blue Sword", "sw"));
        assert!(prefix_matches("Blue Sword", "blue s"));
        assert!(!prefix_matches("Blue Sword", "word"));
    }

    #[test]
    fn exit_aliases() {
        let mut e = Object::new(Dbref(5), ObjectKind::Exit, "North <N>;n;no", Dbref(1), 0);
        assert!(exit_matches(&e, "N"));
        assert!(exit_matches(&e, "north <n>"));
        assert!(!exit_matches(&e, "nor"));
        e.name = "Out".into();
        assert!(exit_matches(&e, "out"));
        assert_eq!(e.short_name(), "Out");
    }
}
