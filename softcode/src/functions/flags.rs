//! Flags, powers, locks and control (PennMUSH's fundb.c, second half): flags/lflags,
//! hasflag and the and/or flag tests, haspower/powers, lock/elock/lockflags,
//! controls/visible/nearby/findable, money and quota.

use crate::eval::{push, push_i64, Args, Eval};
use crate::functions::db::{match_obj, obj_or_err, split_obj_attr, type_letter, type_name};
use crate::functions::FnDef;
use crate::host::{Dbref, Effect, ObjType};

/// Flags of `d` as (NAME, letter), the type first.
fn obj_flags(ev: &Eval, d: Dbref) -> Vec<(String, char)> {
    ev.host.flags(d)
}

/// Flags of `obj/attr` as (name, letter): `None` when `spec` names no attribute,
/// `Some(None)` after an error was output.
fn attr_flags(ev: &mut Eval, spec: &str, o: &mut String) -> Option<Option<Vec<(String, char)>>> {
    let (ob, at) = split_obj_attr(spec)?;
    let Some(d) = obj_or_err(ev, ob, o) else {
        return Some(None);
    };
    let up = at.trim().to_ascii_uppercase();
    let f = ev
        .host
        .attrs(d)
        .into_iter()
        .find(|x| x.name == up)
        .map(|x| x.flags);
    if f.is_none() {
        push(o, "#-1 NO SUCH ATTRIBUTE");
    }
    Some(f)
}

fn fun_flags(ev: &mut Eval, a: &Args, o: &mut String) {
    if a.is_empty() {
        let t: String = ev.host.flag_table().iter().map(|(_, c)| *c).collect();
        return push(o, &t);
    }
    if let Some(f) = attr_flags(ev, a.get(0), o) {
        if let Some(f) = f {
            let s: String = f.iter().map(|(_, c)| *c).filter(|c| *c != '\0').collect();
            push(o, &s);
        }
        return;
    }
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        let mut s = String::new();
        if let Some(t) = ev.host.obj_type(d) {
            s.push(type_letter(t));
        }
        s.extend(obj_flags(ev, d).iter().map(|(_, c)| *c));
        push(o, &s);
    }
}

fn fun_lflags(ev: &mut Eval, a: &Args, o: &mut String) {
    if a.is_empty() {
        let t: Vec<String> = ev.host.flag_table().into_iter().map(|(n, _)| n).collect();
        return push(o, &t.join(" "));
    }
    if let Some(f) = attr_flags(ev, a.get(0), o) {
        if let Some(f) = f {
            let names: Vec<&str> = f.iter().map(|(n, _)| n.as_str()).collect();
            push(o, &names.join(" "));
        }
        return;
    }
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        let names: Vec<String> = obj_flags(ev, d).into_iter().map(|(n, _)| n).collect();
        push(o, &names.join(" "));
    }
}

/// Does `d` have the flag (or type) named `f` (name, unique prefix or letter)?
fn has_named(ev: &Eval, d: Dbref, f: &str) -> bool {
    let up = f.trim().to_ascii_uppercase();
    if let Some(t) = ev.host.obj_type(d) {
        if type_name(t) == up {
            return true;
        }
    }
    let flags = obj_flags(ev, d);
    if flags.iter().any(|(n, _)| *n == up) {
        return true;
    }
    let mut chars = f.trim().chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return flags.iter().any(|(_, l)| *l == c);
    }
    false
}

fn fun_hasflag(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(f) = attr_flags(ev, a.get(0), o) {
        if let Some(f) = f {
            let want = a.get(1).trim();
            let mut chars = want.chars();
            let letter = match (chars.next(), chars.next()) {
                (Some(c), None) => Some(c),
                _ => None,
            };
            let hit = f
                .iter()
                .any(|(n, c)| n.eq_ignore_ascii_case(want) || letter == Some(*c));
            push(o, if hit { "1" } else { "0" });
        }
        return;
    }
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        push(o, if has_named(ev, d, a.get(1)) { "1" } else { "0" });
    }
}

fn letter_set(ev: &Eval, d: Dbref) -> Vec<char> {
    let mut v: Vec<char> = obj_flags(ev, d).iter().map(|(_, c)| *c).collect();
    if let Some(t) = ev.host.obj_type(d) {
        v.push(type_letter(t));
    }
    v
}

