//! Math, comparison, boolean, bitwise and trig functions, with PennMUSH's number parsing
//! (`is_number`, `is_integer`, booleans) and number printing (`%.6f`, trailing zeros
//! removed, `-0`, `inf`), which the other families reuse.

use crate::eval::{push, push_i64, Args, Eval};
use crate::functions::{FnDef, MANY};

pub const E_NUMS: &str = "#-1 ARGUMENTS MUST BE NUMBERS";
pub const E_NUM: &str = "#-1 ARGUMENT MUST BE NUMBER";
pub const E_INTS: &str = "#-1 ARGUMENTS MUST BE INTEGERS";
pub const E_INT: &str = "#-1 ARGUMENT MUST BE INTEGER";
pub const E_DIV0: &str = "#-1 DIVISION BY ZERO";
pub const E_UINTS: &str = "#-1 ARGUMENTS MUST BE POSITIVE INTEGERS";
pub const E_UINT: &str = "#-1 ARGUMENT MUST BE POSITIVE INTEGER";
pub const E_RANGE: &str = "#-1 OUT OF RANGE";

/// Parse a PennMUSH number (leading/trailing spaces, sign, decimal, exponent, 0x hex).
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
    if t.is_empty() {
        return None;
    }
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..)?),
        Some(b'+') => (false, t.get(1..)?),
        _ => (false, t),
    };
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let v = u64::from_str_radix(hex, 16).ok()? as f64;
        return Some(if neg { -v } else { v });
    }
    let b = body.as_bytes();
    let mut i = 0;
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
        return None;
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
        if j == start {
            return None;
        }
        i = j;
    }
    if i != b.len() {
        return None;
    }
    let v: f64 = body.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Parse a PennMUSH integer (optional sign, digits, surrounding spaces).
pub fn parse_int(s: &str) -> Option<i64> {
    // Fast path: up to 18 plain digits cannot overflow.
    let b = s.as_bytes();
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, b.get(1..).unwrap_or(&[])),
        _ => (false, b),
    };
    if !digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit) {
        let v = digits
            .iter()
            .fold(0i64, |v, &c| v * 10 + i64::from(c - b'0'));
        return Some(if neg { -v } else { v });
    }
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    if body.is_empty() || !body.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.strip_prefix('+').unwrap_or(t).parse().ok()
}

/// PennMUSH's leading-integer conversion (atoi-like; `trunc(12abc)` is 12).
pub fn atoi_prefix(s: &str) -> i64 {
    let b = s.as_bytes();
    if !b.is_empty() && b.len() <= 18 && b.iter().all(u8::is_ascii_digit) {
        return b.iter().fold(0i64, |v, &c| v * 10 + i64::from(c - b'0'));
    }
    let t = s.trim_start();
    let b = t.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-') | Some(b'+')) {
        i = 1;
    }
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    t.get(..i).and_then(|x| x.parse::<i64>().ok()).unwrap_or(0)
}

/// Largest magnitude below which every integer is an exact f64 (2^53).
const EXACT: i64 = 1 << 53;

