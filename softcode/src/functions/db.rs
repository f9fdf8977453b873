//! Database functions: names, numbers, locations, contents, types, flags, locks, control
//! and matching (PennMUSH's fundb.c). Objects are named as PennMUSH's `match_thing`
//! names them for the executor, through `Host::match_thing`.

use crate::eval::{push, push_i64, Args, Eval, E_NOTVIS};
use crate::functions::lists::{osep_arg, split_sep};
use crate::functions::FnDef;
use crate::host::{Dbref, Effect, MatchError, ObjType, NOTHING};

pub use crate::eval::E_PERM;
const NOT_FOUND: &str = "I can't see that here.";
const AMBIGUOUS: &str = "I don't know which one you mean!";
/// Deepest containment walked (room(), rloc()).
const MAX_DEPTH: usize = 100;

/// Match `name` for the executor; on failure the executor is told why and None returned.
pub fn match_obj(ev: &mut Eval, name: &str) -> Option<Dbref> {
    let ex = ev.ctx.executor;
    match ev.host.match_thing(ex, name) {
        Ok(d) => Some(d),
        Err(e) => {
            let msg = match e {
                MatchError::NotFound => NOT_FOUND,
                MatchError::Ambiguous => AMBIGUOUS,
            };
            ev.host.notify(ex, msg);
            None
        }
    }
}

/// Match and output `E_NOTVIS` on failure.
pub(crate) fn obj_or_err(ev: &mut Eval, name: &str, o: &mut String) -> Option<Dbref> {
    let d = match_obj(ev, name);
    if d.is_none() {
        push(o, E_NOTVIS);
    }
    d
}

pub fn push_dbref(o: &mut String, d: Dbref) {
    push(o, "#");
    push_i64(o, d);
}

fn push_list(o: &mut String, list: &[Dbref], osep: &str) {
    for (i, d) in list.iter().enumerate() {
        if i > 0 {
            push(o, osep);
        }
        push_dbref(o, *d);
        if o.len() >= crate::eval::MAX_OUTPUT {
            break;
        }
    }
}

pub fn type_name(t: ObjType) -> &'static str {
    match t {
        ObjType::Room => "ROOM",
        ObjType::Thing => "THING",
        ObjType::Exit => "EXIT",
        ObjType::Player => "PLAYER",
        ObjType::Garbage => "GARBAGE",
    }
}

pub(crate) fn type_letter(t: ObjType) -> char {
    match t {
        ObjType::Room => 'R',
        ObjType::Thing => 'T',
        ObjType::Exit => 'E',
        ObjType::Player => 'P',
        ObjType::Garbage => 'G',
    }
}

/// `obj/attr` split: (object text, attribute) or None without a slash.
pub fn split_obj_attr(s: &str) -> Option<(&str, &str)> {
    s.split_once('/')
}

fn fun_name(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    if a.len() > 1 {
        let name = a.get(1).trim().to_string();
        if name.is_empty() {
            let ex = ev.ctx.executor;
            ev.host.notify(ex, "Give it what new name?");
            return;
        }
        return crate::functions::effects::run(ev, Effect::Name { obj: d, name }, o, false);
    }
    if let Some(n) = ev.host.name(d) {
        push(o, &n);
    }
}

fn fun_fullname(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        if let Some(n) = ev.host.full_name(d) {
            push(o, &n);
        }
    }
}

fn fun_num(ev: &mut Eval, a: &Args, o: &mut String) {
    match match_obj(ev, a.get(0)) {
        Some(d) => push_dbref(o, d),
        None => push(o, "#-1"),
    }
}

fn fun_objid(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        push_dbref(o, d);
        push(o, ":");
        push_i64(o, ev.host.creation_time(d));
    }
}

fn fun_loc(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        let l = match ev.host.obj_type(d) {
            Some(ObjType::Room) => NOTHING,
            Some(ObjType::Exit) => ev.host.link(d),
            _ => ev.host.location(d),
        };
        push_dbref(o, l);
    }
}

