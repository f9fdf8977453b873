//! Commands of connected players: a dispatch table from command word to handler,
//! one module per family.

pub mod admin;
pub mod attributes;
pub mod building;
pub mod chat;
pub mod chat_channel;
pub mod connection;
pub mod control;
pub mod destroy;
pub mod emit;
pub mod functions;
pub mod help;
pub mod locks;
pub mod look;
pub mod mail;
pub mod matching;
pub mod moving;
pub mod players;
pub mod queue;
pub mod search;
pub mod social;
pub mod time;
pub mod zones;

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

/// A command that takes any combination of `/switches` (given lower case, `/`-joined,
/// empty for none) and evaluates its own arguments.
pub type SwitchedFn = fn(&mut Game, Caller, &str, &str) -> Flow;

/// No connection: a command an object runs from the queue.
pub const NO_HANDLE: Handle = 0;

/// Command words (lower case) to handlers.
pub struct CommandTable {
    commands: HashMap<&'static str, CommandFn>,
    switched: HashMap<&'static str, SwitchedFn>,
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
            functions::COMMANDS,
            zones::COMMANDS,
        ] {
            for (name, f) in family {
                commands.insert(name, *f);
            }
        }
        let mut switched: HashMap<&'static str, SwitchedFn> = HashMap::new();
        for family in [
            queue::COMMANDS,
            control::COMMANDS,
            mail::COMMANDS,
            chat::COMMANDS,
        ] {
            for (name, f) in family {
                switched.insert(name, *f);
            }
        }
        CommandTable { commands, switched }
    }

    pub fn get(&self, word: &str) -> Option<CommandFn> {
        self.commands.get(word).copied()
    }

    /// A command taking switches, by `word/switch/...`: the handler and the switches.
    pub fn switched<'w>(&self, word: &'w str) -> Option<(SwitchedFn, &'w str)> {
        let (base, switches) = word.split_once('/').unwrap_or((word, ""));
        self.switched.get(base).map(|f| (*f, switches))
    }

    /// Every command word, sorted, for `help`.
    pub fn names(&self) -> Vec<&'static str> {
        let mut v: Vec<_> = self
            .commands
            .keys()
            .chain(self.switched.keys())
            .copied()
            .collect();
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
    game.env = crate::game::exec::Env::typed(player);
    game.command_text = line.to_string();
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

/// The command table, built once.
pub fn table() -> &'static CommandTable {
    static TABLE: std::sync::OnceLock<CommandTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(CommandTable::new)
}

/// Runs one command of a queue entry (or of an inline action list) as `caller.player`,
/// in the game's current environment.
pub fn run_queued(game: &mut Game, caller: Caller, line: &str) {
    game.command_text = line.to_string();
    dispatch(game, table(), caller, line);
}

fn dispatch(game: &mut Game, table: &CommandTable, caller: Caller, line: &str) -> Flow {
    // One-character abbreviations come first, as in every MUSH.
    let mut chars = line.chars();
    let short: Option<CommandFn> = match chars.next() {
        Some('"') => Some(social::say),
        Some(':') => Some(social::pose),
        Some(';') => Some(social::semipose),
        Some('&') => return attributes::ampersand(game, caller, chars.as_str()),
        _ => None,
    };
    if let Some(f) = short {
        return run_evaluated(game, caller, f, ArgEval::Whole, chars.as_str());
    }
    // `- <text>` and `~ <text>` add to an @mail draft, when one is being written.
    if let Some(c @ ('-' | '~')) = line.chars().next() {
        if game.mail.drafts.contains_key(&caller.player) {
            return mail::draft_text(game, caller, chars.as_str(), c == '~');
        }
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
    // `+<channel> <message>` on a channel the player is on.
    if lower.starts_with('+') {
        if let Some(flow) = chat::plus(game, caller, line) {
            return flow;
        }
    }
    if let Some((f, switches)) = table.switched(&lower) {
        return f(game, caller, switches, args);
    }
    match table.get(&lower) {
        Some(f) => match arg_eval(&lower) {
            Some(how) => run_evaluated(game, caller, f, how, args),
            None => f(game, caller, args),
        },
        None => {
            // Objects' $-commands, when no built-in took the line.
            if game.dollar_commands(caller.player, line) == 0 {
                game.tell(caller.player, HUH);
            }
            Flow::Continue
        }
    }
}

/// How a command's argument text is evaluated before the command sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArgEval {
    /// All of it.
    Whole,
    /// Each side of the first top-level `=` on its own (PennMUSH's EQSPLIT).
    EqSplit,
}

