//! Connection functions (PennMUSH's WHO facts): conn, idle, lwho, mwho, lwhoid, mwhoid,
//! nwho, xwho, doing, poll, ports; and the object times ctime/mtime/csecs/msecs.

use crate::eval::E_NOTVIS;
use crate::eval::{push, push_i64, Args, Eval, E_ARGRANGE, E_INT};
use crate::functions::db::{match_obj, push_dbref, push_objid};
use crate::functions::FnDef;
use crate::host::{Dbref, SessionInfo, NOTHING};

/// The session of a player (named by the argument), longest-connected... PennMUSH uses
/// the most recent connection for idle/conn; `None` when not connected.
fn session_of(ev: &mut Eval, name: &str) -> Option<SessionInfo> {
    let n = name.trim();
    let d: Dbref = if let Some(num) = n.strip_prefix('#') {
        num.parse().ok()?
    } else {
        let bare = n.strip_prefix('*').unwrap_or(n);
        if bare.eq_ignore_ascii_case("me") {
            ev.ctx.executor
        } else {
            ev.host.player_by_name(bare)?
        }
    };
    ev.host
        .sessions()
        .into_iter()
        .filter(|s| s.player == d)
        .min_by_key(|s| s.idle_secs)
}

fn fun_conn(ev: &mut Eval, a: &Args, o: &mut String) {
    match session_of(ev, a.get(0)) {
        Some(s) => push_i64(o, s.conn_secs),
        None => push(o, "-1"),
    }
}

fn fun_idle(ev: &mut Eval, a: &Args, o: &mut String) {
    match session_of(ev, a.get(0)) {
        Some(s) => push_i64(o, s.idle_secs),
        None => push(o, "-1"),
    }
}

fn fun_doing(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(s) = session_of(ev, a.get(0)) {
        push(o, &s.doing);
    }
}

fn fun_ports(ev: &mut Eval, a: &Args, o: &mut String) {
    if !ev.host.is_wizard(ev.ctx.executor) {
        return push(o, crate::functions::db::E_PERM);
    }
    let Some(d) = match_obj(ev, a.get(0)) else {
        return;
    };
    let ports: Vec<String> = ev
        .host
        .sessions()
        .iter()
        .filter(|s| s.player == d)
        .map(|s| s.port.to_string())
        .collect();
    push(o, &ports.join(" "));
}

/// Connected players, each once, in login order; hidden (DARK wizards) skipped for
/// mortals.
fn who_list(ev: &Eval) -> Vec<Dbref> {
    let see_all = ev.host.is_wizard(ev.ctx.executor);
    let mut v: Vec<Dbref> = Vec::new();
    for s in ev.host.sessions() {
        if v.contains(&s.player) {
            continue;
        }
        if !see_all && ev.host.has_flag(s.player, "DARK") && ev.host.is_wizard(s.player) {
            continue;
        }
        v.push(s.player);
    }
    v
}

fn push_who(ev: &Eval, o: &mut String, list: &[Dbref], sep: &str, objid: bool) {
    for (i, d) in list.iter().enumerate() {
        if i > 0 {
            push(o, sep);
        }
        if objid {
            push_objid(ev, o, *d);
        } else {
            push_dbref(o, *d);
        }
    }
}

fn fun_lwho(ev: &mut Eval, a: &Args, o: &mut String) {
    let list = if a.is_empty() || a.get(0).trim().is_empty() {
        who_list(ev)
    } else {
        let Some(viewer) = match_obj(ev, a.get(0)) else {
            return push(o, E_NOTVIS);
        };
        let ex = ev.ctx.executor;
        if viewer != ex && !ev.host.is_wizard(ex) {
            return push(o, crate::functions::db::E_PERM);
        }
        who_list(ev)
    };
    let objid = a.get(1).trim().eq_ignore_ascii_case("objid");
    push_who(ev, o, &list, " ", objid);
}

fn fun_mwho(ev: &mut Eval, _a: &Args, o: &mut String) {
    let list = who_list(ev);
    push_who(ev, o, &list, " ", false);
}

fn fun_lwhoid(ev: &mut Eval, _a: &Args, o: &mut String) {
    let list = who_list(ev);
    push_who(ev, o, &list, " ", true);
}

