//! One colour state, as PennMUSH's `ansi_data` holds it: which attributes (hilite,
//! inverse, flash, underscore) are explicitly on or off, and a foreground and a
//! background colour. A colour is kept the way PennMUSH keeps it, as short text: a
//! letter (`r`, `B`, `n` for "normal", `d`/`D` for "default"), `+name` for a name of
//! six letters or fewer, `+xtermN`, or `#rrggbb`. That text is what the markup tags
//! carry and what decides, at output, whether anything changed.

use super::colors;

/// Attribute bits (PennMUSH's CBIT_*).
pub const HILITE: u8 = 1;
pub const INVERT: u8 = 2;
pub const FLASH: u8 = 4;
pub const UNDERSCORE: u8 = 8;

/// A colour as short text (at most 11 bytes: `+xterm255` is the longest kept).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Debug)]
pub struct Color([u8; 12]);

impl Color {
    pub const NONE: Color = Color([0; 12]);

    /// Keeps at most 11 bytes of `s` (ASCII by construction: see `define`).
    pub fn new(s: &str) -> Color {
        let mut b = [0u8; 12];
        for (d, c) in b.iter_mut().zip(s.bytes().take(11)) {
            *d = c;
        }
        Color(b)
    }

    fn letter(c: u8) -> Color {
        let mut b = [0u8; 12];
        b[0] = c;
        Color(b)
    }

    pub fn as_str(&self) -> &str {
        let n = self.0.iter().position(|&b| b == 0).unwrap_or(12);
        std::str::from_utf8(self.0.get(..n).unwrap_or(&[])).unwrap_or("")
    }

    pub fn is_none(&self) -> bool {
        self.0[0] == 0
    }

    /// The first byte (0 when there is no colour).
    pub fn first(&self) -> u8 {
        self.0[0]
    }

    /// A one-letter (old-style) colour.
    pub fn is_letter(&self) -> bool {
        self.0[0] != 0 && self.0[1] == 0
    }
}

/// A colour state: PennMUSH's `ansi_data`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Debug)]
pub struct Style {
    /// Attributes explicitly on.
    pub bits: u8,
    /// Attributes explicitly off (`n` turns them all off).
    pub off: u8,
    pub fg: Color,
    pub bg: Color,
}

impl Style {
    /// No colour at all.
    pub fn is_null(&self) -> bool {
        self.bits == 0 && self.off == 0 && self.fg.is_none() && self.bg.is_none()
    }

    /// Equal as PennMUSH's `ansi_equal` sees it (colour names without regard to case).
    pub fn same(&self, o: &Style) -> bool {
        self.bits == o.bits
            && self.off == o.off
            && self.fg.as_str().eq_ignore_ascii_case(o.fg.as_str())
            && self.bg.as_str().eq_ignore_ascii_case(o.bg.as_str())
    }

    /// `self` inside `outer`: what is not set here comes from outside; `n` resets.
    pub fn nest(&mut self, outer: &Style) {
        if self.fg.first() == b'n' {
            self.bits = 0;
            self.off = 0;
            self.bg = Color::NONE;
            return;
        }
        self.bits |= outer.bits;
        self.bits &= !self.off;
        if self.fg.is_none() {
            self.fg = outer.fg;
        }
        if self.bg.is_none() {
            self.bg = outer.bg;
        }
    }

    /// The codes that give this state back through ansi(): PennMUSH's letter order
    /// (`fhiu`, then `FHIU`, the background letter, the foreground, `!` and a
    /// background name or hex).
    pub fn letters(&self) -> String {
        let mut s = String::new();
        if self.fg.first() == b'n' {
            s.push('n');
            return s;
        }
        for (bit, c) in [
            (FLASH, 'f'),
            (HILITE, 'h'),
            (INVERT, 'i'),
            (UNDERSCORE, 'u'),
        ] {
            if self.bits & bit != 0 {
                s.push(c);
            }
        }
        for (bit, c) in [
            (FLASH, 'F'),
            (HILITE, 'H'),
            (INVERT, 'I'),
            (UNDERSCORE, 'U'),
        ] {
            if self.off & bit != 0 {
                s.push(c);
            }
        }
        let fancy = |c: &Color| matches!(c.first(), b'+' | b'#');
        if !self.bg.is_none() && !fancy(&self.bg) {
            s.push_str(self.bg.as_str());
        }
        if !self.fg.is_none() {
            s.push_str(self.fg.as_str());
        }
        if fancy(&self.bg) {
            s.push('!');
            s.push_str(self.bg.as_str());
        }
        s
    }

