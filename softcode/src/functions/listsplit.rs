//! Splitting and joining lists as PennMUSH's list functions do (split from lists.rs):
//! separators, the space rule, and lists whose items carry colour markup.

use crate::eval::{push, Args, MAX_OUTPUT};
use crate::functions::marked_ops;
use crate::markup::has_markup;

/// PennMUSH's "#-1 SEPARATOR MUST BE ONE CHARACTER".
pub const E_SEP: &str = "#-1 SEPARATOR MUST BE ONE CHARACTER";

/// Split `list` on `delim` as PennMUSH does: a space delimiter trims and collapses.
pub fn split_list<'a>(list: &'a str, delim: &str) -> Vec<&'a str> {
    if delim.is_empty() || delim == " " {
        split_spaces(list)
    } else if list.is_empty() {
        Vec::new()
    } else {
        list.split(delim).collect()
    }
}

/// The non-empty runs between spaces (`split(' ')` without the empty pieces), by bytes.
fn split_spaces(list: &str) -> Vec<&str> {
    let b = list.as_bytes();
    let mut v = Vec::with_capacity(b.len() / 4 + 1);
    let mut start = None;
    for (i, &c) in b.iter().enumerate() {
        match (c == b' ', start) {
            (true, Some(s)) => {
                v.extend(list.get(s..i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        v.extend(list.get(s..));
    }
    v
}

/// Split on a one-character separator (PennMUSH's list2arr): a space trims the list and
/// collapses runs of spaces; any other separator keeps empty elements.
pub fn split_sep(list: &str, sep: char) -> Vec<&str> {
    if sep == ' ' {
        split_spaces(list)
    } else if list.is_empty() {
        Vec::new()
    } else {
        list.split(sep).collect()
    }
}

/// `split_sep` for a list that may carry colour markup: each item keeps its colour.
/// With markup, the items are re-written into `holder`, which the result borrows.
pub fn split_sep_m<'a>(list: &'a str, sep: char, holder: &'a mut Vec<String>) -> Vec<&'a str> {
    if !has_markup(list) {
        return split_sep(list, sep);
    }
    *holder = marked_ops::split_items(list, sep);
    holder.iter().map(String::as_str).collect()
}

/// `split_list` with colour markup kept on each item (see `split_sep_m`).
pub fn split_list_m<'a>(list: &'a str, delim: &str, holder: &'a mut Vec<String>) -> Vec<&'a str> {
    let mut cs = delim.chars();
    match (cs.next(), cs.next()) {
        (None, _) => split_sep_m(list, ' ', holder),
        (Some(c), None) => split_sep_m(list, c, holder),
        _ => split_list(list, delim),
    }
}

/// Separator argument `i` (PennMUSH's delim_check): absent or empty is a space; more
/// than one character is an error (None).
pub fn sep_arg(a: &Args, i: usize) -> Option<char> {
    let s = a.get(i);
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (None, _) => Some(' '),
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// Output separator argument `i`, defaulting to the input separator.
pub fn osep_arg(a: &Args, i: usize, sep: char) -> String {
    if a.len() > i {
        a.get(i).to_string()
    } else {
        sep.to_string()
    }
}

/// Join `items` with `sep` into `o` through the cap.
pub fn join_into<'a>(o: &mut String, items: impl IntoIterator<Item = &'a str>, sep: &str) {
    for (i, w) in items.into_iter().enumerate() {
        if i > 0 {
            push(o, sep);
        }
        push(o, w);
        if o.len() >= MAX_OUTPUT {
            break;
        }
    }
}
