//! Start-up, listeners, the accept loop with connection limits, and graceful shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures_util::FutureExt;
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn, Instrument};

use crate::config::Config;
use crate::game::{self, GameMsg};
use crate::reboot::{HandoffSession, ParkedListener, RebootControl};
use crate::session::connection;
use crate::session::connection::Restored;
use crate::session::limits::{HashPool, RateLimit};
use crate::session::record::{Part, StoredSession};
use crate::session::socket::{Socket, Transport};
use crate::session::table::IpSlot;
use crate::session::{now_millis, Handle, Outbound, Session, SessionTable};
use crate::store::{self, Store, WriteBehind};
use crate::store::{Key, KeyKind};
use crate::world::{Dbref, World};

/// Handles reserved from the store at a time, so a connection costs no store round trip.
const HANDLE_BLOCK: u64 = 1024;
/// Handles in a node-unique fallback block, used while the store cannot reserve more.
const FALLBACK_BLOCK: u64 = 4096;
/// Fallback handles live above every handle the store's counter will ever reach.
const FALLBACK_BASE: u64 = 1 << 62;

/// Hands out connection handles that are never reused, also across restarts, without
/// ever waiting on the store: the next block is reserved in the background while the
/// current one is used, and while the store is down a node-unique block (above the
/// store's range, keyed by the time it was opened) keeps connections coming in.
pub struct HandleAllocator {
    store: Arc<dyn Store>,
    blocks: std::sync::Mutex<HandleBlocks>,
}

#[derive(Default)]
struct HandleBlocks {
    /// The block in use: next handle, end (exclusive).
    current: (u64, u64),
    /// A reserved block waiting its turn.
    next: Option<(u64, u64)>,
    /// The end of the newest block the store reserved (for `restore_floor`).
    store_end: u64,
    /// A refill is under way.
    refilling: bool,
    /// Last fallback block's start, so two in one millisecond still differ.
    last_fallback: u64,
}

