//! More connection and server functions (PennMUSH's bsd.c, connlog.c, cque.c,
//! funmisc.c): player/host/ipaddr/cmds/sent/recv of a connection, lports, nmwho,
//! xmwho/xmwhoid/xwhoid, terminfo/width/height, connlog/connrecord/addrlog (no connlog:
//! off), prompt/nsprompt, oob (no GMCP), message, restarts/uptime, the queue functions
//! (no queue yet: nothing queued), pcreate, lset.

use crate::eval::{push, push_i64, Args, Eval, E_ARGRANGE, E_INT, E_NOTVIS, MAX_OUTPUT};
use crate::functions::db::{match_obj, push_dbref, push_objid, split_obj_attr, words, E_PERM};
use crate::functions::effects::run;
use crate::functions::functional::call_once;
use crate::functions::{FnDef, Perm, MANY};
use crate::host::{Dbref, Effect, ObjType, SessionInfo, NOTHING};

const E_DISABLED: &str = "#-1 FUNCTION DISABLED";
const E_ONEARG: &str = "#-1 FUNCTION REQUIRES ONE ARGUMENT";
/// Most recipients one prompt/message reaches.
const MAX_RECIPIENTS: usize = 1000;

/// PennMUSH's lookup_desc: a connection handle (its own player or a wizard may name
/// it), else a player's least idle connection.
fn lookup_desc(ev: &mut Eval, arg: &str) -> Option<SessionInfo> {
    let ex = ev.ctx.executor;
    let t = arg.trim();
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
        let port: i64 = t.parse().ok()?;
        let s = ev.host.connections().into_iter().find(|s| s.port == port)?;
        return (s.player == ex || ev.host.is_wizard(ex)).then_some(s);
    }
    let bare = t.strip_prefix('*').unwrap_or(t);
    let d = if bare.eq_ignore_ascii_case("me") {
        ex
    } else if let Some(n) = bare.strip_prefix('#') {
        n.parse().ok()?
    } else {
        ev.host.player_by_name(bare)?
    };
    ev.host
        .sessions()
        .into_iter()
        .filter(|s| s.player == d)
        .min_by_key(|s| s.idle_secs)
}

/// The session when the executor may see its private facts.
fn private_desc(ev: &mut Eval, arg: &str) -> Option<SessionInfo> {
    let ex = ev.ctx.executor;
    lookup_desc(ev, arg).filter(|s| s.player == ex || ev.host.is_wizard(ex))
}

fn fun_player(ev: &mut Eval, a: &Args, o: &mut String) {
    match lookup_desc(ev, a.get(0)) {
        Some(s) => push_dbref(o, s.player),
        None => push(o, "#-1"),
    }
}

fn fun_ipaddr(ev: &mut Eval, a: &Args, o: &mut String) {
    match private_desc(ev, a.get(0)) {
        Some(s) => push(o, &s.ip),
        None => push(o, "#-1"),
    }
}

fn counter(ev: &mut Eval, a: &Args, o: &mut String, f: fn(&SessionInfo) -> i64) {
    match private_desc(ev, a.get(0)) {
        Some(s) => push_i64(o, f(&s)),
        None => push(o, "-1"),
    }
}

fn fun_cmds(ev: &mut Eval, a: &Args, o: &mut String) {
    counter(ev, a, o, |s| s.cmds)
}
fn fun_sent(ev: &mut Eval, a: &Args, o: &mut String) {
    counter(ev, a, o, |s| s.bytes_in)
}
fn fun_recv(ev: &mut Eval, a: &Args, o: &mut String) {
    counter(ev, a, o, |s| s.bytes_out)
}

fn fun_lports(ev: &mut Eval, a: &Args, o: &mut String) {
    let ex = ev.ctx.executor;
    if !ev.host.is_wizard(ex) {
        return push(o, E_PERM);
    }
    if !a.get(0).trim().is_empty() && match_obj(ev, a.get(0)).is_none() {
        return push(o, E_NOTVIS);
    }
    let which = a.get(1).trim().to_ascii_lowercase();
    let (online, offline) = match which.as_str() {
        "" | "online" => (true, false),
        "offline" => (false, true),
        "all" => (true, true),
        _ => return push(o, "#-1 INVALID SECOND ARGUMENT"),
    };
    let ports: Vec<String> = ev
        .host
        .connections()
        .iter()
        .filter(|s| if s.player == NOTHING { offline } else { online })
        .map(|s| s.port.to_string())
        .collect();
    push(o, &ports.join(" "));
}

