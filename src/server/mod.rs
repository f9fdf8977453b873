//! Start-up and shutdown: the shared context, the store and the world loaded, the
//! listeners opened (listen.rs), a hot reboot's connections adopted (restore.rs).

mod handles;
mod listen;
mod restore;

pub use handles::HandleAllocator;
pub use listen::{spawn_accept, spawn_front_accept};

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn};

use crate::config::Config;
use crate::game::{self, GameMsg};
use crate::reboot::RebootControl;
use crate::session::limits::{HashPool, RateLimit};
use crate::session::record::Part;
use crate::session::{now_millis, Handle, SessionTable};
use crate::store::{self, Store, WriteBehind};

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
    pub connection_panics: AtomicU64,
    pub command_panics: AtomicU64,
    pub login_limited: AtomicU64,
}

/// What every task shares.
pub struct ServerContext {
    pub config: Config,
    pub table: SessionTable,
    pub wb: WriteBehind,
    pub store: Arc<dyn Store>,
    pub game: mpsc::Sender<GameMsg>,
    pub handles: Arc<HandleAllocator>,
    /// Password hashing, a few at a time.
    pub hash_pool: HashPool,
    /// Failed logins, counted before hashing (a correct password is refunded).
    pub failed_logins: RateLimit,
    /// New characters.
    pub creates: RateLimit,
    /// `WHO` from the login screen.
    pub login_who: RateLimit,
    /// The login screen's WHO text and when it was made: shared for a second.
    pub login_who_cache: std::sync::Mutex<Option<(std::time::Instant, bytes::Bytes)>>,
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
    /// The TLS/WebSocket front process, when one is configured.
    pub front: crate::front::Keeper,
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
/// How long the login screen's WHO text is shared before it is made again.
const LOGIN_WHO_FRESH: Duration = Duration::from_secs(1);

impl ServerContext {
    /// Queues `parts` of a session's record for the store, from its row.
    pub fn save_session(&self, handle: Handle, parts: &[Part]) {
        let ops = self.table.with(handle, |s| {
            crate::session::record::ops(s, &self.node, parts)
        });
        for (key, op) in ops.into_iter().flatten() {
            self.wb.push(key, op);
        }
    }

    /// The login screen's WHO text when one made less than a second ago is at hand.
    pub fn fresh_login_who(&self) -> Option<bytes::Bytes> {
        let cache = self
            .login_who_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        cache
            .as_ref()
            .filter(|(made, _)| made.elapsed() < LOGIN_WHO_FRESH)
            .map(|(_, text)| text.clone())
    }

    pub fn set_login_who(&self, text: bytes::Bytes) {
        let mut cache = self
            .login_who_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *cache = Some((std::time::Instant::now(), text));
    }

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
    check_data_dir(&config.store.data_dir)?;
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
    crate::front::check_tls_files(&config)?;
    let front_pid = handoff.as_ref().and_then(|h| h.front_pid);
    let front_listener = match config.front_socket_path() {
        Some(path) => {
            let name = crate::reboot::front_listener_name(&path);
            let adopted = inherited
                .iter()
                .position(|(a, _)| *a == name)
                .map(|i| inherited.remove(i).1);
            let l = match adopted {
                Some(fd) => crate::reboot::adopt_unix_listener(fd).with_context(|| {
                    format!("cannot adopt the inherited front socket {}", path.display())
                })?,
                None => listen::bind_front_socket(&path)?,
            };
            Some((name, l))
        }
        None => None,
    };
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
        handles: HandleAllocator::new(store.clone()).await?,
        hash_pool: HashPool::new(
            config.limits.password_hash_concurrency,
            config.game.password_hash_memory_kib,
        ),
        failed_logins: RateLimit::new(
            config.limits.failed_logins_per_ip_per_minute,
            config.limits.failed_logins_per_minute,
            MINUTE,
        ),
        creates: RateLimit::new(
            config.limits.creates_per_ip_per_hour,
            config.limits.creates_per_hour,
            HOUR,
        ),
        login_who: RateLimit::new(config.limits.login_who_per_ip_per_minute, 0, MINUTE),
        login_who_cache: std::sync::Mutex::new(None),
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
        front: crate::front::Keeper::default(),
        config,
    });

    let world = game::load_world(&ctx).await?;
    let adopted: Vec<crate::reboot::HandoffSession> =
        handoff.map(|h| h.sessions).unwrap_or_default();
    let keep: std::collections::HashSet<Handle> = adopted.iter().map(|s| s.handle).collect();
    game::reconcile_sessions(&ctx, &world, &keep).await?;
    let resumed = restore::restore_sessions(&ctx, &world, adopted).await;
    let game_task = tokio::spawn(game::run(ctx.clone(), world, game_rx));
    tokio::spawn(resync_on_request(ctx.clone()));
    tokio::spawn(crate::memory::trim_after_bursts(ctx.clone()));
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
    if let Some((name, listener)) = front_listener {
        info!(socket = %name, "listening for the front process");
        spawn_front_accept(&ctx, listener, name);
        // Started once its socket is bound: what it connects meanwhile waits in the backlog.
        ctx.front.start(
            crate::front::FrontArgs::from_config(&ctx.config),
            ctx.reboot.exe.clone(),
            front_pid,
        );
        tokio::spawn(crate::front::Keeper::watch(ctx.clone()));
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
        run_ctx.front.stop().await;
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

/// The data directory holds the embedded store and the hot-reboot handoff: refuse to
/// start, saying why, when it cannot be written, rather than fail at the first reboot.
pub fn check_data_dir(dir: &Path) -> anyhow::Result<()> {
    let explain = |what: &str, e: std::io::Error| {
        anyhow::anyhow!(
            "the data directory {} {what} ({e}). mushd keeps its embedded store and the \
             hot-reboot handoff there: create it, or give it to the user mushd runs as \
             (uid {}), or set store.data_dir",
            dir.display(),
            // SAFETY: getuid has no preconditions and cannot fail.
            unsafe { libc::getuid() }
        )
    };
    std::fs::create_dir_all(dir).map_err(|e| explain("cannot be created", e))?;
    let probe = dir.join(".mushd-write-check");
    std::fs::write(&probe, b"ok").map_err(|e| explain("is not writable", e))?;
    std::fs::remove_file(&probe).map_err(|e| explain("is not writable", e))?;
    Ok(())
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
