//! A connection's bounded outbound queue. The game pushes and never waits; when a client
//! stops reading, the oldest output is dropped and the client later sees `*** FLUSHED ***`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use std::os::fd::RawFd;

use bytes::{Bytes, BytesMut};
use std::sync::atomic::AtomicBool;
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;

use crate::telnet::mud::Charset;
use crate::telnet::TelnetFrame;

/// Encoded output above this size is not kept for the next write.
const SCRATCH_KEEP: usize = 64 * 1024;

thread_local! {
    /// Where output is encoded before a write: reused, so a delivery allocates nothing.
    static SCRATCH: std::cell::RefCell<BytesMut> = std::cell::RefCell::new(BytesMut::new());
}

/// Runs `f` with this thread's (cleared) scratch buffer.
pub fn with_scratch<R>(f: impl FnOnce(&mut BytesMut) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            let r = f(&mut buf);
            if buf.capacity() > SCRATCH_KEEP {
                *buf = BytesMut::new();
            }
            r
        }
        // Re-entered (it is not, but never panic for it): a buffer of its own.
        Err(_) => f(&mut BytesMut::new()),
    })
}

/// Encodes one queued item for the wire.
pub fn encode_item(buf: &mut BytesMut, item: OutItem, charset: Charset) {
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
            return;
        }
    };
    crate::telnet::codec::encode_frame(&frame, buf);
}

/// One queued item: text (UTF-8, encoded for the wire by the writer) or a telnet frame.
#[derive(Debug, Clone)]
pub enum OutItem {
    Text(Bytes),
    Frame(TelnetFrame),
    /// Bytes already encoded for the wire (output carried over a hot reboot).
    Raw(Bytes),
}

/// What queueing one item costs beyond its bytes.
pub const ITEM_COST: usize = std::mem::size_of::<OutItem>();

impl OutItem {
    /// What the item counts against the queue's limit: its bytes plus what queueing
    /// it costs, so a flood of tiny items is bounded in memory as well as in text.
    fn size(&self) -> usize {
        let bytes = match self {
            OutItem::Text(b) | OutItem::Raw(b) => b.len(),
            OutItem::Frame(TelnetFrame::Subnegotiate(_, p)) => p.len() + 5,
            OutItem::Frame(_) => 3,
        };
        bytes + ITEM_COST
    }
}

/// Why the connection is being closed; the writer drains output first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    Quit,
    Boot,
    Shutdown,
    LoginTimeout,
    /// The socket failed or the client went away.
    Dropped,
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<OutItem>,
    bytes: usize,
    flushed: bool,
    close: Option<CloseReason>,
    /// The connection's socket while its task is idle (nothing queued, nothing left
    /// unwritten, not writing): the game's batch then writes straight to it, with no
    /// task woken.
    /// Cleared, under this lock, before the task writes and before the socket goes.
    direct: Option<RawFd>,
    /// Listed in the game thread's open batch (`super::batch`), which writes what is
    /// queued when it closes: pushes meanwhile only queue.
    listed: bool,
    /// The open batch wakes the task when it closes (pushes meanwhile only queue).
    wake_deferred: bool,
}

/// Shared between the game (pushing) and the connection's writer (draining).
#[derive(Debug)]
pub struct Outbound {
    state: Mutex<State>,
    /// The connection task, woken when there is something for it; `woken` says why it
    /// should look (set before the wake, taken by the task), so no push is missed.
    waker: AtomicWaker,
    woken: AtomicBool,
    limit: usize,
    charset: AtomicU8,
    pub bytes_out: AtomicU64,
    pub dropped_bytes: AtomicU64,
    /// The session row this queue belongs to (a reattach moves a connection's queue
    /// to the link-dead session it takes over).
    session: AtomicU64,
    /// Counts pushes, so a link-dead session's keeper can tell whether its kept
    /// output changed since it was last saved.
    pushes: AtomicU64,
}