/// Connected players, each once, in login order; `hidden` includes DARK wizards.
fn who_list(ev: &Eval, hidden: bool) -> Vec<Dbref> {
    let mut v: Vec<Dbref> = Vec::new();
    for s in ev.host.sessions() {
        if s.player == NOTHING || v.contains(&s.player) {
            continue;
        }
        if !hidden && ev.host.has_flag(s.player, "DARK") && ev.host.is_wizard(s.player) {
            continue;
        }
        v.push(s.player);
    }
    v
}

fn fun_nmwho(ev: &mut Eval, _a: &Args, o: &mut String) {
    push_i64(o, i64::try_from(who_list(ev, false).len()).unwrap_or(0));
}

fn xwho(ev: &mut Eval, a: &Args, o: &mut String, hidden: bool, objid: bool) {
    let (Ok(start), Ok(count)) = (
        a.get(0).trim().parse::<i64>(),
        a.get(1).trim().parse::<i64>(),
    ) else {
        return push(o, E_INT);
    };
    if start < 1 || count < 1 {
        return push(o, E_ARGRANGE);
    }
    let see_hidden = hidden && ev.host.is_wizard(ev.ctx.executor);
    let list: Vec<Dbref> = who_list(ev, see_hidden)
        .into_iter()
        .skip(usize::try_from(start - 1).unwrap_or(usize::MAX))
        .take(usize::try_from(count).unwrap_or(0))
        .collect();
    for (i, d) in list.iter().enumerate() {
        if i > 0 {
            push(o, " ");
        }
        if objid {
            push_objid(ev, o, *d);
        } else {
            push_dbref(o, *d);
        }
    }
}

fn fun_xmwho(ev: &mut Eval, a: &Args, o: &mut String) {
    xwho(ev, a, o, false, false)
}
fn fun_xmwhoid(ev: &mut Eval, a: &Args, o: &mut String) {
    xwho(ev, a, o, false, true)
}
fn fun_xwhoid(ev: &mut Eval, a: &Args, o: &mut String) {
    xwho(ev, a, o, true, true)
}

fn fun_terminfo(ev: &mut Eval, a: &Args, o: &mut String) {
    if a.get(0).trim().is_empty() {
        return push(o, E_ONEARG);
    }
    let Some(s) = lookup_desc(ev, a.get(0)) else {
        return push(o, "#-1 NOT CONNECTED");
    };
    let ex = ev.ctx.executor;
    let privs = s.player == ex || ev.host.is_wizard(ex);
    let mut parts: Vec<&str> = Vec::new();
    let client = s.client.as_deref().filter(|c| !c.is_empty() && privs);
    parts.push(client.unwrap_or("unknown"));
    if privs && s.telnet {
        parts.push("telnet");
    }
    if privs {
        // prompt() text ends its line, as PennMUSH's prompt_newlines does.
        parts.push("prompt_newlines");
    }
    if s.ascii_only {
        parts.push("stripaccents");
    }
    parts.push(match s.colors {
        c if c >= 256 => "xterm256",
        c if c >= 16 => "16color",
        _ => "plain",
    });
    push(o, &parts.join(" "));
}

fn size(ev: &mut Eval, a: &Args, o: &mut String, height: bool) {
    if a.get(0).trim().is_empty() {
        return push(o, E_ONEARG);
    }
    // A connection without a negotiated size has PennMUSH's 78x24; the default
    // argument is for players who are not connected.
    let fallback = if height { 24 } else { 78 };
    match lookup_desc(ev, a.get(0)) {
        Some(s) => {
            let v = if height { s.height } else { s.width };
            push_i64(o, v.filter(|v| *v > 0).unwrap_or(fallback));
        }
        None if a.len() > 1 => push(o, a.get(1)),
        None => push_i64(o, fallback),
    }
}

fn fun_width(ev: &mut Eval, a: &Args, o: &mut String) {
    size(ev, a, o, false)
}
fn fun_height(ev: &mut Eval, a: &Args, o: &mut String) {
    size(ev, a, o, true)
}

/// connlog/connrecord/addrlog: mushd keeps no connection log (use_connlog off).
fn fun_connlog(_ev: &mut Eval, _a: &Args, o: &mut String) {
    push(o, "#-1")
}

