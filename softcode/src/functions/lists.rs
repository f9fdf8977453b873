//! Basic list functions and iter(): words, first, rest, last, lnum, iter (with `##`,
//! `#@`, itext/inum/ilev/ibreak), stext/slev. The full list family extends this.

use crate::context::IterFrame;
use crate::eval::{push, push_i64, Args, Eval, E_ARGRANGE, E_INT, MAX_OUTPUT};
use crate::functions::math::{fmt_number, parse_int, parse_number, E_INTS, E_NUM};
use crate::functions::{marked_ops, FnDef};
use crate::markup::has_markup;
use crate::parse::Token;

pub use crate::functions::listsplit::{
    join_into, osep_arg, sep_arg, split_list, split_list_m, split_sep, split_sep_m, E_SEP,
};

/// PennMUSH's find_list_position: 1-based index of `s` in a list of `total` (negative
/// counts from the end), or None. `insert` allows one past the end for negatives.
pub fn list_position(s: &str, total: usize, insert: bool) -> Option<usize> {
    let i = parse_int(s)?;
    let total_i = i64::try_from(total).ok()?;
    let (i, neg) = if i < 0 {
        (total_i + 1 + i, true)
    } else {
        (i, false)
    };
    if i < 1 || i > total_i {
        if total == 0 && insert && ((i == 0 && neg) || i == 1) {
            return Some(1);
        }
        return None;
    }
    let i = usize::try_from(i).ok()?;
    Some(if insert && neg { i + 1 } else { i })
}

macro_rules! sep_or_err {
    ($a:expr, $i:expr, $o:expr) => {
        match sep_arg($a, $i) {
            Some(c) => c,
            None => return push($o, E_SEP),
        }
    };
}

/// How many elements `split_sep(list, sep)` would give, without building them.
fn count_sep(list: &str, sep: char) -> usize {
    if sep == ' ' {
        let mut n = 0;
        let mut prev = b' ';
        for &c in list.as_bytes() {
            if prev == b' ' && c != b' ' {
                n += 1;
            }
            prev = c;
        }
        n
    } else if list.is_empty() {
        0
    } else {
        list.split(sep).count()
    }
}

fn fun_words(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 1, o);
    push_i64(o, count_sep(a.get(0), sep) as i64)
}
fn fun_first(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 1, o);
    let list = a.get(0);
    if has_markup(list) {
        if let Some(w) = marked_ops::split_items(list, sep).first() {
            push(o, w);
        }
        return;
    }
    let w = if sep == ' ' {
        list.split(' ').find(|s| !s.is_empty())
    } else if list.is_empty() {
        None
    } else {
        list.split(sep).next()
    };
    if let Some(w) = w {
        push(o, w)
    }
}
fn fun_last(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 1, o);
    let mut h = Vec::new();
    if let Some(w) = split_sep_m(a.get(0), sep, &mut h).last() {
        push(o, w)
    }
}
fn fun_rest(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 1, o);
    if has_markup(a.get(0)) {
        return marked_ops::rest(o, a.get(0), sep);
    }
    let s = if sep == ' ' {
        a.get(0).trim_start_matches(' ')
    } else {
        a.get(0)
    };
    if let Some((_, r)) = s.split_once(sep) {
        push(
            o,
            if sep == ' ' {
                r.trim_start_matches(' ')
            } else {
                r
            },
        )
    }
}
fn fun_lnum(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(first) = parse_number(a.get(0)) else {
        return push(o, E_NUM);
    };
    let (start, end, mut step) = if a.len() > 1 {
        let Some(end) = parse_number(a.get(1)) else {
            return push(o, E_NUM);
        };
        if first == 0.0 && end == 0.0 {
            return push(o, "0");
        }
        let step = if a.len() > 3 {
            parse_number(a.get(3)).unwrap_or(1.0)
        } else {
            1.0
        };
        (first, end, step)
    } else {
        if first == 0.0 {
            return;
        }
        if first == 1.0 {
            return push(o, "0");
        }
        if first - 1.0 < 0.0 {
            return push(o, "#-1 NUMBER OUT OF RANGE");
        }
        (0.0, first - 1.0, 1.0)
    };
    if !(start.is_finite() && end.is_finite() && step.is_finite()) {
        return push(o, E_NUM);
    }
    let osep = if a.len() > 2 { a.get(2) } else { " " };
    if step == 0.0 {
        step = 1.0;
    }
    step = step.abs();
    let up = start <= end;
    let ints = start.fract() == 0.0 && end.fract() == 0.0 && step.fract() == 0.0;
    if ints && start.abs() < 9e15 && end.abs() < 9e15 && step < 9e15 {
        let (mut k, e, st) = (start as i64, end as i64, step as i64);
        push_int(o, k);
        while o.len() < MAX_OUTPUT {
            k = if up { k + st } else { k - st };
            if (up && k > e) || (!up && k < e) {
                break;
            }
            push(o, osep);
            push_int(o, k);
        }
    } else {
        let mut j = start;
        push(o, &fmt_number(j));
        while o.len() < MAX_OUTPUT {
            j = if up { j + step } else { j - step };
            if (up && j > end) || (!up && j < end) {
                break;
            }
            push(o, osep);
            push(o, &fmt_number(j));
        }
    }
}

