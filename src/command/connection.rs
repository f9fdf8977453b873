//! The connection family: WHO, DOING, @doing, SESSION, IDLE, OUTPUTPREFIX/SUFFIX,
//! QUIT and LOGOUT.

use super::time;
use super::{Caller, CommandFn};
use crate::game::{DisconnectKind, Flow, Game};
use crate::session::socket::Transport;
use crate::session::{now_millis, CloseReason, Part};

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("who", who),
    ("doing", doing),
    ("@doing", set_doing),
    ("session", session),
    ("idle", idle),
    ("outputprefix", output_prefix),
    ("outputsuffix", output_suffix),
    ("quit", quit),
    ("logout", logout),
];

/// Longest `@doing` text, as in PennMUSH.
pub const DOING_LEN: usize = 39;

/// The WHO listing in PennMUSH's layout, one row per logged-in connection.
pub fn who_text(game: &Game, _for_wizard: bool) -> String {
    let now = now_millis();
    let mut text = format!(
        "{:<16} {:>10} {:>6}  {}\n",
        "Player Name", "On For", "Idle", "Doing"
    );
    let mut count = 0;
    // Newest connection first, as PennMUSH lists its descriptors; a DARK player's row
    // is marked D after the idle time.
    for s in game.ctx.table.snapshot().into_iter().rev() {
        let Some(player) = s.player else { continue };
        count += 1;
        let name: String = game.world.name(player).chars().take(16).collect();
        let on_for = time::on_for(now.saturating_sub(s.connected_at_ms) / 1000);
        let idle = time::idle(now.saturating_sub(s.last_seen_ms) / 1000);
        let mark = if game.is_dark(player) { 'D' } else { ' ' };
        let doing = if s.is_linkdead() {
            format!("(link-dead) {}", s.doing).trim_end().to_string()
        } else {
            s.doing.clone()
        };
        text.push_str(&format!(
            "{name:<16} {on_for:>10}   {idle:>4}{mark} {doing}\n"
        ));
    }
    text.push_str(&match count {
        0 => "There are no players connected.".to_string(),
        1 => "There is one player connected.".to_string(),
        n => format!("There are {n} players connected."),
    });
    text
}

fn who(game: &mut Game, caller: Caller, _args: &str) -> Flow {
    let text = who_text(game, game.is_wizard(caller.player));
    game.reply(caller, &text);
    Flow::Continue
}

fn doing(game: &mut Game, caller: Caller, _args: &str) -> Flow {
    let text = who_text(game, false);
    game.reply(caller, &text);
    Flow::Continue
}

fn set_doing(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let clean: String = args.chars().filter(|c| !c.is_control()).collect();
    let total = clean.chars().count();
    let kept: String = clean.chars().take(DOING_LEN).collect();
    // Every connection of the player shows the same text, as in PennMUSH.
    for h in game.ctx.table.handles_of(caller.player) {
        game.ctx.table.update(h, |s| s.doing = kept.clone());
        game.ctx.save_session(h, &[Part::Doing]);
    }
    let message = if total > DOING_LEN {
        format!("Doing set. {} characters lost.", total - DOING_LEN)
    } else if kept.is_empty() {
        "Doing cleared.".to_string()
    } else {
        "Doing set.".to_string()
    };
    game.reply(caller, &message);
    Flow::Continue
}

fn session(game: &mut Game, caller: Caller, _args: &str) -> Flow {
    let Some(s) = game.ctx.table.with(caller.handle, |s| s.clone()) else {
        return Flow::Continue;
    };
    let now = now_millis();
    let size = match (s.terminal.width, s.terminal.height) {
        (Some(w), Some(h)) => format!("{w}x{h}"),
        _ => "unknown".to_string(),
    };
    let text = format!(
        "Session {handle}\n\
         \x20 Connected since: {since} ({on_for} ago)\n\
         \x20 Idle:            {idle}\n\
         \x20 Commands:        {cmds}\n\
         \x20 Bytes in/out:    {bin} / {bout}\n\
         \x20 Terminal:        {ttype}\n\
         \x20 Window size:     {size}\n\
         \x20 Charset:         {charset}\n\
         \x20 Host:            {host}\n\
         \x20 Connection:      {transport}",
        handle = s.handle,
        since = time::utc(s.connected_at_ms / 1000),
        on_for = time::on_for(now.saturating_sub(s.connected_at_ms) / 1000),
        idle = time::idle(now.saturating_sub(s.last_seen_ms) / 1000),
        cmds = s.cmds,
        bin = s.bytes_in,
        bout = s.bytes_out(),
        ttype = s.terminal.ttype_summary(),
        charset = s.terminal.charset.name(),
        host = s.peer.ip(),
        transport = transport_text(s.transport),
    );
    game.reply(caller, &text);
    Flow::Continue
}

/// How SESSION describes the way a connection arrived.
fn transport_text(t: Transport) -> &'static str {
    match t {
        Transport::Telnet => "telnet (not encrypted)",
        Transport::Tls => "telnet over TLS (encrypted)",
        Transport::Ws => "WebSocket (not encrypted)",
        Transport::Wss => "WebSocket over TLS (encrypted)",
    }
}

/// Does nothing and, unlike every other command, leaves the idle time alone.
fn idle(_game: &mut Game, _caller: Caller, _args: &str) -> Flow {
    Flow::Continue
}

/// Which wrapper OUTPUTPREFIX/OUTPUTSUFFIX sets.
#[derive(Clone, Copy)]
enum Wrapper {
    Prefix,
    Suffix,
}

/// Sets (or, when empty, clears) a connection's output wrapper, silently as PennMUSH does.
fn set_wrapper(game: &mut Game, caller: Caller, args: &str, which: Wrapper) -> Flow {
    let value = (!args.is_empty()).then(|| args.to_string());
    game.ctx.table.update(caller.handle, |s| match which {
        Wrapper::Prefix => s.output_prefix = value,
        Wrapper::Suffix => s.output_suffix = value,
    });
    game.ctx.save_session(caller.handle, &[Part::Wrappers]);
    Flow::Continue
}

fn output_prefix(game: &mut Game, caller: Caller, args: &str) -> Flow {
    set_wrapper(game, caller, args, Wrapper::Prefix)
}

fn output_suffix(game: &mut Game, caller: Caller, args: &str) -> Flow {
    set_wrapper(game, caller, args, Wrapper::Suffix)
}

fn quit(game: &mut Game, caller: Caller, _args: &str) -> Flow {
    let text = game.ctx.texts.quit.clone();
    game.reply(caller, text.trim_end());
    game.ctx.table.close(caller.handle, CloseReason::Quit);
    Flow::Quit
}

fn logout(game: &mut Game, caller: Caller, _args: &str) -> Flow {
    let host = game
        .ctx
        .table
        .with(caller.handle, |s| s.peer.ip().to_string())
        .unwrap_or_default();
    game.ctx.table.unbind(caller.handle);
    game.ctx
        .save_session(caller.handle, &[Part::Player, Part::Doing]);
    game.player_left(caller.player, &host, DisconnectKind::Quit);
    Flow::Logout
}
