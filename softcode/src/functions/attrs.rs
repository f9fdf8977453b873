//! Attribute functions: get/xget/v, get_eval/eval, u/ufun/ulocal and their defaults,
//! default/edefault, objeval, lattr/nattr (and the parent-walking `p` forms), hasattr*,
//! and the attribute grep family. Attribute names are upper case; trees (`A`B`) are
//! plain names here.

use std::collections::HashSet;

use crate::eval::{push, push_i64, Args, Eval, E_NOTVIS, MAX_OUTPUT};
use crate::functions::db::{match_obj, split_obj_attr};
use crate::functions::functional::{call_once, MAX_STACK_ARGS};
use crate::functions::wild::wild_regex;
use crate::functions::{FnDef, MANY};
use crate::host::{AttrInfo, Dbref};
use crate::parse::{self, Mode};

pub const E_NOGET: &str = "#-1 NO PERMISSION TO GET ATTRIBUTE";
pub const E_BADATTR: &str = "#-1 BAD ARGUMENT FORMAT TO GET";
const E_INVALID: &str = "#-1 INVALID OBJECT";
/// How far attribute lookup follows parents (PennMUSH's MAX_PARENTS).
const MAX_PARENTS: usize = 10;

/// PennMUSH's good_atr_name: printable, no spaces, at most 64 characters.
pub fn valid_attr_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('`')
        && !name.ends_with('`')
        && !name.contains("``")
        && name
            .chars()
            .all(|c| c.is_ascii_graphic() && !"()[]{}%,;:/\\".contains(c))
}

/// May the executor read attributes of `obj`?
fn can_read(ev: &Eval, obj: Dbref) -> bool {
    ev.host.controls(ev.ctx.executor, obj) || ev.host.has_flag(obj, "VISUAL")
}

/// The object's attributes plus those its parents pass on, own first (each level
/// sorted). A parent's `no_inherit` attribute is its own: it is not listed, and, as in
/// PennMUSH (whose lookup stops at it), it still hides a farther ancestor's namesake.
pub(crate) fn attr_chain(ev: &Eval, obj: Dbref, parents: bool) -> Vec<AttrInfo> {
    let mut out: Vec<AttrInfo> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut at = obj;
    for level in 0..=MAX_PARENTS {
        if !ev.host.exists(at) {
            break;
        }
        let mut own = ev.host.attrs(at);
        own.sort_by(|a, b| a.name.cmp(&b.name));
        for x in own {
            if !seen.insert(x.name.clone()) {
                continue;
            }
            if level > 0 && x.flags.iter().any(|(n, _)| n == "no_inherit") {
                continue;
            }
            out.push(x);
        }
        if !parents {
            break;
        }
        at = ev.host.parent(at);
    }
    out
}

/// Parse `obj/attr` and resolve the object; errors are output.
fn obj_attr(ev: &mut Eval, spec: &str, o: &mut String) -> Option<(Dbref, String)> {
    let Some((ob, at)) = split_obj_attr(spec) else {
        push(o, E_BADATTR);
        return None;
    };
    let Some(d) = match_obj(ev, ob) else {
        push(o, E_NOTVIS);
        return None;
    };
    Some((d, at.trim().to_ascii_uppercase()))
}

/// An attribute's value when the executor may see it: it controls the object (or the
/// object or the attribute is VISUAL), and a mortal_dark attribute only for wizards.
fn read_attr(ev: &mut Eval, d: Dbref, attr: &str, o: &mut String) -> Option<String> {
    let flags = ev.host.attr_flags(d, attr);
    let has = |name: &str| flags.iter().any(|(n, _)| n == name);
    let hidden = has("mortal_dark") && !ev.host.is_wizard(ev.ctx.executor);
    if hidden || !(can_read(ev, d) || has("visual")) {
        push(o, E_NOGET);
        return None;
    }
    ev.host.attr_inherited(d, attr)
}

