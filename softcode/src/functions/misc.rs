//! Miscellaneous pure functions: valid(), speak()/speakpenn(), mudname(), mudurl().

use crate::context::valid_qreg;
use crate::eval::{push, Args, Eval, MAX_OUTPUT};
use crate::functions::ansi::valid_ansi_spec;
use crate::functions::functional::{call, enter, fetch_ufun, leave, Ufun};
use crate::functions::time::Zone;
use crate::functions::FnDef;

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("VALID", 2, 3, fun_valid),
    FnDef::new("SPEAK", 2, 7, fun_speak),
    FnDef::new("SPEAKPENN", 2, 7, fun_speak),
    FnDef::new("MUDNAME", 0, 0, fun_mudname),
    FnDef::new("MUDURL", 0, 0, fun_mudurl),
];

/// Longest object name plus one (PennMUSH's OBJECT_NAME_LIMIT).
const OBJECT_NAME_LIMIT: usize = 256;
const ATTRIBUTE_NAME_LIMIT: usize = 1024;

fn printable(c: char) -> bool {
    !c.is_control()
}

/// PennMUSH's ok_name (not an exit).
pub(crate) fn ok_name(n: &str) -> bool {
    let Some(first) = n.chars().next() else {
        return false;
    };
    if first.is_whitespace() || n.ends_with(char::is_whitespace) {
        return false;
    }
    if n.chars()
        .any(|c| !printable(c) || !c.is_ascii() || "[]%\\=&|".contains(c))
    {
        return false;
    }
    n.len() < OBJECT_NAME_LIMIT
        && !matches!(first, '*' | '#' | '!')
        && !["me", "home", "here"]
            .iter()
            .any(|w| n.eq_ignore_ascii_case(w))
}

fn ok_attr_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= ATTRIBUTE_NAME_LIMIT
        && !n.starts_with('`')
        && !n.ends_with('`')
        && !n.contains("``")
        && n.chars()
            .all(|c| c.is_ascii_graphic() && !"\"%&()*+,;:=<>[]\\{}|^~$".contains(c) || c == '*')
}

fn ok_password(p: &str) -> bool {
    !p.is_empty()
        && p.chars()
            .all(|c| printable(c) && !c.is_whitespace() && c != '=')
}

fn ok_simple_word(s: &str) -> bool {
    !s.is_empty() && s.len() < 64 && s.chars().all(|c| c.is_ascii_graphic())
}

fn ok_function_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() < 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_@#$-.`".contains(c))
}

fn ok_channel_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 30
        && !s.starts_with(char::is_whitespace)
        && !s.ends_with(char::is_whitespace)
        && s.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        && !s.contains(['|', '=', '[', ']', '%', '\\'])
}

/// A syntax check of a lock key: `!`, `&`, `|`, parentheses around non-empty atoms.
/// An empty atom is reported to the executor as PennMUSH does.
fn ok_lock_key(ev: &mut Eval, key: &str) -> bool {
    fn expr(b: &[char], i: &mut usize, depth: usize) -> Option<()> {
        if depth > 100 {
            return None;
        }
        term(b, i, depth)?;
        while matches!(b.get(*i), Some('&') | Some('|')) {
            *i += 1;
            term(b, i, depth)?;
        }
        Some(())
    }
    fn term(b: &[char], i: &mut usize, depth: usize) -> Option<()> {
        while b.get(*i).is_some_and(|c| c.is_whitespace()) {
            *i += 1;
        }
        match b.get(*i) {
            Some('!') => {
                *i += 1;
                term(b, i, depth + 1)
            }
            Some('(') => {
                *i += 1;
                expr(b, i, depth + 1)?;
                (b.get(*i) == Some(&')')).then(|| *i += 1)
            }
            _ => {
                let start = *i;
                while b.get(*i).is_some_and(|c| !"&|()".contains(*c)) {
                    *i += 1;
                }
                let atom: String = b.get(start..*i)?.iter().collect();
                (!atom.trim().is_empty()).then_some(())
            }
        }
    }
    let b: Vec<char> = key.chars().collect();
    let mut i = 0;
    let ok = expr(&b, &mut i, 0).is_some() && i == b.len();
    if !ok {
        let en = ev.ctx.executor;
        ev.host.notify(en, "I don't see  here.");
    }
    ok
}

fn fun_valid(ev: &mut Eval, a: &Args, o: &mut String) {
    let what = a.get(0).to_ascii_lowercase();
    let v = a.get(1);
    let ok = match what.as_str() {
        "name" => ok_name(v) && crate::functions::ansi::strip_markup(v) == v,
        "attrname" => ok_attr_name(&v.to_ascii_uppercase()),
        "playername" => ok_name(v) && v.len() <= 15 && !v.contains(' '),
        "password" => ok_password(v),
        "command" | "flag" | "power" => ok_simple_word(v),
        "function" => ok_function_name(v),
        "qreg" => !v.is_empty() && valid_qreg(v),
        "colorname" => !v.is_empty() && !v.starts_with('+') && valid_ansi_spec(&format!("+{v}")),
        "ansicodes" => valid_ansi_spec(v),
        "channel" => ok_channel_name(v),
        "attrvalue" => true,
        "timezone" => Zone::parse(v).is_some(),
        "boolexp" | "lockkey" => !v.trim().is_empty() && ok_lock_key(ev, v),
        "locktype" => {
            crate::functions::lockfns::LOCK_TYPES
                .iter()
                .any(|t| t.eq_ignore_ascii_case(v))
                || v.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("user:")) && v.len() > 5
        }
        _ => return push(o, "#-1"),
    };
    push(o, if ok { "1" } else { "0" })
}

