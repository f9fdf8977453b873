//! Vector functions: vadd, vsub, vmul, vdot, vcross, vmag, vunit, vdim, vmax, vmin.
//! Vectors are separator-delimited lists of numbers; a non-number counts as 0.

use crate::eval::{push, push_char, Args, Eval};
use crate::functions::ansi::strip_markup;
use crate::functions::lists::split_sep;
use crate::functions::math::push_number;
use crate::functions::FnDef;

const E_DIMS: &str = "#-1 VECTORS MUST BE SAME DIMENSIONS";
const E_EMPTY: &str = "#-1 VECTOR MUST NOT BE EMPTY";
const E_SEP: &str = "#-1 SEPARATOR MUST BE ONE CHARACTER";

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("VADD", 2, 3, fun_vadd),
    FnDef::new("VSUB", 2, 3, fun_vsub),
    FnDef::new("VMUL", 2, 3, fun_vmul),
    FnDef::new("VDOT", 2, 3, fun_vdot),
    FnDef::new("VCROSS", 2, 3, fun_vcross),
    FnDef::new("VMAX", 2, 3, fun_vmax),
    FnDef::new("VMIN", 2, 3, fun_vmin),
    FnDef::new("VMAG", 1, 2, fun_vmag),
    FnDef::new("VUNIT", 1, 2, fun_vunit),
    FnDef::new("VDIM", 1, 2, fun_vdim),
];

/// C `atof`-style number: the longest numeric prefix, or 0.
pub(crate) fn atof(s: &str) -> f64 {
    let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let b = t.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-') | Some(b'+')) {
        i = 1;
    }
    let mut digits = 0;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
        digits += 1;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return 0.0;
    }
    if matches!(b.get(i), Some(b'e') | Some(b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'-') | Some(b'+')) {
            j += 1;
        }
        let start = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > start {
            i = j;
        }
    }
    t.get(..i).and_then(|x| x.parse().ok()).unwrap_or(0.0)
}

fn sep(a: &Args, i: usize, o: &mut String) -> Option<char> {
    let s = a.get(i);
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (None, _) => Some(' '),
        (Some(c), None) => Some(c),
        _ => {
            push(o, E_SEP);
            None
        }
    }
}

fn nums(s: &str, sep: char) -> Vec<f64> {
    let s = strip_markup(s);
    split_sep(&s, sep).into_iter().map(atof).collect()
}

fn push_vec(o: &mut String, v: impl IntoIterator<Item = f64>, sep: char) {
    for (i, x) in v.into_iter().enumerate() {
        if i > 0 {
            push_char(o, sep);
        }
        push_number(o, x);
    }
}

/// Two same-length vectors, element by element; `empty_ok` makes empty input silent.
fn pairwise(a: &Args, o: &mut String, empty_ok: bool, f: fn(f64, f64) -> f64) {
    let Some(sp) = sep(a, 2, o) else { return };
    let (x, y) = (nums(a.get(0), sp), nums(a.get(1), sp));
    if x.is_empty() || y.is_empty() {
        if !empty_ok {
            push(o, E_DIMS);
        }
        return;
    }
    if x.len() != y.len() {
        return push(o, E_DIMS);
    }
    push_vec(o, x.iter().zip(&y).map(|(p, q)| f(*p, *q)), sp)
}

fn fun_vadd(_: &mut Eval, a: &Args, o: &mut String) {
    pairwise(a, o, false, |p, q| p + q)
}
fn fun_vsub(_: &mut Eval, a: &Args, o: &mut String) {
    pairwise(a, o, false, |p, q| p - q)
}
fn fun_vmax(_: &mut Eval, a: &Args, o: &mut String) {
    pairwise(a, o, false, |p, q| if p > q { p } else { q })
}
fn fun_vmin(_: &mut Eval, a: &Args, o: &mut String) {
    pairwise(a, o, true, |p, q| if p < q { p } else { q })
}

fn fun_vmul(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(sp) = sep(a, 2, o) else { return };
    let (x, y) = (nums(a.get(0), sp), nums(a.get(1), sp));
    match (x.as_slice(), y.as_slice()) {
        ([], _) | (_, []) => push(o, E_DIMS),
        ([s], v) | (v, [s]) => push_vec(o, v.iter().map(|e| e * s), sp),
        (p, q) if p.len() == q.len() => push_vec(o, p.iter().zip(q).map(|(m, n)| m * n), sp),
        _ => push(o, E_DIMS),
    }
}

fn fun_vdot(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(sp) = sep(a, 2, o) else { return };
    let (x, y) = (nums(a.get(0), sp), nums(a.get(1), sp));
    if x.is_empty() || y.is_empty() || x.len() != y.len() {
        return push(o, E_DIMS);
    }
    push_number(o, x.iter().zip(&y).map(|(p, q)| p * q).sum())
}

fn fun_vcross(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(sp) = sep(a, 2, o) else { return };
    let (x, y) = (nums(a.get(0), sp), nums(a.get(1), sp));
    let (&[x0, x1, x2], &[y0, y1, y2]) = (x.as_slice(), y.as_slice()) else {
        return push(o, "#-1 VECTORS MUST BE THREE-DIMENSIONAL");
    };
    push_vec(
        o,
        [x1 * y2 - x2 * y1, x2 * y0 - x0 * y2, x0 * y1 - x1 * y0],
        sp,
    )
}

fn fun_vmag(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(sp) = sep(a, 1, o) else { return };
    let x = nums(a.get(0), sp);
    if x.is_empty() {
        return push(o, E_EMPTY);
    }
    push_number(o, x.iter().map(|v| v * v).sum::<f64>().sqrt())
}

fn fun_vunit(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(sp) = sep(a, 1, o) else { return };
    let x = nums(a.get(0), sp);
    if x.is_empty() {
        return push(o, E_EMPTY);
    }
    let mag = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    if mag == 0.0 {
        return push_vec(o, x.iter().map(|_| 0.0), sp);
    }
    push_vec(o, x.iter().map(|v| v / mag), sp)
}

fn fun_vdim(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(sp) = sep(a, 1, o) else { return };
    let s = strip_markup(a.get(0));
    push(o, &split_sep(&s, sp).len().to_string())
}
