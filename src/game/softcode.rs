//! Softcode in the game: the world as the evaluator sees it (`Host` over the World),
//! and evaluation of a command's text with its side effects delivered afterwards.

use mushd_softcode::host::{
    AttrInfo, Dbref as SoftDbref, Effect, MatchError, ObjType, SessionInfo, NOTHING,
};
use mushd_softcode::{Context, Eval, Host, Mode, ParseError};

mod chat;
mod effects;
mod mail_view;
mod privs;
mod queue_view;

use super::Game;

mod accounts;
use crate::command::matching::{self, Scope};
use crate::command::CommandTable;
use crate::world::{lock_flags, AttrFlags, Dbref, Flags, LockFlags, ObjectKind, Powers};

/// The world as evaluation sees it. What evaluation says is queued and delivered in
/// order; side effects (`act`) are applied at once, on the game task, through the
/// commands' own code (after delivering what was said before them), so a later
/// function in the same evaluation sees the change, as in PennMUSH.
struct WorldHost<'a> {
    game: &'a mut Game,
    notes: Vec<(Dbref, String)>,
}

/// How deeply evaluations may nest through side effects (a command run by a side-effect
/// function that itself evaluates softcode); deeper, side effects are refused.
const MAX_EFFECT_NESTING: u32 = 4;

