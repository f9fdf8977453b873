//! Finding objects: `@find` (by name, among what the caller owns) and `@search`
//! (wizards: anyone's, by type, owner, flag or name).

use super::{find_player, refuse, Caller, CommandFn};
use crate::game::{Flow, Game};
use crate::world::{Dbref, Flags, Object, ObjectKind};

pub const COMMANDS: &[(&str, CommandFn)] = &[("@find", find), ("@search", search)];

/// Most objects listed by one search; the rest are counted.
const MAX_LISTED: usize = 500;

/// `@find [<name>]`: objects the caller controls whose name holds the text.
fn find(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let needle = args.trim().to_lowercase();
    let found: Vec<&Object> = game
        .world
        .iter()
        .filter(|o| game.controls(caller.player, o))
        .filter(|o| needle.is_empty() || o.name.to_lowercase().contains(&needle))
        .collect();
    let text = listing(game, caller.player, &found);
    game.reply(caller, &text);
    Flow::Continue
}

fn listing(game: &Game, viewer: Dbref, found: &[&Object]) -> String {
    let mut text = String::new();
    for o in found.iter().take(MAX_LISTED) {
        text.push_str(&super::look::display_name(game, viewer, o));
        text.push('\n');
    }
    if found.len() > MAX_LISTED {
        text.push_str(&format!("... and {} more.\n", found.len() - MAX_LISTED));
    }
    text.push_str(&format!("***End of List*** ({} found)", found.len()));
    text
}

/// What `@search` filters on.
#[derive(Default)]
struct Filter {
    owner: Option<Dbref>,
    kind: Option<ObjectKind>,
    flags: u32,
    name: Option<String>,
}

/// Parses `[<player>] [type=<type>] [flags=<letters>] [name=<text>]`.
fn parse_filter(game: &Game, caller: Caller, args: &str) -> Result<Filter, String> {
    let mut f = Filter::default();
    for word in args.split_whitespace() {
        match word.split_once('=') {
            Some((class, value)) => match class.to_lowercase().as_str() {
                "type" => {
                    let v = value.to_lowercase();
                    let v = v.strip_suffix('s').unwrap_or(&v);
                    f.kind = Some(
                        ObjectKind::parse(v).ok_or_else(|| format!("Unknown type \"{value}\"."))?,
                    );
                }
                "flags" => {
                    for c in value.chars() {
                        let (_, _, bit) = Flags::TABLE
                            .iter()
                            .find(|(_, l, _)| *l == c)
                            .ok_or_else(|| format!("Unknown flag letter '{c}'."))?;
                        f.flags |= bit;
                    }
                }
                "name" => f.name = Some(value.to_lowercase()),
                _ => return Err(format!("Unknown search class \"{class}\".")),
            },
            None => f.owner = Some(find_player(game, caller, word)?),
        }
    }
    Ok(f)
}

/// `@search [<player>] [type=...] [flags=...] [name=...]`: wizards search everyone's
/// objects, others only their own.
fn search(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let mut filter = match parse_filter(game, caller, args) {
        Ok(f) => f,
        Err(why) => return refuse(game, caller, &why),
    };
    let wizard = game.is_wizard(caller.player);
    match filter.owner {
        Some(o) if o != caller.player && !wizard => {
            return refuse(game, caller, "Permission denied.")
        }
        None if !wizard => filter.owner = Some(caller.player),
        _ => {}
    }
    let found: Vec<&Object> = game
        .world
        .iter()
        .filter(|o| filter.owner.is_none_or(|w| o.owner == w))
        .filter(|o| filter.kind.is_none_or(|k| o.kind == k))
        .filter(|o| o.flags.0 & filter.flags == filter.flags)
        .filter(|o| {
            filter
                .name
                .as_ref()
                .is_none_or(|n| o.name.to_lowercase().contains(n.as_str()))
        })
        .collect();
    let text = listing(game, caller.player, &found);
    game.reply(caller, &text);
    Flow::Continue
}
