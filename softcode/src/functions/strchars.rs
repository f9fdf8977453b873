//! String functions about single characters and escaping: chr/ord, brackets,
//! escape/secure/decompose, tr/merge, accent/stripaccents (split from strings.rs).

use crate::eval::{push, push_char, Args, Eval, MAX_OUTPUT};
use crate::functions::ansi::strip_markup;
use crate::functions::marked_ops;
use crate::functions::math::E_UINT;
use crate::functions::FnDef;
use crate::markup::has_markup;

fn printable(c: u32) -> bool {
    (32..127).contains(&c)
}
fn fun_chr(_: &mut Eval, a: &Args, o: &mut String) {
    let t = a.get(0).trim();
    let Some(n) = (if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        Some(t.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        None
    }) else {
        return push(o, E_UINT);
    };
    if n > 255 {
        push(o, "#-1 THIS ISN'T UNICODE")
    } else if let Some(c) = u32::try_from(n)
        .ok()
        .filter(|c| printable(*c))
        .and_then(char::from_u32)
    {
        push_char(o, c)
    } else {
        push(o, "#-1 UNPRINTABLE CHARACTER")
    }
}
fn fun_ord(_: &mut Eval, a: &Args, o: &mut String) {
    let s = strip_markup(a.get(0));
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (Some(c), None) => {
            if printable(u32::from(c)) || (u32::from(c) > 159 && !c.is_control()) {
                push(o, &u32::from(c).to_string())
            } else {
                push(o, "#-1 UNPRINTABLE CHARACTER")
            }
        }
        _ => push(o, "#-1 FUNCTION (ORD) EXPECTS ONE CHARACTER"),
    }
}
fn fun_brackets(_: &mut Eval, a: &Args, o: &mut String) {
    let mut n = [0usize; 6];
    for c in a.get(0).chars() {
        let i = match c {
            '[' => 0,
            ']' => 1,
            '(' => 2,
            ')' => 3,
            '{' => 4,
            '}' => 5,
            _ => continue,
        };
        if let Some(x) = n.get_mut(i) {
            *x += 1;
        }
    }
    let v: Vec<String> = n.iter().map(|x| x.to_string()).collect();
    push(o, &v.join(" "))
}

/// PennMUSH's `escaped_chars`: characters the parser treats specially.
pub(crate) fn is_special(c: char) -> bool {
    matches!(
        c,
        '$' | '%' | '(' | ')' | ',' | ';' | '[' | '\\' | ']' | '^' | '{' | '}'
    )
}
fn fun_escape(_: &mut Eval, a: &Args, o: &mut String) {
    let s = a.get(0);
    if s.is_empty() {
        return;
    }
    push(o, "\\");
    for (i, c) in s.chars().enumerate() {
        if i > 0 && is_special(c) {
            push(o, "\\");
        }
        push_char(o, c);
    }
}
fn fun_secure(_: &mut Eval, a: &Args, o: &mut String) {
    let r: String = a
        .get(0)
        .chars()
        .map(|c| if is_special(c) { ' ' } else { c })
        .collect();
    push(o, &r)
}
fn push_spaces_decomposed(o: &mut String, mut spaces: usize, leading: bool, trailing: bool) {
    if spaces >= 5 {
        return push(o, &format!("[space({spaces})]"));
    }
    if trailing {
        spaces -= 1;
        if spaces > 0 && leading {
            spaces -= 1;
            push(o, "%b");
        }
        while spaces > 0 {
            push(o, " ");
            spaces -= 1;
            if spaces > 0 {
                spaces -= 1;
                push(o, "%b");
            }
        }
        return push(o, "%b");
    }
    if leading {
        spaces -= 1;
        push(o, "%b");
    }
    while spaces > 0 {
        push(o, " ");
        spaces -= 1;
        if spaces > 0 {
            spaces -= 1;
            push(o, "%b");
        }
    }
}
fn fun_decompose(_: &mut Eval, a: &Args, o: &mut String) {
    if has_markup(a.get(0)) {
        return marked_ops::decompose(o, a.get(0), decompose_plain);
    }
    decompose_plain(o, a.get(0))
}
fn decompose_plain(o: &mut String, s: &str) {
    let s = strip_markup(s);
    let mut spaces = 0usize;
    let mut leading = true;
    for c in s.chars() {
        if c == ' ' {
            spaces += 1;
            continue;
        }
        if spaces > 0 {
            push_spaces_decomposed(o, spaces, leading, false);
        }
        spaces = 0;
        leading = false;
        match c {
            '\n' => push(o, "%r"),
            '\t' => push(o, "%t"),
            '\x07' => push(o, "[beep()]"),
            c => {
                if is_special(c) {
                    push(o, "\\");
                }
                push_char(o, c);
            }
        }
        if o.len() >= MAX_OUTPUT {
            return;
        }
    }
    if spaces > 0 {
        push_spaces_decomposed(o, spaces, leading, true);
    }
}