/// A plain integer (spaces, sign, at most 15 digits) as PennMUSH's parser would read it
/// into a double: exact, so integer arithmetic gives the same answer. None otherwise.
fn small_int(s: &str) -> Option<i64> {
    let t = s.as_bytes();
    let t = if t.first().is_some_and(u8::is_ascii_whitespace)
        || t.last().is_some_and(u8::is_ascii_whitespace)
    {
        s.trim_matches(|c: char| c.is_ascii_whitespace()).as_bytes()
    } else {
        t
    };
    let (neg, body) = match t.first() {
        Some(b'-') => (true, t.get(1..)?),
        Some(b'+') => (false, t.get(1..)?),
        _ => (false, t),
    };
    if body.is_empty() || body.len() > 15 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in body {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(if neg { -v } else { v })
}

/// Append a number as `fmt_number` prints it, without allocating for integral values.
pub fn push_number(out: &mut String, v: f64) {
    if v.fract() == 0.0 && v.abs() < 1e15 && !(v == 0.0 && v.is_sign_negative()) {
        push_i64(out, v as i64);
    } else {
        push(out, &fmt_number(v));
    }
}

/// Print a number as PennMUSH does: six decimals, trailing zeros and dot removed.
pub fn fmt_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 && !(v == 0.0 && v.is_sign_negative()) {
        let mut s = String::new();
        push_i64(&mut s, v as i64);
        return s;
    }
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let mut s = format!("{v:.6}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

/// PennMUSH's truth value: empty, `#-...`, and numeric zero are false.
pub fn truthy(s: &str) -> bool {
    let t = s.trim_start();
    if t.is_empty() || t.starts_with("#-") {
        return false;
    }
    match parse_number(t) {
        Some(v) => v != 0.0,
        None => true,
    }
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

fn nums(args: &Args) -> Option<Vec<f64>> {
    args.all().iter().map(|a| parse_number(a)).collect()
}

fn fold_nums(args: &Args, out: &mut String, f: impl Fn(f64, f64) -> f64) {
    let mut acc: Option<f64> = None;
    for a in args.all() {
        let Some(x) = parse_number(a) else {
            return push(out, E_NUMS);
        };
        acc = Some(match acc {
            None => x,
            Some(p) => f(p, x),
        });
    }
    push_number(out, acc.unwrap_or(0.0));
}

/// add/sub/mul on plain integers, when every step stays exact as a double (so the
/// answer is the one the floating-point fold gives); false means use that fold. A zero
/// result also defers to it, for the sign of `-0`.
fn int_fast(args: &Args, out: &mut String, f: impl Fn(i64, i64) -> Option<i64>) -> bool {
    let mut acc: Option<i64> = None;
    for a in args.all() {
        let Some(x) = small_int(a) else {
            return false;
        };
        let next = match acc {
            None => Some(x),
            Some(p) => f(p, x),
        };
        match next {
            Some(v) if v > -EXACT && v < EXACT => acc = Some(v),
            _ => return false,
        }
    }
    match acc {
        Some(v) if v != 0 => {
            push_i64(out, v);
            true
        }
        _ => false,
    }
}

fn fun_add(_: &mut Eval, a: &Args, o: &mut String) {
    if !int_fast(a, o, i64::checked_add) {
        fold_nums(a, o, |x, y| x + y)
    }
}
fn fun_sub(_: &mut Eval, a: &Args, o: &mut String) {
    if !int_fast(a, o, i64::checked_sub) {
        fold_nums(a, o, |x, y| x - y)
    }
}
fn fun_mul(_: &mut Eval, a: &Args, o: &mut String) {
    if !int_fast(a, o, i64::checked_mul) {
        fold_nums(a, o, |x, y| x * y)
    }
}
fn fun_max(_: &mut Eval, a: &Args, o: &mut String) {
    if a.is_empty() {
        return push(o, E_NUMS);
    }
    fold_nums(a, o, f64::max)
}
fn fun_min(_: &mut Eval, a: &Args, o: &mut String) {
    if a.is_empty() {
        return push(o, E_NUMS);
    }
    fold_nums(a, o, f64::min)
}
fn fun_mean(_: &mut Eval, a: &Args, o: &mut String) {
    match nums(a) {
        Some(v) if !v.is_empty() => push(o, &fmt_number(v.iter().sum::<f64>() / v.len() as f64)),
        _ => push(o, E_NUMS),
    }
}

fn int_fold(a: &Args, o: &mut String, f: impl Fn(i64, i64) -> Option<i64>) {
    // Parse every argument first (a non-integer anywhere wins over division by zero),
    // on the stack for the usual two or three.
    let mut small = [0i64; 4];
    let mut big = Vec::new();
    for (i, s) in a.all().iter().enumerate() {
        let Some(v) = parse_int(s) else {
            return push(o, E_INTS);
        };
        match small.get_mut(i) {
            Some(slot) if a.len() <= 4 => *slot = v,
            _ => big.push(v),
        }
    }
    let vals: &[i64] = if a.len() <= 4 {
        small.get(..a.len()).unwrap_or(&[])
    } else {
        &big
    };
    let mut it = vals.iter().copied();
    let mut acc = it.next().unwrap_or(0);
    for x in it {
        if x == 0 {
            return push(o, E_DIV0);
        }
        match f(acc, x) {
            Some(r) => acc = r,
            None => return push(o, E_DIV0),
        }
    }
    push_i64(o, acc);
}

fn fun_div(_: &mut Eval, a: &Args, o: &mut String) {
    int_fold(a, o, |x, y| x.checked_div(y))
}
fn fun_floordiv(_: &mut Eval, a: &Args, o: &mut String) {
    int_fold(a, o, |x, y| {
        let q = x.checked_div(y)?;
        Some(if (x % y != 0) && ((x < 0) != (y < 0)) {
            q - 1
        } else {
            q
        })
    })
}
fn fun_modulo(_: &mut Eval, a: &Args, o: &mut String) {
    int_fold(a, o, |x, y| {
        let r = x.checked_rem(y)?;
        Some(if r != 0 && ((r < 0) != (y < 0)) {
            r + y
        } else {
            r
        })
    })
}
fn fun_remainder(_: &mut Eval, a: &Args, o: &mut String) {
    int_fold(a, o, |x, y| x.checked_rem(y))
}
fn fun_fdiv(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(v) = nums(a) else {
        return push(o, E_NUMS);
    };
    let mut it = v.into_iter();
    let mut acc = it.next().unwrap_or(0.0);
    for x in it {
        if x == 0.0 {
            return push(o, E_DIV0);
        }
        acc /= x;
    }
    push(o, &fmt_number(acc));
}
fn fun_fmod(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(v) = nums(a) else {
        return push(o, E_NUMS);
    };
    let mut it = v.into_iter();
    let mut acc = it.next().unwrap_or(0.0);
    for x in it {
        if x == 0.0 {
            return push(o, E_DIV0);
        }
        acc %= x;
    }
    push(o, &fmt_number(acc));
}

fn one_num(a: &Args, o: &mut String, f: impl Fn(f64) -> Result<f64, &'static str>) {
    match parse_number(a.get(0)) {
        Some(x) => match f(x) {
            Ok(r) => push(o, &fmt_number(r)),
            Err(e) => push(o, e),
        },
        None => push(o, E_NUM),
    }
}

fn fun_abs(_: &mut Eval, a: &Args, o: &mut String) {
    one_num(a, o, |x| Ok(x.abs()))
}
fn fun_sign(_: &mut Eval, a: &Args, o: &mut String) {
    one_num(a, o, |x| {
        Ok(if x > 0.0 {
            1.0
        } else if x < 0.0 {
            -1.0
        } else {
            0.0
        })
    })
}
fn fun_floor(_: &mut Eval, a: &Args, o: &mut String) {
    one_num(a, o, |x| Ok(x.floor()))
}
fn fun_ceil(_: &mut Eval, a: &Args, o: &mut String) {
    one_num(a, o, |x| Ok(x.ceil()))
}
fn fun_sqrt(_: &mut Eval, a: &Args, o: &mut String) {
    one_num(a, o, |x| {
        if x < 0.0 {
            Err("#-1 IMAGINARY NUMBER")
        } else {
            Ok(x.sqrt())
        }
    })
}
fn fun_ln(_: &mut Eval, a: &Args, o: &mut String) {
    one_num(a, o, |x| if x < 0.0 { Err(E_RANGE) } else { Ok(x.ln()) })
}
fn fun_exp(_: &mut Eval, a: &Args, o: &mut String) {
    if a.is_empty() {
        return push(o, &fmt_number(std::f64::consts::E));
    }
    one_num(a, o, |x| Ok(x.exp()))
}
fn fun_pi(_: &mut Eval, _: &Args, o: &mut String) {
    push(o, &fmt_number(std::f64::consts::PI))
}
fn fun_trunc(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, &atoi_prefix(a.get(0)).to_string())
}
fn fun_log(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(x) = parse_number(a.get(0)) else {
        return push(o, E_NUMS);
    };
    let base = if a.len() > 1 {
        if a.get(1).eq_ignore_ascii_case("e") {
            std::f64::consts::E
        } else {
            match parse_number(a.get(1)) {
                Some(b) if b > 0.0 && b != 1.0 => b,
                Some(_) => return push(o, "#-1 BASE OUT OF RANGE"),
                None => return push(o, E_NUMS),
            }
        }
    } else {
        10.0
    };
    if x < 0.0 {
        return push(o, E_RANGE);
    }
    let r = if base == 10.0 {
        x.log10()
    } else {
        x.ln() / base.ln()
    };
    push(o, &fmt_number(r))
}
fn fun_power(_: &mut Eval, a: &Args, o: &mut String) {
    let (Some(x), Some(y)) = (parse_number(a.get(0)), parse_number(a.get(1))) else {
        return push(o, E_NUMS);
    };
    let r = x.powf(y);
    if r.is_nan() || r.is_infinite() {
        return push(o, E_RANGE);
    }
    push(o, &fmt_number(r))
}
fn fun_round(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(x) = parse_number(a.get(0)) else {
        return push(o, E_NUM);
    };
    let Some(places) = parse_int(a.get(1)).filter(|p| *p >= 0) else {
        return push(o, E_INT);
    };
    let places = places.min(6) as usize;
    if places == 0 {
        // lrint: round half to even, printed as an integer.
        let r = x.round_ties_even();
        return push_number(o, if r == 0.0 { 0.0 } else { r });
    }
    let pad = a.len() > 2 && truthy(a.get(2));
    let at = o.len();
    push(o, &format!("{:.*}", places, x));
    if !pad && places > 1 {
        // Trailing zeros go, but one decimal digit stays.
        if let Some(dot) = o.get(at..).and_then(|t| t.find('.')) {
            let keep = at + dot + 2;
            let mut end = o.len();
            while end > keep && o.as_bytes().get(end - 1) == Some(&b'0') {
                end -= 1;
            }
            o.truncate(end);
        }
    }
}
fn fun_bound(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(v) = nums(a) else {
        return push(o, E_NUMS);
    };
    let mut x = v.first().copied().unwrap_or(0.0);
    if let Some(hi) = v.get(2) {
        if x > *hi {
            x = *hi;
        }
    }
    if let Some(lo) = v.get(1) {
        if x < *lo {
            x = *lo;
        }
    }
    push(o, &fmt_number(x))
}

fn incdec(a: &Args, o: &mut String, delta: i64) {
    let s = a.get(0);
    if let Some(n) = parse_int(s) {
        return push_i64(o, n.saturating_add(delta));
    }
    let b = s.as_bytes();
    if !b.last().is_some_and(u8::is_ascii_digit) {
        return push(o, "#-1 ARGUMENT MUST END IN AN INTEGER");
    }
    // Back over the trailing digits; a '-' just before them is the number's sign.
    let mut p = b.len() - 1;
    while p > 0 {
        match b.get(p) {
            Some(b'-') => {
                p -= 1;
                break;
            }
            Some(c) if c.is_ascii_digit() => p -= 1,
            _ => break,
        }
    }
    if p == 0 && b.first().is_some_and(|c| c.is_ascii_digit() || *c == b'-') {
        return push(o, E_RANGE);
    }
    let numstart = p + 1;
    let n: i64 = s.get(numstart..).and_then(|x| x.parse().ok()).unwrap_or(0);
    push(o, s.get(..numstart).unwrap_or(""));
    push_i64(o, n.saturating_add(delta));
}
fn fun_inc(_: &mut Eval, a: &Args, o: &mut String) {
    incdec(a, o, 1)
}
fn fun_dec(_: &mut Eval, a: &Args, o: &mut String) {
    incdec(a, o, -1)
}

fn compare(a: &Args, o: &mut String, f: impl Fn(f64, f64) -> bool) {
    let Some(v) = nums(a) else {
        return push(o, E_NUMS);
    };
    let ok = v.windows(2).all(|w| match w {
        [x, y] => f(*x, *y),
        _ => true,
    });
    push(o, bool_str(ok))
}
fn fun_eq(_: &mut Eval, a: &Args, o: &mut String) {
    compare(a, o, |x, y| x == y)
}
fn fun_neq(_: &mut Eval, a: &Args, o: &mut String) {
    match nums(a) {
        Some(v) => push(o, bool_str(v.first() != v.get(1))),
        None => push(o, "1"),
    }
}
fn fun_gt(_: &mut Eval, a: &Args, o: &mut String) {
    compare(a, o, |x, y| x > y)
}
fn fun_gte(_: &mut Eval, a: &Args, o: &mut String) {
    compare(a, o, |x, y| x >= y)
}
fn fun_lt(_: &mut Eval, a: &Args, o: &mut String) {
    compare(a, o, |x, y| x < y)
}
fn fun_lte(_: &mut Eval, a: &Args, o: &mut String) {
    compare(a, o, |x, y| x <= y)
}

/// PennMUSH's `is_number`: leading spaces, then all of it must be a `strtod` number
/// (`inf` and `nan` included) that neither overflows nor underflows.
pub fn is_strict_number(s: &str) -> bool {
    let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    if t.ends_with(|c: char| c.is_ascii_whitespace()) {
        return false;
    }
    let word = t.strip_prefix(['-', '+']).unwrap_or(t);
    if ["inf", "infinity", "nan"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
    {
        return true;
    }
    let Some(v) = parse_number(t) else {
        return false;
    };
    if v.is_infinite() {
        return false;
    }
    if v == 0.0 || v.is_subnormal() {
        // Underflow: a nonzero mantissa that came out as zero or denormal.
        let mantissa = word.split(['e', 'E']).next().unwrap_or("");
        let hex = mantissa.starts_with("0x") || mantissa.starts_with("0X");
        if !hex && mantissa.bytes().any(|c| (b'1'..=b'9').contains(&c)) {
            return false;
        }
    }
    true
}

fn fun_isnum(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, bool_str(is_strict_number(a.get(0))))
}
fn fun_isint(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, bool_str(parse_int(a.get(0)).is_some()))
}
fn fun_isdbref(ev: &mut Eval, a: &Args, o: &mut String) {
    let s = a.get(0);
    let ok = s
        .strip_prefix('#')
        .and_then(|d| d.parse::<i64>().ok())
        .is_some_and(|d| d >= 0 && ev.host.exists(d));
    push(o, bool_str(ok))
}

fn fun_and(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, bool_str(a.all().iter().all(|x| truthy(x))))
}
fn fun_or(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, bool_str(a.all().iter().any(|x| truthy(x))))
}
fn fun_nand(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, bool_str(!a.all().iter().all(|x| truthy(x))))
}
fn fun_nor(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, bool_str(!a.all().iter().any(|x| truthy(x))))
}
fn fun_xor(_: &mut Eval, a: &Args, o: &mut String) {
    // True when exactly one argument is true.
    push(
        o,
        bool_str(a.all().iter().filter(|x| truthy(x)).take(2).count() == 1),
    )
}
fn fun_not(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, bool_str(!truthy(a.get(0))))
}
fn fun_cand(ev: &mut Eval, a: &Args, o: &mut String) {
    for i in 0..a.len() {
        if !truthy(&ev.lazy(a, i)) {
            return push(o, "0");
        }
    }
    push(o, "1")
}
fn fun_cor(ev: &mut Eval, a: &Args, o: &mut String) {
    for i in 0..a.len() {
        if truthy(&ev.lazy(a, i)) {
            return push(o, "1");
        }
    }
    push(o, "0")
}

