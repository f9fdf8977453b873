//! `@function`: global user-defined functions (wizards). A user function runs an
//! attribute as `u()` would, with the object that holds it as the executor. Unlike
//! PennMUSH, where they must be re-made by `@startup` after every restart, they are kept
//! in the store (`functions` record) and survive restarts and reboots.

use super::matching::{self, Scope};
use super::{refuse, wizard_only, Caller, CommandFn};
use crate::game::{Flow, Game};
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::world::Dbref;

pub const COMMANDS: &[(&str, CommandFn)] = &[("@function", function), ("@function/delete", delete)];

/// Longest function name, as in PennMUSH.
const MAX_NAME: usize = 30;

/// Where a user function's code lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFunction {
    pub obj: Dbref,
    pub attr: String,
}

impl UserFunction {
    /// The stored form, `#obj/ATTR`.
    pub fn encode(&self) -> String {
        format!("{}/{}", self.obj, self.attr)
    }

    pub fn decode(text: &str) -> Option<UserFunction> {
        let (obj, attr) = text.split_once('/')?;
        Some(UserFunction {
            obj: Dbref::parse(obj)?,
            attr: super::attributes::attr_name(attr).ok()?,
        })
    }
}

/// A good function name: a letter first, then letters, digits and `_`, at most 30.
fn function_name(name: &str) -> Option<String> {
    let name = name.trim();
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    (first_ok && rest_ok && name.len() <= MAX_NAME).then(|| name.to_ascii_uppercase())
}

/// `@function`, `@function <name>`, `@function <name>=<obj>,<attr>` or `=<obj>/<attr>`.
fn function(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let args = args.trim();
    if args.is_empty() {
        return list(game, caller);
    }
    let Some((name, place)) = args.split_once('=') else {
        return describe(game, caller, args);
    };
    if !wizard_only(game, caller) {
        return Flow::Continue;
    }
    let Some(name) = function_name(name) else {
        return refuse(game, caller, "Invalid function name.");
    };
    // `obj,attr[,min,max...]` or `obj/attr`.
    let mut parts = place.splitn(3, ',');
    let (obj, attr) = match (parts.next(), parts.next()) {
        (Some(obj), Some(attr)) => (obj.trim(), attr.trim()),
        (Some(spec), None) => spec.split_once('/').unwrap_or((spec, "")),
        _ => ("", ""),
    };
    if obj.trim().is_empty() || attr.trim().is_empty() {
        return refuse(game, caller, "You must specify an object and an attribute.");
    }
    let Ok(attr) = super::attributes::attr_name(attr) else {
        return refuse(game, caller, "That is not a good name for an attribute.");
    };
    let thing = match matching::find(game, caller.player, obj.trim(), Scope::NEAR) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    if !game.controls_dbref(caller.player, thing) {
        return refuse(game, caller, "No permission to control object.");
    }
    if mushd_softcode::functions::lookup(&name).is_some() {
        return refuse(game, caller, "You cannot change that built-in function.");
    }
    let f = UserFunction { obj: thing, attr };
    game.ctx.wb.set(Key::Functions, &name, f.encode());
    let updated = game.functions.insert(name, f).is_some();
    game.functions_changed();
    let ack = if updated {
        "Function updated."
    } else {
        "Function added."
    };
    game.ack(caller.player, ack);
    Flow::Continue
}

/// `@function/delete <name>`.
fn delete(game: &mut Game, caller: Caller, args: &str) -> Flow {
    if !wizard_only(game, caller) {
        return Flow::Continue;
    }
    let name = args.trim().to_ascii_uppercase();
    if game.functions.remove(&name).is_none() {
        return refuse(game, caller, "No such function.");
    }
    game.ctx.wb.push(Key::Functions, Op::Remove(name));
    game.functions_changed();
    game.ack(caller.player, "Function deleted.");
    Flow::Continue
}

fn list(game: &mut Game, caller: Caller) -> Flow {
    if game.functions.is_empty() {
        return refuse(game, caller, "No global user-defined functions exist.");
    }
    let text = if game.is_wizard(caller.player) {
        let mut t = String::from("Function Name                   Dbref #    Attrib");
        for (name, f) in &game.functions {
            t.push_str(&format!("\n{name:<32} {:>6}    {}", f.obj.0, f.attr));
        }
        t
    } else {
        let names: Vec<&str> = game.functions.keys().map(String::as_str).collect();
        format!("User functions: {}", names.join(" "))
    };
    game.tell(caller.player, &text);
    Flow::Continue
}

fn describe(game: &mut Game, caller: Caller, name: &str) -> Flow {
    let upper = name.trim().to_ascii_uppercase();
    let text = match game.functions.get(&upper) {
        Some(f) if game.is_wizard(caller.player) => {
            format!("User function {upper}: evaluates {}/{}.", f.obj, f.attr)
        }
        Some(_) => format!("User function {upper}."),
        None if mushd_softcode::functions::lookup(&upper).is_some() => {
            format!("Builtin function {upper}.")
        }
        None => "No such function.".to_string(),
    };
    game.tell(caller.player, &text);
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_stored_form() {
        assert_eq!(function_name("double"), Some("DOUBLE".into()));
        assert_eq!(function_name("x_1"), Some("X_1".into()));
        assert_eq!(function_name("1x"), None);
        assert_eq!(function_name("a-b"), None);
        assert_eq!(function_name(&"a".repeat(31)), None);
        let f = UserFunction {
            obj: Dbref(3),
            attr: "FN_DOUBLE".into(),
        };
        assert_eq!(f.encode(), "#3/FN_DOUBLE");
        assert_eq!(UserFunction::decode("#3/FN_DOUBLE"), Some(f));
        assert_eq!(UserFunction::decode("nonsense"), None);
    }
}
