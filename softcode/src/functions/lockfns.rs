//! Lock functions (PennMUSH's fundb.c): llocks/locks, lockflags/llockflags, lockowner,
//! testlock, lockfilter, and atrlock (mushd has no attribute locks: every attribute reads as
//! unlocked and locking is refused).

use crate::eval::{push, Args, Eval, E_NOTVIS, MAX_OUTPUT};
use crate::functions::db::{match_obj, obj_or_err, push_dbref, split_obj_attr};
use crate::functions::lists::{sep_arg, split_sep, E_SEP};
use crate::functions::FnDef;
use crate::host::Dbref;

const E_NOLOCK: &str = "#-1 NO SUCH LOCK";
const E_BOOLEXP: &str = "#-1 INVALID BOOLEXP";

/// PennMUSH's built-in lock types, in its order (`llocks()`, `valid(locktype)`, and the
/// server's lock commands use this one list).
pub const LOCK_TYPES: &[&str] = &[
    "Basic",
    "Enter",
    "Use",
    "Zone",
    "Page",
    "Teleport",
    "Speech",
    "Listen",
    "Command",
    "Parent",
    "Link",
    "Leave",
    "Drop",
    "Give",
    "From",
    "Pay",
    "Receive",
    "Mail",
    "Follow",
    "Examine",
    "Chzone",
    "Forward",
    "Control",
    "Dropto",
    "Destroy",
    "Interact",
    "MailForward",
    "Take",
    "Open",
    "Filter",
    "InFilter",
    "DropIn",
    "Chown",
];

/// Lock flag names, long form (`llockflags()` with no arguments).
const LOCK_FLAGS: &str = "visual no_inherit no_clone wizard locked";

/// `obj[/locktype]`: the object and the lock type (lower case, "basic" by default).
fn lock_target(ev: &mut Eval, spec: &str, o: &mut String) -> Option<(Dbref, String)> {
    let (ob, kind) = split_obj_attr(spec).unwrap_or((spec, "basic"));
    let d = obj_or_err(ev, ob, o)?;
    let kind = kind.trim().to_ascii_lowercase();
    let kind = if kind.is_empty() {
        "basic".to_string()
    } else {
        kind
    };
    Some((d, kind))
}

/// May the executor read `d`'s lock of `kind`? (Can_Read_Lock: See_All, control, or a
/// visual object or lock.)
fn can_read_lock(ev: &Eval, d: Dbref, kind: &str) -> bool {
    let ex = ev.ctx.executor;
    ev.host.see_all(ex)
        || ev.host.controls(ex, d)
        || ev.host.has_flag(d, "VISUAL")
        || ev
            .host
            .lock_flags(d, kind)
            .is_some_and(|f| f.iter().any(|(n, _)| n == "visual"))
}

/// The flags of `d`'s lock of `kind` when the executor may read it and it exists.
pub(crate) fn readable_lock_flags(ev: &Eval, d: Dbref, kind: &str) -> Option<Vec<(String, char)>> {
    if !can_read_lock(ev, d, kind) {
        return None;
    }
    ev.host.lock_flags(d, kind)
}

