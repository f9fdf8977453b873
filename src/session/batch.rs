//! The game thread's output batch. While one is open, a line pushed to an idle
//! connection (its task asleep, nothing queued) is queued without waking anyone and the
//! connection is listed; when the batch closes, each listed connection gets everything
//! queued for it in one non-blocking `send`, straight from this thread. The game keeps a
//! batch open across the messages that are already waiting, so under load a client
//! receives several lines in one write; with nothing waiting, a batch is one message and
//! nothing is delayed. A connection past the batch's room (or with output already
//! waiting for its task) has its task woken when the batch closes, once, rather than
//! at every line, so it too writes the batch's lines in one go.

use std::cell::RefCell;
use std::sync::Arc;

use super::outbound::Outbound;

thread_local! {
    static OPEN: RefCell<Open> = const {
        RefCell::new(Open { active: false, room: 0, listed: Vec::new(), to_wake: Vec::new() })
    };
}

struct Open {
    active: bool,
    /// How many more connections this batch may list; past it, pushes wake the
    /// connections' own tasks, which write in parallel.
    room: u32,
    listed: Vec<Arc<Outbound>>,
    /// Connections whose tasks are woken when the batch closes (each at most once: the
    /// queue remembers it is here).
    to_wake: Vec<Arc<Outbound>>,
}

/// An open batch on this thread; dropping it writes what it collected.
pub struct Batch(());

/// Room kept allocated in each list between batches (more is let go).
const KEEP_LISTED: usize = 4096;

impl Batch {
    /// Opens a batch on this thread. Batches do not nest: opening one while another is
    /// open on the same thread closes (writes) the older first.
    pub fn open() -> Batch {
        flush();
        OPEN.with(|o| {
            if let Ok(mut o) = o.try_borrow_mut() {
                o.active = true;
                o.room = 0;
            }
        });
        Batch(())
    }

    /// Lets the batch list up to `n` more connections.
    pub fn allow(&self, n: u32) {
        OPEN.with(|o| {
            if let Ok(mut o) = o.try_borrow_mut() {
                o.room = o.room.saturating_add(n);
            }
        });
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        flush();
    }
}

/// Lists `out` in this thread's open batch: false when there is none or it is full.
pub(super) fn enlist(out: &Arc<Outbound>) -> bool {
    OPEN.with(|o| match o.try_borrow_mut() {
        Ok(mut o) if o.active && o.room > 0 => {
            o.room -= 1;
            o.listed.push(Arc::clone(out));
            true
        }
        _ => false,
    })
}

/// Has the task of `out` woken when this thread's open batch closes: false when no
/// batch is open.
pub(super) fn defer_wake(out: &Arc<Outbound>) -> bool {
    OPEN.with(|o| match o.try_borrow_mut() {
        Ok(mut o) if o.active => {
            o.to_wake.push(Arc::clone(out));
            true
        }
        _ => false,
    })
}