fn fun_where(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        let l = match ev.host.obj_type(d) {
            Some(ObjType::Room) => NOTHING,
            _ => ev.host.location(d),
        };
        push_dbref(o, l);
    }
}

fn fun_room(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(mut d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    for _ in 0..MAX_DEPTH {
        if ev.host.obj_type(d) == Some(ObjType::Room) {
            return push_dbref(o, d);
        }
        let l = ev.host.location(d);
        if !ev.host.exists(l) {
            break;
        }
        d = l;
    }
    push_dbref(o, d);
}

fn fun_rloc(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(mut d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    let levels = a.get(1).trim().parse::<i64>().unwrap_or(0).clamp(0, 20);
    for _ in 0..levels {
        if ev.host.obj_type(d) == Some(ObjType::Room) {
            break;
        }
        let l = ev.host.location(d);
        if !ev.host.exists(l) {
            break;
        }
        d = l;
    }
    push_dbref(o, d);
}

fn fun_home(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        let h = match ev.host.obj_type(d) {
            Some(ObjType::Exit) => ev.host.location(d),
            _ => ev.host.link(d),
        };
        push_dbref(o, h);
    }
}

fn fun_owner(ev: &mut Eval, a: &Args, o: &mut String) {
    let spec = a.get(0);
    let objname = split_obj_attr(spec).map_or(spec, |(ob, _)| ob);
    if let Some(d) = obj_or_err(ev, objname, o) {
        if let Some((_, attr)) = split_obj_attr(spec) {
            let up = attr.trim().to_ascii_uppercase();
            match ev.host.attrs(d).into_iter().find(|x| x.name == up) {
                Some(x) => push_dbref(o, x.owner),
                None => push(o, "#-1 NO SUCH ATTRIBUTE"),
            }
        } else {
            push_dbref(o, ev.host.owner(d));
        }
    }
}

fn fun_parent(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    if a.len() > 1 {
        let p = a.get(1).trim();
        let parent = if p.is_empty() || p.eq_ignore_ascii_case("none") {
            None
        } else {
            match match_obj(ev, p) {
                Some(p) => Some(p),
                None => return push(o, E_NOTVIS),
            }
        };
        let mut r = String::new();
        crate::functions::effects::run(ev, Effect::Parent { obj: d, parent }, &mut r, false);
        if r.is_empty() {
            push_dbref(o, parent.unwrap_or(NOTHING));
        } else {
            push(o, &r);
        }
        return;
    }
    push_dbref(o, ev.host.parent(d));
}

fn fun_children(ev: &mut Eval, a: &Args, o: &mut String) {
    // PennMUSH takes only a dbref here, not a name.
    if !a.get(0).trim().starts_with('#') {
        let ex = ev.ctx.executor;
        ev.host.notify(ex, "Unknown parent.");
        return push(o, "#-1");
    }
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        let c = ev.host.children(d);
        push_list(o, &c, " ");
    }
}

fn fun_con(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        push_dbref(o, ev.host.contents(d).first().copied().unwrap_or(NOTHING));
    }
}

fn fun_exit(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        push_dbref(o, ev.host.exits(d).first().copied().unwrap_or(NOTHING));
    }
}

fn fun_next(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    let l = ev.host.location(d);
    let list = if ev.host.obj_type(d) == Some(ObjType::Exit) {
        ev.host.exits(l)
    } else {
        ev.host.contents(l)
    };
    let next = list
        .iter()
        .position(|x| *x == d)
        .and_then(|i| list.get(i + 1))
        .copied()
        .unwrap_or(NOTHING);
    push_dbref(o, next);
}

fn list_of(ev: &mut Eval, a: &Args, o: &mut String, f: impl Fn(&Eval, Dbref) -> Vec<Dbref>) {
    match match_obj(ev, a.get(0)) {
        Some(d) => {
            let l = f(ev, d);
            push_list(o, &l, " ");
        }
        None => push(o, "#-1"),
    }
}