fn uints(a: &Args) -> Option<Vec<u64>> {
    a.all()
        .iter()
        .map(|s| parse_int(s).and_then(|v| u64::try_from(v).ok()))
        .collect()
}
fn bit_fold(a: &Args, o: &mut String, f: impl Fn(u64, u64) -> u64) {
    let Some(v) = uints(a) else {
        return push(o, E_UINTS);
    };
    let mut it = v.into_iter();
    let first = it.next().unwrap_or(0);
    push(o, &it.fold(first, f).to_string())
}
fn fun_band(_: &mut Eval, a: &Args, o: &mut String) {
    bit_fold(a, o, |x, y| x & y)
}
fn fun_bor(_: &mut Eval, a: &Args, o: &mut String) {
    bit_fold(a, o, |x, y| x | y)
}
fn fun_bxor(_: &mut Eval, a: &Args, o: &mut String) {
    bit_fold(a, o, |x, y| x ^ y)
}
fn fun_bnand(_: &mut Eval, a: &Args, o: &mut String) {
    bit_fold(a, o, |x, y| x & !y)
}
fn fun_bnot(_: &mut Eval, a: &Args, o: &mut String) {
    match parse_int(a.get(0)).and_then(|v| u64::try_from(v).ok()) {
        Some(v) => push(o, &(!(v as i64 as i32)).to_string()),
        None => push(o, E_UINT),
    }
}
fn fun_shl(_: &mut Eval, a: &Args, o: &mut String) {
    bit_fold(a, o, |x, y| x.wrapping_shl((y % 64) as u32))
}
fn fun_shr(_: &mut Eval, a: &Args, o: &mut String) {
    bit_fold(a, o, |x, y| x.wrapping_shr((y % 64) as u32))
}

