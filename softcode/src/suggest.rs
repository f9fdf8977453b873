//! "DID YOU MEAN" suggestions for unknown functions, chosen as PennMUSH chooses them.
//!
//! PennMUSH keeps every function name (built-ins, aliases, `@function`s) in SQLite's
//! `spellfix1` vocabulary and asks it for the single best match with `scope = 5`:
//!
//! * each word is stored in lower case with a *phonetic hash* (letters folded into
//!   sound classes, doubled classes collapsed, vowels beside R/L dropped);
//! * a query hashes the name *as typed* (upper case, so the lower-case-only spelling
//!   rules such as "kn" or "wr" never fire for it) and only words whose hash starts
//!   with the first five classes of that hash are candidates (fewer when the hash is
//!   short: one less than its length when longer than two);
//! * candidates are scored with spellfix1's own weighted edit distance (cheap for
//!   vowels, silent letters and same-class consonants, case-blind substitutions but
//!   case-sensitive prefix matching, trailing insertions at a quarter cost);
//! * the lowest score wins, and among equal scores the first candidate in the order
//!   SQLite walks its index: by phonetic hash, then insertion order.
//!
//! Our insertion order follows PennMUSH's: built-ins alphabetically except for the
//! group it lists last, then its function aliases, then `@function`s (by name: we do
//! not keep the order they were added in).
//! The work is a few hundred short edit distances, and results are cached per name,
//! so a loop of bad calls costs almost nothing after the first.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::functions;

/// spellfix1's `scope` as PennMUSH queries it.
const SCOPE: usize = 5;
/// spellfix1's longest usable phonetic-hash prefix (SPELLFIX_MX_HASH - 2).
const MAX_HASH: usize = 30;
/// Longer names get no suggestion: no function name is this long, and it bounds the
/// work per new name (PennMUSH would still compare them).
const MAX_QUERY: usize = 32;
/// Cached names kept before the cache is emptied (names are player text).
const CACHE_LIMIT: usize = 8192;

/// The functions PennMUSH lists after the rest of its (otherwise alphabetical) function
/// table, in its order: vectors, floating-point maths, HTML and websockets. Ties between
/// equally good suggestions go to the word added first, so this order shows.
const TABLE_TAIL: &[&str] = &[
    "VADD", "VCROSS", "VSUB", "VMAX", "VMIN", "VMUL", "VDOT", "VMAG", "VDIM", "VUNIT", "ACOS",
    "ASIN", "ATAN", "ATAN2", "CEIL", "COS", "CTU", "E", "FDIV", "FMOD", "FLOOR", "LOG", "LN", "PI",
    "POWER", "ROUND", "SIN", "SQRT", "STDDEV", "TAN", "HTML", "TAG", "ENDTAG", "TAGWRAP", "WSJSON",
    "WSHTML",
];

/// PennMUSH's function aliases (hard-coded and from the default alias.cnf): it adds
/// them to the vocabulary after its function table, which matters only for ties.
const ALIASES: &[&str] = &[
    "U",
    "IDLESECS",
    "HOSTNAME",
    "REVERSE",
    "EXP",
    "DELETE",
    "REPLACE",
    "INSERT",
    "CNAME",
    "AVG",
    "ELEMENT",
    "SPEAKPENN",
    "SEARCH",
    "SOUNDLIKE",
    "STATS",
    "VAL",
    "ATTRCNT",
    "ATTRPCNT",
    "PARSE",
    "MOD",
    "MODULUS",
];

/// Sound classes (spellfix1's character classes).
mod class {
    pub const SILENT: u8 = 0;
    pub const VOWEL: u8 = 1;
    pub const B: u8 = 2;
    pub const C: u8 = 3;
    pub const D: u8 = 4;
    pub const L: u8 = 6;
    pub const R: u8 = 7;
    pub const M: u8 = 8;
    pub const Y: u8 = 9;
    pub const DIGIT: u8 = 10;
    pub const SPACE: u8 = 11;
    pub const OTHER: u8 = 12;
}

/// The letter a class contributes to a phonetic hash.
fn class_letter(c: u8) -> u8 {
    b".ABCDHLRMY9 ?"
        .get(usize::from(c))
        .copied()
        .unwrap_or(b'?')
}

