//! The game task: owns the World and runs one command at a time, in order, as every
//! MUSH does, so command semantics are deterministic and game objects need no locks.

use crate::session::batch::Batch;
use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tracing::{info, warn};

mod actions;
pub mod chat;
mod connections;
pub mod exec;
pub mod linkdead;
pub mod mail;
pub mod notify;
pub mod patterns;
pub mod queue;
mod reboot;
pub mod softcode;
mod startup;

use startup::load_functions;
pub use startup::{load_world, reconcile_sessions};

pub use actions::{Messages, GOD};
pub use linkdead::{Bound, Departed};

use crate::command::{self, CommandTable};
use crate::server::ServerContext;
use crate::session::{now_millis, CloseReason, Handle, Part};
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::world::{Dbref, Flags, Object, ObjectKind, World};

/// What a connection tells the game.
pub enum GameMsg {
    /// A logged-in player's command; `done` is answered once it has run.
    Command {
        handle: Handle,
        line: String,
        done: oneshot::Sender<Flow>,
    },
    /// Login screen: the player's dbref and password hash, by name.
    Lookup {
        name: String,
        reply: oneshot::Sender<Option<(Dbref, String)>>,
    },
    /// Login screen: whether a new player could have this name (asked before hashing).
    CheckName {
        name: String,
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// Login screen: bind the connection to `player`, if the name typed (`None` for a
    /// new player) still leads to it and its password hash is still `hash`; answers the
    /// login time (Unix milliseconds), or the link-dead session of the player the
    /// connection reattached instead.
    Bind {
        handle: Handle,
        player: Dbref,
        name: Option<String>,
        hash: String,
        reply: oneshot::Sender<Result<Bound, ()>>,
    },
    /// Login screen: `resume <token>` reattaches the link-dead session holding it.
    ResumeSession {
        handle: Handle,
        token: String,
        reply: oneshot::Sender<Option<Bound>>,
    },
    /// Undo a binding the store could not take (`critical_write_failure = "refuse"`).
    Unbind { handle: Handle },
    /// Login screen: make a player with this (already hashed) password.
    Create {
        name: String,
        hash: String,
        reply: oneshot::Sender<Result<Dbref, String>>,
    },
    /// The connection is now bound to `player`: announce it and show the room.
    LoggedIn {
        handle: Handle,
        player: Dbref,
        created: bool,
    },
    /// WHO from the login screen.
    LoginWho { handle: Handle },
    /// The connection has ended; the game announces it and removes the row, or keeps
    /// the session link-dead (answered `Departed::LinkDead`: the record and history
    /// are then the game's to write).
    Disconnected {
        handle: Handle,
        how: DisconnectKind,
        done: oneshot::Sender<Departed>,
    },
    /// Shut down gracefully: `by` is the wizard, `None` for a signal.
    Shutdown { by: Option<Dbref> },
    /// The store lost its data: queue every object and session again.
    Resync,
    /// Hot reboot: `by` is the wizard, `None` for SIGUSR1.
    Reboot { by: Option<Dbref> },
    /// A connection froze for a reboot and hands over its socket.
    Parked(Box<crate::reboot::ParkedSession>),
    /// A command's blocking work is done: apply its result, then answer `done`.
    Resume {
        handle: Handle,
        apply: Apply,
        done: oneshot::Sender<Flow>,
        /// The OUTPUTSUFFIX still owed to the command's output.
        suffix: Option<String>,
    },
}

/// What a command's blocking work hands back to run on the game task.
pub type Apply = Box<dyn FnOnce(&mut Game) + Send>;

/// What a command leaves to finish after it returns; its connection waits for it, so
/// the player's next command still runs after this one has answered.
pub enum After {
    /// Answer `ok` once everything queued so far is in the store (a barrier): for
    /// passwords, new players and names, which decide who can log in.
    Durable { ok: String },
    /// Run `work` on the blocking pool (password hashing), then its result on the game.
    Blocking(Box<dyn FnOnce() -> Apply + Send>),
    /// Wait for `work` (a store read) and show its text to the caller.
    Async(std::pin::Pin<Box<dyn std::future::Future<Output = String> + Send>>),
}

/// What a connection does after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Back to the login screen.
    Logout,
    /// The connection is closing.
    Quit,
}

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisconnectKind {
    Quit,
    Boot,
    Drop,
    Timeout,
    Shutdown,
    /// A link-dead session's grace ran out.
    LinkDeadExpired,
}