/// prompt()/nsprompt(): the text to each target. mushd's notify path cannot mark a
/// line as a prompt (telnet GA/EOR), so this is delivered as pemit() delivers.
fn fun_prompt(ev: &mut Eval, a: &Args, o: &mut String) {
    if !ev.host.side_effects() {
        return push(o, E_DISABLED);
    }
    let text = a.get(1).to_string();
    let targets = a.get(0).to_string();
    for t in words(&targets).into_iter().take(MAX_RECIPIENTS) {
        if let Some(d) = match_obj(ev, t) {
            ev.host.notify(d, &text);
        }
    }
}

/// oob(): no GMCP, so nothing is ever sent.
fn fun_oob(ev: &mut Eval, a: &Args, o: &mut String) {
    if a.len() > 2
        && !a.get(2).is_empty()
        && serde_json::from_str::<serde_json::Value>(a.get(2)).is_err()
    {
        return push(o, "#-1 INVALID JSON");
    }
    let ex = ev.ctx.executor;
    // Players by name or dbref only (PennMUSH's lookup_player: not "me").
    let any_valid = a.get(0).split_whitespace().any(|p| {
        let d = match p.strip_prefix('#').and_then(|n| n.parse::<Dbref>().ok()) {
            Some(d) => Some(d).filter(|d| ev.host.obj_type(*d) == Some(ObjType::Player)),
            None => ev.host.player_by_name(p),
        };
        d.is_some_and(|d| ev.host.owner(d) == ev.host.owner(ex) || ev.host.is_wizard(ex))
    });
    push(
        o,
        if any_valid {
            "0"
        } else {
            "#-1 NO VALID PLAYERS"
        },
    );
}

/// message(recipients, default, obj/attr, arg0..arg9[, switches]).
fn fun_message(ev: &mut Eval, a: &Args, o: &mut String) {
    if !ev.host.side_effects() {
        return push(o, E_DISABLED);
    }
    let ex = ev.ctx.executor;
    let args: Vec<String> = a.all().iter().skip(3).take(10).cloned().collect();
    let switches = if a.len() > 13 {
        a.get(13).to_ascii_lowercase()
    } else {
        String::new()
    };
    let remit = switches.split_whitespace().any(|s| s == "remit");
    let oemit = switches.split_whitespace().any(|s| s == "oemit");
    let spec = a.get(2).trim();
    let spec = match split_obj_attr(spec) {
        Some((ob, at)) => match match_obj(ev, ob) {
            Some(d) => format!("#{d}/{}", at.trim()),
            None => return push(o, E_NOTVIS),
        },
        None => format!("#{ex}/{spec}"),
    };
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut text = String::new();
    call_once(ev, &spec, &argv, &mut text);
    if text.is_empty() {
        text = a.get(1).to_string();
    }
    let targets = a.get(0).to_string();
    for t in words(&targets).into_iter().take(MAX_RECIPIENTS) {
        let Some(d) = match_obj(ev, t) else {
            continue;
        };
        if remit {
            let mut who = ev.host.contents(d);
            who.push(d);
            for w in who.into_iter().take(MAX_RECIPIENTS) {
                ev.host.notify(w, &text);
            }
        } else if oemit {
            let room = ev.host.location(d);
            for w in ev.host.contents(room).into_iter().take(MAX_RECIPIENTS) {
                if w != d {
                    ev.host.notify(w, &text);
                }
            }
        } else {
            ev.host.notify(d, &text);
        }
    }
}

fn fun_restarts(ev: &mut Eval, _a: &Args, o: &mut String) {
    push_i64(o, ev.host.restarts())
}

fn fun_uptime(ev: &mut Eval, a: &Args, o: &mut String) {
    match a.get(0).trim().to_ascii_lowercase().as_str() {
        "" | "upsince" | "reboot" => push_i64(o, ev.host.start_time()),
        "save" | "nextsave" | "dbck" | "purge" | "warnings" => push(o, "-1"),
        _ => push(o, "#-1"),
    }
}

/// getpids(obj[/attr]): no semaphores are waiting.
fn fun_getpids(ev: &mut Eval, a: &Args, o: &mut String) {
    let spec = a.get(0);
    let (ob, attr) = split_obj_attr(spec).map_or((spec, None), |(ob, at)| (ob, Some(at)));
    let Some(obj) = match_obj(ev, ob) else {
        return push(o, E_NOTVIS);
    };
    let attr = attr.map(str::to_ascii_uppercase);
    let pids: Vec<String> = ev
        .host
        .queue_entries()
        .into_iter()
        .filter(|e| e.queue == "semaphore" && e.semaphore == obj)
        .filter(|e| attr.as_deref().is_none_or(|a| e.attr == a))
        .map(|e| e.pid.to_string())
        .collect();
    push(o, &pids.join(" "));
}

