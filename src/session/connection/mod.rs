//! The per-connection task: negotiates telnet, assembles lines, runs the login screen,
//! hands commands to the game, writes queued output and keeps its row of the session
//! table current. One task does all of it, sleeping on the socket's readiness and the
//! outbound queue, so an idle connection is one small future; a client that stops
//! reading only fills its own bounded queue.

mod login_screen;
mod wire;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use bytes::{Bytes, BytesMut};
use futures_util::FutureExt;
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, error, warn};

use self::wire::{Flush, Read, Wire};
use super::socket::{Socket, Transport};

use super::outbound::{CloseReason, OutItem, Outbound};
use super::record::Part;
use super::table::{now_millis, Handle, Session};
use crate::game::{Departed, DisconnectKind, Flow, GameMsg};
use crate::reboot::ParkedSession;
use crate::server::ServerContext;
use crate::store::write_behind::Op;
use crate::store::HistoryRecord;
use crate::store::Key;
use crate::telnet::mud::{mssp_frame, Charset, Negotiator, NegotiatorState};
use crate::telnet::{TelnetCodec, TelnetEvent, TelnetFrame};
use crate::world::Dbref;

const CANNOT_LOG_IN: &str = "The game cannot log you in right now. Please try again in a moment.";
const BAD_LOGIN: &str = "Either that player does not exist, or has a different password.";

/// How long a closing connection may take to deliver its final output.
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
    transport: Transport,
    out: Arc<Outbound>,
    neg: Negotiator,
    stage: Stage,
    /// The bound player and when they logged in (Unix milliseconds), for the history.
    login: Option<(Dbref, u64)>,
}

/// How long a parking connection keeps writing queued output before handing its
/// socket over anyway (the rest travels in the handoff).
const PARK_WRITE_GRACE: Duration = Duration::from_millis(300);

/// What a connection restored after a hot reboot brings along.
pub struct Restored {
    pub negotiator: NegotiatorState,
    pub player: Option<Dbref>,
    pub logged_in_at_ms: Option<u64>,
    pub pending_input: Vec<u8>,
    pub pending_output: Vec<u8>,
}

/// Runs one new connection to its end. (Set-up is plain code and the state is boxed,
/// so the task's future carries nothing twice: an idle connection should be small.)
pub fn run(
    ctx: Arc<ServerContext>,
    socket: Socket,
    peer: SocketAddr,
    handle: Handle,
    transport: Transport,
) -> impl std::future::Future<Output = ()> {
    socket.tune(ctx.config.limits.socket_send_buffer_bytes);
    let out = Arc::new(Outbound::new(ctx.config.limits.output_queue_bytes));
    let mut row = Session::new(handle, peer, out.clone());
    row.transport = transport;
    let mut neg = Negotiator::new();
    if !transport.telnet() {
        // A WebSocket client gets UTF-8 lines and no negotiation.
        neg.info.charset = Charset::Utf8;
        neg.info.charset_negotiated = true;
        out.set_charset(Charset::Utf8);
        row.terminal = neg.info.clone();
    }
    ctx.table.insert(row);
    ctx.save_session(handle, &Part::ALL);
    debug!("connected");
    let mut conn = Conn {
        ctx: ctx.clone(),
        handle,
        peer,
        transport,
        out: out.clone(),
        neg,
        stage: Stage::Login,
        login: None,
    };
    if transport.telnet() {
        for frame in conn.neg.offers() {
            out.push(OutItem::Frame(frame));
        }
    }
    conn.send_text(&ctx.texts.connect);
    let wire = Box::new(Wire::new(
        socket,
        conn.out.clone(),
        conn.codec(),
        Vec::new(),
    ));
    drive(Box::new(conn), wire)
}