thread_local! {
    static NESTING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// One level of evaluation nesting, released on drop (also when a command panics).
struct Nested;

impl Nested {
    fn enter() -> Nested {
        NESTING.with(|n| {
            if n.get() == 0 {
                accounts::new_evaluation();
            }
            n.set(n.get().saturating_add(1))
        });
        Nested
    }
}

impl Drop for Nested {
    fn drop(&mut self) {
        NESTING.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// The command table the side-effect functions go through.
fn commands() -> &'static CommandTable {
    crate::command::table()
}

/// The description is kept apart from the attributes; PennMUSH's `DESC` is its alias.
fn is_describe(name: &str) -> bool {
    name == "DESCRIBE" || name == "DESC"
}

/// Attribute flags as the evaluator lists them: (name, letter).
fn flag_pairs(f: AttrFlags) -> Vec<(String, char)> {
    AttrFlags::TABLE
        .iter()
        .filter(|(_, _, bit)| f.has(*bit))
        .map(|(n, c, _)| (n.to_string(), *c))
        .collect()
}

/// Lock flags as the evaluator lists them: (name, letter).
fn lock_flag_pairs(f: LockFlags) -> Vec<(String, char)> {
    LockFlags::TABLE
        .iter()
        .filter(|(_, _, bit)| f.has(*bit))
        .map(|(n, c, _)| (n.to_string(), *c))
        .collect()
}

fn to_world(d: SoftDbref) -> Option<Dbref> {
    u32::try_from(d).ok().map(Dbref)
}

fn to_soft(d: Option<Dbref>) -> SoftDbref {
    d.map_or(NOTHING, |d| SoftDbref::from(d.0))
}

impl WorldHost<'_> {
    fn object(&self, d: SoftDbref) -> Option<&crate::world::Object> {
        to_world(d).and_then(|d| self.game.world.get(d))
    }

    /// A contents/exits list in PennMUSH's order: most recently arrived first.
    fn list(v: &[Dbref]) -> Vec<SoftDbref> {
        v.iter().rev().map(|d| SoftDbref::from(d.0)).collect()
    }

    /// Deliver what evaluation said so far.
    fn flush(&mut self) {
        for (to, note) in std::mem::take(&mut self.notes) {
            self.game.tell(to, &note);
        }
    }
}

impl Host for WorldHost<'_> {
    fn exists(&self, obj: SoftDbref) -> bool {
        self.object(obj).is_some()
    }

    fn name(&self, obj: SoftDbref) -> Option<String> {
        self.object(obj).map(|o| o.short_name().to_string())
    }

    fn obj_type(&self, obj: SoftDbref) -> Option<ObjType> {
        self.object(obj).map(|o| match o.kind {
            ObjectKind::Room => ObjType::Room,
            ObjectKind::Thing => ObjType::Thing,
            ObjectKind::Exit => ObjType::Exit,
            ObjectKind::Player => ObjType::Player,
        })
    }

    fn location(&self, obj: SoftDbref) -> SoftDbref {
        to_soft(self.object(obj).and_then(|o| o.location))
    }

    fn owner(&self, obj: SoftDbref) -> SoftDbref {
        to_soft(self.object(obj).map(|o| o.owner))
    }

    fn creation_time(&self, obj: SoftDbref) -> i64 {
        self.object(obj)
            .map_or(0, |o| i64::try_from(o.created).unwrap_or(i64::MAX))
    }

    fn attr(&self, obj: SoftDbref, name: &str) -> Option<String> {
        let o = self.object(obj)?;
        if is_describe(name) {
            return (!o.description.is_empty()).then(|| o.description.clone());
        }
        o.attrs.get(name).cloned()
    }

    fn user_function(&self, name: &str) -> Option<(SoftDbref, String)> {
        let f = self.game.functions.get(name)?;
        Some((SoftDbref::from(f.obj.0), f.attr.clone()))
    }

    fn attr_flags(&self, obj: SoftDbref, name: &str) -> Vec<(String, char)> {
        to_world(obj)
            .and_then(|d| self.game.world.attr_with_flags(d, name))
            .map(|(_, f)| flag_pairs(f))
            .unwrap_or_default()
    }

    fn attr_inherited(&self, obj: SoftDbref, name: &str) -> Option<String> {
        if is_describe(name) {
            return self.attr(obj, name);
        }
        self.game
            .world
            .attr(to_world(obj)?, name)
            .map(str::to_string)
    }

    fn has_flag(&self, obj: SoftDbref, flag: &str) -> bool {
        let Some(o) = self.object(obj) else {
            return false;
        };
        Flags::lookup(flag).is_some_and(|(_, bit)| o.flags.has(bit))
    }

    fn is_wizard(&self, obj: SoftDbref) -> bool {
        self.object(obj).is_some_and(|o| o.is_wizard())
    }

    fn is_god(&self, obj: SoftDbref) -> bool {
        obj == SoftDbref::from(super::GOD.0)
    }

    fn notify(&mut self, target: SoftDbref, text: &str) {
        if let Some(d) = to_world(target) {
            if self.notes.len() < 10_000 {
                self.notes.push((d, text.to_string()));
            }
        }
    }

    fn full_name(&self, obj: SoftDbref) -> Option<String> {
        self.object(obj).map(|o| o.name.clone())
    }

    fn contents(&self, obj: SoftDbref) -> Vec<SoftDbref> {
        to_world(obj).map_or_else(Vec::new, |d| Self::list(self.game.world.contents(d)))
    }

    fn exits(&self, room: SoftDbref) -> Vec<SoftDbref> {
        to_world(room).map_or_else(Vec::new, |d| Self::list(self.game.world.exits(d)))
    }

    fn parent(&self, obj: SoftDbref) -> SoftDbref {
        to_soft(self.object(obj).and_then(|o| o.parent))
    }

    fn children(&self, obj: SoftDbref) -> Vec<SoftDbref> {
        let Some(d) = to_world(obj) else {
            return Vec::new();
        };
        self.game
            .world
            .iter()
            .filter(|o| o.parent == Some(d))
            .map(|o| SoftDbref::from(o.dbref.0))
            .collect()
    }

    fn zone(&self, obj: SoftDbref) -> SoftDbref {
        to_soft(self.object(obj).and_then(|o| o.zone))
    }

    fn link(&self, obj: SoftDbref) -> SoftDbref {
        match self.object(obj).and_then(|o| o.link) {
            Some(d) if d == Dbref::HOME => -3,
            other => to_soft(other),
        }
    }

    fn entrances(&self, obj: SoftDbref) -> Vec<SoftDbref> {
        let Some(d) = to_world(obj) else {
            return Vec::new();
        };
        self.game
            .world
            .iter()
            .filter(|o| o.link == Some(d))
            .map(|o| SoftDbref::from(o.dbref.0))
            .collect()
    }

    fn attrs(&self, obj: SoftDbref) -> Vec<AttrInfo> {
        let Some(o) = self.object(obj) else {
            return Vec::new();
        };
        let info = |name: &str, value: &str| AttrInfo {
            name: name.to_string(),
            value: value.to_string(),
            flags: flag_pairs(o.attr_flags(name)),
            owner: SoftDbref::from(o.owner.0),
        };
        let mut v: Vec<AttrInfo> = o.attrs.iter().map(|(k, val)| info(k, val)).collect();
        if !o.description.is_empty() && o.attrs.get("DESCRIBE").is_none() {
            v.push(info("DESCRIBE", &o.description));
        }
        v
    }

    fn flags(&self, obj: SoftDbref) -> Vec<(String, char)> {
        let Some(o) = self.object(obj) else {
            return Vec::new();
        };
        let mut v: Vec<(String, char)> = Flags::TABLE
            .iter()
            .filter(|(_, _, bit)| o.flags.has(*bit))
            .map(|(n, c, _)| (n.to_string(), *c))
            .collect();
        if o.kind == ObjectKind::Player && self.game.ctx.table.is_connected(o.dbref) {
            v.push(("CONNECTED".to_string(), 'c'));
        }
        v
    }

    fn flag_table(&self) -> Vec<(String, char)> {
        let mut v: Vec<(String, char)> = Flags::TABLE
            .iter()
            .map(|(n, c, _)| (n.to_string(), *c))
            .collect();
        v.push(("CONNECTED".to_string(), 'c'));
        v
    }

    fn match_thing(&self, looker: SoftDbref, name: &str) -> Result<SoftDbref, MatchError> {
        let Some(who) = to_world(looker) else {
            return Err(MatchError::NotFound);
        };
        // An absolute dbref names any live object (PennMUSH's MAT_ABSOLUTE); what may be
        // done with it is each function's own check.
        if let Some(d) = Dbref::parse(name.trim()) {
            return if self.game.world.get(d).is_some() {
                Ok(SoftDbref::from(d.0))
            } else {
                Err(MatchError::NotFound)
            };
        }
        match matching::find(self.game, who, name, Scope::NEAR) {
            Ok(d) => Ok(SoftDbref::from(d.0)),
            Err(m) if m == matching::AMBIGUOUS => Err(MatchError::Ambiguous),
            Err(_) => Err(MatchError::NotFound),
        }
    }

    fn player_by_name(&self, name: &str) -> Option<SoftDbref> {
        self.game
            .world
            .player_by_name(name)
            .map(|d| SoftDbref::from(d.0))
    }

    fn lock(&self, obj: SoftDbref, kind: &str) -> Option<String> {
        let (_, key, _) = self.game.world.lock_of(to_world(obj)?, kind)?;
        Some(key.to_string())
    }

    fn eval_lock(&self, obj: SoftDbref, kind: &str, who: SoftDbref) -> bool {
        match (to_world(obj), to_world(who)) {
            (Some(o), Some(w)) => self.game.world.passes_lock(o, kind, w),
            _ => false,
        }
    }

    fn controls(&self, who: SoftDbref, what: SoftDbref) -> bool {
        match (to_world(who), to_world(what)) {
            (Some(w), Some(t)) => {
                self.game.world.get(w).is_some() && self.game.controls_dbref(w, t)
            }
            _ => false,
        }
    }

    fn modified_time(&self, obj: SoftDbref) -> i64 {
        self.object(obj)
            .map_or(0, |o| i64::try_from(o.modified).unwrap_or(i64::MAX))
    }

    fn sessions(&self) -> Vec<SessionInfo> {
        let mut all = self.connection_list();
        all.retain(|s| s.player != NOTHING);
        all
    }

    fn connections(&self) -> Vec<SessionInfo> {
        self.connection_list()
    }

    fn db_top(&self) -> SoftDbref {
        self.game
            .world
            .iter()
            .map(|o| SoftDbref::from(o.dbref.0) + 1)
            .max()
            .unwrap_or(0)
    }

    fn next_dbref(&self) -> SoftDbref {
        SoftDbref::from(self.game.world.next_dbref().0)
    }

    fn start_time(&self) -> i64 {
        i64::try_from(self.game.ctx.started_at).unwrap_or(0)
    }

    fn test_key(&self, executor: SoftDbref, key: &str, victim: SoftDbref) -> Option<bool> {
        let who = to_world(executor)?;
        let world = &self.game.world;
        let here = self.game.location_of(who);
        // Names in a key mean players anywhere, or things and rooms near the executor,
        // as @lock reads them.
        let finder = |name: &str| -> Result<Dbref, String> {
            let n = name.trim();
            if n.eq_ignore_ascii_case("me") {
                return Ok(who);
            }
            if let Some(d) = Dbref::parse(n) {
                return Ok(d);
            }
            if let Some(d) = world.player_by_name(n.trim_start_matches('*')) {
                return Ok(d);
            }
            let lower = n.to_lowercase();
            here.into_iter()
                .flat_map(|h| world.contents(h).iter().copied())
                .find(|d| {
                    world
                        .get(*d)
                        .is_some_and(|o| o.name.to_lowercase() == lower)
                })
                .ok_or_else(|| format!("no match for {n}"))
        };
        let parsed = crate::world::lock::parse(key, &finder).ok()?;
        let obj = to_world(victim).and_then(|d| world.get(d));
        Some(obj.is_some_and(|obj| parsed.eval(&crate::world::Trier { world, obj })))
    }

    fn quota(&self, obj: SoftDbref) -> i64 {
        self.quota_of(obj)
    }

    fn money(&self, obj: SoftDbref) -> i64 {
        self.money_of(obj)
    }

    fn powers(&self, obj: SoftDbref) -> Vec<String> {
        self.object(obj).map_or_else(Vec::new, |o| {
            o.powers.names().into_iter().map(String::from).collect()
        })
    }

    fn power_table(&self) -> Vec<String> {
        Powers::TABLE.iter().map(|p| p.to_string()).collect()
    }

    fn has_power(&self, obj: SoftDbref, name: &str) -> bool {
        self.object(obj).is_some_and(|o| o.powers.has(name))
    }

    fn lock_flags(&self, obj: SoftDbref, kind: &str) -> Option<Vec<(String, char)>> {
        let (_, _, flags) = self.game.world.lock_of(to_world(obj)?, kind)?;
        Some(lock_flag_pairs(flags))
    }

    fn own_locks(&self, obj: SoftDbref) -> Vec<String> {
        self.object(obj).map_or_else(Vec::new, |o| {
            o.locks.iter().map(|(k, _)| lock_flags::label(k)).collect()
        })
    }

    fn scan(&self, looker: SoftDbref, text: &str) -> Vec<String> {
        self.scan_commands(looker, text)
    }

    fn queue_entries(&self) -> Vec<mushd_softcode::host::QueueInfo> {
        self.queue_info()
    }

    fn check_password(&self, player: SoftDbref, pw: &str) -> Option<bool> {
        self.password_matches(player, pw)
    }

    fn side_effects(&self) -> bool {
        NESTING.with(|n| n.get()) <= MAX_EFFECT_NESTING
    }

    fn mailbox(&self, player: SoftDbref) -> Option<(u8, Vec<mushd_softcode::host::MailInfo>)> {
        mail_view::mailbox(self.game, player)
    }

    fn mail_sent(&self, player: SoftDbref) -> Vec<mushd_softcode::host::MailInfo> {
        mail_view::sent(self.game, player)
    }

    fn act(&mut self, executor: SoftDbref, effect: Effect) -> Result<String, String> {
        self.apply(executor, effect)
    }

    fn chat_function(&mut self, executor: SoftDbref, name: &str, args: &[String]) -> String {
        self.chat_call(executor, name, args)
    }
}

