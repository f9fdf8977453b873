//! PennMUSH's column formatter: align() (one argument per column) and lalign() (the
//! columns as one delimited list). Widths and options per column:
//! `<` left, `>` right, `-` centre, `_` full justify, `=` paragraph full justify;
//! flags `.` repeat, `` ` `` coalesce left, `'` coalesce right, `$` no fill, `x` cut each
//! line, `X` cut the whole column, `#` no column separator, `(ansi)` column colour
//! (accepted; colour is not carried, as for a player without ANSI).
//! Every line is bounded by the 8,191-byte buffer and the line count by the input.

use crate::eval::{push, Args, Eval, MAX_OUTPUT};
use crate::functions::ansi::strip_markup;
use crate::functions::lists::{sep_arg, split_sep, E_SEP};
use crate::functions::FnDef;

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("ALIGN", 2, crate::functions::MANY, fun_align),
    FnDef::new("LALIGN", 2, 6, fun_lalign),
];

/// PennMUSH's BUFFER_LEN.
const BUFFER_LEN: usize = 8192;
/// PennMUSH's MAX_COLS.
const MAX_COLS: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Left,
    Right,
    Center,
    Full,
    WpFull,
}

#[derive(Clone, Copy)]
struct Col {
    width: usize,
    kind: Kind,
    repeat: bool,
    coalesce_left: bool,
    coalesce_right: bool,
    nofill: bool,
    trunc_each: bool,
    trunc_all: bool,
    nocolsep: bool,
}