/// Append an integer without an intermediate String while there is room.
fn push_int(o: &mut String, k: i64) {
    push_i64(o, k)
}

fn fun_extract(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 3, o);
    if (a.len() > 1 && parse_int(a.get(1)).is_none())
        || (a.len() > 2 && parse_int(a.get(2)).is_none())
    {
        return push(o, E_INTS);
    }
    let mut h = Vec::new();
    let w = split_sep_m(a.get(0), sep, &mut h);
    let n = w.len();
    let start = if a.len() > 1 {
        list_position(a.get(1), n, false).map_or(-1, |p| p as i64 - 1)
    } else {
        0
    };
    let mut len = 1i64;
    if a.len() > 2 {
        len = parse_int(a.get(2)).unwrap_or(0);
        if len < 0 {
            len = list_position(a.get(2), n, false).map_or(0, |p| p as i64) - start;
        }
    }
    if start < 0 || start as usize >= n || len < 1 {
        return;
    }
    let take = usize::try_from(len).unwrap_or(usize::MAX);
    let s = sep.to_string();
    join_into(o, w.iter().skip(start as usize).take(take).copied(), &s);
}

fn fun_elements(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 2, o);
    let osep = osep_arg(a, 3, sep);
    let w = split_sep(a.get(0), sep);
    let mut first = true;
    for p in a.get(1).split(' ').filter(|s| !s.is_empty()) {
        if let Some(x) = list_position(p, w.len(), false).and_then(|i| w.get(i - 1)) {
            if !first {
                push(o, &osep);
            }
            first = false;
            push(o, x);
            if o.len() >= MAX_OUTPUT {
                break;
            }
        }
    }
}

fn fun_index(_: &mut Eval, a: &Args, o: &mut String) {
    let (Some(mut start), Some(mut end)) = (parse_int(a.get(2)), parse_int(a.get(3))) else {
        return push(o, E_INTS);
    };
    let c = a.get(1).chars().next().unwrap_or(' ');
    let mut s = a.get(0);
    if start < 1 || end < 1 || s.is_empty() {
        return;
    }
    while start > 1 {
        start -= 1;
        match s.find(c) {
            Some(i) => s = s.get(i + c.len_utf8()..).unwrap_or(""),
            None => return,
        }
    }
    s = s.trim_start_matches(' ');
    let Some(first) = s.chars().next() else {
        return;
    };
    if first == c {
        end -= 1;
    }
    let mut p = Some(first.len_utf8());
    while end > 0 {
        end -= 1;
        p = p.and_then(|at| s.get(at..)?.find(c).map(|i| at + i + c.len_utf8()));
        if p.is_none() {
            break;
        }
    }
    let stop = p.map_or(s.len(), |at| at - c.len_utf8());
    push(o, s.get(..stop).unwrap_or(s).trim_end_matches(' '));
}

