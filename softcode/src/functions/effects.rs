//! Side-effect functions (PennMUSH's FN side effects): the emits, which only queue
//! notifications, and set/wipe/create/dig/open/link/tel/clone/attrib_set/name/parent/
//! lock, which hand an `Effect` to `Host::act` — the game applies it with its command
//! code (permissions and messages included). All are refused when the host has side
//! effects turned off.

use crate::eval::{push, Args, Eval, E_NOTVIS};
use crate::functions::attrs::valid_attr_name;
use crate::functions::db::{match_obj, split_obj_attr, words};
use crate::functions::FnDef;
use crate::host::{Dbref, Effect, MatchError, ObjType, NOTHING};

const E_DISABLED: &str = "#-1 FUNCTION DISABLED";
/// Most recipients one emit reaches.
const MAX_RECIPIENTS: usize = 1000;

/// Hand `effect` to the host; the result (or error) text is output.
pub fn run(ev: &mut Eval, effect: Effect, o: &mut String, _quiet: bool) {
    if !ev.host.side_effects() {
        return push(o, E_DISABLED);
    }
    let ex = ev.ctx.executor;
    match ev.host.act(ex, effect) {
        Ok(s) | Err(s) => push(o, &s),
    }
}

pub(crate) fn enabled(ev: &Eval, o: &mut String) -> bool {
    let on = ev.host.side_effects();
    if !on {
        push(o, E_DISABLED);
    }
    on
}

pub(crate) fn tell_all(ev: &mut Eval, who: &[Dbref], except: &[Dbref], text: &str) {
    for d in who.iter().take(MAX_RECIPIENTS) {
        if !except.contains(d) {
            ev.host.notify(*d, text);
        }
    }
}

fn fun_pemit(ev: &mut Eval, a: &Args, o: &mut String) {
    if !enabled(ev, o) {
        return;
    }
    let text = a.get(1).to_string();
    let targets = a.get(0).to_string();
    for t in words(&targets).into_iter().take(MAX_RECIPIENTS) {
        if let Some(d) = match_obj(ev, t) {
            ev.host.notify(d, &text);
        }
    }
}

/// Everyone in `room` (the room itself included, as PennMUSH's notify_except does).
pub(crate) fn room_listeners(ev: &Eval, room: Dbref) -> Vec<Dbref> {
    let mut v = ev.host.contents(room);
    v.push(room);
    v
}

fn fun_emit(ev: &mut Eval, a: &Args, o: &mut String) {
    if !enabled(ev, o) {
        return;
    }
    let room = ev.host.location(ev.ctx.executor);
    let who = room_listeners(ev, room);
    tell_all(ev, &who, &[], a.get(0));
}

fn fun_lemit(ev: &mut Eval, a: &Args, o: &mut String) {
    if !enabled(ev, o) {
        return;
    }
    let mut room = ev.ctx.executor;
    for _ in 0..100 {
        if ev.host.obj_type(room) == Some(ObjType::Room) {
            break;
        }
        let l = ev.host.location(room);
        if !ev.host.exists(l) {
            break;
        }
        room = l;
    }
    let who = room_listeners(ev, room);
    tell_all(ev, &who, &[], a.get(0));
}

fn fun_remit(ev: &mut Eval, a: &Args, o: &mut String) {
    if !enabled(ev, o) {
        return;
    }
    let text = a.get(1).to_string();
    let rooms = a.get(0).to_string();
    for r in words(&rooms).into_iter().take(MAX_RECIPIENTS) {
        if let Some(d) = match_obj(ev, r) {
            let who = room_listeners(ev, d);
            tell_all(ev, &who, &[], &text);
        }
    }
}

fn fun_oemit(ev: &mut Eval, a: &Args, o: &mut String) {
    if !enabled(ev, o) {
        return;
    }
    let text = a.get(1).to_string();
    let names = a.get(0).to_string();
    let mut except: Vec<Dbref> = Vec::new();
    let mut room = NOTHING;
    for n in words(&names).into_iter().take(MAX_RECIPIENTS) {
        if let Some(d) = match_obj(ev, n) {
            except.push(d);
            if room == NOTHING {
                room = ev.host.location(d);
            }
        }
    }
    if ev.host.exists(room) {
        let who = room_listeners(ev, room);
        tell_all(ev, &who, &except, &text);
    }
}

