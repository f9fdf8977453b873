//! The listeners: telnet ports and the front process's Unix socket, each accepting until
//! shutdown or a hot reboot takes it, with the connection limits applied at accept.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures_util::FutureExt;
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::sync::OwnedSemaphorePermit;
use tracing::{error, warn, Instrument};

use super::ServerContext;
use crate::reboot::ParkedListener;
use crate::session::connection;
use crate::session::socket::{parse_front_preamble, Socket, Transport};
use crate::session::table::IpSlot;

/// How long the front process has to say who its client is.
const PREAMBLE_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest preamble line accepted.
const PREAMBLE_MAX: usize = 128;

/// What the accept loop needs of a listener.
trait Listener: Send + 'static {
    type Accepted: Send + 'static;
    fn accept_one(&self) -> impl Future<Output = io::Result<Self::Accepted>> + Send;
    /// Out of tokio, for the reboot handoff (or a cancelled reboot's restart).
    fn park(self) -> io::Result<ParkedListener>;
}

impl Listener for TcpListener {
    type Accepted = (TcpStream, SocketAddr);
    fn accept_one(&self) -> impl Future<Output = io::Result<Self::Accepted>> + Send {
        self.accept()
    }
    fn park(self) -> io::Result<ParkedListener> {
        self.into_std().map(ParkedListener::Tcp)
    }
}

impl Listener for UnixListener {
    type Accepted = UnixStream;
    async fn accept_one(&self) -> io::Result<UnixStream> {
        self.accept().await.map(|(s, _)| s)
    }
    fn park(self) -> io::Result<ParkedListener> {
        self.into_std().map(ParkedListener::Unix)
    }
}

/// Starts accepting on a telnet listener (again, after a cancelled reboot).
pub fn spawn_accept(ctx: &Arc<ServerContext>, listener: TcpListener, configured: String) {
    tokio::spawn(accept_loop(ctx.clone(), listener, configured, admit_telnet));
}

/// Starts accepting the front process's connections (again, after a cancelled reboot).
pub fn spawn_front_accept(ctx: &Arc<ServerContext>, listener: UnixListener, name: String) {
    tokio::spawn(accept_loop(ctx.clone(), listener, name, admit_front));
}

/// Accepts until shutdown, or until a hot reboot takes the listener (what connects
/// meanwhile waits in its backlog).
async fn accept_loop<L: Listener>(
    ctx: Arc<ServerContext>,
    listener: L,
    name: String,
    admit: fn(&Arc<ServerContext>, L::Accepted),
) {
    let mut backoff = Duration::from_millis(10);
    let freeze = ctx.reboot.freeze_token();
    loop {
        let accepted = tokio::select! {
            _ = ctx.shutdown.cancelled() => return,
            _ = freeze.cancelled() => {
                match listener.park() {
                    Ok(l) => ctx.reboot.park_listener(name, l),
                    Err(e) => error!(listener = %name, error = %e, "cannot hand over a listener"),
                }
                return;
            }
            r = listener.accept_one() => r,
        };
        match accepted {
            Ok(conn) => {
                backoff = Duration::from_millis(10);
                admit(&ctx, conn);
            }
            Err(e) => {
                // Out of descriptors and the like: wait a little rather than spin.
                warn!(listener = %name, error = %e, "accept failed");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// The connection limits, for a client at `peer`: the refusal to tell it otherwise.
fn admission(
    ctx: &ServerContext,
    peer: SocketAddr,
) -> Result<(OwnedSemaphorePermit, IpSlot), &'static str> {
    let refused = |why| {
        ctx.counters.refused.fetch_add(1, Ordering::Relaxed);
        why
    };
    let permit = ctx
        .conn_limit
        .clone()
        .try_acquire_owned()
        .map_err(|_| refused("The game is full right now. Please try again later.\r\n"))?;
    let slot = ctx
        .table
        .admit_ip(peer.ip(), ctx.config.limits.max_connections_per_ip)
        .ok_or_else(|| refused("Too many connections from your address.\r\n"))?;
    Ok((permit, slot))
}

fn admit_telnet(ctx: &Arc<ServerContext>, (stream, peer): (TcpStream, SocketAddr)) {
    match admission(ctx, peer) {
        Ok(slots) => start_connection(ctx, Socket::Tcp(stream), peer, Transport::Telnet, slots),
        Err(why) => refuse(stream, why),
    }
}

/// A front connection says who its client is first (off the accept loop, bounded).
fn admit_front(ctx: &Arc<ServerContext>, stream: UnixStream) {
    let ctx = ctx.clone();
    tokio::spawn(async move {
        let Ok(Some((transport, peer, stream))) =
            tokio::time::timeout(PREAMBLE_TIMEOUT, read_preamble(stream)).await
        else {
            warn!("a front connection sent no valid preamble; closed");
            return;
        };
        match admission(&ctx, peer) {
            Ok(slots) => start_connection(&ctx, Socket::Unix(stream), peer, transport, slots),
            // The front tells its client the connection ended.
            Err(why) => warn!(%peer, reason = why.trim_end(), "front connection refused"),
        }
    });
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
    // Built outside any async block (which would hold the future twice).
    let task = connection::supervise(
        ctx.clone(),
        handle,
        connection::run(ctx.clone(), socket, peer, handle, transport),
    );
    ctx.tracker
        .spawn(task.map(move |()| drop(slots)).instrument(span));
}

/// Binds the Unix socket the front process connects to, replacing a stale one left by
/// a process that is gone; only the game's own user may connect (mushd trusts the
/// client address the front names).
pub(super) fn bind_front_socket(path: &Path) -> anyhow::Result<UnixListener> {
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
    let (transport, peer) = parse_front_preamble(text)?;
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
