//! Wizard commands: @boot, @wall, @shutdown, @power.

use super::building::find_target;
use super::{find_player, refuse, time, wizard_only, Caller, CommandFn};
use crate::game::{line_bytes, Flow, Game, GOD};
use crate::session::CloseReason;
use crate::world::Powers;

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("@boot", boot),
    ("@wall", wall),
    ("@shutdown", shutdown),
    ("@reboot", reboot),
    ("@stats", stats),
    ("@sessions", sessions),
    ("@power", power),
];

/// `@power <object>=[!]<power>`: grants or takes a power; wizards only, and only God
/// changes God's.
fn power(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let Some((what, power)) = args.split_once('=') else {
        return refuse(game, caller, "Use: @power <object>=[!]<power>");
    };
    let target = match find_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let power = power.trim();
    let (remove, name) = match power.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, power),
    };
    let Some((name, bit)) = Powers::lookup(name) else {
        let text = format!("{name} - I don't recognize that power.");
        return refuse(game, caller, &text);
    };
    if !game.is_wizard(caller.player) || (target == GOD && caller.player != GOD) {
        return refuse(game, caller, "Permission denied.");
    }
    let Some(obj) = game.world.get_mut(target) else {
        return Flow::Continue;
    };
    let had = obj.powers.0 & bit != 0;
    if remove {
        obj.powers.0 &= !bit;
    } else {
        obj.powers.0 |= bit;
    }
    let subject = obj.short_name().to_string();
    game.touch(target, &["powers"]);
    tracing::info!(object = %target, by = %caller.player, power = name, remove, "power changed");
    let already = if had == remove { "" } else { "(already) " };
    let verb = if remove { "removed" } else { "granted" };
    game.ack(
        caller.player,
        &format!("{subject} - {name} {already}{verb}."),
    );
    Flow::Continue
}

/// Entries of history `@sessions` reads.
const SESSIONS_SHOWN: usize = 40;

fn boot(game: &mut Game, caller: Caller, args: &str) -> Flow {
    if !wizard_only(game, caller) {
        return Flow::Continue;
    }
    if args.is_empty() {
        game.tell(caller.player, "Boot whom? Use: @boot <player>");
        return Flow::Continue;
    }
    let target = match find_player(game, caller, args) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, &why),
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
        if game.is_linkdead(*h) {
            // No connection to close: the session ends here.
            game.end_linkdead(*h, crate::game::DisconnectKind::Boot);
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
    if !wizard_only(game, caller) {
        return Flow::Continue;
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
    if !wizard_only(game, caller) {
        return Flow::Continue;
    }
    game.shutting_down = Some(Some(caller.player));
    Flow::Continue
}

/// `@stats`: how many objects of each kind; wizards also get the telemetry figures,
/// as the metrics endpoint serves them.
fn stats(game: &mut Game, caller: Caller, _args: &str) -> Flow {
    let [rooms, exits, things, players, garbage] = game.world.census();
    let total = rooms + exits + things + players;
    let mut text = format!(
        "The universe contains {total} objects: {rooms} rooms, {exits} exits, \
         {things} things, {players} players ({garbage} garbage).\n"
    );
    if !game.is_wizard(caller.player) {
        game.reply(caller, text.trim_end());
        return Flow::Continue;
    }
    text.push_str(&format!(
        "{total} objects in the world; store backend: {}.\n",
        game.ctx.store.backend_name()
    ));
    for m in crate::metrics::collect(&game.ctx) {
        text.push_str(&format!(
            "{:<40} {}\n",
            format!("mushd_{}", m.name),
            m.value
        ));
    }
    game.reply(caller, text.trim_end());
    Flow::Continue
}

/// `@sessions [<player>]`: session history from the store (others' for wizards only).
fn sessions(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let target = if args.trim().is_empty() {
        caller.player
    } else {
        match find_player(game, caller, args) {
            Ok(d) => d,
            Err(why) => return refuse(game, caller, &why),
        }
    };
    if target != caller.player && !game.is_wizard(caller.player) {
        return refuse(game, caller, "Permission denied.");
    }
    let name = game.name(target);
    let store = game.ctx.store.clone();
    let timeout = std::time::Duration::from_millis(game.ctx.config.store.critical_write_timeout_ms);
    // Entries from before this player was created belong to an older one on the dbref.
    let created = game.world.get(target).map_or(0, |o| o.created);
    // The history lives only in the store: read it off the game task. The connection
    // waits for the answer, so each has at most one read in flight.
    game.after = Some(crate::game::After::Async(Box::pin(async move {
        match tokio::time::timeout(timeout, store.read_history(target, SESSIONS_SHOWN * 2)).await {
            Ok(Ok(mut entries)) => {
                entries.retain(|e| e.connected_at >= created);
                format_sessions(&name, &entries)
            }
            Ok(Err(e)) => format!("Session history is not available right now ({e})."),
            Err(_) => {
                "Session history is not available right now (the store did not answer).".into()
            }
        }
    })));
    Flow::Continue
}

fn format_sessions(name: &str, entries: &[crate::store::HistoryRecord]) -> String {
    let sessions = crate::store::history::sessions(entries);
    if sessions.is_empty() {
        return format!("No sessions recorded for {name}.");
    }
    let mut text = format!(
        "Sessions of {name}, newest first:\n{:<25} {:<25} {:<16} {}\n",
        "Connected", "Disconnected", "Host", "Ended"
    );
    for s in sessions.iter().take(SESSIONS_SHOWN) {
        let until = s
            .disconnected_at
            .map(time::utc)
            .unwrap_or_else(|| "(still on)".to_string());
        text.push_str(&format!(
            "{:<25} {:<25} {:<16} {}\n",
            time::utc(s.connected_at),
            until,
            s.host,
            s.how.as_deref().unwrap_or("-")
        ));
    }
    text.trim_end().to_string()
}

/// Wizards: hot reboot; every connection stays open while a new binary takes over.
fn reboot(game: &mut Game, caller: Caller, _args: &str) -> Flow {
    if !wizard_only(game, caller) {
        return Flow::Continue;
    }
    game.rebooting = Some(Some(caller.player));
    Flow::Continue
}
