//! Commands that objects run: the environment a command runs in, action lists, and
//! the queue's side of the game loop (adding entries, running a batch, runaways).
//!
//! A typed command and a queued one go through the same dispatch; what differs is the
//! `Env` on the game while it runs: for a typed command the player is executor, enactor
//! and caller with no arguments; for a queue entry, the entry's.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tracing::warn;

use super::queue::{Entry, Refused, Wait};
use super::Game;
use crate::command::{self, Caller};
use crate::session::now_millis;
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::world::{AttrFlags, Dbref, Flags};

/// How deep inline action lists (`@switch/inline`, `@include`, `@dolist/inline`) nest.
pub const MAX_INLINE_DEPTH: u32 = 20;

/// Most commands one action list runs (a long `@dolist/inline` included).
pub const MAX_COMMANDS_PER_ENTRY: usize = 10_000;

/// Wall-clock time the queue may take between two looks at the connections.
const QUEUE_SLICE: Duration = Duration::from_millis(20);

/// The environment a command runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    pub executor: Dbref,
    pub enactor: Dbref,
    pub caller: Dbref,
    /// `%0`-`%9`.
    pub args: Vec<String>,
    /// Q-registers, kept from one command of an action list to the next.
    pub qregs: BTreeMap<Box<str>, String>,
    /// `@dolist` elements and positions (`%i0`, `inum(0)`), innermost last.
    pub iter: Vec<(String, usize)>,
    /// Whether evaluations are traced (see `Entry::debug`).
    pub debug: Option<bool>,
    /// Set by `@break`/`@assert`: the rest of the action list is skipped.
    pub broken: bool,
    /// Inline action lists within this one.
    pub depth: u32,
    /// Commands run so far by this entry.
    pub commands: usize,
    /// When the entry (or typed command) began: an entry stops after the evaluation
    /// budget (`game.softcode_time_budget_ms`) even when each evaluation kept within it.
    pub started: Instant,
}

impl Env {
    /// A command typed by `player`.
    pub fn typed(player: Dbref) -> Env {
        Env {
            executor: player,
            enactor: player,
            caller: player,
            args: Vec::new(),
            qregs: BTreeMap::new(),
            iter: Vec::new(),
            debug: None,
            broken: false,
            depth: 0,
            commands: 0,
            started: Instant::now(),
        }
    }

    fn of(entry: &Entry) -> Env {
        Env {
            executor: entry.executor,
            enactor: entry.enactor,
            caller: entry.caller,
            args: entry.args.clone(),
            qregs: entry
                .qregs
                .iter()
                .map(|(k, v)| (k.as_str().into(), v.clone()))
                .collect(),
            iter: entry
                .iter
                .iter()
                .map(|(t, n)| (t.clone(), usize::try_from(*n).unwrap_or(usize::MAX)))
                .collect(),
            debug: entry.debug,
            broken: false,
            depth: 0,
            commands: 0,
            started: Instant::now(),
        }
    }
}

impl Entry {
    /// A ready entry: `executor` runs `actions` for `enactor` (also the caller).
    pub fn new(executor: Dbref, enactor: Dbref, actions: impl Into<String>) -> Entry {
        Entry {
            pid: 0,
            owner: executor,
            executor,
            enactor,
            caller: enactor,
            actions: actions.into(),
            args: Vec::new(),
            qregs: Vec::new(),
            iter: Vec::new(),
            debug: None,
            wait: Wait::Ready,
        }
    }

    pub fn with_args(mut self, args: Vec<String>) -> Entry {
        self.args = args;
        self
    }

    pub fn with_wait(mut self, wait: Wait) -> Entry {
        self.wait = wait;
        self
    }

    /// Traced or not as the attribute it came from says (`debug`/`no_debug` flags).
    pub fn with_debug(mut self, flags: AttrFlags) -> Entry {
        self.debug = debug_of(flags);
        self
    }
}

/// What an attribute's flags say about tracing its actions.
pub fn debug_of(flags: AttrFlags) -> Option<bool> {
    if flags.has(AttrFlags::NO_DEBUG) {
        Some(false)
    } else if flags.has(AttrFlags::DEBUG) {
        Some(true)
    } else {
        None
    }
}