    /// Parse a colour definition as ansi() takes it (PennMUSH's `define_ansi_data`):
    /// letters, then any of `+name`, `#rrggbb`, `<r g b>`, `<#rrggbb>`, `0xhex`, an
    /// xterm number, each colour after `/` (or `!`) being the background. None when it
    /// is not a valid definition.
    pub fn define(codes: &str) -> Option<Style> {
        let mut st = Style::default();
        let b = codes.as_bytes();
        let mut i = 0;
        let mut fancy = false;
        let mut to_bg = false;
        while i < b.len() && b[i] != super::TAG_END {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
                fancy = false;
            }
            let Some(&c) = b.get(i) else { break };
            if !fancy {
                match c {
                    b'n' => {
                        st = Style {
                            bits: 0,
                            off: !0,
                            fg: Color::letter(b'n'),
                            bg: Color::NONE,
                        };
                    }
                    b'f' | b'h' | b'i' | b'u' => {
                        let bit = attr_bit(c);
                        st.bits |= bit;
                        st.off &= !bit;
                    }
                    b'F' | b'H' | b'I' | b'U' => {
                        let bit = attr_bit(c.to_ascii_lowercase());
                        st.off |= bit;
                        st.bits &= !bit;
                    }
                    b'b' | b'c' | b'g' | b'm' | b'r' | b'w' | b'x' | b'y' | b'd' => {
                        st.fg = Color::letter(c)
                    }
                    b'B' | b'C' | b'G' | b'M' | b'R' | b'W' | b'X' | b'Y' | b'D' => {
                        st.bg = Color::letter(c)
                    }
                    b'#' | b'+' | b'/' | b'<' | b'!' | b'0'..=b'9' => {
                        fancy = true;
                        to_bg = false;
                        continue;
                    }
                    _ => {}
                }
                i += 1;
                continue;
            }
            if c == b'/' || c == b'!' {
                to_bg = true;
                i += 1;
                continue;
            }
            let angle = c == b'<';
            let end = end_of_color(b, i, angle);
            let tok = codes.get(i..end).unwrap_or("");
            let color = fancy_color(tok)?;
            if to_bg {
                st.bg = color;
            } else {
                st.fg = color;
            }
            i = end;
        }
        Some(st)
    }

    /// A raw `ESC[...m` sequence as a state (PennMUSH's `read_raw_ansi_data`).
    pub fn from_escape(seq: &str) -> Style {
        let mut st = Style::default();
        let body = seq.trim_start_matches(['\x1b', '[']);
        let body = body.split('m').next().unwrap_or("");
        let nums: Vec<i64> = body
            .split(';')
            .map(|n| n.trim().parse::<i64>().unwrap_or(0))
            .collect();
        let mut it = nums.into_iter();
        while let Some(n) = it.next() {
            match n {
                0 => {
                    st = Style {
                        bits: 0,
                        off: !0,
                        fg: Color::letter(b'n'),
                        bg: Color::NONE,
                    }
                }
                1 | 4 | 5 | 7 => {
                    let bit = match n {
                        1 => HILITE,
                        4 => UNDERSCORE,
                        5 => FLASH,
                        _ => INVERT,
                    };
                    st.bits |= bit;
                    st.off &= !bit;
                }
                38 | 48 => {
                    if it.next() != Some(5) {
                        return st;
                    }
                    match it.next() {
                        Some(x @ 0..=255) => {
                            let c = Color::new(&format!("+xterm{x}"));
                            if n == 38 {
                                st.fg = c;
                            } else {
                                st.bg = c;
                            }
                        }
                        _ => return st,
                    }
                }
                30..=37 => st.fg = Color::letter(code_letter(n - 30)),
                40..=47 => st.bg = Color::letter(code_letter(n - 40).to_ascii_uppercase()),
                _ => {}
            }
        }
        st
    }
}

fn attr_bit(c: u8) -> u8 {
    match c {
        b'f' => FLASH,
        b'h' => HILITE,
        b'i' => INVERT,
        _ => UNDERSCORE,
    }
}

/// The letter of ANSI colour number `n` (0..8): black, red, green, yellow, blue,
/// magenta, cyan, white.
pub fn code_letter(n: i64) -> u8 {
    match n {
        0 => b'x',
        1 => b'r',
        2 => b'g',
        3 => b'y',
        4 => b'b',
        5 => b'm',
        6 => b'c',
        _ => b'w',
    }
}

/// The ANSI SGR number of a colour letter (30..37 foreground, 40..47 background; 0 for
/// anything else, as PennMUSH's table answers).
pub fn letter_code(c: u8) -> u32 {
    let base = if c.is_ascii_uppercase() { 40 } else { 30 };
    match c.to_ascii_lowercase() {
        b'x' => base,
        b'r' => base + 1,
        b'g' => base + 2,
        b'y' => base + 3,
        b'b' => base + 4,
        b'm' => base + 5,
        b'c' => base + 6,
        b'w' => base + 7,
        _ => 0,
    }
}

