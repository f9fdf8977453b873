//! User functions over lists: `obj/attr` and `#lambda/code` callables (parsed once per
//! call of the list function, evaluated per element), ulambda, map, fold, filter,
//! filterbool, step, mix, munge, foreach.

use crate::context::IterFrame;
use crate::eval::{push, push_i64, Args, Eval, E_NOTVIS, E_RECURSION, MAX_OUTPUT};
use crate::functions::lists::{osep_arg, sep_arg, split_sep, split_sep_m, E_SEP};
use crate::functions::math::{parse_int, truthy, E_INT};
use crate::functions::{FnDef, MANY};
use crate::host::Dbref;
use std::rc::Rc;

use crate::cache;
use crate::parse::{Expr, Mode};

/// Most arguments a user function may be given (PennMUSH's MAX_STACK_ARGS).
pub const MAX_STACK_ARGS: usize = 30;

/// A callable user function: an attribute's text or a `#lambda/` body, parsed once.
pub struct Ufun {
    /// Shared with the parse cache: an attribute is scanned once, not per call.
    code: Rc<Expr>,
    obj: Dbref,
    attr: String,
}

/// Resolve the object of an `obj/attr` as the executor sees it (`me`, `here`, `#N`,
/// `*player`, names nearby), as PennMUSH's fetch_ufun_attrib matches it.
fn resolve_obj(ev: &Eval, name: &str) -> Option<Dbref> {
    let n = name.trim();
    if n.is_empty() {
        return Some(ev.ctx.executor);
    }
    ev.host.match_thing(ev.ctx.executor, n).ok()
}

/// PennMUSH's fetch_ufun_attrib: `#lambda/code`, `obj/attr` or `attr` (on the executor).
/// Ok(None) means the attribute does not exist (the caller outputs nothing); Err is an
/// error message to output.
pub fn fetch_ufun(ev: &mut Eval, spec: &str) -> Result<Option<Ufun>, &'static str> {
    let lambda = spec
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("#lambda/"));
    if lambda {
        let body = spec.get(8..).unwrap_or("");
        let code = cache::parse(body, Mode::Default).unwrap_or_default();
        return Ok(Some(Ufun {
            code,
            obj: ev.ctx.executor,
            attr: "#LAMBDA".to_string(),
        }));
    }
    let (obj, attr) = match spec.split_once('/') {
        Some((o, a)) => match resolve_obj(ev, o) {
            Some(d) => (d, a),
            None => {
                let en = ev.ctx.executor;
                ev.host.notify(en, "I can't see that here.");
                return Err(E_NOTVIS);
            }
        },
        None => (ev.ctx.executor, spec),
    };
    let attr = attr.trim().to_ascii_uppercase();
    if attr.is_empty() {
        return Ok(None);
    }
    let Some(text) = ev.host.attr_inherited(obj, &attr) else {
        return Ok(None);
    };
    let code = cache::parse(&text, Mode::Default).unwrap_or_default();
    Ok(Some(Ufun { code, obj, attr }))
}

/// The caller's state a user function call replaces, restored by `leave`.
pub struct UfunScope {
    args: Vec<String>,
    iter: Vec<IterFrame>,
    switch: Vec<String>,
    executor: Dbref,
    caller: Dbref,
    attr: String,
    ok: bool,
}

/// Enter a user function's scope (once per list function call, not per element).
pub fn enter(ev: &mut Eval, uf: &Ufun) -> UfunScope {
    let ok = ev.recursion + 1 < ev.limits.recursion;
    if ok {
        ev.recursion += 1;
    }
    let s = UfunScope {
        args: std::mem::take(&mut ev.ctx.args),
        iter: std::mem::take(&mut ev.ctx.iter),
        switch: std::mem::take(&mut ev.ctx.switch),
        executor: ev.ctx.executor,
        caller: ev.ctx.caller,
        attr: std::mem::replace(&mut ev.ctx.attr_name, uf.attr.clone()),
        ok,
    };
    ev.ctx.caller = ev.ctx.executor;
    ev.ctx.executor = uf.obj;
    ev.push_token_barrier();
    s
}

/// Leave the scope entered by `enter`.
pub fn leave(ev: &mut Eval, s: UfunScope) {
    ev.pop_token_barrier();
    ev.ctx.args = s.args;
    ev.ctx.iter = s.iter;
    ev.ctx.switch = s.switch;
    ev.ctx.executor = s.executor;
    ev.ctx.caller = s.caller;
    ev.ctx.attr_name = s.attr;
    if s.ok {
        ev.recursion -= 1;
    }
}

/// Call `uf` with `%0`.. = `args`, inside a scope from `enter`; the result replaces
/// `res`. Returns false once evaluation must stop (time budget, recursion).
pub fn call(ev: &mut Eval, sc: &UfunScope, uf: &Ufun, args: &[&str], res: &mut String) -> bool {
    res.clear();
    if !sc.ok {
        push(res, E_RECURSION);
        return false;
    }
    ev.ctx.args.truncate(args.len());
    for (slot, a) in ev.ctx.args.iter_mut().zip(args) {
        slot.clear();
        slot.push_str(a);
    }
    let have = ev.ctx.args.len();
    ev.ctx
        .args
        .extend(args.iter().skip(have).map(|s| s.to_string()));
    ev.eval_expr(&uf.code, res);
    !ev.aborted()
}

