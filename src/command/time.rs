//! Time formats players know from PennMUSH's WHO, and a UTC date without a date crate.

/// "On For": `MM:SS` style hours and minutes, with days when needed (`2d 03:04`).
pub fn on_for(secs: u64) -> String {
    let days = secs / 86_400;
    let hours = (secs % 86_400) / 3600;
    let minutes = (secs % 3600) / 60;
    if days > 0 {
        format!("{days}d {hours:02}:{minutes:02}")
    } else {
        format!("{hours:02}:{minutes:02}")
    }
}

/// "Idle": the largest unit only (`5s`, `3m`, `2h`, `1d`).
pub fn idle(secs: u64) -> String {
    if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m", secs / 60)
    } else if secs < 86_400 {
        format!("{}h", secs / 3600)
    } else {
        format!("{}d", secs / 86_400)
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC` for Unix seconds.
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(on_for(0), "00:00");
        assert_eq!(on_for(3725), "01:02");
        assert_eq!(on_for(2 * 86_400 + 3 * 3600 + 4 * 60), "2d 03:04");
        assert_eq!(idle(5), "5s");
        assert_eq!(idle(180), "3m");
        assert_eq!(idle(7200), "2h");
        assert_eq!(idle(90_000), "1d");
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_795_996_800), "2026-11-30 00:00:00 UTC");
    }
}
