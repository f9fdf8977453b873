//! Elapsed-time functions: etime, etimefmt, timestring, stringsecs.

use crate::eval::{push, push_char, Args, Eval, MAX_OUTPUT};
use crate::functions::ansi::strip_markup;
use crate::functions::math::{E_INT, E_RANGE, E_UINT, E_UINTS};
use crate::functions::time::int32_arg;
use crate::functions::FnDef;

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("ETIME", 1, 2, fun_etime),
    FnDef::new("ETIMEFMT", 2, 2, fun_etimefmt),
    FnDef::new("TIMESTRING", 1, 2, fun_timestring),
    FnDef::new("STRINGSECS", 1, 1, fun_stringsecs),
];

const PERIODS: [(u8, i64); 6] = [
    (b's', 1),
    (b'm', 60),
    (b'h', 3600),
    (b'd', 86_400),
    (b'w', 604_800),
    (b'y', 31_536_000),
];

/// PennMUSH's squish_time: drop zero entries, then trailing entries until it fits.
fn squish(full: &str, len: usize) -> String {
    let mut b: Vec<u8> = full.trim_start_matches(' ').as_bytes().to_vec();
    // Leading zero entries.
    while b.first() == Some(&b'0') {
        let Some(sp) = b.iter().position(|&c| c == b' ') else {
            break;
        };
        let mut k = sp;
        while b.get(k) == Some(&b' ') {
            k += 1;
        }
        b.drain(..k);
    }
    // Intermediate zero entries.
    let mut from = 0;
    while let Some(rel) = b
        .get(from..)
        .and_then(|s| s.iter().position(|&c| c == b' '))
    {
        let saved = from + rel;
        let mut c = saved;
        while b.get(c) == Some(&b' ') {
            c += 1;
        }
        if b.get(c) == Some(&b'0') {
            match b.get(c..).and_then(|s| s.iter().position(|&x| x == b' ')) {
                Some(n) => {
                    b.drain(saved..c + n);
                    from = saved;
                }
                None => {
                    b.truncate(saved);
                    break;
                }
            }
        } else {
            from = c;
        }
    }
    // Too long: drop trailing entries.
    while b.len() > len {
        let Some(mut c) = b.iter().rposition(|&x| x == b' ') else {
            break;
        };
        while c > 0 && b.get(c) == Some(&b' ') {
            b.truncate(c);
            c -= 1;
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn fun_etime(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(mut secs) = int32_arg(a.get(0)) else {
        return push(o, E_INT);
    };
    if secs < 0 {
        return push(o, E_RANGE);
    }
    let len = if a.len() == 2 {
        let Some(l) = int32_arg(a.get(1)) else {
            return push(o, E_INT);
        };
        match usize::try_from(l) {
            Ok(l) if l < MAX_OUTPUT + 1 => l,
            _ => return push(o, E_RANGE),
        }
    } else {
        MAX_OUTPUT
    };
    let mut v = [0i64; 6];
    for (i, (_, n)) in PERIODS.iter().enumerate().rev() {
        if let Some(slot) = v.get_mut(i) {
            *slot = secs / n;
        }
        secs %= n;
    }
    let full = format!(
        "{:2}y {:2}w {:2}d {:2}h {:2}m {:2}s",
        v[5], v[4], v[3], v[2], v[1], v[0]
    );
    push(o, &squish(&full, len))
}

/// Strict non-negative integer as C's `unsigned int` (is_uinteger).
fn uint32_arg(s: &str) -> Option<u64> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<u32>().ok().map(u64::from)
}

fn fun_timestring(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(secs) = uint32_arg(&strip_markup(a.get(0))) else {
        return push(o, E_UINTS);
    };
    let pad = if a.len() == 2 {
        match uint32_arg(&strip_markup(a.get(1))) {
            Some(p) => p,
            None => return push(o, E_UINTS),
        }
    } else {
        0
    };
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    let r = if pad > 0 || d > 0 {
        if pad == 2 {
            format!("{d:02}d {h:02}h {m:02}m {s:02}s")
        } else {
            format!("{d}d {h:2}h {m:2}m {s:2}s")
        }
    } else if h > 0 {
        format!("{h:2}h {m:2}m {s:2}s")
    } else if m > 0 {
        format!("{m:2}m {s:2}s")
    } else {
        format!("{s:2}s")
    };
    push(o, &r)
}

/// C strtol at `i`: (value, end index); end == i when no digits were read.
fn strtol(b: &[u8], i: usize) -> (i64, usize) {
    let mut j = i;
    while b.get(j).is_some_and(u8::is_ascii_whitespace) {
        j += 1;
    }
    let neg = match b.get(j) {
        Some(b'-') => {
            j += 1;
            true
        }
        Some(b'+') => {
            j += 1;
            false
        }
        _ => false,
    };
    let start = j;
    let mut v: i64 = 0;
    while let Some(d) = b.get(j).filter(|c| c.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add(i64::from(d - b'0'));
        j += 1;
    }
    if j == start {
        return (0, i);
    }
    (if neg { -v } else { v }, j)
}

/// PennMUSH's etime_to_secs (`5m 1s`, `1d2h`, a bare number is seconds).
pub(crate) fn etime_to_secs(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    let mut total: i32 = 0;
    if b.is_empty() {
        return None;
    }
    let mut p = 0;
    while p < b.len() {
        while b.get(p).is_some_and(u8::is_ascii_whitespace) {
            p += 1;
        }
        if p >= b.len() {
            return None;
        }
        let (num, end) = strtol(b, p);
        if end == p {
            return None;
        }
        let num = num as i32;
        match b.get(end) {
            None => return Some(total.wrapping_add(num)),
            Some(c) if c.is_ascii_whitespace() => {
                total = total.wrapping_add(num);
                p = end;
            }
            Some(c) => {
                let c = c.to_ascii_lowercase();
                let (_, n) = PERIODS.iter().find(|(k, _)| *k == c)?;
                total = total.wrapping_add(num.wrapping_mul(*n as i32));
                p = end;
            }
        }
        p += 1;
    }
    Some(total)
}

fn fun_stringsecs(_: &mut Eval, a: &Args, o: &mut String) {
    match etime_to_secs(&strip_markup(a.get(0))) {
        Some(v) => push(o, &v.to_string()),
        None => push(o, "#-1 INVALID TIMESTRING"),
    }
}

fn is_code(c: u8) -> bool {
    b"dDhHmMsS$wWyY".contains(&c)
}

fn fun_etimefmt(_: &mut Eval, a: &Args, o: &mut String) {
    let t = a.get(1).trim();
    let Some(osecs) = (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.parse::<u64>().ok())
        .flatten()
    else {
        return push(o, E_UINT);
    };
    let fmt = a.get(0).as_bytes();
    if fmt.is_empty() {
        return;
    }
    const YEAR: u64 = 31_536_000;
    let mut secs = osecs;
    let mut days = secs / 86_400;
    let years = secs / YEAR;
    secs %= YEAR;
    let weeks = secs / 604_800;
    secs %= 604_800;
    let rdays = secs / 86_400;
    secs %= 86_400;
    let hours = secs / 3600;
    secs %= 3600;
    let mins = secs / 60;
    secs %= 60;
    // Days are "remaining days" if any week or year code is used.
    let mut c = 0;
    'scan: while c < fmt.len() {
        let ch = fmt.get(c).copied().unwrap_or(0);
        c += 1;
        if ch == b'$' {
            while let Some(&k) = fmt.get(c) {
                if b"wWyY".contains(&k) {
                    days = rdays;
                    break 'scan;
                }
                if is_code(k) {
                    break;
                }
                c += 1;
            }
        }
    }
    let mut r = String::new();
    let mut c = 0;
    while c < fmt.len() && r.len() <= MAX_OUTPUT {
        let ch = fmt.get(c).copied().unwrap_or(0);
        if ch != b'$' {
            // Copy one (possibly multi-byte) character.
            let end = (c + 1..=fmt.len())
                .find(|&e| a.get(0).is_char_boundary(e))
                .unwrap_or(fmt.len());
            r.push_str(a.get(0).get(c..end).unwrap_or(""));
            c = end;
            continue;
        }
        c += 1;
        let (w, wend) = strtol(fmt, c);
        let pad = wend != c;
        let width = usize::try_from(w.clamp(0, MAX_OUTPUT as i64)).unwrap_or(0);
        let mut p = wend;
        let (mut total, mut suffix, mut even0) = (false, false, true);
        loop {
            let Some(&k) = fmt.get(p) else {
                r.push('$');
                r.push_str(a.get(0).get(c..p).unwrap_or(""));
                c = p;
                break;
            };
            let val = match k {
                b't' => {
                    total = true;
                    p += 1;
                    continue;
                }
                b'x' | b'X' => {
                    suffix = true;
                    p += 1;
                    continue;
                }
                b'z' | b'Z' => {
                    even0 = false;
                    p += 1;
                    continue;
                }
                b'$' => None,
                b's' | b'S' => Some(if total { osecs } else { secs }),
                b'm' | b'M' => Some(if total { osecs / 60 } else { mins }),
                b'h' | b'H' => Some(if total { osecs / 3600 } else { hours }),
                b'd' | b'D' => Some(if total { osecs / 86_400 } else { days }),
                b'w' | b'W' => Some(if total { osecs / 604_800 } else { weeks }),
                b'y' | b'Y' => Some(years),
                _ => {
                    r.push('$');
                    let end = (p + 1..=fmt.len())
                        .find(|&e| a.get(0).is_char_boundary(e))
                        .unwrap_or(fmt.len());
                    r.push_str(a.get(0).get(c..end).unwrap_or(""));
                    c = end;
                    break;
                }
            };
            match val {
                None => {
                    if pad {
                        r.push_str(&format!("{:>width$}", '$'));
                    } else {
                        r.push('$');
                    }
                }
                Some(v) if v > 0 || even0 => {
                    if !pad {
                        r.push_str(&v.to_string());
                    } else if k.is_ascii_uppercase() {
                        r.push_str(&format!("{v:0width$}"));
                    } else {
                        r.push_str(&format!("{v:width$}"));
                    }
                    if suffix {
                        r.push(char::from(k.to_ascii_lowercase()));
                    }
                }
                Some(_) => {
                    if pad {
                        let n = width + usize::from(suffix);
                        r.extend(std::iter::repeat_n(' ', n));
                    }
                }
            }
            c = p + 1;
            break;
        }
    }
    for ch in r.chars() {
        if o.len() >= MAX_OUTPUT {
            break;
        }
        push_char(o, ch);
    }
}