/// The sound class of byte `c`; `initial` for the first letter of a word, where Y is a
/// consonant of its own and an apostrophe is not silent.
fn class_of(c: u8, initial: bool) -> u8 {
    match c.to_ascii_lowercase() {
        b'y' if initial => class::Y,
        b'a' | b'e' | b'i' | b'o' | b'u' | b'y' => class::VOWEL,
        b'b' | b'f' | b'p' | b'v' | b'w' => class::B,
        b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => class::C,
        b'd' | b't' => class::D,
        b'h' => class::SILENT,
        b'\'' if !initial => class::SILENT,
        b'l' => class::L,
        b'r' => class::R,
        b'm' | b'n' => class::M,
        b'0'..=b'9' => class::DIGIT,
        b'\t' | b'\x0c' | b'\r' | b' ' => class::SPACE,
        _ => class::OTHER,
    }
}

/// spellfix1's phonetic hash of `word`.
fn phonetic_hash(word: &[u8]) -> Vec<u8> {
    let mut w = word;
    if w.len() > 2 && matches!(w.first(), Some(b'g' | b'k')) && w.get(1) == Some(&b'n') {
        w = w.get(1..).unwrap_or(w);
    }
    let mut out: Vec<u8> = Vec::with_capacity(w.len());
    // "No class yet" for both the previous class and the previous sounded class.
    let (mut prev, mut prev_sounded) = (u8::MAX, u8::MAX);
    let mut initial = true;
    for (i, &ch) in w.iter().enumerate() {
        let next = w.get(i + 1).copied();
        let after = w.get(i + 2).copied();
        if (ch == b'w' && next == Some(b'r'))
            || (ch == b'd' && matches!(next, Some(b'j' | b'g')))
            || (ch == b't' && next == Some(b'c') && after == Some(b'h'))
        {
            continue;
        }
        let c = class_of(ch, initial);
        if c == class::SPACE || (c == class::OTHER && prev != class::DIGIT) {
            continue;
        }
        initial = false;
        if c == class::VOWEL && (prev_sounded == class::R || prev_sounded == class::L) {
            continue;
        }
        if (c == class::R || c == class::L) && prev_sounded == class::VOWEL {
            out.pop();
        }
        prev = c;
        if c == class::SILENT {
            continue;
        }
        prev_sounded = c;
        let letter = class_letter(c);
        if out.last() != Some(&letter) {
            out.push(letter);
        }
    }
    out
}

/// Class of `c` after `prev`, `prev == 0` meaning at the start of the word.
fn class_after(prev: u8, c: u8) -> u8 {
    class_of(c, prev == 0)
}

/// Cost of inserting or deleting `c` after `prev` (0: word start), before `next`.
fn indel_cost(prev: u8, c: u8, next: u8) -> u32 {
    let cls = class_after(prev, c);
    if cls == class::SILENT {
        1
    } else if prev == c {
        10
    } else if cls == class::VOWEL && (prev == b'r' || next == b'r') {
        20
    } else if cls == class_after(prev, prev) {
        if cls == class::VOWEL {
            15
        } else {
            50
        }
    } else {
        100
    }
}

/// Cost of replacing `from` by `to` after `prev`.
fn subst_cost(prev: u8, from: u8, to: u8) -> u32 {
    if from == to || (to.is_ascii_alphabetic() && from == to ^ 0x20) {
        return 0;
    }
    let (a, b) = (class_after(prev, from), class_after(prev, to));
    let consonant = |x: u8| (class::B..=class::Y).contains(&x);
    if a == b {
        40
    } else if consonant(a) && consonant(b) {
        75
    } else {
        100
    }
}

/// Trailing insertions cost a quarter (a prefix typed in full is a good match).
const FINAL_INSERT_DIV: u32 = 4;

