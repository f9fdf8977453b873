//! Start-up, listeners, the accept loop with connection limits, and graceful shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Mutex, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn, Instrument};

use crate::config::Config;
use crate::game::{self, GameMsg};
use crate::reboot::{HandoffSession, RebootControl};
use crate::session::connection;
use crate::session::connection::Restored;
use crate::session::login::LoginLimiter;
use crate::session::{now_millis, Handle, Outbound, Session, SessionTable};
use crate::store::{self, Store, WriteBehind};
use crate::store::{field_text, field_u64, Key, KeyKind};
use crate::world::{Dbref, World};

/// Handles reserved from the store at a time, so a connection costs no store round trip.
const HANDLE_BLOCK: u64 = 1024;

/// Hands out connection handles that are never reused, also across restarts.
pub struct HandleAllocator {
    store: Arc<dyn Store>,
    range: Mutex<(u64, u64)>,
}

impl HandleAllocator {
    pub fn new(store: Arc<dyn Store>) -> HandleAllocator {
        HandleAllocator {
            store,
            range: Mutex::new((0, 0)),
        }
    }

    pub async fn next(&self) -> Result<Handle, store::StoreError> {
        let mut range = self.range.lock().await;
        if range.0 >= range.1 {
            let first = self.store.reserve_handles(HANDLE_BLOCK).await?;
            *range = (first, first + HANDLE_BLOCK);
        }
        let h = range.0;
        range.0 += 1;
        Ok(h)
    }

    /// Writes the end of the reserved range back to a store that lost its counter.
    pub async fn restore_floor(&self) -> Result<(), store::StoreError> {
        let end = self.range.lock().await.1;
        self.store.raise_handle_floor(end).await
    }
}

/// Texts shown to players, read from the text directory at start.
#[derive(Debug, Clone)]
pub struct Texts {
    pub connect: String,
    pub quit: String,
}

impl Texts {
    pub fn load(dir: &Path, game_name: &str) -> Texts {
        let read = |file: &str, default: String| {
            std::fs::read_to_string(dir.join(file))
                .map(|t| t.replace("\r\n", "\n"))
                .unwrap_or(default)
        };
        Texts {
            connect: read(
                "connect.txt",
                format!(
                    "Welcome to {game_name}!\n\n\
                     connect <name> <password>   to log in\n\
                     create <name> <password>    to make a new character\n\
                     WHO                         to see who is on\n\
                     QUIT                        to leave\n"
                ),
            ),
            quit: read("quit.txt", "Come back soon!\n".into()),
        }
    }
}

/// Counters the server keeps for `@stats` and telemetry.
#[derive(Debug, Default)]
pub struct ServerCounters {
    pub connections: AtomicU64,
    pub logins: AtomicU64,
    pub failed_logins: AtomicU64,
    pub commands: AtomicU64,
    pub refused: AtomicU64,
}

/// What every task shares.
pub struct ServerContext {
    pub config: Config,
    pub table: SessionTable,
    pub wb: WriteBehind,
    pub store: Arc<dyn Store>,
    pub game: mpsc::Sender<GameMsg>,
    pub handles: HandleAllocator,
    pub login_limiter: LoginLimiter,
    pub texts: Texts,
    /// Unix seconds the server started (MSSP UPTIME).
    pub started_at: u64,
    /// Which process owns a session record.
    pub node: String,
    pub counters: ServerCounters,
    pub listen_addrs: Vec<SocketAddr>,
    /// Cancelled when the server begins shutting down.
    pub shutdown: CancellationToken,
    pub reboot: RebootControl,
    /// Caps connections in all.
    pub conn_limit: Arc<Semaphore>,
    /// Every connection task, so shutdown can wait for them.
    pub tracker: TaskTracker,
}

