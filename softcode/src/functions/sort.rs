//! Sorting: PennMUSH's sort types (a, i, d, n, f, m, name, namei, owner, loc, ctime,
//! mtime, conn, idle, attr:X, attri:X, lattr; a leading `-` reverses), list-type
//! autodetection, and sort/sortby/sortkey. A panic-free stable merge sort is used
//! throughout, since user comparators (sortby) need not be consistent.

use std::cmp::Ordering;

use crate::eval::{push, Args, Eval};
use crate::functions::functional::{call, enter, fetch_ufun, leave};
use crate::functions::lists::{join_into, osep_arg, sep_arg, split_sep, split_sep_m, E_SEP};
use crate::functions::math::{atoi_prefix, parse_int, parse_number};
use crate::functions::FnDef;
use crate::host::Dbref;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Alpha,
    Insens,
    Dbref,
    Numeric,
    Float,
    Magic,
    Name,
    NameI,
    Idle,
    Conn,
    Ctime,
    Mtime,
    Owner,
    Loc,
    Attr,
    AttrI,
    Lattr,
}

/// A sort type as given by the user (or autodetected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortType {
    pub kind: Kind,
    pub desc: bool,
    pub attr: String,
}

const NAMES: &[(&str, Kind)] = &[
    ("A", Kind::Alpha),
    ("I", Kind::Insens),
    ("D", Kind::Dbref),
    ("N", Kind::Numeric),
    ("F", Kind::Float),
    ("M", Kind::Magic),
    ("NAME", Kind::Name),
    ("NAMEI", Kind::NameI),
    ("IDLE", Kind::Idle),
    ("CONN", Kind::Conn),
    ("CTIME", Kind::Ctime),
    ("MTIME", Kind::Mtime),
    ("OWNER", Kind::Owner),
    ("LOC", Kind::Loc),
    ("ATTR", Kind::Attr),
    ("ATTRI", Kind::AttrI),
    ("LATTR", Kind::Lattr),
];

impl SortType {
    pub fn of(kind: Kind) -> Self {
        SortType {
            kind,
            desc: false,
            attr: String::new(),
        }
    }

    /// PennMUSH's get_list_type_info: unknown names sort as plain text.
    pub fn parse(s: &str) -> Self {
        let (desc, s) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s),
        };
        let (kind, attr) = match s.split_once(':') {
            Some((p, attr)) => {
                let k = NAMES
                    .iter()
                    .find(|(n, _)| {
                        n.get(..p.len().min(n.len()))
                            .is_some_and(|np| np.eq_ignore_ascii_case(p))
                            && (p.len() <= n.len())
                    })
                    .map_or(Kind::Alpha, |(_, k)| *k);
                (k, attr.to_string())
            }
            None => (
                NAMES
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(s))
                    .map_or(Kind::Alpha, |(_, k)| *k),
                String::new(),
            ),
        };
        SortType { kind, desc, attr }
    }

    fn is_db(&self) -> bool {
        matches!(
            self.kind,
            Kind::Name
                | Kind::NameI
                | Kind::Idle
                | Kind::Conn
                | Kind::Ctime
                | Kind::Mtime
                | Kind::Owner
                | Kind::Loc
                | Kind::Attr
                | Kind::AttrI
        )
    }
}

fn is_objid(s: &str) -> bool {
    let Some(r) = s.strip_prefix('#') else {
        return false;
    };
    let (n, ts) = match r.split_once(':') {
        Some((n, t)) => (n, Some(t)),
        None => (r, None),
    };
    !n.is_empty()
        && n.bytes().all(|c| c.is_ascii_digit())
        && ts.is_none_or(|t| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()))
}

/// PennMUSH's autodetect_list.
pub fn autodetect(items: &[&str]) -> Kind {
    let mut k = Kind::Numeric;
    for (i, s) in items.iter().enumerate() {
        if k == Kind::Numeric && parse_int(s).is_some() {
            continue;
        }
        if matches!(k, Kind::Numeric | Kind::Float) && parse_number(s).is_some() {
            k = Kind::Float;
            continue;
        }
        if is_objid(s) && (i == 0 || k == Kind::Dbref) {
            k = Kind::Dbref;
            continue;
        }
        return Kind::Magic;
    }
    k
}