fn fun_mudname(_: &mut Eval, _: &Args, o: &mut String) {
    push(o, "PennMUSH")
}
fn fun_mudurl(_: &mut Eval, _: &Args, _: &mut String) {}

/// A speak() callable: a user function, or nothing (an empty spec).
fn speak_ufun(ev: &mut Eval, spec: &str) -> Result<Option<Ufun>, ()> {
    if spec.is_empty() {
        return Ok(None);
    }
    fetch_ufun(ev, spec).map_err(|_| ())
}

/// Next char boundary after byte `i` of `s`.
fn next_boundary(s: &str, i: usize) -> usize {
    (i + 1..=s.len())
        .find(|&e| s.is_char_boundary(e))
        .unwrap_or(s.len())
}

fn fun_speak(ev: &mut Eval, a: &Args, o: &mut String) {
    let who = a.get(0);
    let (speaker_str, name) = if let Some(n) = who.strip_prefix('&') {
        (who.to_string(), n.to_string())
    } else {
        let t = who.trim();
        let d = ev.host.match_thing(ev.ctx.executor, t).ok();
        let Some(d) = d else {
            return push(o, "#-1 NO MATCH");
        };
        (format!("#{d}"), ev.host.name(d).unwrap_or_default())
    };
    let full = a.get(1);
    if full.is_empty() {
        return;
    }
    let say_str = if a.len() > 2 && !a.get(2).is_empty() && !a.get(2).starts_with(' ') {
        a.get(2)
    } else {
        "says,"
    };
    let transform = a.len() > 3;
    let with_null = a.len() > 4;
    let open = if a.len() >= 6 { a.get(5) } else { "\"" };
    let close = if a.len() >= 7 { a.get(6) } else { open };

    let mut r = String::new();
    let mut say = false;
    let mut s = full;
    match s.chars().next() {
        Some(':') => {
            r.push_str(&name);
            r.push(' ');
            s = s.get(1..).unwrap_or("").trim_start_matches(' ');
        }
        Some(';') => {
            r.push_str(&name);
            s = s.get(1..).unwrap_or("");
            if s.starts_with(' ') {
                r.push(' ');
                s = s.trim_start_matches(' ');
            }
        }
        Some('|') => s = s.get(1..).unwrap_or(""),
        Some('"') => {
            s = s.get(1..).unwrap_or("");
            say = true;
        }
        _ => say = true,
    }
    let start = if open.is_empty() {
        Some(0)
    } else {
        s.find(open)
    };
    if !transform || (!say && start.is_none()) {
        if say {
            push(o, &format!("{name} {say_str} \"{s}\""));
        } else {
            push(o, &r);
            push(o, s);
        }
        return;
    }
    let Ok(trans) = speak_ufun(ev, a.get(3)) else {
        return push(o, "#-1 NO PERMISSION TO GET ATTRIBUTE");
    };
    let nullf = if with_null {
        match speak_ufun(ev, a.get(4)) {
            Ok(f) => f,
            Err(()) => return push(o, "#-1 NO PERMISSION TO GET ATTRIBUTE"),
        }
    } else {
        None
    };
    let mut fragment: i64 = 0;
    if say {
        r.push_str(&name);
        r.push(' ');
        r.push_str(say_str);
        r.push(' ');
        fragment = -1;
        if open != "\"" {
            say = false;
        }
    }
    let mut starting_fragment = false;
    let mut start = if s.starts_with(open) {
        if say {
            r.push_str(open);
        }
        Some(open.len())
    } else if let (false, Some(st)) = (say, start) {
        r.push_str(s.get(..st).unwrap_or(""));
        fragment = 0;
        Some(st + open.len())
    } else {
        starting_fragment = true;
        Some(0)
    };
    let mut end: Option<usize> = None;
    let mut buf = String::new();
    let mut guard = 0;
    while let Some(st) = start.filter(|&st| st < s.len()) {
        guard += 1;
        if guard > MAX_OUTPUT || r.len() >= MAX_OUTPUT {
            break;
        }
        fragment += 1;
        let rest = s.get(st..).unwrap_or("");
        let piece = match (!close.is_empty()).then(|| rest.find(close)).flatten() {
            Some(e) => {
                end = Some(next_boundary(s, st + e));
                rest.get(..e).unwrap_or("")
            }
            None => {
                end = None;
                rest
            }
        };
        let fr = fragment.to_string();
        buf.clear();
        let go = match &trans {
            Some(uf) => {
                let sc = enter(ev, uf);
                let g = call(ev, &sc, uf, &[piece, &speaker_str, &fr], &mut buf);
                leave(ev, sc);
                g
            }
            None => true,
        };
        if !go {
            break;
        }
        if buf.is_empty() {
            if let Some(nf) = &nullf {
                let sc = enter(ev, nf);
                let g = call(ev, &sc, nf, &[&speaker_str, &fr], &mut buf);
                leave(ev, sc);
                if !g {
                    break;
                }
            }
        }
        r.push_str(&buf);
        let Some(e) = end.filter(|&e| e < s.len()) else {
            break;
        };
        if !starting_fragment && say {
            r.push_str(close);
        }
        match s
            .get(e..)
            .and_then(|t| if open.is_empty() { None } else { t.find(open) })
        {
            Some(k) => {
                if k > open.len() {
                    r.push_str(s.get(e..e + k).unwrap_or(""));
                }
                start = Some(e + k + open.len());
                end = None;
            }
            None => break,
        }
    }
    if let Some(e) = end.filter(|&e| e < s.len()) {
        r.push_str(s.get(e..).unwrap_or(""));
    }
    push(o, &r)
}