fn fun_get(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some((d, at)) = obj_attr(ev, a.get(0), o) {
        if let Some(v) = read_attr(ev, d, &at, o) {
            push(o, &v);
        }
    }
}

fn fun_xget(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(d) = match_obj(ev, a.get(0)) else {
        return push(o, E_NOTVIS);
    };
    let at = a.get(1).trim().to_ascii_uppercase();
    if let Some(v) = read_attr(ev, d, &at, o) {
        push(o, &v);
    }
}

fn fun_v(ev: &mut Eval, a: &Args, o: &mut String) {
    let arg = a.get(0).trim();
    if !arg.is_empty() && arg.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(v) = arg.parse::<usize>().ok().and_then(|i| ev.ctx.args.get(i)) {
            let v = v.clone();
            push(o, &v);
        }
        return;
    }
    let at = arg.to_ascii_uppercase();
    if at.is_empty() || !valid_attr_name(&at) {
        return;
    }
    let ex = ev.ctx.executor;
    if let Some(v) = ev.host.attr_inherited(ex, &at) {
        push(o, &v);
    }
}

/// Resolve a u()-style `obj/attr` (or `attr` on the executor) to `#N/ATTR`, checking
/// that the object exists and that the executor may read it. Err is output text.
fn ufun_spec(ev: &mut Eval, spec: &str) -> Result<String, &'static str> {
    let (d, at) = match split_obj_attr(spec) {
        Some((ob, at)) => match match_obj(ev, ob) {
            Some(d) => (d, at),
            None => return Err(E_INVALID),
        },
        None => (ev.ctx.executor, spec),
    };
    if !can_read(ev, d) {
        return Err(crate::functions::db::E_PERM);
    }
    Ok(format!("#{d}/{}", at.trim()))
}

/// Does the attribute behind a resolved `#N/ATTR` exist (with inheritance)?
fn ufun_exists(ev: &Eval, spec: &str) -> bool {
    let Some((ob, at)) = spec.split_once('/') else {
        return false;
    };
    let d = ob.trim_start_matches('#').parse::<Dbref>().unwrap_or(-1);
    ev.host
        .attr_inherited(d, &at.trim().to_ascii_uppercase())
        .is_some()
}

/// u() on a `obj/attr` spec: the executor must be able to read it.
pub(crate) fn run_u(ev: &mut Eval, spec: &str, args: &[&str], o: &mut String, local: bool) {
    let spec = match ufun_spec(ev, spec) {
        Ok(s) => s,
        Err(e) => return push(o, e),
    };
    let args = args.get(..args.len().min(MAX_STACK_ARGS)).unwrap_or(&[]);
    if local {
        let saved = ev.ctx.qregs.clone();
        call_once(ev, &spec, args, o);
        ev.ctx.qregs = saved;
    } else {
        call_once(ev, &spec, args, o);
    }
}

fn fun_u(ev: &mut Eval, a: &Args, o: &mut String) {
    let args: Vec<&str> = a.all().iter().skip(1).map(|s| s.as_str()).collect();
    run_u(ev, a.get(0), &args, o, false)
}

fn fun_ulocal(ev: &mut Eval, a: &Args, o: &mut String) {
    let args: Vec<&str> = a.all().iter().skip(1).map(|s| s.as_str()).collect();
    run_u(ev, a.get(0), &args, o, true)
}

/// udefault/uldefault (no-parse): the default (arg 1) is evaluated only when the
/// attribute is missing; the arguments are evaluated otherwise.
fn udefault(ev: &mut Eval, a: &Args, o: &mut String, local: bool) {
    let spec = ev.lazy(a, 0);
    let resolved = ufun_spec(ev, &spec).ok();
    match resolved.filter(|s| ufun_exists(ev, s)) {
        Some(s) => {
            let vals: Vec<String> = (2..a.len()).map(|i| ev.lazy(a, i)).collect();
            let args: Vec<&str> = vals.iter().map(|s| s.as_str()).collect();
            run_u(ev, &s, &args, o, local)
        }
        None => ev.lazy_into(a, 1, o),
    }
}

