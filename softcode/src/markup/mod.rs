//! Colour (and Pueblo) markup carried inside strings, as PennMUSH carries it.
//!
//! `ansi(r,red)` gives `\x02cr\x03red\x02c/\x03`: a tag opens with STX (0x02), then
//! `c` and the colour codes, and ends with ETX (0x03); `\x02c/\x03` closes the
//! innermost colour and `\x02c/a\x03` all of them. Pueblo tags use `p` instead of
//! `c`. Both bytes are control characters, which a connection never passes on from a
//! player's input (they are dropped there), so only the game can make markup.
//!
//! Markup is zero-width: string functions measure and cut the text, and the colour
//! stays on the characters it covers. The functions that rearrange characters
//! (mid, ucstr, flip, edit, wrap, splitting lists...) go through [`Marked`], which
//! holds each character with its resolved colour and writes it back as flat runs of
//! tags; anything else passes markup through untouched. Rendering for a client is in
//! [`render`].

pub mod colors;
mod marked;
pub mod render;
pub mod style;

pub use marked::Marked;
pub use render::{for_client, ColorFormat};
pub use style::Style;

use std::borrow::Cow;

/// Opens a tag (STX).
pub const TAG_START: u8 = 0x02;
/// Closes a tag (ETX).
pub const TAG_END: u8 = 0x03;
/// Starts a raw ANSI escape sequence.
pub const ESC: u8 = 0x1b;

/// Whether `s` holds a markup tag. A byte scan, no allocation.
pub fn has_markup(s: &str) -> bool {
    s.as_bytes().contains(&TAG_START)
}

/// Whether `s` holds a markup tag or a raw escape sequence.
pub fn has_any_markup(s: &str) -> bool {
    s.bytes().any(|b| b == TAG_START || b == ESC)
}

/// The text without markup tags and escape sequences (PennMUSH's `remove_markup`).
pub fn strip(s: &str) -> Cow<'_, str> {
    if !has_any_markup(s) {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut r = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let stop = match b.get(i) {
            Some(&TAG_START) => Some(TAG_END),
            Some(&ESC) => Some(b'm'),
            _ => None,
        };
        if let Some(stop) = stop {
            i = b
                .get(i..)
                .and_then(|r| r.iter().position(|&c| c == stop))
                .map_or(b.len(), |p| i + p + 1);
            continue;
        }
        let next = b
            .get(i..)
            .and_then(|r| r.iter().position(|&c| c == TAG_START || c == ESC))
            .map_or(b.len(), |p| i + p);
        r.push_str(s.get(i..next).unwrap_or(""));
        i = next;
    }
    Cow::Owned(r)
}

/// `text` wrapped in one colour tag, as ansi() writes it.
pub fn wrap(style: &Style, text: &str, out: &mut String) {
    open(style, out);
    out.push_str(text);
    close(out);
}

/// An opening colour tag.
pub fn open(style: &Style, out: &mut String) {
    out.push(char::from(TAG_START));
    out.push('c');
    out.push_str(&style.letters());
    out.push(char::from(TAG_END));
}

/// A closing colour tag.
pub fn close(out: &mut String) {
    out.push_str("\x02c/\x03");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_tags_and_escapes() {
        assert_eq!(strip("a\x02cr\x03b\x02c/\x03c"), "abc");
        assert_eq!(strip("x\x1b[31my"), "xy");
        assert_eq!(strip("\x02unterminated"), "");
        assert!(matches!(strip("plain"), Cow::Borrowed(_)));
    }
}