impl DisconnectKind {
    /// The word the session history records.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectKind::Quit => "quit",
            DisconnectKind::Boot => "boot",
            DisconnectKind::Drop => "drop",
            DisconnectKind::Timeout => "timeout",
            DisconnectKind::Shutdown => "shutdown",
            DisconnectKind::LinkDeadExpired => "linkdead-expired",
        }
    }
}

/// The game state the commands work on.
pub struct Game {
    pub ctx: Arc<ServerContext>,
    pub world: World,
    /// Who each player paged last, for `page <message>`.
    pub last_paged: HashMap<Dbref, Vec<Dbref>>,
    /// Set by `@shutdown`.
    pub shutting_down: Option<Option<Dbref>>,
    /// Set by `@reboot` or SIGUSR1: who asked (`None` for the operator).
    pub rebooting: Option<Option<Dbref>>,
    /// Set by a command that must finish after it returns.
    pub after: Option<After>,
    /// The OUTPUTSUFFIX of a command whose answer comes later, sent after that answer.
    pub deferred_suffix: Option<String>,
    pub help: command::help::HelpFiles,
    /// Global user functions (`@function`), by upper-case name.
    pub functions: std::collections::BTreeMap<String, command::functions::UserFunction>,
    /// The environment of the command running now.
    pub env: exec::Env,
    /// What objects are to run.
    pub queue: queue::Queue,
    /// What listening objects heard, to act on after the command that said it.
    pub hears: std::cell::RefCell<Vec<notify::Heard>>,
    /// The command line being run, as typed: softcode's `%c`.
    pub command_text: String,
    /// Every player's @mail.
    pub mail: mail::Mail,
    /// Chat channels.
    pub chat: crate::chat::Chat,
    /// The timers of link-dead sessions.
    pub linkdead: linkdead::Keeper,
}

impl Game {
    /// Handles one message in the ordinary way.
    pub fn handle(&mut self, table: &CommandTable, msg: GameMsg) {
        match msg {
            GameMsg::Command { handle, line, done } => {
                let run = std::panic::AssertUnwindSafe(|| command::run(self, table, handle, &line));
                let flow = match std::panic::catch_unwind(run) {
                    Ok(flow) => flow,
                    Err(panic) => {
                        self.command_panicked(handle, &line, panic.as_ref());
                        Flow::Continue
                    }
                };
                self.answer(handle, flow, done);
            }
            GameMsg::Resume {
                handle,
                apply,
                done,
                suffix,
            } => {
                apply(self);
                self.deferred_suffix = suffix;
                self.answer(handle, Flow::Continue, done);
            }
            GameMsg::CheckName { name, reply } => {
                let _ = reply.send(
                    self.world
                        .check_player_name(&name)
                        .map_err(|e| e.to_string()),
                );
            }
            GameMsg::Bind {
                handle,
                player,
                name,
                hash,
                reply,
            } => {
                let _ = reply.send(self.bind(handle, player, name.as_deref(), &hash));
            }
            GameMsg::ResumeSession {
                handle,
                token,
                reply,
            } => {
                let _ = reply.send(self.resume_by_token(handle, &token));
            }
            GameMsg::Unbind { handle } => {
                self.ctx.table.unbind(handle);
                self.ctx
                    .save_session(handle, &[crate::session::Part::Player]);
            }
            GameMsg::Lookup { name, reply } => {
                let found = self.world.player_by_name(&name).and_then(|d| {
                    let hash = self.world.get(d)?.player.as_ref()?.password_hash.clone();
                    Some((d, hash))
                });
                let _ = reply.send(found);
            }
            GameMsg::Create { name, hash, reply } => {
                let _ = reply.send(self.create_player(&name, hash));
            }
            GameMsg::LoggedIn {
                handle,
                player,
                created,
            } => self.logged_in(handle, player, created),
            GameMsg::LoginWho { handle } => {
                // A flood of WHOs from the login screen costs one listing a second.
                let text = match self.ctx.fresh_login_who() {
                    Some(text) => text,
                    None => {
                        let text = line_bytes(&command::connection::who_text(self, false));
                        self.ctx.set_login_who(text.clone());
                        text
                    }
                };
                self.ctx.table.send(handle, text);
            }
            GameMsg::Disconnected { handle, how, done } => {
                let _ = done.send(self.connection_ended(handle, how));
            }
            GameMsg::Shutdown { by } => self.shutting_down = Some(by),
            GameMsg::Resync => self.resync(),
            GameMsg::Reboot { by } => self.rebooting = Some(by),
            GameMsg::Parked(p) => {
                // Not rebooting (any more): give the socket straight back.
                p.give_back();
            }
        }
    }
}

