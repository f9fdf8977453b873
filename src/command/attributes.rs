//! Attributes: `&NAME obj=value`, `@set obj=NAME:value`, the standard attribute
//! commands (`@success`, `@fail`, ...) and `@wipe`. Names are case-insensitive (kept upper
//! case), values verbatim; an empty value clears the attribute.

use super::building::controlled_target;
use super::{refuse, Caller, CommandFn};
use crate::game::{Flow, Game};
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::world::object::{attr_field, attr_flags_field};
use crate::world::{AttrFlags, Dbref, ObjectKind, ALIAS};

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
    ("@asuccess", |g, c, a| standard(g, c, a, "ASUCCESS")),
    ("@asucc", |g, c, a| standard(g, c, a, "ASUCCESS")),
    ("@afail", |g, c, a| standard(g, c, a, "AFAIL")),
    ("@afailure", |g, c, a| standard(g, c, a, "AFAIL")),
    ("@adrop", |g, c, a| standard(g, c, a, "ADROP")),
    ("@ause", |g, c, a| standard(g, c, a, "AUSE")),
    ("@enter", |g, c, a| standard(g, c, a, "ENTER")),
    ("@oenter", |g, c, a| standard(g, c, a, "OENTER")),
    ("@oxenter", |g, c, a| standard(g, c, a, "OXENTER")),
    ("@aenter", |g, c, a| standard(g, c, a, "AENTER")),
    ("@leave", |g, c, a| standard(g, c, a, "LEAVE")),
    ("@oleave", |g, c, a| standard(g, c, a, "OLEAVE")),
    ("@oxleave", |g, c, a| standard(g, c, a, "OXLEAVE")),
    ("@aleave", |g, c, a| standard(g, c, a, "ALEAVE")),
    ("@move", |g, c, a| standard(g, c, a, "MOVE")),
    ("@omove", |g, c, a| standard(g, c, a, "OMOVE")),
    ("@amove", |g, c, a| standard(g, c, a, "AMOVE")),
    ("@efail", |g, c, a| standard(g, c, a, "EFAIL")),
    ("@oefail", |g, c, a| standard(g, c, a, "OEFAIL")),
    ("@aefail", |g, c, a| standard(g, c, a, "AEFAIL")),
    ("@ufail", |g, c, a| standard(g, c, a, "UFAIL")),
    ("@oufail", |g, c, a| standard(g, c, a, "OUFAIL")),
    ("@aufail", |g, c, a| standard(g, c, a, "AUFAIL")),
    ("@listen", |g, c, a| standard(g, c, a, "LISTEN")),
    ("@ahear", |g, c, a| standard(g, c, a, "AHEAR")),
    ("@aahear", |g, c, a| standard(g, c, a, "AAHEAR")),
    ("@amhear", |g, c, a| standard(g, c, a, "AMHEAR")),
    ("@aconnect", |g, c, a| standard(g, c, a, "ACONNECT")),
    ("@adisconnect", |g, c, a| standard(g, c, a, "ADISCONNECT")),
    ("@startup", |g, c, a| standard(g, c, a, "STARTUP")),
    ("@forwardlist", |g, c, a| standard(g, c, a, "FORWARDLIST")),
    ("@prefix", |g, c, a| standard(g, c, a, "PREFIX")),
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
        Err(why) => return refuse(game, caller, why),
    };
    let target = match controlled_target(game, caller, what) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    if name == ALIAS && !value.is_empty() {
        if let Err(why) = check_aliases(game, target, value) {
            game.tell(caller.player, &why);
            return Flow::Continue;
        }
    }
    // A wizard attribute (the login stamps among them) is changed by wizards only.
    let wizard_attr = game
        .world
        .get(target)
        .is_some_and(|o| o.attr_flags(&name).has(AttrFlags::WIZARD));
    if wizard_attr && !game.is_wizard(caller.player) {
        return refuse(game, caller, "That attribute cannot be changed by you.");
    }
    let obj_name = game.name(target);
    let new_value = (!value.is_empty()).then(|| value.to_string());
    game.world.set_attr(target, &name, new_value);
    game.touch(target, &[]);
    let key = Key::Obj(target);
    if value.is_empty() {
        game.ctx.wb.push(key, Op::Remove(attr_field(&name)));
        game.ack(caller.player, &format!("{obj_name}/{name} - Cleared."));
    } else {
        for branch in game.world.missing_branches(target, &name) {
            game.world.set_attr(target, &branch, Some(String::new()));
            game.ctx
                .wb
                .push(key.clone(), Op::Set(attr_field(&branch), "".into()));
        }
        game.ctx
            .wb
            .push(key, Op::Set(attr_field(&name), value.to_string().into()));
        game.ack(caller.player, &format!("{obj_name}/{name} - Set."));
    }
    Flow::Continue
}

