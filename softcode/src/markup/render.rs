//! Rendering marked-up text for a client (PennMUSH's `render_string`): colour tags
//! become ANSI escape sequences in the client's colour depth (hilite only, 16 colours
//! or xterm-256), or are stripped; Pueblo tags become HTML or are stripped.
//!
//! Colour tags nest: an opening tag pushes a state (inheriting what it does not set
//! from the one below), `c/` pops one and `c/a` pops them all. A run of tags with no
//! text between them is written as one change, from the state before the run to the
//! state after it, with the fewest codes PennMUSH would write (a reset when something
//! has to be turned off). Raw `ESC[...m` sequences in the text (from
//! `render(...,ansi)`) count as opening tags, as in PennMUSH.

use std::borrow::Cow;

use super::colors::{map_16, map_256};
use super::style::{letter_code, Color, Style, FLASH, HILITE, INVERT, UNDERSCORE};
use super::{ESC, TAG_END, TAG_START};

const RESET: &str = "\x1b[0m";

/// How much colour a client gets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ColorFormat {
    /// ANSI without COLOR: bold only.
    Hilite,
    /// The 16 ANSI colours and attributes.
    Ansi16,
    /// xterm's 256 colours.
    Xterm256,
}

/// What `render` produces.
#[derive(Clone, Copy, Default, Debug)]
pub struct Options {
    /// Colour as escapes (None strips colour, unless `markup`).
    pub color: Option<ColorFormat>,
    /// Keep the internal markup as it is.
    pub markup: bool,
    /// Pueblo: tags as HTML, special characters as entities.
    pub html: bool,
}

/// Text as a player receives it: `color` None strips all markup. Borrows (no
/// allocation) when the text has no markup, the common case.
pub fn for_client(text: &str, color: Option<ColorFormat>) -> Cow<'_, str> {
    if !super::has_any_markup(text) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(render(
        text,
        Options {
            color,
            ..Options::default()
        },
    ))
}

/// Render `s` with the given options.
pub fn render(s: &str, opt: Options) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let b = s.as_bytes();
    let mut states: Vec<Style> = vec![Style::default()];
    let mut ptr = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == TAG_START {
            let end = find_from(b, i, TAG_END);
            match b.get(i + 1) {
                Some(b'c') if opt.color.is_some() => {
                    i = color_change(s, i, &mut states, &mut ptr, opt, &mut out);
                    continue;
                }
                Some(b'c') if opt.markup => keep(&mut out, s, i, end),
                Some(b'p') if opt.html => {
                    out.push('<');
                    out.push_str(s.get(i + 2..end).unwrap_or(""));
                    out.push('>');
                }
                Some(b'p') if opt.markup => keep(&mut out, s, i, end),
                _ => {}
            }
            i = end + 1;
        } else if c == TAG_END {
            if opt.markup {
                out.push(char::from(TAG_END));
            }
            i += 1;
        } else if c == ESC {
            if opt.color.is_some() {
                i = color_change(s, i, &mut states, &mut ptr, opt, &mut out);
            } else {
                i = find_from(b, i, b'm') + 1;
            }
        } else if c == b'\r' {
            i += 1;
        } else {
            let next = next_special(b, i);
            let text = s.get(i..next).unwrap_or("");
            if opt.html {
                for ch in text.chars() {
                    match ch {
                        '<' => out.push_str("&lt;"),
                        '>' => out.push_str("&gt;"),
                        '&' => out.push_str("&amp;"),
                        '"' => out.push_str("&quot;"),
                        '\n' => out.push_str("<br>\n"),
                        ch => out.push(ch),
                    }
                }
            } else {
                out.push_str(text);
            }
            i = next.max(i + 1);
        }
    }
    if ptr > 0 {
        out.push_str(RESET);
    }
    out
}

/// Copy a tag through unchanged (closing it if the text was cut inside it).
fn keep(out: &mut String, s: &str, start: usize, end: usize) {
    out.push_str(s.get(start..end).unwrap_or(""));
    out.push(char::from(TAG_END));
}

/// The index of `what` at or after `from`, or the end of `b`.
fn find_from(b: &[u8], from: usize, what: u8) -> usize {
    b.get(from..)
        .and_then(|r| r.iter().position(|&c| c == what))
        .map_or(b.len(), |p| from + p)
}

