//! The state one evaluation runs in: who is acting (executor `%!`, caller `%@`, enactor
//! `%#`), the positional arguments `%0`-`%9`, q-registers, the iter()/switch() stacks and
//! the command text (`%c`, `%u`, `%=`). The command queue builds one per queue entry and
//! hands it to `Eval`; u() and friends save and restore parts of it.

use std::collections::BTreeMap;

use crate::host::{Dbref, NOTHING};

/// Most q-registers one context may hold (PennMUSH limits named registers too).
pub const MAX_QREGS: usize = 1000;

/// One level of iter(): its current element, position (1-based) and break request.
#[derive(Debug, Clone, Default)]
pub struct IterFrame {
    pub text: String,
    pub num: usize,
    pub brk: bool,
}

/// Evaluation context.
#[derive(Debug, Clone)]
pub struct Context {
    pub executor: Dbref,
    pub caller: Dbref,
    pub enactor: Dbref,
    /// `%0`..: positional arguments.
    pub args: Vec<String>,
    /// q-registers, keyed by upper-case name (BTreeMap: listq() is sorted).
    pub qregs: BTreeMap<Box<str>, String>,
    pub iter: Vec<IterFrame>,
    /// switch() match texts, innermost last (`%$0`, stext()).
    pub switch: Vec<String>,
    /// `%c`: the raw command.
    pub cmd_raw: String,
    /// `%u`: the evaluated command.
    pub cmd_evaled: String,
    /// `%=`: the attribute being evaluated.
    pub attr_name: String,
}

impl Context {
    pub fn new(executor: Dbref, caller: Dbref, enactor: Dbref) -> Self {
        Context {
            executor,
            caller,
            enactor,
            args: Vec::new(),
            qregs: BTreeMap::new(),
            iter: Vec::new(),
            switch: Vec::new(),
            cmd_raw: String::new(),
            cmd_evaled: String::new(),
            attr_name: String::new(),
        }
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::new(NOTHING, NOTHING, NOTHING)
    }
}

/// Is `name` a valid q-register name? (Non-empty, no spaces, at most 64 characters.)
pub fn valid_qreg(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.bytes().all(|c| c.is_ascii_graphic())
}

/// `name` upper-cased into `buf`, as q-registers are keyed; None if it is too long to be
/// a register name (no register can have it).
pub fn qreg_key<'b>(name: &str, buf: &'b mut [u8; 64]) -> Option<&'b str> {
    let up = buf.get_mut(..name.len())?;
    up.copy_from_slice(name.as_bytes());
    up.make_ascii_uppercase();
    std::str::from_utf8(up).ok()
}