/// PennMUSH's autodetect_2lists.
pub fn autodetect2(a: &[&str], b: &[&str]) -> Kind {
    let (x, y) = (autodetect(a), autodetect(b));
    if x == y {
        x
    } else if matches!(x, Kind::Numeric | Kind::Float) && matches!(y, Kind::Numeric | Kind::Float) {
        Kind::Float
    } else {
        Kind::Magic
    }
}

/// The type given in argument `i` if non-empty, else autodetected from `items`.
pub fn type_arg(a: &Args, i: usize, items: &[&str]) -> SortType {
    if a.len() > i && !a.get(i).is_empty() {
        SortType::parse(a.get(i))
    } else {
        SortType::of(autodetect(items))
    }
}

/// A precomputed sort key.
#[derive(Debug, Clone)]
pub enum Key {
    Str(String),
    Int(i64),
    Float(f64),
}

/// One element being sorted: its key and (for object sorts) its dbref, -1 if none.
#[derive(Debug, Clone)]
pub struct Rec {
    pub key: Key,
    pub db: Dbref,
    upper: Option<String>,
}

fn parse_dbref(ev: &Eval, s: &str) -> Dbref {
    let r = s.strip_prefix('#').unwrap_or("");
    let n = r.split_once(':').map_or(r, |(n, _)| n);
    match n.parse::<Dbref>() {
        Ok(d) if d >= 0 && ev.host.exists(d) => d,
        _ => -1,
    }
}

fn magic_key(ev: &Eval, s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 24);
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            0x1b => {
                while b.get(i).is_some_and(|c| *c != b'm') {
                    i += 1;
                }
                i += 1;
            }
            b'0'..=b'9' => {
                let mut v: u64 = 0;
                while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                    v = v.saturating_mul(10).saturating_add(u64::from(d - b'0'));
                    i += 1;
                }
                out.push_str(&format!("{v:020}"));
                if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                    let st = i;
                    while b.get(i).is_some_and(u8::is_ascii_digit) {
                        i += 1;
                    }
                    let digits = s.get(st..i).unwrap_or("");
                    let t = digits.trim_start_matches('0');
                    out.push_str(if t.is_empty() { "0" } else { t });
                    for _ in digits.len()..20 {
                        out.push('0');
                    }
                } else if b.get(i) == Some(&b'.') {
                    i += 1;
                }
            }
            b'#' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                let st = i;
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                let d = s.get(st..i).and_then(|n| n.parse::<Dbref>().ok());
                match d
                    .filter(|d| ev.host.exists(*d))
                    .and_then(|d| ev.host.name(d))
                {
                    Some(n) => out.push_str(&n),
                    None => out.push_str(crate::eval::E_NOTVIS),
                }
            }
            _ => {
                let ch = s.get(i..).and_then(|r| r.chars().next()).unwrap_or('?');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out.to_uppercase()
}