fn flag_test(ev: &mut Eval, a: &Args, o: &mut String, all: bool, long: bool) {
    let Some(d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    let letters = letter_set(ev, d);
    let mut items: Vec<(bool, bool)> = Vec::new();
    if long {
        for w in a.get(1).split_whitespace() {
            let (neg, name) = match w.strip_prefix('!') {
                Some(n) => (true, n),
                None => (false, w),
            };
            items.push((neg, has_named(ev, d, name) && name.len() > 1));
        }
    } else {
        let mut neg = false;
        for c in a.get(1).chars() {
            if c == '!' {
                neg = true;
                continue;
            }
            items.push((neg, letters.contains(&c)));
            neg = false;
        }
    }
    let ok = |(neg, has): &(bool, bool)| *neg != *has;
    let r = if all {
        !items.is_empty() && items.iter().all(ok)
    } else {
        items.iter().any(ok)
    };
    push(o, if r { "1" } else { "0" });
}

fn fun_andflags(ev: &mut Eval, a: &Args, o: &mut String) {
    flag_test(ev, a, o, true, false)
}
fn fun_orflags(ev: &mut Eval, a: &Args, o: &mut String) {
    flag_test(ev, a, o, false, false)
}
fn fun_andlflags(ev: &mut Eval, a: &Args, o: &mut String) {
    flag_test(ev, a, o, true, true)
}
fn fun_orlflags(ev: &mut Eval, a: &Args, o: &mut String) {
    flag_test(ev, a, o, false, true)
}

fn fun_haspower(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        push(
            o,
            if ev.host.has_power(d, a.get(1)) {
                "1"
            } else {
                "0"
            },
        );
    }
}

