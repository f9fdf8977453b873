//! The string functions' work on text that carries colour markup. Each function in
//! strings.rs/format.rs checks `has_markup` (a byte scan) and comes here only when
//! there is markup, so plain text keeps its fast path. Here the text is read into a
//! [`Marked`] string, worked on character by character, and written back with each
//! character in its colour, as PennMUSH's ansi_string functions do.

use crate::eval::push;
use crate::markup::Marked;

/// Characters `[start, start+len)`, in their colours.
pub(crate) fn slice(o: &mut String, s: &str, start: usize, len: usize) {
    Marked::parse(s).slice(start, len).write(o)
}

/// ucstr/lcstr.
pub(crate) fn case(o: &mut String, s: &str, upper: bool) {
    let m = Marked::parse(s);
    let out = if upper {
        m.map_chars(|_, c| c.to_uppercase().collect::<Vec<_>>())
    } else {
        m.map_chars(|_, c| c.to_lowercase().collect::<Vec<_>>())
    };
    out.write(o)
}

/// capstr: the first character in upper case.
pub(crate) fn capitalize(o: &mut String, s: &str) {
    let m = Marked::parse(s).map_chars(|i, c| {
        if i == 0 {
            c.to_uppercase().collect::<Vec<_>>()
        } else {
            vec![c]
        }
    });
    m.write(o)
}

/// flip/reverse.
pub(crate) fn flip(o: &mut String, s: &str) {
    let mut m = Marked::parse(s);
    m.reverse();
    m.write(o)
}

/// trim: drop characters of `set` from the ends (`style` 'l' keeps the right end,
/// 'r' the left).
pub(crate) fn trim(o: &mut String, s: &str, set: &[char], style: Option<char>) {
    let m = Marked::parse(s);
    let cs = m.chars();
    let mut start = 0;
    let mut end = cs.len();
    if style != Some('l') {
        while end > start && cs.get(end - 1).is_some_and(|c| set.contains(c)) {
            end -= 1;
        }
    }
    if style != Some('r') {
        while start < end && cs.get(start).is_some_and(|c| set.contains(c)) {
            start += 1;
        }
    }
    m.slice(start, end - start).write(o)
}

/// edit(): each pair of arguments replaces every occurrence of a (plain) search
/// string; `^` and `$` add at the start and end. Replacements take the colour of what
/// they replace.
pub(crate) fn edit(o: &mut String, s: &str, pairs: &[(&str, &str)]) {
    let mut m = Marked::parse(s);
    for (needle, repl) in pairs {
        let needle: Vec<char> = crate::markup::strip(needle).chars().collect();
        let src = Marked::parse(repl);
        match needle.as_slice() {
            ['$'] => {
                let at = m.len();
                m.replace(at, 0, &src);
            }
            ['^'] => m.replace(0, 0, &src),
            [] => {
                let mut out = Marked::default();
                let n = m.len();
                for i in 0..n {
                    if i > 0 {
                        out.append(&src);
                    }
                    out.append(&m.slice(i, 1));
                    if out.len() > crate::eval::MAX_OUTPUT {
                        break;
                    }
                }
                m = out;
            }
            needle => {
                let mut i = 0;
                while i + needle.len() <= m.len() {
                    if m.chars().get(i..i + needle.len()) == Some(needle) {
                        m.replace(i, needle.len(), &src);
                        i += src.len().max(1);
                        if src.is_empty() {
                            i -= 1;
                        }
                        if m.len() > crate::eval::MAX_OUTPUT {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
        }
    }
    m.write(o)
}

/// decompose(): what to type to get the text back, colour as ansi() calls.
pub(crate) fn decompose(o: &mut String, s: &str, plain: fn(&mut String, &str)) {
    for (style, text) in Marked::parse(s).runs() {
        if style.is_null() {
            plain(o, &text);
        } else {
            push(o, "[ansi(");
            push(o, &style.letters());
            push(o, ",");
            plain(o, &text);
            push(o, ")]");
        }
    }
}

/// rest(): everything after the first item, as it was.
pub(crate) fn rest(o: &mut String, s: &str, sep: char) {
    let m = Marked::parse(s);
    let cs = m.chars();
    let mut i = 0;
    if sep == ' ' {
        while cs.get(i) == Some(&' ') {
            i += 1;
        }
    }
    let Some(p) = cs.get(i..).and_then(|r| r.iter().position(|c| *c == sep)) else {
        return;
    };
    let mut start = i + p + 1;
    if sep == ' ' {
        while cs.get(start) == Some(&' ') {
            start += 1;
        }
    }
    m.slice(start, cs.len().saturating_sub(start)).write(o)
}

/// The items of a list with markup, each carrying its own colour (PennMUSH's
/// list2arr_ansi): `a b` in red gives a red `a` and a red `b`.
pub(crate) fn split_items(list: &str, sep: char) -> Vec<String> {
    Marked::parse(list)
        .split(sep)
        .iter()
        .map(Marked::to_markup)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red(t: &str) -> String {
        format!("\x02cr\x03{t}\x02c/\x03")
    }

    #[test]
    fn operations_keep_colour() {
        let mut o = String::new();
        slice(&mut o, &red("abcdef"), 1, 2);
        assert_eq!(o, red("bc"));
        o.clear();
        case(&mut o, &red("abc"), true);
        assert_eq!(o, red("ABC"));
        o.clear();
        flip(&mut o, &format!("{}cd", red("ab")));
        assert_eq!(o, format!("dc{}", red("ba")));
        o.clear();
        trim(&mut o, &red("  x  "), &[' '], None);
        assert_eq!(o, red("x"));
        o.clear();
        edit(&mut o, &red("hello"), &[("l", "L")]);
        assert_eq!(o, red("heLLo"));
        o.clear();
        edit(&mut o, &red("ab"), &[("$", "!")]);
        assert_eq!(o, format!("{}!", red("ab")));
        assert_eq!(split_items(&red("a b"), ' '), [red("a"), red("b")]);
    }
}