fn fun_mwhoid(ev: &mut Eval, _a: &Args, o: &mut String) {
    let list = who_list(ev);
    push_who(ev, o, &list, " ", true);
}

fn fun_nwho(ev: &mut Eval, _a: &Args, o: &mut String) {
    push_i64(o, i64::try_from(who_list(ev).len()).unwrap_or(0));
}

fn fun_xwho(ev: &mut Eval, a: &Args, o: &mut String) {
    let (Ok(start), Ok(count)) = (
        a.get(0).trim().parse::<i64>(),
        a.get(1).trim().parse::<i64>(),
    ) else {
        return push(o, E_INT);
    };
    if start < 1 || count < 1 {
        return push(o, E_ARGRANGE);
    }
    let list: Vec<Dbref> = who_list(ev)
        .into_iter()
        .skip(usize::try_from(start - 1).unwrap_or(usize::MAX))
        .take(usize::try_from(count).unwrap_or(0))
        .collect();
    let objid = a.get(2).trim().eq_ignore_ascii_case("objid");
    push_who(ev, o, &list, " ", objid);
}

fn fun_poll(ev: &mut Eval, _a: &Args, o: &mut String) {
    let p = ev.host.poll();
    push(o, &p);
}

/// Days since the epoch -> (year, month, day), proleptic Gregorian.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// PennMUSH's time format, UTC: `Mon Nov 30 09:13:24 2026`.
pub fn format_time(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    let wd = DAYS
        .get(usize::try_from(days.rem_euclid(7)).unwrap_or(0))
        .copied()
        .unwrap_or("Thu");
    let mon = MONTHS
        .get(usize::try_from(m - 1).unwrap_or(0))
        .copied()
        .unwrap_or("Jan");
    format!(
        "{wd} {mon} {d:2} {:02}:{:02}:{:02} {y}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

fn obj_time(ev: &mut Eval, a: &Args, o: &mut String, modified: bool, secs: bool) {
    let Some(d) = match_obj(ev, a.get(0)) else {
        return push(o, E_NOTVIS);
    };
    if d == NOTHING {
        return push(o, E_NOTVIS);
    }
    let t = if modified {
        ev.host.modified_time(d)
    } else {
        ev.host.creation_time(d)
    };
    if secs {
        push_i64(o, t);
    } else {
        push(o, &format_time(t));
    }
}

fn fun_ctime(ev: &mut Eval, a: &Args, o: &mut String) {
    obj_time(ev, a, o, false, false)
}
fn fun_mtime(ev: &mut Eval, a: &Args, o: &mut String) {
    obj_time(ev, a, o, true, false)
}
fn fun_csecs(ev: &mut Eval, a: &Args, o: &mut String) {
    obj_time(ev, a, o, false, true)
}
fn fun_msecs(ev: &mut Eval, a: &Args, o: &mut String) {
    obj_time(ev, a, o, true, true)
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("CONN", 1, 1, fun_conn),
    FnDef::new("IDLE", 1, 1, fun_idle),
    // PennMUSH's built-in alias of IDLE.
    FnDef::new("IDLESECS", 1, 1, fun_idle),
    FnDef::new("DOING", 1, 1, fun_doing),
    FnDef::new("PORTS", 1, 1, fun_ports),
    FnDef::new("LWHO", 0, 2, fun_lwho),
    FnDef::new("MWHO", 0, 0, fun_mwho),
    FnDef::new("LWHOID", 0, 1, fun_lwhoid),
    FnDef::new("MWHOID", 0, 0, fun_mwhoid),
    FnDef::new("NWHO", 0, 1, fun_nwho),
    FnDef::new("XWHO", 2, 3, fun_xwho),
    FnDef::new("POLL", 0, 0, fun_poll),
    FnDef::new("CTIME", 1, 2, fun_ctime),
    FnDef::new("MTIME", 1, 2, fun_mtime),
    FnDef::new("CSECS", 1, 1, fun_csecs),
    FnDef::new("MSECS", 1, 1, fun_msecs),
];

#[cfg(test)]
mod tests {
    use super::format_time;

    #[test]
    fn formats_epoch_times() {
        assert_eq!(format_time(0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(format_time(1_000_000_000), "Sun Sep  9 01:46:40 2001");
    }
}