/// spellfix1's edit distance from `a` (the query) to `b` (a vocabulary word); `None`
/// for non-ASCII input, which spellfix1 refuses.
fn edit_distance(a: &[u8], b: &[u8]) -> Option<u32> {
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let last_common = common
        .checked_sub(1)
        .and_then(|i| a.get(i))
        .copied()
        .unwrap_or(0);
    let a = a.get(common..).unwrap_or_default();
    let b = b.get(common..).unwrap_or_default();
    if a.is_empty() && b.is_empty() {
        return Some(0);
    }
    if !a.is_ascii() || !b.is_ascii() {
        return None;
    }
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    if a.is_empty() {
        let mut prev = last_common;
        let mut sum = 0;
        for (i, &c) in b.iter().enumerate() {
            sum += indel_cost(prev, c, at(b, i + 1)) / FINAL_INSERT_DIV;
            prev = c;
        }
        return Some(sum);
    }
    if b.is_empty() {
        let mut prev = last_common;
        let mut sum = 0;
        for (i, &c) in a.iter().enumerate() {
            sum += indel_cost(prev, c, at(a, i + 1));
            prev = c;
        }
        return Some(sum);
    }
    if a == b"*" {
        return Some(0);
    }
    // One row of the Wagner-Fischer matrix, and for each cell the character that
    // "precedes" it on the cheapest path (spellfix1 prices edits by that context).
    let mut row: Vec<u32> = Vec::with_capacity(b.len() + 1);
    let mut ctx: Vec<u8> = Vec::with_capacity(b.len() + 1);
    row.push(0);
    ctx.push(last_common);
    let mut prev = last_common;
    for (i, &c) in b.iter().enumerate() {
        let cost = row.last().copied().unwrap_or(0) + indel_cost(prev, c, at(b, i + 1));
        row.push(cost);
        ctx.push(c);
        prev = c;
    }
    let mut prev_a = last_common;
    let mut star = false;
    for (ia, &ca) in a.iter().enumerate() {
        let last_a = ia + 1 == a.len();
        if ca == b'*' && last_a {
            star = true;
            break;
        }
        let next_a = at(a, ia + 1);
        let mut diag = at_u32(&row, 0);
        if let Some(first) = row.first_mut() {
            *first = diag + indel_cost(prev_a, ca, next_a);
        }
        for ib in 1..=b.len() {
            let cb = at(b, ib - 1);
            let next_b = at(b, ib);
            let left_ctx = at(&ctx, ib - 1);
            let mut ins = indel_cost(left_ctx, cb, next_b);
            if last_a {
                ins /= FINAL_INSERT_DIV;
            }
            let del = indel_cost(at(&ctx, ib), ca, next_b);
            let sub = subst_cost(left_ctx, ca, cb);
            let up = at_u32(&row, ib);
            let mut best = ins + at_u32(&row, ib - 1);
            let mut best_ctx = cb;
            if del + up < best {
                best = del + up;
                best_ctx = ca;
            }
            if sub + diag < best {
                best = sub + diag;
            }
            diag = up;
            if let Some(cell) = row.get_mut(ib) {
                *cell = best;
            }
            if let Some(cell) = ctx.get_mut(ib) {
                *cell = best_ctx;
            }
        }
        prev_a = ca;
    }
    if star {
        return row.get(1..).and_then(|r| r.iter().min().copied());
    }
    row.last().copied()
}

fn at_u32(v: &[u32], i: usize) -> u32 {
    v.get(i).copied().unwrap_or(0)
}

/// One vocabulary word: lower-case spelling and its phonetic hash.
struct Word {
    name: String,
    hash: Vec<u8>,
}

/// The vocabulary (sorted as SQLite's index walks it) and the answers given so far.
#[derive(Default)]
struct State {
    words: Vec<Word>,
    cache: HashMap<String, Option<String>>,
}

/// `None` until first use and after the set of user functions changes.
static STATE: Mutex<Option<State>> = Mutex::new(None);

/// Forget the vocabulary and cached answers (the `@function` set changed).
pub fn invalidate() {
    let mut guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
    *guard = None;
}

fn build() -> State {
    let ours = |n: &&str| functions::lookup(n).is_some();
    let builtins = functions::names().filter(|n| !ALIASES.contains(n) && !TABLE_TAIL.contains(n));
    let names = builtins
        .chain(TABLE_TAIL.iter().copied().filter(ours))
        .chain(ALIASES.iter().copied().filter(ours))
        .map(str::to_string)
        .chain(functions::user::names());
    State {
        words: vocabulary(names),
        ..State::default()
    }
}

