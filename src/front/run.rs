//! The front process's main loop: listeners, handshakes, the backend connection per client,
//! and the byte pumps.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::tls::Certs;
use super::FrontArgs;

/// How long a TLS handshake or an HTTP request before the upgrade may take.
pub(super) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to keep retrying mushd's socket while it is missing or refusing.
const BACKEND_RETRY: Duration = Duration::from_secs(10);
/// What a client hears when mushd cannot be reached.
pub(super) const RESTARTING: &str = "The game is restarting; try again in a moment.";

/// Which kind of connection mushd is told about in the preamble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Tls,
    Ws,
    Wss,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Tls => "tls",
            Kind::Ws => "ws",
            Kind::Wss => "wss",
        }
    }
}

/// What every connection task needs.
pub(super) struct Ctx {
    backend: PathBuf,
    pub(super) certs: Option<Certs>,
    pub(super) web_tls: bool,
    slots: Arc<Semaphore>,
}

/// Runs the front until its parent is gone or it is told to stop.
pub fn run(args: FrontArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: front: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => {
            // Dropping the runtime would wait for nothing useful: leave, closing every socket.
            std::process::exit(0);
        }
        Err(e) => {
            tracing::error!("front: {e:#}");
            eprintln!("error: front: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: FrontArgs) -> anyhow::Result<()> {
    let certs = if args.needs_certificate() {
        let (Some(cert), Some(key)) = (&args.cert, &args.key) else {
            anyhow::bail!("TLS listeners need --cert and --key");
        };
        Some(Certs::load(cert, key)?)
    } else {
        None
    };
    let ctx = Arc::new(Ctx {
        backend: args.backend.clone(),
        certs,
        web_tls: args.web_tls,
        slots: Arc::new(Semaphore::new(args.max_connections.max(1))),
    });
    let mut listeners = Vec::new();
    for addr in &args.tls_listen {
        let l = bind(*addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (TLS): {e}"))?;
        announce(&format!("mushd: tls listening on {}", l.local_addr()?));
        listeners.push((l, false));
    }
    for addr in &args.web_listen {
        let l = bind(*addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (web): {e}"))?;
        let scheme = if args.web_tls { "https" } else { "http" };
        announce(&format!(
            "mushd: web client on {scheme}://{}/",
            l.local_addr()?
        ));
        listeners.push((l, true));
    }
    for (listener, web) in listeners {
        tokio::spawn(accept_loop(listener, web, ctx.clone()));
    }
    tracing::info!(pid = std::process::id(), backend = %args.backend.display(), "front started");
    wait_until_done(args.parent_pid, ctx).await;
    Ok(())
}

/// Binds, waiting a few seconds while the address is in use: a front left over from a
/// mushd that crashed closes its listeners within a second or two.
async fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpListener::bind(addr).await {
            Err(e) if e.kind() == io::ErrorKind::AddrInUse && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

/// A line on stdout for scripts and tests; a closed stdout is no reason to fail.
fn announce(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Returns on SIGTERM or SIGINT, or once the parent mushd is gone; reloads on SIGHUP.
async fn wait_until_done(parent: Option<u32>, ctx: Arc<Ctx>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("front: cannot install signal handlers");
        return;
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = term.recv() => { tracing::info!("front: SIGTERM; closing"); return; }
            _ = int.recv() => { tracing::info!("front: SIGINT; closing"); return; }
            _ = hup.recv() => match &ctx.certs {
                Some(certs) => match certs.reload() {
                    Ok(()) => tracing::info!("front: certificate reloaded"),
                    Err(e) => tracing::error!("front: reload failed, keeping the old certificate: {e}"),
                },
                None => tracing::info!("front: SIGHUP; no certificate to reload"),
            },
            _ = tick.tick() => {
                // SAFETY: getppid cannot fail.
                let ppid = unsafe { libc::getppid() } as u32;
                if parent.is_some_and(|p| p != ppid) {
                    tracing::info!("front: mushd is gone; closing");
                    return;
                }
            }
        }
    }
}

async fn accept_loop(listener: TcpListener, web: bool, ctx: Arc<Ctx>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                // Out of descriptors and similar: wait rather than spin.
                tracing::warn!("front: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = ctx.slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "front: connection limit reached; closing");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let peer = SocketAddr::new(peer.ip().to_canonical(), peer.port());
        let ctx = ctx.clone();
        if web {
            tokio::spawn(super::web::serve(stream, peer, ctx, permit));
        } else {
            tokio::spawn(tls_client(stream, peer, ctx, permit));
        }
    }
}

/// Telnet inside TLS: handshake, then the decrypted bytes unchanged both ways.
async fn tls_client(
    stream: TcpStream,
    peer: SocketAddr,
    ctx: Arc<Ctx>,
    _permit: OwnedSemaphorePermit,
) {
    let Some(certs) = &ctx.certs else { return };
    let mut tls =
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, certs.acceptor().accept(stream)).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                tracing::debug!(%peer, "front: TLS handshake failed: {e}");
                return;
            }
            Err(_) => {
                tracing::debug!(%peer, "front: TLS handshake timed out");
                return;
            }
        };
    let backend = match ctx.connect_backend(Kind::Tls, peer).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(%peer, "front: mushd unreachable: {e}");
            let _ = tls.write_all(format!("{RESTARTING}\r\n").as_bytes()).await;
            let _ = tokio::time::timeout(Duration::from_secs(2), tls.shutdown()).await;
            return;
        }
    };
    pump_bytes(tls, backend).await;
}

