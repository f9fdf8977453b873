//! Zone functions (PennMUSH's fundb.c/funufun.c/funmisc.c/bsd.c): zone() (reading, and
//! setting as @chzone does), zfun(), zemit()/nszemit() and zwho()/zmwho(). An object's
//! zone is its zone master object (ZMO); see PennMUSH's `help zones`.

use crate::eval::{push, Args, Eval, E_NOTVIS, E_PERM};
use crate::functions::attrs::run_u;
use crate::functions::db::{match_obj, obj_or_err, push_dbref};
use crate::functions::effects::{enabled, room_listeners, tell_all};
use crate::functions::functional::MAX_STACK_ARGS;
use crate::functions::FnDef;
use crate::host::{Dbref, Effect, ObjType, NOTHING};

const E_ZONE: &str = "#-1 INVALID ZONE";

/// zone(obj[, new zone]): the object's zone, which the caller must be able to examine.
/// With a second argument the zone is first changed as `@chzone obj=zone` would (its
/// messages included); the answer is the zone afterwards either way.
fn fun_zone(ev: &mut Eval, a: &Args, o: &mut String) {
    if a.len() > 1 {
        if !enabled(ev, o) {
            return;
        }
        let ex = ev.ctx.executor;
        let effect = Effect::Zone {
            obj: a.get(0).to_string(),
            zone: a.get(1).to_string(),
        };
        // The command speaks for itself; whatever it decided, the answer is the zone now.
        let _ = ev.host.act(ex, effect);
    }
    let Some(d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    let ex = ev.ctx.executor;
    if ev.host.controls(ex, d) || ev.host.has_flag(d, "VISUAL") {
        push_dbref(o, ev.host.zone(d));
    } else {
        push(o, E_PERM);
    }
}

/// zfun(attr, args...): u() of the attribute on the executor's zone.
fn fun_zfun(ev: &mut Eval, a: &Args, o: &mut String) {
    let zone = ev.host.zone(ev.ctx.executor);
    if zone == NOTHING || !ev.host.exists(zone) {
        return push(o, E_ZONE);
    }
    let spec = format!("#{zone}/{}", a.get(0).trim());
    let args: Vec<&str> = a
        .all()
        .iter()
        .skip(1)
        .take(MAX_STACK_ARGS)
        .map(String::as_str)
        .collect();
    run_u(ev, &spec, &args, o, false)
}

/// The rooms zoned to `zone`, in dbref order.
fn zoned_rooms(ev: &Eval, zone: Dbref) -> Vec<Dbref> {
    (0..ev.host.db_top())
        .filter(|&d| ev.host.obj_type(d) == Some(ObjType::Room) && ev.host.zone(d) == zone)
        .collect()
}

/// zemit(zone, message) / nszemit(): the message in every room zoned to `zone`, as
/// `@zemit` does: the zone must be given by dbref and controlled. The executor is told
/// where it went unless it heard the message itself.
fn zemit(ev: &mut Eval, a: &Args, o: &mut String) {
    if !enabled(ev, o) {
        return;
    }
    let ex = ev.ctx.executor;
    // Only a dbref names a zone here (PennMUSH matches it absolutely).
    let zone = a
        .get(0)
        .trim()
        .strip_prefix('#')
        .and_then(|n| n.parse::<Dbref>().ok())
        .filter(|&d| ev.host.exists(d));
    let Some(zone) = zone else {
        return ev.host.notify(ex, "Invalid zone.");
    };
    if !ev.host.controls(ex, zone) {
        return ev.host.notify(ex, "Permission denied.");
    }
    let text = a.get(1).to_string();
    let here = ev.host.location(ex);
    let mut heard = false;
    for room in zoned_rooms(ev, zone) {
        let who = room_listeners(ev, room);
        heard |= who.contains(&here);
        tell_all(ev, &who, &[], &text);
    }
    if !heard {
        let name = ev.host.name(zone).unwrap_or_default();
        let shown = format!("{name}(#{zone})");
        ev.host
            .notify(ex, &format!("You zemit, \"{text}\" in zone {shown}"));
    }
}

fn fun_zemit(ev: &mut Eval, a: &Args, o: &mut String) {
    zemit(ev, a, o)
}

/// zwho(zone[, viewer]) / zmwho(zone): connected players standing in rooms of the zone.
/// The viewer (the executor unless a wizard names one to zwho) must pass the zone lock,
/// and the zone must have one (a player zone must be SHARED).
fn zone_who(ev: &mut Eval, a: &Args, o: &mut String, viewer_allowed: bool) {
    let ex = ev.ctx.executor;
    let privileged = ev.host.is_wizard(ex);
    let zone = match_obj(ev, a.get(0));
    let viewer = if a.len() > 1 {
        if !(viewer_allowed && privileged) {
            return push(o, E_PERM);
        }
        match match_obj(ev, a.get(1)) {
            Some(v) => v,
            None => return push(o, "#-1 NO MATCH"),
        }
    } else {
        ex
    };
    let Some(zone) = zone else {
        return push(o, E_PERM);
    };
    if !privileged && !ev.host.eval_lock(zone, "zone", viewer) {
        return push(o, E_PERM);
    }
    let player_zone = ev.host.obj_type(zone) == Some(ObjType::Player);
    if ev.host.lock(zone, "zone").is_none() || (player_zone && !ev.host.has_flag(zone, "SHARED")) {
        return push(o, E_ZONE);
    }
    let mut first = true;
    for s in ev.host.sessions() {
        let loc = ev.host.location(s.player);
        if ev.host.zone(loc) != zone {
            continue;
        }
        if !first {
            push(o, " ");
        }
        first = false;
        push_dbref(o, s.player);
    }
}

fn fun_zwho(ev: &mut Eval, a: &Args, o: &mut String) {
    zone_who(ev, a, o, true)
}

fn fun_zmwho(ev: &mut Eval, a: &Args, o: &mut String) {
    if match_obj(ev, a.get(0)).is_none() {
        return push(o, E_NOTVIS);
    }
    zone_who(ev, a, o, false)
}

pub const FUNCTIONS: &[FnDef] = &[
    FnDef::new("ZONE", 1, 2, fun_zone),
    FnDef::new("ZFUN", 1, 31, fun_zfun),
    FnDef::new("ZEMIT", 2, 2, fun_zemit).comma_last(),
    FnDef::new("NSZEMIT", 2, 2, fun_zemit).comma_last(),
    FnDef::new("ZWHO", 1, 2, fun_zwho),
    FnDef::new("ZMWHO", 1, 1, fun_zmwho),
];

#[cfg(test)]
mod tests {
    use crate::host::{FreshDb, ObjType, NOTHING};
    use crate::test_support::run;

    #[test]
    fn zone_reads_and_sets() {
        let mut db = FreshDb::new();
        let zmo = db.add("Zmo", ObjType::Thing, 1, 1);
        let thing = db.add("Thing", ObjType::Thing, 1, 1);
        db.set_attr(zmo, "ZF", "zone says %0");
        // Members read the zone's attributes as u() would: a VISUAL zone lets them.
        if let Some(o) = usize::try_from(zmo)
            .ok()
            .and_then(|i| db.objects.get_mut(i))
        {
            o.flags.push("VISUAL".to_string());
        }
        assert_eq!(run(&mut db, 1, "[zone(Thing)]"), "#-1");
        assert_eq!(run(&mut db, 1, "[zone(Thing,Zmo)]"), format!("#{zmo}"));
        assert_eq!(run(&mut db, 1, "[zone(Thing,none)]"), "#-1");
        let by_dbref = format!("[zone(Thing,#{zmo})]");
        assert_eq!(run(&mut db, 1, &by_dbref), format!("#{zmo}"));
        assert_eq!(run(&mut db, thing, "[zfun(ZF,hi)]"), "zone says hi");
        assert_eq!(run(&mut db, 1, "[zfun(ZF,hi)]"), "#-1 INVALID ZONE");
    }

    #[test]
    fn zemit_reaches_zoned_rooms_only() {
        let mut db = FreshDb::new();
        let zmo = db.add("Zmo", ObjType::Thing, 1, 1);
        let room = db.add("Zoned", ObjType::Room, NOTHING, 1);
        let guest = db.add("Guest", ObjType::Player, room, 1);
        if let Some(o) = usize::try_from(room)
            .ok()
            .and_then(|i| db.objects.get_mut(i))
        {
            o.zone = zmo;
        }
        assert_eq!(run(&mut db, 1, "[zemit(Zmo,hi)]"), "");
        assert_eq!(
            db.take_notifications(),
            vec![(1, "Invalid zone.".to_string())]
        );
        let cmd = format!("[zemit(#{zmo},hello there)]");
        assert_eq!(run(&mut db, 1, &cmd), "");
        let heard = db.take_notifications();
        assert!(
            heard.contains(&(guest, "hello there".to_string())),
            "{heard:?}"
        );
        let told = format!("You zemit, \"hello there\" in zone Zmo(#{zmo})");
        assert!(heard.contains(&(1, told)), "{heard:?}");
    }
}
