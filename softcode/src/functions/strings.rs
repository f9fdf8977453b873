//! Basic string functions the evaluator's own tests need: strlen, ucstr, lcstr, cat,
//! strcat, lit, null, repeat, left, right, space, s. The full string family extends this.

use crate::eval::{push, Args, Eval, MAX_OUTPUT};
use crate::functions::math::parse_int;
use crate::functions::{FnDef, MANY};
use crate::parse::{self, Mode};

fn fun_strlen(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, &a.get(0).chars().count().to_string())
}
fn fun_ucstr(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, &a.get(0).to_uppercase())
}
fn fun_lcstr(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, &a.get(0).to_lowercase())
}
fn fun_cat(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, &a.all().join(" "))
}
fn fun_strcat(_: &mut Eval, a: &Args, o: &mut String) {
    for s in a.all() {
        push(o, s);
    }
}
fn fun_lit(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, a.get(0))
}
fn fun_null(_: &mut Eval, _: &Args, _: &mut String) {}
fn fun_repeat(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(n) = parse_int(a.get(1)) else {
        return push(o, "#-1 ARGUMENT MUST BE INTEGER");
    };
    if n < 0 {
        return push(o, "#-1 ARGUMENT MUST BE NON-NEGATIVE INTEGER");
    }
    let s = a.get(0);
    if s.is_empty() {
        return;
    }
    let mut i = 0;
    while i < n && o.len() < MAX_OUTPUT {
        push(o, s);
        i += 1;
    }
}
fn fun_space(_: &mut Eval, a: &Args, o: &mut String) {
    let n = if a.get(0).trim().is_empty() {
        Some(1)
    } else {
        parse_int(a.get(0))
    };
    match n {
        Some(n) if n >= 0 => {
            let n = usize::try_from(n).unwrap_or(0).min(MAX_OUTPUT);
            push(o, &" ".repeat(n))
        }
        _ => push(o, "#-1 ARGUMENT MUST BE INTEGER"),
    }
}
fn fun_left(_: &mut Eval, a: &Args, o: &mut String) {
    match parse_int(a.get(1)) {
        Some(n) if n >= 0 => {
            let s: String = a
                .get(0)
                .chars()
                .take(usize::try_from(n).unwrap_or(0))
                .collect();
            push(o, &s)
        }
        _ => push(o, "#-1 ARGUMENT MUST BE INTEGER"),
    }
}
fn fun_right(_: &mut Eval, a: &Args, o: &mut String) {
    match parse_int(a.get(1)) {
        Some(n) if n >= 0 => {
            let s = a.get(0);
            let len = s.chars().count();
            let skip = len.saturating_sub(usize::try_from(n).unwrap_or(0));
            let r: String = s.chars().skip(skip).collect();
            push(o, &r)
        }
        _ => push(o, "#-1 ARGUMENT MUST BE INTEGER"),
    }
}
fn fun_s(ev: &mut Eval, a: &Args, o: &mut String) {
    match parse::parse(a.get(0), Mode::Default) {
        Ok(e) => ev.eval_expr(&e, o),
        Err(_) => push(o, a.get(0)),
    }
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("CAT", 1, MANY, fun_cat),
    FnDef::new("LCSTR", 1, 1, fun_lcstr).comma_last(),
    FnDef::new("LEFT", 2, 2, fun_left),
    FnDef::new("LIT", 1, 1, fun_lit).literal().comma_last(),
    FnDef::new("NULL", 1, MANY, fun_null),
    FnDef::new("REPEAT", 2, 2, fun_repeat),
    FnDef::new("RIGHT", 2, 2, fun_right),
    FnDef::new("S", 1, 1, fun_s).comma_last(),
    FnDef::new("SPACE", 1, 1, fun_space),
    FnDef::new("STRCAT", 1, MANY, fun_strcat),
    FnDef::new("STRLEN", 1, 1, fun_strlen).comma_last(),
    FnDef::new("UCSTR", 1, 1, fun_ucstr).comma_last(),
];
