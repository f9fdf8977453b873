//! Odds and ends that need no world: isregexp, isword, isobjid, fn, functions, list,
//! version/numversion, benchmark, checkpass, suggest, the help-text functions, and the
//! functions the reference build has disabled (SQL, URL/form decoding, sha0).

use crate::eval::{push, Args, Eval, MAX_OUTPUT};
use crate::functions::math::{parse_int, parse_number, E_INT, E_UINT};
use crate::functions::{lookup, names, FnDef, Perm, MANY};
use crate::host::ObjType;
use crate::parse::Mode;

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("BENCHMARK", 2, 3, fun_benchmark).noparse(),
    FnDef::new("CHECKPASS", 2, 2, fun_checkpass).perm(Perm::Wizard),
    FnDef::new("FN", 1, MANY, fun_fn).noparse(),
    FnDef::new("FORMDECODE", 1, 3, fun_disabled),
    FnDef::new("FUNCTIONS", 0, 1, fun_functions),
    FnDef::new("ISOBJID", 1, 1, fun_isobjid),
    FnDef::new("ISREGEXP", 1, 1, fun_isregexp),
    FnDef::new("ISWORD", 1, 1, fun_isword),
    FnDef::new("LIST", 1, 2, fun_list),
    FnDef::new("MAPSQL", 2, 4, fun_disabled),
    FnDef::new("NUMVERSION", 0, 0, fun_numversion),
    FnDef::new("PUEBLO", 1, 1, fun_pueblo),
    FnDef::new("SCAN", 1, 3, fun_scan),
    FnDef::new("SHA0", 1, 1, fun_sha0).deprecated(),
    FnDef::new("SQL", 1, 4, fun_disabled),
    FnDef::new("SQLESCAPE", 1, 1, fun_disabled).comma_last(),
    FnDef::new("SUGGEST", 2, 4, fun_suggest),
    FnDef::new("TEXTENTRIES", 2, 3, fun_nofile),
    FnDef::new("TEXTFILE", 2, 2, fun_nofile),
    FnDef::new("TEXTSEARCH", 2, 3, fun_nofile),
    FnDef::new("URLDECODE", 1, 1, fun_disabled).comma_last(),
    FnDef::new("URLENCODE", 1, 1, fun_disabled).comma_last(),
    FnDef::new("VERSION", 0, 0, fun_version),
];

/// The PennMUSH release whose behaviour we follow.
const PENN_VERSION: &str = "1.8.8";
const PENN_PATCHLEVEL: u32 = 0;
/// PennMUSH's NUMVERSION for 1.8.8p0.
const NUMVERSION: &str = "1008008000";

fn fun_disabled(_: &mut Eval, _: &Args, o: &mut String) {
    push(o, "#-1 FUNCTION DISABLED")
}

/// No help/news text files are loaded by the softcode engine.
fn fun_nofile(_: &mut Eval, _: &Args, o: &mut String) {
    push(o, "#-1 NO SUCH FILE")
}

fn fun_sha0(_: &mut Eval, _: &Args, o: &mut String) {
    push(o, "#-1 NOT SUPPORTED")
}

/// Without a word list PennMUSH finds no suggestions.
fn fun_suggest(_: &mut Eval, a: &Args, o: &mut String) {
    if a.len() == 4 && parse_int(a.get(3)).is_none() {
        push(o, E_INT)
    }
}

fn fun_version(_: &mut Eval, _: &Args, o: &mut String) {
    push(
        o,
        &format!(
            "PennMUSH version {PENN_VERSION} patchlevel {PENN_PATCHLEVEL} (mushd {})",
            env!("CARGO_PKG_VERSION")
        ),
    )
}

fn fun_numversion(_: &mut Eval, _: &Args, o: &mut String) {
    push(o, NUMVERSION)
}

fn fun_isword(_: &mut Eval, a: &Args, o: &mut String) {
    let s = a.get(0);
    let ok = !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic());
    push(o, if ok { "1" } else { "0" })
}

fn fun_isregexp(_: &mut Eval, a: &Args, o: &mut String) {
    let ok = crate::functions::regex::compile(a.get(0), false).is_ok();
    push(o, if ok { "1" } else { "0" })
}

fn fun_isobjid(ev: &mut Eval, a: &Args, o: &mut String) {
    let ok = (|| {
        let (d, t) = a.get(0).strip_prefix('#')?.split_once(':')?;
        let d = parse_int(d).filter(|&d| d >= 0)?;
        let t = parse_int(t)?;

        (ev.host.exists(d) && ev.host.creation_time(d) == t).then_some(())
    })()
    .is_some();
    push(o, if ok { "1" } else { "0" })
}