/// What `take_or_idle` found.
pub enum Taken {
    /// Nothing queued: the game's batches write to the socket until the task looks
    /// again.
    Idle,
    /// Output (maybe none, when closing) was encoded; the close asked for, if any.
    Output(Option<CloseReason>),
}

/// What the writer takes in one go.
pub struct Drained {
    pub items: Vec<OutItem>,
    pub flushed: bool,
    pub close: Option<CloseReason>,
}

impl Outbound {
    pub fn new(limit: usize) -> Outbound {
        Outbound {
            state: Mutex::new(State::default()),
            waker: AtomicWaker::new(),
            woken: AtomicBool::new(false),
            limit,
            charset: AtomicU8::new(0),
            bytes_out: AtomicU64::new(0),
            dropped_bytes: AtomicU64::new(0),
            session: AtomicU64::new(0),
            pushes: AtomicU64::new(0),
        }
    }

    /// How many items were ever pushed (changes whenever the queue does, bar drains).
    pub fn pushes(&self) -> u64 {
        self.pushes.load(Ordering::Relaxed)
    }

    /// A copy of the queued text (not frames) and whether older output was dropped,
    /// without taking it: what a link-dead session's record stores.
    pub fn text_snapshot(&self) -> (bool, Vec<u8>) {
        let Ok(st) = self.state.lock() else {
            return (false, Vec::new());
        };
        let mut text = Vec::with_capacity(st.bytes);
        for item in &st.queue {
            if let OutItem::Text(b) = item {
                text.extend_from_slice(b);
            }
        }
        (st.flushed, text)
    }

    /// Marks output as dropped, as a full queue does (restoring a stored flag).
    pub fn mark_flushed(&self) {
        if let Ok(mut st) = self.state.lock() {
            st.flushed = true;
        }
    }

    /// The handle of the row holding this queue.
    pub fn session(&self) -> u64 {
        self.session.load(Ordering::Relaxed)
    }

    pub fn set_session(&self, handle: u64) {
        self.session.store(handle, Ordering::Relaxed);
    }

    pub fn charset(&self) -> Charset {
        match self.charset.load(Ordering::Relaxed) {
            1 => Charset::Utf8,
            _ => Charset::Latin1,
        }
    }

    pub fn set_charset(&self, c: Charset) {
        self.charset
            .store(matches!(c, Charset::Utf8) as u8, Ordering::Relaxed);
    }

    /// Queues text; drops the oldest items when over the limit.
    pub fn push_text(self: &Arc<Self>, text: Bytes) {
        self.push(OutItem::Text(text));
    }

    /// Queues an item. While the connection's task is idle and the game thread has a
    /// batch open, the item waits for the batch's single write and nobody is woken;
    /// otherwise the task is woken to write it.
    pub fn push(self: &Arc<Self>, item: OutItem) {
        {
            let Ok(mut st) = self.state.lock() else {
                return;
            };
            if st.close.is_some() {
                return;
            }
            self.pushes.fetch_add(1, Ordering::Relaxed);
            let batched = st.direct.is_some()
                && (st.listed || (st.queue.is_empty() && super::batch::enlist(self)));
            if batched {
                st.listed = true;
            } else if st.direct.is_some() {
                // Not for a batch: the task takes over (and keeps the order).
                st.direct = None;
            }
            self.queue(&mut st, item);
            if batched || st.wake_deferred {
                return;
            }
            // In a batch, the task is woken when the batch closes, once, to write all
            // the batch queued for it in one go.
            if super::batch::defer_wake(self) {
                st.wake_deferred = true;
                return;
            }
        }
        self.wake();
    }

    /// The batch that deferred this queue's wake is closing.
    pub(super) fn wake_deferred(&self) {
        if let Ok(mut st) = self.state.lock() {
            st.wake_deferred = false;
        }
        self.wake();
    }

