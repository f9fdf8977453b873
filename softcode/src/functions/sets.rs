//! Set functions over sorted lists: setunion, setinter, setdiff, setsymdiff (with sort
//! types, PennMUSH's autodetection over both lists) and unique.

use std::cmp::Ordering;

use crate::eval::{push, Args, Eval, MAX_OUTPUT};
use crate::functions::lists::{osep_arg, sep_arg, split_sep, E_SEP};
use crate::functions::math::atoi_prefix;
use crate::functions::sort::{autodetect2, build, compare, sort_recs, Kind, Rec, SortType};
use crate::functions::FnDef;

#[derive(Clone, Copy)]
struct Ops {
    lt: bool,
    gt: bool,
    eq: bool,
}

/// Sort then drop neighbours that compare equal (PennMUSH's slist_uniq keeps the first).
fn sorted_unique<'a>(ev: &Eval, items: &[&'a str], t: &SortType) -> (Vec<&'a str>, Vec<Rec>) {
    // Build the sort keys once and carry them through the sort.
    let mut recs: Vec<Option<Rec>> = build(ev, items, t).into_iter().map(Some).collect();
    let mut idx: Vec<usize> = (0..items.len()).collect();
    sort_recs(&mut idx, &recs, t, Option::as_ref);
    let mut words = Vec::with_capacity(items.len());
    let mut keep: Vec<Rec> = Vec::with_capacity(items.len());
    for i in idx {
        let (Some(w), Some(r)) = (
            items.get(i).copied(),
            recs.get_mut(i).and_then(Option::take),
        ) else {
            continue;
        };
        if keep
            .last()
            .is_some_and(|l| compare(t, l, &r) == Ordering::Equal)
        {
            continue;
        }
        words.push(w);
        keep.push(r);
    }
    (words, keep)
}

fn setmanip(ev: &mut Eval, a: &Args, o: &mut String, ops: Ops) {
    if a.get(0).is_empty() && a.get(1).is_empty() {
        return;
    }
    let Some(sep) = sep_arg(a, 2) else {
        return push(o, E_SEP);
    };
    let l1 = split_sep(a.get(0), sep);
    let l2 = split_sep(a.get(1), sep);
    let sep_s = sep.to_string();
    let (t, osep) = match a.len() {
        0..=3 => (None, sep_s),
        4 if a.get(3).is_empty() => (None, String::new()),
        4 => (Some(SortType::parse(a.get(3))), sep_s),
        _ => (
            (!a.get(3).is_empty()).then(|| SortType::parse(a.get(3))),
            a.get(4).to_string(),
        ),
    };
    let t = t.unwrap_or_else(|| SortType::of(autodetect2(&l1, &l2)));
    if t.kind == Kind::Numeric {
        return numeric_setmanip(&l1, &l2, t.desc, &osep, ops, o);
    }
    let (w1, r1) = sorted_unique(ev, &l1, &t);
    let (w2, r2) = sorted_unique(ev, &l2, &t);
    let (mut x, mut y) = (0, 0);
    let mut first = true;
    let mut emit = |o: &mut String, w: &str| {
        if !first {
            push(o, &osep);
        }
        first = false;
        push(o, w);
    };
    while let (Some(p), Some(q)) = (r1.get(x), r2.get(y)) {
        if o.len() >= MAX_OUTPUT {
            return;
        }
        match compare(&t, p, q) {
            Ordering::Less => {
                if ops.lt {
                    emit(o, w1.get(x).copied().unwrap_or(""));
                }
                x += 1;
            }
            Ordering::Greater => {
                if ops.gt {
                    emit(o, w2.get(y).copied().unwrap_or(""));
                }
                y += 1;
            }
            Ordering::Equal => {
                if ops.eq {
                    emit(o, w1.get(x).copied().unwrap_or(""));
                }
                x += 1;
                y += 1;
            }
        }
    }
    if ops.lt {
        for w in w1.iter().skip(x) {
            emit(o, w);
            if o.len() >= MAX_OUTPUT {
                return;
            }
        }
    }
    if ops.gt {
        for w in w2.iter().skip(y) {
            emit(o, w);
            if o.len() >= MAX_OUTPUT {
                return;
            }
        }
    }
}