/// The end of a run of ordinary text starting at `i` (always on a char boundary, since
/// every special byte is ASCII).
fn next_special(b: &[u8], i: usize) -> usize {
    b.get(i..)
        .and_then(|r| {
            r.iter()
                .position(|&c| matches!(c, TAG_START | TAG_END | ESC | b'\r'))
        })
        .map_or(b.len(), |p| i + p)
}

fn is_color_tag(b: &[u8], i: usize) -> bool {
    match b.get(i) {
        Some(&ESC) => true,
        Some(&TAG_START) => b.get(i + 1) == Some(&b'c'),
        _ => false,
    }
}

/// A run of colour tags and escapes from `i`: updates the state stack and writes the
/// change. Returns the index after the run.
fn color_change(
    s: &str,
    i: usize,
    states: &mut Vec<Style>,
    ptr: &mut usize,
    opt: Options,
    out: &mut String,
) -> usize {
    let b = s.as_bytes();
    let before = states.get(*ptr).copied().unwrap_or_default();
    let mut top = *ptr;
    let mut j = i;
    let mut last;
    loop {
        if b.get(j) == Some(&ESC) {
            last = find_from(b, j, b'm');
            top += 1;
            set(
                states,
                top,
                Style::from_escape(s.get(j..last).unwrap_or("")),
            );
        } else {
            last = find_from(b, j, TAG_END);
            let body = s.get(j + 2..last).unwrap_or("");
            if let Some(rest) = body.strip_prefix('/') {
                top = if rest.starts_with('a') {
                    0
                } else {
                    top.saturating_sub(1)
                };
            } else {
                top += 1;
                set(states, top, Style::define(body).unwrap_or_default());
            }
        }
        if top > 0 {
            let outer = states.get(top - 1).copied().unwrap_or_default();
            if let Some(st) = states.get_mut(top) {
                st.nest(&outer);
            }
        }
        if is_color_tag(b, last + 1) {
            j = last + 1;
        } else {
            break;
        }
    }
    if last < b.len() {
        let fmt = opt.color.unwrap_or(ColorFormat::Ansi16);
        if top == 0 {
            out.push_str(RESET);
        } else if let Some(cur) = states.get_mut(top) {
            write_change(&before, cur, fmt, out);
        }
        *ptr = top;
    }
    last + 1
}

fn set(states: &mut Vec<Style>, at: usize, st: Style) {
    if states.len() <= at {
        states.resize(at + 1, Style::default());
    }
    if let Some(slot) = states.get_mut(at) {
        *slot = st;
    }
}

/// Write the codes that turn `old` into `cur` (PennMUSH's `write_raw_ansi_data`).
/// `cur` may gain hilite when its colour needs it in 16 colours, so what nests inside
/// inherits it, as in PennMUSH.
pub fn write_change(old: &Style, cur: &mut Style, fmt: ColorFormat, out: &mut String) {
    if cur.fg.as_str() == "n" && (old.bits != 0 || old.fg.as_str() != "n" || !old.bg.is_none()) {
        out.push_str(RESET);
        return;
    }
    if cur.fg.as_str() == "d" {
        cur.fg = Color::NONE;
    }
    if cur.bg.as_str() == "D" {
        cur.bg = Color::NONE;
    }
    let mut old = *old;
    if old.bits & !cur.bits != 0
        || (!old.bg.is_none() && cur.bg.is_none())
        || (!old.fg.is_none() && cur.fg.is_none())
    {
        out.push_str(RESET);
        old = Style::default();
    }
    if old.same(cur) {
        return;
    }
    if cur.fg.is_none() && cur.bg.is_none() && cur.bits == 0 {
        if !old.fg.is_none() {
            out.push_str(RESET);
        }
        return;
    }
    match fmt {
        ColorFormat::Hilite => {
            if (old.bits ^ cur.bits) & HILITE != 0 {
                out.push_str("\x1b[1m");
            }
        }
        ColorFormat::Ansi16 => ansi16(&old, cur, out),
        ColorFormat::Xterm256 => xterm256(&old, cur, out),
    }
}

fn attr_codes(old: &Style, cur: &Style, codes: &mut Vec<u32>) {
    for (bit, code) in [(HILITE, 1), (INVERT, 7), (FLASH, 5), (UNDERSCORE, 4)] {
        if (old.bits ^ cur.bits) & bit != 0 {
            codes.push(code);
        }
    }
}

