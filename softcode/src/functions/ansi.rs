//! Colour and Pueblo markup: ansi(), stripansi(), render(), colors(), tag()/endtag()/
//! tagwrap()/html().
//!
//! ansi() wraps its text in a colour tag (see `crate::markup`); the tag stays on the
//! text through the string functions and becomes escape codes, or nothing, when a
//! player receives it. colors() answers from PennMUSH's colour table.

use crate::eval::{push, Args, Eval};
use crate::functions::control::wild_match;
use crate::functions::strings::strip_accents;
use crate::functions::FnDef;
use crate::markup::render::{render, ColorFormat, Options};
use crate::markup::{colors, Style};

/// Remove markup tags and ANSI escape sequences.
pub fn strip_markup(s: &str) -> std::borrow::Cow<'_, str> {
    crate::markup::strip(s)
}

/// Whether `spec` is a colour definition ansi() accepts.
pub fn valid_ansi_spec(spec: &str) -> bool {
    Style::define(spec).is_some()
}

fn fun_ansi(_: &mut Eval, a: &Args, o: &mut String) {
    let text = a.get(1);
    if text.is_empty() {
        return;
    }
    let codes = strip_markup(a.get(0));
    let style = match Style::define(&codes) {
        Some(st) => st,
        None => {
            push(o, "#-1 INVALID ANSI DEFINITION: ");
            push(o, &codes);
            push(o, " ");
            // PennMUSH keeps what it read before the error; an invalid definition
            // colours nothing we could rely on, so the text goes out plain.
            Style::default()
        }
    };
    if style.is_null() {
        return push(o, text);
    }
    let mut s = String::with_capacity(text.len() + 16);
    crate::markup::wrap(&style, text, &mut s);
    push(o, &s)
}
fn fun_stripansi(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, &strip_markup(a.get(0)))
}
fn fun_render(_: &mut Eval, a: &Args, o: &mut String) {
    let mut opt = Options::default();
    let mut noaccents = false;
    for kind in a.get(1).split_whitespace() {
        match kind.to_ascii_lowercase().as_str() {
            "ansi" => opt.color = Some(ColorFormat::Xterm256),
            "markup" => opt.markup = true,
            "html" => opt.html = true,
            k if !k.is_empty() && "noaccents".starts_with(k) => noaccents = true,
            _ => return push(o, "#-1 INVALID SECOND ARGUMENT"),
        }
    }
    let s = if opt.color.is_none() && !opt.markup && !opt.html {
        strip_markup(a.get(0)).into_owned()
    } else {
        render(a.get(0), opt)
    };
    if noaccents {
        push(o, &strip_accents(&s))
    } else {
        push(o, &s)
    }
}

/// colors(), colors(<pattern>), colors(<colour>, <format>).
fn fun_colors(_: &mut Eval, a: &Args, o: &mut String) {
    if a.len() < 2 {
        let pat = a.get(0);
        let mut first = true;
        for e in colors::all() {
            let shown = if pat.is_empty() {
                !e.name.starts_with("xterm")
            } else {
                wild_match(pat, e.name)
            };
            if shown {
                if !first {
                    push(o, " ");
                }
                first = false;
                push(o, e.name);
            }
        }
        return;
    }
    let Some(st) = Style::define(a.get(0)) else {
        return push(o, "#-1 INVALID COLOR");
    };
    let bare = |c: &str, normal: &str| c.is_empty() || c == "n" || c == normal;
    if bare(st.fg.as_str(), "d") && bare(st.bg.as_str(), "D") {
        return push(o, "#-1 COLORS() REQUIRES AT LEAST ONE COLOR");
    }
    let mut format = "hex";
    let mut styles = false;
    for w in a.get(1).split(' ').filter(|w| !w.is_empty()) {
        match w {
            "hex" | "x" => format = "hex",
            "16color" | "c" => format = "16",
            "256color" | "xterm256" | "d" => format = "256",
            "xterm256x" | "h" => format = "256x",
            "rgb" | "r" => format = "rgb",
            "name" => format = "name",
            "auto" => format = "auto",
            "styles" => styles = true,
            _ => return push(o, "#-1 INVALID ARGUMENT"),
        }
    }
    push(o, &describe_colors(&st, format, styles))
}