fn fun_lcon(ev: &mut Eval, a: &Args, o: &mut String) {
    let want = a.get(1).trim().to_ascii_uppercase();
    list_of(ev, a, o, |ev, d| {
        ev.host
            .contents(d)
            .into_iter()
            .filter(|c| {
                want.is_empty() || ev.host.obj_type(*c).is_some_and(|t| type_name(t) == want)
            })
            .collect()
    })
}

fn fun_lexits(ev: &mut Eval, a: &Args, o: &mut String) {
    match match_obj(ev, a.get(0)) {
        Some(d) if ev.host.obj_type(d) == Some(ObjType::Room) => {
            let l = ev.host.exits(d);
            push_list(o, &l, " ");
        }
        _ => push(o, "#-1"),
    }
}

fn fun_lplayers(ev: &mut Eval, a: &Args, o: &mut String) {
    list_of(ev, a, o, |ev, d| {
        ev.host
            .contents(d)
            .into_iter()
            .filter(|c| ev.host.obj_type(*c) == Some(ObjType::Player))
            .collect()
    })
}

fn fun_lthings(ev: &mut Eval, a: &Args, o: &mut String) {
    list_of(ev, a, o, |ev, d| {
        ev.host
            .contents(d)
            .into_iter()
            .filter(|c| ev.host.obj_type(*c) == Some(ObjType::Thing))
            .collect()
    })
}

/// A range bound for entrances(): an integer or a dbref; None when it is neither.
fn dbref_bound(s: &str) -> Option<Dbref> {
    let t = s.trim();
    t.strip_prefix('#').unwrap_or(t).parse().ok()
}

/// entrances([obj[, types[, low[, high]]]]): what links to the object (exits leading
/// there, homes, drop-tos), in dbref order. The object is matched quietly; types are
/// letters a(ll)/e/t/p/r; those who do not control the object see only what they may
/// examine.
fn fun_entrances(ev: &mut Eval, a: &Args, o: &mut String) {
    let ex = ev.ctx.executor;
    let place = if a.is_empty() || a.get(0).trim().is_empty() {
        Some(ev.host.location(ex)).filter(|&d| ev.host.exists(d))
    } else {
        ev.host.match_thing(ex, a.get(0)).ok()
    };
    let Some(place) = place else {
        return push(o, "#-1 INVALID LOCATION");
    };
    let mut types: Vec<ObjType> = Vec::new();
    for c in a.get(1).chars() {
        match c.to_ascii_lowercase() {
            'a' => types.clear(),
            'e' => types.push(ObjType::Exit),
            't' => types.push(ObjType::Thing),
            'p' => types.push(ObjType::Player),
            'r' => types.push(ObjType::Room),
            _ => return push(o, "#-1 INVALID SECOND ARGUMENT"),
        }
    }
    let mut range = [0, Dbref::MAX];
    for (slot, i) in range.iter_mut().zip(2..4) {
        if a.len() > i {
            match dbref_bound(a.get(i)) {
                Some(d) if ev.host.exists(d) => *slot = d,
                Some(_) => {}
                None => return push(o, crate::functions::math::E_INTS),
            }
        }
    }
    let privileged = ev.host.controls(ex, place);
    let list: Vec<Dbref> = ev
        .host
        .entrances(place)
        .into_iter()
        .filter(|&d| d >= range[0] && d <= range[1])
        .filter(|&d| types.is_empty() || ev.host.obj_type(d).is_some_and(|t| types.contains(&t)))
        .filter(|&d| privileged || ev.host.controls(ex, d) || ev.host.has_flag(d, "VISUAL"))
        .collect();
    push_list(o, &list, " ");
}

fn fun_type(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(d) = obj_or_err(ev, a.get(0), o) {
        if let Some(t) = ev.host.obj_type(d) {
            push(o, type_name(t));
        }
    }
}