/// Copies both ways until either side closes, then closes the other.
async fn pump_bytes<S: AsyncRead + AsyncWrite>(client: S, backend: UnixStream) {
    let (mut client_r, mut client_w) = tokio::io::split(client);
    let (mut back_r, mut back_w) = backend.into_split();
    tokio::select! {
        _ = tokio::io::copy(&mut client_r, &mut back_w) => {}
        _ = tokio::io::copy(&mut back_r, &mut client_w) => {
            let _ = tokio::time::timeout(Duration::from_secs(2), client_w.shutdown()).await;
        }
    }
}

impl Ctx {
    /// Connects to mushd and writes the preamble; retries while mushd's socket is missing
    /// or refusing (a reboot in progress), for up to ten seconds.
    pub(super) async fn connect_backend(
        &self,
        kind: Kind,
        peer: SocketAddr,
    ) -> io::Result<UnixStream> {
        let deadline = Instant::now() + BACKEND_RETRY;
        let mut delay = Duration::from_millis(50);
        loop {
            match UnixStream::connect(&self.backend).await {
                Ok(mut s) => {
                    s.write_all(preamble(kind, peer).as_bytes()).await?;
                    return Ok(s);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::NotFound
                            | io::ErrorKind::ConnectionRefused
                            | io::ErrorKind::WouldBlock
                    ) && Instant::now() + delay < deadline =>
                {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(1));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// `MUSHD-FRONT 1 <kind> <ip>:<port>\n`; IPv6 peers print as `[addr]:port`.
pub(super) fn preamble(kind: Kind, peer: SocketAddr) -> String {
    format!("MUSHD-FRONT 1 {} {peer}\n", kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preamble_names_kind_and_peer() {
        let v4: SocketAddr = "10.1.2.3:5555".parse().unwrap();
        let v6: SocketAddr = "[2001:db8::1]:40000".parse().unwrap();
        assert_eq!(preamble(Kind::Tls, v4), "MUSHD-FRONT 1 tls 10.1.2.3:5555\n");
        assert_eq!(
            preamble(Kind::Wss, v6),
            "MUSHD-FRONT 1 wss [2001:db8::1]:40000\n"
        );
        assert_eq!(preamble(Kind::Ws, v4), "MUSHD-FRONT 1 ws 10.1.2.3:5555\n");
    }
}