/// Where a colour starting at `i` ends: at `/`, `!`, the tag end, a space (or, in
/// angle brackets, just after the `>`).
fn end_of_color(b: &[u8], mut i: usize, angle: bool) -> usize {
    while let Some(&c) = b.get(i) {
        let stop = c == b'/'
            || c == b'!'
            || c == super::TAG_END
            || if angle {
                c == b'>'
            } else {
                c.is_ascii_whitespace()
            };
        if stop {
            break;
        }
        i += 1;
    }
    if angle && b.get(i) == Some(&b'>') {
        i += 1;
    }
    i
}

/// One `+name`, `#hex`, `<...>`, `0x...` or xterm-number colour, as it is kept.
fn fancy_color(tok: &str) -> Option<Color> {
    let tok = tok.trim_end();
    let hex6 = |h: &str| h.len() == 6 && h.bytes().all(|c| c.is_ascii_hexdigit());
    if let Some(name) = tok.strip_prefix('+') {
        let key: String = name
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let entry = colors::by_name(&key)?;
        if name.len() >= 5
            && name
                .get(..5)
                .is_some_and(|p| p.eq_ignore_ascii_case("xterm"))
        {
            return Some(Color::new(&format!("+{}", name.get(..8).unwrap_or(name))));
        }
        if name.len() > 6 {
            return Some(Color::new(&format!("#{:06x}", entry.rgb)));
        }
        return Some(Color::new(&format!("+{name}")));
    }
    if let Some(h) = tok.strip_prefix('#') {
        return hex6(h).then(|| Color::new(tok));
    }
    if let Some(inner) = tok.strip_prefix('<') {
        let inner = inner.trim_end().strip_suffix('>')?.trim();
        if let Some(h) = inner.strip_prefix('#') {
            return hex6(h.trim()).then(|| Color::new(&format!("#{}", h.trim())));
        }
        let parts: Vec<&str> = inner.split_whitespace().collect();
        let [r, g, b] = parts.as_slice() else {
            return None;
        };
        let comp = |s: &str| -> Option<u32> {
            if s.is_empty() || s.len() > 3 || !s.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            s.parse::<u32>().ok().filter(|v| *v <= 255)
        };
        let (r, g, b) = (comp(r)?, comp(g)?, comp(b)?);
        return Some(Color::new(&format!("#{r:02x}{g:02x}{b:02x}")));
    }
    if let Some(h) = tok.strip_prefix("0x").or_else(|| tok.strip_prefix("0X")) {
        if h.is_empty() || !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let v = u32::from_str_radix(h, 16).ok();
        return match h.len() {
            1 | 2 => Some(Color::new(&format!("+xterm{}", v?))),
            3 => {
                let v = v?;
                let (r, g, b) = ((v >> 8) & 0xf, (v >> 4) & 0xf, v & 0xf);
                Some(Color::new(&format!("#{r:02x}{g:02x}{b:02x}")))
            }
            6 => Some(Color::new(&format!("#{:06x}", v?))),
            _ => None,
        };
    }
    let n = crate::functions::math::parse_int(tok)?;
    (0..=255)
        .contains(&n)
        .then(|| Color::new(&format!("+xterm{n}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn define_letters_and_names() {
        let s = Style::define("hr").unwrap();
        assert_eq!((s.bits, s.fg.as_str()), (HILITE, "r"));
        assert_eq!(s.letters(), "hr");
        assert_eq!(Style::define("+orange").unwrap().fg.as_str(), "+orange");
        assert_eq!(Style::define("#00ff00").unwrap().fg.as_str(), "#00ff00");
        assert_eq!(Style::define("<0 0 255>").unwrap().fg.as_str(), "#0000ff");
        assert_eq!(Style::define("/+red").unwrap().bg.as_str(), "+red");
        assert_eq!(Style::define("/+red").unwrap().letters(), "!+red");
        assert_eq!(Style::define("196").unwrap().fg.as_str(), "+xterm196");
        // Long names are kept as hex.
        assert_eq!(Style::define("+darkgreen").unwrap().fg.as_str(), "#006400");
        assert!(Style::define("r/B").is_none());
        assert!(Style::define("+nosuchcolor").is_none());
        assert!(Style::define("q").unwrap().is_null());
    }

    #[test]
    fn nesting() {
        let mut inner = Style::define("g").unwrap();
        inner.nest(&Style::define("hr").unwrap());
        assert_eq!(inner.letters(), "hg");
        let mut n = Style::define("n").unwrap();
        n.nest(&Style::define("hr").unwrap());
        assert_eq!(n.letters(), "n");
    }

    #[test]
    fn raw_escapes() {
        assert_eq!(Style::from_escape("\x1b[1;31m").letters(), "hr");
        assert_eq!(
            Style::from_escape("\x1b[38;5;196m").fg.as_str(),
            "+xterm196"
        );
        assert_eq!(Style::from_escape("\x1b[0m").letters(), "n");
    }
}
