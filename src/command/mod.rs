//! Commands of connected players: a dispatch table from command word to handler,
//! one module per family.

pub mod admin;
pub mod attributes;
pub mod building;
pub mod connection;
pub mod destroy;
pub mod emit;
pub mod help;
pub mod locks;
pub mod look;
pub mod matching;
pub mod moving;
pub mod players;
pub mod search;
pub mod social;
pub mod time;

use std::collections::HashMap;

use crate::game::{Flow, Game};
use crate::session::Handle;
use crate::world::Dbref;

/// Who is running a command.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub handle: Handle,
    pub player: Dbref,
}

pub type CommandFn = fn(&mut Game, Caller, &str) -> Flow;

/// Command words (lower case) to handlers.
pub struct CommandTable {
    commands: HashMap<&'static str, CommandFn>,
}

impl Default for CommandTable {
    fn default() -> Self {
        Self::new()
    }
}

impl CommandTable {
    pub fn new() -> CommandTable {
        let mut commands: HashMap<&'static str, CommandFn> = HashMap::new();
        for family in [
            social::COMMANDS,
            connection::COMMANDS,
            look::COMMANDS,
            admin::COMMANDS,
            building::COMMANDS,
            attributes::COMMANDS,
            locks::COMMANDS,
            moving::COMMANDS,
            destroy::COMMANDS,
            players::COMMANDS,
            emit::COMMANDS,
            search::COMMANDS,
        ] {
            for (name, f) in family {
                commands.insert(name, *f);
            }
        }
        CommandTable { commands }
    }

    pub fn get(&self, word: &str) -> Option<CommandFn> {
        self.commands.get(word).copied()
    }

    /// Every command word, sorted, for `help`.
    pub fn names(&self) -> Vec<&'static str> {
        let mut v: Vec<_> = self.commands.keys().copied().collect();
        v.sort_unstable();
        v
    }
}

/// Runs one line for a connected player, wrapped in its OUTPUTPREFIX/OUTPUTSUFFIX.
pub fn run(game: &mut Game, table: &CommandTable, handle: Handle, line: &str) -> Flow {
    let Some((player, prefix, suffix)) = game.ctx.table.with(handle, |s| {
        (s.player, s.output_prefix.clone(), s.output_suffix.clone())
    }) else {
        return Flow::Quit;
    };
    let Some(player) = player else {
        return Flow::Logout;
    };
    let line = line.trim();
    if line.is_empty() {
        return Flow::Continue;
    }
    let caller = Caller { handle, player };
    if let Some(p) = &prefix {
        game.tell_handle(handle, p);
    }
    let flow = dispatch(game, table, caller, line);
    if flow == Flow::Continue {
        // A command that answers later gets its suffix after that answer.
        game.deferred_suffix = suffix;
    }
    flow
}

fn dispatch(game: &mut Game, table: &CommandTable, caller: Caller, line: &str) -> Flow {
    // One-character abbreviations come first, as in every MUSH.
    let mut chars = line.chars();
    match chars.next() {
        Some('"') => return social::say(game, caller, chars.as_str()),
        Some(':') => return social::pose(game, caller, chars.as_str()),
        Some(';') => return social::semipose(game, caller, chars.as_str()),
        Some('&') => return attributes::ampersand(game, caller, chars.as_str()),
        _ => {}
    }
    let (word, args) = match line.split_once(char::is_whitespace) {
        Some((w, a)) => (w, a.trim()),
        None => (line, ""),
    };
    let lower = word.to_lowercase();
    if lower == "help" {
        return help::help(game, caller, args);
    }
    // Exits come before commands, as in PennMUSH: an exit may be named like one.
    if let Some(flow) = moving::try_exit(game, caller, line) {
        return flow;
    }
    match table.get(&lower) {
        Some(f) => f(game, caller, args),
        None => {
            game.tell(caller.player, HUH);
            Flow::Continue
        }
    }
}

/// What an unknown command (or one that cannot be parsed) answers.
pub const HUH: &str = "Huh?  (Type \"help\" for help.)";

/// Tells the caller `why` and carries on: the shape of every refusal.
pub(crate) fn refuse(game: &Game, caller: Caller, why: &str) -> Flow {
    game.tell(caller.player, why);
    Flow::Continue
}

/// Whether the caller is a wizard; tells them "Permission denied." when not.
pub(crate) fn wizard_only(game: &Game, caller: Caller) -> bool {
    let wizard = game.is_wizard(caller.player);
    if !wizard {
        game.tell(caller.player, "Permission denied.");
    }
    wizard
}

/// Finds a player by exact name, `*name`, `#dbref`, `me`, or a unique prefix of a
/// connected player's name. `Err` holds the message to show.
pub fn find_player(game: &Game, caller: Caller, name: &str) -> Result<Dbref, String> {
    let name = name.trim().trim_matches('"').trim();
    let bare = name.strip_prefix('*').unwrap_or(name);
    if bare.eq_ignore_ascii_case("me") {
        return Ok(caller.player);
    }
    if let Some(d) = Dbref::parse(bare) {
        return match game.world.get(d) {
            Some(o) if o.kind == crate::world::ObjectKind::Player => Ok(d),
            _ => Err(format!("I don't recognize \"{bare}\".")),
        };
    }
    if let Some(d) = game.world.player_by_name(bare) {
        return Ok(d);
    }
    let lower = bare.to_lowercase();
    let matches: Vec<Dbref> = game
        .ctx
        .table
        .connected_players()
        .into_iter()
        .filter(|d| game.world.name(*d).to_lowercase().starts_with(&lower))
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("I don't recognize \"{bare}\".")),
        _ => Err(format!("I don't know which \"{bare}\" you mean!")),
    }
}
