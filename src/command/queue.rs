//! The queue's commands: `@trigger`, `@wait`, `@notify`, `@drain`, `@force`, `@halt`,
//! `@allhalt`, `@restart` and `@ps`, with PennMUSH's wording.

use super::matching::{self, Scope};
use super::{refuse, Caller, SwitchedFn};
use crate::game::exec::{split_top, strip_braces};
use crate::game::patterns::split_pattern;
use crate::game::queue::{Entry, Wait};
use crate::game::{Flow, Game};
use crate::session::now_millis;
use crate::world::{Dbref, Flags, ObjectKind};

pub const COMMANDS: &[(&str, SwitchedFn)] = &[
    ("@trigger", trigger),
    ("@wait", wait),
    ("@notify", notify),
    ("@drain", drain),
    ("@force", force),
    ("@halt", halt),
    ("@allhalt", allhalt),
    ("@restart", restart),
    ("@ps", ps),
];

/// Whether `switches` (`a/b/...`, lower case) holds `name`.
pub fn has_switch(switches: &str, name: &str) -> bool {
    switches.split('/').any(|s| s == name)
}

/// Evaluates `text` for the caller; an empty answer when it cannot be parsed.
pub(super) fn eval(game: &mut Game, caller: Caller, text: &str) -> String {
    game.evaluate(caller.player, text).unwrap_or_default()
}

/// `<arg0>,<arg1>,...` evaluated one by one into `%0`-`%9` (the rest dropped).
pub(super) fn eval_args(game: &mut Game, caller: Caller, text: &str) -> Vec<String> {
    split_top(text, ',')
        .into_iter()
        .take(10)
        .map(|a| eval(game, caller, a))
        .collect()
}

/// Finds an object the caller names (near, `#dbref` they control, `*player`).
fn find_object(game: &Game, caller: Caller, name: &str) -> Result<Dbref, String> {
    matching::find(game, caller.player, name, Scope::NEAR)
        .or_else(|e| super::find_player(game, caller, name).map_err(|_| e.to_string()))
}

/// `obj/attr`: the object found and the upper-case attribute name.
fn object_attr(game: &Game, caller: Caller, spec: &str) -> Result<(Dbref, String), String> {
    let (obj, attr) = spec
        .split_once('/')
        .ok_or_else(|| "I need an object and an attribute (object/attribute).".to_string())?;
    let obj = find_object(game, caller, obj)?;
    Ok((obj, attr.trim().to_ascii_uppercase()))
}

/// An attribute as an action list: a `$`-command's or `^`-listen's action without its
/// pattern, as PennMUSH triggers them.
pub fn action_of(value: &str) -> &str {
    split_pattern(value, '$')
        .or_else(|| split_pattern(value, '^'))
        .map_or(value, |(_, action)| action)
}

/// `@trigger <obj>/<attr>[=<arg0>,<arg1>...]`: queues the attribute's action list for
/// the object with the (evaluated) arguments as `%0`-`%9`.
fn trigger(game: &mut Game, caller: Caller, _switches: &str, args: &str) -> Flow {
    let (left, right) = match super::split_equals(args) {
        Some((l, r)) => (l, Some(r)),
        None => (args, None),
    };
    let spec = eval(game, caller, left);
    let (obj, attr) = match object_attr(game, caller, &spec) {
        Ok(x) => x,
        Err(why) => return refuse(game, caller, &why),
    };
    if !game.controls_dbref(caller.player, obj) {
        return refuse(game, caller, "Permission denied.");
    }
    let Some((value, flags)) = game
        .world
        .attr_with_flags(obj, &attr)
        .map(|(v, f)| (action_of(v).to_string(), f))
    else {
        return refuse(game, caller, "No such attribute.");
    };
    let argv = right
        .map(|r| eval_args(game, caller, r))
        .unwrap_or_default();
    let entry = Entry::new(obj, caller.player, value)
        .with_args(argv)
        .with_debug(flags);
    game.enqueue(entry);
    game.ack(caller.player, "Triggered.");
    Flow::Continue
}

