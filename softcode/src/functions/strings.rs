//! Core string functions: lengths and case, substrings by position (mid/left/right,
//! strinsert/strreplace/strdelete), searching (pos/lpos/before/after), editing (edit,
//! tr, merge, trim, squish), escaping (escape/secure/decompose), characters (chr/ord,
//! accent/stripaccents), comparison (comp, alphamax/alphamin) and small helpers.
//! Strings are handled as sequences of characters; every result goes through
//! `eval::push`, so nothing here can grow past the 8,191-byte buffer.

use crate::eval::{push, push_char, Args, Eval, E_ARGRANGE, MAX_OUTPUT};
use crate::functions::ansi::strip_markup;
use crate::functions::marked_ops;
use crate::functions::math::{parse_int, parse_number, E_INT, E_INTS, E_RANGE, E_UINT};
pub(crate) use crate::functions::strchars::{is_special, strip_accents};
use crate::functions::{FnDef, Perm, MANY};
use crate::markup::has_markup;
use crate::parse::{self, Mode};

/// Strict integer (Penn's `is_integer`): optional sign and digits, surrounding spaces.
pub(crate) fn int_arg(s: &str) -> Option<i64> {
    parse_int(s)
}

/// Non-negative integer for widths and counts, clamped to what can matter.
pub(crate) fn uint_arg(s: &str) -> Option<usize> {
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        t.parse::<u64>()
            .map_or(usize::MAX, |v| usize::try_from(v).unwrap_or(usize::MAX)),
    )
}

fn clamp_len(n: i64) -> usize {
    usize::try_from(n.max(0)).unwrap_or(usize::MAX)
}

/// Push `n` copies of `c`, bounded by the buffer.
pub(crate) fn push_fill(o: &mut String, c: char, n: usize) {
    let room = MAX_OUTPUT.saturating_sub(o.len()) / c.len_utf8().max(1);
    for _ in 0..n.min(room) {
        o.push(c);
    }
}

/// Push the characters `[start, start+len)` of `s`.
pub(crate) fn push_chars(o: &mut String, s: &str, start: usize, len: usize) {
    if has_markup(s) {
        return marked_ops::slice(o, s, start, len);
    }
    let sub: String = s.chars().skip(start).take(len).collect();
    push(o, &sub)
}