/// Fetch `spec` and run `f` in its scope; errors are output, a missing attribute is "".
fn with_ufun(
    ev: &mut Eval,
    spec: &str,
    o: &mut String,
    f: impl FnOnce(&mut Eval, &UfunScope, &Ufun, &mut String),
) {
    match fetch_ufun(ev, spec) {
        Err(e) => push(o, e),
        Ok(None) => {}
        Ok(Some(uf)) => {
            let sc = enter(ev, &uf);
            f(ev, &sc, &uf, o);
            leave(ev, sc);
        }
    }
}

/// Evaluate a user function once with the given arguments (u()-style), appending.
pub fn call_once(ev: &mut Eval, spec: &str, args: &[&str], o: &mut String) {
    with_ufun(ev, spec, o, |ev, sc, uf, o| {
        let mut r = String::new();
        call(ev, sc, uf, args, &mut r);
        push(o, &r);
    })
}

fn fun_ulambda(ev: &mut Eval, a: &Args, o: &mut String) {
    let args: Vec<&str> = a.all().iter().skip(1).map(|s| s.as_str()).collect();
    call_once(ev, a.get(0), &args, o)
}

fn fun_map(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(sep) = sep_arg(a, 2) else {
        return push(o, E_SEP);
    };
    let osep = osep_arg(a, 3, sep);
    let mut h = Vec::new();
    let items = split_sep_m(a.get(1), sep, &mut h);
    if items.is_empty() {
        return;
    }
    with_ufun(ev, a.get(0), o, |ev, sc, uf, o| {
        let mut r = String::new();
        let mut pos = String::new();
        for (i, item) in items.iter().enumerate() {
            pos.clear();
            pos.push_str(&(i + 1).to_string());
            let go = call(ev, sc, uf, &[item, &pos], &mut r);
            if i > 0 {
                push(o, &osep);
            }
            push(o, &r);
            if !go || o.len() >= MAX_OUTPUT {
                break;
            }
        }
    })
}

fn fun_fold(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(sep) = sep_arg(a, 3) else {
        return push(o, E_SEP);
    };
    let mut h = Vec::new();
    let items = split_sep_m(a.get(1), sep, &mut h);
    let (mut base, mut i) = if a.len() >= 3 {
        (a.get(2).to_string(), 0)
    } else {
        (items.first().map_or(String::new(), |s| s.to_string()), 1)
    };
    with_ufun(ev, a.get(0), o, |ev, sc, uf, o| {
        let mut r = String::new();
        let mut idx = String::new();
        let mut n = 0usize;
        loop {
            let item = items.get(i).copied().unwrap_or("");
            idx.clear();
            push_i64(&mut idx, n as i64);
            let go = call(ev, sc, uf, &[&base, item, &idx], &mut r);
            std::mem::swap(&mut base, &mut r);
            i += 1;
            n += 1;
            if !go || i >= items.len() {
                break;
            }
        }
        push(o, &base);
    })
}

fn filter_common(ev: &mut Eval, a: &Args, o: &mut String, boolean: bool) {
    let Some(sep) = sep_arg(a, 2) else {
        return push(o, E_SEP);
    };
    let osep = osep_arg(a, 3, sep);
    let mut h = Vec::new();
    let items = split_sep_m(a.get(1), sep, &mut h);
    let extra: Vec<&str> = a.all().iter().skip(4).map(|s| s.as_str()).collect();
    with_ufun(ev, a.get(0), o, |ev, sc, uf, o| {
        let mut r = String::new();
        let mut args: Vec<&str> = Vec::with_capacity(1 + extra.len());
        let mut first = true;
        for item in &items {
            args.clear();
            args.push(item);
            args.extend(extra.iter().copied());
            let go = call(ev, sc, uf, &args, &mut r);
            let keep = if boolean { truthy(&r) } else { r == "1" };
            if keep {
                if !first {
                    push(o, &osep);
                }
                first = false;
                push(o, item);
            }
            if !go || o.len() >= MAX_OUTPUT {
                break;
            }
        }
    })
}
fn fun_filter(ev: &mut Eval, a: &Args, o: &mut String) {
    filter_common(ev, a, o, false)
}
fn fun_filterbool(ev: &mut Eval, a: &Args, o: &mut String) {
    filter_common(ev, a, o, true)
}

fn fun_step(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(step) = parse_int(a.get(2)) else {
        return push(o, E_INT);
    };
    let step = match usize::try_from(step) {
        Ok(s) if (1..=MAX_STACK_ARGS).contains(&s) => s,
        _ => return push(o, "#-1 STEP OUT OF RANGE"),
    };
    let Some(sep) = sep_arg(a, 3) else {
        return push(o, E_SEP);
    };
    let osep = osep_arg(a, 4, sep);
    let mut h = Vec::new();
    let items = split_sep_m(a.get(1), sep, &mut h);
    if items.is_empty() {
        return;
    }
    with_ufun(ev, a.get(0), o, |ev, sc, uf, o| {
        let mut r = String::new();
        for (n, chunk) in items.chunks(step).enumerate() {
            let go = call(ev, sc, uf, chunk, &mut r);
            if !go {
                break;
            }
            if n > 0 {
                push(o, &osep);
            }
            push(o, &r);
            if o.len() >= MAX_OUTPUT {
                break;
            }
        }
    })
}