/// The byte offsets of each top-level `sep` in `text`: outside braces, brackets and
/// parentheses, and not escaped by `\\` or `%`.
fn top_level(text: &str, sep: char) -> impl Iterator<Item = usize> + '_ {
    let mut depth = 0usize;
    let mut escaped = false;
    text.char_indices().filter_map(move |(i, c)| {
        if escaped {
            escaped = false;
            return None;
        }
        match c {
            '\\' | '%' => escaped = true,
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' => depth = depth.saturating_sub(1),
            c if c == sep && depth == 0 => return Some(i),
            _ => {}
        }
        None
    })
}

/// Splits text at each top-level `sep`.
pub fn split_top(text: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in top_level(text, sep) {
        out.extend(text.get(start..i));
        start = i + sep.len_utf8();
    }
    out.extend(text.get(start..));
    out
}

/// Splits text at its first top-level `sep`.
pub fn split_once_top(text: &str, sep: char) -> Option<(&str, &str)> {
    let i = top_level(text, sep).next()?;
    Some((text.get(..i)?, text.get(i + sep.len_utf8()..)?))
}

/// Splits an action list into its commands, trimmed, empty ones left out.
pub fn split_actions(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = split_top(text, ';').into_iter().map(str::trim).collect();
    out.retain(|s| !s.is_empty());
    out
}

/// `{text}` without its braces when one pair encloses all of it.
pub fn strip_braces(text: &str) -> &str {
    let t = text.trim();
    let Some(inner) = t.strip_prefix('{').and_then(|r| r.strip_suffix('}')) else {
        return t;
    };
    // Only when the first brace closes at the very end: `{a};{b}` keeps its braces.
    let mut depth = 0usize;
    let mut escaped = false;
    for c in inner.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' | '%' => escaped = true,
            '{' => depth += 1,
            '}' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return t,
            },
            _ => {}
        }
    }
    inner
}

impl Game {
    /// Queues an entry for its executor, counted against the executor's owner. Nothing is
    /// queued for a HALT or GOING object; an owner over `queue_quota` makes the object a
    /// runaway. Returns the pid.
    pub fn enqueue(&mut self, mut entry: Entry) -> Option<u64> {
        let obj = self.world.get(entry.executor)?;
        if obj.flags.has(Flags::HALT) || obj.flags.has(Flags::GOING) {
            return None;
        }
        entry.owner = obj.owner;
        if entry.qregs.is_empty() && self.env.executor == entry.enactor {
            // Q-registers go along into what this command queues, as in PennMUSH.
            entry.qregs = self
                .env
                .qregs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
        }
        let executor = entry.executor;
        let cfg = &self.ctx.config.game;
        match self.queue.add(entry, cfg.queue_quota, cfg.queue_max) {
            Ok(pid) => {
                if let Some(e) = self.queue.get(pid).filter(|e| e.is_persistent()) {
                    self.ctx.wb.set(Key::Queue, &pid.to_string(), e.encode());
                }
                Some(pid)
            }
            Err(Refused::OverQuota) => {
                self.runaway(executor);
                None
            }
            Err(Refused::Full) => {
                warn!(object = %executor, "the command queue is full; an entry was dropped");
                let owner = self.world.get(executor).map_or(executor, |o| o.owner);
                self.tell(
                    owner,
                    &format!(
                        "GAME: The queue is full; a command for {} was dropped.",
                        self.name_dbref(executor)
                    ),
                );
                None
            }
        }
    }

    /// `Name(#N)`, as PennMUSH names an object in system messages.
    pub fn name_dbref(&self, obj: Dbref) -> String {
        format!("{}(#{})", self.world.name(obj), obj.0)
    }

    /// An object queued past its owner's quota: its queue is halted and it is set HALT.
    fn runaway(&mut self, obj: Dbref) {
        let owner = self.world.get(obj).map_or(obj, |o| o.owner);
        warn!(object = %obj, "runaway object halted");
        self.tell(
            owner,
            &format!("Runaway object: {}. Commands halted.", self.name_dbref(obj)),
        );
        self.halt(|e| e.executor == obj);
        if let Some(o) = self.world.get_mut(obj) {
            o.flags.0 |= Flags::HALT;
        }
        self.save(obj, &["flags"]);
    }

