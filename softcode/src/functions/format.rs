//! Layout functions: ljust, rjust, center, wrap, table (align/lalign live in
//! `align.rs`). Widths are counted in characters and every fill is bounded by the
//! 8,191-byte output buffer.

use crate::eval::{push, Args, Eval, MAX_OUTPUT};
use crate::functions::ansi::strip_markup;
use crate::functions::lists::split_list;
use crate::functions::math::{E_INT, E_INTS, E_UINT};
use crate::functions::strings::{push_chars, push_fill, uint_arg};
use crate::functions::FnDef;
use crate::markup::{has_markup, Marked};

/// `n` characters of repeated `fill` (PennMUSH's multi-character fill strings).
pub(crate) fn fill_str(fill: &str, n: usize) -> String {
    let cs: Vec<char> = fill.chars().collect();
    if cs.is_empty() {
        return String::new();
    }
    cs.iter().cycle().take(n.min(MAX_OUTPUT)).collect()
}

fn chars(s: &str) -> usize {
    strip_markup(s).chars().count()
}

fn justify(a: &Args, o: &mut String, right: bool) {
    let Some(width) = uint_arg(a.get(1)) else {
        return push(o, E_UINT);
    };
    let width = width.min(MAX_OUTPUT);
    let s = a.get(0);
    let len = chars(s);
    if len >= width {
        if a.len() > 3 && crate::functions::math::truthy(a.get(3)) {
            return push_chars(o, s, 0, width);
        }
        return push(o, s);
    }
    let pad = width - len;
    let fill = a.get(2);
    let f = if fill.is_empty() {
        " ".repeat(pad)
    } else {
        fill_str(fill, pad)
    };
    if right {
        push(o, &f);
        push(o, s);
    } else {
        push(o, s);
        push(o, &f);
    }
}
fn fun_ljust(_: &mut Eval, a: &Args, o: &mut String) {
    justify(a, o, false)
}
fn fun_rjust(_: &mut Eval, a: &Args, o: &mut String) {
    justify(a, o, true)
}
fn fun_center(_: &mut Eval, a: &Args, o: &mut String) {
    let Some(width) = uint_arg(a.get(1)) else {
        return push(o, E_UINT);
    };
    let s = a.get(0);
    let len = chars(s);
    if len >= width {
        return push(o, s);
    }
    let lsp = ((width - len) / 2).min(MAX_OUTPUT);
    let rsp = ((width - len) / 2 + (width - len) % 2).min(MAX_OUTPUT);
    let (lf, rf) = (a.get(2), a.get(3));
    if lf.is_empty() && rf.is_empty() {
        push_fill(o, ' ', lsp);
        push(o, s);
        return push_fill(o, ' ', rsp);
    }
    if lf.is_empty() {
        return push(o, "#-1 FILL ARGUMENT MAY NOT BE ZERO-LENGTH");
    }
    push(o, &fill_str(lf, lsp));
    push(o, s);
    if a.len() > 3 {
        if rf.is_empty() {
            push_fill(o, ' ', rsp)
        } else {
            push(o, &fill_str(rf, rsp))
        }
    } else {
        let r: String = fill_str(lf, rsp).chars().rev().collect();
        push(o, &r)
    }
}

/// PennMUSH's wraplen: characters to take for the next line, or None to hyphenate.
fn wraplen(s: &[char], max: usize) -> Option<usize> {
    let mut last = None;
    for i in 0..max {
        match s.get(i) {
            None | Some('\n') | Some('\r') => return Some(i),
            Some(' ') => last = Some(i),
            _ => {}
        }
    }
    match s.get(max) {
        None | Some('\n') | Some('\r') => Some(max),
        _ => last,
    }
}

fn int_default(a: &Args, i: usize, def: i64, o: &mut String) -> Option<i64> {
    if a.get(i).is_empty() {
        return Some(def);
    }
    let v = crate::functions::math::parse_int(a.get(i));
    if v.is_none() {
        push(o, E_INT);
    }
    v
}