/// Carries on a connection inherited from the process before a hot reboot; its row is
/// already in the session table.
pub fn resume(
    ctx: Arc<ServerContext>,
    socket: Socket,
    peer: SocketAddr,
    handle: Handle,
    restored: Restored,
) -> impl std::future::Future<Output = ()> {
    let row = ctx
        .table
        .with(handle, |s| (s.outbound.clone(), s.transport));
    let task =
        row.map(|(out, transport)| resumed(ctx, socket, peer, handle, restored, out, transport));
    async move {
        if let Some(task) = task {
            task.await;
        }
    }
}

fn resumed(
    ctx: Arc<ServerContext>,
    socket: Socket,
    peer: SocketAddr,
    handle: Handle,
    restored: Restored,
    out: Arc<Outbound>,
    transport: Transport,
) -> impl std::future::Future<Output = ()> {
    out.set_charset(restored.negotiator.info.charset);
    if !restored.pending_output.is_empty() {
        out.push(OutItem::Raw(Bytes::from(restored.pending_output)));
    }
    let conn = Conn {
        ctx: ctx.clone(),
        handle,
        peer,
        transport,
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
    let wire = Box::new(Wire::new(
        socket,
        conn.out.clone(),
        conn.codec(),
        restored.pending_input,
    ));
    drive(Box::new(conn), wire)
}

/// Reads, runs and writes until the connection ends, or until a reboot takes its socket.
async fn drive(mut conn: Box<Conn>, mut wire: Box<Wire>) {
    let how = loop {
        match conn.serve(&mut wire).await {
            End::Closed(how) => break how,
            // Boxed: rare, and its state should not weigh on every idle connection.
            End::Park => match Box::pin(conn.park(wire)).await {
                Parked::Resumed(w) => wire = w,
                Parked::HandedOver => return,
                Parked::Failed => {
                    Box::pin(conn.finish(None, DisconnectKind::Drop)).await;
                    return;
                }
            },
        }
    };
    Box::pin(conn.finish(Some(wire), how)).await;
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

/// Why the serving loop stopped.
enum End {
    Closed(DisconnectKind),
    /// A hot reboot asked for the socket.
    Park,
}

/// How a park ended.
enum Parked {
    /// The reboot was cancelled: carry on.
    Resumed(Box<Wire>),
    /// The socket now belongs to the next process.
    HandedOver,
    /// The socket failed on the way.
    Failed,
}

/// What running the input read so far led to.
enum Input {
    /// Everything read has run.
    Done,
    /// A command is with the game; the rest of the input waits for its answer.
    Waiting(oneshot::Receiver<Flow>),
    Closed(DisconnectKind),
}

/// Why a sleeping connection woke.
enum Woke {
    /// The game answered the command in flight.
    Reply(Flow),
    Readable,
    Writable,
    /// Output was queued, a close was asked for, or a reboot is freezing.
    Queue,
    Failed,
    LoginTimeout,
    Keepalive,
}

/// Polls everything a connection sleeps on, in priority order. Written as one poll
/// function rather than a `select!` of futures, so a sleeping connection stores no
/// per-branch future state: its task stays a few hundred bytes.
fn wait_for(
    cx: &mut std::task::Context<'_>,
    out: &Outbound,
    wire: &Wire,
    waiting: &mut Option<oneshot::Receiver<Flow>>,
    login_timer: &mut Option<Pin<Box<tokio::time::Sleep>>>,
    keepalive: &mut Option<Pin<Box<tokio::time::Interval>>>,
) -> Poll<Woke> {
    if let Some(rx) = waiting.as_mut() {
        if let Poll::Ready(flow) = Pin::new(rx).poll(cx) {
            return Poll::Ready(Woke::Reply(flow.unwrap_or(Flow::Quit)));
        }
    } else {
        // One command at a time: input waits while the game runs one.
        match wire.socket.poll_read_ready(cx) {
            Poll::Ready(Ok(())) => return Poll::Ready(Woke::Readable),
            Poll::Ready(Err(_)) => return Poll::Ready(Woke::Failed),
            Poll::Pending => {}
        }
    }
    if wire.has_unwritten() {
        match wire.socket.poll_write_ready(cx) {
            Poll::Ready(Ok(())) => return Poll::Ready(Woke::Writable),
            Poll::Ready(Err(_)) => return Poll::Ready(Woke::Failed),
            Poll::Pending => {}
        }
    }
    if out.poll_woken(cx).is_ready() {
        return Poll::Ready(Woke::Queue);
    }
    if let Some(timer) = login_timer.as_mut() {
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Woke::LoginTimeout);
        }
    }
    if let Some(tick) = keepalive.as_mut() {
        if tick.poll_tick(cx).is_ready() {
            return Poll::Ready(Woke::Keepalive);
        }
    }
    Poll::Pending
}

