//! Functions of PennMUSH's table that fit no family file: the power list tests, hidden
//! players, TLS and WebSocket connections (absent), and the deprecated `rnum()`.

use crate::eval::{push, Args, Eval};
use crate::functions::db::{obj_or_err, push_dbref};
use crate::functions::FnDef;

/// `andlpowers(obj, list)` / `orlpowers(obj, list)`: whether the object holds all (any)
/// of the listed powers, `!power` meaning it must not. An unknown power is one nobody
/// holds, as in PennMUSH.
fn power_test(ev: &mut Eval, a: &Args, o: &mut String, all: bool) {
    let Some(d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    let mut result = all;
    for word in a.get(1).split_whitespace() {
        let (neg, name) = match word.strip_prefix('!') {
            Some(n) => (true, n),
            None => (false, word),
        };
        if name.is_empty() {
            result = false;
            break;
        }
        let hit = ev.host.has_power(d, name) != neg;
        if hit != all {
            result = hit;
            break;
        }
    }
    push(o, if result { "1" } else { "0" });
}

fn fun_andlpowers(ev: &mut Eval, a: &Args, o: &mut String) {
    power_test(ev, a, o, true)
}

fn fun_orlpowers(ev: &mut Eval, a: &Args, o: &mut String) {
    power_test(ev, a, o, false)
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
    FnDef::new("ANDLPOWERS", 2, 2, fun_andlpowers),
    FnDef::new("ORLPOWERS", 2, 2, fun_orlpowers),
    FnDef::new("HIDDEN", 1, 1, fun_hidden),
    FnDef::new("SSL", 1, 1, fun_ssl),
    FnDef::new("WSJSON", 1, 2, fun_websocket),
    FnDef::new("WSHTML", 1, 2, fun_websocket),
    FnDef::new("RNUM", 2, 2, fun_rnum).deprecated(),
];

#[cfg(test)]
mod tests {
    use crate::host::{FreshDb, ObjType};
    use crate::test_support::run;

    #[test]
    fn power_lists() {
        let mut db = FreshDb::new();
        let bob = db.add("Bob", ObjType::Player, 0, 1);
        if let Some(o) = usize::try_from(bob)
            .ok()
            .and_then(|i| db.objects.get_mut(i))
        {
            o.powers.push("See_All".into());
        }
        let t = |db: &mut FreshDb, e: &str| run(db, 1, e);
        assert_eq!(t(&mut db, "[andlpowers(#3,See_All)]"), "1");
        assert_eq!(t(&mut db, "[andlpowers(#3,See_All Builder)]"), "0");
        assert_eq!(t(&mut db, "[andlpowers(#3,See_All !Builder)]"), "1");
        assert_eq!(t(&mut db, "[orlpowers(#3,Builder see_all)]"), "1");
        assert_eq!(t(&mut db, "[orlpowers(#3,Builder Boot)]"), "0");
        assert_eq!(t(&mut db, "[orlpowers(#3,!NoSuch)]"), "1");
        assert_eq!(t(&mut db, "[andlpowers(#3,NoSuch)]"), "0");
        assert_eq!(
            t(&mut db, "[haspower(#3,see_all)] [powers(#3)]"),
            "1 See_All"
        );
        assert_eq!(t(&mut db, "[powers()]"), "Builder See_All Boot");
    }
}