fn fun_strlen(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, &strip_markup(a.get(0)).chars().count().to_string())
}
fn fun_ucstr(_: &mut Eval, a: &Args, o: &mut String) {
    if has_markup(a.get(0)) {
        return marked_ops::case(o, a.get(0), true);
    }
    push(o, &a.get(0).to_uppercase())
}
fn fun_lcstr(_: &mut Eval, a: &Args, o: &mut String) {
    if has_markup(a.get(0)) {
        return marked_ops::case(o, a.get(0), false);
    }
    push(o, &a.get(0).to_lowercase())
}
fn fun_capstr(_: &mut Eval, a: &Args, o: &mut String) {
    let s = a.get(0);
    if has_markup(s) {
        return marked_ops::capitalize(o, s);
    }
    let mut it = s.chars();
    if let Some(c) = it.next() {
        let up: String = c.to_uppercase().collect();
        push(o, &up);
        push(o, it.as_str());
    }
}
fn fun_cat(_: &mut Eval, a: &Args, o: &mut String) {
    for (i, s) in a.all().iter().enumerate() {
        if i > 0 {
            push(o, " ");
        }
        push(o, s);
    }
}
fn fun_strcat(_: &mut Eval, a: &Args, o: &mut String) {
    for s in a.all() {
        push(o, s);
    }
}
fn fun_lit(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, a.get(0))
}
fn fun_null(_: &mut Eval, _: &Args, _: &mut String) {}
fn fun_repeat(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(n) = int_arg(a.get(1)) else {
        return push(o, E_INT);
    };
    if n < 0 {
        return push(o, "#-1 ARGUMENT MUST BE NON-NEGATIVE INTEGER");
    }
    let s = a.get(0);
    if s.is_empty() {
        return;
    }
    let mut i = 0;
    while i < n && o.len() < MAX_OUTPUT {
        push(o, s);
        i += 1;
    }
}
fn fun_space(_: &mut Eval, a: &Args, o: &mut String) {
    match uint_arg(a.get(0)) {
        Some(n) => push_fill(o, ' ', n),
        None => push(o, E_UINT),
    }
}
fn fun_left(_: &mut Eval, a: &Args, o: &mut String) {
    match int_arg(a.get(1)) {
        None => push(o, E_INT),
        Some(n) if n < 0 => push(o, E_RANGE),
        Some(n) => push_chars(o, a.get(0), 0, clamp_len(n)),
    }
}
fn fun_right(_: &mut Eval, a: &Args, o: &mut String) {
    match int_arg(a.get(1)) {
        None => push(o, E_INT),
        Some(n) if n < 0 => push(o, E_RANGE),
        Some(n) => {
            let s = a.get(0);
            let len = strip_markup(s).chars().count();
            let n = clamp_len(n);
            push_chars(o, s, len.saturating_sub(n), n)
        }
    }
}
fn fun_mid(_: &mut Eval, a: &Args, o: &mut String) {
    let (Some(mut pos), Some(mut len)) = (int_arg(a.get(1)), int_arg(a.get(2))) else {
        return push(o, E_INTS);
    };
    if pos < 0 {
        return push(o, E_RANGE);
    }
    if len < 0 {
        pos = (pos + len + 1).max(0);
        len = -len;
    }
    push_chars(o, a.get(0), clamp_len(pos), clamp_len(len))
}
fn fun_strdelete(_: &mut Eval, a: &Args, o: &mut String) {
    let (Some(mut pos), Some(num)) = (int_arg(a.get(1)), int_arg(a.get(2))) else {
        return push(o, E_INTS);
    };
    if pos < 0 {
        return push(o, E_RANGE);
    }
    let s = a.get(0);
    let len = strip_markup(s).chars().count();
    if clamp_len(pos) > len || num == 0 {
        return push(o, s);
    }
    if num < 0 {
        pos = (pos + num + 1).max(0);
    }
    let (pos, num) = (clamp_len(pos), clamp_len(num));
    if has_markup(s) {
        let mut m = crate::markup::Marked::parse(s);
        m.replace(pos, num, &crate::markup::Marked::default());
        return m.write(o);
    }
    let r: String = s
        .chars()
        .enumerate()
        .filter(|(i, _)| *i < pos || *i >= pos.saturating_add(num))
        .map(|(_, c)| c)
        .collect();
    push(o, &r)
}
fn rep_or_ins(a: &Args, o: &mut String, inserting: bool) {
    let Some(start) = int_arg(a.get(1)) else {
        return push(o, E_INTS);
    };
    if start < 0 {
        return push(o, E_ARGRANGE);
    }
    let mut len = 0usize;
    let src = if inserting {
        a.get(2)
    } else {
        match int_arg(a.get(2)) {
            None => return push(o, E_INTS),
            Some(l) if l < 0 => return push(o, E_ARGRANGE),
            Some(l) => len = clamp_len(l),
        }
        a.get(3)
    };
    let s = a.get(0);
    let start = clamp_len(start);
    if has_markup(s) || has_markup(src) {
        let mut m = crate::markup::Marked::parse(s);
        if start <= m.len() {
            m.replace(start, len, &crate::markup::Marked::parse(src));
            return m.write(o);
        }
    }
    if start > strip_markup(s).chars().count() {
        push(o, s);
        if inserting {
            push(o, src);
        }
        return;
    }
    push_chars(o, s, 0, start);
    push(o, src);
    push_chars(o, s, start.saturating_add(len), usize::MAX);
}
fn fun_strinsert(_: &mut Eval, a: &Args, o: &mut String) {
    rep_or_ins(a, o, true)
}
fn fun_strreplace(_: &mut Eval, a: &Args, o: &mut String) {
    rep_or_ins(a, o, false)
}
fn fun_flip(_: &mut Eval, a: &Args, o: &mut String) {
    if has_markup(a.get(0)) {
        return marked_ops::flip(o, a.get(0));
    }
    let r: String = a.get(0).chars().rev().collect();
    push(o, &r)
}
fn fun_before(_: &mut Eval, a: &Args, o: &mut String) {
    let needle = if a.get(1).is_empty() { " " } else { a.get(1) };
    let s = a.get(0);
    match s.find(needle) {
        Some(i) => push(o, s.get(..i).unwrap_or("")),
        None => push(o, s),
    }
}
fn fun_after(_: &mut Eval, a: &Args, o: &mut String) {
    let needle = if a.get(1).is_empty() { " " } else { a.get(1) };
    let s = a.get(0);
    if let Some(i) = s.find(needle) {
        push(o, s.get(i + needle.len()..).unwrap_or(""))
    }
}
fn fun_pos(_: &mut Eval, a: &Args, o: &mut String) {
    let hay = strip_markup(a.get(1));
    match hay.find(&*strip_markup(a.get(0))) {
        Some(i) => {
            let n = hay.get(..i).map_or(0, |p| p.chars().count()) + 1;
            push(o, &n.to_string())
        }
        None => push(o, "#-1"),
    }
}
fn fun_lpos(_: &mut Eval, a: &Args, o: &mut String) {
    let c = a.get(1).chars().next().unwrap_or(' ');
    let mut first = true;
    for (i, ch) in strip_markup(a.get(0)).chars().enumerate() {
        if ch == c {
            if !first {
                push(o, " ");
            }
            first = false;
            push(o, &i.to_string());
            if o.len() >= MAX_OUTPUT {
                return;
            }
        }
    }
}
fn fun_art(_: &mut Eval, a: &Args, o: &mut String) {
    let c = a.get(0).chars().next().map(|c| c.to_ascii_lowercase());
    push(
        o,
        if matches!(c, Some('a' | 'e' | 'i' | 'o' | 'u')) {
            "an"
        } else {
            "a"
        },
    )
}
fn fun_alphamax(_: &mut Eval, a: &Args, o: &mut String) {
    if let Some(m) = a.all().iter().max_by(|x, y| x.as_bytes().cmp(y.as_bytes())) {
        push(o, m)
    }
}
fn fun_alphamin(_: &mut Eval, a: &Args, o: &mut String) {
    if let Some(m) = a.all().iter().min_by(|x, y| x.as_bytes().cmp(y.as_bytes())) {
        push(o, m)
    }
}
fn trim_common(a: &Args, o: &mut String, style_arg: usize, char_arg: usize) {
    let style = if a.len() > style_arg {
        a.get(style_arg)
            .chars()
            .next()
            .map(|c| c.to_ascii_lowercase())
    } else {
        None
    };
    let set: Vec<char> = if a.get(char_arg).is_empty() {
        vec![' ']
    } else {
        a.get(char_arg).chars().collect()
    };
    let s = a.get(0);
    if has_markup(s) {
        return marked_ops::trim(o, s, &set, style);
    }
    let mut t = s;
    if style != Some('l') {
        t = t.trim_end_matches(|c| set.contains(&c));
    }
    if style != Some('r') {
        t = t.trim_start_matches(|c| set.contains(&c));
    }
    push(o, t)
}
fn fun_trim(_: &mut Eval, a: &Args, o: &mut String) {
    trim_common(a, o, 2, 1)
}
fn fun_trimtiny(_: &mut Eval, a: &Args, o: &mut String) {
    trim_common(a, o, 1, 2)
}

