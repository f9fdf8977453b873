//! More database functions (PennMUSH's fundb.c/funstr.c/funufun.c): pronouns from SEX,
//! aliases and name forms, lparent, visible/counted/ranged contents (lv*/nv*/x*), pfun,
//! followers, objmem/playermem. Zones are in `zones.rs`.

use crate::eval::{push, push_i64, Args, Eval, E_NOTVIS, MAX_OUTPUT};
use crate::functions::db::{match_obj, obj_or_err, push_dbref, start_count, E_PERM};
use crate::functions::effects::run;
use crate::functions::functional::{call_once, MAX_STACK_ARGS};
use crate::functions::FnDef;
use crate::host::{Dbref, Effect, ObjType};

const E_MATCH: &str = "#-1 NO MATCH";
/// How far lparent() follows parents.
const MAX_PARENTS: usize = 10;

/// Gender index from SEX: 0 neuter, 1 female, 2 male, 3 plural.
fn gender(ev: &Eval, d: Dbref) -> usize {
    let sex = ev.host.attr_inherited(d, "SEX").unwrap_or_default();
    match sex
        .trim_start()
        .chars()
        .next()
        .map(|c| c.to_ascii_lowercase())
    {
        Some('m') => 2,
        Some('f') | Some('w') => 1,
        Some('p') => 3,
        _ => 0,
    }
}

fn pronoun(ev: &mut Eval, a: &Args, o: &mut String, forms: [&str; 4]) {
    let ex = ev.ctx.executor;
    let Ok(d) = ev.host.match_thing(ex, a.get(0)) else {
        return push(o, E_MATCH);
    };
    let g = gender(ev, d);
    push(o, forms.get(g).copied().unwrap_or("it"));
}

fn fun_subj(ev: &mut Eval, a: &Args, o: &mut String) {
    pronoun(ev, a, o, ["it", "she", "he", "they"])
}
fn fun_obj(ev: &mut Eval, a: &Args, o: &mut String) {
    pronoun(ev, a, o, ["it", "her", "him", "them"])
}
fn fun_poss(ev: &mut Eval, a: &Args, o: &mut String) {
    pronoun(ev, a, o, ["its", "her", "his", "their"])
}
fn fun_aposs(ev: &mut Eval, a: &Args, o: &mut String) {
    pronoun(ev, a, o, ["its", "hers", "his", "theirs"])
}

/// accname/moniker/iname: mushd has no @nameaccent, monikers or @nameformat, so each
/// is the plain name.
fn fun_accname(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        if let Some(n) = ev.host.name(d) {
            push(o, &n);
        }
    }
}

fn fun_iname(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    let ex = ev.ctx.executor;
    if !(ev.host.controls(ex, d) || ev.host.location(ex) == d) {
        return push(o, E_PERM);
    }
    if let Some(n) = ev.host.name(d) {
        push(o, &n);
    }
}

/// An object's aliases: an exit's are the `;` names after its first, anyone else's
/// are in its ALIAS attribute.
fn aliases(ev: &Eval, d: Dbref) -> Vec<String> {
    if ev.host.obj_type(d) == Some(ObjType::Exit) {
        let full = ev.host.full_name(d).unwrap_or_default();
        return full
            .split(';')
            .skip(1)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
    }
    ev.host
        .attr(d, "ALIAS")
        .unwrap_or_default()
        .split(';')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn fun_alias(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    if a.len() > 1 {
        let value = a.get(1).to_string();
        let effect = Effect::Attr {
            obj: d,
            attr: "ALIAS".to_string(),
            value,
        };
        return run(ev, effect, o, false);
    }
    if let Some(first) = aliases(ev, d).first() {
        push(o, first);
    }
}

fn fun_fullalias(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        push(o, &aliases(ev, d).join(";"));
    }
}

fn fun_lparent(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(mut d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    let ex = ev.ctx.executor;
    push_dbref(o, d);
    for _ in 0..MAX_PARENTS {
        if !ev.host.controls(ex, d) && !ev.host.has_flag(d, "VISUAL") {
            break;
        }
        let p = ev.host.parent(d);
        if !ev.host.exists(p) {
            break;
        }
        push(o, " ");
        push_dbref(o, p);
        d = p;
    }
}

/// Which objects a contents walker lists.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    Con,
    Things,
    Players,
    Exits,
}