impl Game {
    /// Asks for the caller to be answered with `ok` only once the store has what the
    /// command queued.
    pub fn require_durable(&mut self, ok: &str) {
        self.after = Some(After::Durable { ok: ok.to_string() });
    }

    /// Answers a command now, or once what it left to finish is done; the command's
    /// OUTPUTSUFFIX, when it was held back, follows the late answer.
    fn answer(&mut self, handle: Handle, flow: Flow, done: oneshot::Sender<Flow>) {
        let suffix = self.deferred_suffix.take();
        let finish = move |ctx: &ServerContext, text: Option<String>, suffix: Option<String>| {
            if let Some(text) = text {
                ctx.table.send(handle, line_bytes(&text));
            }
            if let Some(suffix) = suffix {
                ctx.table.send(handle, line_bytes(&suffix));
            }
        };
        match self.after.take() {
            None => {
                finish(&self.ctx, None, suffix);
                let _ = done.send(flow);
            }
            Some(After::Durable { ok }) => {
                let ctx = self.ctx.clone();
                tokio::spawn(async move {
                    let text = match ctx.wb.critical(vec![]).await {
                        Ok(()) => ok,
                        Err(e) => {
                            warn!(error = %e, "a critical change is queued, not yet written");
                            format!("{ok} (Not yet saved: the store did not answer; it will be written when it can.)")
                        }
                    };
                    finish(&ctx, Some(text), suffix);
                    let _ = done.send(flow);
                });
            }
            Some(After::Async(work)) => {
                let ctx = self.ctx.clone();
                tokio::spawn(async move {
                    let text = work.await;
                    finish(&ctx, Some(text), suffix);
                    let _ = done.send(flow);
                });
            }
            Some(After::Blocking(work)) => {
                let ctx = self.ctx.clone();
                tokio::spawn(async move {
                    // Hashing shares the login screen's small pool.
                    match ctx.hash_pool.run(work).await {
                        Some(apply) => {
                            let resume = GameMsg::Resume {
                                handle,
                                apply,
                                done,
                                suffix,
                            };
                            let _ = ctx.game.send(resume).await;
                        }
                        None => {
                            warn!("a command's blocking work failed");
                            let text =
                                "That could not be done: an internal error. It has been logged.";
                            finish(&ctx, Some(text.to_string()), suffix);
                            let _ = done.send(flow);
                        }
                    }
                });
            }
        }
    }

