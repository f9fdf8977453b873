//! The per-connection task: negotiates telnet, assembles lines, runs the login screen,
//! hands commands to the game, and keeps its row of the session table current.
//! A second small task writes queued output, so a client that stops reading never
//! holds up the reading side or anyone else.

mod login_screen;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::{FutureExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_util::codec::FramedRead;
use tracing::{debug, error, warn};

use super::outbound::{CloseReason, OutItem, Outbound};
use super::record::Part;
use super::table::{now_millis, Handle, Session};
use crate::game::{Departed, DisconnectKind, Flow, GameMsg};
use crate::reboot::ParkedSession;
use crate::server::ServerContext;
use crate::store::write_behind::Op;
use crate::store::HistoryRecord;
use crate::store::Key;
use crate::telnet::codec::encode_frame;
use crate::telnet::mud::{mssp_frame, Charset, Negotiator, NegotiatorState};
use crate::telnet::{TelnetCodec, TelnetEvent, TelnetFrame};
use crate::world::Dbref;

const CANNOT_LOG_IN: &str = "The game cannot log you in right now. Please try again in a moment.";
const BAD_LOGIN: &str = "Either that player does not exist, or has a different password.";

/// How long the writer gets to deliver final output before the socket is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(3);

/// Where the connection is.
enum Stage {
    Login,
    Playing,
}

struct Conn {
    ctx: Arc<ServerContext>,
    handle: Handle,
    peer: SocketAddr,
    out: Arc<Outbound>,
    neg: Negotiator,
    stage: Stage,
    /// The bound player and when they logged in (Unix milliseconds), for the history.
    login: Option<(Dbref, u64)>,
}

/// How long a parked writer keeps writing queued output before handing its socket
/// over anyway (the rest travels in the handoff).
const PARK_WRITE_GRACE: Duration = Duration::from_millis(300);

/// What a connection restored after a hot reboot brings along.
pub struct Restored {
    pub negotiator: NegotiatorState,
    pub player: Option<Dbref>,
    pub logged_in_at_ms: Option<u64>,
    pub pending_input: Vec<u8>,
    pub pending_output: Vec<u8>,
}

/// Runs one new connection to its end.
pub async fn run(ctx: Arc<ServerContext>, stream: TcpStream, peer: SocketAddr, handle: Handle) {
    let _ = stream.set_nodelay(true);
    let sndbuf = ctx.config.limits.socket_send_buffer_bytes;
    if sndbuf > 0 {
        let _ = socket2::SockRef::from(&stream).set_send_buffer_size(sndbuf);
    }
    let out = Arc::new(Outbound::new(ctx.config.limits.output_queue_bytes));
    ctx.table.insert(Session::new(handle, peer, out.clone()));
    ctx.save_session(handle, &Part::ALL);
    debug!("connected");
    let mut conn = Conn {
        ctx: ctx.clone(),
        handle,
        peer,
        out: out.clone(),
        neg: Negotiator::new(),
        stage: Stage::Login,
        login: None,
    };
    for frame in conn.neg.offers() {
        out.push(OutItem::Frame(frame));
    }
    conn.send_text(&ctx.texts.connect);
    drive(conn, stream, Vec::new()).await;
}

/// Carries on a connection inherited from the process before a hot reboot; its row is
/// already in the session table.
pub async fn resume(
    ctx: Arc<ServerContext>,
    stream: TcpStream,
    peer: SocketAddr,
    handle: Handle,
    restored: Restored,
) {
    let Some(out) = ctx.table.with(handle, |s| s.outbound.clone()) else {
        return;
    };
    out.set_charset(restored.negotiator.info.charset);
    if !restored.pending_output.is_empty() {
        out.push(OutItem::Raw(Bytes::from(restored.pending_output)));
    }
    let conn = Conn {
        ctx: ctx.clone(),
        handle,
        peer,
        out,
        neg: Negotiator::restore(&restored.negotiator),
        stage: if restored.player.is_some() {
            Stage::Playing
        } else {
            Stage::Login
        },
        login: restored
            .player
            .map(|p| (p, restored.logged_in_at_ms.unwrap_or_else(now_millis))),
    };
    drive(conn, stream, restored.pending_input).await;
}

/// Reads and writes until the connection ends, or until a reboot takes its socket.
async fn drive(mut conn: Conn, mut stream: TcpStream, mut pending_input: Vec<u8>) {
    let ctx = conn.ctx.clone();
    // The handle can change while the connection runs: a login that reattaches a
    // link-dead session takes that session's handle. Read `conn.handle` afresh.
    let (peer, out) = (conn.peer, conn.out.clone());
    let how = loop {
        let (read_half, write_half) = stream.into_split();
        let writer = tokio::spawn(write_loop(write_half, out.clone()));
        let codec = TelnetCodec::new(
            ctx.config.limits.max_line_bytes,
            ctx.config.telnet.max_subnegotiation_bytes,
        );
        let mut reader = FramedRead::with_capacity(read_half, codec, 256);
        reader.read_buffer_mut().extend_from_slice(&pending_input);
        match conn.read_loop(&mut reader).await {
            ReadEnd::Closed(how) => break Some((how, writer)),
            ReadEnd::Park => {
                out.park();
                let write_half = match writer.await {
                    Ok(WriterEnd::Parked(w, rest)) => Some((w, rest)),
                    _ => None,
                };
                let Some((write_half, pending_output)) = write_half else {
                    // The socket failed while parking: an ordinary drop.
                    break None;
                };
                let parts = reader.into_parts();
                let mut codec = parts.codec;
                let mut input = codec.take_partial_line();
                input.extend_from_slice(&parts.read_buf);
                let Ok(s) = parts.io.reunite(write_half) else {
                    break None;
                };
                let (reply, resumed) = oneshot::channel();
                let parked = ParkedSession {
                    handle: conn.handle,
                    stream: s,
                    pending_input: input,
                    pending_output,
                    negotiator: conn.neg.snapshot(),
                    reply,
                };
                if ctx
                    .game
                    .send(GameMsg::Parked(Box::new(parked)))
                    .await
                    .is_err()
                {
                    return;
                }
                match resumed.await {
                    Ok(r) => {
                        // The reboot was cancelled: carry on where we were.
                        out.unpark();
                        if !r.pending_output.is_empty() {
                            out.push(OutItem::Raw(Bytes::from(r.pending_output)));
                        }
                        stream = r.stream;
                        pending_input = r.pending_input;
                    }
                    // The socket now belongs to the next process.
                    Err(_) => return,
                }
            }
        }
    };
    let (how, writer) = match how {
        Some((how, writer)) => (how, Some(writer)),
        None => (DisconnectKind::Drop, None),
    };
    let login = conn.login.take();
    let handle = conn.handle;

    // A logged-in session whose socket dropped may stay link-dead: the game decides
    // before this connection's queue is closed, and moves what the writer has not yet
    // taken into the session's kept output (what it took still goes to the socket,
    // which a half-closed client reads).
    let mut told = None;
    if how == DisconnectKind::Drop && login.is_some() {
        told = Some(ended(&ctx, handle, how).await);
    }

    // Let the writer deliver what is queued, but never wait on a client for long.
    out.close(match how {
        DisconnectKind::Boot => CloseReason::Boot,
        DisconnectKind::Shutdown => CloseReason::Shutdown,
        _ => CloseReason::Quit,
    });
    if let Some(mut writer) = writer {
        if tokio::time::timeout(CLOSE_GRACE, &mut writer)
            .await
            .is_err()
        {
            writer.abort();
        }
    }
    // The game announces the departure and removes the row.
    let departed = match told {
        Some(d) => d,
        None => ended(&ctx, handle, how).await,
    };
    if departed == Departed::LinkDead {
        debug!("link-dead");
        return;
    }
    if let Err(e) = ctx.wb.critical(vec![(Key::Conn(handle), Op::Delete)]).await {
        warn!(error = %e, "session record removal is queued, not yet written");
    }
    if let Some((player, since)) = login {
        write_history(&ctx, player, handle, since, peer, Some(how.as_str())).await;
    }
    debug!(?how, "disconnected");
}

/// Tells the game a connection ended and waits for what it made of it: gone, or kept
/// link-dead (then the record and the history are the game's to write).
async fn ended(ctx: &ServerContext, handle: Handle, how: DisconnectKind) -> Departed {
    let (tx, rx) = oneshot::channel();
    let msg = GameMsg::Disconnected {
        handle,
        how,
        done: tx,
    };
    if ctx.game.send(msg).await.is_ok() {
        rx.await.unwrap_or(Departed::Gone)
    } else {
        ctx.table.remove(handle);
        Departed::Gone
    }
}

/// Why the read loop stopped.
enum ReadEnd {
    Closed(DisconnectKind),
    /// A hot reboot asked for the socket.
    Park,
}

/// Appends to the player's session history in the store, waiting for it (bounded).
async fn write_history(
    ctx: &ServerContext,
    player: Dbref,
    handle: Handle,
    login_ms: u64,
    peer: SocketAddr,
    how: Option<&str>,
) {
    let record = HistoryRecord {
        handle,
        login_ms,
        connected_at: login_ms / 1000,
        disconnected_at: how.map(|_| now_millis() / 1000),
        host: peer.ip().to_string(),
        how: how.map(str::to_string),
    };
    let timeout = Duration::from_millis(ctx.config.store.critical_write_timeout_ms);
    match tokio::time::timeout(timeout, ctx.store.append_history(player, record)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => warn!(error = %e, %player, "session history not written"),
        Err(_) => warn!(%player, "session history not written: the store did not answer in time"),
    }
}

/// Runs a connection's task; should it panic (it should not), closes the connection
/// as a drop would: the game announces it and removes the row, the writer shuts the
/// socket, the store record goes, and the caller's limits are released on return.
pub async fn supervise(
    ctx: Arc<ServerContext>,
    handle: Handle,
    task: impl std::future::Future<Output = ()>,
) {
    let Err(panic) = std::panic::AssertUnwindSafe(task).catch_unwind().await else {
        return;
    };
    ctx.counters
        .connection_panics
        .fetch_add(1, Ordering::Relaxed);
    error!(
        handle,
        panic = panic_text(panic.as_ref()),
        "a connection task panicked; closing the connection"
    );
    if let Some(out) = ctx.table.with(handle, |s| s.outbound.clone()) {
        out.close(CloseReason::Dropped);
    }
    if ended(&ctx, handle, DisconnectKind::Drop).await == Departed::LinkDead {
        return;
    }
    if let Err(e) = ctx.wb.critical(vec![(Key::Conn(handle), Op::Delete)]).await {
        warn!(error = %e, "session record removal is queued, not yet written");
    }
}

/// A panic's message, for the log.
pub fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// Drops control characters other than tab from a player's line, so nobody can send
/// escape sequences or bells to other players' terminals (PennMUSH does the same).
fn strip_controls(line: String) -> String {
    if !line.chars().any(|c| c.is_control() && c != '\t') {
        return line;
    }
    line.chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .collect()
}

impl Conn {
    fn send_text(&self, text: &str) {
        let mut t = text.to_string();
        if !t.ends_with('\n') {
            t.push('\n');
        }
        self.out.push_text(Bytes::from(t));
    }

