//! More math: baseconv, ctu, dist2d/dist3d, fraction, lmath, median, stddev, root,
//! t/ncand/ncor, rand and die.

use crate::eval::{push, Args, Eval};
use crate::functions::listmatch::rand_below;
use crate::functions::lists::{sep_arg, split_sep, E_SEP};
use crate::functions::math::{
    parse_int, parse_number, push_number, truthy, E_INT, E_INTS, E_NUM, E_NUMS, E_RANGE, E_UINTS,
};
use crate::functions::{def, lookup, FnDef, MANY};

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("BASECONV", 3, 3, fun_baseconv),
    FnDef::new("CTU", 3, 3, fun_ctu),
    FnDef::new("DIE", 2, 3, fun_die),
    FnDef::new("DIST2D", 4, 4, fun_dist2d),
    FnDef::new("DIST3D", 6, 6, fun_dist3d),
    FnDef::new("FRACTION", 1, 2, fun_fraction),
    FnDef::new("LMATH", 2, 3, fun_lmath),
    FnDef::new("MEDIAN", 1, MANY, fun_median),
    FnDef::new("NCAND", 1, MANY, fun_ncand).noparse(),
    FnDef::new("NCOR", 1, MANY, fun_ncor).noparse(),
    FnDef::new("RAND", 0, 2, fun_rand),
    FnDef::new("ROOT", 2, 2, fun_root),
    FnDef::new("STDDEV", 1, MANY, fun_stddev),
    FnDef::new("T", 1, 1, fun_t),
];

/// PennMUSH's float equality tolerance.
const EPSILON: f64 = 1e-9;

fn all_nums(a: &Args) -> Option<Vec<f64>> {
    a.all().iter().map(|s| parse_number(s)).collect()
}

fn fun_t(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, if truthy(a.get(0)) { "1" } else { "0" })
}

fn fun_ncand(ev: &mut Eval, a: &Args, o: &mut String) {
    for i in 0..a.len() {
        if !truthy(&ev.lazy(a, i)) {
            return push(o, "1");
        }
    }
    push(o, "0")
}

fn fun_ncor(ev: &mut Eval, a: &Args, o: &mut String) {
    for i in 0..a.len() {
        if truthy(&ev.lazy(a, i)) {
            return push(o, "0");
        }
    }
    push(o, "1")
}

fn to_rad(v: f64, unit: &str) -> f64 {
    match unit.bytes().next().map(|c| c.to_ascii_lowercase()) {
        Some(b'd') => v * (std::f64::consts::PI / 180.0),
        Some(b'g') => v * (std::f64::consts::PI / 200.0),
        _ => v,
    }
}

fn from_rad(v: f64, unit: &str) -> f64 {
    match unit.bytes().next().map(|c| c.to_ascii_lowercase()) {
        Some(b'd') => v * (180.0 / std::f64::consts::PI),
        Some(b'g') => v * (200.0 / std::f64::consts::PI),
        _ => v,
    }
}

fn fun_ctu(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(v) = parse_number(a.get(0)) else {
        return push(o, E_NUM);
    };
    push_number(o, from_rad(to_rad(v, a.get(1)), a.get(2)))
}

fn fun_dist2d(_: &mut Eval, a: &Args, o: &mut String) {
    if a.len() != 4 {
        return push(o, "#-1 FUNCTION (DIST2D) EXPECTS 4 ARGUMENTS");
    }
    match all_nums(a).as_deref() {
        Some(&[x1, y1, x2, y2]) => push_number(o, (x1 - x2).hypot(y1 - y2)),
        _ => push(o, E_NUMS),
    }
}

fn fun_dist3d(_: &mut Eval, a: &Args, o: &mut String) {
    if a.len() != 6 {
        return push(o, "#-1 FUNCTION (DIST3D) EXPECTS 6 ARGUMENTS");
    }
    match all_nums(a).as_deref() {
        Some(&[x1, y1, z1, x2, y2, z2]) => {
            let (d1, d2, d3) = (x1 - x2, y1 - y2, z1 - z2);
            push_number(o, (d1 * d1 + d2 * d2 + d3 * d3).sqrt())
        }
        _ => push(o, E_NUMS),
    }
}

fn fun_median(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(mut v) = all_nums(a) else {
        return push(o, E_NUMS);
    };
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let m = if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v.get(n / 2).copied().unwrap_or(0.0)
    } else {
        let lo = v.get(n / 2 - 1).copied().unwrap_or(0.0);
        let hi = v.get(n / 2).copied().unwrap_or(0.0);
        (lo + hi) / 2.0
    };
    push_number(o, m)
}