/// Build the sort records for `items` under `t` (PennMUSH's slist_build).
pub fn build(ev: &Eval, items: &[&str], t: &SortType) -> Vec<Rec> {
    items
        .iter()
        .map(|raw| {
            // Colour markup does not count in comparisons (a byte scan when absent).
            let plain = crate::markup::strip(raw);
            let s: &str = &plain;
            let db = if t.is_db() { parse_dbref(ev, s) } else { 0 };
            let live = db >= 0;
            let key = match t.kind {
                Kind::Alpha | Kind::Lattr => Key::Str(s.to_string()),
                Kind::Insens => Key::Str(s.to_uppercase()),
                Kind::Dbref => Key::Int(parse_dbref(ev, s)),
                Kind::Numeric => Key::Int(atoi_prefix(s)),
                Kind::Float => Key::Float(parse_number(s).unwrap_or(0.0)),
                Kind::Magic => Key::Str(magic_key(ev, s)),
                Kind::Name | Kind::NameI => {
                    let n = if live {
                        ev.host.name(db).unwrap_or_default()
                    } else {
                        String::new()
                    };
                    Key::Str(if t.kind == Kind::NameI {
                        n.to_uppercase()
                    } else {
                        n
                    })
                }
                Kind::Attr | Kind::AttrI => {
                    let v = if live && !t.attr.is_empty() {
                        ev.host
                            .attr(db, &t.attr.to_ascii_uppercase())
                            .unwrap_or_default()
                    } else {
                        String::new()
                    };
                    Key::Str(if t.kind == Kind::AttrI {
                        v.to_uppercase()
                    } else {
                        v
                    })
                }
                Kind::Owner => Key::Int(if live { ev.host.owner(db) } else { -1 }),
                Kind::Loc => Key::Int(if live { ev.host.location(db) } else { -1 }),
                Kind::Ctime | Kind::Mtime => {
                    Key::Int(if live { ev.host.creation_time(db) } else { 0 })
                }
                Kind::Idle | Kind::Conn => Key::Int(-1),
            };
            let upper = (t.kind == Kind::Magic).then(|| s.to_uppercase());
            Rec { key, db, upper }
        })
        .collect()
}

/// PennMUSH's attribute-name order: backtick-separated branches compared in turn.
fn attr_cmp(a: &str, b: &str) -> Ordering {
    let mut x = a.split('`');
    let mut y = b.split('`');
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => match p.cmp(q) {
                Ordering::Equal => {}
                o => return o,
            },
        }
    }
}

/// Compare two records under `t` (ties are Equal, so a stable sort keeps input order).
pub fn compare(t: &SortType, a: &Rec, b: &Rec) -> Ordering {
    let o = if a.db < 0 || b.db < 0 {
        // Garbage (non-objects in an object sort) goes last.
        b.db.cmp(&a.db).then(Ordering::Equal)
    } else {
        let base = match (&a.key, &b.key) {
            (Key::Str(x), Key::Str(y)) if t.kind == Kind::Lattr => attr_cmp(x, y),
            (Key::Str(x), Key::Str(y)) => x.cmp(y),
            (Key::Int(x), Key::Int(y)) => x.cmp(y),
            (Key::Float(x), Key::Float(y)) => {
                if (x - y).abs() > 1e-9 {
                    x.partial_cmp(y).unwrap_or(Ordering::Equal)
                } else {
                    Ordering::Equal
                }
            }
            _ => Ordering::Equal,
        };
        let base = match (base, &a.upper, &b.upper) {
            (Ordering::Equal, Some(x), Some(y)) => x.cmp(y),
            (o, _, _) => o,
        };
        if base == Ordering::Equal && t.is_db() {
            a.db.cmp(&b.db)
        } else {
            base
        }
    };
    if t.desc {
        o.reverse()
    } else {
        o
    }
}

/// Stable merge sort that never panics, whatever the comparator does.
pub fn merge_sort<T: Clone, F: FnMut(&T, &T) -> Ordering + ?Sized>(v: &mut Vec<T>, cmp: &mut F) {
    let n = v.len();
    if n < 2 {
        return;
    }
    let mut src = std::mem::take(v);
    let mut dst: Vec<T> = Vec::with_capacity(n);
    let mut width = 1;
    while width < n {
        dst.clear();
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j) = (lo, mid);
            while i < mid && j < hi {
                let (Some(x), Some(y)) = (src.get(i), src.get(j)) else {
                    break;
                };
                if cmp(y, x) == Ordering::Less {
                    dst.push(y.clone());
                    j += 1;
                } else {
                    dst.push(x.clone());
                    i += 1;
                }
            }
            dst.extend(src.get(i..mid).unwrap_or(&[]).iter().cloned());
            dst.extend(src.get(j..hi).unwrap_or(&[]).iter().cloned());
            lo = hi;
        }
        std::mem::swap(&mut src, &mut dst);
        width *= 2;
    }
    *v = src;
}