impl ServerContext {
    /// The MSSP variables, as sent by telnet and `MSSP-REQUEST`.
    pub fn mssp_vars(&self) -> Vec<(String, String)> {
        let mut vars = vec![
            ("NAME".to_string(), self.config.server.name.clone()),
            (
                "PLAYERS".to_string(),
                self.table.connected_players().len().to_string(),
            ),
            ("UPTIME".to_string(), self.started_at.to_string()),
            (
                "CODEBASE".to_string(),
                format!("mushd {}", env!("CARGO_PKG_VERSION")),
            ),
            (
                "PORT".to_string(),
                self.listen_addrs
                    .first()
                    .map(|a| a.port().to_string())
                    .unwrap_or_default(),
            ),
            ("FAMILY".to_string(), "TinyMUD".to_string()),
            ("ANSI".to_string(), "0".to_string()),
            ("UTF-8".to_string(), "1".to_string()),
            ("MCCP".to_string(), "0".to_string()),
            ("MSDP".to_string(), "0".to_string()),
            ("GMCP".to_string(), "0".to_string()),
            ("CRAWL DELAY".to_string(), "-1".to_string()),
        ];
        for (k, v) in &self.config.telnet.mssp {
            let key = k.to_ascii_uppercase();
            vars.retain(|(name, _)| *name != key);
            vars.push((key, v.clone()));
        }
        vars
    }
}

/// A started server: its addresses, and a way to wait for it to stop.
pub struct RunningServer {
    pub ctx: Arc<ServerContext>,
    pub local_addrs: Vec<SocketAddr>,
    pub metrics_addr: Option<SocketAddr>,
    done: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningServer {
    /// Asks for a graceful shutdown, as SIGTERM does.
    pub async fn request_shutdown(&self) {
        let _ = self.ctx.game.send(GameMsg::Shutdown { by: None }).await;
    }

    /// Waits until the server has shut down and flushed its state.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.done.await.context("server task panicked")?
    }
}

/// Opens the store, loads the world, reconciles stale sessions and starts listening.
pub async fn start(config: Config) -> anyhow::Result<RunningServer> {
    let store = store::open(&config.store).await?;
    let wb = WriteBehind::start(
        store.clone(),
        Duration::from_millis(config.store.flush_interval_ms),
        config.store.flush_max_keys,
        Duration::from_millis(config.store.critical_write_timeout_ms),
    );
    // After a hot reboot: the sockets the previous process handed over.
    let mut handoff = match crate::reboot::take_handoff() {
        Some(Ok(h)) => Some(h),
        Some(Err(e)) => {
            error!("{e}; starting without the previous process's connections");
            None
        }
        None => None,
    };
    let mut inherited: Vec<(String, i32)> = handoff
        .as_mut()
        .map(|h| {
            std::mem::take(&mut h.listeners)
                .into_iter()
                .map(|l| (l.config_addr, l.fd))
                .collect()
        })
        .unwrap_or_default();
    let mut listeners = Vec::new();
    for (configured, addr) in config.server.listen.iter().zip(config.listen_addrs()) {
        let adopted = inherited
            .iter()
            .position(|(a, _)| a == configured)
            .map(|i| inherited.remove(i).1);
        let l = match adopted {
            Some(fd) => crate::reboot::adopt_listener(fd)
                .with_context(|| format!("cannot adopt the inherited listener for {addr}"))?,
            None => TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?,
        };
        listeners.push((configured.clone(), l));
    }
    for (addr, fd) in inherited {
        // A listener the new config no longer has.
        warn!(%addr, "closing an inherited listener that is no longer configured");
        drop(crate::reboot::adopt_listener(fd));
    }
    let local_addrs: Vec<SocketAddr> = listeners
        .iter()
        .filter_map(|(_, l)| l.local_addr().ok())
        .collect();

    let (game_tx, game_rx) = mpsc::channel(4096);
    let texts = Texts::load(&config.server.text_dir, &config.server.name);
    let ctx = Arc::new(ServerContext {
        table: SessionTable::new(),
        wb: wb.clone(),
        store: store.clone(),
        game: game_tx,
        handles: HandleAllocator::new(store.clone()),
        login_limiter: LoginLimiter::new(config.limits.failed_logins_per_ip_per_minute),
        texts,
        started_at: handoff
            .as_ref()
            .map(|h| h.started_at)
            .unwrap_or_else(|| now_millis() / 1000),
        node: format!("{}-{}", config.server.name, std::process::id()),
        counters: ServerCounters::default(),
        listen_addrs: local_addrs.clone(),
        shutdown: CancellationToken::new(),
        reboot: RebootControl::new(),
        conn_limit: Arc::new(Semaphore::new(config.limits.max_connections)),
        tracker: TaskTracker::new(),
        config,
    });

    let world = game::load_world(&ctx).await?;
    let adopted: Vec<crate::reboot::HandoffSession> =
        handoff.map(|h| h.sessions).unwrap_or_default();
    let keep: std::collections::HashSet<Handle> = adopted.iter().map(|s| s.handle).collect();
    game::reconcile_sessions(&ctx, &world, &keep).await?;
    let resumed = restore_sessions(&ctx, &world, adopted).await;
    let game_task = tokio::spawn(game::run(ctx.clone(), world, game_rx));
    tokio::spawn(resync_on_request(ctx.clone()));
    let mut metrics_addr = None;
    if let Some(addr) = &ctx.config.metrics.listen {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen for metrics on {addr}"))?;
        metrics_addr = listener.local_addr().ok();
        tokio::spawn(crate::metrics::serve(ctx.clone(), listener));
    }

    for (configured, listener) in listeners {
        info!(addr = ?listener.local_addr().ok(), "listening");
        spawn_accept(&ctx, listener, configured);
    }
    if resumed > 0 {
        info!(sessions = resumed, "hot reboot finished");
        ctx.table
            .broadcast(&crate::game::line_bytes("GAME: Reboot finished."), true);
    }

    let run_ctx = ctx.clone();
    let done = tokio::spawn(async move {
        run_ctx.shutdown.cancelled().await;
        let tracker = run_ctx.tracker.clone();
        tracker.close();
        let grace = Duration::from_secs(10);
        if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
            warn!("some connections did not close in time");
        }
        let _ = game_task.await;
        match run_ctx.wb.shutdown(Duration::from_secs(10)).await {
            Ok(()) => info!("state flushed; shutdown complete"),
            Err(e) => error!(error = %e, "could not flush all state before exit"),
        }
        Ok(())
    });
    Ok(RunningServer {
        ctx,
        local_addrs,
        metrics_addr,
        done,
    })
}

