//! Control flow: if/ifelse, switch/switchall/case/caseall (with `#$` and `%$N`),
//! cond/condall/ncond/ncondall, firstof/allof. All FN_NOPARSE: only the branch taken
//! is evaluated.

use crate::eval::{push, Args, Eval};
use crate::functions::math::{parse_number, truthy};
use crate::functions::wild::{subst_dollars, wild_captures};
use crate::functions::{FnDef, MANY};
use crate::parse::Token;

/// PennMUSH's wildcard match (`*`, `?`, `\` escapes), case-insensitive.
pub fn wild_match(pat: &str, s: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((b'*', rest)) => {
                if rest.is_empty() {
                    return true;
                }
                (0..=s.len()).any(|i| s.get(i..).is_some_and(|t| go(rest, t)))
            }
            Some((b'?', rest)) => s.split_first().is_some_and(|(_, st)| go(rest, st)),
            Some((b'\\', rest)) if !rest.is_empty() => {
                match (rest.split_first(), s.split_first()) {
                    (Some((pc, pr)), Some((sc, sr))) => pc.eq_ignore_ascii_case(sc) && go(pr, sr),
                    _ => false,
                }
            }
            Some((pc, rest)) => s
                .split_first()
                .is_some_and(|(sc, sr)| pc.eq_ignore_ascii_case(sc) && go(rest, sr)),
        }
    }
    go(pat.as_bytes(), s.as_bytes())
}

/// PennMUSH's switch pattern test: `>x`, `>=x`, `<x`, `<=x` compare (numerically when
/// both sides are numbers), anything else is a wildcard match.
fn switch_match(pat: &str, s: &str) -> bool {
    use std::cmp::Ordering;
    let (gt, rest) = match pat.as_bytes().first() {
        Some(b'>') => (true, pat.get(1..).unwrap_or("")),
        Some(b'<') => (false, pat.get(1..).unwrap_or("")),
        _ => return wild_match(pat, s),
    };
    let (eq, rest) = match rest.strip_prefix('=') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let ord = match (parse_number(rest), parse_number(s)) {
        (Some(p), Some(v)) => v.partial_cmp(&p),
        _ => Some(s.cmp(rest)),
    };
    match ord {
        Some(Ordering::Greater) => gt,
        Some(Ordering::Less) => !gt,
        Some(Ordering::Equal) => eq,
        None => false,
    }
}

/// Does unevaluated text use a `$N`/`$<N>` wildcard-capture substitution?
fn has_dollar_sub(raw: &str) -> bool {
    raw.as_bytes()
        .windows(2)
        .any(|w| matches!(w, [b'$', c] if c.is_ascii_digit() || *c == b'<'))
}

fn switch_common(ev: &mut Eval, a: &Args, o: &mut String, all: bool, exact: bool) {
    let mut target = ev.take_string();
    ev.lazy_into(a, 0, &mut target);
    let mut pat = ev.take_string();
    switch_loop(ev, a, o, all, exact, &target, &mut pat);
    ev.give_string(pat);
    ev.give_string(target);
}

fn switch_loop(
    ev: &mut Eval,
    a: &Args,
    o: &mut String,
    all: bool,
    exact: bool,
    target: &str,
    pat: &mut String,
) {
    let n = a.len();
    let mut i = 1;
    let mut matched = false;
    while i + 1 < n {
        pat.clear();
        ev.lazy_into(a, i, pat);
        let pat: &str = pat;
        let hit = if exact {
            pat == target
        } else {
            switch_match(pat, target)
        };
        if hit {
            matched = true;
            run_branch(ev, a, i + 1, target, exact, Some(pat), o);
            if !all {
                return;
            }
        }
        i += 2;
        if ev.aborted() {
            return;
        }
    }
    if !matched && i < n {
        run_branch(ev, a, i, target, exact, None, o);
    }
}

fn run_branch(
    ev: &mut Eval,
    a: &Args,
    i: usize,
    target: &str,
    exact: bool,
    pat: Option<&str>,
    o: &mut String,
) {
    let mut t = ev.take_string();
    t.push_str(target);
    ev.ctx.switch.push(t);
    if exact {
        ev.lazy_into(a, i, o);
    } else if has_dollar_sub(a.get(i)) {
        // `$0`..`$9`: the texts the pattern's wildcards matched ("" for none).
        let caps = pat
            .filter(|p| !p.starts_with(['<', '>']))
            .and_then(|p| wild_captures(p, target, false))
            .unwrap_or_default();
        let text = subst_dollars(a.get(i), |k| caps.get(k).map(String::as_str));
        ev.eval_text_bound(&text, &[(Token::Switch, target)], o);
    } else {
        ev.lazy_bound(a, i, &[(Token::Switch, target)], o);
    }
    if let Some(t) = ev.ctx.switch.pop() {
        ev.give_string(t);
    }
}

