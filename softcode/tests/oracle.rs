//! Runs PennMUSH's recorded `think` answers (../../shared/oracle/functions.tsv) through
//! our evaluator as God (#1) in Room Zero on a fresh database.
//!
//! A case is *in scope* when every PennMUSH function it calls is registered here. Every
//! in-scope case must pass unless listed in `oracle_known_failures.txt` (one
//! `family<TAB>expression` per line, escaped as in the TSV), which may only shrink:
//! listed cases that now pass are reported so the list can be trimmed. Cases where we
//! differ on purpose are in `DELIBERATE` below, with the reason.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use mushd_softcode::oracle::{called_names, unescape};
use mushd_softcode::{functions, markup, Context, Eval, FreshDb, Mode};

/// Cases where we deliberately differ from the recording (see the oracle README).
const DELIBERATE: &[(&str, &str)] = &[
    // 32-bit integer wrap-around is a defect of that build; we do not overflow.
    ("inc(2147483647)", "integer wrap-around"),
    ("bnot(2147483647)", "integer wrap-around"),
    ("shl(1,63)", "prints '-' in PennMUSH: overflow defect"),
    ("shl(1,64)", "shift wrap-around defect"),
    ("shr(1,64)", "shift wrap-around defect"),
];

/// Why a case is not checked at all (yet): functions we have not implemented appear in
/// no list here; any case calling an unregistered PennMUSH function is out of scope.
/// These are things *in* registered functions we do not model yet.
/// (Output text that marks such a case, reason.)
const NOT_YET: &[(&str, &str)] = &[];

/// Evaluate as `think <expr>` would: notices to #1 first, then the result, as a player
/// without the ANSI and COLOR flags receives them (markup stripped).
pub fn think(expr: &str) -> String {
    let mut db = FreshDb::new();
    let mut ctx = Context::new(1, 1, 1);
    ctx.cmd_raw = format!("think {expr}");
    let result = {
        let mut ev = Eval::new(&mut db, ctx);
        ev.eval_str(expr, Mode::Command)
    };
    let mut lines: Vec<String> = db
        .take_notifications()
        .into_iter()
        .filter(|(who, _)| *who == 1)
        .map(|(_, t)| markup::for_client(&t, None).into_owned())
        .collect();
    match result {
        Ok(r) => {
            if !r.is_empty() || lines.is_empty() {
                lines.push(markup::for_client(&r, None).into_owned());
            }
        }
        Err(_) => lines = vec!["Huh?  (Type \"help\" for help.)".to_string()],
    }
    lines.join("\n")
}

#[test]
fn oracle() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tsv = std::fs::read_to_string(dir.join("../../shared/oracle/functions.tsv"))
        .expect("oracle functions.tsv");
    let known =
        std::fs::read_to_string(dir.join("tests/oracle_known_failures.txt")).unwrap_or_default();
    let known: HashSet<&str> = known
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let ours: HashSet<&str> = functions::names().collect();
    // PennMUSH function names: the `function` column of every family but the evaluator's.
    let penn: HashSet<String> = tsv
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with("evaluator\t"))
        .filter_map(|l| l.split('\t').nth(1))
        .map(|s| s.to_ascii_uppercase())
        .collect();

    let mut summary: BTreeMap<&str, [usize; 4]> = BTreeMap::new(); // pass, fail, known, skip
    let mut new_failures = Vec::new();
    let mut now_passing = Vec::new();
    for line in tsv.lines().skip(1) {
        let mut f = line.splitn(4, '\t');
        let (Some(family), Some(_func), Some(expr_esc), Some(out_esc)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        let expr = unescape(expr_esc);
        let want = unescape(out_esc);
        let entry = summary.entry(family).or_default();
        let in_scope = called_names(&expr)
            .iter()
            .all(|n| !penn.contains(n) || ours.contains(n.as_str()))
            && !DELIBERATE.iter().any(|(e, _)| *e == expr)
            && !NOT_YET.iter().any(|(w, _)| want.contains(w));
        if !in_scope {
            entry[3] += 1;
            continue;
        }
        let got = think(&expr);
        let key = format!("{family}\t{expr_esc}");
        let listed = known.contains(key.as_str());
        if got == want {
            entry[0] += 1;
            if listed {
                now_passing.push(key);
            }
        } else if listed {
            entry[2] += 1;
        } else {
            entry[1] += 1;
            new_failures.push(format!("{key}\n    want: {want:?}\n    got:  {got:?}"));
        }
    }
    println!(
        "{:<12} {:>6} {:>6} {:>6} {:>6}",
        "family", "pass", "FAIL", "known", "skip"
    );
    for (fam, [p, f, k, s]) in &summary {
        println!("{fam:<12} {p:>6} {f:>6} {k:>6} {s:>6}");
    }
    for k in &now_passing {
        println!("now passing (remove from known failures): {k}");
    }
    if !new_failures.is_empty() {
        for f in &new_failures {
            println!("FAIL {f}");
        }
        panic!("{} oracle cases failed", new_failures.len());
    }
}