fn fun_udefault(ev: &mut Eval, a: &Args, o: &mut String) {
    udefault(ev, a, o, false)
}

fn fun_uldefault(ev: &mut Eval, a: &Args, o: &mut String) {
    udefault(ev, a, o, true)
}

/// default(obj/attr, ..., default): the first readable, existing attribute's raw text.
fn fun_default(ev: &mut Eval, a: &Args, o: &mut String) {
    let last = a.len().saturating_sub(1);
    for i in 0..last {
        let spec = ev.lazy(a, i);
        if let Some((ob, at)) = split_obj_attr(&spec) {
            let Ok(d) = ev.host.match_thing(ev.ctx.executor, ob) else {
                continue;
            };
            if can_read(ev, d) {
                if let Some(v) = ev.host.attr_inherited(d, &at.trim().to_ascii_uppercase()) {
                    return push(o, &v);
                }
            }
        }
    }
    ev.lazy_into(a, last, o)
}

/// Evaluate attribute text as `d` (u() with no arguments).
fn eval_attr(ev: &mut Eval, d: Dbref, at: &str, o: &mut String) {
    let spec = format!("#{d}/{at}");
    call_once(ev, &spec, &[], o)
}

fn fun_edefault(ev: &mut Eval, a: &Args, o: &mut String) {
    let spec = ev.lazy(a, 0);
    if let Some((ob, at)) = split_obj_attr(&spec) {
        if let Ok(d) = ev.host.match_thing(ev.ctx.executor, ob) {
            let at = at.trim().to_ascii_uppercase();
            if can_read(ev, d) && ev.host.attr_inherited(d, &at).is_some() {
                return eval_attr(ev, d, &at, o);
            }
        }
    }
    ev.lazy_into(a, 1, o)
}

fn fun_eval(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(d) = match_obj(ev, a.get(0)) else {
        return push(o, E_NOTVIS);
    };
    let at = a.get(1).trim().to_ascii_uppercase();
    if !can_read(ev, d) {
        return push(o, E_NOGET);
    }
    eval_attr(ev, d, &at, o)
}

fn fun_get_eval(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some((d, at)) = obj_attr(ev, a.get(0), o) {
        if !can_read(ev, d) {
            return push(o, E_NOGET);
        }
        eval_attr(ev, d, &at, o)
    }
}

/// objeval(obj, expr): evaluate expr as obj when the executor controls it, else as
/// the executor (not found: told, and evaluated as the executor).
fn fun_objeval(ev: &mut Eval, a: &Args, o: &mut String) {
    let name = ev.lazy(a, 0);
    let ex = ev.ctx.executor;
    let as_obj = match match_obj(ev, &name) {
        Some(d) if ev.host.controls(ex, d) => d,
        _ => ex,
    };
    let text = a.get(1).to_string();
    let code = parse::parse(&text, Mode::Default).unwrap_or_default();
    ev.ctx.executor = as_obj;
    ev.eval_expr(&code, o);
    ev.ctx.executor = ex;
}

/// Names matching the `obj/pattern` spec (own or with parents), for lattr and friends.
fn matching_attrs(ev: &mut Eval, spec: &str, parents: bool, o: &mut String) -> Option<Vec<String>> {
    let (ob, pat) = split_obj_attr(spec).unwrap_or((spec, "*"));
    let Some(d) = match_obj(ev, ob) else {
        push(o, E_NOTVIS);
        return None;
    };
    if !can_read(ev, d) {
        return Some(Vec::new());
    }
    let pat = if pat.trim().is_empty() {
        "*"
    } else {
        pat.trim()
    };
    let re = wild_regex(pat, false)?;
    let mut names = Vec::new();
    let mut len = 0usize;
    for x in attr_chain(ev, d, parents) {
        if re.is_match(&x.name).unwrap_or(false) {
            len += x.name.len() + 1;
            names.push(x.name);
            if len > MAX_OUTPUT {
                break;
            }
        }
    }
    Some(names)
}