fn target(ev: &mut Eval, name: &str, o: &mut String) -> Option<Dbref> {
    let d = match_obj(ev, name);
    if d.is_none() {
        push(o, E_NOTVIS);
    }
    d
}

/// set(obj, flag) / set(obj, attr:value) / set(obj/attr, attrflag).
fn fun_set(ev: &mut Eval, a: &Args, o: &mut String) {
    if !enabled(ev, o) {
        return;
    }
    let spec = a.get(0);
    if let Some((ob, attr)) = split_obj_attr(spec) {
        // `set(obj/attr, [!]flag ...)`: attribute flags.
        let Some(d) = target(ev, ob, o) else {
            return;
        };
        let effect = Effect::AttrFlag {
            obj: d,
            attr: attr.trim().to_ascii_uppercase(),
            flags: a.get(1).to_string(),
        };
        let mut r = String::new();
        run(ev, effect, &mut r, true);
        if r.starts_with("#-1") {
            push(o, &r);
        }
        return;
    }
    let Some(d) = target(ev, spec, o) else {
        return;
    };
    let what = a.get(1);
    let effect = match what.split_once(':') {
        Some((attr, value)) => {
            let attr = attr.trim().to_ascii_uppercase();
            if !valid_attr_name(&attr) {
                let ex = ev.ctx.executor;
                ev.host
                    .notify(ex, "That is not a good name for an attribute.");
                return;
            }
            Effect::Attr {
                obj: d,
                attr,
                value: value.to_string(),
            }
        }
        None => Effect::Flag {
            obj: d,
            flag: what.trim().to_string(),
        },
    };
    let mut r = String::new();
    run(ev, effect, &mut r, true);
    if r.starts_with("#-1") {
        push(o, &r);
    }
}

fn fun_attrib_set(ev: &mut Eval, a: &Args, o: &mut String) {
    if !enabled(ev, o) {
        return;
    }
    let Some((ob, attr)) = split_obj_attr(a.get(0)) else {
        return push(o, "#-1 BAD ARGUMENT FORMAT TO ATTRIB_SET");
    };
    let Some(d) = target(ev, ob, o) else {
        return;
    };
    let attr = attr.trim().to_ascii_uppercase();
    if !valid_attr_name(&attr) {
        return push(o, "#-1 BAD ATTRIBUTE NAME");
    }
    let mut r = String::new();
    let value = a.get(1).to_string();
    run(
        ev,
        Effect::Attr {
            obj: d,
            attr,
            value,
        },
        &mut r,
        true,
    );
    if r.starts_with("#-1") {
        push(o, &r);
    }
}

fn fun_wipe(ev: &mut Eval, a: &Args, o: &mut String) {
    if !enabled(ev, o) {
        return;
    }
    let (ob, pattern) = split_obj_attr(a.get(0)).unwrap_or((a.get(0), "*"));
    let Some(d) = target(ev, ob, o) else {
        return;
    };
    let mut r = String::new();
    let pattern = pattern.trim().to_string();
    run(ev, Effect::Wipe { obj: d, pattern }, &mut r, true);
    if r.starts_with("#-1") {
        push(o, &r);
    }
}

fn fun_create(ev: &mut Eval, a: &Args, o: &mut String) {
    let name = a.get(0).trim().to_string();
    if name.is_empty() {
        let ex = ev.ctx.executor;
        ev.host.notify(ex, "Create what?");
        return push(o, "#-1");
    }
    if name.contains('=') {
        let ex = ev.ctx.executor;
        ev.host.notify(ex, "That's a silly name for a thing!");
        return push(o, "#-1");
    }
    run(ev, Effect::Create { name }, o, false)
}

