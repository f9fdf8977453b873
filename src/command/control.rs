//! Control flow in action lists: `@switch`/`@select`, `@dolist`, `@include`, `@break`
//! and `@assert`, with PennMUSH's switches.

use mushd_softcode::functions::wild::subst_dollars;

use super::queue::{action_of, eval, eval_args, has_switch};
use super::{refuse, Caller, SwitchedFn};
use crate::game::exec::{split_top, strip_braces};
use crate::game::patterns::wild_captures;
use crate::game::queue::Entry;
use crate::game::{Flow, Game};

pub const COMMANDS: &[(&str, SwitchedFn)] = &[
    ("@switch", switch),
    ("@select", select),
    ("@dolist", dolist),
    ("@include", include),
    ("@break", brk),
    ("@assert", assert),
];

/// How the actions a control command picked are run.
struct Runner {
    inline: bool,
    /// `/nobreak` (or `/inplace`): an `@break` inside does not stop the caller's list.
    nobreak: bool,
    /// `/localize` (or `/inplace`): q-registers are restored after each action.
    localize: bool,
    clearregs: bool,
}

impl Runner {
    fn from(switches: &str) -> Runner {
        let inplace = has_switch(switches, "inplace");
        Runner {
            inline: inplace || has_switch(switches, "inline"),
            nobreak: inplace || has_switch(switches, "nobreak"),
            localize: inplace || has_switch(switches, "localize"),
            clearregs: has_switch(switches, "clearregs") || has_switch(switches, "clearreg"),
        }
    }

    /// Runs `actions` for the caller: at once in this environment, or as a new queue
    /// entry with the same arguments, q-registers and `iter` element.
    fn run(&self, game: &mut Game, caller: Caller, actions: &str, item: Option<(String, usize)>) {
        if self.inline {
            return self.run_here(game, actions, item, None);
        }
        let mut entry =
            Entry::new(caller.player, game.env.enactor, actions).with_args(game.env.args.clone());
        entry.caller = game.env.caller;
        entry.iter = game
            .env
            .iter
            .iter()
            .cloned()
            .chain(item)
            .map(|(t, n)| (t, n as u64))
            .collect();
        game.enqueue(entry);
    }

    /// Runs `actions` in this environment, with an `iter` element and `%0`-`%9` when
    /// given, q-registers saved or cleared and `@break` contained as the switches say.
    fn run_here(
        &self,
        game: &mut Game,
        actions: &str,
        item: Option<(String, usize)>,
        args: Option<Vec<String>>,
    ) {
        let saved_regs = self.localize.then(|| game.env.qregs.clone());
        if self.clearregs {
            game.env.qregs.clear();
        }
        let pushed = item.is_some();
        if let Some(frame) = item {
            game.env.iter.push(frame);
        }
        game.run_inline(actions, args);
        if pushed {
            game.env.iter.pop();
        }
        if let Some(regs) = saved_regs {
            game.env.qregs = regs;
        }
        if self.nobreak {
            game.env.broken = false;
        }
    }
}

/// Whether `value` matches a `@switch` pattern: `<n`/`>n` compare numbers, otherwise a
/// wildcard (or a regular expression with /regexp); the captures for `$0`-`$9`.
fn switch_match(value: &str, pattern: &str, regexp: bool) -> Option<Vec<String>> {
    let num = |s: &str| s.trim().parse::<f64>().ok();
    if let Some(rest) = pattern.strip_prefix('<') {
        if let (Some(a), Some(b)) = (num(value), num(rest)) {
            return (a < b).then(Vec::new);
        }
    }
    if let Some(rest) = pattern.strip_prefix('>') {
        if let (Some(a), Some(b)) = (num(value), num(rest)) {
            return (a > b).then(Vec::new);
        }
    }
    if regexp {
        let re = fancy_regex::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .backtrack_limit(100_000)
            .build()
            .ok()?;
        let caps = re.captures(value).ok().flatten()?;
        return Some(
            caps.iter()
                .take(10)
                .map(|m| m.map_or(String::new(), |m| m.as_str().to_string()))
                .collect(),
        );
    }
    wild_captures(pattern, value, false)
}

/// `@switch[/all|/first|/inline|/notify|/regexp] <value>=<pattern>,<actions>,...[,<default>]`.
fn switch(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    let first = has_switch(switches, "first");
    run_switch(game, caller, switches, args, first)
}

/// `@select`: `@switch/first`.
fn select(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    run_switch(game, caller, switches, args, true)
}

fn run_switch(game: &mut Game, caller: Caller, switches: &str, args: &str, first: bool) -> Flow {
    let Some((value, cases)) = super::split_equals(args) else {
        return refuse(game, caller, "Switch what?");
    };
    let value = eval(game, caller, value);
    let parts = split_top(cases, ',');
    let regexp = has_switch(switches, "regexp");
    let runner = Runner::from(switches);
    let mut pairs = parts.chunks_exact(2);
    let mut matched = false;
    for pair in pairs.by_ref() {
        let [pattern, actions] = pair else { continue };
        let pattern = eval(game, caller, &pattern.replace("#$", &value));
        let Some(caps) = switch_match(&value, &pattern, regexp) else {
            continue;
        };
        matched = true;
        let actions = strip_braces(actions).replace("#$", &value);
        let actions = subst_dollars(&actions, |i| caps.get(i).map(String::as_str));
        runner.run(game, caller, &actions, None);
        if first || (runner.inline && game.env.broken) {
            break;
        }
    }
    if !matched {
        if let [default] = pairs.remainder() {
            let actions = strip_braces(default).replace("#$", &value);
            runner.run(game, caller, &actions, None);
        }
    }
    if has_switch(switches, "notify") {
        let entry = Entry::new(caller.player, game.env.enactor, "@notify me");
        game.enqueue(entry);
    }
    Flow::Continue
}