fn fun_linsert(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 3, o);
    let w = split_sep(a.get(0), sep);
    let n = w.len();
    let Some(pos) = list_position(a.get(1), n, true).filter(|p| *p <= n + 1) else {
        return push(o, a.get(0));
    };
    let s = sep.to_string();
    let ins = a.get(2);
    let it = w
        .iter()
        .take(pos - 1)
        .copied()
        .chain(std::iter::once(ins))
        .chain(w.iter().skip(pos - 1).copied());
    join_into(o, it, &s);
}

fn delete_or_replace(a: &Args, o: &mut String, replace: Option<&str>) {
    let di = if replace.is_some() { 3 } else { 2 };
    let sep = sep_or_err!(a, di, o);
    let osep = osep_arg(a, di + 1, sep);
    let w = split_sep(a.get(0), sep);
    let mut out: Vec<Option<&str>> = w.iter().map(|x| Some(*x)).collect();
    for p in a.get(1).split(' ').filter(|s| !s.is_empty()) {
        if let Some(slot) = list_position(p, w.len(), false).and_then(|i| out.get_mut(i - 1)) {
            *slot = replace;
        }
    }
    join_into(o, out.into_iter().flatten(), &osep);
}
fn fun_ldelete(_: &mut Eval, a: &Args, o: &mut String) {
    delete_or_replace(a, o, None)
}
fn fun_lreplace(_: &mut Eval, a: &Args, o: &mut String) {
    delete_or_replace(a, o, Some(a.get(2)))
}

fn fun_remove(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 2, o);
    let w = split_sep(a.get(0), sep);
    let mut skip = vec![false; w.len()];
    for r in split_sep(a.get(1), sep) {
        if let Some(i) = (0..w.len()).find(|&i| !skip[i] && w[i] == r) {
            skip[i] = true;
        }
    }
    let s = sep.to_string();
    join_into(
        o,
        w.iter().zip(&skip).filter(|(_, k)| !**k).map(|(x, _)| *x),
        &s,
    );
}

fn fun_member(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 2, o);
    if a.get(1).contains(sep) {
        return push(o, "#-1 CAN ONLY TEST ONE ELEMENT");
    }
    let pos = words_or_empty(a.get(0), sep)
        .iter()
        .position(|w| *w == a.get(1))
        .map_or(0, |i| i + 1);
    push(o, &pos.to_string())
}

/// PennMUSH's split_token walk: like `split_sep` but an empty list is one empty word.
pub fn words_or_empty(list: &str, sep: char) -> Vec<&str> {
    let mut w = split_sep(list, sep);
    if w.is_empty() {
        w.push("");
    }
    w
}

fn fun_wordpos(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(cp) = parse_int(a.get(1)) else {
        return push(o, E_INT);
    };
    let sep = sep_or_err!(a, 2, o);
    let s = a.get(0);
    let tp = match usize::try_from(cp) {
        Ok(c) if c >= 1 && c <= s.len() => c - 1,
        _ => return push(o, "#-1"),
    };
    // Word end offsets in the original text.
    let mut i = 1;
    let mut off = 0;
    let mut found = false;
    for part in s.split(sep) {
        let end = off + part.len();
        if !(sep == ' ' && part.is_empty()) {
            if tp < end {
                found = true;
                break;
            }
            i += 1;
        }
        off = end + sep.len_utf8();
    }
    let _ = found;
    push(o, &i.to_string())
}

fn fun_revwords(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 1, o);
    let osep = osep_arg(a, 2, sep);
    join_into(o, split_sep(a.get(0), sep).into_iter().rev(), &osep);
}

fn fun_items(_: &mut Eval, a: &Args, o: &mut String) {
    let c = a.get(1).chars().next().unwrap_or(' ');
    push(o, &(a.get(0).matches(c).count() + 1).to_string())
}