/// Why evaluation produced nothing to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalFailure {
    /// Nested too deep to parse: the whole command fails, as in PennMUSH.
    TooDeep,
}

impl Game {
    /// Evaluates a command's argument text (as `think` does) with `enactor` as
    /// executor, caller and enactor; what the evaluation said to anyone is delivered
    /// before the result is returned.
    /// When `enactor` is the executor of the command running now, the evaluation sees
    /// that command's environment (its enactor, caller, `%0`-`%9` and q-registers) and
    /// q-registers it sets stay for the next command of the action list.
    pub fn evaluate(&mut self, enactor: Dbref, text: &str) -> Result<String, EvalFailure> {
        if self.env.executor != enactor {
            return self.evaluate_as(enactor, enactor, text, Mode::Command);
        }
        let soft = |d: Dbref| SoftDbref::from(d.0);
        let mut ctx = Context::new(
            soft(self.env.executor),
            soft(self.env.caller),
            soft(self.env.enactor),
        );
        ctx.args = self.env.args.clone();
        ctx.iter = self
            .env
            .iter
            .iter()
            .map(|(text, num)| mushd_softcode::context::IterFrame {
                text: text.clone(),
                num: *num,
                brk: false,
            })
            .collect();
        ctx.qregs = std::mem::take(&mut self.env.qregs);
        let debug = self.env.debug;
        let (result, ctx) = self.evaluate_in(ctx, text, Mode::Command, debug);
        self.env.qregs = ctx.qregs;
        result
    }

