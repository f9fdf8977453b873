//! The colour table: every colour name PennMUSH knows (the X11 names and `xterm0` ..
//! `xterm255`) with its RGB value, the nearest xterm-256 colour and the nearest of
//! the 16 ANSI colours (bit 0x100: with hilite). The data is `colors.tsv`, PennMUSH's
//! published colour list, kept sorted by name in natural order (`red2` before
//! `red10`), which is the order PennMUSH lists and looks colours up in.
//!
//! On top of it, the conversions PennMUSH makes when it writes colour for a client
//! that cannot show 24-bit colour: to the 16-colour palette and to xterm-256.

use std::collections::HashMap;
use std::sync::OnceLock;

/// One named colour.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub name: &'static str,
    pub rgb: u32,
    pub xterm: u8,
    /// 0..8 colour number, 0x100 set when it needs hilite.
    pub ansi: u16,
}

struct Table {
    entries: Vec<Entry>,
    by_name: HashMap<&'static str, usize>,
    /// The first entry (in name order) of each RGB value.
    by_rgb: HashMap<u32, usize>,
    /// The RGB value of `xtermN`, by N.
    xterm: Vec<u32>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut entries = Vec::new();
        for line in include_str!("colors.tsv").lines() {
            let mut f = line.split('\t');
            let (Some(name), Some(rgb), Some(xterm), Some(ansi)) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let (Ok(rgb), Ok(xterm), Ok(ansi)) = (
                u32::from_str_radix(rgb, 16),
                xterm.parse::<u8>(),
                ansi.parse::<u16>(),
            ) else {
                continue;
            };
            entries.push(Entry {
                name,
                rgb,
                xterm,
                ansi,
            });
        }
        let mut by_name = HashMap::new();
        let mut by_rgb = HashMap::new();
        let mut xterm = vec![0u32; 256];
        for (i, e) in entries.iter().enumerate() {
            by_name.insert(e.name, i);
            by_rgb.entry(e.rgb).or_insert(i);
            if let Some(n) = e.name.strip_prefix("xterm") {
                if let Some(slot) = n.parse::<usize>().ok().and_then(|n| xterm.get_mut(n)) {
                    *slot = e.rgb;
                }
            }
        }
        Table {
            entries,
            by_name,
            by_rgb,
            xterm,
        }
    })
}

/// All colours, in name order.
pub fn all() -> &'static [Entry] {
    &table().entries
}

/// A colour by its (lower-case) name.
pub fn by_name(name: &str) -> Option<&'static Entry> {
    let t = table();
    t.by_name.get(name).and_then(|&i| t.entries.get(i))
}

/// The first colour (in name order) with this RGB value.
pub fn by_rgb(rgb: u32) -> Option<&'static Entry> {
    let t = table();
    t.by_rgb.get(&rgb).and_then(|&i| t.entries.get(i))
}

/// What PennMUSH shows for a colour it cannot resolve: hot pink.
const ERROR_COLOR: u32 = 0xff69b4;

/// The 16 ANSI colours (normal, then hilite): letter and the RGB xterm gives them.
pub const PALETTE_16: [(u8, u32); 16] = [
    (b'x', 0x000000),
    (b'r', 0xcd0000),
    (b'g', 0x00cd00),
    (b'y', 0xcdcd00),
    (b'b', 0x0000ee),
    (b'm', 0xcd00cd),
    (b'c', 0x00cdcd),
    (b'w', 0xe5e5e5),
    (b'x', 0x7f7f7f),
    (b'r', 0xff0000),
    (b'g', 0x00ff00),
    (b'y', 0xffff00),
    (b'b', 0x5c5cff),
    (b'm', 0xff00ff),
    (b'c', 0x00ffff),
    (b'w', 0xffffff),
];

