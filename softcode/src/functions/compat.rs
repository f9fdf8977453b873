//! Functions of PennMUSH's table for features mushd does not have yet, answering as
//! PennMUSH does where that feature is absent: powers (none are granted), hidden
//! players, TLS and WebSocket connections, and the deprecated `rnum()`.

use crate::eval::{push, Args, Eval};
use crate::functions::db::{obj_or_err, push_dbref};
use crate::functions::FnDef;

/// `andlpowers(obj, list)` / `orlpowers(obj, list)`: with no powers granted, an object
/// has none of the listed ones.
fn fun_lpowers(ev: &mut Eval, a: &Args, o: &mut String) {
    if obj_or_err(ev, a.get(0), o).is_some() {
        push(o, "0");
    }
}

/// `hidden(player)`: whether the player is connected and DARK (hidden from WHO).
fn fun_hidden(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        let hidden = ev.host.has_flag(d, "DARK") && ev.host.has_flag(d, "CONNECTED");
        push(o, if hidden { "1" } else { "0" });
    }
}

/// `ssl(player)`: whether the connection is encrypted; mushd has no TLS listener yet.
fn fun_ssl(ev: &mut Eval, a: &Args, o: &mut String) {
    if obj_or_err(ev, a.get(0), o).is_some() {
        push(o, "0");
    }
}

/// `wsjson()` / `wshtml()`: data for WebSocket clients; no connection is one yet.
fn fun_websocket(_ev: &mut Eval, _a: &Args, o: &mut String) {
    push(o, "#-1 NOT A WEBSOCKET CONNECTION");
}

/// `rnum(room, name)`: deprecated; the object called `name` in `room`.
fn fun_rnum(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(room) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    let want = a.get(1).trim();
    let found = ev.host.contents(room).into_iter().find(|d| {
        ev.host
            .name(*d)
            .is_some_and(|n| n.eq_ignore_ascii_case(want))
    });
    match found {
        Some(d) => push_dbref(o, d),
        None => push(o, "#-1 NO MATCH"),
    }
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("ANDLPOWERS", 2, 2, fun_lpowers),
    FnDef::new("ORLPOWERS", 2, 2, fun_lpowers),
    FnDef::new("HIDDEN", 1, 1, fun_hidden),
    FnDef::new("SSL", 1, 1, fun_ssl),
    FnDef::new("WSJSON", 1, 2, fun_websocket),
    FnDef::new("WSHTML", 1, 2, fun_websocket),
    FnDef::new("RNUM", 2, 2, fun_rnum).deprecated(),
];