/// The vocabulary for `names` in insertion order, sorted as SQLite's (hash, rowid)
/// index walks it. Hidden names (control characters) are left out.
fn vocabulary(names: impl Iterator<Item = String>) -> Vec<Word> {
    let mut words: Vec<Word> = names
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic()))
        .map(|n| {
            let name = n.to_ascii_lowercase();
            let hash = phonetic_hash(name.as_bytes());
            Word { name, hash }
        })
        .collect();
    // A stable sort: equal hashes keep insertion order.
    words.sort_by(|x, y| x.hash.cmp(&y.hash));
    words
}

/// The best match for `query` (an upper-case function name), upper case, if any.
fn best(words: &[Word], query: &str) -> Option<String> {
    // spellfix1 transliterates to ASCII; we have no table, so others become '?'.
    let pattern: Vec<u8> = query
        .chars()
        .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
        .collect();
    let hashed = match pattern.split_last() {
        Some((b'*', rest)) => rest,
        _ => pattern.as_slice(),
    };
    let mut hash = phonetic_hash(hashed);
    hash.truncate(MAX_HASH);
    let n = hash.len();
    let scope = if n <= SCOPE {
        if n > 2 {
            n - 1
        } else {
            n
        }
    } else {
        SCOPE
    };
    let prefix = hash.get(..scope).unwrap_or(hash.as_slice());
    let start = words.partition_point(|w| w.hash.as_slice() < prefix);
    let mut found: Option<(u32, &Word)> = None;
    for w in words.get(start..).unwrap_or_default() {
        if !w.hash.starts_with(prefix) {
            break;
        }
        // A refused comparison ends spellfix1's query with no answer.
        let d = edit_distance(&pattern, w.name.as_bytes())?;
        if found.is_none_or(|(best, _)| d < best) {
            found = Some((d, w));
        }
    }
    found.map(|(_, w)| w.name.to_ascii_uppercase())
}

/// PennMUSH's suggestion for the unknown function `name` (upper case), if it has one.
pub fn suggest_function(name: &str) -> Option<String> {
    if name.len() > MAX_QUERY {
        return None;
    }
    let mut guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let state = guard.get_or_insert_with(build);
    if let Some(hit) = state.cache.get(name) {
        return hit.clone();
    }
    let answer = best(&state.words, name);
    if state.cache.len() >= CACHE_LIMIT {
        state.cache.clear();
    }
    state.cache.insert(name.to_string(), answer.clone());
    answer
}