fn fun_hastype(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(d) = obj_or_err(ev, a.get(0), o) else {
        return;
    };
    let t = ev.host.obj_type(d).map(type_name).unwrap_or("");
    let mut hit = false;
    for w in a.get(1).split_whitespace() {
        let w = w.to_ascii_uppercase();
        if !["ROOM", "THING", "EXIT", "PLAYER", "GARBAGE"].contains(&w.as_str()) {
            return push(o, "#-1 NO SUCH TYPE");
        }
        hit |= w == t;
    }
    push(o, if hit { "1" } else { "0" });
}

fn fun_pmatch(ev: &mut Eval, a: &Args, o: &mut String) {
    let n = a.get(0).trim();
    let bare = n.strip_prefix('*').unwrap_or(n);
    let found = if bare.starts_with('#') {
        bare.get(1..)
            .and_then(|s| s.parse::<Dbref>().ok())
            .filter(|d| ev.host.obj_type(*d) == Some(ObjType::Player))
    } else if bare.eq_ignore_ascii_case("me")
        && ev.host.obj_type(ev.ctx.executor) == Some(ObjType::Player)
    {
        Some(ev.ctx.executor)
    } else {
        ev.host.player_by_name(bare)
    };
    match found {
        Some(d) => push_dbref(o, d),
        None => {
            let ex = ev.ctx.executor;
            ev.host.notify(ex, "No match.");
            push(o, "#-1");
        }
    }
}

fn fun_locate(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(looker) = match_obj(ev, a.get(0)) else {
        return push(o, "#-1");
    };
    let name = a.get(1);
    let mut types: Vec<ObjType> = Vec::new();
    let mut scopes = String::new();
    for c in a.get(2).chars() {
        match c {
            'E' => types.push(ObjType::Exit),
            'P' => types.push(ObjType::Player),
            'R' => types.push(ObjType::Room),
            'T' => types.push(ObjType::Thing),
            'a' | 'c' | 'e' | 'h' | 'i' | 'l' | 'm' | 'n' | 'p' | 'y' | 'z' | '*' => scopes.push(c),
            'F' | 'L' | 'V' | 'X' => {}
            other => {
                let ex = ev.ctx.executor;
                ev.host
                    .notify(ex, &format!("I don't understand switch '{other}'."));
            }
        }
    }
    let Ok(d) = ev.host.match_thing(looker, name) else {
        return push(o, "#-1");
    };
    let n = name.trim();
    let here = ev.host.location(looker);
    let ok_scope = scopes.is_empty()
        || scopes.contains('*')
        || (scopes.contains('a') && n.starts_with('#'))
        || (scopes.contains('m') && n.eq_ignore_ascii_case("me"))
        || (scopes.contains('h') && n.eq_ignore_ascii_case("here"))
        || (scopes.contains('p') && n.starts_with('*'))
        || (!n.starts_with(['#', '*'])
            && !n.eq_ignore_ascii_case("me")
            && !n.eq_ignore_ascii_case("here")
            && ((scopes.contains('i') && ev.host.location(d) == looker)
                || (scopes.contains('n')
                    && ev.host.location(d) == here
                    && ev.host.obj_type(d) != Some(ObjType::Exit))
                || (scopes.contains('e') && ev.host.obj_type(d) == Some(ObjType::Exit))));
    let ok_type = types.is_empty() || ev.host.obj_type(d).is_some_and(|t| types.contains(&t));
    push_dbref(o, if ok_scope && ok_type { d } else { NOTHING });
}

fn fun_xcon(ev: &mut Eval, a: &Args, o: &mut String) {
    let start = a.get(1).trim().parse::<usize>().unwrap_or(0);
    let count = a.get(2).trim().parse::<usize>().unwrap_or(0);
    if start == 0 || count == 0 {
        return push(o, crate::eval::E_ARGRANGE);
    }
    list_of(ev, a, o, |ev, d| {
        ev.host
            .contents(d)
            .into_iter()
            .skip(start - 1)
            .take(count)
            .collect()
    })
}