fn fun_switch(ev: &mut Eval, a: &Args, o: &mut String) {
    switch_common(ev, a, o, false, false)
}
fn fun_switchall(ev: &mut Eval, a: &Args, o: &mut String) {
    switch_common(ev, a, o, true, false)
}
fn fun_case(ev: &mut Eval, a: &Args, o: &mut String) {
    switch_common(ev, a, o, false, true)
}
fn fun_caseall(ev: &mut Eval, a: &Args, o: &mut String) {
    switch_common(ev, a, o, true, true)
}

fn fun_if(ev: &mut Eval, a: &Args, o: &mut String) {
    let c = ev.lazy(a, 0);
    if truthy(&c) {
        ev.lazy_into(a, 1, o);
    } else if a.len() > 2 {
        ev.lazy_into(a, 2, o);
    }
}

fn cond_common(ev: &mut Eval, a: &Args, o: &mut String, all: bool, negate: bool) {
    let n = a.len();
    let mut i = 0;
    let mut any = false;
    while i + 1 < n {
        let c = truthy(&ev.lazy(a, i)) != negate;
        if c {
            any = true;
            ev.lazy_into(a, i + 1, o);
            if !all {
                return;
            }
        }
        i += 2;
    }
    if !any && i < n {
        ev.lazy_into(a, i, o);
    }
}
fn fun_cond(ev: &mut Eval, a: &Args, o: &mut String) {
    cond_common(ev, a, o, false, false)
}
fn fun_condall(ev: &mut Eval, a: &Args, o: &mut String) {
    cond_common(ev, a, o, true, false)
}
fn fun_ncond(ev: &mut Eval, a: &Args, o: &mut String) {
    cond_common(ev, a, o, false, true)
}
fn fun_ncondall(ev: &mut Eval, a: &Args, o: &mut String) {
    cond_common(ev, a, o, true, true)
}

fn fun_firstof(ev: &mut Eval, a: &Args, o: &mut String) {
    let mut last = String::new();
    for i in 0..a.len() {
        last = ev.lazy(a, i);
        if truthy(&last) {
            break;
        }
    }
    push(o, &last)
}

fn fun_allof(ev: &mut Eval, a: &Args, o: &mut String) {
    let n = a.len();
    let sep = ev.lazy(a, n.saturating_sub(1));
    let mut first = true;
    for i in 0..n.saturating_sub(1) {
        let v = ev.lazy(a, i);
        if truthy(&v) {
            if !first {
                push(o, &sep);
            }
            first = false;
            push(o, &v);
        }
    }
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("ALLOF", 2, MANY, fun_allof).noparse(),
    FnDef::new("CASE", 3, MANY, fun_case).noparse(),
    FnDef::new("CASEALL", 3, MANY, fun_caseall).noparse(),
    FnDef::new("COND", 2, MANY, fun_cond).noparse(),
    FnDef::new("CONDALL", 2, MANY, fun_condall).noparse(),
    FnDef::new("FIRSTOF", 0, MANY, fun_firstof).noparse(),
    FnDef::new("IF", 2, 3, fun_if).noparse(),
    FnDef::new("IFELSE", 3, 3, fun_if).noparse(),
    FnDef::new("NCOND", 2, MANY, fun_ncond).noparse(),
    FnDef::new("NCONDALL", 2, MANY, fun_ncondall).noparse(),
    FnDef::new("SWITCH", 3, MANY, fun_switch).noparse(),
    FnDef::new("SWITCHALL", 3, MANY, fun_switchall).noparse(),
];

#[cfg(test)]
mod tests {
    use super::wild_match;

    #[test]
    fn wildcards() {
        assert!(wild_match("a*", "Apple"));
        assert!(wild_match("h?llo", "hello"));
        assert!(!wild_match("a*", "banana"));
        assert!(wild_match("\\*", "*"));
        assert!(!wild_match("\\*", "x"));
    }
}
