//! timecalc() and secscalc(): SQLite-style date arithmetic (a time value, then
//! modifiers such as `+1 day`, `start of month`, `unixepoch`), in UTC.

use crate::eval::{push, Args, Eval};
use crate::functions::ansi::strip_markup;
use crate::functions::time::{civil_from_days, days_from_civil, now, MONTHS, WDAYS};
use crate::functions::{FnDef, MANY};

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("TIMECALC", 1, MANY, fun_timecalc),
    FnDef::new("SECSCALC", 1, MANY, fun_secscalc),
];

const E_DATE: &str = "#-1 DATE ERROR";
const MS_DAY: i64 = 86_400_000;
/// Milliseconds since the epoch of 0000-01-01 and of 10000-01-01 (SQLite's range).
const MIN_MS: i64 = -62_167_219_200_000;
const MAX_MS: i64 = 253_402_300_800_000;

/// A moment being calculated: milliseconds since the epoch, plus the raw number the
/// time value was (for `unixepoch`).
struct When {
    ms: i64,
    raw: Option<f64>,
}

fn digits(b: &[u8], i: usize, n: usize) -> Option<i64> {
    let s = b.get(i..i + n)?;
    if !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |v, &c| v * 10 + i64::from(c - b'0')))
}

/// `HH:MM[:SS[.fff]]` at `b[i..]`: (milliseconds of day, end).
fn parse_hms(b: &[u8], i: usize) -> Option<(i64, usize)> {
    let h = digits(b, i, 2)?;
    if b.get(i + 2) != Some(&b':') {
        return None;
    }
    let m = digits(b, i + 3, 2)?;
    let mut end = i + 5;
    let mut ms = 0;
    if b.get(end) == Some(&b':') {
        ms = digits(b, end + 1, 2)? * 1000;
        end += 3;
        if b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
            end += 1;
            let mut scale = 100;
            while let Some(d) = b.get(end).filter(|c| c.is_ascii_digit()) {
                ms += i64::from(d - b'0') * scale;
                scale /= 10;
                end += 1;
            }
        }
    }
    if h > 24 || m > 59 || ms >= 60_000 {
        return None;
    }
    Some(((h * 3600 + m * 60) * 1000 + ms, end))
}

/// Optional time-zone suffix: `Z` or `[+-]HH:MM`; returns the offset in ms.
fn parse_tz(b: &[u8], mut i: usize) -> Option<i64> {
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    match b.get(i) {
        None => Some(0),
        Some(b'Z') | Some(b'z') if i + 1 == b.len() => Some(0),
        Some(&s @ (b'+' | b'-')) => {
            let h = digits(b, i + 1, 2)?;
            let m = if b.get(i + 3) == Some(&b':') {
                digits(b, i + 4, 2)?
            } else {
                digits(b, i + 3, 2)?
            };
            let end = if b.get(i + 3) == Some(&b':') {
                i + 6
            } else {
                i + 5
            };
            if end != b.len() || m > 59 || h > 14 {
                return None;
            }
            let off = (h * 60 + m) * 60_000;
            Some(if s == b'-' { -off } else { off })
        }
        _ => None,
    }
}

fn parse_value(s: &str) -> Option<When> {
    let t = s.trim();
    let b = t.as_bytes();
    if t.eq_ignore_ascii_case("now") {
        return Some(When {
            ms: now().saturating_mul(1000),
            raw: None,
        });
    }
    // YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][tz]
    if b.get(4) == Some(&b'-') {
        let y = digits(b, 0, 4)?;
        let mo = digits(b, 5, 2)?;
        if b.get(7) != Some(&b'-') {
            return None;
        }
        let d = digits(b, 8, 2)?;
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
            return None;
        }
        let day_ms = days_from_civil(y, mo, d) * MS_DAY;
        let mut i = 10;
        if matches!(b.get(i), Some(b' ') | Some(b'T')) {
            while b.get(i) == Some(&b' ') {
                i += 1;
            }
            if b.get(i) == Some(&b'T') {
                i += 1;
            }
            if i < b.len() {
                let (tod, end) = parse_hms(b, i)?;
                let off = parse_tz(b, end)?;
                return Some(When {
                    ms: day_ms + tod - off,
                    raw: None,
                });
            }
        }
        let off = parse_tz(b, i)?;
        return Some(When {
            ms: day_ms - off,
            raw: None,
        });
    }
    if b.get(2) == Some(&b':') {
        let (tod, end) = parse_hms(b, 0)?;
        let off = parse_tz(b, end)?;
        return Some(When {
            ms: days_from_civil(2000, 1, 1) * MS_DAY + tod - off,
            raw: None,
        });
    }
    let n = crate::functions::math::parse_number(t)?;
    if !n.is_finite() {
        return None;
    }
    // A Julian day number.
    let ms = ((n - 2_440_587.5) * MS_DAY as f64).round();
    Some(When {
        ms: if ms.abs() < 1e17 { ms as i64 } else { i64::MAX },
        raw: Some(n),
    })
}