/// Seconds as PennMUSH reads a wait time (decimals allowed); None if it is not a
/// number.
fn parse_secs(text: &str) -> Option<f64> {
    let secs: f64 = text.trim().parse().ok()?;
    secs.is_finite().then_some(secs.max(0.0))
}

/// Unix ms `secs` from now (or at Unix time `secs` with /until).
fn due_at(secs: f64, until: bool) -> u64 {
    let ms = (secs * 1000.0).min(1e15) as u64;
    if until {
        ms
    } else {
        now_millis().saturating_add(ms)
    }
}

/// `@wait <secs>=<actions>`, `@wait <obj>[/<attr>][/<secs>]=<actions>`: queues the actions
/// after a delay, or on a semaphore until `@notify` (or the timeout).
fn wait(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    let Some((left, actions)) = super::split_equals(args) else {
        return refuse(game, caller, "Wait what?");
    };
    let actions = strip_braces(actions).to_string();
    let left = eval(game, caller, left);
    let until = has_switch(switches, "until");
    let enactor = game.env.enactor;
    if let Some(secs) = parse_secs(&left) {
        let entry = Entry::new(caller.player, enactor, actions)
            .with_args(game.env.args.clone())
            .with_wait(Wait::Until(due_at(secs, until)));
        game.enqueue(entry);
        return Flow::Continue;
    }
    let mut parts = left.splitn(3, '/');
    let obj_name = parts.next().unwrap_or_default();
    let (attr, timeout) = match (parts.next(), parts.next()) {
        (None, _) => ("SEMAPHORE".to_string(), None),
        (Some(x), None) => match parse_secs(x) {
            Some(secs) => ("SEMAPHORE".to_string(), Some(secs)),
            None => (x.trim().to_ascii_uppercase(), None),
        },
        (Some(a), Some(t)) => match parse_secs(t) {
            Some(secs) => (a.trim().to_ascii_uppercase(), Some(secs)),
            None => return refuse(game, caller, "Invalid wait time."),
        },
    };
    let obj = match find_object(game, caller, obj_name) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, &why),
    };
    if !semaphore_allowed(game, caller, obj, &attr) {
        return Flow::Continue;
    }
    let entry = Entry::new(caller.player, enactor, actions).with_args(game.env.args.clone());
    if game.add_to_semaphore(obj, &attr, 1) <= 0 {
        // A notify was waiting for this wait: run at once.
        game.enqueue(entry);
    } else {
        let timeout = timeout.map(|s| due_at(s, until));
        game.enqueue(entry.with_wait(Wait::Semaphore { obj, attr, timeout }));
    }
    Flow::Continue
}

/// Whether the caller may use `obj/attr` as a semaphore: they control the object or it
/// is LINK_OK, and the attribute holds a count (or nothing). Says why not.
fn semaphore_allowed(game: &Game, caller: Caller, obj: Dbref, attr: &str) -> bool {
    let link_ok = game
        .world
        .get(obj)
        .is_some_and(|o| o.flags.has(Flags::LINK_OK));
    if !game.controls_dbref(caller.player, obj) && !link_ok {
        game.reply(caller, "Permission denied.");
        return false;
    }
    let value = game.world.get(obj).and_then(|o| o.attrs.get(attr));
    if value.is_some_and(|v| v.trim().parse::<i64>().is_err()) {
        game.reply(caller, "You can't use that attribute as a semaphore.");
        return false;
    }
    true
}