    async fn read_loop(
        &mut self,
        reader: &mut FramedRead<tokio::net::tcp::OwnedReadHalf, TelnetCodec>,
    ) -> ReadEnd {
        let freeze = self.ctx.reboot.freeze_token();
        let login_timeout = Duration::from_secs(self.ctx.config.limits.login_timeout_secs.max(1));
        let mut login_deadline = tokio::time::Instant::now() + login_timeout;
        let keepalive_secs = self.ctx.config.telnet.keepalive_secs;
        let mut keepalive = tokio::time::interval(Duration::from_secs(keepalive_secs.max(1)));
        keepalive.tick().await;
        loop {
            let logged_in = matches!(self.stage, Stage::Playing);
            let event = tokio::select! {
                biased;
                _ = self.out.closing() => {
                    return ReadEnd::Closed(match self.out.close_reason() {
                        Some(CloseReason::Boot) => DisconnectKind::Boot,
                        Some(CloseReason::Shutdown) => DisconnectKind::Shutdown,
                        Some(CloseReason::LoginTimeout) => DisconnectKind::Timeout,
                        Some(CloseReason::Dropped) => DisconnectKind::Drop,
                        _ => DisconnectKind::Quit,
                    });
                }
                _ = freeze.cancelled() => return ReadEnd::Park,
                ev = reader.next() => ev,
                _ = tokio::time::sleep_until(login_deadline), if !logged_in => {
                    self.send_text(&format!(
                        "You stayed on the login screen for more than {} seconds. Goodbye.",
                        login_timeout.as_secs()
                    ));
                    self.out.close(CloseReason::LoginTimeout);
                    return ReadEnd::Closed(DisconnectKind::Timeout);
                }
                _ = keepalive.tick(), if keepalive_secs > 0 => {
                    self.out.push(OutItem::Frame(TelnetFrame::Command(crate::telnet::cmd::NOP)));
                    continue;
                }
            };
            let event = match event {
                Some(Ok(ev)) => ev,
                Some(Err(e)) => {
                    debug!(error = %e, "read error");
                    return ReadEnd::Closed(DisconnectKind::Drop);
                }
                None => return ReadEnd::Closed(DisconnectKind::Drop),
            };
            match event {
                TelnetEvent::Line { bytes, truncated } => {
                    let line = strip_controls(self.neg.info.charset.decode(&bytes));
                    if truncated {
                        self.send_text(&format!(
                            "Your line was too long and was cut to {} bytes.",
                            self.ctx.config.limits.max_line_bytes
                        ));
                    }
                    self.ctx
                        .table
                        .update(self.handle, |s| s.bytes_in += bytes.len() as u64 + 2);
                    let flow = match self.stage {
                        // Boxed: the login path is large and rare, and an idle
                        // connection should not carry its state inline.
                        Stage::Login => Box::pin(self.login_line(&line)).await,
                        Stage::Playing => self.command_line(line).await,
                    };
                    match flow {
                        Flow::Continue => {}
                        Flow::Logout => {
                            self.stage = Stage::Login;
                            if let Some((player, since)) = self.login.take() {
                                write_history(
                                    &self.ctx,
                                    player,
                                    self.handle,
                                    since,
                                    self.peer,
                                    Some("quit"),
                                )
                                .await;
                            }
                            login_deadline = tokio::time::Instant::now() + login_timeout;
                            self.unbind_record().await;
                            self.send_text(&self.ctx.texts.connect.clone());
                        }
                        Flow::Quit => return ReadEnd::Closed(DisconnectKind::Quit),
                    }
                }
                TelnetEvent::SubnegotiationOverflow(opt) => {
                    debug!(opt, "discarded an over-long subnegotiation");
                }
                other => self.negotiation(&other),
            }
        }
    }