/// Closes this thread's batch (if any), writes every listed connection's queue and
/// wakes the tasks it deferred.
fn flush() {
    let (mut listed, mut to_wake) = OPEN.with(|o| match o.try_borrow_mut() {
        Ok(mut o) => {
            o.active = false;
            o.room = 0;
            (
                std::mem::take(&mut o.listed),
                std::mem::take(&mut o.to_wake),
            )
        }
        Err(_) => (Vec::new(), Vec::new()),
    });
    for out in listed.drain(..) {
        out.flush_listed();
    }
    for out in to_wake.drain(..) {
        out.wake_deferred();
    }
    // Give the (empty) lists back, so the next batch allocates nothing.
    OPEN.with(|o| {
        if let Ok(mut o) = o.try_borrow_mut() {
            if o.listed.is_empty() && listed.capacity() <= KEEP_LISTED {
                o.listed = listed;
            }
            if o.to_wake.is_empty() && to_wake.capacity() <= KEEP_LISTED {
                o.to_wake = to_wake;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    use bytes::Bytes;

    use super::*;

    /// Lets `out` write straight to `socket`, as its task does when it goes idle.
    fn idle(out: &Outbound, socket: &UnixStream) {
        let mut nothing = bytes::BytesMut::new();
        let taken = out.take_or_idle(&mut nothing, socket.as_raw_fd());
        assert!(matches!(taken, crate::session::outbound::Taken::Idle));
    }

    fn read_now(s: &mut UnixStream) -> Vec<u8> {
        s.set_nonblocking(true).ok();
        let mut buf = vec![0u8; 4096];
        match s.read(&mut buf) {
            Ok(n) => buf.get(..n).unwrap_or_default().to_vec(),
            Err(_) => Vec::new(),
        }
    }

    #[test]
    fn a_batch_writes_each_connections_lines_once_when_it_closes() {
        let (ours, mut client) = UnixStream::pair().expect("socketpair");
        let out = Arc::new(Outbound::new(64 * 1024));
        idle(&out, &ours);
        let batch = Batch::open();
        batch.allow(10);
        out.push_text(Bytes::from_static(b"one\n"));
        out.push_text(Bytes::from_static(b"two\n"));
        assert!(
            read_now(&mut client).is_empty(),
            "nothing goes before the batch closes"
        );
        drop(batch);
        assert_eq!(read_now(&mut client), b"one\r\ntwo\r\n");
        assert_eq!(out.queued_bytes(), 0);
    }

    #[test]
    fn without_room_in_a_batch_the_task_writes_and_order_holds() {
        let (ours, mut client) = UnixStream::pair().expect("socketpair");
        let out = Arc::new(Outbound::new(64 * 1024));
        idle(&out, &ours);
        // No batch open: the line is queued for the task, and pushes stop writing
        // directly until the task has written it.
        out.push_text(Bytes::from_static(b"first\n"));
        let batch = Batch::open();
        batch.allow(10);
        out.push_text(Bytes::from_static(b"second\n"));
        drop(batch);
        assert!(
            read_now(&mut client).is_empty(),
            "a later line must not overtake"
        );
        let mut buf = bytes::BytesMut::new();
        out.drain_into(&mut buf);
        assert_eq!(&buf[..], b"first\r\nsecond\r\n");
    }

    #[test]
    fn a_full_batch_leaves_the_rest_to_the_tasks() {
        let (a, mut client_a) = UnixStream::pair().expect("socketpair");
        let (b, mut client_b) = UnixStream::pair().expect("socketpair");
        let (qa, qb) = (
            Arc::new(Outbound::new(64 * 1024)),
            Arc::new(Outbound::new(64 * 1024)),
        );
        idle(&qa, &a);
        idle(&qb, &b);
        let batch = Batch::open();
        batch.allow(1);
        qa.push_text(Bytes::from_static(b"to a\n"));
        qb.push_text(Bytes::from_static(b"to b\n"));
        drop(batch);
        assert_eq!(read_now(&mut client_a), b"to a\r\n");
        assert!(read_now(&mut client_b).is_empty());
        assert!(qb.queued_bytes() > 0, "b's line waits for b's task");
    }

    #[test]
    fn a_batch_wakes_a_busy_connections_task_once_when_it_closes() {
        let waker = futures_util::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        let out = Arc::new(Outbound::new(64 * 1024));
        let batch = Batch::open();
        out.push_text(Bytes::from_static(b"one\n"));
        out.push_text(Bytes::from_static(b"two\n"));
        assert!(
            out.poll_woken(&mut cx).is_pending(),
            "woken before the batch closed"
        );
        drop(batch);
        assert!(out.poll_woken(&mut cx).is_ready());
        assert!(out.poll_woken(&mut cx).is_pending(), "woken more than once");
        // Outside a batch a push wakes at once.
        out.push_text(Bytes::from_static(b"three\n"));
        assert!(out.poll_woken(&mut cx).is_ready());
    }
}
