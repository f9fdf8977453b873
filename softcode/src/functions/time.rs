//! Clock and calendar functions: secs, time, utctime, starttime, timefmt, convsecs,
//! convutcsecs, convtime, convutctime, isdaylight. UTC arithmetic is hand-rolled
//! (days-from-civil); named time zones come from jiff's bundled tz database.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::eval::{push, Args, Eval, MAX_OUTPUT};
use crate::functions::ansi::strip_markup;
use crate::functions::math::{parse_number, E_INT};
use crate::functions::FnDef;

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("SECS", 0, 0, fun_secs),
    FnDef::new("TIME", 0, 1, fun_time),
    FnDef::new("UTCTIME", 0, 0, fun_utctime),
    FnDef::new("STARTTIME", 0, 0, fun_starttime),
    FnDef::new("RESTARTTIME", 0, 0, fun_starttime),
    FnDef::new("TIMEFMT", 1, 3, fun_timefmt),
    FnDef::new("CONVSECS", 1, 2, fun_convsecs),
    FnDef::new("CONVUTCSECS", 1, 1, fun_convutcsecs),
    FnDef::new("CONVTIME", 1, 2, fun_convtime),
    FnDef::new("CONVUTCTIME", 1, 1, fun_convutctime),
    FnDef::new("ISDAYLIGHT", 0, 2, fun_isdaylight),
];

const E_TZ: &str = "#-1 INVALID TIME ZONE";
pub(crate) const WDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const WDAYS_FULL: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_FULL: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..=12; any day).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month 1..=12, day 1..=31) of a day number since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// A broken-down time (C's `struct tm`, with a 1-based month).
pub(crate) struct Tm {
    pub year: i64,
    pub mon: i64,
    pub mday: i64,
    pub hour: i64,
    pub min: i64,
    pub sec: i64,
    pub wday: i64,
    pub yday: i64,
    pub zone: String,
}

impl Tm {
    /// Broken-down form of `t + offset` seconds, labelled with `zone`.
    pub(crate) fn at(t: i64, offset: i64, zone: &str) -> Tm {
        let local = t.saturating_add(offset);
        let days = local.div_euclid(86_400);
        let sod = local.rem_euclid(86_400);
        let (year, mon, mday) = civil_from_days(days);
        Tm {
            year,
            mon,
            mday,
            hour: sod / 3600,
            min: sod % 3600 / 60,
            sec: sod % 60,
            wday: (days + 4).rem_euclid(7),
            yday: days - days_from_civil(year, 1, 1),
            zone: zone.to_string(),
        }
    }
    fn wday_name(&self) -> &'static str {
        WDAYS.get(self.wday as usize).copied().unwrap_or("???")
    }
    fn mon_name(&self) -> &'static str {
        MONTHS
            .get((self.mon - 1) as usize)
            .copied()
            .unwrap_or("???")
    }
    /// `Thu Jan 01 00:00:00 1970` (PennMUSH's show_tm).
    pub(crate) fn show(&self) -> String {
        format!(
            "{} {} {:02} {:02}:{:02}:{:02} {}",
            self.wday_name(),
            self.mon_name(),
            self.mday,
            self.hour,
            self.min,
            self.sec,
            self.year
        )
    }
}

/// A parsed time-zone argument.
pub(crate) enum Zone {
    Utc,
    Fixed(i64),
    Named(jiff::tz::TimeZone),
}

impl Zone {
    /// PennMUSH's parse_timezone_arg, without the object-attribute form.
    pub(crate) fn parse(arg: &str) -> Option<Zone> {
        let arg = arg.trim();
        if arg.eq_ignore_ascii_case("utc") {
            return Some(Zone::Utc);
        }
        let valid_name = !arg.is_empty()
            && arg.len() < 64
            && !arg.starts_with('/')
            && !arg.contains("..")
            && arg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_-+".contains(&b));
        if valid_name
            && !arg
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+')
        {
            if let Ok(tz) = jiff::tz::TimeZone::get(arg) {
                return Some(Zone::Named(tz));
            }
        }
        if let Some(h) = crate::functions::math::parse_int(arg) {
            if (-14..=12).contains(&h) {
                let name = format!("Etc/GMT{:+}", -h);
                if let Ok(tz) = jiff::tz::TimeZone::get(&name) {
                    return Some(Zone::Named(tz));
                }
            }
        }
        let n = parse_number(arg)?;
        if n.abs() >= 24.0 {
            return None;
        }
        Some(Zone::Fixed((n * 3600.0).floor() as i64))
    }

