//! Regular expressions with PCRE syntax (backreferences, lookaround, named groups) via
//! `fancy-regex`, with a backtracking budget so hostile patterns give up quickly:
//! regmatch, regrab/regraball, reglmatch/reglmatchall, regedit/regeditall, reswitch
//! and their case-insensitive `i` variants.

use fancy_regex::{Captures, Regex, RegexBuilder};

use crate::eval::{push, Args, Eval, MAX_OUTPUT};
use crate::functions::ansi::strip_markup;
use crate::functions::lists::split_list;
use crate::functions::registers::setq;
use crate::functions::strings::is_special;
use crate::functions::FnDef;
use crate::functions::MANY;
use crate::parse::{self, Mode};

/// Backtracking steps allowed per match attempt.
const BACKTRACK_LIMIT: usize = 200_000;

/// Compile `pat`; Err is PennMUSH's `#-1 REGEXP ERROR: ...` text.
pub fn compile(pat: &str, icase: bool) -> Result<Regex, String> {
    if pat.len() > MAX_OUTPUT {
        return Err("#-1 REGEXP ERROR: pattern too long".into());
    }
    RegexBuilder::new(pat)
        .case_insensitive(icase)
        .backtrack_limit(BACKTRACK_LIMIT)
        .build()
        .map_err(|e| {
            use fancy_regex::{Error, ParseError};
            let msg = match e {
                Error::ParseError(_, ParseError::UnclosedOpenParen) => {
                    "missing closing parenthesis".to_string()
                }
                other => {
                    let s = other.to_string();
                    if s.contains("unopened") || s.contains("unmatched") {
                        "unmatched closing parenthesis".into()
                    } else {
                        s.lines().next().unwrap_or("").to_string()
                    }
                }
            };
            format!("#-1 REGEXP ERROR: {msg}")
        })
}

fn is_match(re: &Regex, s: &str) -> bool {
    re.is_match(s).unwrap_or(false)
}

fn regmatch(ev: &mut Eval, a: &Args, o: &mut String, icase: bool) {
    let re = match compile(a.get(1), icase) {
        Ok(r) => r,
        Err(e) => return push(o, &e),
    };
    let s = a.get(0);
    if a.len() < 3 {
        return push(o, if is_match(&re, s) { "1" } else { "0" });
    }
    let caps = re.captures(s).ok().flatten();
    push(o, if caps.is_some() { "1" } else { "0" });
    for (i, name) in a.get(2).split_whitespace().enumerate() {
        if name == "-1" {
            continue;
        }
        let v = caps
            .as_ref()
            .and_then(|c| c.get(i))
            .map_or("", |m| m.as_str())
            .to_string();
        setq(ev, name, &v);
    }
}
fn fun_regmatch(ev: &mut Eval, a: &Args, o: &mut String) {
    regmatch(ev, a, o, false)
}
fn fun_regmatchi(ev: &mut Eval, a: &Args, o: &mut String) {
    regmatch(ev, a, o, true)
}

#[derive(Clone, Copy)]
enum Grab {
    First,
    All,
    Pos,
    AllPos,
}

fn regrab(a: &Args, o: &mut String, mode: Grab, icase: bool) {
    let re = match compile(a.get(1), icase) {
        Ok(r) => r,
        Err(e) => return push(o, &e),
    };
    let delim = if a.get(2).is_empty() { " " } else { a.get(2) };
    let osep = if a.len() > 3 { a.get(3) } else { delim };
    let mut first = true;
    for (i, w) in split_list(a.get(0), delim).into_iter().enumerate() {
        if !is_match(&re, &strip_markup(w)) {
            continue;
        }
        if !first {
            push(o, osep);
        }
        first = false;
        match mode {
            Grab::First => return push(o, w),
            Grab::Pos => return push(o, &(i + 1).to_string()),
            Grab::All => push(o, w),
            Grab::AllPos => push(o, &(i + 1).to_string()),
        }
        if o.len() >= MAX_OUTPUT {
            return;
        }
    }
}
macro_rules! grab_fn {
    ($name:ident, $mode:expr, $icase:expr) => {
        fn $name(_: &mut Eval, a: &Args, o: &mut String) {
            regrab(a, o, $mode, $icase)
        }
    };
}
grab_fn!(fun_regrab, Grab::First, false);
grab_fn!(fun_regrabi, Grab::First, true);
grab_fn!(fun_regraball, Grab::All, false);
grab_fn!(fun_regraballi, Grab::All, true);
grab_fn!(fun_reglmatch, Grab::Pos, false);
grab_fn!(fun_reglmatchi, Grab::Pos, true);
grab_fn!(fun_reglmatchall, Grab::AllPos, false);
grab_fn!(fun_reglmatchalli, Grab::AllPos, true);