/// The semaphore a `@notify`/`@drain` names: `<obj>[/<attr>]`.
fn semaphore_of(game: &mut Game, caller: Caller, spec: &str) -> Option<(Dbref, String)> {
    let spec = eval(game, caller, spec);
    let (obj, attr) = match spec.split_once('/') {
        Some((o, a)) => (o, a.trim().to_ascii_uppercase()),
        None => (spec.as_str(), "SEMAPHORE".to_string()),
    };
    if obj.trim().is_empty() {
        game.reply(
            caller,
            "You must specify an object to use for the semaphore.",
        );
        return None;
    }
    let obj = match find_object(game, caller, obj) {
        Ok(d) => d,
        Err(why) => {
            game.reply(caller, &why);
            return None;
        }
    };
    semaphore_allowed(game, caller, obj, &attr).then_some((obj, attr))
}

/// `@notify[/all] <obj>[/<attr>][=<count>]`: releases waiters (oldest first); a notify
/// with nobody waiting is kept for the next `@wait` (the count goes below zero).
fn notify(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    let (spec, count) = match super::split_equals(args) {
        Some((l, r)) => (l, Some(r)),
        None => (args, None),
    };
    let Some((obj, attr)) = semaphore_of(game, caller, spec) else {
        return Flow::Continue;
    };
    let all = has_switch(switches, "all");
    let count = match count.map(|c| eval(game, caller, c)) {
        Some(c) if all && !c.trim().is_empty() => {
            return refuse(
                game,
                caller,
                "You may not specify a semaphore count with the ALL switch.",
            )
        }
        Some(c) if !c.trim().is_empty() => match c.trim().parse::<usize>() {
            Ok(n) => n,
            Err(_) => return refuse(game, caller, "The semaphore count must be an integer."),
        },
        _ => 1,
    };
    let count = if all {
        game.queue.waiters(obj, &attr)
    } else {
        count
    };
    for _ in 0..count.min(game.ctx.config.game.queue_max) {
        release_one(game, obj, &attr);
    }
    if all {
        game.clear_semaphore(obj, &attr);
    }
    game.ack(caller.player, "Notified.");
    Flow::Continue
}

/// One notify: the oldest waiter runs (its wait no longer counts); none waiting, the
/// count goes down by one.
fn release_one(game: &mut Game, obj: Dbref, attr: &str) {
    game.add_to_semaphore(obj, attr, -1);
    if let Some(mut e) = game.queue.take_waiter(obj, attr) {
        game.forget_entry(&e);
        e.wait = Wait::Ready;
        game.queue.restore(e);
    }
}

/// `@drain[/all] <obj>[/<attr>]`: removes the waiters without running them and clears
/// the count (every semaphore attribute of the object with /all or no attribute given).
fn drain(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    let (spec, _) = super::split_equals(args).unwrap_or((args, ""));
    let named_attr = spec.contains('/');
    let Some((obj, attr)) = semaphore_of(game, caller, spec) else {
        return Flow::Continue;
    };
    let every = has_switch(switches, "all") || !named_attr;
    let gone = game.queue.remove_where(|e| match &e.wait {
        Wait::Semaphore {
            obj: o, attr: a, ..
        } => *o == obj && (every || *a == attr),
        _ => false,
    });
    let mut attrs: Vec<String> = vec![attr];
    for e in &gone {
        game.forget_entry(e);
        if let Wait::Semaphore { attr: a, .. } = &e.wait {
            if !attrs.contains(a) {
                attrs.push(a.clone());
            }
        }
    }
    for a in attrs {
        game.clear_semaphore(obj, &a);
    }
    game.ack(caller.player, "Drained.");
    Flow::Continue
}

/// `@force <obj>=<command>`: the object runs the command (evaluated when it runs, with
/// the forcer as enactor). Only what the caller controls; wizards only by wizards.
fn force(game: &mut Game, caller: Caller, _switches: &str, args: &str) -> Flow {
    let Some((who, command)) = super::split_equals(args) else {
        return refuse(game, caller, "Force whom to do what?");
    };
    let who = eval(game, caller, who);
    let obj = match find_object(game, caller, &who) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, &why),
    };
    if !game.controls_dbref(caller.player, obj)
        || (game.is_wizard(obj) && !game.is_wizard(caller.player))
    {
        return refuse(game, caller, "Permission denied.");
    }
    let entry =
        Entry::new(obj, caller.player, strip_braces(command)).with_args(game.env.args.clone());
    game.enqueue(entry);
    Flow::Continue
}

