//! A string with its colour per character (PennMUSH's `ansi_string`), for the
//! functions that cut, reorder or rewrite characters.

use super::style::Style;
use super::{ESC, TAG_END, TAG_START};
use crate::eval::push;

/// Characters, each with an index into `palette` (0: no colour).
#[derive(Clone, Debug)]
pub struct Marked {
    chars: Vec<char>,
    styles: Vec<u16>,
    palette: Vec<Style>,
}

impl Default for Marked {
    fn default() -> Self {
        Marked {
            chars: Vec::new(),
            styles: Vec::new(),
            palette: vec![Style::default()],
        }
    }
}

impl Marked {
    /// Read text with markup: tags nest as at output; Pueblo tags are dropped.
    pub fn parse(s: &str) -> Marked {
        let mut m = Marked::default();
        m.chars.reserve(s.len());
        m.styles.reserve(s.len());
        let b = s.as_bytes();
        let mut stack: Vec<Style> = Vec::new();
        let mut cur = 0u16;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c == TAG_START || c == ESC {
                let stop = if c == ESC { b'm' } else { TAG_END };
                let end = b
                    .get(i..)
                    .and_then(|r| r.iter().position(|&x| x == stop))
                    .map_or(b.len(), |p| i + p);
                let tag = s.get(i..end).unwrap_or("");
                let new = if c == ESC {
                    Some(Style::from_escape(tag))
                } else if let Some(body) = tag.strip_prefix("\x02c") {
                    if let Some(rest) = body.strip_prefix('/') {
                        if rest.starts_with('a') {
                            stack.clear();
                        } else {
                            stack.pop();
                        }
                        None
                    } else {
                        Some(Style::define(body).unwrap_or_default())
                    }
                } else {
                    None
                };
                if let Some(mut st) = new {
                    if let Some(outer) = stack.last() {
                        st.nest(outer);
                    }
                    stack.push(st);
                }
                cur = match stack.last() {
                    Some(st) => m.intern(*st),
                    None => 0,
                };
                i = end + 1;
                continue;
            }
            let next = b
                .get(i..)
                .and_then(|r| r.iter().position(|&x| x == TAG_START || x == ESC))
                .map_or(b.len(), |p| i + p);
            for ch in s.get(i..next).unwrap_or("").chars() {
                if ch != char::from(TAG_END) {
                    m.chars.push(ch);
                    m.styles.push(cur);
                }
            }
            i = next.max(i + 1);
        }
        m
    }

    fn intern(&mut self, st: Style) -> u16 {
        if st.is_null() {
            return 0;
        }
        if let Some(p) = self.palette.iter().position(|p| *p == st) {
            return u16::try_from(p).unwrap_or(0);
        }
        self.palette.push(st);
        u16::try_from(self.palette.len() - 1).unwrap_or(0)
    }

    fn style(&self, idx: u16) -> Style {
        self.palette
            .get(usize::from(idx))
            .copied()
            .unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The characters, without colour.
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// The colour of character `i` (null past the end).
    pub fn style_at(&self, i: usize) -> Style {
        self.styles
            .get(i)
            .map_or_else(Style::default, |&s| self.style(s))
    }

    /// Append one character in a colour.
    pub fn push_char(&mut self, c: char, st: Style) {
        let idx = self.intern(st);
        self.chars.push(c);
        self.styles.push(idx);
    }

    /// Append another marked string.
    pub fn append(&mut self, other: &Marked) {
        for (c, s) in other.chars.iter().zip(&other.styles) {
            self.push_char(*c, other.style(*s));
        }
    }

    /// Characters `[start, start+len)`.
    pub fn slice(&self, start: usize, len: usize) -> Marked {
        let end = start.saturating_add(len).min(self.chars.len());
        let start = start.min(end);
        Marked {
            chars: self.chars.get(start..end).unwrap_or(&[]).to_vec(),
            styles: self.styles.get(start..end).unwrap_or(&[]).to_vec(),
            palette: self.palette.clone(),
        }
    }

    /// Reverse the characters (each keeps its colour).
    pub fn reverse(&mut self) {
        self.chars.reverse();
        self.styles.reverse();
    }

    /// Rewrite every character (case changes may give several); colours stay.
    pub fn map_chars<I: IntoIterator<Item = char>>(
        &self,
        mut f: impl FnMut(usize, char) -> I,
    ) -> Marked {
        let mut m = Marked {
            chars: Vec::with_capacity(self.chars.len()),
            styles: Vec::with_capacity(self.chars.len()),
            palette: self.palette.clone(),
        };
        for (i, (c, s)) in self.chars.iter().zip(&self.styles).enumerate() {
            for d in f(i, *c) {
                m.chars.push(d);
                m.styles.push(*s);
            }
        }
        m
    }

    /// Replace `count` characters at `loc` with `src`, keeping colours as PennMUSH's
    /// `ansi_string_replace` does: replaced positions keep their colour, extra
    /// characters take the colour of the last one replaced (or, inserting inside the
    /// text, of the one before), and colour in `src` nests inside what both ends of
    /// the replaced stretch share.
    pub fn replace(&mut self, loc: usize, count: usize, src: &Marked) {
        let old_len = self.len();
        let loc = loc.min(old_len);
        let count = count.min(old_len - loc);
        let inside = count > 0 || (loc > 0 && loc < old_len);
        let tail = if inside {
            self.style_at((loc + count).saturating_sub(1))
        } else {
            Style::default()
        };
        let base = if count > 0 {
            let (a, b) = (self.style_at(loc), self.style_at(loc + count - 1));
            if a == b {
                a
            } else {
                Style::default()
            }
        } else if inside && self.style_at(loc - 1) == self.style_at(loc) {
            self.style_at(loc)
        } else {
            Style::default()
        };
        let src_plain = src.palette.len() <= 1 || src.styles.iter().all(|&s| s == 0);
        let mut mid = Marked::default();
        for (k, (c, s)) in src.chars.iter().zip(&src.styles).enumerate() {
            let st = if src_plain {
                if k < count {
                    self.style_at(loc + k)
                } else {
                    tail
                }
            } else if *s == 0 {
                base
            } else {
                let mut st = src.style(*s);
                st.nest(&base);
                st
            };
            mid.push_char(*c, st);
        }
        let mut out = self.slice(0, loc);
        out.append(&mid);
        out.append(&self.slice(loc + count, old_len));
        *self = out;
    }

    /// Split on `sep` as list functions do: a space trims the list and collapses runs
    /// of spaces; another separator keeps empty items.
    pub fn split(&self, sep: char) -> Vec<Marked> {
        let mut items = Vec::new();
        let mut start = 0;
        for i in 0..=self.chars.len() {
            let at_sep = self.chars.get(i).is_none_or(|c| *c == sep);
            if !at_sep {
                continue;
            }
            if sep != ' ' || i > start {
                items.push(self.slice(start, i - start));
            }
            start = i + 1;
        }
        if sep != ' ' && self.chars.is_empty() {
            items.clear();
        }
        items
    }

    /// Write the text back with markup, one flat run of tags per colour change.
    pub fn write(&self, out: &mut String) {
        push(out, &self.to_markup());
    }

    /// The text with markup.
    pub fn to_markup(&self) -> String {
        let mut s = String::with_capacity(self.chars.len() + 8);
        let mut i = 0;
        while i < self.chars.len() {
            let st = self.styles.get(i).copied().unwrap_or(0);
            let mut j = i;
            while self.styles.get(j) == Some(&st) {
                j += 1;
            }
            let text = self.chars.get(i..j).unwrap_or(&[]);
            if st == 0 {
                s.extend(text);
            } else {
                super::open(&self.style(st), &mut s);
                s.extend(text);
                super::close(&mut s);
            }
            i = j;
        }
        s
    }

    /// Runs of characters that share a colour, for functions that write text their own
    /// way (decompose).
    pub fn runs(&self) -> Vec<(Style, String)> {
        let mut v: Vec<(Style, String)> = Vec::new();
        let mut last = None;
        for (c, s) in self.chars.iter().zip(&self.styles) {
            match v.last_mut() {
                Some((_, text)) if last == Some(*s) => text.push(*c),
                _ => v.push((self.style(*s), c.to_string())),
            }
            last = Some(*s);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red(t: &str) -> String {
        format!("\x02cr\x03{t}\x02c/\x03")
    }

    #[test]
    fn round_trip_and_slices() {
        let m = Marked::parse(&red("abcdef"));
        assert_eq!(m.len(), 6);
        assert_eq!(m.slice(1, 2).to_markup(), red("bc"));
        let mixed = Marked::parse(&format!("{}def", red("abc")));
        assert_eq!(mixed.slice(0, 4).to_markup(), format!("{}d", red("abc")));
    }

    #[test]
    fn nested_becomes_flat() {
        let s = "\x02cr\x03a\x02cg\x03b\x02c/\x03c\x02c/\x03";
        let m = Marked::parse(s);
        assert_eq!(
            m.to_markup(),
            format!("{}\x02cg\x03b\x02c/\x03{}", red("a"), red("c"))
        );
    }

    #[test]
    fn split_keeps_colour() {
        let m = Marked::parse(&red("a b"));
        let items: Vec<String> = m.split(' ').iter().map(Marked::to_markup).collect();
        assert_eq!(items, [red("a"), red("b")]);
    }

    #[test]
    fn replace_keeps_colour() {
        let mut m = Marked::parse(&red("hello"));
        m.replace(2, 1, &Marked::parse("LL"));
        assert_eq!(m.to_markup(), red("heLLlo"));
    }
}