fn lattr(ev: &mut Eval, a: &Args, o: &mut String, parents: bool) {
    let sep = if a.len() > 1 {
        a.get(1).to_string()
    } else {
        " ".into()
    };
    if let Some(names) = matching_attrs(ev, a.get(0), parents, o) {
        push(o, &names.join(&sep));
    }
}

fn fun_lattr(ev: &mut Eval, a: &Args, o: &mut String) {
    lattr(ev, a, o, false)
}
fn fun_lattrp(ev: &mut Eval, a: &Args, o: &mut String) {
    lattr(ev, a, o, true)
}

fn nattr(ev: &mut Eval, a: &Args, o: &mut String, parents: bool) {
    if let Some(names) = matching_attrs(ev, a.get(0), parents, o) {
        push_i64(o, i64::try_from(names.len()).unwrap_or(0));
    }
}

fn fun_nattr(ev: &mut Eval, a: &Args, o: &mut String) {
    nattr(ev, a, o, false)
}
fn fun_nattrp(ev: &mut Eval, a: &Args, o: &mut String) {
    nattr(ev, a, o, true)
}

/// hasattr family: `(obj, attr)` or `(obj/attr)`.
fn hasattr(ev: &mut Eval, a: &Args, o: &mut String, parents: bool, val: bool) {
    let (ob, at) = if a.len() > 1 {
        (a.get(0), a.get(1))
    } else {
        match split_obj_attr(a.get(0)) {
            Some(x) => x,
            None => (a.get(0), ""),
        }
    };
    let Some(d) = match_obj(ev, ob) else {
        return push(o, E_NOTVIS);
    };
    if !can_read(ev, d) {
        return push(o, "0");
    }
    let at = at.trim().to_ascii_uppercase();
    let v = if parents {
        ev.host.attr_inherited(d, &at)
    } else {
        ev.host.attr(d, &at)
    };
    let has = v.is_some_and(|v| !val || !v.is_empty());
    push(o, if has { "1" } else { "0" });
}