/// lpids([obj|all[, types]]): the pids of entries queued by objects with `obj`'s owner
/// (or by `obj` only, with `independent`), waiting (`wait`) or on a semaphore.
fn fun_lpids(ev: &mut Eval, a: &Args, o: &mut String) {
    let who = a.get(0).trim();
    let me = ev.ctx.executor;
    let privileged = ev.host.is_wizard(me);
    let target = if who.eq_ignore_ascii_case("all") || (who.is_empty() && privileged) {
        if !privileged {
            return push(o, "#-1 PERMISSION DENIED");
        }
        None
    } else if who.is_empty() {
        Some(me)
    } else {
        match match_obj(ev, who) {
            Some(d) => Some(d),
            None => return push(o, E_NOTVIS),
        }
    };
    if let Some(t) = target {
        if ev.host.owner(t) != ev.host.owner(me) && !privileged {
            return push(o, "#-1 PERMISSION DENIED");
        }
    }
    let types = a.get(1).to_ascii_lowercase();
    let words: Vec<&str> = types.split_whitespace().collect();
    let independent = words.contains(&"independent");
    let mut kinds: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| *w == "wait" || *w == "semaphore")
        .collect();
    if kinds.is_empty() {
        kinds = vec!["wait", "semaphore"];
    }
    let owner = target.map(|t| ev.host.owner(t));
    let pids: Vec<String> = ev
        .host
        .queue_entries()
        .into_iter()
        .filter(|e| kinds.contains(&e.queue))
        .filter(|e| match (target, independent) {
            (None, _) => true,
            (Some(t), true) => e.executor == t,
            (Some(_), false) => Some(e.owner) == owner,
        })
        .map(|e| e.pid.to_string())
        .collect();
    push(o, &pids.join(" "));
}

/// pidinfo(pid[, fields[, sep]]): a queue entry the caller may see (its owner's, or any
/// for wizards).
fn fun_pidinfo(ev: &mut Eval, a: &Args, o: &mut String) {
    let p = a.get(0).trim();
    let Some(pid) = p.parse::<u64>().ok().filter(|_| !p.is_empty()) else {
        return push(o, "#-1 ARGUMENT MUST BE POSITIVE INTEGER");
    };
    let me = ev.ctx.executor;
    let Some(e) = ev.host.queue_entries().into_iter().find(|e| e.pid == pid) else {
        return push(o, "#-1 INVALID PID");
    };
    if e.owner != ev.host.owner(me) && !ev.host.is_wizard(me) {
        return push(o, "#-1 PERMISSION DENIED");
    }
    let fields = match a.get(1).trim() {
        "" => "queue executor time object attribute command".to_string(),
        f => f.to_ascii_lowercase(),
    };
    let sep = if a.len() > 2 { a.get(2) } else { " " };
    let dbref = |d: Dbref| format!("#{d}");
    let mut out: Vec<String> = Vec::new();
    for field in fields.split_whitespace() {
        out.push(match field {
            "queue" => e.queue.to_string(),
            "executor" => dbref(e.executor),
            "time" => e.time_left.to_string(),
            "object" => dbref(e.semaphore),
            "attribute" if e.attr.is_empty() => "#-1".to_string(),
            "attribute" => e.attr.clone(),
            "command" => e.command.clone(),
            _ => return push(o, "#-1 INVALID FIELD"),
        });
    }
    push(o, &out.join(sep));
}

fn fun_pcreate(ev: &mut Eval, a: &Args, o: &mut String) {
    let effect = Effect::CreatePlayer {
        name: a.get(0).trim().to_string(),
        password: a.get(1).to_string(),
    };
    run(ev, effect, o, false)
}

/// lset(obj/lock, [!]flag): `@lset`, lock flags.
fn fun_lset(ev: &mut Eval, a: &Args, o: &mut String) {
    if !ev.host.side_effects() {
        return push(o, E_DISABLED);
    }
    let Some((ob, kind)) = split_obj_attr(a.get(0)) else {
        let ex = ev.ctx.executor;
        ev.host.notify(ex, "No lock name given.");
        return;
    };
    let Some(d) = match_obj(ev, ob) else {
        return;
    };
    let effect = Effect::LockFlags {
        obj: d,
        kind: kind.trim().to_ascii_lowercase(),
        flags: a.get(1).to_string(),
    };
    run(ev, effect, o, false)
}

fn fun_hostname(ev: &mut Eval, a: &Args, o: &mut String) {
    fun_ipaddr(ev, a, o)
}