/// A single-character delimiter argument (PennMUSH `delim_check`).
pub(crate) fn delim_char(a: &Args, i: usize, o: &mut String) -> Option<char> {
    let d = a.get(i);
    let mut it = d.chars();
    match (it.next(), it.next()) {
        (None, _) => Some(' '),
        (Some(c), None) => Some(c),
        _ => {
            push(o, "#-1 SEPARATOR MUST BE ONE CHARACTER");
            None
        }
    }
}
fn fun_squish(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(sep) = delim_char(a, 1, o) else {
        return;
    };
    let mut r = String::new();
    let mut insep = true;
    for c in a.get(0).trim_end_matches(sep).chars() {
        if c == sep {
            if insep {
                continue;
            }
            insep = true;
        } else {
            insep = false;
        }
        r.push(c);
    }
    push(o, &r)
}
fn fun_edit(_: &mut Eval, a: &Args, o: &mut String) {
    if has_markup(a.get(0)) || a.all().iter().skip(1).any(|s| has_markup(s)) {
        let pairs: Vec<(&str, &str)> = a
            .all()
            .get(1..)
            .unwrap_or(&[])
            .chunks_exact(2)
            .filter_map(|p| match p {
                [x, y] => Some((x.as_str(), y.as_str())),
                _ => None,
            })
            .collect();
        return marked_ops::edit(o, a.get(0), &pairs);
    }
    let mut cur = a.get(0).to_string();
    let mut i = 1;
    while i + 1 < a.len() {
        let needle = strip_markup(a.get(i));
        let repl = a.get(i + 1);
        let mut next = String::new();
        if needle == "$" {
            push(&mut next, &cur);
            push(&mut next, repl);
        } else if needle == "^" {
            push(&mut next, repl);
            push(&mut next, &cur);
        } else if needle.is_empty() {
            for (j, c) in cur.chars().enumerate() {
                if j > 0 {
                    push(&mut next, repl);
                }
                push_char(&mut next, c);
                if next.len() >= MAX_OUTPUT {
                    break;
                }
            }
        } else {
            // One searcher for the whole string (not one per match).
            let mut last = 0;
            for (p, _) in cur.match_indices(&*needle) {
                push(&mut next, cur.get(last..p).unwrap_or(""));
                push(&mut next, repl);
                last = p + needle.len();
                if next.len() >= MAX_OUTPUT {
                    break;
                }
            }
            push(&mut next, cur.get(last..).unwrap_or(""));
        }
        cur = next;
        i += 2;
    }
    push(o, &cur)
}