    /// A command panicked (a bug): the game carries on, the caller is told, it is logged.
    fn command_panicked(&mut self, handle: Handle, line: &str, panic: &(dyn std::any::Any + Send)) {
        self.after = None;
        self.deferred_suffix = None;
        self.ctx
            .counters
            .command_panics
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let what = crate::session::connection::panic_text(panic);
        let word = line.split_whitespace().next().unwrap_or_default();
        tracing::error!(handle, command = word, panic = what, "a command panicked");
        self.tell_handle(
            handle,
            "That command failed with an internal error. It has been logged.",
        );
    }
}

/// Unix seconds now.
pub fn now_secs() -> u64 {
    now_millis() / 1000
}

impl Game {
    /// Sends a line to one connection, rendered for its player (a connection not yet
    /// logged in gets the 16 colours, as in PennMUSH).
    pub fn tell_handle(&self, handle: Handle, text: &str) {
        if !mushd_softcode::markup::has_any_markup(text) {
            return self.ctx.table.send(handle, line_bytes(text));
        }
        let player = self.ctx.table.with(handle, |s| s.player).flatten();
        let format = match player {
            Some(p) => self.color_format(p),
            None => Some(mushd_softcode::markup::ColorFormat::Ansi16),
        };
        let text = mushd_softcode::markup::for_client(text, format);
        self.ctx.table.send(handle, line_bytes(&text));
    }

    pub fn location_of(&self, who: Dbref) -> Option<Dbref> {
        self.world.get(who).and_then(|o| o.location)
    }

    /// DARK objects come, go, connect and disconnect unannounced.
    pub fn is_dark(&self, who: Dbref) -> bool {
        self.world
            .get(who)
            .is_some_and(|o| o.flags.has(Flags::DARK))
    }

    pub fn is_wizard(&self, who: Dbref) -> bool {
        self.world.get(who).is_some_and(Object::is_wizard)
    }

    /// Queues the named fields of an object for the store.
    pub fn save(&self, dbref: Dbref, fields: &[&str]) {
        let Some(obj) = self.world.get(dbref) else {
            return;
        };
        let all = obj.to_fields();
        for (name, value) in all {
            if fields.is_empty() || fields.contains(&name.as_str()) {
                self.ctx.wb.push(Key::Obj(dbref), Op::Set(name, value));
            }
        }
    }

    /// A player's name, or `*UNKNOWN*` for a dangling dbref.
    pub fn name(&self, dbref: Dbref) -> String {
        self.world.name(dbref).to_string()
    }

    /// Queues everything in memory for the store: every object, the name index and
    /// every live session.
    fn resync(&self) {
        let objects: Vec<Dbref> = self.world.iter().map(|o| o.dbref).collect();
        for d in &objects {
            self.save(*d, &[]);
            if let Some(o) = self.world.get(*d).filter(|o| o.kind == ObjectKind::Player) {
                self.ctx
                    .wb
                    .set(Key::PlayerNames, &o.name.to_lowercase(), d.to_string());
            }
        }
        let sessions = self.ctx.table.snapshot();
        for s in &sessions {
            for (key, op) in crate::session::record::ops(s, &self.ctx.node, &Part::ALL) {
                self.ctx.wb.push(key, op);
            }
        }
        info!(
            objects = objects.len(),
            sessions = sessions.len(),
            "re-sync queued"
        );
    }

    /// Tells everyone, closes every connection and stops the game loop.
    fn shutdown(&mut self, by: Option<Dbref>) {
        let message = match by {
            Some(w) => format!("GAME: Shutdown by {}", self.name(w)),
            None => "GAME: The game is shutting down.".to_string(),
        };
        info!(%message, "shutting down");
        self.persist_queue();
        self.ctx.table.broadcast(&line_bytes(&message), true);
        self.park_linkdead_for_shutdown();
        for session in self.ctx.table.snapshot() {
            session.outbound.close(CloseReason::Shutdown);
        }
        self.ctx.shutdown.cancel();
    }
}