/// Registered builtin names, sorted, without the hidden internal ones.
fn builtin_names() -> impl Iterator<Item = &'static str> {
    names().filter(|n| n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()))
}

/// The function names of one kind: `all` or `builtin` (spelled so, as PennMUSH compares
/// them), or `local` (@functions, which the engine does not list).
fn list_functions(o: &mut String, which: &str) {
    match which {
        "all" | "builtin" => {
            let mut first = true;
            for n in builtin_names() {
                if !first {
                    push(o, " ");
                }
                first = false;
                push(o, n);
                if o.len() >= MAX_OUTPUT {
                    break;
                }
            }
        }
        // @function names are the game's; the engine only sees them one at a time.
        "local" => {}
        _ => push(o, "#-1 INVALID ARGUMENT"),
    }
}

fn fun_functions(_: &mut Eval, a: &Args, o: &mut String) {
    list_functions(o, if a.is_empty() { "all" } else { a.get(0) })
}

fn prefix_of(word: &str, of: &str) -> bool {
    !word.is_empty()
        && word.len() <= of.len()
        && of
            .get(..word.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(word))
}

/// list(): functions, @functions, flags and powers from what the engine knows; the
/// message-of-the-day texts are empty and the command list is not the engine's
/// (it answers empty).
fn fun_list(ev: &mut Eval, a: &Args, o: &mut String) {
    let which = if a.len() > 1 {
        match a.get(1).to_ascii_lowercase().as_str() {
            "local" => "local",
            "builtin" => "builtin",
            "all" => "all",
            _ => return push(o, "#-1"),
        }
    } else {
        "all"
    };
    let what = a.get(0);
    let lower = what.to_ascii_lowercase();
    let privs = ev.host.is_wizard(ev.ctx.executor);
    if what.is_empty() {
        push(o, "#-1")
    } else if lower == "motd"
        || (privs && matches!(lower.as_str(), "wizmotd" | "downmotd" | "fullmotd"))
    {
    } else if prefix_of(what, "functions") {
        list_functions(o, if which == "local" { "local" } else { "all" })
    } else if prefix_of(what, "@functions") || prefix_of(what, "commands") {
    } else if prefix_of(what, "flags") {
        let mut v: Vec<String> = ev.host.flag_table().into_iter().map(|(n, _)| n).collect();
        v.sort();
        push(o, &v.join(" "))
    } else if prefix_of(what, "attribs") || prefix_of(what, "locks") || prefix_of(what, "powers") {
    } else {
        push(o, "#-1")
    }
}

/// fn(name, args...): call the builtin `name` even if a user function shares it.
fn fun_fn(ev: &mut Eval, a: &Args, o: &mut String) {
    let spec = ev.lazy(a, 0);
    if spec.is_empty() {
        return;
    }
    let name = spec.rsplit_once('/').map_or(spec.as_str(), |(_, n)| n);
    if lookup(name).is_none() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return push(o, &format!("#-1 FUNCTION ({name}) NOT FOUND"));
    }
    let mut text = String::with_capacity(name.len() + 2);
    text.push_str(name);
    text.push('(');
    for i in 1..a.len() {
        if i > 1 {
            text.push(',');
        }
        text.push_str(a.get(i));
    }
    text.push(')');
    if let Ok(r) = ev.eval_str(&text, Mode::Default) {
        push(o, &r)
    }
}