/// PennMUSH's dbwalk: the objects of `kind` in `loc` the executor may list (it must
/// examine `loc`, be in it, or be it); `visible` skips dark ones (and, for players,
/// disconnected ones). None when the executor may not look.
fn walk(ev: &Eval, loc: Dbref, kind: Walk, visible: bool) -> Option<Vec<Dbref>> {
    let ex = ev.ctx.executor;
    let t = ev.host.obj_type(loc)?;
    let valid = if kind == Walk::Exits {
        t == ObjType::Room
    } else {
        t != ObjType::Exit
    };
    let may = ev.host.controls(ex, loc)
        || ev.host.has_flag(loc, "VISUAL")
        || ev.host.location(ex) == loc
        || ev.ctx.enactor == loc;
    if !valid || !may {
        return None;
    }
    let all = if kind == Walk::Exits {
        ev.host.exits(loc)
    } else {
        ev.host.contents(loc)
    };
    let loc_light = ev.host.has_flag(loc, "LIGHT");
    Some(
        all.into_iter()
            .filter(|&d| {
                let ty = ev.host.obj_type(d);
                let type_ok = match kind {
                    Walk::Con => matches!(ty, Some(ObjType::Thing | ObjType::Player)),
                    Walk::Things => ty == Some(ObjType::Thing),
                    Walk::Players => ty == Some(ObjType::Player),
                    Walk::Exits => ty == Some(ObjType::Exit),
                };
                if !type_ok {
                    return false;
                }
                if !visible {
                    return true;
                }
                let dark =
                    ev.host.has_flag(d, "DARK") && !ev.host.has_flag(d, "LIGHT") && !loc_light;
                let offline = kind == Walk::Players
                    && !ev.host.flags(d).iter().any(|(n, _)| n == "CONNECTED");
                !dark && !offline
            })
            .collect(),
    )
}

fn push_dbrefs(o: &mut String, list: &[Dbref]) {
    for (i, d) in list.iter().enumerate() {
        if i > 0 {
            push(o, " ");
        }
        push_dbref(o, *d);
        if o.len() >= MAX_OUTPUT {
            break;
        }
    }
}

fn list_walk(ev: &mut Eval, a: &Args, o: &mut String, kind: Walk, visible: bool) {
    let ex = ev.ctx.executor;
    let Ok(loc) = ev.host.match_thing(ex, a.get(0)) else {
        return push(o, "#-1");
    };
    match walk(ev, loc, kind, visible) {
        Some(l) => push_dbrefs(o, &l),
        None => push(o, "#-1"),
    }
}

fn count_walk(ev: &mut Eval, a: &Args, o: &mut String, kind: Walk, visible: bool) {
    let ex = ev.ctx.executor;
    let n = ev
        .host
        .match_thing(ex, a.get(0))
        .ok()
        .and_then(|loc| walk(ev, loc, kind, visible))
        .map_or(0, |l| l.len());
    push_i64(o, i64::try_from(n).unwrap_or(0));
}

fn range_walk(ev: &mut Eval, a: &Args, o: &mut String, kind: Walk, visible: bool) {
    let (skip, take) = match start_count(a) {
        Ok(r) => r,
        Err(e) => return push(o, e),
    };
    let ex = ev.ctx.executor;
    let Ok(loc) = ev.host.match_thing(ex, a.get(0)) else {
        return push(o, "#-1");
    };
    match walk(ev, loc, kind, visible) {
        Some(l) => {
            let part: Vec<Dbref> = l.into_iter().skip(skip).take(take).collect();
            push_dbrefs(o, &part);
        }
        None => push(o, "#-1"),
    }
}

macro_rules! walkers {
    ($($f:ident => $how:ident, $kind:ident, $vis:expr;)*) => {
        $(fn $f(ev: &mut Eval, a: &Args, o: &mut String) {
            $how(ev, a, o, Walk::$kind, $vis)
        })*
    };
}