/// A line of output as bytes, with its newline.
pub fn line_bytes(text: &str) -> Bytes {
    let mut s = String::with_capacity(text.len() + 1);
    s.push_str(text);
    s.push('\n');
    Bytes::from(s)
}

impl Game {
    /// Tells the evaluator which names are user functions (after loading and after
    /// `@function` changes the table; parses that named or missed one are forgotten).
    pub fn functions_changed(&mut self) {
        mushd_softcode::functions::user::set_user_functions(self.functions.keys().cloned());
    }
}

/// Runs a batch of the queue; a panic in it is logged and the game goes on.
fn run_queue_guarded(game: &mut Game) {
    let step = std::panic::AssertUnwindSafe(|| {
        let batch = Batch::open();
        batch.allow(BATCH_CONNECTIONS_PER_MESSAGE);
        game.run_queue();
    });
    if let Err(panic) = std::panic::catch_unwind(step) {
        let what = crate::session::connection::panic_text(panic.as_ref());
        tracing::error!(panic = what, "the game task panicked running the queue");
    }
}

/// Expires link-dead sessions and saves their kept output; a panic in it is logged
/// and the game goes on.
fn linkdead_tick_guarded(game: &mut Game) {
    let step = std::panic::AssertUnwindSafe(|| {
        game.linkdead_tick();
        game.deliver_hears();
    });
    if let Err(panic) = std::panic::catch_unwind(step) {
        let what = crate::session::connection::panic_text(panic.as_ref());
        tracing::error!(
            panic = what,
            "the game task panicked keeping link-dead sessions"
        );
    }
}

/// When the game loop should next look at the queue: `wakeup` is when the next timed
/// entry is due (Unix ms); with none, far away.
fn queue_deadline(wakeup: Option<u64>) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    match wakeup {
        None => now + std::time::Duration::from_secs(3600),
        Some(at) => now + std::time::Duration::from_millis(at.saturating_sub(now_millis())),
    }
}

/// Connections each message may add to the game thread's output batch (`Batch`): a
/// `say` to a full room goes out without waking anyone; a login announced to thousands
/// does not tie the game task to thousands of sends (past this, the connections' own
/// tasks write, in parallel).
const BATCH_CONNECTIONS_PER_MESSAGE: u32 = 256;

/// Waiting messages one batch takes in before it writes: bounds how long the first
/// line of a batch waits for the last message's work.
const BATCH_MESSAGES: usize = 32;

/// Messages waiting at which the game thread stops writing to sockets itself.
const BACKLOG_FOR_TASK_WRITES: usize = 8;

/// How long a batch takes in waiting messages before it writes.
const BATCH_TIME: std::time::Duration = std::time::Duration::from_millis(2);