    /// Removes the entries `which` picks (the store forgets them too); returns how many.
    pub fn halt(&mut self, which: impl Fn(&Entry) -> bool) -> usize {
        let gone = self.queue.remove_where(which);
        for e in &gone {
            self.forget_entry(e);
            if let Wait::Semaphore { obj, attr, .. } = &e.wait {
                self.add_to_semaphore(*obj, attr, -1);
            }
        }
        gone.len()
    }

    /// The store forgets a persisted entry that ran or was removed.
    pub fn forget_entry(&self, e: &Entry) {
        if e.is_persistent() || self.queue.all_persisted {
            self.ctx.wb.push(Key::Queue, Op::Remove(e.pid.to_string()));
        }
    }

    /// Adds `n` to the count kept in a semaphore attribute; returns the new count.
    pub fn add_to_semaphore(&mut self, obj: Dbref, attr: &str, n: i64) -> i64 {
        let next = self.semaphore_count(obj, attr).saturating_add(n);
        let value = (next != 0).then(|| next.to_string());
        self.world.set_attr(obj, attr, value.clone());
        let field = crate::world::object::attr_field(attr);
        match value {
            Some(v) => self.ctx.wb.set(Key::Obj(obj), &field, v.into_bytes()),
            None => self.ctx.wb.push(Key::Obj(obj), Op::Remove(field)),
        }
        next
    }