    fn negotiation(&mut self, event: &TelnetEvent) {
        let outcome = self.neg.handle(event);
        for frame in outcome.frames {
            self.out.push(OutItem::Frame(frame));
        }
        if outcome.send_mssp {
            self.out
                .push(OutItem::Frame(mssp_frame(&self.ctx.mssp_vars())));
        }
        if outcome.terminal_changed {
            let info = self.neg.info.clone();
            self.out.set_charset(info.charset);
            self.ctx.table.update(self.handle, |s| s.terminal = info);
            self.ctx.save_session(self.handle, &[Part::Terminal]);
        }
    }

    /// Runs a connected player's command in the game and waits until it has run.
    async fn command_line(&mut self, line: String) -> Flow {
        let is_idle = line.trim().eq_ignore_ascii_case("idle");
        let now = now_millis();
        self.ctx.table.update(self.handle, |s| {
            if !is_idle {
                s.last_seen_ms = now;
            }
            s.cmds += 1;
        });
        self.ctx.save_session(self.handle, &[Part::Activity]);
        self.ctx.counters.commands.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let msg = GameMsg::Command {
            handle: self.handle,
            line,
            done: tx,
        };
        if self.ctx.game.send(msg).await.is_err() {
            return Flow::Quit;
        }
        rx.await.unwrap_or(Flow::Quit)
    }
}

/// How the writer stopped.
enum WriterEnd {
    Closed,
    /// A reboot took the socket; the bytes are output not yet written.
    Parked(OwnedWriteHalf, Vec<u8>),
}

/// Encodes whatever is still queued for a connection (output the game produced after
/// its writer parked), so a reboot hands it over instead of losing it.
pub fn encode_queued(out: &Outbound) -> Vec<u8> {
    let drained = out.drain();
    let mut buf = BytesMut::new();
    encode_items(&mut buf, drained.items, drained.flushed, out.charset());
    buf.to_vec()
}

/// Encodes queued items for the wire.
fn encode_items(buf: &mut BytesMut, items: Vec<OutItem>, flushed: bool, charset: Charset) {
    if flushed {
        buf.extend_from_slice(b"*** FLUSHED ***\r\n");
    }
    for item in items {
        let frame = match item {
            OutItem::Text(text) => {
                let encoded = if text.is_ascii() {
                    text
                } else {
                    charset.encode(&String::from_utf8_lossy(&text))
                };
                TelnetFrame::Text(encoded)
            }
            OutItem::Frame(f) => f,
            OutItem::Raw(bytes) => {
                buf.extend_from_slice(&bytes);
                continue;
            }
        };
        encode_frame(&frame, buf);
    }
}

/// Drains the outbound queue to the socket until a close is asked for, writing fails,
/// or a reboot parks the connection. Writes are cancel-safe single `write` calls, so a
/// park knows exactly what was not yet written.
async fn write_loop(mut socket: OwnedWriteHalf, out: Arc<Outbound>) -> WriterEnd {
    let mut buf = BytesMut::new();
    let mut closing = false;
    let parking = out.parking();
    let mut park_deadline: Option<tokio::time::Instant> = None;
    loop {
        if buf.is_empty() {
            if closing {
                let _ = socket.shutdown().await;
                out.close(CloseReason::Dropped);
                return WriterEnd::Closed;
            }
            let drained = out.drain();
            closing = drained.close.is_some();
            encode_items(&mut buf, drained.items, drained.flushed, out.charset());
            if buf.is_empty() && !closing {
                if parking.is_cancelled() {
                    return WriterEnd::Parked(socket, Vec::new());
                }
                if !out.has_pending() {
                    tokio::select! {
                        _ = out.wait() => {}
                        _ = parking.cancelled() => {}
                    }
                }
            }
            continue;
        }
        if parking.is_cancelled() && park_deadline.is_none() {
            park_deadline = Some(tokio::time::Instant::now() + PARK_WRITE_GRACE);
        }
        let written = tokio::select! {
            r = socket.write(&buf) => r,
            _ = parking.cancelled(), if park_deadline.is_none() => continue,
            _ = tokio::time::sleep_until(park_deadline.unwrap_or_else(tokio::time::Instant::now)), if park_deadline.is_some() => {
                // Out of time: what is left travels with the socket.
                let drained = out.drain();
                encode_items(&mut buf, drained.items, drained.flushed, out.charset());
                return WriterEnd::Parked(socket, buf.to_vec());
            }
        };
        match written {
            Ok(0) | Err(_) => {
                out.close(CloseReason::Dropped);
                return WriterEnd::Closed;
            }
            Ok(n) => {
                out.bytes_out.fetch_add(n as u64, Ordering::Relaxed);
                let _ = buf.split_to(n);
                if buf.is_empty() {
                    // Free the buffer: an idle connection should hold no write buffer.
                    buf = BytesMut::new();
                }
            }
        }
    }
}