fn split_ms(ms: i64) -> (i64, i64, i64, i64) {
    let days = ms.div_euclid(MS_DAY);
    let (y, m, d) = civil_from_days(days);
    (y, m, d, ms.rem_euclid(MS_DAY))
}

fn apply(w: &mut When, first: bool, m: &str) -> Option<()> {
    let m = m.trim().to_ascii_lowercase();
    let raw = w.raw.take();
    let reinterprets = first && (m == "unixepoch" || m == "julianday");
    if !reinterprets && !(MIN_MS..MAX_MS).contains(&w.ms) {
        return None;
    }
    match m.as_str() {
        "unixepoch" if first => {
            let n = raw?;
            let ms = (n * 1000.0).round();
            if ms.abs() > 1e17 {
                return None;
            }
            w.ms = ms as i64;
            return Some(());
        }
        "utc" | "localtime" | "auto" | "subsec" | "subsecond" => return Some(()),
        "julianday" if first => return raw.map(|_| ()),
        "start of day" => {
            w.ms = w.ms.div_euclid(MS_DAY) * MS_DAY;
            return Some(());
        }
        "start of month" | "start of year" => {
            let (y, mo, _, _) = split_ms(w.ms);
            let mo = if m.ends_with("year") { 1 } else { mo };
            w.ms = days_from_civil(y, mo, 1) * MS_DAY;
            return Some(());
        }
        _ => {}
    }
    if let Some(n) = m.strip_prefix("weekday ") {
        let n: i64 = n.trim().parse().ok().filter(|n| (0..7).contains(n))?;
        let days = w.ms.div_euclid(MS_DAY);
        let wd = (days + 4).rem_euclid(7);
        w.ms += (n - wd).rem_euclid(7) * MS_DAY;
        return Some(());
    }
    // [+-]N unit
    let (num, unit) = m.split_once(' ')?;
    let n = crate::functions::math::parse_number(num)?;
    if !n.is_finite() || n.abs() > 1e12 {
        return None;
    }
    let unit = unit.trim();
    let unit = unit.strip_suffix('s').unwrap_or(unit);
    let per = match unit {
        "second" => 1000.0,
        "minute" => 60_000.0,
        "hour" => 3_600_000.0,
        "day" => MS_DAY as f64,
        "month" | "year" => {
            let months = if unit == "year" { n * 12.0 } else { n };
            if months.abs() > 1e6 {
                return None;
            }
            let whole = months.trunc() as i64;
            let (y, mo, d, tod) = split_ms(w.ms);
            let total = y * 12 + (mo - 1) + whole;
            let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
            w.ms = (days_from_civil(ny, nm, 1) + d - 1) * MS_DAY + tod;
            let frac = months - months.trunc();
            w.ms += (frac * 30.0 * MS_DAY as f64).round() as i64;
            return Some(());
        }
        _ => return None,
    };
    w.ms = w.ms.checked_add((n * per).round() as i64)?;
    Some(())
}

fn calc(a: &Args) -> Option<i64> {
    let mut w = parse_value(&strip_markup(a.get(0)))?;
    for (i, m) in a.all().iter().enumerate().skip(1) {
        apply(&mut w, i == 1, &strip_markup(m))?;
    }
    (MIN_MS..MAX_MS).contains(&w.ms).then_some(w.ms)
}

fn fun_secscalc(_: &mut Eval, a: &Args, o: &mut String) {
    match calc(a) {
        Some(ms) => push(o, &ms.div_euclid(1000).to_string()),
        None => push(o, E_DATE),
    }
}

fn fun_timecalc(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(ms) = calc(a) else {
        return push(o, E_DATE);
    };
    let (y, mo, d, tod) = split_ms(ms);
    let s = tod / 1000;
    let wd = (ms.div_euclid(MS_DAY) + 4).rem_euclid(7);
    push(
        o,
        &format!(
            "{} {} {:02} {:02}:{:02}:{:02} {:04}",
            WDAYS.get(wd as usize).unwrap_or(&"???"),
            MONTHS.get((mo - 1) as usize).unwrap_or(&"???"),
            d,
            s / 3600,
            s % 3600 / 60,
            s % 60,
            y
        ),
    )
}