fn fun_comp(ev: &mut Eval, a: &Args, o: &mut String) {
    let ty = if a.len() == 3 {
        match a.get(2).chars().next() {
            Some(c) => c.to_ascii_uppercase(),
            None => return push(o, "#-1 INVALID THIRD ARGUMENT"),
        }
    } else {
        'A'
    };
    let (x, y) = (a.get(0), a.get(1));
    let ord = match ty {
        'A' => x.as_bytes().cmp(y.as_bytes()),
        'I' => x.to_lowercase().cmp(&y.to_lowercase()),
        'N' => match (int_arg(x), int_arg(y)) {
            (Some(p), Some(q)) => p.cmp(&q),
            _ => return push(o, E_INTS),
        },
        'F' => match (parse_number(x), parse_number(y)) {
            (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal),
            _ => return push(o, crate::functions::math::E_NUMS),
        },
        'D' => {
            let db = |s: &str| {
                s.strip_prefix('#')
                    .and_then(|n| n.split(':').next())
                    .and_then(|n| n.parse::<i64>().ok())
            };
            match (db(x), db(y)) {
                (Some(p), Some(q))
                    if p >= 0 && q >= 0 && ev.host.exists(p as _) && ev.host.exists(q as _) =>
                {
                    p.cmp(&q)
                }
                _ => return push(o, "#-1 INVALID DBREF"),
            }
        }
        _ => return push(o, "#-1 INVALID THIRD ARGUMENT"),
    };
    push(
        o,
        match ord {
            std::cmp::Ordering::Less => "-1",
            std::cmp::Ordering::Equal => "0",
            std::cmp::Ordering::Greater => "1",
        },
    )
}
fn fun_scramble(_: &mut Eval, a: &Args, o: &mut String) {
    let mut cs: Vec<char> = a.get(0).chars().collect();
    let seed = std::collections::hash_map::RandomState::new();
    let mut rng = {
        use std::hash::{BuildHasher, Hasher};
        let mut h = BuildHasher::build_hasher(&seed);
        h.write_usize(cs.len());
        h.finish() | 1
    };
    for i in (1..cs.len()).rev() {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let j = usize::try_from(rng % (i as u64 + 1)).unwrap_or(0);
        cs.swap(i, j);
    }
    let r: String = cs.into_iter().collect();
    push(o, &r)
}
fn fun_beep(_: &mut Eval, a: &Args, o: &mut String) {
    let k = if a.is_empty() {
        1
    } else {
        match int_arg(a.get(0)) {
            Some(k) => k,
            None => return push(o, E_INT),
        }
    };
    if !(1..=5).contains(&k) {
        return push(o, E_RANGE);
    }
    push_fill(o, '\x07', clamp_len(k))
}
fn fun_strfirstof(ev: &mut Eval, a: &Args, o: &mut String) {
    let n = a.len();
    for i in 0..n.saturating_sub(1) {
        let v = ev.lazy(a, i);
        if !v.is_empty() {
            return push(o, &v);
        }
        if ev.aborted() {
            return;
        }
    }
    let d = ev.lazy(a, n.saturating_sub(1));
    push(o, &d)
}
fn fun_strallof(ev: &mut Eval, a: &Args, o: &mut String) {
    let n = a.len();
    let sep = ev.lazy(a, n.saturating_sub(1));
    let mut first = true;
    for i in 0..n.saturating_sub(1) {
        let v = ev.lazy(a, i);
        if !v.is_empty() {
            if !first {
                push(o, &sep);
            }
            first = false;
            push(o, &v);
        }
        if ev.aborted() {
            return;
        }
    }
}
fn fun_s(ev: &mut Eval, a: &Args, o: &mut String) {
    match parse::parse(a.get(0), Mode::Default) {
        Ok(e) => ev.eval_expr(&e, o),
        Err(_) => push(o, a.get(0)),
    }
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("AFTER", 2, 2, fun_after),
    FnDef::new("ALPHAMAX", 1, MANY, fun_alphamax),
    FnDef::new("ALPHAMIN", 1, MANY, fun_alphamin),
    FnDef::new("ART", 1, 1, fun_art),
    FnDef::new("BEEP", 0, 1, fun_beep).perm(Perm::Wizard),
    FnDef::new("BEFORE", 2, 2, fun_before),
    FnDef::new("CAPSTR", 1, 1, fun_capstr).comma_last(),
    FnDef::new("CAT", 1, MANY, fun_cat),
    FnDef::new("COMP", 2, 3, fun_comp),
    FnDef::new("DELETE", 3, 3, fun_strdelete),
    FnDef::new("EDIT", 3, MANY, fun_edit),
    FnDef::new("FLIP", 1, 1, fun_flip).comma_last(),
    FnDef::new("LCSTR", 1, 1, fun_lcstr).comma_last(),
    FnDef::new("LCSTR2", 1, 1, fun_lcstr),
    FnDef::new("LEFT", 2, 2, fun_left),
    FnDef::new("LIT", 1, 1, fun_lit).literal().comma_last(),
    FnDef::new("LPOS", 2, 2, fun_lpos),
    FnDef::new("MID", 3, 3, fun_mid),
    FnDef::new("NULL", 1, MANY, fun_null),
    FnDef::new("POS", 2, 2, fun_pos),
    FnDef::new("REPEAT", 2, 2, fun_repeat),
    FnDef::new("REVERSE", 1, 1, fun_flip).comma_last(),
    FnDef::new("RIGHT", 2, 2, fun_right),
    FnDef::new("S", 1, 1, fun_s).comma_last(),
    FnDef::new("SCRAMBLE", 1, 1, fun_scramble).comma_last(),
    FnDef::new("SPACE", 1, 1, fun_space),
    FnDef::new("SQUISH", 1, 2, fun_squish),
    FnDef::new("STRALLOF", 2, MANY, fun_strallof).noparse(),
    FnDef::new("STRCAT", 1, MANY, fun_strcat),
    FnDef::new("STRDELETE", 3, 3, fun_strdelete),
    FnDef::new("STRFIRSTOF", 2, MANY, fun_strfirstof).noparse(),
    FnDef::new("STRINSERT", 3, 3, fun_strinsert).comma_last(),
    FnDef::new("STRLEN", 1, 1, fun_strlen).comma_last(),
    FnDef::new("STRREPLACE", 4, 4, fun_strreplace),
    FnDef::new("TRIM", 1, 3, fun_trim),
    FnDef::new("TRIMPENN", 1, 3, fun_trim),
    FnDef::new("TRIMTINY", 1, 3, fun_trimtiny),
    FnDef::new("UCSTR", 1, 1, fun_ucstr).comma_last(),
    FnDef::new("UCSTR2", 1, 1, fun_ucstr),
];