/// `@set <object>/<attribute>=[!]<flag> [[!]<flag> ...]`: attribute flags. Clears come
/// before sets; wizard and mortal_dark only for wizards.
pub fn set_attr_flags(game: &mut Game, caller: Caller, what: &str, spec: &str) -> Flow {
    let Some((obj, attr)) = what.split_once('/') else {
        return refuse(game, caller, "Use: @set <object>/<attribute>=[!]<flag>");
    };
    let name = match attr_name(attr) {
        Ok(n) => n,
        Err(why) => return refuse(game, caller, why),
    };
    let target = match controlled_target(game, caller, obj) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let Some(current) = game
        .world
        .get(target)
        .filter(|o| o.attrs.get(&name).is_some())
        .map(|o| o.attr_flags(&name))
    else {
        return refuse(game, caller, "No such attribute.");
    };
    let (mut set, mut clear) = (0u32, 0u32);
    for word in spec.split_whitespace() {
        let (off, flag) = match word.strip_prefix('!') {
            Some(f) => (true, f),
            None => (false, word),
        };
        let Some((_, bit)) = AttrFlags::lookup(flag) else {
            return refuse(game, caller, "I don't recognize that attribute flag.");
        };
        if off {
            clear |= bit;
        } else {
            set |= bit;
        }
    }
    if set | clear == 0 {
        return refuse(game, caller, "You must specify a flag to set.");
    }
    let obj_name = game.name(target);
    if (set | clear) & AttrFlags::WIZARD_ONLY != 0 && !game.is_wizard(caller.player) {
        return refuse(
            game,
            caller,
            &format!("You cannot change that flag on {obj_name}/{name}"),
        );
    }
    let flags = AttrFlags((current.0 & !clear) | set);
    game.world.set_attr_flags(target, &name, flags);
    game.touch(target, &[]);
    let field = attr_flags_field(&name);
    let op = if flags.0 == 0 {
        Op::Remove(field)
    } else {
        Op::Set(field, flags.names().into())
    };
    game.ctx.wb.push(Key::Obj(target), op);
    if clear != 0 {
        let names = AttrFlags(clear).names();
        game.ack(
            caller.player,
            &format!("{obj_name}/{name} - {names} reset."),
        );
    }
    if set != 0 {
        let names = AttrFlags(set).names();
        game.ack(caller.player, &format!("{obj_name}/{name} - {names} set."));
    }
    Flow::Continue
}

/// A player's aliases must be good player names that no other player has (as a
/// name or an alias); other objects' aliases are not checked.
fn check_aliases(game: &Game, target: Dbref, value: &str) -> Result<(), String> {
    if game.world.get(target).map(|o| o.kind) != Some(ObjectKind::Player) {
        return Ok(());
    }
    for alias in value.split(';').map(str::trim).filter(|a| !a.is_empty()) {
        crate::world::validate_player_name(alias)
            .map_err(|e| format!("That alias is not allowed: {e}"))?;
        if game
            .world
            .player_by_name(alias)
            .is_some_and(|d| d != target)
        {
            return Err(format!("The alias \"{alias}\" is already in use."));
        }
    }
    Ok(())
}

/// `&NAME obj=value`.
pub fn ampersand(game: &mut Game, caller: Caller, rest: &str) -> Flow {
    let Some((name, tail)) = rest.split_once(char::is_whitespace) else {
        game.tell(caller.player, "Use: &<attribute> <object>=<value>");
        return Flow::Continue;
    };
    let (what, value) = split_setter(game, caller, tail);
    set_attr(game, caller, &what, name, &value)
}

/// `@success obj=value` and the other standard attributes.
fn standard(game: &mut Game, caller: Caller, args: &str, attr: &str) -> Flow {
    let (what, value) = split_setter(game, caller, args);
    set_attr(game, caller, &what, attr, &value)
}

/// The object and value of an attribute-setting command. A player's typed command is
/// stored as typed; one an object runs from the queue has both sides evaluated, as
/// PennMUSH does (so `&N me=[add(v(N),1)]` counts in an action list).
fn split_setter(game: &mut Game, caller: Caller, args: &str) -> (String, String) {
    if caller.handle != super::NO_HANDLE {
        let (what, value) = args.split_once('=').unwrap_or((args, ""));
        return (what.to_string(), value.to_string());
    }
    let (what, value) = super::split_equals(args).unwrap_or((args, ""));
    let what = game.evaluate(caller.player, what).unwrap_or_default();
    let value = game.evaluate(caller.player, value).unwrap_or_default();
    (what, value)
}

/// `@wipe obj`: clears every attribute (wizard attributes only for wizards).
fn wipe(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let target = match controlled_target(game, caller, args) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let wizard = game.is_wizard(caller.player);
    let names = game.world.wipe_attrs(target, wizard);
    for name in &names {
        game.ctx
            .wb
            .push(Key::Obj(target), Op::Remove(attr_field(name)));
    }
    game.touch(target, &[]);
    game.tell(caller.player, &wiped(names.len()));
    Flow::Continue
}

/// PennMUSH's count of wiped attributes: `No attributes wiped.`, `One attribute
/// wiped.`, `4 attributes wiped.`.
pub fn wiped(count: usize) -> String {
    match count {
        0 => "No attributes wiped.".to_string(),
        1 => "One attribute wiped.".to_string(),
        n => format!("{n} attributes wiped."),
    }
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