fn push_sgr(out: &mut String, codes: &[u32]) {
    if codes.is_empty() {
        return;
    }
    out.push_str("\x1b[");
    for (k, c) in codes.iter().enumerate() {
        if k > 0 {
            out.push(';');
        }
        out.push_str(&c.to_string());
    }
    out.push('m');
}

fn ansi16(old: &Style, cur: &mut Style, out: &mut String) {
    let mut codes = Vec::with_capacity(4);
    attr_codes(old, cur, &mut codes);
    let hilite_changed = (old.bits ^ cur.bits) & HILITE != 0;
    if !cur.fg.is_none() && cur.fg != old.fg {
        let (code, hilite) = map_16(cur.fg.as_str(), false);
        codes.push(code);
        if hilite && !hilite_changed {
            codes.push(1);
            cur.bits |= HILITE;
            cur.off &= !HILITE;
        }
    }
    if !cur.bg.is_none() && cur.bg != old.bg {
        codes.push(map_16(cur.bg.as_str(), true).0);
    }
    push_sgr(out, &codes);
}

fn xterm256(old: &Style, cur: &mut Style, out: &mut String) {
    let fancy = |c: &Color| c.as_str().contains(['+', '#', '/']);
    if !fancy(&cur.fg) && !fancy(&cur.bg) {
        return ansi16(old, cur, out);
    }
    let hilite = (old.bits ^ cur.bits) & HILITE != 0;
    let mut codes = Vec::with_capacity(4);
    attr_codes(old, cur, &mut codes);
    let extended = |c: &Color, was: &Color, bg: bool, codes: &mut Vec<u32>| {
        if c.is_none() || c == was {
            return None;
        }
        if fancy(c) {
            Some(map_256(c.as_str(), hilite && !bg))
        } else {
            codes.push(letter_code(c.first()));
            None
        }
    };
    let fg = extended(&cur.fg, &old.fg, false, &mut codes);
    let bg = extended(&cur.bg, &old.bg, true, &mut codes);
    push_sgr(out, &codes);
    if let Some(n) = fg {
        out.push_str(&format!("\x1b[38;5;{n}m"));
    }
    if let Some(n) = bg {
        out.push_str(&format!("\x1b[48;5;{n}m"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(codes: &str, text: &str) -> String {
        format!("\x02c{codes}\x03{text}\x02c/\x03")
    }

    fn col(s: &str) -> String {
        render(
            s,
            Options {
                color: Some(ColorFormat::Ansi16),
                ..Options::default()
            },
        )
    }

    #[test]
    fn plain_borrows() {
        assert!(matches!(for_client("plain", None), Cow::Borrowed(_)));
        assert_eq!(for_client(&tag("r", "x"), None), "x");
    }

    #[test]
    fn sixteen_colours() {
        assert_eq!(col(&tag("r", "red")), "\x1b[31mred\x1b[0m");
        assert_eq!(col(&tag("hr", "x")), "\x1b[1;31mx\x1b[0m");
        assert_eq!(col(&tag("+orange", "x")), "\x1b[33;1mx\x1b[0m");
        assert_eq!(col(&tag("!+red", "x")), "\x1b[41mx\x1b[0m");
        assert_eq!(col(&tag("n", "x")), "\x1b[0mx\x1b[0m");
        let nested = tag("r", &format!("a{}c", tag("g", "b")));
        assert_eq!(col(&nested), "\x1b[31ma\x1b[32mb\x1b[31mc\x1b[0m");
        let adjacent = format!("{}{}", tag("r", "a"), tag("g", "b"));
        assert_eq!(col(&adjacent), "\x1b[31ma\x1b[32mb\x1b[0m");
    }

    #[test]
    fn hilite_only_and_xterm() {
        let hi = |s: &str| {
            render(
                s,
                Options {
                    color: Some(ColorFormat::Hilite),
                    ..Options::default()
                },
            )
        };
        assert_eq!(hi(&tag("r", "x")), "x\x1b[0m");
        assert_eq!(hi(&tag("hr", "x")), "\x1b[1mx\x1b[0m");
        let x = render(
            &tag("+red", "x"),
            Options {
                color: Some(ColorFormat::Xterm256),
                ..Options::default()
            },
        );
        assert_eq!(x, "\x1b[38;5;196mx\x1b[0m");
    }

    #[test]
    fn raw_escapes_nest() {
        assert_eq!(col("\x1b[31mx\x1b[0m"), "\x1b[31mx\x1b[0m\x1b[0m");
        assert_eq!(for_client("\x1b[31mx\x1b[0m", None), "x");
    }
}
