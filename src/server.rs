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
use crate::session::connection;
use crate::session::login::LoginLimiter;
use crate::session::{now_millis, Handle, SessionTable};
use crate::store::{self, Store, WriteBehind};

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
    let mut listeners = Vec::new();
    for addr in config.listen_addrs() {
        let l = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        listeners.push(l);
    }
    let local_addrs: Vec<SocketAddr> = listeners
        .iter()
        .filter_map(|l| l.local_addr().ok())
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
        started_at: now_millis() / 1000,
        node: format!("{}-{}", config.server.name, std::process::id()),
        counters: ServerCounters::default(),
        listen_addrs: local_addrs.clone(),
        shutdown: CancellationToken::new(),
        config,
    });

    let world = game::load_world(&ctx).await?;
    game::reconcile_sessions(&ctx, &world).await?;
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

    let tracker = TaskTracker::new();
    let limit = Arc::new(Semaphore::new(ctx.config.limits.max_connections));
    for listener in listeners {
        let addr = listener.local_addr().ok();
        info!(?addr, "listening");
        tokio::spawn(accept_loop(
            ctx.clone(),
            listener,
            limit.clone(),
            tracker.clone(),
        ));
    }

    let run_ctx = ctx.clone();
    let done = tokio::spawn(async move {
        run_ctx.shutdown.cancelled().await;
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

async fn accept_loop(
    ctx: Arc<ServerContext>,
    listener: TcpListener,
    limit: Arc<Semaphore>,
    tracker: TaskTracker,
) {
    let mut backoff = Duration::from_millis(10);
    loop {
        let accepted = tokio::select! {
            _ = ctx.shutdown.cancelled() => return,
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
        tracker.spawn(
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
