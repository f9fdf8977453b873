//! Attributes: `&NAME obj=value`, `@set obj=NAME:value`, the standard attribute
//! commands (`@success`, `@fail`, ...) and `@wipe`. Names are case-insensitive (kept upper
//! case), values verbatim; an empty value clears the attribute.

use super::building::controlled_target;
use super::{Caller, CommandFn};
use crate::game::{now_secs, Flow, Game};
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::world::object::attr_field;

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("@success", |g, c, a| standard(g, c, a, "SUCCESS")),
    ("@osuccess", |g, c, a| standard(g, c, a, "OSUCCESS")),
    ("@succ", |g, c, a| standard(g, c, a, "SUCCESS")),
    ("@osucc", |g, c, a| standard(g, c, a, "OSUCCESS")),
    ("@use", |g, c, a| standard(g, c, a, "USE")),
    ("@ouse", |g, c, a| standard(g, c, a, "OUSE")),
    ("@fail", |g, c, a| standard(g, c, a, "FAIL")),
    ("@ofail", |g, c, a| standard(g, c, a, "OFAIL")),
    ("@drop", |g, c, a| standard(g, c, a, "DROP")),
    ("@odrop", |g, c, a| standard(g, c, a, "ODROP")),
    ("@sex", |g, c, a| standard(g, c, a, "SEX")),
    ("@alias", |g, c, a| standard(g, c, a, "ALIAS")),
    ("@wipe", wipe),
];

/// Longest attribute name.
const MAX_NAME: usize = 64;

/// An attribute name, upper-cased, or why it is not one.
pub fn attr_name(name: &str) -> Result<String, &'static str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err("That is not a good name for an attribute.");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.`'?!~@#$^&*+".contains(c))
    {
        return Err("That is not a good name for an attribute.");
    }
    Ok(name.to_ascii_uppercase())
}

/// Sets or (with an empty value) clears one attribute, with the usual permission check.
pub fn set_attr(game: &mut Game, caller: Caller, what: &str, name: &str, value: &str) -> Flow {
    let name = match attr_name(name) {
        Ok(n) => n,
        Err(why) => {
            game.tell(caller.player, why);
            return Flow::Continue;
        }
    };
    let target = match controlled_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => {
            game.tell(caller.player, why);
            return Flow::Continue;
        }
    };
    let obj_name = game.name(target);
    if let Some(o) = game.world.get_mut(target) {
        o.modified = now_secs();
        if value.is_empty() {
            o.attrs.remove(&name);
        } else {
            o.attrs.insert(name.clone(), value.to_string());
        }
    }
    game.save(target, &["modified"]);
    let key = Key::Obj(target);
    if value.is_empty() {
        game.ctx.wb.push(key, Op::Remove(attr_field(&name)));
        game.ack(caller.player, &format!("{obj_name}/{name} - Cleared."));
    } else {
        game.ctx
            .wb
            .push(key, Op::Set(attr_field(&name), value.to_string().into()));
        game.ack(caller.player, &format!("{obj_name}/{name} - Set."));
    }
    Flow::Continue
}

/// `&NAME obj=value`.
pub fn ampersand(game: &mut Game, caller: Caller, rest: &str) -> Flow {
    let Some((name, tail)) = rest.split_once(char::is_whitespace) else {
        game.tell(caller.player, "Use: &<attribute> <object>=<value>");
        return Flow::Continue;
    };
    let (what, value) = tail.split_once('=').unwrap_or((tail, ""));
    set_attr(game, caller, what, name, value)
}

/// `@success obj=value` and the other standard attributes.
fn standard(game: &mut Game, caller: Caller, args: &str, attr: &str) -> Flow {
    let (what, value) = args.split_once('=').unwrap_or((args, ""));
    set_attr(game, caller, what, attr, value)
}

/// `@wipe obj`: clears every attribute.
fn wipe(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let target = match controlled_target(game, caller, args) {
        Ok(d) => d,
        Err(why) => {
            game.tell(caller.player, why);
            return Flow::Continue;
        }
    };
    let names: Vec<String> = match game.world.get_mut(target) {
        Some(o) => {
            o.modified = now_secs();
            std::mem::take(&mut o.attrs).into_keys().collect()
        }
        None => return Flow::Continue,
    };
    for name in &names {
        game.ctx
            .wb
            .push(Key::Obj(target), Op::Remove(attr_field(name)));
    }
    game.save(target, &["modified"]);
    game.tell(
        caller.player,
        &format!("Attributes wiped ({}).", names.len()),
    );
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_upper_cased() {
        assert_eq!(attr_name("Foo_bar"), Ok("FOO_BAR".into()));
        assert!(attr_name("").is_err());
        assert!(attr_name("two words").is_err());
        assert!(attr_name(&"x".repeat(65)).is_err());
    }
}