/// Output cap guard for tests.
const _: () = assert!(MAX_OUTPUT > 0);

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("PLAYER", 1, 1, fun_player),
    FnDef::new("HOST", 1, 1, fun_hostname),
    FnDef::new("HOSTNAME", 1, 1, fun_hostname),
    FnDef::new("IPADDR", 1, 1, fun_ipaddr),
    FnDef::new("CMDS", 1, 1, fun_cmds),
    FnDef::new("SENT", 1, 1, fun_sent),
    FnDef::new("RECV", 1, 1, fun_recv),
    FnDef::new("LPORTS", 0, 2, fun_lports),
    FnDef::new("NMWHO", 0, 0, fun_nmwho),
    FnDef::new("XMWHO", 2, 2, fun_xmwho),
    FnDef::new("XMWHOID", 2, 2, fun_xmwhoid),
    FnDef::new("XWHOID", 2, 3, fun_xwhoid),
    FnDef::new("TERMINFO", 1, 1, fun_terminfo),
    FnDef::new("WIDTH", 1, 2, fun_width),
    FnDef::new("HEIGHT", 1, 2, fun_height),
    FnDef::new("CONNLOG", 3, MANY, fun_connlog).perm(Perm::Wizard),
    FnDef::new("CONNRECORD", 1, 2, fun_connlog).perm(Perm::Wizard),
    FnDef::new("ADDRLOG", 2, 4, fun_connlog).perm(Perm::Wizard),
    FnDef::new("PROMPT", 2, 2, fun_prompt).comma_last(),
    FnDef::new("NSPROMPT", 2, 2, fun_prompt).comma_last(),
    FnDef::new("OOB", 2, 3, fun_oob),
    FnDef::new("MESSAGE", 3, 14, fun_message),
    FnDef::new("RESTARTS", 0, 0, fun_restarts),
    FnDef::new("UPTIME", 0, 1, fun_uptime),
    FnDef::new("GETPIDS", 1, 1, fun_getpids),
    FnDef::new("LPIDS", 0, 2, fun_lpids),
    FnDef::new("PIDINFO", 1, 3, fun_pidinfo),
    FnDef::new("PCREATE", 2, 3, fun_pcreate).perm(Perm::Wizard),
    FnDef::new("LSET", 2, 2, fun_lset),
];

#[cfg(test)]
mod tests {
    use crate::host::FreshDb;
    use crate::test_support::run;

    #[test]
    fn no_sessions_no_queue_no_log() {
        let mut db = FreshDb::new();
        assert_eq!(run(&mut db, 1, "[width(me)] [height(me,40)]"), "78 40");
        assert_eq!(run(&mut db, 1, "[terminfo(me)]"), "#-1 NOT CONNECTED");
        assert_eq!(run(&mut db, 1, "[cmds(me)] [player(12)]"), "-1 #-1");
        assert_eq!(
            run(&mut db, 1, "[connlog(all,x,y)]|[lports()]|[nmwho()]"),
            "#-1||0"
        );
        assert_eq!(
            run(&mut db, 1, "[lpids()]|[getpids(me)]|[pidinfo(3)]"),
            "||#-1 INVALID PID"
        );
        assert_eq!(
            run(&mut db, 1, "[restarts()] [uptime()] [uptime(bogus)]"),
            "0 0 #-1"
        );
        assert_eq!(
            run(&mut db, 1, "[oob(me,Core.Hello,{bad)]"),
            "#-1 INVALID JSON"
        );
        assert_eq!(
            run(&mut db, 1, "[oob(me,Core.Hello)]"),
            "#-1 NO VALID PLAYERS"
        );
        assert_eq!(run(&mut db, 1, "[oob(One,Core.Hello)]"), "0");
        assert_eq!(run(&mut db, 1, "[xmwho(0,1)]"), "#-1 ARGUMENT OUT OF RANGE");
    }

    #[test]
    fn prompt_and_message_notify() {
        let mut db = FreshDb::new();
        db.set_attr(1, "FMT", "Formatted> [ucstr(%0)]");
        assert_eq!(run(&mut db, 1, "[prompt(me,Ready?)]"), "");
        assert_eq!(run(&mut db, 1, "[message(me,Default,me/FMT,abc)]"), "");
        assert_eq!(run(&mut db, 1, "[message(me,Default,me/NOPE,abc)]"), "");
        let got: Vec<String> = db
            .take_notifications()
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(got, ["Ready?", "Formatted> ABC", "Default"]);
    }
}