/// Substitute `$N` and `$<name>` in unevaluated replacement text with the captures
/// (escaped, so the evaluator takes them literally); `\$` is left for the evaluator.
fn subst_captures(raw: &str, caps: &Captures) -> String {
    let mut r = String::with_capacity(raw.len());
    let mut it = raw.char_indices().peekable();
    let put = |r: &mut String, v: &str| {
        for c in v.chars() {
            if is_special(c) {
                r.push('\\');
            }
            r.push(c);
        }
    };
    while let Some((i, c)) = it.next() {
        match c {
            '\\' => {
                r.push(c);
                if let Some((_, d)) = it.next() {
                    r.push(d);
                }
            }
            '$' => {
                let rest = raw.get(i + 1..).unwrap_or("");
                if let Some((name, _)) = rest.strip_prefix('<').and_then(|t| t.split_once('>')) {
                    let v = match name.parse::<usize>() {
                        Ok(n) => caps.get(n),
                        Err(_) => caps.name(name),
                    };
                    put(&mut r, v.map_or("", |m| m.as_str()));
                    for _ in 0..name.chars().count() + 2 {
                        it.next();
                    }
                } else if let Some(d) = rest.chars().next().filter(char::is_ascii_digit) {
                    let n = usize::from(d as u8 - b'0');
                    put(&mut r, caps.get(n).map_or("", |m| m.as_str()));
                    it.next();
                } else {
                    r.push('$');
                }
            }
            c => r.push(c),
        }
        if r.len() > MAX_OUTPUT * 2 {
            break;
        }
    }
    r
}

fn eval_text(ev: &mut Eval, text: &str) -> String {
    match parse::parse(text, Mode::Default) {
        Ok(e) => ev.eval_to_string(&e),
        Err(_) => text.to_string(),
    }
}

fn regedit(ev: &mut Eval, a: &Args, o: &mut String, all: bool, icase: bool) {
    let mut cur = ev.lazy(a, 0);
    let mut i = 1;
    while i + 1 < a.len() {
        let pat = ev.lazy(a, i);
        let re = match compile(&pat, icase) {
            Ok(r) => r,
            Err(e) => return push(o, &e),
        };
        let raw = a.get(i + 1).to_string();
        let mut next = String::new();
        let mut last = 0;
        let mut pos = 0;
        let len = cur.len();
        while let Ok(Some(caps)) = re.captures_from_pos(&cur, pos) {
            let Some(m) = caps.get(0) else { break };
            push(&mut next, cur.get(last..m.start()).unwrap_or(""));
            let text = subst_captures(&raw, &caps);
            let rep = eval_text(ev, &text);
            push(&mut next, &rep);
            last = m.end();
            if m.end() == m.start() {
                match cur.get(m.end()..).and_then(|t| t.chars().next()) {
                    Some(c) => {
                        push(&mut next, cur.get(last..last + c.len_utf8()).unwrap_or(""));
                        last += c.len_utf8();
                    }
                    None => break,
                }
            }
            pos = last;
            if !all || pos >= len || next.len() >= MAX_OUTPUT || ev.aborted() {
                break;
            }
        }
        push(&mut next, cur.get(last..).unwrap_or(""));
        cur = next;
        i += 2;
    }
    push(o, &cur)
}
macro_rules! edit_fn {
    ($name:ident, $all:expr, $icase:expr) => {
        fn $name(ev: &mut Eval, a: &Args, o: &mut String) {
            regedit(ev, a, o, $all, $icase)
        }
    };
}
edit_fn!(fun_regedit, false, false);
edit_fn!(fun_regediti, false, true);
edit_fn!(fun_regeditall, true, false);
edit_fn!(fun_regeditalli, true, true);