    /// An object's message or description as `enactor` gets it: evaluated with the object
    /// as executor (attribute text, parsed through the cache); text nested too deep to
    /// parse is shown as written.
    pub fn render(&mut self, object: Dbref, enactor: Dbref, text: &str) -> String {
        self.evaluate_as(object, enactor, text, Mode::Default)
            .unwrap_or_else(|_| text.to_string())
    }

    fn evaluate_as(
        &mut self,
        executor: Dbref,
        enactor: Dbref,
        text: &str,
        mode: Mode,
    ) -> Result<String, EvalFailure> {
        let me = SoftDbref::from(executor.0);
        let them = SoftDbref::from(enactor.0);
        self.evaluate_in(Context::new(me, them, them), text, mode, None)
            .0
    }

    /// Who sees a DEBUG trace of an evaluation by `executor`: its owner, when the
    /// attribute being run says so (`debug`) or, unless it says not (`no_debug`), when the
    /// executor is set DEBUG.
    fn debug_watcher(&self, executor: SoftDbref, debug: Option<bool>) -> Option<SoftDbref> {
        let obj = to_world(executor).and_then(|d| self.world.get(d))?;
        let traced = debug.unwrap_or_else(|| obj.flags.has(Flags::DEBUG));
        traced.then(|| SoftDbref::from(obj.owner.0))
    }

