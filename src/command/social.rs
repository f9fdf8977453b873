//! Talking: say, pose, semipose, page and whisper.

use super::{find_player, refuse, Caller, CommandFn};
use crate::game::{Flow, Game};
use crate::world::Dbref;

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("say", say),
    ("pose", pose),
    ("semipose", semipose),
    ("page", page),
    ("p", page),
    ("whisper", whisper),
    ("w", whisper),
];

pub fn say(game: &mut Game, caller: Caller, message: &str) -> Flow {
    let Some(room) = game.location_of(caller.player) else {
        return Flow::Continue;
    };
    let name = game.name(caller.player);
    game.tell(caller.player, &format!("You say, \"{message}\""));
    game.tell_room(
        room,
        &[caller.player],
        &format!("{name} says, \"{message}\""),
    );
    Flow::Continue
}

pub fn pose(game: &mut Game, caller: Caller, message: &str) -> Flow {
    if let Some(room) = game.location_of(caller.player) {
        let name = game.name(caller.player);
        game.tell_room(room, &[], &format!("{name} {message}"));
    }
    Flow::Continue
}

pub fn semipose(game: &mut Game, caller: Caller, message: &str) -> Flow {
    if let Some(room) = game.location_of(caller.player) {
        let name = game.name(caller.player);
        game.tell_room(room, &[], &format!("{name}{message}"));
    }
    Flow::Continue
}

/// Splits a recipient list: commas if present, else spaces; quotes keep spaces.
fn split_names(list: &str) -> Vec<String> {
    if list.contains(',') {
        return list
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .filter(|s| !s.is_empty())
            .collect();
    }
    let mut names = Vec::new();
    let mut rest = list.trim();
    while !rest.is_empty() {
        if let Some(q) = rest.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            names.push(q[..end].trim().to_string());
            rest = q.get(end + 1..).unwrap_or("").trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            names.push(rest[..end].to_string());
            rest = rest[end..].trim_start();
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `page <names>=<message>`, or `page <message>` to whoever was paged last.
/// Names joined as PennMUSH lists them: `A`, `A and B`, `A, B, and C`.
fn itemize(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
    }
}

pub fn page(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let (targets, message) = match args.split_once('=') {
        Some((names, message)) => {
            let mut targets = Vec::new();
            for name in split_names(names) {
                match find_player(game, caller, &name) {
                    Ok(d) if !targets.contains(&d) => targets.push(d),
                    Ok(_) => {}
                    Err(why) => game.tell(caller.player, &why),
                }
            }
            (targets, message.trim())
        }
        None => (
            game.last_paged
                .get(&caller.player)
                .cloned()
                .unwrap_or_default(),
            args.trim(),
        ),
    };
    if targets.is_empty() {
        if !args.contains('=') {
            game.tell(caller.player, "You haven't paged anyone since connecting.");
        }
        return Flow::Continue;
    }
    if message.is_empty() && !args.contains('=') {
        // `page` alone: who the last page went to, as PennMUSH says it.
        let names: Vec<String> = targets.iter().map(|d| game.name(*d)).collect();
        let text = format!("You last paged {}.", itemize(&names));
        game.tell(caller.player, &text);
        return Flow::Continue;
    }
    if message.is_empty() {
        game.tell(caller.player, "What do you want to page?");
        return Flow::Continue;
    }
    let (online, offline): (Vec<Dbref>, Vec<Dbref>) = targets
        .iter()
        .partition(|d| game.ctx.table.is_connected(**d));
    for d in &offline {
        let name = game.name(*d);
        game.tell(caller.player, &format!("{name} is not connected."));
    }
    game.last_paged.insert(caller.player, targets.clone());
    if online.is_empty() {
        return Flow::Continue;
    }
    let me = game.name(caller.player);
    let names: Vec<String> = online.iter().map(|d| game.name(*d)).collect();
    let listed = join_names(&names);
    let (to_them, to_me) = if let Some(action) = message.strip_prefix(':') {
        (
            format!("From afar, {me} {action}"),
            format!("Long distance to {listed}: {me} {action}"),
        )
    } else if let Some(action) = message.strip_prefix(';') {
        (
            format!("From afar, {me}{action}"),
            format!("Long distance to {listed}: {me}{action}"),
        )
    } else if online.len() == 1 {
        (
            format!("{me} pages: {message}"),
            format!("You paged {listed} with '{message}'."),
        )
    } else {
        (
            format!("{me} pages {}: {message}", names.join(", ")),
            format!("You paged {listed} with '{message}'."),
        )
    };
    for d in &online {
        game.tell(*d, &to_them);
    }
    game.tell(caller.player, &to_me);
    Flow::Continue
}

/// `whisper <name>=<message>` to someone in the same room.
pub fn whisper(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let Some((name, message)) = args.split_once('=') else {
        game.tell(
            caller.player,
            "Whisper to whom? Use: whisper <name>=<message>",
        );
        return Flow::Continue;
    };
    let target = match find_player(game, caller, name) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, &why),
    };
    let here = game.location_of(caller.player);
    if game.location_of(target) != here || !game.ctx.table.is_connected(target) {
        let tname = game.name(target);
        game.tell(caller.player, &format!("{tname} is not here."));
        return Flow::Continue;
    }
    let me = game.name(caller.player);
    let them = game.name(target);
    let message = message.trim();
    if let Some(action) = message.strip_prefix(':') {
        game.tell(target, &format!("You sense: {me} {action}"));
        game.tell(caller.player, &format!("{them} senses, \"{me} {action}\""));
    } else {
        game.tell(target, &format!("{me} whispers, \"{message}\""));
        game.tell(
            caller.player,
            &format!("You whisper, \"{message}\" to {them}."),
        );
    }
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_lists() {
        assert_eq!(split_names("bob carol"), vec!["bob", "carol"]);
        assert_eq!(split_names("bob, \"Some One\""), vec!["bob", "Some One"]);
        assert_eq!(split_names("\"Some One\" bob"), vec!["Some One", "bob"]);
        assert_eq!(
            join_names(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