fn reswitch(ev: &mut Eval, a: &Args, o: &mut String, all: bool, icase: bool) {
    let target = ev.lazy(a, 0);
    let n = a.len();
    let mut i = 1;
    let mut matched = false;
    while i + 1 < n {
        let pat = ev.lazy(a, i);
        if let Ok(re) = compile(&pat, icase) {
            if let Ok(Some(caps)) = re.captures(&target) {
                matched = true;
                let text = subst_captures(a.get(i + 1), &caps);
                run_branch(ev, &text, &target, o);
                if !all {
                    return;
                }
            }
        }
        if ev.aborted() {
            return;
        }
        i += 2;
    }
    if !matched && i < n {
        let text = a.get(i).to_string();
        run_branch(ev, &text, &target, o);
    }
}
fn run_branch(ev: &mut Eval, text: &str, target: &str, o: &mut String) {
    let text = text.replace("#$", target);
    let r = eval_text(ev, &text);
    push(o, &r)
}
macro_rules! switch_fn {
    ($name:ident, $all:expr, $icase:expr) => {
        fn $name(ev: &mut Eval, a: &Args, o: &mut String) {
            reswitch(ev, a, o, $all, $icase)
        }
    };
}
switch_fn!(fun_reswitch, false, false);
switch_fn!(fun_reswitchi, false, true);
switch_fn!(fun_reswitchall, true, false);
switch_fn!(fun_reswitchalli, true, true);

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("REGEDIT", 3, MANY, fun_regedit).noparse(),
    FnDef::new("REGEDITALL", 3, MANY, fun_regeditall).noparse(),
    FnDef::new("REGEDITALLI", 3, MANY, fun_regeditalli).noparse(),
    FnDef::new("REGEDITI", 3, MANY, fun_regediti).noparse(),
    FnDef::new("REGLMATCH", 2, 3, fun_reglmatch),
    FnDef::new("REGLMATCHALL", 2, 4, fun_reglmatchall),
    FnDef::new("REGLMATCHALLI", 2, 4, fun_reglmatchalli),
    FnDef::new("REGLMATCHI", 2, 3, fun_reglmatchi),
    FnDef::new("REGMATCH", 2, 3, fun_regmatch),
    FnDef::new("REGMATCHI", 2, 3, fun_regmatchi),
    FnDef::new("REGRAB", 2, 4, fun_regrab),
    FnDef::new("REGRABALL", 2, 4, fun_regraball),
    FnDef::new("REGRABALLI", 2, 4, fun_regraballi),
    FnDef::new("REGRABI", 2, 3, fun_regrabi),
    FnDef::new("RESWITCH", 3, MANY, fun_reswitch).noparse(),
    FnDef::new("RESWITCHALL", 3, MANY, fun_reswitchall).noparse(),
    FnDef::new("RESWITCHALLI", 3, MANY, fun_reswitchalli).noparse(),
    FnDef::new("RESWITCHI", 3, MANY, fun_reswitchi).noparse(),
];

#[cfg(test)]
mod tests {
    use crate::functions::strings::tests::ev;

    #[test]
    fn regex_basics() {
        assert_eq!(ev("regmatch(foobar,foo(?=bar))"), "1");
        assert_eq!(
            ev("regedit(2024-01-15,(\\\\d+)-(\\\\d+)-(\\\\d+),$3/$2/$1)"),
            "15/01/2024"
        );
        assert_eq!(ev("regeditall(hello,,-)"), "-h-e-l-l-o");
        assert_eq!(ev("regraball(a1|b2|c3,\\\\d,|,-)"), "a1-b2-c3");
    }

    #[test]
    fn hostile_regex_is_bounded() {
        let start = std::time::Instant::now();
        let _ = ev("regmatch(repeat(a,40)b,^(a+)+$)");
        let _ = ev("regmatch(repeat(a,30),^(a|aa)+\\\\1c$)");
        assert!(start.elapsed().as_secs() < 5);
    }
}