/// `@dolist[/inline][/notify][/delimit <d>] <list>=<actions>`: the actions once per
/// element, with `##` and `#@` replaced by the element and its position, and the element
/// as `%i0`/`itext(0)`.
fn dolist(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    let Some((list, actions)) = super::split_equals(args) else {
        return refuse(game, caller, "Dolist what?");
    };
    let mut list = list.trim();
    let mut delim = ' ';
    if has_switch(switches, "delimit") {
        let mut chars = list.chars();
        match chars.next() {
            Some(d) => {
                delim = d;
                list = chars.as_str().trim_start();
            }
            None => return refuse(game, caller, "What delimiter?"),
        }
    }
    let list = eval(game, caller, list);
    let actions = strip_braces(actions);
    let runner = Runner::from(switches);
    let items: Vec<&str> = if delim == ' ' {
        list.split_whitespace().collect()
    } else {
        list.split(delim).collect()
    };
    for (i, item) in items.into_iter().enumerate() {
        let text = actions
            .replace("##", item)
            .replace("#@", &(i + 1).to_string());
        runner.run(game, caller, &text, Some((item.to_string(), i + 1)));
        if runner.inline && game.env.broken {
            break;
        }
    }
    if has_switch(switches, "notify") {
        let entry = Entry::new(caller.player, game.env.enactor, "@notify me");
        game.enqueue(entry);
    }
    Flow::Continue
}

/// `@include[/nobreak/localize/clearregs] <obj>/<attr>[=<args>]`: the attribute's actions
/// run here, in this action list, with the arguments (if given) as `%0`-`%9`.
fn include(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    let (spec, argv) = match super::split_equals(args) {
        Some((l, r)) => (l, Some(r)),
        None => (args, None),
    };
    let spec = eval(game, caller, spec);
    let Some((obj, attr)) = spec.split_once('/') else {
        return refuse(
            game,
            caller,
            "I need an object and an attribute (object/attribute).",
        );
    };
    let obj = match super::matching::find(game, caller.player, obj, super::matching::Scope::NEAR) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let attr = attr.trim().to_ascii_uppercase();
    if !game.controls_dbref(caller.player, obj) && !game.attr_visible(caller.player, obj, &attr) {
        return refuse(game, caller, "Permission denied.");
    }
    let Some((actions, flags)) = game
        .world
        .attr_with_flags(obj, &attr)
        .map(|(v, f)| (action_of(v).to_string(), f))
    else {
        return refuse(game, caller, "No such attribute.");
    };
    let new_args = argv.map(|r| eval_args(game, caller, r));
    let saved_debug = game.env.debug;
    game.env.debug = crate::game::exec::debug_of(flags).or(saved_debug);
    Runner::from(switches).run_here(game, &actions, None, new_args);
    game.env.debug = saved_debug;
    Flow::Continue
}

/// PennMUSH's truth: not empty, not 0, not `#-1`-style errors, not false.
fn truthy(text: &str) -> bool {
    let t = text.trim();
    if t.is_empty() || t.starts_with("#-") {
        return false;
    }
    match t.parse::<f64>() {
        Ok(n) => n != 0.0,
        Err(_) => true,
    }
}

/// `@break <bool>[=<actions>]`: when true, the rest of the action list is skipped (and
/// `<actions>` run instead).
fn brk(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    break_if(game, caller, switches, args, true)
}

/// `@assert <bool>[=<actions>]`: when false, as `@break` when true.
fn assert(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    break_if(game, caller, switches, args, false)
}

fn break_if(game: &mut Game, caller: Caller, switches: &str, args: &str, on: bool) -> Flow {
    let (cond, actions) = match super::split_equals(args) {
        Some((l, r)) => (l, Some(r)),
        None => (args, None),
    };
    let value = eval(game, caller, cond);
    if truthy(&value) != on {
        return Flow::Continue;
    }
    game.env.broken = true;
    if let Some(actions) = actions.map(strip_braces).filter(|a| !a.is_empty()) {
        if has_switch(switches, "queued") {
            let entry = Entry::new(caller.player, game.env.enactor, actions)
                .with_args(game.env.args.clone());
            game.enqueue(entry);
        } else {
            game.env.broken = false;
            let depth = game.env.depth;
            game.run_inline(actions, None);
            game.env.depth = depth;
            game.env.broken = true;
        }
    }
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switch_patterns_compare_numbers_wildcards_and_regexps() {
        assert_eq!(switch_match("5", "<10", false), Some(vec![]));
        assert_eq!(switch_match("50", "<10", false), None);
        assert_eq!(switch_match("50", ">10", false), Some(vec![]));
        assert_eq!(
            switch_match("foobarbaz", "*a*", false),
            Some(vec!["foob".to_string(), "rbaz".to_string()])
        );
        assert_eq!(switch_match("abc", "ABC", false), Some(vec![]));
        assert_eq!(
            switch_match("abc123", "^[a-z]+(\\d+)$", true),
            Some(vec!["abc123".to_string(), "123".to_string()])
        );
    }

    #[test]
    fn truth_is_pennmush_truth() {
        for t in ["1", "x", "-1", "0.5", "#5"] {
            assert!(truthy(t), "{t}");
        }
        for f in ["", "0", " ", "#-1", "#-1 NO MATCH", "0.0"] {
            assert!(!truthy(f), "{f}");
        }
    }
}