/// When the store comes back empty, restores the handle counter and has the game
/// queue every object and session again.
async fn resync_on_request(ctx: Arc<ServerContext>) {
    let requests = ctx.wb.resync_requests();
    loop {
        tokio::select! {
            _ = ctx.shutdown.cancelled() => return,
            _ = requests.notified() => {}
        }
        if let Err(e) = ctx.handles.restore_floor().await {
            warn!(error = %e, "could not restore the handle counter");
        }
        if ctx.game.send(GameMsg::Resync).await.is_err() {
            return;
        }
    }
}

/// Starts accepting on a listener (again, after a cancelled reboot).
pub fn spawn_accept(ctx: &Arc<ServerContext>, listener: TcpListener, configured: String) {
    tokio::spawn(accept_loop(ctx.clone(), listener, configured));
}

async fn accept_loop(ctx: Arc<ServerContext>, listener: TcpListener, configured: String) {
    let mut backoff = Duration::from_millis(10);
    let freeze = ctx.reboot.freeze_token();
    loop {
        let accepted = tokio::select! {
            _ = ctx.shutdown.cancelled() => return,
            _ = freeze.cancelled() => {
                // A hot reboot takes the listener; pending connections wait in its backlog.
                match listener.into_std() {
                    Ok(l) => ctx.reboot.park_listener(configured, l),
                    Err(e) => error!(error = %e, "cannot hand over a listener"),
                }
                return;
            }
            r = listener.accept() => r,
        };
        let (stream, peer) = match accepted {
            Ok(x) => {
                backoff = Duration::from_millis(10);
                x
            }
            Err(e) => {
                // Out of descriptors and the like: wait a little rather than spin.
                warn!(error = %e, "accept failed");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        let limit = ctx.conn_limit.clone();
        let Ok(permit) = limit.clone().try_acquire_owned() else {
            ctx.counters.refused.fetch_add(1, Ordering::Relaxed);
            refuse(
                stream,
                "The game is full right now. Please try again later.\r\n",
            );
            continue;
        };
        let Some(ip_slot) = ctx
            .table
            .admit_ip(peer.ip(), ctx.config.limits.max_connections_per_ip)
        else {
            ctx.counters.refused.fetch_add(1, Ordering::Relaxed);
            refuse(stream, "Too many connections from your address.\r\n");
            continue;
        };
        let handle = match ctx.handles.next().await {
            Ok(h) => h,
            Err(e) => {
                error!(error = %e, "cannot allocate a connection handle");
                refuse(stream, "The game cannot accept connections right now.\r\n");
                continue;
            }
        };
        ctx.counters.connections.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!("conn", handle, peer = %peer);
        let ctx2 = ctx.clone();
        ctx.tracker.spawn(
            async move {
                connection::run(ctx2, stream, peer, handle).await;
                drop(permit);
                drop(ip_slot);
            }
            .instrument(span),
        );
    }
}

/// Tells a refused client why, without waiting on it.
fn refuse(stream: TcpStream, message: &'static str) {
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let mut stream = stream;
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            let _ = stream.write_all(message.as_bytes()).await;
            let _ = stream.shutdown().await;
        })
        .await;
    });
}