/// Expand `tr()` ranges (`a-z`, also descending `z-a`).
fn tr_expand(s: &str) -> Option<Vec<char>> {
    let cs: Vec<char> = s.chars().collect();
    let mut v = Vec::new();
    let mut i = 0;
    while let Some(&c) = cs.get(i) {
        if c.is_control() && c != '\n' {
            return None;
        }
        if cs.get(i + 1) == Some(&'-') {
            if let Some(&d) = cs.get(i + 2) {
                let (x, y) = (u32::from(c), u32::from(d));
                if x <= y {
                    v.extend((x..=y).filter_map(char::from_u32).take(MAX_OUTPUT));
                } else {
                    v.extend((y..=x).rev().filter_map(char::from_u32).take(MAX_OUTPUT));
                }
                if v.len() > MAX_OUTPUT {
                    return Some(v);
                }
                i += 3;
                continue;
            }
        }
        v.push(c);
        i += 1;
    }
    Some(v)
}
fn fun_tr(_: &mut Eval, a: &Args, o: &mut String) {
    let (Some(from), Some(to)) = (
        tr_expand(&strip_markup(a.get(1))),
        tr_expand(&strip_markup(a.get(2))),
    ) else {
        return push(o, "#-1 TR CANNOT ACCEPT NONPRINTING CHARS");
    };
    if from.len() != to.len() {
        return push(o, "#-1 STRING LENGTHS MUST BE EQUAL");
    }
    let map: std::collections::HashMap<char, char> =
        from.iter().copied().zip(to.iter().copied()).collect();
    let r: String = a
        .get(0)
        .chars()
        .map(|c| map.get(&c).copied().unwrap_or(c))
        .collect();
    push(o, &r)
}
fn fun_merge(_: &mut Eval, a: &Args, o: &mut String) {
    let set: Vec<char> = if a.get(2).is_empty() {
        vec![' ']
    } else {
        strip_markup(a.get(2)).chars().collect()
    };
    let s1: Vec<char> = a.get(0).chars().collect();
    let s2: Vec<char> = a.get(1).chars().collect();
    if s1.len() != s2.len() {
        return push(o, "#-1 STRING LENGTHS MUST BE EQUAL");
    }
    let r: String = s1
        .iter()
        .zip(s2.iter())
        .map(|(x, y)| if set.contains(x) { *y } else { *x })
        .collect();
    push(o, &r)
}
/// Latin-1 letters with accents, as (accented, base, accent mark) for accent() and
/// stripaccents().
const ACCENTS: &[(char, char, char)] = &[
    ('À', 'A', '`'),
    ('Á', 'A', '\''),
    ('Â', 'A', '^'),
    ('Ã', 'A', '~'),
    ('Ä', 'A', ':'),
    ('Å', 'A', 'o'),
    ('Ç', 'C', ','),
    ('È', 'E', '`'),
    ('É', 'E', '\''),
    ('Ê', 'E', '^'),
    ('Ë', 'E', ':'),
    ('Ì', 'I', '`'),
    ('Í', 'I', '\''),
    ('Î', 'I', '^'),
    ('Ï', 'I', ':'),
    ('Ñ', 'N', '~'),
    ('Ò', 'O', '`'),
    ('Ó', 'O', '\''),
    ('Ô', 'O', '^'),
    ('Õ', 'O', '~'),
    ('Ö', 'O', ':'),
    ('Ù', 'U', '`'),
    ('Ú', 'U', '\''),
    ('Û', 'U', '^'),
    ('Ü', 'U', ':'),
    ('Ý', 'Y', '\''),
    ('à', 'a', '`'),
    ('á', 'a', '\''),
    ('â', 'a', '^'),
    ('ã', 'a', '~'),
    ('ä', 'a', ':'),
    ('å', 'a', 'o'),
    ('ç', 'c', ','),
    ('è', 'e', '`'),
    ('é', 'e', '\''),
    ('ê', 'e', '^'),
    ('ë', 'e', ':'),
    ('ì', 'i', '`'),
    ('í', 'i', '\''),
    ('î', 'i', '^'),
    ('ï', 'i', ':'),
    ('ñ', 'n', '~'),
    ('ò', 'o', '`'),
    ('ó', 'o', '\''),
    ('ô', 'o', '^'),
    ('õ', 'o', '~'),
    ('ö', 'o', ':'),
    ('ù', 'u', '`'),
    ('ú', 'u', '\''),
    ('û', 'u', '^'),
    ('ü', 'u', ':'),
    ('ý', 'y', '\''),
    ('ÿ', 'y', ':'),
];
fn fun_accent(_: &mut Eval, a: &Args, o: &mut String) {
    let s: Vec<char> = a.get(0).chars().collect();
    let t: Vec<char> = a.get(1).chars().collect();
    if s.len() != t.len() {
        return push(o, "#-1 STRING LENGTHS MUST BE EQUAL");
    }
    let r: String = s
        .iter()
        .zip(t.iter())
        .map(|(c, m)| {
            ACCENTS
                .iter()
                .find(|(_, b, k)| b == c && k == m)
                .map_or(*c, |(x, _, _)| *x)
        })
        .collect();
    push(o, &r)
}
/// Replace accented Latin letters by their base letters.
pub(crate) fn strip_accents(s: &str) -> String {
    let mut r = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'ß' => r.push_str("ss"),
            'Æ' => r.push_str("AE"),
            'æ' => r.push_str("ae"),
            'Ø' => r.push('O'),
            'ø' => r.push('o'),
            c => r.push(
                ACCENTS
                    .iter()
                    .find(|(x, _, _)| *x == c)
                    .map_or(c, |(_, b, _)| *b),
            ),
        }
    }
    r
}
fn fun_stripaccents(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, &strip_accents(a.get(0)))
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("ACCENT", 2, 2, fun_accent),
    FnDef::new("BRACKETS", 1, 1, fun_brackets),
    FnDef::new("CHR", 1, 1, fun_chr),
    FnDef::new("DECOMPOSE", 1, 1, fun_decompose).comma_last(),
    FnDef::new("ESCAPE", 1, 1, fun_escape).comma_last(),
    FnDef::new("MERGE", 3, 3, fun_merge),
    FnDef::new("ORD", 1, 1, fun_ord),
    FnDef::new("SECURE", 1, 1, fun_secure).comma_last(),
    FnDef::new("STRIPACCENTS", 1, 2, fun_stripaccents),
    FnDef::new("TR", 3, 3, fun_tr),
];
