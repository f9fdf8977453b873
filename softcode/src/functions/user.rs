//! Global user functions (`@function`): names the game registers, each running an
//! attribute as `u()` would with the object that holds it as the executor. The parser
//! turns a call of a registered name into a call of the hidden builtin `USER_CALL`,
//! whose first argument is the name as written (never evaluated).

use std::collections::HashSet;
use std::sync::RwLock;

use super::functional::call_once;
use super::FnDef;
use crate::eval::{push, Args, Eval};

/// The hidden builtin's name: a control character no player can type.
pub const USER_CALL: &str = "\u{1}USER";

static NAMES: RwLock<Option<HashSet<Box<str>>>> = RwLock::new(None);

/// Replaces the set of user function names (upper case). Parses that named or missed
/// one are forgotten.
pub fn set_user_functions(names: impl IntoIterator<Item = String>) {
    let set: HashSet<Box<str>> = names
        .into_iter()
        .map(|n| n.to_ascii_uppercase().into_boxed_str())
        .collect();
    let mut guard = NAMES.write().unwrap_or_else(|e| e.into_inner());
    *guard = Some(set);
    drop(guard);
    crate::cache::clear();
    crate::suggest::invalidate();
}

/// The user function names (upper case), sorted: the suggestion vocabulary's last part.
pub(crate) fn names() -> Vec<String> {
    let guard = NAMES.read().unwrap_or_else(|e| e.into_inner());
    let mut v: Vec<String> = guard
        .as_ref()
        .map(|s| s.iter().map(|n| n.to_string()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Whether `name` (upper case) is a user function.
pub(crate) fn is_user_function(name: &str) -> bool {
    let guard = NAMES.read().unwrap_or_else(|e| e.into_inner());
    guard.as_ref().is_some_and(|s| s.contains(name))
}

fn fun_user_call(ev: &mut Eval, a: &Args, o: &mut String) {
    let name = a.get(0).to_ascii_uppercase();
    let Some((obj, attr)) = ev.host.user_function(&name) else {
        // Deleted since this text was parsed.
        return push(o, &crate::suggest::not_found(&name));
    };
    let args: Vec<&str> = a.all().iter().skip(1).map(String::as_str).collect();
    call_once(ev, &format!("#{obj}/{attr}"), &args, o);
}

pub(crate) const FUNCTIONS: &[FnDef] = &[FnDef::new(USER_CALL, 1, super::MANY, fun_user_call)];
