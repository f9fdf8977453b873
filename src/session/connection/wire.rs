//! A connection's bytes: the socket, input not yet decoded and output not yet written.
//! Reading and writing are non-blocking calls made by the connection's one task when
//! the socket is ready, so an idle connection holds no buffers at all: input is read
//! into a stack chunk and output is encoded into a per-thread scratch buffer; only
//! what a slow client has not taken yet is kept on the heap.

use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::BytesMut;
use tokio_util::codec::Decoder;

use crate::session::outbound::{with_scratch, CloseReason, Outbound, Taken};
use crate::session::socket::Socket;
use crate::telnet::{TelnetCodec, TelnetEvent};

/// Bytes read from the socket in one call.
const READ_CHUNK: usize = 4096;
/// Queue drains in one flush before other branches get a look in.
const FLUSH_ROUNDS: usize = 8;

/// What a flush found.
pub(super) enum Flush {
    /// Everything queued is written.
    Idle,
    /// The client is not reading; the rest waits for the socket to become writable.
    Blocked,
    /// A close was asked for (what was queued before it is written or kept).
    Closing(CloseReason),
    /// The socket failed.
    Failed,
}

/// What one read found.
pub(super) enum Read {
    Data,
    /// Nothing yet (a spurious wake-up).
    Nothing,
    /// The client closed or the socket failed.
    Closed,
}

pub(super) struct Wire {
    /// The queue this socket drains. Declared before the socket, so it is dropped
    /// first: the queue stops writing to the socket before the socket closes.
    out: DirectGuard,
    pub socket: Socket,
    codec: TelnetCodec,
    input: BytesMut,
    /// Output a slow client has not yet taken.
    unwritten: BytesMut,
}

impl Wire {
    pub fn new(
        socket: Socket,
        out: Arc<Outbound>,
        codec: TelnetCodec,
        pending_input: Vec<u8>,
    ) -> Wire {
        Wire {
            out: DirectGuard(out),
            socket,
            codec,
            input: BytesMut::from(&pending_input[..]),
            unwritten: BytesMut::new(),
        }
    }

    /// Reads what the socket has (up to one chunk).
    pub fn read(&mut self) -> Read {
        let mut chunk = [0u8; READ_CHUNK];
        match self.socket.try_read(&mut chunk) {
            Ok(0) => Read::Closed,
            Ok(n) => {
                self.input
                    .extend_from_slice(chunk.get(..n).unwrap_or_default());
                Read::Data
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Read::Nothing,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Read::Nothing,
            Err(_) => Read::Closed,
        }
    }

    /// The next complete event in what has been read, if any.
    pub fn next_event(&mut self) -> io::Result<Option<TelnetEvent>> {
        if self.input.is_empty() {
            return Ok(None);
        }
        let event = self.codec.decode(&mut self.input)?;
        if self.input.is_empty() {
            // Give the allocation back: an idle connection holds no input buffer.
            self.input = BytesMut::new();
            self.codec.release_idle_buffers();
        }
        Ok(event)
    }

    /// Whether input was read and not yet decoded.
    pub fn has_input(&self) -> bool {
        !self.input.is_empty()
    }

    pub fn has_unwritten(&self) -> bool {
        !self.unwritten.is_empty()
    }

    /// Writes what a slow client left and then what is queued, until the queue is
    /// empty or the socket would block.
    pub fn flush(&mut self) -> Flush {
        let out = Arc::clone(&self.out.0);
        let fd = self.fd();
        if !self.unwritten.is_empty() {
            // The queue must not write while this does (it would cross these bytes).
            out.stop_direct();
            match self.socket.try_write(&self.unwritten) {
                Ok(0) => return Flush::Failed,
                Ok(n) => {
                    out.bytes_out.fetch_add(n as u64, Ordering::Relaxed);
                    let _ = self.unwritten.split_to(n);
                    if !self.unwritten.is_empty() {
                        return self.blocked(&out);
                    }
                    self.unwritten = BytesMut::new();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return self.blocked(&out),
                Err(_) => return Flush::Failed,
            }
        }
        for _ in 0..FLUSH_ROUNDS {
            let done = with_scratch(|buf| {
                // Idle: the queue may write by itself until the next flush.
                let Taken::Output(close) = out.take_or_idle(buf, fd) else {
                    return Some(Flush::Idle);
                };
                if buf.is_empty() {
                    return close.map(Flush::Closing);
                }
                match self.socket.try_write(buf) {
                    Ok(n) => {
                        out.bytes_out.fetch_add(n as u64, Ordering::Relaxed);
                        if let Some(rest) = buf.get(n..).filter(|r| !r.is_empty()) {
                            self.unwritten.extend_from_slice(rest);
                        }
                        close.map(Flush::Closing)
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.unwritten.extend_from_slice(buf);
                        close.map(Flush::Closing)
                    }
                    Err(_) => Some(Flush::Failed),
                }
            });
            if let Some(outcome) = done {
                return outcome;
            }
            if !self.unwritten.is_empty() {
                return self.blocked(&out);
            }
        }
        Flush::Idle
    }

    fn blocked(&self, out: &Outbound) -> Flush {
        match out.close_reason() {
            Some(reason) => Flush::Closing(reason),
            None => Flush::Blocked,
        }
    }

    /// Writes everything left (bounded by the caller's timeout) and ends our side.
    pub async fn write_out(&mut self) {
        loop {
            match self.flush() {
                Flush::Failed => return,
                Flush::Idle | Flush::Closing(_) if self.unwritten.is_empty() => break,
                _ => {
                    if self.socket.writable().await.is_err() {
                        return;
                    }
                }
            }
        }
        self.socket.shutdown_write();
    }

    /// Output encoded but not written, and anything still queued, for a handover.
    pub fn take_unwritten(&mut self) -> Vec<u8> {
        self.out.0.stop_direct();
        let mut buf = std::mem::take(&mut self.unwritten);
        self.out.0.drain_into(&mut buf);
        buf.to_vec()
    }

    /// Input read but not yet run (with the partly typed line first), as wire bytes.
    pub fn take_input(&mut self) -> Vec<u8> {
        let mut input = self.codec.take_partial_line();
        input.extend_from_slice(&self.input);
        self.input = BytesMut::new();
        input
    }

    fn fd(&self) -> RawFd {
        self.socket.raw_fd()
    }

    pub fn into_socket(self) -> Socket {
        let Wire { out, socket, .. } = self;
        drop(out);
        socket
    }
}

/// While the connection task is idle, its queue may write to the socket directly
/// (`Outbound::take_or_idle`); dropping this ends that, before the socket goes.
struct DirectGuard(Arc<Outbound>);

impl Drop for DirectGuard {
    fn drop(&mut self) {
        self.0.stop_direct();
    }
}