fn fun_stddev(_: &mut Eval, a: &Args, o: &mut String) {
    if a.len() < 2 {
        return push(o, "0");
    }
    let Some(v) = all_nums(a) else {
        return push(o, E_NUMS);
    };
    // Welford's running mean and sum of squared deviations.
    let (mut m, mut s) = (0.0f64, 0.0f64);
    for (i, x) in v.iter().enumerate() {
        let om = m;
        m = om + (x - om) / (i as f64 + 1.0);
        s += (x - om) * (x - m);
    }
    push_number(o, (s / (v.len() as f64 - 1.0)).sqrt())
}

fn fun_root(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(mut x) = parse_number(a.get(0)) else {
        return push(o, E_NUM);
    };
    let Some(n) = parse_int(a.get(1)) else {
        return push(o, E_INT);
    };
    if n < 0 {
        return push(o, "#-1 ROOT OUT OF RANGE");
    }
    let mut neg = false;
    if x < 0.0 {
        if n % 2 == 1 {
            neg = true;
            x = -x;
        } else {
            return push(o, "#-1 IMAGINARY NUMBER");
        }
    }
    let r = match n {
        0 => 0.0,
        1 => x,
        2 => x.sqrt(),
        3 => x.cbrt(),
        _ => {
            // A power estimate polished by a few Newton steps.
            let nf = n as f64;
            let mut r = x.powf(1.0 / nf);
            if r.is_finite() && r > 0.0 {
                for _ in 0..8 {
                    let next = ((nf - 1.0) * r + x / r.powf(nf - 1.0)) / nf;
                    if !next.is_finite() {
                        break;
                    }
                    r = next;
                }
            }
            r
        }
    };
    push_number(o, if neg { -r } else { r })
}

/// The continued-fraction approximation PennMUSH uses (numerator, denominator).
fn approx_fraction(v: f64, error: f64) -> (f64, f64) {
    let mut d = 1.0f64;
    let mut n = v.floor();
    let mut big_d = 1.0f64;
    let mut big_n = n + 1.0;
    let mut r = 0.0f64;
    for step in 0..64 {
        if step > 0 {
            if r <= 1.0 {
                r = 1.0 / r;
            }
            big_n += n * r.floor();
            big_d += d * r.floor();
            n += big_n;
            d += big_d;
        }
        r = 0.0;
        if (v * d - n).abs() >= EPSILON {
            r = (big_n - v * big_d) / (v * d - n);
            if r <= 1.0 {
                std::mem::swap(&mut big_n, &mut n);
                std::mem::swap(&mut big_d, &mut d);
            }
        }
        let mut eps = (1.0 - n / (v * d)).abs();
        if eps <= error {
            break;
        }
        let mut m = 1.0f64;
        let mut guard = 0;
        while m * eps < 1.0 && guard < 400 {
            m *= 10.0;
            guard += 1;
        }
        eps = (0.5 + m * eps).floor() / m;
        if eps <= error || r.abs() < EPSILON || !r.is_finite() {
            break;
        }
    }
    (n, d)
}

fn fun_fraction(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(mut n) = parse_number(a.get(0)) else {
        return push(o, E_NUM);
    };
    if n < 0.0 {
        n = -n;
        push(o, "-");
    } else if n.abs() < EPSILON {
        return push(o, "0");
    }
    if !n.is_normal() {
        return push_number(o, n);
    }
    let mut whole = 0.0;
    if a.len() > 1 && truthy(a.get(1)) {
        whole = n.floor();
        n -= whole;
    }
    let (num, den) = approx_fraction(n, 1.0e-10);
    if (den - 1.0).abs() < 1.0e-10 {
        if whole != 0.0 {
            push(o, &format!("{whole:.0}"))
        } else {
            push(o, &format!("{num:.0}"))
        }
    } else if whole != 0.0 {
        push(o, &format!("{whole:.0} {num:.0}/{den:.0}"))
    } else {
        push(o, &format!("{num:.0}/{den:.0}"))
    }
}

const LMATH_OPS: &[&str] = &[
    "ADD",
    "SUB",
    "MUL",
    "DIV",
    "FLOORDIV",
    "MOD",
    "MODULO",
    "MODULUS",
    "REMAINDER",
    "MIN",
    "MAX",
    "AND",
    "NAND",
    "OR",
    "NOR",
    "XOR",
    "BAND",
    "BOR",
    "BXOR",
    "FDIV",
    "MEAN",
    "MEDIAN",
    "STDDEV",
    "DIST2D",
    "DIST3D",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "EQ",
    "NEQ",
];