    /// The count a semaphore attribute holds (0 when unset or not a number).
    pub fn semaphore_count(&self, obj: Dbref, attr: &str) -> i64 {
        self.world
            .get(obj)
            .and_then(|o| o.attrs.get(attr))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Sets a semaphore's count back to zero (the attribute goes).
    pub fn clear_semaphore(&mut self, obj: Dbref, attr: &str) {
        let count = self.semaphore_count(obj, attr);
        self.add_to_semaphore(obj, attr, -count);
    }

    /// Whether the queue has work now: ready entries, or timed ones that came due.
    pub fn queue_ready_now(&self) -> bool {
        self.queue.has_ready() || self.queue.next_due().is_some_and(|at| at <= now_millis())
    }

    /// Runs up to `queue_batch` entries (and at most a slice of time), entries that came
    /// due first. Returns whether more are ready.
    pub fn run_queue(&mut self) {
        let now = now_millis();
        for mut e in self.queue.take_due(now) {
            self.forget_entry(&e);
            if let Wait::Semaphore { obj, attr, .. } = &e.wait {
                // Timed out: the wait no longer counts on the semaphore.
                let (obj, attr) = (*obj, attr.clone());
                self.add_to_semaphore(obj, &attr, -1);
            }
            e.wait = Wait::Ready;
            self.queue.restore(e);
        }
        let started = Instant::now();
        let batch = self.ctx.config.game.queue_batch;
        for _ in 0..batch {
            if started.elapsed() > QUEUE_SLICE {
                break;
            }
            let Some(entry) = self.queue.pop_ready() else {
                break;
            };
            self.forget_entry(&entry);
            self.run_entry(entry);
        }
    }

    /// Runs one entry's action list in its environment.
    pub fn run_entry(&mut self, entry: Entry) {
        let halted = self
            .world
            .get(entry.executor)
            .is_none_or(|o| o.flags.has(Flags::HALT) || o.flags.has(Flags::GOING));
        if halted {
            return;
        }
        let saved = std::mem::replace(&mut self.env, Env::of(&entry));
        let run = std::panic::AssertUnwindSafe(|| self.run_actions(&entry.actions));
        if let Err(panic) = std::panic::catch_unwind(run) {
            let what = crate::session::connection::panic_text(panic.as_ref());
            tracing::error!(pid = entry.pid, panic = what, "a queued command panicked");
            self.after = None;
        }
        self.env = saved;
        self.deliver_hears();
    }

    /// Runs an action list command by command as the current executor, until the list
    /// ends or `@break` stops it.
    pub fn run_actions(&mut self, text: &str) {
        if self.env.depth > MAX_INLINE_DEPTH {
            let who = self.env.executor;
            self.tell(who, "#-1 INLINE ACTION LISTS NESTED TOO DEEP");
            return;
        }
        self.env.depth += 1;
        let budget = self.ctx.config.game.softcode_time_budget();
        for cmd in split_actions(text) {
            if self.env.broken || self.env.commands >= MAX_COMMANDS_PER_ENTRY {
                break;
            }
            if self.env.started.elapsed() > budget {
                let who = self.env.executor;
                warn!(object = %who, "a queue entry ran past its time budget and was stopped");
                self.env.broken = true;
                break;
            }
            self.env.commands += 1;
            let inner = strip_braces(cmd);
            if inner.len() != cmd.len() {
                self.run_actions(inner);
                continue;
            }
            let caller = Caller {
                handle: command::NO_HANDLE,
                player: self.env.executor,
            };
            command::run_queued(self, caller, cmd);
            // What the command left to finish later is not waited for in the queue.
            self.after = None;
        }
        self.env.depth -= 1;
    }

    /// Runs an action list inline (in this command's environment, as `@include` and
    /// `/inline` switches do), with `args` as `%0`-`%9` when given.
    pub fn run_inline(&mut self, text: &str, args: Option<Vec<String>>) {
        let saved_args = args.map(|a| std::mem::replace(&mut self.env.args, a));
        self.run_actions(text);
        if let Some(a) = saved_args {
            self.env.args = a;
        }
    }

    /// Every entry still queued goes to the store (at a reboot or shutdown), so the next
    /// process runs them.
    pub fn persist_queue(&mut self) {
        self.queue.all_persisted = true;
        for e in self.queue.iter() {
            self.ctx.wb.set(Key::Queue, &e.pid.to_string(), e.encode());
        }
    }

    /// Puts back what the store kept of the queue. Entries that were ready when the last
    /// process stopped leave the store now: they run in the next moments.
    pub fn restore_queue(&mut self, entries: Vec<Entry>) {
        for e in entries {
            if !e.is_persistent() {
                self.ctx.wb.push(Key::Queue, Op::Remove(e.pid.to_string()));
            }
            self.queue.restore(e);
        }
    }

    /// Queues every object's `@startup` (at every start, hot reboots included).
    pub fn startup_actions(&mut self) {
        let jobs: Vec<Dbref> = self
            .world
            .iter()
            .filter(|o| !o.flags.has(Flags::GOING) && !o.flags.has(Flags::HALT))
            .filter(|o| o.attrs.get("STARTUP").is_some())
            .map(|o| o.dbref)
            .collect();
        for obj in jobs {
            self.queue_action(obj, obj, "STARTUP");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_lists_split_at_top_level_semicolons() {
        assert_eq!(split_actions("a;b ; c"), vec!["a", "b", "c"]);
        assert_eq!(
            split_actions("@switch 1=1,{a;b};c"),
            vec!["@switch 1=1,{a;b}", "c"]
        );
        assert_eq!(
            split_actions("think [add(1,2)];x\\;y"),
            vec!["think [add(1,2)]", "x\\;y"]
        );
        assert_eq!(split_actions(" ; ;"), Vec::<&str>::new());
        assert_eq!(split_actions("say é;ü"), vec!["say é", "ü"]);
    }

    #[test]
    fn arguments_split_at_top_level_commas() {
        assert_eq!(
            split_top("a,{b,c},[d(e,f)]", ','),
            vec!["a", "{b,c}", "[d(e,f)]"]
        );
        assert_eq!(split_top("", ','), vec![""]);
        assert_eq!(split_top("a,", ','), vec!["a", ""]);
    }

    #[test]
    fn braces_are_stripped_only_when_they_enclose_everything() {
        assert_eq!(strip_braces("{a;b}"), "a;b");
        assert_eq!(strip_braces(" {a} "), "a");
        assert_eq!(strip_braces("{a};{b}"), "{a};{b}");
        assert_eq!(strip_braces("{a{b}c}"), "a{b}c");
        assert_eq!(strip_braces("a"), "a");
        assert_eq!(strip_braces("{"), "{");
    }
}