fn count_of(ev: &mut Eval, a: &Args, o: &mut String, exits: bool) {
    match match_obj(ev, a.get(0)) {
        Some(d) => {
            let n = if exits {
                ev.host.exits(d).len()
            } else {
                ev.host.contents(d).len()
            };
            push_i64(o, i64::try_from(n).unwrap_or(0));
        }
        None => push(o, "0"),
    }
}

fn fun_ncon(ev: &mut Eval, a: &Args, o: &mut String) {
    count_of(ev, a, o, false)
}
fn fun_nexits(ev: &mut Eval, a: &Args, o: &mut String) {
    count_of(ev, a, o, true)
}

/// PennMUSH's `%:`-style object id list helper for `lwhoid()`.
pub fn push_objid(ev: &Eval, o: &mut String, d: Dbref) {
    push_dbref(o, d);
    push(o, ":");
    push_i64(o, ev.host.creation_time(d));
}

/// Split a list argument into dbref-ish words (for `pemit`'s target list).
pub fn words(s: &str) -> Vec<&str> {
    split_sep(s, ' ')
}

/// The output separator of argument `i` (default space).
pub fn osep(a: &Args, i: usize) -> String {
    osep_arg(a, i, ' ')
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("NAME", 1, 2, fun_name),
    FnDef::new("FULLNAME", 1, 1, fun_fullname),
    FnDef::new("NUM", 1, 1, fun_num),
    FnDef::new("OBJID", 1, 1, fun_objid),
    FnDef::new("LOC", 1, 1, fun_loc),
    FnDef::new("WHERE", 1, 1, fun_where),
    FnDef::new("ROOM", 1, 1, fun_room),
    FnDef::new("RLOC", 2, 2, fun_rloc),
    FnDef::new("HOME", 1, 1, fun_home),
    FnDef::new("OWNER", 1, 3, fun_owner),
    FnDef::new("PARENT", 1, 2, fun_parent),
    FnDef::new("CHILDREN", 1, 1, fun_children),
    FnDef::new("CON", 1, 1, fun_con),
    FnDef::new("EXIT", 1, 1, fun_exit),
    FnDef::new("NEXT", 1, 1, fun_next),
    FnDef::new("LCON", 1, 2, fun_lcon),
    FnDef::new("LEXITS", 1, 1, fun_lexits),
    FnDef::new("LPLAYERS", 1, 1, fun_lplayers),
    FnDef::new("LTHINGS", 1, 1, fun_lthings),
    FnDef::new("XCON", 3, 3, fun_xcon),
    FnDef::new("NCON", 1, 1, fun_ncon),
    FnDef::new("NEXITS", 1, 1, fun_nexits),
    FnDef::new("ENTRANCES", 0, 4, fun_entrances),
    FnDef::new("TYPE", 1, 1, fun_type),
    FnDef::new("HASTYPE", 2, 2, fun_hastype),
    FnDef::new("PMATCH", 1, 1, fun_pmatch),
    FnDef::new("LOCATE", 3, 3, fun_locate),
];

/// `xattr()`/`xcon()`'s `<start>,<count>` (arguments 1 and 2, 1-based) as the elements
/// to skip and take, or the error to print (`#-1 ARGUMENT MUST BE INTEGER`, `#-1
/// ARGUMENT OUT OF RANGE`).
pub(crate) fn start_count(a: &Args) -> Result<(usize, usize), &'static str> {
    let (Ok(start), Ok(count)) = (
        a.get(1).trim().parse::<i64>(),
        a.get(2).trim().parse::<i64>(),
    ) else {
        return Err(crate::eval::E_INT);
    };
    if start < 1 || count < 1 {
        return Err(crate::eval::E_ARGRANGE);
    }
    let skip = usize::try_from(start - 1).unwrap_or(usize::MAX);
    Ok((skip, usize::try_from(count).unwrap_or(0)))
}