/// `@halt [<obj>[=<actions>]]`, `@halt/pid <pid>`: empties queues. No object: all of the
/// caller's; a player: all of theirs; a thing: its own, and it is set HALT unless new
/// actions are given to run instead.
fn halt(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    if has_switch(switches, "pid") {
        return halt_pid(game, caller, args);
    }
    let (target, replacement) = match super::split_equals(args) {
        Some((l, r)) => (l.trim(), Some(r)),
        None => (args.trim(), None),
    };
    let me = caller.player;
    if target.is_empty() {
        game.halt(|e| e.owner == me);
        game.reply(caller, "All of your objects have been halted.");
        return Flow::Continue;
    }
    let target = eval(game, caller, target);
    let victim = match find_object(game, caller, &target) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, &why),
    };
    let Some(v) = game.world.get(victim) else {
        return Flow::Continue;
    };
    let (kind, owner) = (v.kind, v.owner);
    if owner != me && !game.is_wizard(me) {
        return refuse(game, caller, "Permission denied.");
    }
    if replacement.is_some() && !game.controls_dbref(me, victim) {
        return refuse(
            game,
            caller,
            "You may not use @halt obj=command on this object.",
        );
    }
    if kind == ObjectKind::Player {
        game.halt(|e| e.owner == victim);
        if victim == me {
            game.reply(caller, "All of your objects have been halted.");
        } else {
            let (them, by) = (game.name(victim), game.name(me));
            game.reply(caller, &format!("All objects for {them} have been halted."));
            game.tell(
                victim,
                &format!("All of your objects have been halted by {by}."),
            );
        }
        return Flow::Continue;
    }
    game.halt(|e| e.executor == victim);
    match replacement
        .map(strip_braces)
        .filter(|r| !r.trim().is_empty())
    {
        Some(actions) => {
            let entry = Entry::new(victim, me, actions);
            game.enqueue(entry);
        }
        None => {
            if let Some(o) = game.world.get_mut(victim) {
                o.flags.0 |= Flags::HALT;
            }
            game.save(victim, &["flags"]);
        }
    }
    let obj = game.name_dbref(victim);
    if owner != me {
        let (owner_name, by) = (game.name(owner), game.name(me));
        game.reply(caller, &format!("Halted: {owner_name}'s {obj}"));
        game.tell(owner, &format!("Halted: {obj}, by {by}"));
    } else {
        game.ack(me, &format!("Halted: {obj}"));
    }
    Flow::Continue
}

fn halt_pid(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let Some(pid) = args
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|p| game.queue.get(*p).is_some())
    else {
        return refuse(game, caller, "That is not a valid pid!");
    };
    let owner = game.queue.get(pid).map(|e| e.owner);
    if owner != Some(caller.player) && !game.is_wizard(caller.player) {
        return refuse(game, caller, "Permission denied.");
    }
    game.halt(|e| e.pid == pid);
    game.reply(caller, &format!("Queue entry with pid {pid} halted."));
    Flow::Continue
}

/// `@allhalt`: wizards empty the whole queue.
fn allhalt(game: &mut Game, caller: Caller, _switches: &str, _args: &str) -> Flow {
    if !game.is_wizard(caller.player) {
        return refuse(
            game,
            caller,
            "You do not have the power to bring the world to a halt.",
        );
    }
    let by = game.name(caller.player);
    let owners: std::collections::BTreeSet<Dbref> = game.queue.iter().map(|e| e.owner).collect();
    game.halt(|_| true);
    for owner in owners {
        game.tell(
            owner,
            &format!("Your objects have been globally halted by {by}"),
        );
    }
    Flow::Continue
}

