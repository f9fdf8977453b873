//! The function library: ONE registration table (name, argument counts, which arguments
//! are evaluated, permission class, implementation) built from per-family tables, and
//! dispatch by name through a sorted table with binary search.
//!
//! To add a family: create `functions/<family>.rs` with
//! `pub(crate) const FUNCTIONS: &[FnDef] = &[FnDef::new("NAME", min, max, fun_x), ...]`
//! (upper-case names; `.noparse()`, `.literal()`, `.comma_last()`, `.perm(..)` as
//! needed), implement each as `fn(&mut Eval, &Args, &mut String)` writing through
//! `eval::push`, and add the family's table to `FAMILIES` below.

use std::sync::OnceLock;

use crate::eval::{Args, Eval};

pub mod align;
pub mod ansi;
pub mod attrlist;
pub mod attrs;
pub mod chat;
pub mod compat;
pub mod config;
pub mod conn;
pub mod connmore;
pub mod control;
pub mod db;
pub mod dbmore;
pub mod effects;
pub mod encoding;
pub mod etime;
pub mod flags;
pub mod format;
pub mod functional;
pub mod json;
pub mod json_mod;
pub mod listmatch;
pub mod lists;
pub mod listsplit;
pub mod lockfns;
pub mod mail;
pub(crate) mod marked_ops;
pub mod math;
pub mod mathmore;
pub mod misc;
pub mod misc2;
pub mod regex;
pub mod registers;
pub mod search;
pub mod sets;
pub mod sort;
pub mod strchars;
pub mod strings;
pub mod time;
pub mod timecalc;
pub mod user;
pub mod vector;
pub mod wild;
pub mod zones;

/// Index into the registration table.
pub type FnId = u16;

/// A function implementation: evaluator, arguments, output buffer.
pub type FnImpl = fn(&mut Eval<'_>, &Args<'_>, &mut String);

/// Unlimited maximum argument count.
pub const MANY: usize = usize::MAX;

/// How a function's arguments are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgMode {
    /// Evaluated before the call (PennMUSH FN_REG).
    Eval,
    /// Passed unevaluated; the function evaluates them itself (FN_NOPARSE).
    NoParse,
    /// Passed literally, without even `\`/`%`/`[` processing (FN_LITERAL).
    Literal,
}

/// Who may call a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    Any,
    Wizard,
    God,
}

/// One entry of the registration table.
#[derive(Debug, Clone, Copy)]
pub struct FnDef {
    pub name: &'static str,
    pub min: usize,
    pub max: usize,
    /// The last argument takes any further commas (PennMUSH's negative maxargs).
    pub comma_last: bool,
    pub mode: ArgMode,
    pub perm: Perm,
    /// Deprecated in PennMUSH: every call tells the executor so, before anything else.
    pub deprecated: bool,
    pub imp: FnImpl,
}

impl FnDef {
    pub const fn new(name: &'static str, min: usize, max: usize, imp: FnImpl) -> Self {
        FnDef {
            name,
            min,
            max,
            comma_last: false,
            mode: ArgMode::Eval,
            perm: Perm::Any,
            deprecated: false,
            imp,
        }
    }
    pub const fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
    pub const fn noparse(mut self) -> Self {
        self.mode = ArgMode::NoParse;
        self
    }
    pub const fn literal(mut self) -> Self {
        self.mode = ArgMode::Literal;
        self
    }
    pub const fn comma_last(mut self) -> Self {
        self.comma_last = true;
        self
    }
    pub const fn perm(mut self, p: Perm) -> Self {
        self.perm = p;
        self
    }
}

const FAMILIES: &[&[FnDef]] = &[
    math::FUNCTIONS,
    control::FUNCTIONS,
    registers::FUNCTIONS,
    strings::FUNCTIONS,
    strchars::FUNCTIONS,
    ansi::FUNCTIONS,
    format::FUNCTIONS,
    encoding::FUNCTIONS,
    regex::FUNCTIONS,
    wild::FUNCTIONS,
    lists::FUNCTIONS,
    listmatch::FUNCTIONS,
    sets::FUNCTIONS,
    sort::FUNCTIONS,
    functional::FUNCTIONS,
    time::FUNCTIONS,
    mail::FUNCTIONS,
    etime::FUNCTIONS,
    timecalc::FUNCTIONS,
    vector::FUNCTIONS,
    json::FUNCTIONS,
    json_mod::FUNCTIONS,
    misc::FUNCTIONS,
    config::FUNCTIONS,
    db::FUNCTIONS,
    flags::FUNCTIONS,
    attrs::FUNCTIONS,
    conn::FUNCTIONS,
    connmore::FUNCTIONS,
    dbmore::FUNCTIONS,
    lockfns::FUNCTIONS,
    search::FUNCTIONS,
    attrlist::FUNCTIONS,
    effects::FUNCTIONS,
    user::FUNCTIONS,
    compat::FUNCTIONS,
    mathmore::FUNCTIONS,
    align::FUNCTIONS,
    misc2::FUNCTIONS,
    zones::FUNCTIONS,
    chat::FUNCTIONS,
];

fn table() -> &'static [FnDef] {
    static TABLE: OnceLock<Vec<FnDef>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut v: Vec<FnDef> = FAMILIES.iter().flat_map(|f| f.iter().copied()).collect();
        v.sort_by(|a, b| a.name.cmp(b.name));
        v.dedup_by(|a, b| a.name == b.name);
        v
    })
}

/// Look a function up by (any-case) name.
pub fn lookup(name: &str) -> Option<FnId> {
    if name.len() > 32 {
        return None;
    }
    let mut buf = [0u8; 32];
    let up = buf.get_mut(..name.len())?;
    up.copy_from_slice(name.as_bytes());
    up.make_ascii_uppercase();
    let key = std::str::from_utf8(up).ok()?;
    table()
        .binary_search_by(|d| d.name.cmp(key))
        .ok()
        .and_then(|i| FnId::try_from(i).ok())
}

/// The definition of a registered function. Ids come only from `lookup`.
pub fn def(id: FnId) -> &'static FnDef {
    let t = table();
    t.get(usize::from(id)).unwrap_or(&t[0])
}

pub fn name_of(id: FnId) -> &'static str {
    def(id).name
}

/// All registered names (sorted), for tests and listings.
pub fn names() -> impl Iterator<Item = &'static str> {
    table().iter().map(|d| d.name)
}

/// PennMUSH's wrong-argument-count message.
pub fn argcount_error(def: &FnDef, got: usize) -> String {
    let expects = if def.min == def.max {
        def.min.to_string()
    } else if def.max != MANY && def.min + 1 == def.max {
        format!("{} OR {}", def.min, def.max)
    } else if def.max == MANY {
        format!("AT LEAST {}", def.min)
    } else {
        format!("BETWEEN {} AND {}", def.min, def.max)
    };
    format!(
        "#-1 FUNCTION ({}) EXPECTS {} ARGUMENTS BUT GOT {}",
        def.name, expects, got
    )
}