/// The commands whose arguments PennMUSH evaluates before running them. Attribute
/// values set with `&` or `@describe`/`@success`..., passwords, help, searches and the
/// connection's own commands are taken as typed, as there.
fn arg_eval(word: &str) -> Option<ArgEval> {
    match word {
        "say" | "pose" | "semipose" | "think" | "@emit" | "@nsemit" | "@wall" | "look" | "l"
        | "examine" | "ex" | "get" | "take" | "drop" | "enter" | "use" | "@create" | "@destroy"
        | "@dest" | "@recycle" | "@undestroy" | "@undest" | "@unlink" | "@nuke" | "@toad"
        | "@boot" | "@unlock" | "@unlock/basic" | "@unlock/enter" | "@unlock/use"
        | "@destroy/override" | "@dest/override" => Some(ArgEval::Whole),
        "page" | "p" | "whisper" | "w" | "@pemit" | "@remit" | "@oemit" | "@nspemit"
        | "@nsremit" | "@nsoemit" | "@dig" | "@open" | "@link" | "@name" | "@chown" | "@parent"
        | "@clone" | "@teleport" | "@tel" | "give" | "@set" | "@lock" | "@lock/basic"
        | "@lock/enter" | "@lock/use" | "@pcreate" | "@lset" | "@power" | "@chzone"
        | "@chzone/preserve" => Some(ArgEval::EqSplit),
        _ => None,
    }
}

/// Evaluates a command's arguments as the caller, then runs it. Text nested too deep to
/// parse fails the whole command, as in PennMUSH.
fn run_evaluated(game: &mut Game, caller: Caller, f: CommandFn, how: ArgEval, args: &str) -> Flow {
    let split = match how {
        ArgEval::EqSplit => split_equals(args),
        ArgEval::Whole => None,
    };
    let evaluated = match split {
        Some((left, right)) => game
            .evaluate(caller.player, left)
            .and_then(|l| Ok(format!("{l}={}", game.evaluate(caller.player, right)?))),
        None => game.evaluate(caller.player, args),
    };
    match evaluated {
        Ok(text) => f(game, caller, &text),
        Err(crate::game::softcode::EvalFailure::TooDeep) => refuse(game, caller, HUH),
    }
}

/// Splits at the first `=` outside brackets, braces and parentheses and not escaped.
pub(crate) fn split_equals(text: &str) -> Option<(&str, &str)> {
    crate::game::exec::split_once_top(text, '=')
}

/// What an unknown command (or one that cannot be parsed) answers.
pub const HUH: &str = "Huh?  (Type \"help\" for help.)";

impl Game {
    /// Answers whoever runs a command: the connection that typed it, or, for a command
    /// an object runs from the queue, the object (through the notify path).
    pub fn reply(&self, caller: Caller, text: &str) {
        if caller.handle == NO_HANDLE {
            self.tell(caller.player, text);
        } else {
            self.tell_handle(caller.handle, text);
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::split_equals;

    #[test]
    fn equals_split_at_the_top_level_only() {
        assert_eq!(split_equals("bob=hi"), Some(("bob", "hi")));
        assert_eq!(split_equals("[eq(1,1)]=x=y"), Some(("[eq(1,1)]", "x=y")));
        assert_eq!(split_equals("{a=b}=c"), Some(("{a=b}", "c")));
        assert_eq!(split_equals("a\\=b=c"), Some(("a\\=b", "c")));
        assert_eq!(split_equals("no equals"), None);
        assert_eq!(split_equals("(unclosed=x"), None);
        assert_eq!(split_equals("é=ü"), Some(("é", "ü")));
    }
}