impl HandleAllocator {
    /// Reserves the first block (the store must be up at start).
    pub async fn new(store: Arc<dyn Store>) -> Result<Arc<HandleAllocator>, store::StoreError> {
        let first = store.reserve_handles(HANDLE_BLOCK).await?;
        let blocks = HandleBlocks {
            current: (first, first + HANDLE_BLOCK),
            store_end: first + HANDLE_BLOCK,
            ..HandleBlocks::default()
        };
        Ok(Arc::new(HandleAllocator {
            store,
            blocks: std::sync::Mutex::new(blocks),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HandleBlocks> {
        self.blocks.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next handle, at once.
    pub fn next(self: &Arc<Self>) -> Handle {
        let mut b = self.lock();
        if b.current.0 >= b.current.1 {
            b.current = match b.next.take() {
                Some(block) => block,
                None => {
                    // The store has not answered in time: a block only this node uses.
                    let start = (FALLBACK_BASE + now_millis() * FALLBACK_BLOCK)
                        .max(b.last_fallback + FALLBACK_BLOCK);
                    b.last_fallback = start;
                    warn!(
                        start,
                        "handle block from the node-unique range (store slow or down)"
                    );
                    (start, start + FALLBACK_BLOCK)
                }
            };
        }
        let h = b.current.0;
        b.current.0 += 1;
        let low = b.current.1 - b.current.0 < HANDLE_BLOCK / 2;
        if low && b.next.is_none() && !b.refilling {
            b.refilling = true;
            let me = self.clone();
            tokio::spawn(async move { me.refill().await });
        }
        h
    }

    /// Reserves the next block, retrying with backoff while the store is down.
    async fn refill(self: Arc<Self>) {
        let mut backoff = Duration::from_millis(50);
        loop {
            match self.store.reserve_handles(HANDLE_BLOCK).await {
                Ok(first) => {
                    let mut b = self.lock();
                    b.next = Some((first, first + HANDLE_BLOCK));
                    b.store_end = b.store_end.max(first + HANDLE_BLOCK);
                    b.refilling = false;
                    return;
                }
                Err(e) => {
                    warn!(error = %e, "cannot reserve connection handles; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    /// Writes the end of the reserved range back to a store that lost its counter.
    pub async fn restore_floor(&self) -> Result<(), store::StoreError> {
        let end = self.lock().store_end;
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
                None => bind_front_socket(&path)?,
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
    let resumed = restore_sessions(&ctx, &world, adopted).await;
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
                    Ok(l) => ctx.reboot.park_listener(configured, ParkedListener::Tcp(l)),
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
        start_connection(
            &ctx,
            Socket::Tcp(stream),
            peer,
            Transport::Telnet,
            (permit, ip_slot),
        );
    }
}

/// Spawns a new connection's task (it holds its admission slots until it ends).
fn start_connection(
    ctx: &Arc<ServerContext>,
    socket: Socket,
    peer: SocketAddr,
    transport: Transport,
    slots: (OwnedSemaphorePermit, IpSlot),
) {
    let handle = ctx.handles.next();
    ctx.counters.connections.fetch_add(1, Ordering::Relaxed);
    let span = tracing::info_span!("conn", handle, peer = %peer);
    let ctx2 = ctx.clone();
    // Built outside the spawned block, so the block holds the future once.
    let task = connection::supervise(
        ctx2.clone(),
        handle,
        connection::run(ctx2, socket, peer, handle, transport),
    );
    ctx.tracker
        .spawn(task.map(move |()| drop(slots)).instrument(span));
}

/// Binds the Unix socket the front process connects to, replacing a stale one left by
/// a process that is gone; only the game's own user may connect.
fn bind_front_socket(path: &Path) -> anyhow::Result<UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if std::os::unix::net::UnixStream::connect(path).is_ok() {
        anyhow::bail!("{} is in use by another running server", path.display());
    }
    let _ = std::fs::remove_file(path);
    let listener =
        UnixListener::bind(path).with_context(|| format!("cannot listen on {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot restrict {}", path.display()))?;
    Ok(listener)
}

/// Starts accepting the front process's connections (again, after a cancelled reboot).
pub fn spawn_front_accept(ctx: &Arc<ServerContext>, listener: UnixListener, name: String) {
    tokio::spawn(front_accept_loop(ctx.clone(), listener, name));
}

/// How long the front process has to say who its client is.
const PREAMBLE_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest preamble line accepted.
const PREAMBLE_MAX: usize = 128;

async fn front_accept_loop(ctx: Arc<ServerContext>, listener: UnixListener, name: String) {
    let freeze = ctx.reboot.freeze_token();
    loop {
        let accepted = tokio::select! {
            _ = ctx.shutdown.cancelled() => return,
            _ = freeze.cancelled() => {
                match listener.into_std() {
                    Ok(l) => ctx.reboot.park_listener(name, ParkedListener::Unix(l)),
                    Err(e) => error!(error = %e, "cannot hand over the front socket"),
                }
                return;
            }
            r = listener.accept() => r,
        };
        let stream = match accepted {
            Ok((s, _)) => s,
            Err(e) => {
                warn!(error = %e, "accept on the front socket failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let Ok(Some((transport, peer, stream))) =
                tokio::time::timeout(PREAMBLE_TIMEOUT, read_preamble(stream)).await
            else {
                warn!("a front connection sent no valid preamble; closed");
                return;
            };
            let Ok(permit) = ctx.conn_limit.clone().try_acquire_owned() else {
                ctx.counters.refused.fetch_add(1, Ordering::Relaxed);
                return;
            };
            let Some(ip_slot) = ctx
                .table
                .admit_ip(peer.ip(), ctx.config.limits.max_connections_per_ip)
            else {
                ctx.counters.refused.fetch_add(1, Ordering::Relaxed);
                return;
            };
            start_connection(
                &ctx,
                Socket::Unix(stream),
                peer,
                transport,
                (permit, ip_slot),
            );
        });
    }
}

/// Reads the front's one-line preamble byte by byte (nothing after it is consumed).
async fn read_preamble(mut stream: UnixStream) -> Option<(Transport, SocketAddr, UnixStream)> {
    use tokio::io::AsyncReadExt;
    let mut line = Vec::with_capacity(64);
    loop {
        let b = stream.read_u8().await.ok()?;
        if b == b'\n' {
            break;
        }
        if line.len() >= PREAMBLE_MAX {
            return None;
        }
        line.push(b);
    }
    let text = std::str::from_utf8(&line).ok()?;
    let (transport, peer) = crate::session::socket::parse_front_preamble(text)?;
    Some((transport, peer, stream))
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
    let records: std::collections::HashMap<u64, StoredSession> =
        match ctx.store.load(KeyKind::Conn).await {
            Ok(r) => r
                .into_iter()
                .filter_map(|(k, f)| match k {
                    Key::Conn(h) => Some((h, StoredSession::decode(h, &f))),
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
        let stream = match Socket::adopt(h.fd, h.transport) {
            Ok(s) => s,
            Err(e) => {
                warn!(handle = h.handle, error = %e, "cannot adopt an inherited connection");
                continue;
            }
        };
        let peer = match stream.tcp_peer() {
            Some(p) => p,
            None => match h.peer.as_deref().and_then(|p| p.parse().ok()) {
                Some(p) => p,
                None => continue,
            },
        };
        let out = Arc::new(Outbound::new(ctx.config.limits.output_queue_bytes));
        out.bytes_out.store(h.bytes_out, Ordering::Relaxed);
        let mut row = Session::new(h.handle, peer, out);
        row.transport = h.transport;
        row.bytes_in = h.bytes_in;
        row.terminal = h.negotiator.info.clone();
        let (player, logged_in_at) = match records.get(&h.handle) {
            Some(rec) => {
                row.connected_at_ms = store_or_handoff_ms(rec.connected_at, h.connected_at_ms);
                row.last_seen_ms = store_or_handoff_ms(rec.last_seen, h.last_seen_ms);
                row.cmds = rec.cmds.unwrap_or(h.cmds).max(h.cmds);
                row.doing = rec.doing.clone().unwrap_or(h.doing.clone());
                row.output_prefix = rec.output_prefix.clone();
                row.output_suffix = rec.output_suffix.clone();
                row.resume_token = rec.resume_token.clone();
                (rec.player, rec.login_ms.or(h.logged_in_at_ms))
            }
            None => {
                row.connected_at_ms = h.connected_at_ms;
                row.last_seen_ms = h.last_seen_ms;
                row.cmds = h.cmds;
                row.doing = h.doing.clone();
                row.output_prefix = h.output_prefix.clone();
                row.output_suffix = h.output_suffix.clone();
                (h.player.map(Dbref), h.logged_in_at_ms)
            }
        };
        // The player must still be the one who logged in (not a newer one on a reused dbref).
        let player = player.filter(|p| world.is_same_player(*p, logged_in_at.map(|ms| ms / 1000)));
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
        let handle = h.handle;
        let task = connection::supervise(
            ctx.clone(),
            handle,
            connection::resume(ctx.clone(), stream, peer, handle, resume),
        );
        ctx.tracker
            .spawn(task.map(move |()| drop((permit, ip_slot))).instrument(span));
        restored += 1;
    }
    restored
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{HistoryRecord, RecordWrite, StoreError, StoreFuture, StoredFields};
    use std::sync::atomic::AtomicBool;

    /// An embedded store whose handle reservations can be made to fail, as a store
    /// that is down would.
    struct Flaky {
        inner: Arc<dyn Store>,
        down: Arc<AtomicBool>,
    }

    impl Store for Flaky {
        fn backend_name(&self) -> &'static str {
            "flaky"
        }
        fn apply(&self, batch: Vec<RecordWrite>) -> StoreFuture<'_, ()> {
            self.inner.apply(batch)
        }
        fn load(&self, kind: KeyKind) -> StoreFuture<'_, Vec<(Key, StoredFields)>> {
            self.inner.load(kind)
        }
        fn load_record(&self, key: &Key) -> StoreFuture<'_, StoredFields> {
            self.inner.load_record(key)
        }
        fn reserve_handles(&self, count: u64) -> StoreFuture<'_, u64> {
            if self.down.load(Ordering::Relaxed) {
                return Box::pin(async { Err(StoreError::Unavailable("down".into())) });
            }
            self.inner.reserve_handles(count)
        }
        fn raise_handle_floor(&self, floor: u64) -> StoreFuture<'_, ()> {
            self.inner.raise_handle_floor(floor)
        }
        fn epoch(&self) -> StoreFuture<'_, Option<String>> {
            self.inner.epoch()
        }
        fn set_epoch(&self, epoch: String) -> StoreFuture<'_, ()> {
            self.inner.set_epoch(epoch)
        }
        fn append_history(&self, p: Dbref, r: HistoryRecord) -> StoreFuture<'_, ()> {
            self.inner.append_history(p, r)
        }
        fn read_history(&self, p: Dbref, n: usize) -> StoreFuture<'_, Vec<HistoryRecord>> {
            self.inner.read_history(p, n)
        }
    }

    #[tokio::test]
    async fn handles_keep_coming_unique_while_the_store_is_down() {
        let dir = tempfile::tempdir().expect("tempdir");
        let embedded = store::embedded::EmbeddedStore::open(dir.path())
            .await
            .expect("open");
        let down = Arc::new(AtomicBool::new(false));
        let flaky: Arc<dyn Store> = Arc::new(Flaky {
            inner: Arc::new(embedded),
            down: down.clone(),
        });
        let handles = HandleAllocator::new(flaky.clone())
            .await
            .expect("first block");
        down.store(true, Ordering::Relaxed);
        let mut seen = std::collections::HashSet::new();
        // Three blocks' worth: the first from the store, the rest node-unique.
        for _ in 0..3 * HANDLE_BLOCK {
            assert!(seen.insert(handles.next()), "a handle was handed out twice");
        }
        assert!(seen.iter().any(|h| *h >= FALLBACK_BASE));
        // Back up: a refill lands and store handles are used again.
        down.store(false, Ordering::Relaxed);
        let mut from_store = false;
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            for _ in 0..FALLBACK_BLOCK {
                let h = handles.next();
                assert!(seen.insert(h), "a handle was handed out twice");
                from_store |= h < FALLBACK_BASE;
            }
            if from_store {
                break;
            }
        }
        assert!(from_store, "no store handles after the store came back");
        handles.restore_floor().await.expect("floor");
        let next = flaky.reserve_handles(1).await.expect("reserve");
        assert!(seen
            .iter()
            .filter(|h| **h < FALLBACK_BASE)
            .all(|h| *h < next));
    }
}