walkers! {
    fun_lvcon => list_walk, Con, true;
    fun_lvexits => list_walk, Exits, true;
    fun_lvplayers => list_walk, Players, true;
    fun_lvthings => list_walk, Things, true;
    fun_nplayers => count_walk, Players, false;
    fun_nthings => count_walk, Things, false;
    fun_nvcon => count_walk, Con, true;
    fun_nvexits => count_walk, Exits, true;
    fun_nvplayers => count_walk, Players, true;
    fun_nvthings => count_walk, Things, true;
    fun_xexits => range_walk, Exits, false;
    fun_xplayers => range_walk, Players, false;
    fun_xthings => range_walk, Things, false;
    fun_xvcon => range_walk, Con, true;
    fun_xvexits => range_walk, Exits, true;
    fun_xvplayers => range_walk, Players, true;
    fun_xvthings => range_walk, Things, true;
}

fn fun_nchildren(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        push_i64(o, i64::try_from(ev.host.children(d).len()).unwrap_or(0));
    }
}

/// pfun(attr, args...): the attribute as the executor's parent has it, run as the
/// executor.
fn fun_pfun(ev: &mut Eval, a: &Args, o: &mut String) {
    let ex = ev.ctx.executor;
    let parent = ev.host.parent(ex);
    let at = a.get(0).trim().to_ascii_uppercase();
    let text = if ev.host.exists(parent) {
        ev.host.attr_inherited(parent, &at)
    } else {
        ev.host.attr_inherited(ex, &at)
    };
    let Some(text) = text else {
        return;
    };
    let spec = format!("#lambda/{text}");
    let args: Vec<&str> = a
        .all()
        .iter()
        .skip(1)
        .take(MAX_STACK_ARGS)
        .map(String::as_str)
        .collect();
    call_once(ev, &spec, &args, o)
}

/// followers()/following(): no follow support, so nobody; the object must be
/// controlled.
fn fun_followers(ev: &mut Eval, a: &Args, o: &mut String) {
    let ex = ev.ctx.executor;
    match ev.host.match_thing(ex, a.get(0)) {
        Ok(d) if ev.host.controls(ex, d) => {}
        _ => push(o, "#-1 INVALID OBJECT"),
    }
}

/// An approximation of an object's memory: its structure plus names and attributes.
pub(crate) fn obj_mem(ev: &Eval, d: Dbref) -> i64 {
    let name = ev.host.full_name(d).map_or(0, |n| n.len());
    let attrs: usize = ev
        .host
        .attrs(d)
        .iter()
        .map(|x| 48 + x.name.len() + x.value.len())
        .sum();
    i64::try_from(160 + name + attrs).unwrap_or(i64::MAX)
}

fn fun_objmem(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    let ex = ev.ctx.executor;
    if !ev.host.controls(ex, d) && !ev.host.is_wizard(ex) {
        return push(o, E_PERM);
    }
    push_i64(o, obj_mem(ev, d));
}

fn fun_playermem(ev: &mut Eval, a: &Args, o: &mut String) {
    let ex = ev.ctx.executor;
    let Some(p) = match_obj(ev, a.get(0)).filter(|d| ev.host.obj_type(*d) == Some(ObjType::Player))
    else {
        return push(o, E_NOTVIS);
    };
    if !ev.host.controls(ex, p) && !ev.host.is_wizard(ex) {
        return push(o, E_PERM);
    }
    let top = ev.host.db_top();
    let total: i64 = (0..top)
        .filter(|&d| ev.host.owner(d) == p)
        .map(|d| obj_mem(ev, d))
        .fold(0i64, i64::saturating_add);
    push_i64(o, total);
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("SUBJ", 1, 1, fun_subj),
    FnDef::new("OBJ", 1, 1, fun_obj),
    FnDef::new("POSS", 1, 1, fun_poss),
    FnDef::new("APOSS", 1, 1, fun_aposs),
    FnDef::new("ACCNAME", 1, 1, fun_accname),
    FnDef::new("MONIKER", 1, 1, fun_accname),
    FnDef::new("CNAME", 1, 1, fun_accname),
    FnDef::new("INAME", 1, 1, fun_iname),
    FnDef::new("ALIAS", 1, 2, fun_alias),
    FnDef::new("FULLALIAS", 1, 1, fun_fullalias),
    FnDef::new("LPARENT", 1, 1, fun_lparent),
    FnDef::new("LVCON", 1, 1, fun_lvcon),
    FnDef::new("LVEXITS", 1, 1, fun_lvexits),
    FnDef::new("LVPLAYERS", 1, 1, fun_lvplayers),
    FnDef::new("LVTHINGS", 1, 1, fun_lvthings),
    FnDef::new("NPLAYERS", 1, 1, fun_nplayers),
    FnDef::new("NTHINGS", 1, 1, fun_nthings),
    FnDef::new("NVCON", 1, 1, fun_nvcon),
    FnDef::new("NVEXITS", 1, 1, fun_nvexits),
    FnDef::new("NVPLAYERS", 1, 1, fun_nvplayers),
    FnDef::new("NVTHINGS", 1, 1, fun_nvthings),
    FnDef::new("XEXITS", 3, 3, fun_xexits),
    FnDef::new("XPLAYERS", 3, 3, fun_xplayers),
    FnDef::new("XTHINGS", 3, 3, fun_xthings),
    FnDef::new("XVCON", 3, 3, fun_xvcon),
    FnDef::new("XVEXITS", 3, 3, fun_xvexits),
    FnDef::new("XVPLAYERS", 3, 3, fun_xvplayers),
    FnDef::new("XVTHINGS", 3, 3, fun_xvthings),
    FnDef::new("NCHILDREN", 1, 1, fun_nchildren),
    FnDef::new("PFUN", 1, 31, fun_pfun),
    FnDef::new("FOLLOWERS", 1, 1, fun_followers),
    FnDef::new("FOLLOWING", 1, 1, fun_followers),
    FnDef::new("OBJMEM", 1, 1, fun_objmem),
    FnDef::new("PLAYERMEM", 1, 1, fun_playermem),
];