fn fun_llocks(ev: &mut Eval, a: &Args, o: &mut String) {
    if a.is_empty() {
        return push(o, &LOCK_TYPES.join(" "));
    }
    let Some(d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    push(o, &ev.host.own_locks(d).join(" "));
}

fn fun_llockflags(ev: &mut Eval, a: &Args, o: &mut String) {
    if a.is_empty() {
        return push(o, LOCK_FLAGS);
    }
    let Some((d, kind)) = lock_target(ev, a.get(0), o) else {
        return;
    };
    match readable_lock_flags(ev, d, &kind) {
        Some(f) => {
            let names: Vec<&str> = f.iter().map(|(n, _)| n.as_str()).collect();
            push(o, &names.join(" "));
        }
        None => push(o, E_NOLOCK),
    }
}

fn fun_lockowner(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some((d, kind)) = lock_target(ev, a.get(0), o) else {
        return;
    };
    if !can_read_lock(ev, d, &kind) || ev.host.lock(d, &kind).is_none() {
        return push(o, E_NOLOCK);
    }
    // Locks have no creator of their own here: the object's owner set them.
    push_dbref(o, ev.host.owner(d));
}

/// Can the executor locate `d` (PennMUSH's Can_Locate, roughly)?
fn can_locate(ev: &Eval, d: Dbref) -> bool {
    let ex = ev.ctx.executor;
    ev.host.controls(ex, d)
        || ev.host.see_all(ex)
        || !ev.host.has_flag(d, "UNFINDABLE")
        || ev.host.location(ex) == ev.host.location(d)
}

fn fun_testlock(ev: &mut Eval, a: &Args, o: &mut String) {
    let ex = ev.ctx.executor;
    let victim = ev.host.match_thing(ex, a.get(1)).ok();
    let key = a.get(0).to_string();
    let Some(parsed) = ev.host.test_key(ex, &key, victim.unwrap_or(ex)) else {
        return push(o, E_BOOLEXP);
    };
    match victim {
        Some(v) if can_locate(ev, v) => push(o, if parsed { "1" } else { "0" }),
        _ => push(o, "#-1"),
    }
}

fn fun_lockfilter(ev: &mut Eval, a: &Args, o: &mut String) {
    let ex = ev.ctx.executor;
    let key = a.get(0).to_string();
    if ev.host.test_key(ex, &key, ex).is_none() {
        return push(o, E_BOOLEXP);
    }
    let Some(sep) = sep_arg(a, 2) else {
        return push(o, E_SEP);
    };
    let list = a.get(1).to_string();
    let mut first = true;
    for item in split_sep(&list, sep) {
        let Some(v) = match_obj(ev, item) else {
            continue;
        };
        if can_locate(ev, v) && ev.host.test_key(ex, &key, v) == Some(true) {
            if !first {
                o.push(sep);
            }
            first = false;
            push_dbref(o, v);
            if o.len() >= MAX_OUTPUT {
                break;
            }
        }
    }
}

fn fun_atrlock(ev: &mut Eval, a: &Args, o: &mut String) {
    if a.len() > 1 {
        if !ev.host.side_effects() {
            return push(o, "#-1 FUNCTION DISABLED");
        }
        return push(o, "#-1 ATTRIBUTE LOCKS ARE NOT SUPPORTED");
    }
    let Some((ob, at)) = split_obj_attr(a.get(0)).filter(|(_, at)| !at.trim().is_empty()) else {
        return push(o, "#-1 ARGUMENT MUST BE OBJ/ATTR");
    };
    let Some(d) = match_obj(ev, ob) else {
        return push(o, E_NOTVIS);
    };
    let at = at.trim().to_ascii_uppercase();
    let ex = ev.ctx.executor;
    let readable = ev.host.controls(ex, d) || ev.host.has_flag(d, "VISUAL");
    match ev.host.attrs(d).into_iter().find(|x| x.name == at) {
        Some(x) if readable || x.flags.iter().any(|(n, _)| n == "visual") => {
            let locked = x.flags.iter().any(|(n, _)| n == "locked");
            push(o, if locked { "1" } else { "0" });
        }
        _ => push(o, "#-1"),
    }
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("LLOCKS", 0, 1, fun_llocks),
    FnDef::new("LOCKS", 1, 1, fun_llocks),
    FnDef::new("LLOCKFLAGS", 0, 1, fun_llockflags),
    FnDef::new("LOCKOWNER", 1, 1, fun_lockowner),
    FnDef::new("TESTLOCK", 2, 2, fun_testlock),
    FnDef::new("LOCKFILTER", 2, 3, fun_lockfilter),
    FnDef::new("ATRLOCK", 1, 2, fun_atrlock),
];

#[cfg(test)]
mod tests {
    use crate::host::{FreshDb, ObjType};
    use crate::test_support::run;

    #[test]
    fn locks_and_keys() {
        let mut db = FreshDb::new();
        db.add("Apple", ObjType::Thing, 0, 1);
        db.add("Bob", ObjType::Player, 0, 1);
        db.set_attr(1, "FOO", "x");
        assert_eq!(
            run(&mut db, 1, "[llocks(me)]|[lockowner(me)]"),
            "|#-1 NO SUCH LOCK"
        );
        assert_eq!(
            run(&mut db, 1, "[testlock(#1,me)] [testlock(#3,me)]"),
            "1 0"
        );
        assert_eq!(run(&mut db, 1, "[lockfilter(#3,#1 #3 #4)]"), "#3");
        assert_eq!(
            run(&mut db, 1, "[testlock(garbage!,me)]"),
            "#-1 INVALID BOOLEXP"
        );
        assert_eq!(
            run(&mut db, 1, "[atrlock(me/foo)]|[atrlock(me/nope)]"),
            "0|#-1"
        );
        assert_eq!(
            run(&mut db, 1, "[atrlock(me/foo,on)]"),
            "#-1 ATTRIBUTE LOCKS ARE NOT SUPPORTED"
        );
        assert_eq!(
            run(&mut db, 1, "[llockflags()]"),
            "visual no_inherit no_clone wizard locked"
        );
    }
}