fn fun_mix(ev: &mut Eval, a: &Args, o: &mut String) {
    let (lists, sep_i) = if a.len() > 3 {
        (a.len() - 2, a.len() - 1)
    } else {
        (2, 3)
    };
    let Some(sep) = sep_arg(a, sep_i) else {
        return push(o, E_SEP);
    };
    let cols: Vec<Vec<&str>> = (1..=lists).map(|i| split_sep(a.get(i), sep)).collect();
    let max = cols.iter().map(Vec::len).max().unwrap_or(0);
    let sep_s = sep.to_string();
    with_ufun(ev, a.get(0), o, |ev, sc, uf, o| {
        let mut r = String::new();
        let mut args: Vec<&str> = Vec::with_capacity(lists);
        for i in 0..max {
            args.clear();
            args.extend(cols.iter().map(|c| c.get(i).copied().unwrap_or("")));
            if !call(ev, sc, uf, &args, &mut r) {
                break;
            }
            if i > 0 {
                push(o, &sep_s);
            }
            push(o, &r);
            if o.len() >= MAX_OUTPUT {
                break;
            }
        }
    })
}

fn fun_munge(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(sep) = sep_arg(a, 3) else {
        return push(o, E_SEP);
    };
    let osep = osep_arg(a, 4, sep);
    let l1 = split_sep(a.get(1), sep);
    let l2 = split_sep(a.get(2), sep);
    if l1.len() != l2.len() {
        return push(o, "#-1 LISTS MUST BE OF EQUAL SIZE");
    }
    let sep_s = sep.to_string();
    let list = a.get(1);
    with_ufun(ev, a.get(0), o, |ev, sc, uf, o| {
        let mut r = String::new();
        call(ev, sc, uf, &[list, &sep_s], &mut r);
        let mut used = vec![false; l1.len()];
        let mut first = true;
        for w in split_sep(&r, sep) {
            let hit = l1
                .iter()
                .enumerate()
                .find(|(j, x)| **x == w && !used.get(*j).copied().unwrap_or(true));
            if let Some((j, _)) = hit {
                if let Some(u) = used.get_mut(j) {
                    *u = true;
                }
                if !first {
                    push(o, &osep);
                }
                first = false;
                push(o, l2.get(j).copied().unwrap_or(""));
            }
        }
    })
}

fn one_char(a: &Args, i: usize) -> Option<Option<char>> {
    if a.len() <= i {
        return Some(None);
    }
    sep_arg(a, i).map(Some)
}

fn fun_foreach(ev: &mut Eval, a: &Args, o: &mut String) {
    let (Some(start), Some(end)) = (one_char(a, 2), one_char(a, 3)) else {
        return push(o, E_SEP);
    };
    let s = a.get(1);
    let (mut rest, mut place) = match start {
        Some(c) => match s.find(c) {
            Some(i) => {
                push(o, s.get(..i).unwrap_or(""));
                let after = i + c.len_utf8();
                (s.get(after..).unwrap_or(""), after)
            }
            None => return push(o, s),
        },
        None => (s, 0),
    };
    with_ufun(ev, a.get(0), o, |ev, sc, uf, o| {
        let mut r = String::new();
        let mut buf = [0u8; 4];
        while let Some(c) = rest.chars().next() {
            rest = rest.get(c.len_utf8()..).unwrap_or("");
            if Some(c) == end {
                break;
            }
            let cs: &str = c.encode_utf8(&mut buf);
            let p = place.to_string();
            place += 1;
            if !call(ev, sc, uf, &[cs, &p], &mut r) {
                break;
            }
            push(o, &r);
            if o.len() >= MAX_OUTPUT {
                break;
            }
        }
        push(o, rest);
    })
}

fn fun_atat(_: &mut Eval, _: &Args, _: &mut String) {}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("@@", 1, MANY, fun_atat).noparse(),
    FnDef::new("FILTER", 2, MAX_STACK_ARGS + 3, fun_filter),
    FnDef::new("FILTERBOOL", 2, MAX_STACK_ARGS + 3, fun_filterbool),
    FnDef::new("FOLD", 2, 4, fun_fold),
    FnDef::new("FOREACH", 2, 4, fun_foreach),
    FnDef::new("MAP", 2, 4, fun_map),
    FnDef::new("MIX", 3, MAX_STACK_ARGS + 3, fun_mix),
    FnDef::new("MUNGE", 3, 5, fun_munge),
    FnDef::new("STEP", 3, 5, fun_step),
    FnDef::new("ULAMBDA", 1, MAX_STACK_ARGS + 1, fun_ulambda),
];