fn parse_spec(spec: &str) -> Result<Vec<Col>, &'static str> {
    const BAD: &str = "#-1 INVALID ALIGN STRING";
    let b: Vec<char> = spec.chars().collect();
    let mut cols = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        let kind = match b.get(i) {
            Some('>') => Kind::Right,
            Some('-') => Kind::Center,
            Some('<') => Kind::Left,
            Some('_') => Kind::Full,
            Some('=') => Kind::WpFull,
            Some(c) if c.is_ascii_digit() => Kind::Left,
            _ => return Err(BAD),
        };
        if !b.get(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        let mut width: usize = 0;
        while let Some(d) = b.get(i).and_then(|c| c.to_digit(10)) {
            width = width.saturating_mul(10).saturating_add(d as usize);
            i += 1;
        }
        let mut col = Col {
            width,
            kind,
            repeat: false,
            coalesce_left: false,
            coalesce_right: false,
            nofill: false,
            trunc_each: false,
            trunc_all: false,
            nocolsep: false,
        };
        while let Some(&c) = b.get(i) {
            if c.is_ascii_whitespace() {
                break;
            }
            match c {
                '.' => col.repeat = true,
                '`' => col.coalesce_left = true,
                '\'' => col.coalesce_right = true,
                '$' => col.nofill = true,
                'x' => col.trunc_each = true,
                'X' => col.trunc_all = true,
                '#' => col.nocolsep = true,
                '(' => {
                    i += 1;
                    while b.get(i).is_some_and(|&c| c != ')') {
                        i += 1;
                    }
                    if b.get(i).is_none() {
                        return Err(BAD);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        cols.push(col);
        if cols.len() > MAX_COLS {
            return Err("#-1 TOO MANY COLUMNS FOR ALIGN");
        }
    }
    let mut total: usize = 0;
    for c in &cols {
        if c.width > BUFFER_LEN {
            return Err("#-1 CANNOT HAVE COLUMNS THAT LARGE");
        }
        total += c.width;
    }
    if total > BUFFER_LEN {
        return Err("#-1 CANNOT HAVE COLUMNS THAT LARGE");
    }
    if cols.is_empty() {
        return Err("#-1 NOT ENOUGH COLUMNS FOR ALIGN");
    }
    Ok(cols)
}

fn is_space(c: char) -> bool {
    c.is_ascii_whitespace()
}

struct Layout {
    cols: Vec<Col>,
    text: Vec<Vec<char>>,
    pos: Vec<usize>,
    filler: char,
    fieldsep: String,
    linesep: String,
}

/// Advance `n` characters of filler.
fn fill(line: &mut String, c: char, n: usize) {
    for _ in 0..n {
        if line.len() >= BUFFER_LEN {
            return;
        }
        line.push(c);
    }
}

impl Layout {
    fn at(&self, i: usize, p: usize) -> Option<char> {
        self.text.get(i).and_then(|t| t.get(p)).copied()
    }

    fn empty(&self, i: usize) -> bool {
        let p = self.pos.get(i).copied().unwrap_or(0);
        self.at(i, p).is_none()
    }

    fn width(&self, i: usize) -> usize {
        self.cols.get(i).map_or(0, |c| c.width)
    }

    fn set_width(&mut self, i: usize, w: usize) {
        if let Some(c) = self.cols.get_mut(i) {
            c.width = w;
        }
    }

    /// One output line; None when every column is finished.
    fn line(&mut self) -> Option<String> {
        let n = self.cols.len();
        let fslen = self.fieldsep.chars().count();
        let mut line = String::new();
        let mut done = 0;
        let mut needsep = false;
        for i in 0..n {
            if self.width(i) == 0 {
                done += 1;
                continue;
            }
            // Coalesce an exhausted column on the right into this one.
            if let Some(j) = (i + 1..n).find(|&j| self.width(j) > 0) {
                let cj = self.cols.get(j).copied();
                if let Some(cj) = cj {
                    if !cj.repeat && cj.coalesce_left && self.empty(j) {
                        let w = self.width(i) + cj.width + fslen;
                        if let Some(ci) = self.cols.get_mut(i) {
                            ci.nofill |= cj.nofill;
                            ci.nocolsep |= cj.nocolsep;
                            ci.width = w;
                        }
                        self.set_width(j, 0);
                    }
                }
            }
            let Some(col) = self.cols.get(i).copied() else {
                continue;
            };
            if self.empty(i) {
                if col.repeat {
                    if let Some(p) = self.pos.get_mut(i) {
                        *p = 0;
                    }
                } else {
                    if col.coalesce_right {
                        if let Some(j) = (i + 1..n).find(|&j| self.width(j) > 0) {
                            let w = self.width(j) + col.width + fslen;
                            self.set_width(j, w);
                            self.set_width(i, 0);
                            done += 1;
                            continue;
                        }
                        if let Some(c) = self.cols.get_mut(i) {
                            c.coalesce_right = false;
                        }
                    }
                    if needsep && fslen > 0 {
                        line.push_str(&self.fieldsep);
                    }
                    needsep = !col.nocolsep;
                    if !col.nofill {
                        fill(&mut line, self.filler, col.width);
                    }
                    done += 1;
                    continue;
                }
            }
            if col.repeat {
                done += 1;
            }
            let start = self.pos.get(i).copied().unwrap_or(0);
            let mut p = start;
            let mut len = 0;
            let mut lastspace = None;
            while len < col.width {
                match self.at(i, p) {
                    None | Some('\n') => break,
                    Some(c) => {
                        if is_space(c) {
                            lastspace = Some(p);
                        }
                    }
                }
                p += 1;
                len += 1;
            }
            if self.at(i, p).is_some_and(is_space) {
                lastspace = Some(p);
            }
            let mut skipspace = false;
            let seg_len;
            let next;
            let textlen = self.text.get(i).map_or(0, Vec::len);
            match self.at(i, p) {
                None => {
                    seg_len = len;
                    next = p;
                }
                Some('\n') => {
                    seg_len = len;
                    next = if col.trunc_all { textlen } else { p + 1 };
                }
                _ if lastspace.is_some() && !(col.trunc_all || col.trunc_each) => {
                    let ls = lastspace.unwrap_or(p);
                    skipspace = true;
                    let mut t = ls;
                    while t >= start && self.at(i, t).is_some_and(is_space) {
                        if t == 0 {
                            break;
                        }
                        t -= 1;
                    }
                    seg_len = if self.at(i, t).is_some_and(is_space) {
                        0
                    } else {
                        (t + 1).saturating_sub(start)
                    };
                    next = ls;
                }
                _ => {
                    seg_len = len;
                    next = if col.trunc_all {
                        textlen
                    } else if col.trunc_each {
                        let t = self
                            .text
                            .get(i)
                            .map_or(&[][..], |t| t.get(p..).unwrap_or(&[]));
                        t.iter()
                            .position(|&c| c == '\n')
                            .map_or(textlen, |k| p + k + 1)
                    } else {
                        p
                    };
                }
            }
            let segment: Vec<char> = self
                .text
                .get(i)
                .and_then(|t| t.get(start..start + seg_len))
                .unwrap_or(&[])
                .to_vec();
            if let Some(q) = self.pos.get_mut(i) {
                *q = next;
            }
            if needsep && fslen > 0 {
                line.push_str(&self.fieldsep);
            }
            needsep = !col.nocolsep;
            let w = col.width;
            let seglen = segment.len();
            let pad = w.saturating_sub(seglen);
            let mut justified = false;
            if matches!(col.kind, Kind::Full | Kind::WpFull) {
                let spaces = segment.iter().filter(|c| is_space(**c)).count();
                let wp = col.kind == Kind::WpFull;
                if pad > 0 && (!wp || w / pad >= 2) && spaces > 0 {
                    let mut count = 0;
                    for &c in &segment {
                        line.push(c);
                        if is_space(c) {
                            let mut k = pad / spaces;
                            if count < pad % spaces {
                                k += 1;
                                count += 1;
                            }
                            fill(&mut line, c, k);
                        }
                    }
                    justified = true;
                }
            }
            if !justified {
                match col.kind {
                    Kind::Right => {
                        if !segment.is_empty() || !col.nofill {
                            fill(&mut line, self.filler, pad);
                        }
                        line.extend(segment.iter());
                    }
                    Kind::Center => {
                        fill(&mut line, self.filler, pad / 2);
                        line.extend(segment.iter());
                        if !col.nofill {
                            fill(&mut line, self.filler, pad / 2 + pad % 2);
                        }
                    }
                    _ => {
                        line.extend(segment.iter());
                        if !col.nofill {
                            fill(&mut line, self.filler, pad);
                        }
                    }
                }
            }
            if skipspace {
                let mut q = next;
                while self.at(i, q).is_some_and(|c| c != '\n' && is_space(c)) {
                    q += 1;
                }
                if let Some(x) = self.pos.get_mut(i) {
                    *x = q;
                }
            }
            if line.len() >= BUFFER_LEN {
                break;
            }
        }
        (done < n).then_some(line)
    }

    fn run(&mut self, o: &mut String) {
        let limit: usize = self.text.iter().map(Vec::len).sum::<usize>() + 2;
        for nline in 0..limit {
            let Some(line) = self.line() else {
                break;
            };
            if nline > 0 {
                push(o, &self.linesep);
            }
            push(o, &line);
            if o.len() >= MAX_OUTPUT {
                break;
            }
        }
    }
}

fn filler_arg(s: &str) -> Result<char, ()> {
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (None, _) => Ok(' '),
        (Some(c), None) => Ok(c),
        _ => Err(()),
    }
}

fn layout(
    cols: Vec<Col>,
    texts: Vec<&str>,
    a: &Args,
    extra: usize,
) -> Result<Layout, &'static str> {
    let filler = if a.len() > extra {
        filler_arg(a.get(extra)).map_err(|()| "#-1 FILLER MUST BE ONE CHARACTER")?
    } else {
        ' '
    };
    let fieldsep = if a.len() > extra + 1 {
        a.get(extra + 1)
    } else {
        " "
    };
    let linesep = if a.len() > extra + 2 {
        a.get(extra + 2)
    } else {
        "\n"
    };
    let text: Vec<Vec<char>> = texts
        .iter()
        .map(|t| strip_markup(t).chars().collect())
        .collect();
    let pos = vec![0; text.len()];
    Ok(Layout {
        cols,
        text,
        pos,
        filler,
        fieldsep: fieldsep.to_string(),
        linesep: linesep.to_string(),
    })
}

fn fun_align(_: &mut Eval, a: &Args, o: &mut String) {
    let cols = match parse_spec(a.get(0)) {
        Ok(c) => c,
        Err(e) => return push(o, e),
    };
    let n = cols.len();
    if a.len() < n + 1 || a.len() > n + 4 {
        return push(o, "#-1 INVALID NUMBER OF ARGUMENTS TO ALIGN");
    }
    let texts: Vec<&str> = (1..=n).map(|i| a.get(i)).collect();
    match layout(cols, texts, a, n + 1) {
        Ok(mut l) => l.run(o),
        Err(e) => push(o, e),
    }
}

fn fun_lalign(_: &mut Eval, a: &Args, o: &mut String) {
    let cols = match parse_spec(a.get(0)) {
        Ok(c) => c,
        Err(e) => return push(o, e),
    };
    let Some(sep) = sep_arg(a, 2) else {
        return push(o, E_SEP);
    };
    let list = a.get(1);
    let blank = list.is_empty() || (sep == ' ' && list.trim_matches(' ').is_empty());
    let items: Vec<&str> = if blank {
        Vec::new()
    } else {
        split_sep(list, sep)
    };
    if items.len() != cols.len() {
        return push(o, "#-1 INVALID NUMBER OF ARGUMENTS TO ALIGN");
    }
    match layout(cols, items, a, 3) {
        Ok(mut l) => l.run(o),
        Err(e) => push(o, e),
    }
}
