//! Wizard commands: @boot, @wall, @shutdown.

use super::{find_player, Caller, CommandFn};
use crate::game::{line_bytes, Flow, Game};
use crate::session::CloseReason;

pub const COMMANDS: &[(&str, CommandFn)] =
    &[("@boot", boot), ("@wall", wall), ("@shutdown", shutdown)];

fn deny(game: &Game, caller: Caller) -> Flow {
    game.tell(caller.player, "Permission denied.");
    Flow::Continue
}

fn boot(game: &mut Game, caller: Caller, args: &str) -> Flow {
    if !game.is_wizard(caller.player) {
        return deny(game, caller);
    }
    if args.is_empty() {
        game.tell(caller.player, "Boot whom? Use: @boot <player>");
        return Flow::Continue;
    }
    let target = match find_player(game, caller, args) {
        Ok(d) => d,
        Err(why) => {
            game.tell(caller.player, &why);
            return Flow::Continue;
        }
    };
    let handles = game.ctx.table.handles_of(target);
    if handles.is_empty() {
        let name = game.name(target);
        game.tell(caller.player, &format!("{name} is not connected."));
        return Flow::Continue;
    }
    let by = game.name(caller.player);
    for h in &handles {
        if *h == caller.handle {
            continue;
        }
        game.tell_handle(*h, &format!("You have been booted off the game by {by}."));
        game.ctx.table.close(*h, CloseReason::Boot);
    }
    let name = game.name(target);
    tracing::info!(target = %target, by = %caller.player, "boot");
    game.tell(caller.player, &format!("You booted {name} off!"));
    Flow::Continue
}

fn wall(game: &mut Game, caller: Caller, args: &str) -> Flow {
    if !game.is_wizard(caller.player) {
        return deny(game, caller);
    }
    if args.is_empty() {
        game.tell(caller.player, "What do you want to announce?");
        return Flow::Continue;
    }
    let name = game.name(caller.player);
    let text = format!("Announcement: {name} shouts, \"{args}\"");
    game.ctx.table.broadcast(&line_bytes(&text), false);
    Flow::Continue
}

fn shutdown(game: &mut Game, caller: Caller, _args: &str) -> Flow {
    if !game.is_wizard(caller.player) {
        return deny(game, caller);
    }
    game.shutting_down = Some(Some(caller.player));
    Flow::Continue
}