fn itemize(o: &mut String, words: &[&str], conj: &str, punc: &str, space: &str) {
    let n = words.len();
    for (i, w) in words.iter().enumerate() {
        let cur = i + 1;
        if cur > 1 {
            if cur == n {
                if cur >= 3 {
                    push(o, punc);
                }
                push(o, space);
                push(o, conj);
                push(o, space);
            } else {
                push(o, punc);
                push(o, space);
            }
        }
        push(o, w);
        if o.len() >= MAX_OUTPUT {
            break;
        }
    }
}
fn fun_itemize(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 1, o);
    let conj = if a.len() > 2 { a.get(2) } else { "and" };
    let punc = if a.len() > 3 { a.get(3) } else { "," };
    itemize(o, &split_sep(a.get(0), sep), conj, punc, " ");
}
fn fun_elist(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 2, o);
    let conj = if a.len() > 1 { a.get(1) } else { "and" };
    let space = if a.len() > 3 { a.get(3) } else { " " };
    let punc = if a.len() > 4 { a.get(4) } else { "," };
    itemize(o, &split_sep(a.get(0), sep), conj, punc, space);
}

fn fun_splice(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 3, o);
    let word = a.get(2);
    if word.is_empty() {
        return push(o, "#-1 NEED A WORD");
    }
    if split_sep(word, sep).len() != 1 {
        return push(o, "#-1 TOO MANY WORDS");
    }
    let orig = split_sep(a.get(0), sep);
    let repl = split_sep(a.get(1), sep);
    if orig.len() != repl.len() {
        return push(o, "#-1 NUMBER OF WORDS MUST BE EQUAL");
    }
    let s = sep.to_string();
    let it = orig
        .iter()
        .zip(&repl)
        .map(|(x, r)| if *x == word { *r } else { *x });
    join_into(o, it, &s);
}

fn fun_iter(ev: &mut Eval, a: &Args, o: &mut String) {
    let list = ev.lazy(a, 0);
    let d = if a.len() > 2 {
        ev.lazy(a, 2)
    } else {
        String::new()
    };
    let d = if d.is_empty() { " ".to_string() } else { d };
    let osep = if a.len() > 3 {
        ev.lazy(a, 3)
    } else {
        " ".to_string()
    };
    let mut h = Vec::new();
    let items = split_list_m(&list, &d, &mut h);
    ev.ctx.iter.push(IterFrame::default());
    let mut pos = String::new();
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            push(o, &osep);
        }
        if let Some(f) = ev.ctx.iter.last_mut() {
            f.text.clear();
            f.text.push_str(item);
            f.num = n + 1;
        }
        pos.clear();
        push_int(&mut pos, (n + 1) as i64);
        ev.lazy_bound(a, 1, &[(Token::Item, item), (Token::Pos, &pos)], o);
        if ev.aborted() || o.len() >= MAX_OUTPUT || ev.ctx.iter.last().is_some_and(|f| f.brk) {
            break;
        }
    }
    ev.ctx.iter.pop();
}

fn level_arg(ev: &Eval, s: &str, depth: usize) -> Result<usize, &'static str> {
    let _ = ev;
    if s.eq_ignore_ascii_case("l") {
        return depth.checked_sub(1).ok_or(E_ARGRANGE);
    }
    let n = parse_int(s).ok_or(E_INT)?;
    match usize::try_from(n) {
        Ok(n) if n < depth => Ok(n),
        _ => Err(E_ARGRANGE),
    }
}

