//! Colour and Pueblo markup: ansi(), stripansi(), render(), tag()/endtag()/tagwrap()/
//! html().
//!
//! PennMUSH keeps colour as in-band markup and strips it on output for players without
//! the ANSI/COLOR flags. mushd does not carry markup through strings yet: ansi() checks
//! its colour definition exactly as PennMUSH does (same error text) and returns the
//! text plain, which is what a player without colour sees. `strip_markup` removes both
//! PennMUSH-style internal markup (`\x02...\x03`) and raw ESC sequences, so text that
//! arrives with colour from elsewhere still measures and compares as plain text.

use crate::eval::{push, Args, Eval};
use crate::functions::strings::strip_accents;
use crate::functions::FnDef;

/// Remove internal markup (`\x02 ... \x03`) and ANSI escape sequences (`ESC [ ... m`).
pub fn strip_markup(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['\x02', '\x1b']) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut r = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\x02' => {
                for d in it.by_ref() {
                    if d == '\x03' {
                        break;
                    }
                }
            }
            '\x1b' => {
                if it.peek() == Some(&'[') {
                    it.next();
                    for d in it.by_ref() {
                        if d.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
            }
            c => r.push(c),
        }
    }
    std::borrow::Cow::Owned(r)
}

/// Colour names accepted after `+` (the common X11/xterm names; `xtermN` too).
const COLOR_NAMES: &[&str] = &[
    "black",
    "white",
    "red",
    "green",
    "blue",
    "yellow",
    "magenta",
    "cyan",
    "orange",
    "purple",
    "pink",
    "brown",
    "gray",
    "grey",
    "violet",
    "gold",
    "silver",
    "navy",
    "maroon",
    "olive",
    "teal",
    "lime",
    "aqua",
    "fuchsia",
    "indigo",
    "khaki",
    "salmon",
    "coral",
    "tomato",
    "orchid",
    "plum",
    "tan",
    "beige",
    "ivory",
    "lavender",
    "turquoise",
    "crimson",
    "chocolate",
    "firebrick",
    "darkred",
    "darkgreen",
    "darkblue",
    "darkorange",
    "lightblue",
    "lightgreen",
    "skyblue",
    "steelblue",
    "royalblue",
    "seagreen",
    "forestgreen",
    "springgreen",
    "chartreuse",
    "goldenrod",
    "sienna",
    "peru",
    "wheat",
    "snow",
    "azure",
    "mintcream",
    "honeydew",
    "aquamarine",
    "deeppink",
    "hotpink",
    "orangered",
    "darkviolet",
    "slateblue",
    "slategray",
    "dodgerblue",
    "midnightblue",
    "cornflowerblue",
    "cadetblue",
    "darkcyan",
    "lightcyan",
    "yellowgreen",
    "lawngreen",
    "palegreen",
    "darkkhaki",
    "moccasin",
    "bisque",
    "linen",
];

fn valid_color_name(n: &str) -> bool {
    let l = n.to_ascii_lowercase();
    let base = l.trim_end_matches(|c: char| c.is_ascii_digit());
    if let Some(num) = l.strip_prefix("xterm") {
        return num.parse::<u16>().is_ok_and(|v| v < 256);
    }
    COLOR_NAMES.contains(&base) && l.len() - base.len() <= 1
}

fn valid_color(tok: &str) -> bool {
    if let Some(name) = tok.strip_prefix('+') {
        return valid_color_name(name);
    }
    if let Some(hex) = tok.strip_prefix('#') {
        return hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some(h) = tok.strip_prefix("0x").or_else(|| tok.strip_prefix("0X")) {
        return !h.is_empty() && h.len() <= 6 && h.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some(inner) = tok.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
        let inner = inner.trim();
        if let Some(hex) = inner.strip_prefix('#') {
            return hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit());
        }
        let parts: Vec<&str> = inner.split_whitespace().collect();
        return parts.len() == 3 && parts.iter().all(|p| p.parse::<u8>().is_ok());
    }
    if tok.bytes().all(|b| b.is_ascii_digit()) && !tok.is_empty() {
        return tok.parse::<u16>().is_ok_and(|v| v < 256);
    }
    false
}