fn fun_wrap(_: &mut Eval, a: &Args, o: &mut String) {
    let text = a.get(0);
    if text.is_empty() {
        return;
    }
    let Some(width) = int_default(a, 1, 72, o) else {
        return;
    };
    let Some(mut first) = int_default(a, 2, width, o) else {
        return;
    };
    if first == 0 {
        first = width;
    }
    let sep = if a.len() > 3 { a.get(3) } else { "\n" };
    if width < 2 || first < 2 {
        return push(o, "#-1 WIDTH TOO SMALL");
    }
    let width = usize::try_from(width)
        .unwrap_or(MAX_OUTPUT)
        .min(MAX_OUTPUT + 1);
    let first = usize::try_from(first)
        .unwrap_or(MAX_OUTPUT)
        .min(MAX_OUTPUT + 1);
    // With colour markup, lines are cut from the marked text so each keeps its colour.
    let marked = has_markup(text).then(|| Marked::parse(text));
    let cs: Vec<char> = match &marked {
        Some(m) => m.chars().to_vec(),
        None => strip_markup(text).chars().collect(),
    };
    let put = |o: &mut String, from: usize, n: usize| match &marked {
        Some(m) => m.slice(from, n).write(o),
        None => {
            let part: String = cs.get(from..).unwrap_or(&[]).iter().take(n).collect();
            push(o, &part);
        }
    };
    let mut pos = 0;
    let mut line = 0;
    while pos < cs.len() && o.len() < MAX_OUTPUT {
        let lw = if line == 0 { first } else { width };
        if line > 0 {
            push(o, sep);
        }
        line += 1;
        let rest = cs.get(pos..).unwrap_or(&[]);
        match wraplen(rest, lw) {
            None => {
                put(o, pos, lw - 1);
                push(o, "-");
                pos += lw - 1;
            }
            Some(n) => {
                put(o, pos, n);
                let mut skip = n;
                if rest.get(n) == Some(&'\r') {
                    skip += 1;
                }
                pos += skip + 1;
            }
        }
    }
}

fn fun_table(_: &mut Eval, a: &Args, o: &mut String) {
    let spec = a.get(1).trim();
    let (align, wtxt) = match spec.chars().next() {
        Some(c @ ('<' | '>' | '-')) => (c, spec.get(1..).unwrap_or("")),
        _ => ('<', spec),
    };
    let field = if wtxt.is_empty() {
        Some(10)
    } else {
        crate::functions::math::parse_int(wtxt)
    };
    let line = if a.get(2).trim().is_empty() {
        Some(78)
    } else {
        crate::functions::math::parse_int(a.get(2))
    };
    let (Some(mut field), Some(line)) = (field, line) else {
        return push(o, E_INTS);
    };
    let mut align = align;
    if field < 0 {
        align = '-';
        field = -field;
    }
    let line = line.clamp(1, MAX_OUTPUT as i64);
    let mut field = field.clamp(1, MAX_OUTPUT as i64);
    if field > line {
        field = (line - 1).max(1);
    }
    let delim = if a.get(3).is_empty() { " " } else { a.get(3) };
    let osep = if a.len() > 4 { a.get(4) } else { " " };
    let osep = if osep.is_empty() { " " } else { osep };
    let fw = usize::try_from(field).unwrap_or(1);
    let lw = usize::try_from(line).unwrap_or(1);
    let sep_len = osep.chars().count();
    let cols = ((lw + sep_len) / (fw + sep_len)).max(1);
    let items = split_list(a.get(0), delim);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            if i % cols == 0 {
                push(o, "\n");
            } else {
                push(o, osep);
            }
        }
        let len = chars(item);
        let item: String = if len > fw {
            item.chars().take(fw).collect()
        } else {
            (*item).to_string()
        };
        let pad = fw.saturating_sub(len);
        match align {
            '>' => {
                push_fill(o, ' ', pad);
                push(o, &item);
            }
            '-' => {
                push_fill(o, ' ', pad / 2);
                push(o, &item);
                push_fill(o, ' ', pad - pad / 2);
            }
            _ => {
                push(o, &item);
                push_fill(o, ' ', pad);
            }
        }
        if o.len() >= MAX_OUTPUT {
            return;
        }
    }
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("CENTER", 2, 4, fun_center),
    FnDef::new("LJUST", 2, 4, fun_ljust),
    FnDef::new("RJUST", 2, 4, fun_rjust),
    FnDef::new("TABLE", 1, 5, fun_table),
    FnDef::new("WRAP", 2, 4, fun_wrap),
];

#[cfg(test)]
mod tests {
    use crate::functions::strings::tests::ev;

    #[test]
    fn justify() {
        assert_eq!(ev("ljust(abc,8,=+)"), "abc=+=+=");
        assert_eq!(ev("rjust(5,3,0)"), "005");
        assert_eq!(ev("center(abc,11,12)"), "1212abc2121");
        assert_eq!(ev("strlen(center(x,99999999))"), "8191");
    }

    #[test]
    fn wrapping() {
        assert_eq!(ev("wrap(abcdefghijklmnop,5)"), "abcd-\nefgh-\nijkl-\nmnop");
        assert_eq!(
            ev("wrap(the quick brown fox,10,5)"),
            "the\nquick\nbrown fox"
        );
        assert_eq!(ev("table(a b c d,5,12,,|)"), "a    |b    \nc    |d    ");
    }
}