/// colors(<colour>, <format>) for a parsed definition.
fn describe_colors(st: &Style, format: &str, styles: bool) -> String {
    use crate::markup::style::{FLASH, HILITE, INVERT, UNDERSCORE};
    let mut s = String::new();
    let hilite = st.bits & HILITE != 0;
    if styles {
        if st.fg.is_none() && hilite {
            s.push('h');
        }
        for (bit, c) in [(UNDERSCORE, 'u'), (FLASH, 'f'), (INVERT, 'i')] {
            if st.bits & bit != 0 {
                s.push(c);
            }
        }
    }
    for (i, color) in [st.fg, st.bg].iter().enumerate() {
        let bg = i == 1;
        let c = color.as_str();
        if c.is_empty() {
            continue;
        }
        if bg && format != "16" && format != "auto" {
            s.push('/');
        }
        let hi = !bg && hilite;
        match format {
            "auto" => {
                if bg && !st.fg.is_none() {
                    if !st.fg.is_letter() && color.is_letter() {
                        s.push(' ');
                    } else if !color.is_letter() {
                        s.push('/');
                    }
                }
                s.push_str(c);
                if !bg && color.is_letter() && hilite {
                    s.push('h');
                }
            }
            "hex" => s.push_str(&format!("#{:06x}", colors::to_rgb(c, hi))),
            "rgb" => {
                let v = colors::to_rgb(c, hi);
                s.push_str(&format!(
                    "{} {} {}",
                    (v >> 16) & 0xff,
                    (v >> 8) & 0xff,
                    v & 0xff
                ));
            }
            "16" => {
                let (code, needs_hilite) = colors::map_16(c, bg);
                let base = if bg { 40 } else { 30 };
                match code
                    .checked_sub(base)
                    .and_then(|n| colors::PALETTE_16.get(n as usize))
                {
                    Some((l, _)) if code != 0 => {
                        s.push(char::from(if bg { l.to_ascii_uppercase() } else { *l }))
                    }
                    _ => s.push(if bg { 'D' } else { 'd' }),
                }
                if !bg && (needs_hilite || hilite) {
                    s.push('h');
                }
            }
            "256" => s.push_str(&colors::map_256(c, hi).to_string()),
            "256x" => s.push_str(&format!("{:x}", colors::map_256(c, hi))),
            _ => {
                let rgb = colors::to_rgb(c, false);
                let names: Vec<&str> = colors::all()
                    .iter()
                    .filter(|e| e.rgb == rgb && !e.name.starts_with("xterm"))
                    .map(|e| e.name)
                    .collect();
                if names.is_empty() {
                    s.push_str("#-1 NO MATCHING COLOR NAME");
                } else {
                    s.push_str(&names.join(" "));
                }
            }
        }
    }
    s
}
/// Pueblo tags are markup: invisible to a player without Pueblo.
fn fun_tag(_: &mut Eval, _: &Args, _: &mut String) {}
fn fun_tagwrap(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, a.get(a.len().saturating_sub(1)))
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("ANSI", 2, 2, fun_ansi).comma_last(),
    FnDef::new("COLORS", 0, 2, fun_colors),
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
    fn describe() {
        let d = |spec: &str, f: &str| describe_colors(&Style::define(spec).unwrap(), f, false);
        assert_eq!(d("+red", "hex"), "#ff0000");
        assert_eq!(d("+red", "16"), "rh");
        assert_eq!(d("/+yellow", "16"), "Y");
        // PennMUSH writes the hilite after a letter colour (its help shows "hy").
        assert_eq!(d("+blue huyG/+black", "auto"), "yh/+black");
        assert_eq!(d("#ff0000", "name"), "red red1");
    }
}