fn fun_dig(ev: &mut Eval, a: &Args, o: &mut String) {
    let name = a.get(0).trim().to_string();
    if name.is_empty() {
        let ex = ev.ctx.executor;
        ev.host.notify(ex, "Dig what?");
        return push(o, "#-1");
    }
    let (to, from) = (a.get(1).trim().to_string(), a.get(2).trim().to_string());
    if [&name, &to, &from].iter().any(|s| s.contains(['=', ','])) {
        return push(o, "#-1 BAD NAME");
    }
    run(ev, Effect::Dig { name, to, from }, o, false)
}

fn fun_open(ev: &mut Eval, a: &Args, o: &mut String) {
    let name = a.get(0).trim().to_string();
    let dest = a.get(1).trim().to_string();
    if name.is_empty() || name.contains('=') || dest.contains('=') {
        let ex = ev.ctx.executor;
        ev.host.notify(ex, "Open where?");
        return push(o, "#-1");
    }
    run(ev, Effect::Open { name, dest }, o, false)
}

fn fun_link(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(d) = target(ev, a.get(0), o) else {
        return;
    };
    let dest = a.get(1).trim().to_string();
    if dest.contains('=') {
        return push(o, "#-1");
    }
    let mut r = String::new();
    run(ev, Effect::Link { obj: d, dest }, &mut r, false);
    if r.starts_with("#-1") {
        push(o, &r);
    } else {
        push(o, "1");
    }
}

fn fun_tel(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(d) = target(ev, a.get(0), o) else {
        return;
    };
    // As @teleport says it in PennMUSH: `No match.` for a destination not found.
    let ex = ev.ctx.executor;
    let dest = match ev.host.match_thing(ex, a.get(1)) {
        Ok(dest) => dest,
        Err(e) => {
            let msg = match e {
                MatchError::NotFound => "No match.",
                MatchError::Ambiguous => "I don't know which destination you mean!",
            };
            ev.host.notify(ex, msg);
            return;
        }
    };
    let mut r = String::new();
    run(ev, Effect::Tel { obj: d, dest }, &mut r, false);
    if r.starts_with("#-1") {
        push(o, &r);
    }
}

fn fun_clone(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(d) = match_obj(ev, a.get(0)) else {
        return push(o, "#-1");
    };
    let name = a.get(1).trim().to_string();
    if name.contains('=') {
        let ex = ev.ctx.executor;
        ev.host.notify(ex, "That is not a reasonable name.");
        return push(o, "#-1");
    }
    run(ev, Effect::Clone { obj: d, name }, o, false)
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("PEMIT", 2, 2, fun_pemit).comma_last(),
    FnDef::new("NSPEMIT", 2, 2, fun_pemit).comma_last(),
    FnDef::new("EMIT", 1, 1, fun_emit).comma_last(),
    FnDef::new("NSEMIT", 1, 1, fun_emit).comma_last(),
    FnDef::new("LEMIT", 1, 1, fun_lemit).comma_last(),
    FnDef::new("NSLEMIT", 1, 1, fun_lemit).comma_last(),
    FnDef::new("REMIT", 2, 2, fun_remit).comma_last(),
    FnDef::new("NSREMIT", 2, 2, fun_remit).comma_last(),
    FnDef::new("OEMIT", 2, 2, fun_oemit).comma_last(),
    FnDef::new("NSOEMIT", 2, 2, fun_oemit).comma_last(),
    FnDef::new("SET", 2, 2, fun_set),
    FnDef::new("ATTRIB_SET", 1, 2, fun_attrib_set).comma_last(),
    FnDef::new("WIPE", 1, 1, fun_wipe),
    FnDef::new("CREATE", 1, 3, fun_create),
    FnDef::new("DIG", 1, 6, fun_dig),
    FnDef::new("OPEN", 1, 4, fun_open),
    FnDef::new("LINK", 2, 3, fun_link),
    FnDef::new("TEL", 2, 4, fun_tel),
    FnDef::new("CLONE", 1, 4, fun_clone),
];