    /// Evaluates `text` in `ctx`; hands the context back (with the q-registers as the
    /// evaluation left them).
    fn evaluate_in(
        &mut self,
        ctx: Context,
        text: &str,
        mode: Mode,
        debug: Option<bool>,
    ) -> (Result<String, EvalFailure>, Context) {
        let watcher = self.debug_watcher(ctx.executor, debug);
        let budget = self.ctx.config.game.softcode_time_budget();
        let mut ctx = ctx;
        ctx.cmd_raw = self.command_text.clone();
        let mut host = WorldHost {
            game: self,
            notes: Vec::new(),
        };
        let _nested = Nested::enter();
        let (result, ctx) = {
            let mut ev = Eval::new(&mut host, ctx);
            ev.limits.time = budget;
            ev.debug = watcher;
            let result = match mode {
                Mode::Default => mushd_softcode::cache::parse(text, mode).map(|code| {
                    let mut out = String::new();
                    ev.eval_expr(&code, &mut out);
                    out
                }),
                _ => ev.eval_str(text, mode),
            };
            (result, std::mem::take(&mut ev.ctx))
        };
        host.flush();
        let result = result.map_err(|e| match e {
            ParseError::TooDeep => EvalFailure::TooDeep,
        });
        (result, ctx)
    }
}