/// Sort by integer key (stably; descending if `desc`) and drop equal neighbours.
fn numeric_unique<'a>(items: &[&'a str], desc: bool) -> Vec<(i64, &'a str)> {
    let mut v: Vec<(i64, &str)> = items.iter().map(|s| (atoi_prefix(s), *s)).collect();
    if desc {
        v.sort_by_key(|x| std::cmp::Reverse(x.0));
    } else {
        v.sort_by_key(|x| x.0);
    }
    v.dedup_by_key(|x| x.0);
    v
}

/// `setmanip` for numeric sorts: the same merge over plain integer keys.
fn numeric_setmanip(l1: &[&str], l2: &[&str], desc: bool, osep: &str, ops: Ops, o: &mut String) {
    let w1 = numeric_unique(l1, desc);
    let w2 = numeric_unique(l2, desc);
    let (mut x, mut y) = (0, 0);
    let mut first = true;
    let mut emit = |o: &mut String, w: &str| {
        if !first {
            push(o, osep);
        }
        first = false;
        push(o, w);
    };
    while let (Some(p), Some(q)) = (w1.get(x), w2.get(y)) {
        if o.len() >= MAX_OUTPUT {
            return;
        }
        let c = p.0.cmp(&q.0);
        match if desc { c.reverse() } else { c } {
            Ordering::Less => {
                if ops.lt {
                    emit(o, p.1);
                }
                x += 1;
            }
            Ordering::Greater => {
                if ops.gt {
                    emit(o, q.1);
                }
                y += 1;
            }
            Ordering::Equal => {
                if ops.eq {
                    emit(o, p.1);
                }
                x += 1;
                y += 1;
            }
        }
    }
    if ops.lt {
        for w in w1.iter().skip(x) {
            emit(o, w.1);
            if o.len() >= MAX_OUTPUT {
                return;
            }
        }
    }
    if ops.gt {
        for w in w2.iter().skip(y) {
            emit(o, w.1);
            if o.len() >= MAX_OUTPUT {
                return;
            }
        }
    }
}

fn fun_setunion(ev: &mut Eval, a: &Args, o: &mut String) {
    setmanip(
        ev,
        a,
        o,
        Ops {
            lt: true,
            gt: true,
            eq: true,
        },
    )
}
fn fun_setinter(ev: &mut Eval, a: &Args, o: &mut String) {
    setmanip(
        ev,
        a,
        o,
        Ops {
            lt: false,
            gt: false,
            eq: true,
        },
    )
}
fn fun_setdiff(ev: &mut Eval, a: &Args, o: &mut String) {
    setmanip(
        ev,
        a,
        o,
        Ops {
            lt: true,
            gt: false,
            eq: false,
        },
    )
}
fn fun_setsymdiff(ev: &mut Eval, a: &Args, o: &mut String) {
    setmanip(
        ev,
        a,
        o,
        Ops {
            lt: true,
            gt: true,
            eq: false,
        },
    )
}

fn fun_unique(ev: &mut Eval, a: &Args, o: &mut String) {
    if a.get(0).is_empty() {
        return;
    }
    let Some(sep) = sep_arg(a, 2) else {
        return push(o, E_SEP);
    };
    let items = split_sep(a.get(0), sep);
    let t = if a.len() >= 2 {
        crate::functions::sort::type_arg(a, 1, &items)
    } else {
        SortType::of(Kind::Alpha)
    };
    let osep = osep_arg(a, 3, sep);
    let recs = build(ev, &items, &t);
    let mut last: Option<&Rec> = None;
    let mut first = true;
    for (w, r) in items.iter().zip(&recs) {
        if last.is_some_and(|l| compare(&t, l, r) == Ordering::Equal) {
            continue;
        }
        last = Some(r);
        if !first {
            push(o, &osep);
        }
        first = false;
        push(o, w);
        if o.len() >= MAX_OUTPUT {
            break;
        }
    }
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("SETDIFF", 2, 5, fun_setdiff),
    FnDef::new("SETINTER", 2, 5, fun_setinter),
    FnDef::new("SETSYMDIFF", 2, 5, fun_setsymdiff),
    FnDef::new("SETUNION", 2, 5, fun_setunion),
    FnDef::new("UNIQUE", 1, 4, fun_unique),
];