/// A time from the store (Unix seconds), or the handoff's when the store has none; the
/// handoff's milliseconds are kept when both agree to the second.
fn store_or_handoff_ms(stored_secs: Option<u64>, handoff_ms: u64) -> u64 {
    match stored_secs {
        Some(secs) if secs != handoff_ms / 1000 => secs * 1000,
        _ => handoff_ms,
    }
}

/// Adopts the connections a hot reboot handed over: each row is rebuilt from its
/// store record (the handoff fills in what the store lacks) and its task resumed.
async fn restore_sessions(
    ctx: &Arc<ServerContext>,
    world: &World,
    adopted: Vec<HandoffSession>,
) -> usize {
    if adopted.is_empty() {
        return 0;
    }
    let records: std::collections::HashMap<u64, crate::store::StoredFields> =
        match ctx.store.load(KeyKind::Conn).await {
            Ok(r) => r
                .into_iter()
                .filter_map(|(k, f)| match k {
                    Key::Conn(h) => Some((h, f)),
                    _ => None,
                })
                .collect(),
            Err(e) => {
                warn!(error = %e, "cannot read session records; restoring from the handoff alone");
                Default::default()
            }
        };
    let mut restored = 0;
    for h in adopted {
        let stream = match crate::reboot::adopt_stream(h.fd) {
            Ok(s) => s,
            Err(e) => {
                warn!(handle = h.handle, error = %e, "cannot adopt an inherited connection");
                continue;
            }
        };
        let Ok(peer) = stream.peer_addr() else {
            continue;
        };
        let rec = records.get(&h.handle);
        let text = |name: &str| rec.and_then(|r| field_text(r, name));
        let num = |name: &str| rec.and_then(|r| field_u64(r, name));
        let player = match rec {
            Some(_) => text("player").and_then(|p| Dbref::parse(&p)),
            None => h.player.map(Dbref),
        }
        .filter(|p| world.get(*p).is_some());
        let out = Arc::new(Outbound::new(ctx.config.limits.output_queue_bytes));
        out.bytes_out.store(h.bytes_out, Ordering::Relaxed);
        let mut row = Session::new(h.handle, peer, out);
        row.connected_at_ms = store_or_handoff_ms(num("connected_at"), h.connected_at_ms);
        row.last_seen_ms = store_or_handoff_ms(num("last_seen"), h.last_seen_ms);
        row.cmds = num("cmds").unwrap_or(h.cmds).max(h.cmds);
        row.bytes_in = h.bytes_in;
        row.doing = text("doing").unwrap_or(h.doing.clone());
        row.output_prefix = text("output_prefix")
            .map(|p| (!p.is_empty()).then_some(p))
            .unwrap_or(h.output_prefix.clone());
        row.output_suffix = text("output_suffix")
            .map(|p| (!p.is_empty()).then_some(p))
            .unwrap_or(h.output_suffix.clone());
        row.terminal = h.negotiator.info.clone();
        let logged_in_at = num("login_ms").or(h.logged_in_at_ms);
        ctx.table.insert(row);
        if let Some(p) = player {
            ctx.table
                .bind(h.handle, p, logged_in_at.unwrap_or_else(now_millis));
        }
        let permit = ctx.conn_limit.clone().try_acquire_owned().ok();
        let ip_slot = ctx.table.admit_ip(peer.ip(), usize::MAX);
        let resume = Restored {
            negotiator: h.negotiator,
            player,
            logged_in_at_ms: logged_in_at,
            pending_input: h.pending_input,
            pending_output: h.pending_output,
        };
        let span = tracing::info_span!("conn", handle = h.handle, peer = %peer);
        let ctx2 = ctx.clone();
        let handle = h.handle;
        ctx.tracker.spawn(
            async move {
                connection::resume(ctx2, stream, peer, handle, resume).await;
                drop(permit);
                drop(ip_slot);
            }
            .instrument(span),
        );
        restored += 1;
    }
    restored
}