/// The game loop.
pub async fn run(ctx: Arc<ServerContext>, world: World, mut rx: mpsc::Receiver<GameMsg>) {
    let table = CommandTable::new();
    let ctx_help_dir = ctx.config.game.help_dir.clone();
    let functions = load_functions(&ctx).await;
    let mail = mail::load(&ctx).await;
    let chat = chat::load_or_create(&ctx).await;
    let mut game = Game {
        ctx,
        world,
        last_paged: HashMap::new(),
        shutting_down: None,
        rebooting: None,
        after: None,
        deferred_suffix: None,
        command_text: String::new(),
        functions,
        help: command::help::HelpFiles::load(&ctx_help_dir),
        env: exec::Env::typed(GOD),
        queue: queue::Queue::default(),
        hears: Default::default(),
        mail,
        chat,
        linkdead: linkdead::Keeper::default(),
    };
    game.adopt_linkdead();
    game.functions_changed();
    let kept = startup::load_queue(&game.ctx).await;
    game.restore_queue(kept);
    game.startup_actions();
    // Objects go within a tenth of the delay after it passes (at least every second).
    let purge_every = (game.ctx.config.game.destroy_delay_secs / 10).clamp(1, 60);
    let purge_every = std::time::Duration::from_secs(purge_every);
    let mut next_purge = tokio::time::Instant::now() + purge_every;
    // One timer, moved only when the next deadline changes: registering a new one for
    // every message costs the timer wheel's lock, shared with every connection.
    let wake = tokio::time::sleep_until(next_purge);
    tokio::pin!(wake);
    loop {
        linkdead_tick_guarded(&mut game);
        if tokio::time::Instant::now() >= next_purge {
            command::destroy::purge(&mut game);
            next_purge = tokio::time::Instant::now() + purge_every;
        }
        // Connections first; the queue gets the time between their messages. With work
        // ready, the queue runs as soon as no message waits (no timer in between).
        let msg = if game.queue_ready_now() {
            match rx.try_recv() {
                Ok(m) => m,
                Err(mpsc::error::TryRecvError::Empty) => {
                    run_queue_guarded(&mut game);
                    tokio::task::yield_now().await;
                    continue;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => break,
            }
        } else {
            let deadline = queue_deadline(game.queue.next_due()).min(next_purge);
            let deadline = match game.linkdead.next_due() {
                Some(at) => deadline.min(queue_deadline(Some(at))),
                None => deadline,
            };
            // Unix-time deadlines read through two clocks jitter by a millisecond or so.
            let current = wake.deadline();
            let moved = deadline.max(current) - deadline.min(current);
            if moved > std::time::Duration::from_millis(2) || wake.is_elapsed() {
                wake.as_mut().reset(deadline);
            }
            tokio::select! {
                biased;
                msg = rx.recv() => match msg {
                    Some(m) => m,
                    None => break,
                },
                _ = &mut wake => continue,
            }
        };
        let step = std::panic::AssertUnwindSafe(|| {
            // This message and those already waiting share one batch: each idle
            // connection they address gets all its lines in one write when it closes.
            let batch = Batch::open();
            let started = std::time::Instant::now();
            let mut msg = msg;
            for taken in 1.. {
                // Sends from this thread only while it keeps up: with a backlog (a
                // login storm) the connections' tasks write, on the other cores.
                if rx.len() < BACKLOG_FOR_TASK_WRITES {
                    batch.allow(BATCH_CONNECTIONS_PER_MESSAGE);
                }
                game.handle(&table, msg);
                game.deliver_hears();
                if taken >= BATCH_MESSAGES
                    || game.rebooting.is_some()
                    || game.shutting_down.is_some()
                    || started.elapsed() >= BATCH_TIME
                {
                    break;
                }
                match rx.try_recv() {
                    Ok(next) => msg = next,
                    Err(_) => break,
                }
            }
        });
        if let Err(panic) = std::panic::catch_unwind(step) {
            // Not a command (those answer their caller): log it and go on.
            let what = crate::session::connection::panic_text(panic.as_ref());
            tracing::error!(panic = what, "the game task panicked handling a message");
        }
        if let Some(by) = game.rebooting.take() {
            game.reboot(&table, &mut rx, by).await;
        }
        if let Some(by) = game.shutting_down.take() {
            game.shutdown(by);
            break;
        }
    }
    // Keep answering until every connection has said goodbye (bounded), so each
    // departure is recorded and no connection waits on us forever.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(8);
    while !game.ctx.table.is_empty() {
        let msg = match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(msg)) => msg,
            _ => break,
        };
        match msg {
            GameMsg::Command { done, .. } => {
                let _ = done.send(Flow::Quit);
            }
            GameMsg::Disconnected { handle, how, done } => {
                game.disconnected(handle, how);
                let _ = done.send(Departed::Gone);
            }
            GameMsg::Lookup { reply, .. } => {
                let _ = reply.send(None);
            }
            GameMsg::Create { reply, .. } => {
                let _ = reply.send(Err("The game is shutting down.".into()));
            }
            _ => {}
        }
    }
}
