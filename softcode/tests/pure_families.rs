//! Hostile-input checks for the time, json, vector and misc families: no panics, output
//! within the buffer cap.

use mushd_softcode::{Context, Eval, FreshDb, Mode};

fn ev(expr: &str) -> String {
    let mut db = FreshDb::new();
    let mut e = Eval::new(&mut db, Context::new(1, 1, 1));
    e.eval_str(expr, Mode::Command).unwrap_or_default()
}

#[test]
fn hostile_inputs_stay_bounded() {
    let many_a = "$A".repeat(3000);
    let r = ev(&format!("timefmt({many_a},0,utc)"));
    assert!(r.len() <= 8191, "{}", r.len());
    let r = ev(&format!("etimefmt({},5)", "$8000s".repeat(50)));
    assert!(r.len() <= 8191);
    let deep = format!("{}{}", "\\[".repeat(1500), "\\]".repeat(1500));
    assert_eq!(ev(&format!("isjson({deep})")), "0");
    for e in [
        "secscalc(9999-12-31,+1e12 years)",
        "secscalc(0000-01-01,-100000000000 days)",
        "timecalc(1e300)",
        "secscalc(-1e300,unixepoch)",
        "secscalc(1e300,+1 month)",
        "secscalc(1e14,start of month,+1 years)",
        "timecalc(2000-01-01,weekday 9)",
        "convsecs(-2147483648,America/New_York)",
        "convtime(Jan 99999999 99:99:99 999999999)",
        "etime(2147483647,0)",
        "stringsecs(99999999999999999999y)",
        "json_mod(\\[\\],set,$\\[99999999999999999999\\],1)",
        "json_query(\\{\\},extract,$.\"unterminated)",
        "speak(&x,:a\"b\"c\"d,,#lambda/\\%0,,\",)",
        "vcross(1 2 3,a b c)",
        "timefmt($,0)",
        "etimefmt($,5)",
        "etimefmt($-99999999999999999999s,5)",
    ] {
        let r = ev(e);
        assert!(r.len() <= 8191, "{e}");
    }
    assert_eq!(
        ev("timecalc(2000-01-01,weekday 0)"),
        "Sun Jan 02 00:00:00 2000"
    );
    assert_eq!(
        ev("convtime(Jun 01 12:00:00 2020,America/New_York)"),
        "1591027200"
    );
    assert_eq!(ev("isdaylight(1591027200,America/New_York)"), "1");
    assert_eq!(ev("timefmt($Z,1591027200,America/New_York)"), "EDT");
}