fn fun_hasattr(ev: &mut Eval, a: &Args, o: &mut String) {
    hasattr(ev, a, o, false, false)
}
fn fun_hasattrp(ev: &mut Eval, a: &Args, o: &mut String) {
    hasattr(ev, a, o, true, false)
}
fn fun_hasattrval(ev: &mut Eval, a: &Args, o: &mut String) {
    hasattr(ev, a, o, false, true)
}
fn fun_hasattrpval(ev: &mut Eval, a: &Args, o: &mut String) {
    hasattr(ev, a, o, true, true)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum GrepKind {
    Sub,
    Wild,
    Regex,
}

fn grep(ev: &mut Eval, a: &Args, o: &mut String, kind: GrepKind, icase: bool, parents: bool) {
    let spec = format!("{}/{}", a.get(0), a.get(1));
    let Some(names) = matching_attrs(ev, &spec, parents, o) else {
        return;
    };
    let Ok(d) = ev.host.match_thing(ev.ctx.executor, a.get(0)) else {
        return;
    };
    let pat = a.get(2);
    let matcher: Box<dyn Fn(&str) -> bool> = match kind {
        GrepKind::Sub => {
            let p = if icase {
                pat.to_lowercase()
            } else {
                pat.to_string()
            };
            Box::new(move |v: &str| {
                if icase {
                    v.to_lowercase().contains(&p)
                } else {
                    v.contains(&p)
                }
            })
        }
        GrepKind::Wild => match wild_regex(pat, !icase) {
            Some(re) => Box::new(move |v: &str| re.is_match(v).unwrap_or(false)),
            None => return,
        },
        GrepKind::Regex => match crate::functions::regex::compile(pat, icase) {
            Ok(re) => Box::new(move |v: &str| re.is_match(v).unwrap_or(false)),
            Err(e) => return push(o, &e),
        },
    };
    let mut first = true;
    for n in names {
        let v = ev.host.attr_inherited(d, &n).unwrap_or_default();
        if matcher(&v) {
            if !first {
                push(o, " ");
            }
            first = false;
            push(o, &n);
            if o.len() >= MAX_OUTPUT {
                break;
            }
        }
    }
}

fn fun_grep(ev: &mut Eval, a: &Args, o: &mut String) {
    grep(ev, a, o, GrepKind::Sub, false, false)
}
fn fun_grepi(ev: &mut Eval, a: &Args, o: &mut String) {
    grep(ev, a, o, GrepKind::Sub, true, false)
}
fn fun_pgrep(ev: &mut Eval, a: &Args, o: &mut String) {
    grep(ev, a, o, GrepKind::Sub, false, true)
}
fn fun_wildgrep(ev: &mut Eval, a: &Args, o: &mut String) {
    grep(ev, a, o, GrepKind::Wild, false, false)
}
fn fun_wildgrepi(ev: &mut Eval, a: &Args, o: &mut String) {
    grep(ev, a, o, GrepKind::Wild, true, false)
}
fn fun_regrep(ev: &mut Eval, a: &Args, o: &mut String) {
    grep(ev, a, o, GrepKind::Regex, false, false)
}
fn fun_regrepi(ev: &mut Eval, a: &Args, o: &mut String) {
    grep(ev, a, o, GrepKind::Regex, true, false)
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("GET", 1, 1, fun_get),
    FnDef::new("XGET", 2, 2, fun_xget),
    FnDef::new("V", 1, 1, fun_v),
    FnDef::new("GET_EVAL", 1, 1, fun_get_eval),
    FnDef::new("EVAL", 2, 2, fun_eval),
    FnDef::new("U", 1, 31, fun_u),
    FnDef::new("UFUN", 1, 31, fun_u),
    FnDef::new("ULOCAL", 1, 31, fun_ulocal),
    FnDef::new("UDEFAULT", 2, 32, fun_udefault).noparse(),
    FnDef::new("ULDEFAULT", 1, 32, fun_uldefault).noparse(),
    FnDef::new("DEFAULT", 2, MANY, fun_default).noparse(),
    FnDef::new("EDEFAULT", 2, 2, fun_edefault).noparse(),
    FnDef::new("OBJEVAL", 2, 2, fun_objeval).noparse(),
    FnDef::new("LATTR", 1, 2, fun_lattr),
    FnDef::new("LATTRP", 1, 2, fun_lattrp),
    FnDef::new("NATTR", 1, 1, fun_nattr),
    FnDef::new("ATTRCNT", 1, 1, fun_nattr),
    FnDef::new("NATTRP", 1, 1, fun_nattrp),
    FnDef::new("ATTRPCNT", 1, 1, fun_nattrp),
    FnDef::new("HASATTR", 1, 2, fun_hasattr),
    FnDef::new("HASATTRP", 1, 2, fun_hasattrp),
    FnDef::new("HASATTRVAL", 1, 2, fun_hasattrval),
    FnDef::new("HASATTRPVAL", 1, 2, fun_hasattrpval),
    FnDef::new("GREP", 3, 3, fun_grep),
    FnDef::new("GREPI", 3, 3, fun_grepi),
    FnDef::new("PGREP", 3, 3, fun_pgrep),
    FnDef::new("WILDGREP", 3, 3, fun_wildgrep),
    FnDef::new("WILDGREPI", 3, 3, fun_wildgrepi),
    FnDef::new("REGREP", 3, 3, fun_regrep),
    FnDef::new("REGREPI", 3, 3, fun_regrepi),
];