    /// Appends to the queue (held locked in `st`); drops the oldest items when over
    /// the limit.
    fn queue(&self, st: &mut State, item: OutItem) {
        st.bytes += item.size();
        st.queue.push_back(item);
        while st.bytes > self.limit && st.queue.len() > 1 {
            if let Some(old) = st.queue.pop_front() {
                st.bytes -= old.size();
                st.flushed = true;
                self.dropped_bytes
                    .fetch_add(old.size() as u64, Ordering::Relaxed);
            }
        }
    }

    /// The batch that listed this queue is closing: writes everything queued straight
    /// to the idle connection's socket (non-blocking, under the state lock so it cannot
    /// cross the task's own writes). What the socket does not take stays queued and the
    /// task is woken to write it; so is the task when it took over meanwhile.
    pub(super) fn flush_listed(&self) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        st.listed = false;
        if st.queue.is_empty() && !st.flushed {
            return;
        }
        let Some(fd) = st.direct else {
            drop(st);
            self.wake();
            return;
        };
        let charset = self.charset();
        let rest = with_scratch(|buf| {
            Self::encode_queue(&mut st, buf, charset);
            // SAFETY: `fd` is the connection's open socket: the task clears `direct`
            // under the same lock before it lets the socket go, so it cannot be closed
            // (or reused) while this runs; the buffer is valid for its length.
            let sent = unsafe {
                libc::send(
                    fd,
                    buf.as_ptr().cast(),
                    buf.len(),
                    libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
                )
            };
            let sent = usize::try_from(sent).unwrap_or(0);
            self.bytes_out.fetch_add(sent as u64, Ordering::Relaxed);
            buf.get(sent..)
                .filter(|r| !r.is_empty())
                .map(Bytes::copy_from_slice)
        });
        if let Some(rest) = rest {
            // The client is not keeping up: the task takes over.
            st.direct = None;
            self.queue(&mut st, OutItem::Raw(rest));
            drop(st);
            self.wake();
        }
    }

    /// Empties the queue into `buf`, encoded for the wire: `*** FLUSHED ***` first when
    /// older output was dropped (as PennMUSH says it), then the items in order.
    fn encode_queue(st: &mut State, buf: &mut BytesMut, charset: Charset) {
        st.bytes = 0;
        if std::mem::take(&mut st.flushed) {
            buf.extend_from_slice(b"*** FLUSHED ***\r\n");
        }
        // Take the deque itself: an idle connection then holds no queue allocation.
        for item in std::mem::take(&mut st.queue) {
            encode_item(buf, item, charset);
        }
    }

    /// The connection task is about to write (or its socket is going): pushes queue.
    pub fn stop_direct(&self) {
        if let Ok(mut st) = self.state.lock() {
            st.direct = None;
        }
    }

    /// Asks the writer to send what is queued and then close.
    pub fn close(&self, reason: CloseReason) {
        if let Ok(mut st) = self.state.lock() {
            if st.close.is_none() {
                st.close = Some(reason);
            }
            st.direct = None;
        }
        self.wake();
    }

    pub fn close_reason(&self) -> Option<CloseReason> {
        self.state.lock().ok().and_then(|s| s.close)
    }

    pub fn is_closing(&self) -> bool {
        self.state.lock().map(|s| s.close.is_some()).unwrap_or(true)
    }

    pub fn queued_bytes(&self) -> usize {
        self.state.lock().map(|s| s.bytes).unwrap_or(0)
    }

    /// Takes everything queued.
    pub fn drain(&self) -> Drained {
        let Ok(mut st) = self.state.lock() else {
            return Drained {
                items: Vec::new(),
                flushed: false,
                close: Some(CloseReason::Shutdown),
            };
        };
        st.bytes = 0;
        Drained {
            // Take the deque itself: an idle connection then holds no queue allocation.
            items: std::mem::take(&mut st.queue).into(),
            flushed: std::mem::take(&mut st.flushed),
            close: st.close,
        }
    }

    /// Takes everything queued, encoded for the wire into `buf` (see `encode_queue`).
    /// Encoding happens under the lock (a copy, so pushers wait no longer than a memcpy).
    /// Returns the close asked for. The emptied queue gives its allocation back: an idle
    /// connection holds none (one small allocation per delivery costs far less than
    /// the write that follows it).
    pub fn drain_into(&self, buf: &mut BytesMut) -> Option<CloseReason> {
        let charset = self.charset();
        let Ok(mut st) = self.state.lock() else {
            return Some(CloseReason::Shutdown);
        };
        Self::encode_queue(&mut st, buf, charset);
        st.close
    }

    /// The connection task's one look at its queue: stops direct writes and takes
    /// everything queued, encoded into `buf` (`Taken::Output`, with the close asked
    /// for); or, with nothing queued and no close asked for, lets pushes write straight
    /// to `fd` again (`Taken::Idle`). One lock either way.
    pub fn take_or_idle(&self, buf: &mut BytesMut, fd: RawFd) -> Taken {
        let charset = self.charset();
        let Ok(mut st) = self.state.lock() else {
            return Taken::Output(Some(CloseReason::Shutdown));
        };
        if st.queue.is_empty() && !st.flushed && st.close.is_none() {
            st.direct = Some(fd);
            return Taken::Idle;
        }
        st.direct = None;
        Self::encode_queue(&mut st, buf, charset);
        Taken::Output(st.close)
    }

    /// Ready once `wake` was called since the last time this returned ready.
    pub fn poll_woken(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.woken.swap(false, Ordering::AcqRel) {
            return Poll::Ready(());
        }
        self.waker.register(cx.waker());
        if self.woken.swap(false, Ordering::AcqRel) {
            return Poll::Ready(());
        }
        Poll::Pending
    }

    /// Makes the connection task look at its queue (and at the reboot freeze).
    pub fn wake(&self) {
        self.woken.store(true, Ordering::Release);
        self.waker.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_is_dropped_and_flagged() {
        // Room for two four-byte items.
        let q = Arc::new(Outbound::new(2 * (4 + ITEM_COST) + 2));
        q.push_text(Bytes::from_static(b"aaaa"));
        q.push_text(Bytes::from_static(b"bbbb"));
        q.push_text(Bytes::from_static(b"cccc"));
        let d = q.drain();
        assert!(d.flushed);
        assert_eq!(d.items.len(), 2);
        assert!(q.queued_bytes() == 0);
        q.push_text(Bytes::from_static(b"dd"));
        assert!(!q.drain().flushed);
    }

    #[test]
    fn the_flushed_marker_comes_before_what_survived() {
        let q = Arc::new(Outbound::new(2 * (5 + ITEM_COST) + 2));
        for line in [&b"aaaa\n"[..], b"bbbb\n", b"cccc\n"] {
            q.push_text(Bytes::copy_from_slice(line));
        }
        let mut buf = BytesMut::new();
        assert_eq!(q.drain_into(&mut buf), None);
        assert_eq!(&buf[..], b"*** FLUSHED ***\r\nbbbb\r\ncccc\r\n");
        buf.clear();
        q.push_text(Bytes::from_static(b"dd\n"));
        q.drain_into(&mut buf);
        assert_eq!(&buf[..], b"dd\r\n");
    }

    #[test]
    fn nothing_queues_after_close() {
        let q = Arc::new(Outbound::new(100));
        q.push_text(Bytes::from_static(b"bye"));
        q.close(CloseReason::Quit);
        q.push_text(Bytes::from_static(b"late"));
        let d = q.drain();
        assert_eq!(d.items.len(), 1);
        assert_eq!(d.close, Some(CloseReason::Quit));
    }

    #[test]
    fn a_flood_of_tiny_items_is_bounded_in_memory_too() {
        let q = Arc::new(Outbound::new(4096));
        for _ in 0..100_000 {
            q.push_text(Bytes::from_static(b"x"));
        }
        let d = q.drain();
        assert!(d.flushed);
        assert!(d.items.len() * (1 + ITEM_COST) <= 4096);
    }
}