/// benchmark(expr, n[, sendto]): evaluate `expr` n times (stopping at the invocation
/// or time limit) and report microsecond timings as PennMUSH does.
fn fun_benchmark(ev: &mut Eval, a: &Args, o: &mut String) {
    let n = match parse_number(a.get(1)) {
        Some(n) if n >= 1.0 => n.min(f64::from(u32::MAX)) as u64,
        _ => return push(o, E_UINT),
    };
    let mut target = None;
    if a.len() > 2 {
        let who = ev.lazy(a, 2);
        match ev.host.match_thing(ev.ctx.executor, &who) {
            Ok(t) => target = Some(t),
            Err(crate::host::MatchError::Ambiguous) => return push(o, "#-2"),
            Err(crate::host::MatchError::NotFound) => return push(o, "#-1"),
        }
    }
    let (mut min, mut max, mut total, mut runs) = (u64::MAX, 0u64, 0u64, 0u64);
    let mut last = String::new();
    while runs < n {
        let start = std::time::Instant::now();
        last = ev.lazy(a, 0);
        let us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        runs += 1;
        min = min.min(us);
        max = max.max(us);
        total = total.saturating_add(us);
        if ev.aborted() || ev.invocations >= ev.limits.invocations {
            break;
        }
    }
    let limited = ev.invocations >= ev.limits.invocations;
    let report = format!(
        "Average: {:.2}   Min: {}   Max: {}",
        total as f64 / runs.max(1) as f64,
        if runs == 0 { 0 } else { min },
        max
    );
    if let Some(t) = target {
        push(o, &last);
        if limited {
            ev.host.notify(
                t,
                "Function invocation limit reached. Benchmark timings may not be reliable.",
            );
        }
        ev.host.notify(t, &report);
    } else {
        push(o, &report);
        if limited {
            push(
                o,
                " Note: Function invocation limit reached. Benchmark timings may not be reliable.",
            );
        }
    }
}

fn fun_checkpass(ev: &mut Eval, a: &Args, o: &mut String) {
    let it = ev.host.match_thing(ev.ctx.executor, a.get(0));
    let Ok(it) = it.map_err(|_| ()).and_then(|d| {
        if ev.host.obj_type(d) == Some(ObjType::Player) {
            Ok(d)
        } else {
            Err(())
        }
    }) else {
        return push(o, "#-1 NO SUCH PLAYER");
    };
    match ev.host.check_password(it, a.get(1)) {
        Some(ok) => push(o, if ok { "1" } else { "0" }),
        None => push(o, "#-1 TOO MANY PASSWORD HASHES; TRY AGAIN LATER"),
    }
}

/// pueblo(player): whether the player's connection speaks Pueblo. mushd has none, so a
/// connected player answers 0.
fn fun_pueblo(ev: &mut Eval, a: &Args, o: &mut String) {
    let Ok(who) = ev.host.match_thing(ev.ctx.executor, a.get(0)) else {
        return push(o, "#-1 NOT CONNECTED");
    };
    if ev.host.sessions().iter().any(|s| s.player == who) {
        push(o, "0")
    } else {
        push(o, "#-1 NOT CONNECTED")
    }
}

/// scan(): which $-commands would match. The command tables are not the engine's, so
/// nothing matches.
/// `scan([<looker>,]<command>)`: the `$`-commands the command would run, as
/// `#obj/ATTR` (the looker must be the executor or one it controls).
fn fun_scan(ev: &mut Eval, a: &Args, o: &mut String) {
    let (looker, text) = match a.len() {
        1 => (ev.ctx.executor, a.get(0).to_string()),
        _ => {
            let name = a.get(0).to_string();
            let Some(d) = crate::functions::db::match_obj(ev, &name) else {
                push(o, "#-1 NO SUCH OBJECT VISIBLE");
                return;
            };
            if !ev.host.controls(ev.ctx.executor, d) {
                push(o, "#-1 PERMISSION DENIED");
                return;
            }
            (d, a.get(1).to_string())
        }
    };
    push(o, &ev.host.scan(looker, &text).join(" "));
}

#[cfg(test)]
mod tests {
    use crate::functions::strings::tests::ev;

    #[test]
    fn bounded_inputs() {
        let big = "9".repeat(10_000);
        assert!(ev(&format!("baseconv({big},10,16)")).len() <= 16);
        assert_eq!(
            ev("align(9000,a)"),
            "#-1 CANNOT HAVE COLUMNS THAT LARGE".to_string()
        );
        assert!(ev("align(8000 100,a,b)").len() <= 8191);
        let r = ev("benchmark(add(1,1),1000000000)");
        assert!(r.starts_with("Average: "), "{r}");
        assert_eq!(ev("fn(add,1,2)"), "3");
        assert_eq!(ev("lalign(3 3,abcdef|gh,|)"), "abc gh \ndef    ");
        assert_eq!(ev("numversion()"), "1008008000");
        assert!(ev("functions()").contains("ALIGN"));
        assert!(ev("functions(builtin)").contains("ALIGN"));
        assert_eq!(ev("functions(add*)"), "#-1 INVALID ARGUMENT");
        assert_eq!(ev("functions(ALL)"), "#-1 INVALID ARGUMENT");
        assert!(!ev("list(functions)").contains('\u{1}'));
        assert_eq!(ev("checkpass(me,x)"), "0");
        assert!(!ev("root(1e300,7)").is_empty());
    }
}