fn angle_in(x: f64, unit: &str) -> f64 {
    match unit.bytes().next().map(|c| c.to_ascii_lowercase()) {
        Some(b'd') => x * (std::f64::consts::PI / 180.0),
        Some(b'g') => x * (std::f64::consts::PI / 200.0),
        _ => x,
    }
}
fn angle_out(x: f64, unit: &str) -> f64 {
    match unit.bytes().next().map(|c| c.to_ascii_lowercase()) {
        Some(b'd') => x * (180.0 / std::f64::consts::PI),
        Some(b'g') => x * (200.0 / std::f64::consts::PI),
        _ => x,
    }
}
fn trig(a: &Args, o: &mut String, f: fn(f64) -> f64) {
    match parse_number(a.get(0)) {
        Some(x) => push(o, &fmt_number(f(angle_in(x, a.get(1))))),
        None => push(o, E_NUM),
    }
}
fn atrig(a: &Args, o: &mut String, f: fn(f64) -> f64, bounded: bool) {
    match parse_number(a.get(0)) {
        Some(x) if bounded && !(-1.0..=1.0).contains(&x) => push(o, E_RANGE),
        Some(x) => push(o, &fmt_number(angle_out(f(x), a.get(1)))),
        None => push(o, E_NUM),
    }
}
fn fun_sin(_: &mut Eval, a: &Args, o: &mut String) {
    trig(a, o, f64::sin)
}
fn fun_cos(_: &mut Eval, a: &Args, o: &mut String) {
    trig(a, o, f64::cos)
}
fn fun_tan(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(x) = parse_number(a.get(0)) else {
        return push(o, E_NUM);
    };
    let angle = angle_in(x, a.get(1)).abs();
    use std::f64::consts::{FRAC_PI_2, PI};
    // An odd multiple of pi/2: the tangent is infinite.
    if angle % FRAC_PI_2 == 0.0 && angle % PI != 0.0 {
        return push(o, E_RANGE);
    }
    let t = angle_in(x, a.get(1)).tan();
    if !t.is_finite() {
        return push(o, E_RANGE);
    }
    push(o, &fmt_number(t))
}
fn fun_asin(_: &mut Eval, a: &Args, o: &mut String) {
    atrig(a, o, f64::asin, true)
}
fn fun_acos(_: &mut Eval, a: &Args, o: &mut String) {
    atrig(a, o, f64::acos, true)
}
fn fun_atan(_: &mut Eval, a: &Args, o: &mut String) {
    atrig(a, o, f64::atan, false)
}
fn fun_atan2(_: &mut Eval, a: &Args, o: &mut String) {
    match (parse_number(a.get(0)), parse_number(a.get(1))) {
        (Some(y), Some(x)) => push(o, &fmt_number(angle_out(y.atan2(x), a.get(2)))),
        _ => push(o, E_NUM),
    }
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("ABS", 1, 1, fun_abs),
    FnDef::new("ACOS", 1, 2, fun_acos),
    FnDef::new("ADD", 2, MANY, fun_add),
    FnDef::new("AND", 2, MANY, fun_and),
    FnDef::new("ASIN", 1, 2, fun_asin),
    FnDef::new("ATAN", 1, 2, fun_atan),
    FnDef::new("ATAN2", 2, 3, fun_atan2),
    FnDef::new("AVG", 1, MANY, fun_mean),
    FnDef::new("BAND", 1, MANY, fun_band),
    FnDef::new("BNAND", 2, 2, fun_bnand),
    FnDef::new("BNOT", 1, 1, fun_bnot),
    FnDef::new("BOR", 1, MANY, fun_bor),
    FnDef::new("BOUND", 2, 3, fun_bound),
    FnDef::new("BXOR", 1, MANY, fun_bxor),
    FnDef::new("CAND", 2, MANY, fun_cand).noparse(),
    FnDef::new("CEIL", 1, 1, fun_ceil),
    FnDef::new("COR", 2, MANY, fun_cor).noparse(),
    FnDef::new("COS", 1, 2, fun_cos),
    FnDef::new("DEC", 1, 1, fun_dec),
    FnDef::new("DIV", 2, MANY, fun_div),
    FnDef::new("E", 0, 1, fun_exp),
    FnDef::new("EQ", 2, MANY, fun_eq),
    FnDef::new("EXP", 0, 1, fun_exp),
    FnDef::new("FDIV", 2, MANY, fun_fdiv),
    FnDef::new("FLOOR", 1, 1, fun_floor),
    FnDef::new("FLOORDIV", 2, MANY, fun_floordiv),
    FnDef::new("FMOD", 2, 2, fun_fmod),
    FnDef::new("GT", 2, MANY, fun_gt),
    FnDef::new("GTE", 2, MANY, fun_gte),
    FnDef::new("INC", 1, 1, fun_inc),
    FnDef::new("ISDBREF", 1, 1, fun_isdbref),
    FnDef::new("ISINT", 1, 1, fun_isint),
    FnDef::new("ISNUM", 1, 1, fun_isnum),
    FnDef::new("LN", 1, 1, fun_ln),
    FnDef::new("LOG", 1, 2, fun_log),
    FnDef::new("LT", 2, MANY, fun_lt),
    FnDef::new("LTE", 2, MANY, fun_lte),
    FnDef::new("MAX", 0, MANY, fun_max),
    FnDef::new("MEAN", 1, MANY, fun_mean),
    FnDef::new("MIN", 0, MANY, fun_min),
    FnDef::new("MOD", 2, MANY, fun_modulo),
    FnDef::new("MODULO", 2, MANY, fun_modulo),
    FnDef::new("MODULUS", 2, MANY, fun_modulo),
    FnDef::new("MUL", 2, MANY, fun_mul),
    FnDef::new("NAND", 1, MANY, fun_nand),
    FnDef::new("NEQ", 2, MANY, fun_neq),
    FnDef::new("NOR", 1, MANY, fun_nor),
    FnDef::new("NOT", 1, 1, fun_not),
    FnDef::new("OR", 2, MANY, fun_or),
    FnDef::new("PI", 0, 0, fun_pi),
    FnDef::new("POWER", 2, 2, fun_power),
    FnDef::new("REMAINDER", 2, MANY, fun_remainder),
    FnDef::new("ROUND", 2, 3, fun_round),
    FnDef::new("SHL", 2, 2, fun_shl),
    FnDef::new("SHR", 2, 2, fun_shr),
    FnDef::new("SIGN", 1, 1, fun_sign),
    FnDef::new("SIN", 1, 2, fun_sin),
    FnDef::new("SQRT", 1, 1, fun_sqrt),
    FnDef::new("SUB", 2, MANY, fun_sub),
    FnDef::new("TAN", 1, 2, fun_tan),
    FnDef::new("TRUNC", 1, 1, fun_trunc),
    FnDef::new("VAL", 1, 1, fun_trunc),
    FnDef::new("XOR", 2, MANY, fun_xor),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_format() {
        assert_eq!(fmt_number(3.0), "3");
        assert_eq!(fmt_number(-0.0), "-0");
        assert_eq!(fmt_number(0.1 + 0.2), "0.3");
        assert_eq!(fmt_number(f64::INFINITY), "inf");
        assert_eq!(fmt_number(1.0 / 3.0), "0.333333");
    }

    #[test]
    fn number_parse() {
        assert_eq!(parse_number(" 12.05"), Some(12.05));
        assert_eq!(parse_number("0x10"), Some(16.0));
        assert_eq!(parse_number("12foo"), None);
        assert_eq!(parse_number("--5"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number(".5"), Some(0.5));
    }
}
