//! Parsed attribute text, kept so that code that runs a thousand times a second is
//! scanned once. Keyed by the text itself, so a changed attribute simply misses (there
//! is nothing to invalidate); bounded by entries and bytes, and cleared when the
//! function table changes (a parse records which names were functions).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::parse::{self, Expr, Mode, ParseError};

/// Most parses kept.
const MAX_ENTRIES: usize = 4096;
/// Most text bytes kept (the parses themselves are of the same order).
const MAX_BYTES: usize = 8 << 20;
/// Texts longer than this are parsed each time: one-offs, not attribute code.
const MAX_TEXT: usize = 64 << 10;

#[derive(Default)]
struct Cache {
    /// One map per mode (the same text parses differently in each), looked up by `&str`.
    maps: [HashMap<Box<str>, Rc<Expr>>; 3],
    bytes: usize,
    hits: u64,
    misses: u64,
    /// The `GENERATION` these parses belong to.
    generation: u64,
}

/// Bumped by `clear`: every thread's cache forgets its parses when it next sees a newer
/// generation (the game task may run on any worker thread).
static GENERATION: AtomicU64 = AtomicU64::new(0);

thread_local! {
    // One per thread: the game task evaluates on whichever worker it runs on; a second
    // copy on another worker costs memory, never correctness.
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// The parse of `text`, from the cache when it was parsed before.
pub fn parse(text: &str, mode: Mode) -> Result<Rc<Expr>, ParseError> {
    if text.len() > MAX_TEXT {
        return parse::parse(text, mode).map(Rc::new);
    }
    let hit = CACHE.with(|c| {
        let mut c = c.borrow_mut();
        let now = GENERATION.load(Ordering::Acquire);
        if c.generation != now {
            c.forget();
            c.generation = now;
        }
        let found = c.maps[slot(mode)].get(text).cloned();
        if found.is_some() {
            c.hits += 1;
        }
        found
    });
    if let Some(expr) = hit {
        return Ok(expr);
    }
    let expr = Rc::new(parse::parse(text, mode)?);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        c.misses += 1;
        if c.entries() >= MAX_ENTRIES || c.bytes + text.len() > MAX_BYTES {
            // Simple and bounded: start over rather than track recency per entry.
            c.forget();
        }
        c.bytes += text.len();
        c.maps[slot(mode)].insert(Box::from(text), expr.clone());
    });
    Ok(expr)
}

impl Cache {
    fn entries(&self) -> usize {
        self.maps.iter().map(HashMap::len).sum()
    }

    fn forget(&mut self) {
        for m in &mut self.maps {
            m.clear();
        }
        self.bytes = 0;
    }
}

fn slot(mode: Mode) -> usize {
    match mode {
        Mode::Default => 0,
        Mode::Command => 1,
        Mode::NoEval => 2,
    }
}

/// Forgets every parse on every thread (after `@function` changes which names are
/// functions).
pub fn clear() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
    CACHE.with(|c| c.borrow_mut().forget());
}

/// (hits, misses, entries) on this thread, for telemetry and tests.
pub fn stats() -> (u64, u64, usize) {
    CACHE.with(|c| {
        let c = c.borrow();
        (c.hits, c.misses, c.entries())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_parse_is_a_hit_and_changes_miss() {
        clear();
        let a = parse("[add(1,2)]", Mode::Default).expect("parse");
        let b = parse("[add(1,2)]", Mode::Default).expect("parse");
        assert!(Rc::ptr_eq(&a, &b));
        let c = parse("[add(1,3)]", Mode::Default).expect("parse");
        assert!(!Rc::ptr_eq(&a, &c));
        // The mode is part of the key: a command's braces parse differently.
        let d = parse("[add(1,2)]", Mode::Command).expect("parse");
        assert!(!Rc::ptr_eq(&a, &d));
        let (hits, misses, entries) = stats();
        assert_eq!((hits, misses, entries), (1, 3, 3));
    }

    #[test]
    fn stays_bounded() {
        for i in 0..(MAX_ENTRIES + 10) {
            parse(&format!("x{i}"), Mode::Default).expect("parse");
        }
        assert!(stats().2 <= MAX_ENTRIES);
    }
}