/// PennMUSH's whole error for calling the unknown function `name` (upper case).
pub fn not_found(name: &str) -> String {
    match suggest_function(name) {
        Some(s) => format!("#-1 FUNCTION ({name}) NOT FOUND DID YOU MEAN '{s}'"),
        None => format!("#-1 FUNCTION ({name}) NOT FOUND"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{run, world};

    fn pick(names: &[&str], query: &str) -> Option<String> {
        best(&vocabulary(names.iter().map(|n| n.to_string())), query)
    }

    // Expected values below are what SQLite's spellfix1 (as built into PennMUSH) answers.

    #[test]
    fn phonetic_hash_folds_sounds() {
        assert_eq!(phonetic_hash(b"message"), b"MACACA");
        assert_eq!(phonetic_hash(b"NOSUCHFUNC"), b"MACACBAMC");
        // Vowels beside R and L are dropped; doubled classes collapse.
        assert_eq!(phonetic_hash(b"lattr"), b"LDR");
        // Lower-case spelling rules: silent k in "kn", w in "wr"; not for upper case.
        assert_eq!(phonetic_hash(b"knot"), b"MAD");
        assert_eq!(phonetic_hash(b"KNOT"), b"CMAD");
        assert_eq!(phonetic_hash(b"wrap"), b"RB");
        // Punctuation is dropped except after a digit.
        assert_eq!(phonetic_hash(b"json_map"), b"CAMAB");
        assert_eq!(phonetic_hash(b"sha0_"), b"CA9?");
    }

    #[test]
    fn edit_distance_weights() {
        assert_eq!(edit_distance(b"ADD", b"add"), Some(0));
        assert_eq!(edit_distance(b"SWITCH", b"switch"), Some(0));
        assert_eq!(edit_distance(b"LATR", b"lattr"), Some(10));
        assert_eq!(edit_distance(b"ITERR", b"iter"), Some(50));
        assert_eq!(edit_distance(b"NOSUCHFUNC", b"message"), Some(511));
        // Insertions at the end cost a quarter; deletions do not.
        assert_eq!(edit_distance(b"", b"abc"), Some(75));
        assert_eq!(edit_distance(b"abc", b""), Some(300));
        // A trailing * makes the query a prefix.
        assert_eq!(edit_distance(b"LAT*", b"lattr"), Some(0));
        assert_eq!(edit_distance("é".as_bytes(), b"e"), None);
    }

    #[test]
    fn best_match_among_words_of_the_same_sound() {
        let words = [
            "ADD", "LATTR", "MESSAGE", "ITER", "SWITCH", "XVTHINGS", "S", "@@",
        ];
        assert_eq!(pick(&words, "ADDD").as_deref(), Some("ADD"));
        assert_eq!(pick(&words, "LATR").as_deref(), Some("LATTR"));
        assert_eq!(pick(&words, "NOSUCHFUNC").as_deref(), Some("MESSAGE"));
        // Only words whose sound starts like the query's are candidates.
        assert_eq!(pick(&words, "SWTICH").as_deref(), Some("XVTHINGS"));
        assert_eq!(pick(&words, "FRBONICATE"), None);
        // A short sound widens the net; no sound at all takes every word.
        assert_eq!(pick(&words, "Q").as_deref(), Some("S"));
        assert_eq!(pick(&words, "_").as_deref(), Some("@@"));
    }

    #[test]
    fn ties_go_to_the_word_added_first() {
        // VMAX and VMAG sound alike and are as far from VMA.
        assert_eq!(pick(&["VMAX", "VMAG"], "VMA").as_deref(), Some("VMAX"));
        assert_eq!(pick(&["VMAG", "VMAX"], "VMA").as_deref(), Some("VMAG"));
    }

    #[test]
    fn our_table_in_pennmush_order() {
        assert_eq!(suggest_function("NOSUCHFUNC").as_deref(), Some("MESSAGE"));
        assert_eq!(suggest_function("VMA").as_deref(), Some("VMAX"));
        // CTU is in PennMUSH's last group, so GTE wins the tie.
        assert_eq!(suggest_function("CTTE").as_deref(), Some("GTE"));
        assert_eq!(suggest_function(&"X".repeat(40)), None);
        assert_eq!(
            not_found("ADDD"),
            "#-1 FUNCTION (ADDD) NOT FOUND DID YOU MEAN 'ADD'"
        );
        assert_eq!(
            not_found("FRBONICATE"),
            "#-1 FUNCTION (FRBONICATE) NOT FOUND"
        );
    }

    #[test]
    fn user_functions_are_candidates() {
        functions::user::set_user_functions(["FROBNICATE".to_string()]);
        let with = suggest_function("FROBNICAT");
        functions::user::set_user_functions(Vec::new());
        assert_eq!(with.as_deref(), Some("FROBNICATE"));
        assert_eq!(suggest_function("FROBNICAT"), None);
    }

    #[test]
    fn evaluator_errors_suggest() {
        let mut db = world();
        let want = "#-1 FUNCTION (NOSUCHFUNC) NOT FOUND DID YOU MEAN 'MESSAGE'";
        assert_eq!(run(&mut db, 1, "[nosuchfunc(1,2)]"), want);
        // A name that evaluation produced.
        assert_eq!(run(&mut db, 1, "[[lit(nosuch)]func()]"), want);
    }

    #[test]
    fn repeated_errors_are_cheap() {
        let start = std::time::Instant::now();
        for i in 0..25_000 {
            let name = if i % 2 == 0 { "NOSUCHFUNC" } else { "ADDD" };
            assert!(suggest_function(name).is_some());
        }
        // Cached: well under a second even unoptimised.
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}