#[cfg(test)]
pub(crate) mod tests {
    use crate::{Context, Eval, FreshDb, Mode};

    pub(crate) fn ev(expr: &str) -> String {
        let mut db = FreshDb::new();
        let mut e = Eval::new(&mut db, Context::new(1, 1, 1));
        e.eval_str(expr, Mode::Default).unwrap_or_default()
    }

    #[test]
    fn substrings() {
        assert_eq!(ev("mid(abcdef,2,3)"), "cde");
        assert_eq!(ev("mid(abcdef,1,-3)"), "abc");
        assert_eq!(ev("strinsert(abc,1,X)"), "aXbc");
        assert_eq!(ev("strreplace(abcdef,2,2,XY)"), "abXYef");
        assert_eq!(ev("strdelete(abcdef,2,2)"), "abef");
        assert_eq!(ev("right(abcdef,2)"), "ef");
        assert_eq!(ev("left(abc,-1)"), "#-1 OUT OF RANGE");
    }

    #[test]
    fn editing() {
        assert_eq!(ev("edit(hello,l,L)"), "heLLo");
        assert_eq!(ev("edit(hello,,-)"), "h-e-l-l-o");
        assert_eq!(ev("tr(hello,a-z,A-Z)"), "HELLO");
        assert_eq!(ev("squish(%b%ba%b%bb)"), "a b");
        assert_eq!(ev("trim(--a-b--,-)"), "a-b");
        assert_eq!(ev("merge(AB--EF,abcdef,-)"), "ABcdEF");
        assert_eq!(ev("decompose(%b%bx)"), "%b x");
        assert_eq!(ev("escape(a;b)"), "\\a\\;b");
    }

    #[test]
    fn hostile() {
        assert_eq!(ev("strlen(repeat(ab,1000000000))"), "8191");
        assert_eq!(ev("strlen(space(99999999999999999999))"), "8191");
        assert_eq!(ev("strlen(edit(repeat(a,5000),a,bbbb))"), "8191");
        assert_eq!(ev("mid(abc,99999999999999,99999999999999)"), "");
    }
}