/// powers(): every power; powers(obj): its powers; powers(obj, [!]power): @power.
fn fun_powers(ev: &mut Eval, a: &Args, o: &mut String) {
    if a.is_empty() {
        return push(o, &ev.host.power_table().join(" "));
    }
    let Some(d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    if a.len() > 1 {
        let power = a.get(1).trim().to_string();
        let mut r = String::new();
        crate::functions::effects::run(ev, Effect::Power { obj: d, power }, &mut r, false);
        return push(o, &r);
    }
    push(o, &ev.host.powers(d).join(" "));
}

fn two_objs(ev: &mut Eval, a: &Args, o: &mut String) -> Option<(Dbref, Dbref)> {
    let Some(x) = match_obj(ev, a.get(0)) else {
        push(o, "#-1 ARG1 NOT FOUND");
        return None;
    };
    let spec = a.get(1);
    let ob = split_obj_attr(spec).map_or(spec, |(ob, _)| ob);
    let Some(y) = match_obj(ev, ob) else {
        push(o, "#-1 ARG2 NOT FOUND");
        return None;
    };
    Some((x, y))
}

fn fun_controls(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some((x, y)) = two_objs(ev, a, o) {
        push(o, if ev.host.controls(x, y) { "1" } else { "0" });
    }
}

/// visible(looker, obj[/attr]): PennMUSH's Can_Examine (itself, control, See_All or a
/// VISUAL object), or for an attribute whether it exists and may be read.
fn fun_visible(ev: &mut Eval, a: &Args, o: &mut String) {
    let mut junk = String::new();
    let Some((x, y)) = two_objs(ev, a, &mut junk) else {
        return push(o, "0");
    };
    let privileged = x == y || ev.host.controls(x, y) || ev.host.see_all(x);
    let v = match split_obj_attr(a.get(1)) {
        Some((_, at)) => {
            let up = at.trim().to_ascii_uppercase();
            let flags = ev.host.attr_flags(y, &up);
            let has = |f: &str| flags.iter().any(|(n, _)| n == f);
            ev.host.attr_inherited(y, &up).is_some()
                && (privileged
                    || has("visual")
                    || (ev.host.has_flag(y, "VISUAL") && !has("mortal_dark") && !has("wizard")))
        }
        None => privileged || ev.host.has_flag(y, "VISUAL"),
    };
    push(o, if v { "1" } else { "0" })
}

fn fun_nearby(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(x) = match_obj(ev, a.get(0)) else {
        return push(o, "#-1");
    };
    let Some(y) = match_obj(ev, a.get(1)) else {
        return push(o, "#-1");
    };
    let (lx, ly) = (ev.host.location(x), ev.host.location(y));
    let near = lx == y || ly == x || (lx == ly && ev.host.exists(lx));
    push(o, if near { "1" } else { "0" });
}

fn fun_findable(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some((x, y)) = two_objs(ev, a, o) {
        let f = !ev.host.has_flag(y, "UNFINDABLE")
            || ev.host.controls(x, y)
            || ev.host.location(x) == ev.host.location(y);
        push(o, if f { "1" } else { "0" });
    }
}

fn lock_spec(s: &str) -> (&str, String) {
    match split_obj_attr(s) {
        Some((ob, k)) => (ob, k.trim().to_ascii_lowercase()),
        None => (s, "basic".to_string()),
    }
}

fn fun_lock(ev: &mut Eval, a: &Args, o: &mut String) {
    let (ob, kind) = lock_spec(a.get(0));
    let Some(d) = match_obj(ev, ob) else {
        return push(o, "#-1");
    };
    if a.len() > 1 {
        let key = a.get(1).to_string();
        let mut r = String::new();
        crate::functions::effects::run(
            ev,
            Effect::Lock {
                obj: d,
                kind: kind.clone(),
                key,
            },
            &mut r,
            false,
        );
        if !r.is_empty() {
            return push(o, &r);
        }
    }
    let ex = ev.ctx.executor;
    if !ev.host.controls(ex, d) {
        return push(o, "#-1 NO SUCH LOCK");
    }
    match ev.host.lock(d, &kind) {
        Some(k) => push(o, &k),
        None => push(o, "*UNLOCKED*"),
    }
}

fn fun_elock(ev: &mut Eval, a: &Args, o: &mut String) {
    let (ob, kind) = lock_spec(a.get(0));
    let Some(d) = match_obj(ev, ob) else {
        return push(o, "#-1");
    };
    let Some(who) = match_obj(ev, a.get(1)) else {
        return push(o, "#-1");
    };
    push(
        o,
        if ev.host.eval_lock(d, &kind, who) {
            "1"
        } else {
            "0"
        },
    );
}

fn fun_lockflags(ev: &mut Eval, a: &Args, o: &mut String) {
    if a.is_empty() {
        return push(o, "vicw+");
    }
    let (ob, kind) = lock_spec(a.get(0));
    if let Some(d) = obj_or_err(ev, ob, o) {
        match crate::functions::lockfns::readable_lock_flags(ev, d, &kind) {
            Some(f) => push(o, &f.iter().map(|(_, c)| *c).collect::<String>()),
            None => push(o, "#-1 NO SUCH LOCK"),
        }
    }
}

/// money(n): the currency's name for n; money(obj): what it holds.
fn fun_money(ev: &mut Eval, a: &Args, o: &mut String) {
    let arg = a.get(0).trim();
    if let Ok(n) = arg.parse::<i64>() {
        return push(o, if n.abs() == 1 { "Penny" } else { "Pennies" });
    }
    let ex = ev.ctx.executor;
    match ev.host.match_thing(ex, arg) {
        Ok(d) => push_i64(o, ev.host.money(d)),
        Err(_) => push(o, "#-1"),
    }
}

/// quota(player): its building quota, for those who may see it.
fn fun_quota(ev: &mut Eval, a: &Args, o: &mut String) {
    let arg = a.get(0).trim();
    let ex = ev.ctx.executor;
    let who = match_obj(ev, arg);
    let Some(who) = who.filter(|d| ev.host.obj_type(*d) == Some(ObjType::Player)) else {
        return push(o, "#-1");
    };
    let allowed =
        ev.host.controls(ex, who) || ev.host.see_all(ex) || ev.host.has_power(ex, "Quotas");
    if !allowed {
        ev.host.notify(ex, "You can't see someone else's quota!");
        return push(o, "#-1");
    }
    push_i64(o, ev.host.quota(who));
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("FLAGS", 0, 1, fun_flags),
    FnDef::new("LFLAGS", 0, 1, fun_lflags),
    FnDef::new("HASFLAG", 2, 2, fun_hasflag),
    FnDef::new("ANDFLAGS", 2, 2, fun_andflags),
    FnDef::new("ORFLAGS", 2, 2, fun_orflags),
    FnDef::new("ANDLFLAGS", 2, 2, fun_andlflags),
    FnDef::new("ORLFLAGS", 2, 2, fun_orlflags),
    FnDef::new("HASPOWER", 2, 2, fun_haspower),
    FnDef::new("POWERS", 0, 2, fun_powers),
    FnDef::new("CONTROLS", 2, 2, fun_controls),
    FnDef::new("VISIBLE", 2, 2, fun_visible),
    FnDef::new("NEARBY", 2, 2, fun_nearby),
    FnDef::new("FINDABLE", 2, 2, fun_findable),
    FnDef::new("LOCK", 1, 2, fun_lock),
    FnDef::new("ELOCK", 2, 2, fun_elock),
    FnDef::new("LOCKFLAGS", 0, 1, fun_lockflags),
    FnDef::new("MONEY", 1, 1, fun_money),
    FnDef::new("QUOTA", 1, 1, fun_quota),
];

#[cfg(test)]
mod tests {
    use crate::host::{FreshDb, ObjType};
    use crate::test_support::run;

    #[test]
    fn money_names_and_see_all() {
        let mut db = FreshDb::new();
        let bob = db.add("Bob", ObjType::Player, 0, 3);
        let thing = db.add("Rock", ObjType::Thing, 0, 1);
        assert_eq!(run(&mut db, 1, "[money(1)] [money(-2)]"), "Penny Pennies");
        assert_eq!(run(&mut db, 1, "[money(#99)]"), "#-1");
        let vis = format!("[visible(#{bob},#{thing})]");
        assert_eq!(run(&mut db, 1, &vis), "0");
        if let Some(o) = usize::try_from(bob)
            .ok()
            .and_then(|i| db.objects.get_mut(i))
        {
            o.powers.push("See_All".into());
        }
        assert_eq!(run(&mut db, 1, &vis), "1");
        let quota = format!("[quota(#{thing})]");
        assert_eq!(run(&mut db, 1, &quota), "#-1");
    }
}