fn fun_lmath(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(sep) = sep_arg(a, 2) else {
        return push(o, E_SEP);
    };
    let op = a.get(0).to_ascii_uppercase();
    if !LMATH_OPS.contains(&op.as_str()) {
        return push(o, "#-1 UNKNOWN OPERATION");
    }
    let name = if op == "MODULUS" { "MODULO" } else { &op };
    let Some(id) = lookup(name) else {
        return push(o, "#-1 UNKNOWN OPERATION");
    };
    let vals: Vec<String> = split_sep(a.get(1), sep)
        .into_iter()
        .filter(|s| sep != ' ' || !s.is_empty())
        .map(str::to_string)
        .collect();
    let args = Args::from_vals(vals);
    (def(id).imp)(ev, &args, o)
}

fn fun_rand(_: &mut Eval, a: &Args, o: &mut String) {
    if a.is_empty() {
        let r = rand_below(1 << 53) as f64 / (1u64 << 53) as f64;
        return push_number(o, r);
    }
    let Some(first) = parse_int(a.get(0)) else {
        return push(o, E_INT);
    };
    let (lo, hi) = if a.len() == 1 {
        match first {
            0 => return push(o, E_RANGE),
            n if n < 0 => (n + 1, 0),
            n => (0, n - 1),
        }
    } else {
        let Some(second) = parse_int(a.get(1)) else {
            return push(o, E_INTS);
        };
        (first.min(second), first.max(second))
    };
    let span = hi.saturating_sub(lo).saturating_add(1);
    let pick = usize::try_from(span).map_or(0, rand_below) as i64;
    push(o, &lo.saturating_add(pick).to_string())
}

fn fun_die(_: &mut Eval, a: &Args, o: &mut String) {
    let uint = |s: &str| parse_int(s).and_then(|v| u32::try_from(v).ok());
    let (Some(n), Some(die)) = (uint(a.get(0)), uint(a.get(1))) else {
        return push(o, E_UINTS);
    };
    if n == 0 || n > 700 {
        return push(o, "#-1 NUMBER OUT OF RANGE");
    }
    let roll = || {
        if die == 0 {
            0u64
        } else {
            rand_below(die as usize) as u64 + 1
        }
    };
    if a.len() > 2 && truthy(a.get(2)) {
        let rolls: Vec<String> = (0..n).map(|_| roll().to_string()).collect();
        push(o, &rolls.join(" "))
    } else {
        let total: u64 = (0..n).map(|_| roll()).sum();
        push(o, &total.to_string())
    }
}

const TO36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const TO64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn digit_value(c: u8, base64: bool) -> Option<u64> {
    let v = if base64 {
        match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        }
    } else {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'z' => c - b'a' + 10,
            b'A'..=b'Z' => c - b'A' + 10,
            _ => return None,
        }
    };
    Some(u64::from(v))
}

fn fun_baseconv(_: &mut Eval, a: &Args, o: &mut String) {
    let (Some(from), Some(to)) = (parse_int(a.get(1)), parse_int(a.get(2))) else {
        return push(o, E_INTS);
    };
    if !(2..=64).contains(&from) {
        return push(o, "#-1 FROM BASE OUT OF RANGE");
    }
    if !(2..=64).contains(&to) {
        return push(o, "#-1 TO BASE OUT OF RANGE");
    }
    let (from, to) = (from as u64, to as u64);
    let mut digits = a.get(0).trim_matches(' ').as_bytes();
    let mut neg = false;
    if from < 63 && to < 63 {
        if let Some(rest) = digits.strip_prefix(b"-") {
            neg = true;
            digits = rest;
        }
    }
    // Wraps like PennMUSH's unsigned long.
    let mut n: u64 = 0;
    for &c in digits {
        match digit_value(c, from > 36) {
            Some(v) if v < from => n = n.wrapping_mul(from).wrapping_add(v),
            _ => return push(o, "#-1 MALFORMED NUMBER"),
        }
    }
    let table = if to > 36 { TO64 } else { TO36 };
    let mut out = Vec::new();
    loop {
        out.push(table.get((n % to) as usize).copied().unwrap_or(b'0'));
        n /= to;
        if n == 0 {
            break;
        }
    }
    if neg {
        out.push(b'-');
    }
    out.reverse();
    push(o, &String::from_utf8_lossy(&out))
}