fn fun_itext(ev: &mut Eval, a: &Args, o: &mut String) {
    let depth = ev.ctx.iter.len();
    match level_arg(ev, a.get(0), depth) {
        Ok(n) => {
            let t = ev
                .ctx
                .iter
                .get(depth - 1 - n)
                .map(|f| f.text.clone())
                .unwrap_or_default();
            push(o, &t)
        }
        Err(e) => push(o, e),
    }
}
fn fun_inum(ev: &mut Eval, a: &Args, o: &mut String) {
    let depth = ev.ctx.iter.len();
    match level_arg(ev, a.get(0), depth) {
        Ok(n) => {
            let t = ev.ctx.iter.get(depth - 1 - n).map_or(0, |f| f.num);
            push(o, &t.to_string())
        }
        Err(e) => push(o, e),
    }
}
fn fun_ilev(ev: &mut Eval, _: &Args, o: &mut String) {
    push(o, &(ev.ctx.iter.len() as i64 - 1).to_string())
}
fn fun_ibreak(ev: &mut Eval, a: &Args, o: &mut String) {
    let depth = ev.ctx.iter.len();
    // 1-based: ibreak() and ibreak(1) stop the innermost iter, ibreak(2) two levels...
    let n = if a.is_empty() || a.get(0).is_empty() {
        1
    } else {
        match parse_int(a.get(0)) {
            Some(n) => n,
            None => return push(o, E_INT),
        }
    };
    if n == 0 {
        return;
    }
    match usize::try_from(n).ok().filter(|n| *n <= depth) {
        Some(n) => {
            for f in ev.ctx.iter.iter_mut().skip(depth - n) {
                f.brk = true;
            }
        }
        None => push(o, "#-1 OUT OF RANGE"),
    }
}
fn fun_stext(ev: &mut Eval, a: &Args, o: &mut String) {
    let depth = ev.ctx.switch.len();
    match level_arg(ev, a.get(0), depth) {
        Ok(n) => {
            let t = ev
                .ctx
                .switch
                .get(depth - 1 - n)
                .cloned()
                .unwrap_or_default();
            push(o, &t)
        }
        Err(e) => push(o, e),
    }
}
fn fun_slev(ev: &mut Eval, _: &Args, o: &mut String) {
    push(o, &(ev.ctx.switch.len() as i64 - 1).to_string())
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("ELEMENTS", 2, 4, fun_elements),
    FnDef::new("ELIST", 1, 5, fun_elist),
    FnDef::new("EXTRACT", 1, 4, fun_extract),
    FnDef::new("INDEX", 4, 4, fun_index),
    FnDef::new("INSERT", 3, 4, fun_linsert),
    FnDef::new("ITEMIZE", 1, 4, fun_itemize),
    FnDef::new("ITEMS", 2, 2, fun_items),
    FnDef::new("LDELETE", 2, 4, fun_ldelete),
    FnDef::new("LINSERT", 3, 4, fun_linsert),
    FnDef::new("LREPLACE", 3, 5, fun_lreplace),
    FnDef::new("MEMBER", 2, 3, fun_member),
    FnDef::new("PARSE", 2, 4, fun_iter).noparse(),
    FnDef::new("REMOVE", 2, 3, fun_remove),
    FnDef::new("REPLACE", 3, 5, fun_lreplace),
    FnDef::new("REVWORDS", 1, 3, fun_revwords),
    FnDef::new("SPLICE", 3, 4, fun_splice),
    FnDef::new("WORDPOS", 2, 3, fun_wordpos),
    FnDef::new("FIRST", 1, 2, fun_first),
    FnDef::new("IBREAK", 0, 1, fun_ibreak),
    FnDef::new("ILEV", 0, 0, fun_ilev),
    FnDef::new("INUM", 1, 1, fun_inum),
    FnDef::new("ITER", 2, 4, fun_iter).noparse(),
    FnDef::new("ITEXT", 1, 1, fun_itext),
    FnDef::new("LAST", 1, 2, fun_last),
    FnDef::new("LNUM", 1, 4, fun_lnum),
    FnDef::new("REST", 1, 2, fun_rest),
    FnDef::new("SLEV", 0, 0, fun_slev),
    FnDef::new("STEXT", 1, 1, fun_stext),
    FnDef::new("WORDS", 1, 2, fun_words),
];