/// Check a colour definition: single-letter codes, then optional `+name`, `#rrggbb`,
/// `<r g b>`, `0xhex` or xterm numbers, each optionally `fg/bg`.
pub fn valid_ansi_spec(spec: &str) -> bool {
    let mut toks = Vec::new();
    let mut cur = String::new();
    let mut in_angle = false;
    for c in spec.chars() {
        match c {
            '<' => {
                in_angle = true;
                cur.push(c)
            }
            '>' => {
                in_angle = false;
                cur.push(c)
            }
            c if c.is_whitespace() && !in_angle => {
                if !cur.is_empty() {
                    toks.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        toks.push(cur);
    }
    for (i, t) in toks.iter().enumerate() {
        let first = t.chars().next().unwrap_or(' ');
        if i == 0 && first.is_ascii_alphabetic() {
            // Letter codes; unknown letters are ignored, but no '/' etc.
            if !t.chars().all(|c| c.is_ascii_alphabetic()) {
                return false;
            }
            continue;
        }
        let mut parts = t.splitn(2, '/');
        let fg = parts.next().unwrap_or("");
        if !fg.is_empty() && !valid_color(fg) {
            return false;
        }
        if let Some(bg) = parts.next() {
            if !valid_color(bg) {
                return false;
            }
        }
    }
    true
}

fn fun_ansi(_: &mut Eval, a: &Args, o: &mut String) {
    let text = a.get(1);
    if text.is_empty() {
        return;
    }
    let codes = strip_markup(a.get(0));
    if !valid_ansi_spec(&codes) {
        push(o, "#-1 INVALID ANSI DEFINITION: ");
        push(o, &codes);
        push(o, " ");
    }
    push(o, text)
}
fn fun_stripansi(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, &strip_markup(a.get(0)))
}
fn fun_render(_: &mut Eval, a: &Args, o: &mut String) {
    let mut s = strip_markup(a.get(0)).into_owned();
    for kind in a.get(1).split_whitespace() {
        match kind.to_ascii_lowercase().as_str() {
            "ansi" | "markup" | "color" | "colour" => {}
            "noaccents" => s = strip_accents(&s),
            "html" => {
                let mut h = String::new();
                for c in s.chars() {
                    match c {
                        '<' => h.push_str("&lt;"),
                        '>' => h.push_str("&gt;"),
                        '&' => h.push_str("&amp;"),
                        '"' => h.push_str("&quot;"),
                        '\n' => h.push_str("<br>\n"),
                        c => h.push(c),
                    }
                }
                s = h;
            }
            _ => return push(o, "#-1 INVALID SECOND ARGUMENT"),
        }
    }
    push(o, &s)
}
/// Pueblo tags are markup: invisible to a player without Pueblo.
fn fun_tag(_: &mut Eval, _: &Args, _: &mut String) {}
fn fun_tagwrap(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, a.get(a.len().saturating_sub(1)))
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("ANSI", 2, 2, fun_ansi).comma_last(),
    FnDef::new("ENDTAG", 1, 1, fun_tag),
    FnDef::new("HTML", 1, 1, fun_tag).perm(crate::functions::Perm::Wizard),
    FnDef::new("RENDER", 2, 2, fun_render),
    FnDef::new("STRIPANSI", 1, 1, fun_stripansi).comma_last(),
    FnDef::new("TAG", 1, crate::functions::MANY, fun_tag),
    FnDef::new("TAGWRAP", 2, 3, fun_tagwrap),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert!(valid_ansi_spec("hr"));
        assert!(valid_ansi_spec("+orange"));
        assert!(valid_ansi_spec("<255 0 0>"));
        assert!(valid_ansi_spec("#ff0000/+blue"));
        assert!(!valid_ansi_spec("r/B"));
        assert!(!valid_ansi_spec("+nosuchcolor"));
    }

    #[test]
    fn strip() {
        assert_eq!(strip_markup("a\x02c/r\x03b\x1b[31mc"), "abc");
        assert_eq!(strip_markup("\x02unterminated"), "");
    }
}