/// The RGB value of a kept colour (`#rrggbb`, `+name`, or a letter, brighter with
/// `hilite`).
pub fn to_rgb(color: &str, hilite: bool) -> u32 {
    if let Some(h) = color.strip_prefix('#') {
        return u32::from_str_radix(h, 16).unwrap_or(0);
    }
    if let Some(name) = color.strip_prefix('+') {
        let key: String = name
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        return by_name(&key).map_or(ERROR_COLOR, |e| e.rgb);
    }
    let mut cs = color.bytes();
    match (cs.next(), cs.next()) {
        (Some(c), None) => {
            let c = c.to_ascii_lowercase();
            let from = if hilite { 8 } else { 0 };
            PALETTE_16
                .iter()
                .skip(from)
                .take(8)
                .find(|(l, _)| *l == c)
                .map_or(ERROR_COLOR, |(_, rgb)| *rgb)
        }
        _ => ERROR_COLOR,
    }
}

fn distance(a: u32, b: u32) -> u64 {
    let d = |s: u32| {
        let x = i64::from((a >> s) & 0xff) - i64::from((b >> s) & 0xff);
        (x * x) as u64
    };
    d(0) + d(8) + d(16)
}

/// `+xtermN` (any case), as N clamped to 255.
fn xterm_number(color: &str) -> Option<u32> {
    let head = color.get(..6)?;
    if !head.eq_ignore_ascii_case("+xterm") {
        return None;
    }
    let digits: String = color
        .get(6..)
        .unwrap_or("")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some(digits.parse::<u32>().unwrap_or(0).min(255))
}

/// The nearest of the 16 colours as an SGR number (30.. or 40.. for a background), and
/// whether it needs hilite (foreground only). PennMUSH's `ansi_map_16`.
pub fn map_16(color: &str, bg: bool) -> (u32, bool) {
    let base = if bg { 40 } else { 30 };
    let mut cs = color.bytes();
    if let (Some(c), None) = (cs.next(), cs.next()) {
        return (super::style::letter_code(c), false);
    }
    let cached = |ansi: u16| (u32::from(ansi & 0xff) + base, !bg && ansi & 0x100 != 0);
    if let Some(n) = xterm_number(color) {
        return by_name(&format!("xterm{n}")).map_or((base, false), |e| cached(e.ansi));
    }
    let rgb = to_rgb(color, false);
    if let Some(e) = by_rgb(rgb) {
        return cached(e.ansi);
    }
    let best = (0..8u32)
        .min_by_key(|&i| {
            PALETTE_16
                .get(i as usize)
                .map_or(u64::MAX, |(_, c)| distance(*c, rgb))
        })
        .unwrap_or(0);
    (best + base, false)
}

/// The nearest xterm-256 colour number. PennMUSH's `ansi_map_256`.
pub fn map_256(color: &str, hilite: bool) -> u32 {
    if let Some(n) = xterm_number(color) {
        return n;
    }
    let rgb = to_rgb(color, hilite);
    if let Some(e) = by_rgb(rgb) {
        return u32::from(e.xterm);
    }
    let t = table();
    let mut best = 0u32;
    let mut best_d = u64::MAX;
    for (n, c) in t.xterm.iter().enumerate() {
        let d = distance(*c, rgb);
        if d < best_d {
            best_d = d;
            best = u32::try_from(n).unwrap_or(0);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert_eq!(by_name("red").map(|e| e.rgb), Some(0xff0000));
        assert_eq!(by_rgb(0xff0000).map(|e| e.name), Some("red"));
        assert_eq!(map_16("+orange", false), (33, true));
        assert_eq!(map_16("#00ff00", false), (32, true));
        assert_eq!(map_16("+red", true), (41, false));
        assert_eq!(map_256("+red", false), 196);
        assert_eq!(map_256("#123456", false), 0x17);
        assert_eq!(to_rgb("r", false), 0xcd0000);
        assert_eq!(to_rgb("r", true), 0xff0000);
        // Natural order: red2 before red10 would be; red before red1.
        let reds: Vec<&str> = all()
            .iter()
            .map(|e| e.name)
            .filter(|n| n.starts_with("red"))
            .collect();
        assert_eq!(reds, ["red", "red1", "red2", "red3", "red4"]);
    }
}