/// `@restart <obj>`: halts it, clears HALT and runs its `@startup` again (a player: all
/// of their objects).
fn restart(game: &mut Game, caller: Caller, _switches: &str, args: &str) -> Flow {
    let target = eval(game, caller, args);
    let victim = match find_object(game, caller, &target) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, &why),
    };
    if !game.controls_dbref(caller.player, victim) {
        return refuse(game, caller, "Permission denied.");
    }
    let is_player = game
        .world
        .get(victim)
        .is_some_and(|o| o.kind == ObjectKind::Player);
    let objects: Vec<Dbref> = if is_player {
        game.world
            .iter()
            .filter(|o| o.owner == victim)
            .map(|o| o.dbref)
            .collect()
    } else {
        vec![victim]
    };
    for obj in objects {
        game.halt(|e| e.executor == obj);
        if let Some(o) = game.world.get_mut(obj) {
            o.flags.0 &= !Flags::HALT;
        }
        game.save(obj, &["flags"]);
        game.queue_action(obj, obj, "STARTUP");
    }
    let text = if is_player && victim == caller.player {
        "All of your objects are being restarted.".to_string()
    } else {
        format!("Restarting: {}", game.name_dbref(victim))
    };
    game.reply(caller, &text);
    Flow::Continue
}

/// `@ps[/all] [<obj>]`: the caller's queue entries (everyone's for wizards with /all),
/// as PennMUSH lists them.
fn ps(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    let me = caller.player;
    let all = has_switch(switches, "all") || args.trim().eq_ignore_ascii_case("all");
    if all && !game.is_wizard(me) {
        return refuse(game, caller, "Permission denied.");
    }
    let only: Option<Dbref> = if all || args.trim().is_empty() {
        None
    } else {
        match find_object(game, caller, args.trim()) {
            Ok(d) => Some(d),
            Err(why) => return refuse(game, caller, &why),
        }
    };
    let shown = |e: &Entry| {
        all || match only {
            Some(d) => e.executor == d || e.owner == d,
            None => e.owner == me,
        }
    };
    let now = now_millis();
    let mut lines = Vec::new();
    let mut totals = [(0usize, 0usize); 3];
    for (i, title) in ["Command Queue:", "Wait Queue:", "Semaphore Queue:"]
        .iter()
        .enumerate()
    {
        lines.push((*title).to_string());
        for e in game.queue.iter() {
            let kind = match e.wait {
                Wait::Ready => 0,
                Wait::Until(_) => 1,
                Wait::Semaphore { .. } => 2,
            };
            if kind != i {
                continue;
            }
            if let Some(t) = totals.get_mut(i) {
                t.1 += 1;
                if shown(e) {
                    t.0 += 1;
                }
            }
            if !shown(e) {
                continue;
            }
            let left = |due: u64| due.saturating_sub(now).div_ceil(1000);
            let at = match &e.wait {
                Wait::Ready => String::new(),
                Wait::Until(due) => format!("[{}]", left(*due)),
                Wait::Semaphore { obj, attr, timeout } => match timeout {
                    Some(due) => format!("[#{}/{attr}/{}]", obj.0, left(*due)),
                    None => format!("[#{}/{attr}]", obj.0),
                },
            };
            lines.push(format!(
                "(Pid: {}) {at}{}: {}",
                e.pid,
                game.name_dbref(e.executor),
                e.actions
            ));
        }
    }
    lines.push("------------  Queue Done  ------------".to_string());
    let [p, w, s] = totals;
    lines.push(format!(
        "Totals: Player...{}/{}[0del]  Wait...{}/{}[0del]  Semaphore...{}/{}",
        p.0, p.1, w.0, w.1, s.0, s.1
    ));
    game.reply(caller, &lines.join("\n"));
    Flow::Continue
}