#[cfg(test)]
mod tests {
    use crate::host::{FreshDb, ObjType};
    use crate::test_support::run;

    #[test]
    fn pronouns_follow_sex() {
        let mut db = FreshDb::new();
        assert_eq!(
            run(&mut db, 1, "[subj(me)] [obj(me)] [poss(me)] [aposs(me)]"),
            "it it its its"
        );
        db.set_attr(1, "SEX", "Female");
        assert_eq!(
            run(&mut db, 1, "[subj(me)] [obj(me)] [poss(me)] [aposs(me)]"),
            "she her her hers"
        );
        db.set_attr(1, "SEX", "m");
        assert_eq!(
            run(&mut db, 1, "[subj(me)] [obj(me)] [poss(me)] [aposs(me)]"),
            "he him his his"
        );
        db.set_attr(1, "SEX", "plural");
        assert_eq!(
            run(&mut db, 1, "[subj(me)]|[subj(#99)]"),
            "they|#-1 NO MATCH"
        );
    }

    #[test]
    fn walkers_and_counts() {
        let mut db = FreshDb::new();
        let a = db.add("Apple", ObjType::Thing, 0, 1);
        let b = db.add("Bob", ObjType::Player, 0, 1);
        let _e = db.add("Out;o", ObjType::Exit, 0, 1);
        let _ = (a, b);
        assert_eq!(run(&mut db, 1, "[nthings(here)] [nplayers(here)]"), "1 2");
        assert_eq!(
            run(&mut db, 1, "[xthings(here,1,5)]|[xexits(here,1,1)]"),
            "#3|#5"
        );
        assert_eq!(run(&mut db, 1, "[fullalias(#5)]|[alias(#5)]"), "o|o");
        assert_eq!(
            run(&mut db, 1, "[xthings(here,0,1)]"),
            "#-1 ARGUMENT OUT OF RANGE"
        );
        assert_eq!(
            run(&mut db, 1, "[nchildren(me)] [lparent(me)] [zone(me)]"),
            "0 #1 #-1"
        );
        assert_eq!(run(&mut db, 1, "[followers(me)]"), "");
    }

    #[test]
    fn pfun_runs_the_parents_attribute() {
        let mut db = FreshDb::new();
        let p = db.add("Parent", ObjType::Thing, 1, 1);
        let c = db.add("Child", ObjType::Thing, 1, 1);
        db.set_attr(p, "FOO", "parent %0 [num(me)]");
        db.set_attr(c, "FOO", "child");
        if let Some(o) = db.objects.get_mut(4) {
            o.parent = p;
        }
        assert_eq!(run(&mut db, c, "[pfun(foo,x)]"), "parent x #4");
    }
}
