//! Wildcard searches over lists (match/element, matchall, grab, graball), merge(), and
//! the random list functions (randword/pickrand, shuffle, randextract).

use std::sync::atomic::{AtomicU64, Ordering};

use crate::eval::{push, Args, Eval, MAX_OUTPUT};
use crate::functions::control::wild_match;
use crate::functions::lists::{join_into, osep_arg, sep_arg, split_sep, words_or_empty, E_SEP};
use crate::functions::math::{parse_int, E_INT};
use crate::functions::FnDef;

macro_rules! sep_or_err {
    ($a:expr, $i:expr, $o:expr) => {
        match sep_arg($a, $i) {
            Some(c) => c,
            None => return push($o, E_SEP),
        }
    };
}

fn fun_match(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 2, o);
    let pos = words_or_empty(a.get(0), sep)
        .iter()
        .position(|w| wild_match(a.get(1), w))
        .map_or(0, |i| i + 1);
    push(o, &pos.to_string())
}

fn fun_matchall(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 2, o);
    let osep = osep_arg(a, 3, sep);
    let words = words_or_empty(a.get(0), sep);
    let hits = words
        .iter()
        .enumerate()
        .filter(|(_, w)| wild_match(a.get(1), w))
        .map(|(i, _)| (i + 1).to_string());
    let hits: Vec<String> = hits.collect();
    join_into(o, hits.iter().map(String::as_str), &osep);
}

fn fun_grab(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 2, o);
    if let Some(w) = split_sep(a.get(0), sep)
        .into_iter()
        .find(|w| wild_match(a.get(1), w))
    {
        push(o, w)
    }
}

fn fun_graball(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 2, o);
    let osep = osep_arg(a, 3, sep);
    let words = split_sep(a.get(0), sep);
    join_into(
        o,
        words.into_iter().filter(|w| wild_match(a.get(1), w)),
        &osep,
    );
}

fn fun_merge(_: &mut Eval, a: &Args, o: &mut String) {
    let (s1, s2) = (a.get(0), a.get(1));
    if s1.chars().count() != s2.chars().count() {
        return push(o, "#-1 STRING LENGTHS MUST BE EQUAL");
    }
    let set: Vec<char> = if a.get(2).is_empty() {
        vec![' ']
    } else {
        a.get(2).chars().collect()
    };
    for (c, d) in s1.chars().zip(s2.chars()) {
        crate::eval::push_char(o, if set.contains(&c) { d } else { c });
        if o.len() >= MAX_OUTPUT {
            break;
        }
    }
}

/// A small xorshift generator, seeded from the clock and a counter.
pub fn rand_below(n: usize) -> usize {
    static STATE: AtomicU64 = AtomicU64::new(0);
    if n <= 1 {
        return 0;
    }
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64)
            | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    (x % n as u64) as usize
}

fn shuffle<T>(v: &mut [T]) {
    for i in (1..v.len()).rev() {
        v.swap(i, rand_below(i + 1));
    }
}

fn fun_randword(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 1, o);
    let w = split_sep(a.get(0), sep);
    if let Some(x) = w.get(rand_below(w.len())) {
        push(o, x)
    }
}

fn fun_shuffle(_: &mut Eval, a: &Args, o: &mut String) {
    let sep = sep_or_err!(a, 1, o);
    let osep = osep_arg(a, 2, sep);
    let mut w = split_sep(a.get(0), sep);
    shuffle(&mut w);
    join_into(o, w, &osep);
}

fn fun_randextract(_: &mut Eval, a: &Args, o: &mut String) {
    let count = if a.len() > 1 && !a.get(1).is_empty() {
        match parse_int(a.get(1)) {
            Some(n) => n,
            None => return push(o, E_INT),
        }
    } else {
        1
    };
    let sep = sep_or_err!(a, 2, o);
    let kind = a
        .get(3)
        .chars()
        .next()
        .map_or('r', |c| c.to_ascii_lowercase());
    if !matches!(kind, 'r' | 'l' | 'd') {
        return push(o, "#-1 INVALID TYPE");
    }
    let osep = osep_arg(a, 4, sep);
    let w = split_sep(a.get(0), sep);
    let n = w.len();
    let Ok(count) = usize::try_from(count) else {
        return;
    };
    if n == 0 || count == 0 {
        return;
    }
    let picked: Vec<&str> = match kind {
        'l' => {
            let c = count.min(n);
            let st = rand_below(n - c + 1);
            w.get(st..st + c).unwrap_or(&[]).to_vec()
        }
        'd' => (0..count.min(MAX_OUTPUT))
            .filter_map(|_| w.get(rand_below(n)).copied())
            .collect(),
        _ => {
            let mut v = w.clone();
            shuffle(&mut v);
            v.truncate(count);
            v
        }
    };
    join_into(o, picked, &osep);
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("ELEMENT", 2, 3, fun_match),
    FnDef::new("GRAB", 2, 3, fun_grab),
    FnDef::new("GRABALL", 2, 4, fun_graball),
    FnDef::new("MATCH", 2, 3, fun_match),
    FnDef::new("MATCHALL", 2, 4, fun_matchall),
    FnDef::new("MERGE", 3, 3, fun_merge),
    FnDef::new("PICKRAND", 1, 2, fun_randword),
    FnDef::new("RANDEXTRACT", 1, 5, fun_randextract),
    FnDef::new("RANDWORD", 1, 2, fun_randword),
    FnDef::new("SHUFFLE", 1, 3, fun_shuffle),
];
