//! Basic list functions and iter(): words, first, rest, last, lnum, iter (with `##`,
//! `#@`, itext/inum/ilev/ibreak), stext/slev. The full list family extends this.

use crate::context::IterFrame;
use crate::eval::{push, Args, Eval, E_ARGRANGE, E_INT, MAX_OUTPUT};
use crate::functions::math::parse_int;
use crate::functions::FnDef;
use crate::parse::Token;

/// Split `list` on `delim` as PennMUSH does: a space delimiter trims and collapses.
pub fn split_list<'a>(list: &'a str, delim: &str) -> Vec<&'a str> {
    if delim.is_empty() || delim == " " {
        list.split(' ').filter(|s| !s.is_empty()).collect()
    } else if list.is_empty() {
        Vec::new()
    } else {
        list.split(delim).collect()
    }
}

fn delim<'a>(a: &'a Args<'_>, i: usize) -> &'a str {
    let d = a.get(i);
    if d.is_empty() {
        " "
    } else {
        d
    }
}

fn fun_words(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, &split_list(a.get(0), delim(a, 1)).len().to_string())
}
fn fun_first(_: &mut Eval, a: &Args, o: &mut String) {
    if let Some(w) = split_list(a.get(0), delim(a, 1)).first() {
        push(o, w)
    }
}
fn fun_last(_: &mut Eval, a: &Args, o: &mut String) {
    if let Some(w) = split_list(a.get(0), delim(a, 1)).last() {
        push(o, w)
    }
}
fn fun_rest(_: &mut Eval, a: &Args, o: &mut String) {
    let d = delim(a, 1);
    let s = if d == " " {
        a.get(0).trim_start_matches(' ')
    } else {
        a.get(0)
    };
    if let Some((_, r)) = s.split_once(d) {
        push(
            o,
            if d == " " {
                r.trim_start_matches(' ')
            } else {
                r
            },
        )
    }
}
fn fun_lnum(_: &mut Eval, a: &Args, o: &mut String) {
    let (lo, hi) = if a.len() == 1 {
        match parse_int(a.get(0)) {
            Some(n) if n > 0 => (0, n - 1),
            Some(_) => return,
            None => return push(o, E_INT),
        }
    } else {
        match (parse_int(a.get(0)), parse_int(a.get(1))) {
            (Some(x), Some(y)) => (x, y),
            _ => return push(o, E_INT),
        }
    };
    let sep = if a.len() > 2 { a.get(2) } else { " " };
    let step = if a.len() > 3 {
        parse_int(a.get(3)).unwrap_or(1).max(1)
    } else {
        1
    };
    let mut i = lo;
    let mut first = true;
    loop {
        if (lo <= hi && i > hi) || (lo > hi && i < hi) || o.len() >= MAX_OUTPUT {
            break;
        }
        if !first {
            push(o, sep);
        }
        first = false;
        push(o, &i.to_string());
        i = if lo <= hi { i + step } else { i - step };
    }
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
    let items = split_list(&list, &d);
    ev.ctx.iter.push(IterFrame::default());
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            push(o, &osep);
        }
        if let Some(f) = ev.ctx.iter.last_mut() {
            f.text = item.to_string();
            f.num = n + 1;
        }
        let pos = (n + 1).to_string();
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
    let n = if a.is_empty() {
        Some(0)
    } else {
        match parse_int(a.get(0)) {
            Some(n) => usize::try_from(n).ok(),
            None => return push(o, E_INT),
        }
    };
    match n.filter(|n| *n < depth) {
        Some(n) => {
            for f in ev.ctx.iter.iter_mut().skip(depth - 1 - n) {
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