    /// (offset seconds, abbreviation, is DST) at `t`.
    pub(crate) fn info(&self, t: i64) -> (i64, String, bool) {
        match self {
            Zone::Utc => (0, "GMT".into(), false),
            Zone::Fixed(o) => (*o, "GMT".into(), false),
            Zone::Named(tz) => match jiff::Timestamp::from_second(t) {
                Ok(ts) => {
                    let i = tz.to_offset_info(ts);
                    (
                        i64::from(i.offset().seconds()),
                        i.abbreviation().to_string(),
                        i.dst().is_dst(),
                    )
                }
                Err(_) => (0, "UTC".into(), false),
            },
        }
    }

    /// Seconds since the epoch of a local civil time in this zone.
    pub(crate) fn to_utc(&self, y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> i64 {
        let naive = days_from_civil(y, mo, 1)
            .saturating_add(d - 1)
            .saturating_mul(86_400)
            .saturating_add(h * 3600 + mi * 60 + s);
        match self {
            Zone::Utc => naive,
            Zone::Fixed(o) => naive - o,
            Zone::Named(_) => {
                // Two passes settle on the offset in force at the result (DST gaps
                // resolve forward, as mktime does).
                let (o1, _, _) = self.info(naive);
                let (o2, _, _) = self.info(naive - o1);
                naive - o2
            }
        }
    }
}

/// Now, in seconds since the epoch.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

/// A C `int`-ranged integer argument (PennMUSH's is_integer + parse_integer).
pub(crate) fn int32_arg(s: &str) -> Option<i64> {
    let v = crate::functions::math::parse_int(s)?;
    i32::try_from(v).ok().map(i64::from)
}

fn fun_secs(_: &mut Eval, _: &Args, o: &mut String) {
    push(o, &now().to_string())
}

fn time_common(a: &Args, o: &mut String) {
    let t = now();
    if a.len() == 1 {
        let Some(z) = Zone::parse(&strip_markup(a.get(0))) else {
            return push(o, E_TZ);
        };
        let (off, _, _) = z.info(t);
        return push(o, &Tm::at(t, off, "GMT").show());
    }
    push(o, &Tm::at(t, 0, "GMT").show())
}
fn fun_time(_: &mut Eval, a: &Args, o: &mut String) {
    time_common(a, o)
}
fn fun_utctime(_: &mut Eval, a: &Args, o: &mut String) {
    time_common(a, o)
}

/// When this process first asked: the server's start as softcode sees it.
fn fun_starttime(_: &mut Eval, _: &Args, o: &mut String) {
    static START: OnceLock<i64> = OnceLock::new();
    let t = *START.get_or_init(now);
    push(o, &Tm::at(t, 0, "GMT").show())
}

fn fun_convsecs(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(t) = int32_arg(&strip_markup(a.get(0))) else {
        return push(o, E_INT);
    };
    let mut off = 0;
    if a.len() == 2 {
        let Some(z) = Zone::parse(&strip_markup(a.get(1))) else {
            return push(o, E_TZ);
        };
        off = z.info(t).0;
    }
    push(o, &Tm::at(t, off, "GMT").show())
}
fn fun_convutcsecs(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(t) = int32_arg(&strip_markup(a.get(0))) else {
        return push(o, E_INT);
    };
    push(o, &Tm::at(t, 0, "GMT").show())
}

fn month_index(s: &str) -> Option<i64> {
    MONTHS.iter().position(|m| *m == s).map(|i| i as i64 + 1)
}

/// PennMUSH's convtime parsing: `Ddd Mmm DD HH:MM:SS YYYY`, the weekday optional.
/// Returns (year, month 1..=12, day, hour, min, sec); fields are not range-checked
/// (mktime normalises them).
fn parse_ctime(s: &str) -> Option<(i64, i64, i64, i64, i64, i64)> {
    let words: Vec<&str> = s.split_ascii_whitespace().collect();
    let rest = match words.as_slice() {
        [w, rest @ ..] if rest.len() == 4 && WDAYS.contains(w) => rest,
        rest if rest.len() == 4 => rest,
        _ => return None,
    };
    let [mon, day, hms, year] = rest else {
        return None;
    };
    let mon = month_index(mon)?;
    let num = |x: &str| -> Option<i64> {
        if x.is_empty() || x.len() > 9 || !x.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        x.parse().ok()
    };
    let day = num(day)?;
    let mut parts = hms.split(':');
    let (h, m, sec) = (
        num(parts.next()?)?,
        num(parts.next()?)?,
        num(parts.next()?)?,
    );
    if parts.next().is_some() {
        return None;
    }
    let year = num(year)?;
    Some((year, mon, day, h, m, sec))
}

fn convtime_with(a: &Args, o: &mut String, zone: Zone) {
    match parse_ctime(&strip_markup(a.get(0))) {
        Some((y, mo, d, h, mi, s)) => push(o, &zone.to_utc(y, mo, d, h, mi, s).to_string()),
        None => push(o, "#-1"),
    }
}
fn fun_convtime(_: &mut Eval, a: &Args, o: &mut String) {
    let zone = if a.len() == 2 {
        match Zone::parse(&strip_markup(a.get(1))) {
            Some(z) => z,
            None => return push(o, E_TZ),
        }
    } else {
        Zone::Utc
    };
    convtime_with(a, o, zone)
}
fn fun_convutctime(_: &mut Eval, a: &Args, o: &mut String) {
    convtime_with(a, o, Zone::Utc)
}

fn fun_isdaylight(_: &mut Eval, a: &Args, o: &mut String) {
    let mut t = now();
    if !a.get(0).is_empty() {
        let Some(v) = int32_arg(a.get(0)) else {
            return push(o, E_INT);
        };
        t = v;
    }
    let zone = if a.len() == 2 {
        match Zone::parse(a.get(1)) {
            Some(z) => z,
            None => return push(o, E_TZ),
        }
    } else {
        Zone::Utc
    };
    push(o, if zone.info(t).2 { "1" } else { "0" })
}

const TIMEFMT_CODES: &[u8] = b"ABHIMSUWXYZabcdjmpwxy";

fn fun_timefmt(_: &mut Eval, a: &Args, o: &mut String) {
    let fmt = a.get(0);
    if fmt.is_empty() {
        return;
    }
    let t = if a.get(1).is_empty() {
        now()
    } else {
        match int32_arg(a.get(1)) {
            Some(v) => v,
            None => return push(o, E_INT),
        }
    };
    // Validate every escape before formatting, as PennMUSH does.
    let mut it = fmt.chars();
    while let Some(c) = it.next() {
        if c == '$' {
            match it.next() {
                Some('$') => {}
                Some(k) if k.is_ascii() && TIMEFMT_CODES.contains(&(k as u8)) => {}
                k => {
                    return push(
                        o,
                        &format!("#-1 INVALID ESCAPE CODE '${}'", k.unwrap_or(' ')),
                    )
                }
            }
        }
    }
    let (off, zone, _) = if a.len() == 3 && !a.get(2).is_empty() {
        match Zone::parse(a.get(2)) {
            Some(z) => z.info(t),
            None => return push(o, E_TZ),
        }
    } else {
        (0, "UTC".to_string(), false)
    };
    let tm = Tm::at(t, off, &zone);
    let mut r = String::new();
    let mut it = fmt.chars();
    while let Some(c) = it.next() {
        if r.len() > MAX_OUTPUT {
            return push(o, "#-1 COULDN'T FORMAT TIME");
        }
        if c != '$' {
            r.push(c);
            continue;
        }
        let Some(k) = it.next() else { break };
        strftime_code(&mut r, k, &tm);
    }
    if r.len() > MAX_OUTPUT {
        return push(o, "#-1 COULDN'T FORMAT TIME");
    }
    push(o, &r)
}

fn strftime_code(r: &mut String, k: char, tm: &Tm) {
    use std::fmt::Write;
    let h12 = if tm.hour % 12 == 0 { 12 } else { tm.hour % 12 };
    let _ = match k {
        '$' => write!(r, "$"),
        'a' => write!(r, "{}", tm.wday_name()),
        'A' => write!(r, "{}", WDAYS_FULL.get(tm.wday as usize).unwrap_or(&"?")),
        'b' => write!(r, "{}", tm.mon_name()),
        'B' => write!(
            r,
            "{}",
            MONTHS_FULL.get((tm.mon - 1) as usize).unwrap_or(&"?")
        ),
        'c' => write!(
            r,
            "{} {} {:2} {:02}:{:02}:{:02} {}",
            tm.wday_name(),
            tm.mon_name(),
            tm.mday,
            tm.hour,
            tm.min,
            tm.sec,
            tm.year
        ),
        'd' => write!(r, "{:02}", tm.mday),
        'H' => write!(r, "{:02}", tm.hour),
        'I' => write!(r, "{h12:02}"),
        'j' => write!(r, "{:03}", tm.yday + 1),
        'm' => write!(r, "{:02}", tm.mon),
        'M' => write!(r, "{:02}", tm.min),
        'p' => write!(r, "{}", if tm.hour < 12 { "AM" } else { "PM" }),
        'S' => write!(r, "{:02}", tm.sec),
        'U' => write!(r, "{:02}", (tm.yday + 7 - tm.wday) / 7),
        'W' => write!(r, "{:02}", (tm.yday + 7 - (tm.wday + 6) % 7) / 7),
        'w' => write!(r, "{}", tm.wday),
        'x' => write!(
            r,
            "{:02}/{:02}/{:02}",
            tm.mon,
            tm.mday,
            tm.year.rem_euclid(100)
        ),
        'X' => write!(r, "{:02}:{:02}:{:02}", tm.hour, tm.min, tm.sec),
        'y' => write!(r, "{:02}", tm.year.rem_euclid(100)),
        'Y' => write!(r, "{}", tm.year),
        'Z' => write!(r, "{}", tm.zone),
        _ => Ok(()),
    };
}