/// Sort the indices of `recs` by `compare` under `t`, stably. `compare` is a total
/// order for every type but `f` (whose near-equality is not transitive), so those use
/// the standard library's faster stable sort; `f` keeps the panic-free merge sort.
pub fn sort_recs<R>(
    idx: &mut Vec<usize>,
    recs: &[R],
    t: &SortType,
    rec: impl Fn(&R) -> Option<&Rec>,
) {
    let mut cmp =
        |x: &usize, y: &usize| match (recs.get(*x).and_then(&rec), recs.get(*y).and_then(&rec)) {
            (Some(a), Some(b)) => compare(t, a, b),
            _ => Ordering::Equal,
        };
    if t.kind == Kind::Float {
        merge_sort(idx, &mut cmp);
    } else {
        idx.sort_by(cmp);
    }
}

/// Sort `items` by `t`; returns the permutation (indices into `items`).
pub fn sort_indices(ev: &Eval, items: &[&str], t: &SortType) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..items.len()).collect();
    if t.kind == Kind::Numeric {
        // The common case, without records: plain integer keys, a total order.
        let keys: Vec<i64> = items.iter().map(|s| atoi_prefix(s)).collect();
        let key = |i: &usize| keys.get(*i).copied().unwrap_or(0);
        if t.desc {
            idx.sort_by_key(|x| std::cmp::Reverse(key(x)));
        } else {
            idx.sort_by_key(key);
        }
        return idx;
    }
    let recs = build(ev, items, t);
    sort_recs(&mut idx, &recs, t, |r: &Rec| Some(r));
    idx
}

fn fun_sort(ev: &mut Eval, a: &Args, o: &mut String) {
    if a.get(0).is_empty() {
        return;
    }
    let Some(sep) = sep_arg(a, 2) else {
        return push(o, E_SEP);
    };
    let osep = osep_arg(a, 3, sep);
    let mut h = Vec::new();
    let items = split_sep_m(a.get(0), sep, &mut h);
    let t = type_arg(a, 1, &items);
    let idx = sort_indices(ev, &items, &t);
    join_into(o, idx.iter().filter_map(|i| items.get(*i).copied()), &osep);
}

fn fun_sortkey(ev: &mut Eval, a: &Args, o: &mut String) {
    if a.get(1).is_empty() {
        return;
    }
    let Some(sep) = sep_arg(a, 3) else {
        return push(o, E_SEP);
    };
    let osep = osep_arg(a, 4, sep);
    let uf = match fetch_ufun(ev, a.get(0)) {
        Ok(Some(u)) => u,
        Ok(None) => return,
        Err(e) => return push(o, e),
    };
    let items = split_sep(a.get(1), sep);
    let mut keys: Vec<String> = Vec::with_capacity(items.len());
    let sc = enter(ev, &uf);
    let mut r = String::new();
    for it in &items {
        call(ev, &sc, &uf, &[it], &mut r);
        keys.push(r.clone());
    }
    leave(ev, sc);
    let kref: Vec<&str> = keys.iter().map(String::as_str).collect();
    let t = type_arg(a, 2, &kref);
    let idx = sort_indices(ev, &kref, &t);
    join_into(o, idx.iter().filter_map(|i| items.get(*i).copied()), &osep);
}

fn fun_sortby(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(sep) = sep_arg(a, 2) else {
        return push(o, E_SEP);
    };
    let osep = osep_arg(a, 3, sep);
    let mut items = split_sep(a.get(1), sep);
    if items.is_empty() {
        return;
    }
    let uf = match fetch_ufun(ev, a.get(0)) {
        Ok(Some(u)) => u,
        Ok(None) => return,
        Err(e) => return push(o, e),
    };
    let sc = enter(ev, &uf);
    let mut r = String::new();
    merge_sort(&mut items, &mut |x: &&str, y: &&str| {
        if ev.aborted() {
            return Ordering::Equal;
        }
        call(ev, &sc, &uf, &[x, y], &mut r);
        atoi_prefix(&r).cmp(&0)
    });
    leave(ev, sc);
    join_into(o, items.iter().copied(), &osep);
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("SORT", 1, 4, fun_sort),
    FnDef::new("SORTBY", 2, 4, fun_sortby),
    FnDef::new("SORTKEY", 2, 5, fun_sortkey),
];