fn close_kind(reason: CloseReason) -> DisconnectKind {
    match reason {
        CloseReason::Boot => DisconnectKind::Boot,
        CloseReason::Shutdown => DisconnectKind::Shutdown,
        CloseReason::LoginTimeout => DisconnectKind::Timeout,
        CloseReason::Dropped => DisconnectKind::Drop,
        CloseReason::Quit => DisconnectKind::Quit,
    }
}

/// Appends to the player's session history in the store, waiting for it (bounded);
/// `how` is None for a login still open.
pub(crate) async fn write_history(
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
/// Build it around `run`/`resume` (which make the row first), as the server does.
pub fn supervise(
    ctx: Arc<ServerContext>,
    handle: Handle,
    task: impl std::future::Future<Output = ()>,
) -> impl std::future::Future<Output = ()> {
    // The queue tells which row the task held at the end (a reattach changes it).
    let out = ctx.table.with(handle, |s| s.outbound.clone());
    // Combinators rather than an async block, which would hold the task twice (once
    // as the captured value, once as the awaited one): idle connections are many.
    std::panic::AssertUnwindSafe(task)
        .catch_unwind()
        .then(move |result| {
            let cleanup = result.err().map(|panic| {
                let handle = out.map_or(handle, |o| o.session());
                Box::pin(after_panic(ctx, handle, panic))
            });
            futures_util::future::OptionFuture::from(cleanup).map(|_| ())
        })
}

async fn after_panic(
    ctx: Arc<ServerContext>,
    handle: Handle,
    panic: Box<dyn std::any::Any + Send>,
) {
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

    fn codec(&self) -> TelnetCodec {
        TelnetCodec::new(
            self.ctx.config.limits.max_line_bytes,
            self.ctx.config.telnet.max_subnegotiation_bytes,
        )
    }

    /// The connection's one loop: runs what was read (one command at a time), writes
    /// what is queued, and sleeps until the socket or the queue has something.
    async fn serve(&mut self, wire: &mut Wire) -> End {
        let login_timeout = Duration::from_secs(self.ctx.config.limits.login_timeout_secs.max(1));
        let keepalive_secs = self.ctx.config.telnet.keepalive_secs;
        // Timers exist only while needed (boxed: an idle player carries neither).
        let mut keepalive = (keepalive_secs > 0 && self.transport.telnet()).then(|| {
            let period = Duration::from_secs(keepalive_secs);
            Box::pin(tokio::time::interval_at(
                tokio::time::Instant::now() + period,
                period,
            ))
        });
        let mut login_timer: Option<Pin<Box<tokio::time::Sleep>>> = None;
        let mut waiting: Option<oneshot::Receiver<Flow>> = None;
        loop {
            if waiting.is_none() {
                // A reboot takes the socket between commands, never during one.
                if self.ctx.reboot.is_frozen() {
                    return End::Park;
                }
                // Boxed, and only when there is input: the sleeping task stays small.
                let input = if wire.has_input() {
                    Box::pin(self.run_input(wire)).await
                } else {
                    Input::Done
                };
                match input {
                    Input::Done => {}
                    Input::Waiting(rx) => waiting = Some(rx),
                    Input::Closed(how) => return End::Closed(how),
                }
            }
            match wire.flush() {
                Flush::Idle | Flush::Blocked => {}
                Flush::Closing(reason) => return End::Closed(close_kind(reason)),
                Flush::Failed => return End::Closed(DisconnectKind::Drop),
            }
            match self.stage {
                Stage::Playing => login_timer = None,
                Stage::Login if login_timer.is_none() => {
                    login_timer = Some(Box::pin(tokio::time::sleep(login_timeout)));
                }
                Stage::Login => {}
            }
            let woke = std::future::poll_fn(|cx| {
                wait_for(
                    cx,
                    &self.out,
                    wire,
                    &mut waiting,
                    &mut login_timer,
                    &mut keepalive,
                )
            })
            .await;
            match woke {
                Woke::Reply(flow) => {
                    waiting = None;
                    match flow {
                        Flow::Continue => {}
                        Flow::Quit => return End::Closed(DisconnectKind::Quit),
                        Flow::Logout => {
                            login_timer = None;
                            Box::pin(self.logged_out()).await;
                        }
                    }
                }
                Woke::Readable => {
                    if let Read::Closed = wire.read() {
                        return End::Closed(DisconnectKind::Drop);
                    }
                }
                Woke::Writable | Woke::Queue => {}
                Woke::Failed => return End::Closed(DisconnectKind::Drop),
                Woke::LoginTimeout => {
                    self.send_text(&format!(
                        "You stayed on the login screen for more than {} seconds. Goodbye.",
                        login_timeout.as_secs()
                    ));
                    self.out.close(CloseReason::LoginTimeout);
                    return End::Closed(DisconnectKind::Timeout);
                }
                Woke::Keepalive => {
                    self.out.push(OutItem::Frame(TelnetFrame::Command(
                        crate::telnet::cmd::NOP,
                    )));
                }
            }
        }
    }

    /// Runs the events read so far: negotiation at once, login lines here, a command
    /// line handed to the game (the rest waits for its answer).
    async fn run_input(&mut self, wire: &mut Wire) -> Input {
        loop {
            let event = match wire.next_event() {
                Ok(Some(ev)) => ev,
                Ok(None) => return Input::Done,
                Err(e) => {
                    debug!(error = %e, "read error");
                    return Input::Closed(DisconnectKind::Drop);
                }
            };
            let (bytes, truncated) = match event {
                TelnetEvent::Line { bytes, truncated } => (bytes, truncated),
                TelnetEvent::SubnegotiationOverflow(opt) => {
                    debug!(opt, "discarded an over-long subnegotiation");
                    continue;
                }
                other => {
                    self.negotiation(&other);
                    continue;
                }
            };
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
            match self.stage {
                // Boxed: the login path is large and rare.
                Stage::Login => match Box::pin(self.login_line(&line)).await {
                    Flow::Continue => {}
                    Flow::Quit => return Input::Closed(DisconnectKind::Quit),
                    Flow::Logout => Box::pin(self.logged_out()).await,
                },
                Stage::Playing => {
                    return match self.command_line(line).await {
                        Some(rx) => Input::Waiting(rx),
                        None => Input::Closed(DisconnectKind::Quit),
                    }
                }
            }
        }
    }

    /// Back to the login screen after LOGOUT.
    async fn logged_out(&mut self) {
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
        self.unbind_record().await;
        self.send_text(&self.ctx.texts.connect.clone());
    }

    /// Hands the socket to the game for a hot reboot, after writing what is queued
    /// (briefly); carries on if the reboot is cancelled.
    async fn park(&mut self, mut wire: Box<Wire>) -> Parked {
        let deadline = tokio::time::Instant::now() + PARK_WRITE_GRACE;
        loop {
            match wire.flush() {
                Flush::Failed => return Parked::Failed,
                Flush::Idle => break,
                Flush::Blocked | Flush::Closing(_) => {}
            }
            if !wire.has_unwritten() {
                break;
            }
            tokio::select! {
                r = wire.socket.writable() => if r.is_err() { return Parked::Failed },
                // Out of time: what is left travels with the socket.
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        let pending_output = wire.take_unwritten();
        let pending_input = wire.take_input();
        let (reply, resumed) = oneshot::channel();
        let parked = ParkedSession {
            handle: self.handle,
            stream: wire.into_socket(),
            transport: self.transport,
            peer: self.peer,
            pending_input,
            pending_output,
            negotiator: self.neg.snapshot(),
            reply,
        };
        if self
            .ctx
            .game
            .send(GameMsg::Parked(Box::new(parked)))
            .await
            .is_err()
        {
            return Parked::HandedOver;
        }
        match resumed.await {
            Ok(r) => {
                if !r.pending_output.is_empty() {
                    self.out.push(OutItem::Raw(Bytes::from(r.pending_output)));
                }
                Parked::Resumed(Box::new(Wire::new(
                    r.stream,
                    self.out.clone(),
                    self.codec(),
                    r.pending_input,
                )))
            }
            Err(_) => Parked::HandedOver,
        }
    }

    /// Ends the connection: writes what is left (never waiting on a client for long),
    /// lets the game announce the departure, removes the record, writes the history.
    async fn finish(&mut self, wire: Option<Box<Wire>>, how: DisconnectKind) {
        let ctx = self.ctx.clone();
        // Read now: a login that reattached a link-dead session took its handle.
        let handle = self.handle;
        let login = self.login.take();
        // A logged-in session whose socket dropped may stay link-dead: the game decides
        // before the queue closes, and keeps what is still queued for the replay.
        // Otherwise the queue closes first, so nothing piles up for a socket that is
        // gone while the game works through a crowd of departures.
        let may_linger = ctx.config.game.linkdead_grace_secs > 0;
        let told = if how == DisconnectKind::Drop && login.is_some() && may_linger {
            Some(ended(&ctx, handle, how).await)
        } else {
            None
        };
        self.out.close(match how {
            DisconnectKind::Boot => CloseReason::Boot,
            DisconnectKind::Shutdown => CloseReason::Shutdown,
            DisconnectKind::Timeout => CloseReason::LoginTimeout,
            DisconnectKind::Drop => CloseReason::Dropped,
            _ => CloseReason::Quit,
        });
        if let Some(mut wire) = wire {
            // What was already encoded still goes out (a half-closed client reads it).
            let _ = tokio::time::timeout(CLOSE_GRACE, wire.write_out()).await;
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
            write_history(&ctx, player, handle, since, self.peer, Some(how.as_str())).await;
        }
        debug!(?how, "disconnected");
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

    /// Hands a connected player's command to the game; the receiver answers once it
    /// has run. None when the game has stopped.
    async fn command_line(&mut self, line: String) -> Option<oneshot::Receiver<Flow>> {
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
        match self.ctx.game.try_send(msg) {
            Ok(()) => Some(rx),
            Err(mpsc::error::TrySendError::Full(msg)) => {
                // The game is behind: wait for room (boxed, as this is the rare case).
                Box::pin(self.ctx.game.send(msg)).await.ok()?;
                Some(rx)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => None,
        }
    }
}

/// Encodes whatever is still queued for a connection (output the game produced after
/// its socket parked), so a reboot hands it over instead of losing it.
pub fn encode_queued(out: &Outbound) -> Vec<u8> {
    let mut buf = BytesMut::new();
    out.drain_into(&mut buf);
    buf.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The size of the future a function returns, without running it.
    fn future_size<A, B, F: Future>(_: impl Fn(A, B) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// Every idle connection is one of these futures (plus its boxed state): a change
    /// that makes it balloon (an inline `select!`, a future awaited in place of a box)
    /// should be a decision, not an accident. Generous for unoptimised builds.
    #[test]
    fn an_idle_connection_task_stays_small() {
        let task = future_size(|ctx: Arc<ServerContext>, state: (Box<Conn>, Box<Wire>)| {
            supervise(ctx, 1, drive(state.0, state.1))
        });
        assert!(task <= 640, "the connection task future is {task} bytes");
        assert!(std::mem::size_of::<Conn>() <= 384);
    }
}
