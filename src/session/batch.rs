//! The game thread's output batch. While one is open, a line pushed to an idle
//! connection (its task asleep, nothing queued) is queued without waking anyone and the
//! connection is listed; when the batch closes, each listed connection gets everything
//! queued for it in one non-blocking `send`, straight from this thread. The game keeps a
//! batch open across the messages that are already waiting, so under load a client
//! receives several lines in one write; with nothing waiting, a batch is one message and
//! nothing is delayed.

use std::cell::RefCell;
use std::sync::Arc;

use super::outbound::Outbound;

thread_local! {
    static OPEN: RefCell<Open> = const { RefCell::new(Open { active: false, room: 0, listed: Vec::new() }) };
}

struct Open {
    active: bool,
    /// How many more connections this batch may list; past it, pushes wake the
    /// connections' own tasks, which write in parallel.
    room: u32,
    listed: Vec<Arc<Outbound>>,
}

/// An open batch on this thread; dropping it writes what it collected.
pub struct Batch(());

/// Listed connections kept allocated between batches (more are let go).
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

/// Closes this thread's batch (if any) and writes every listed connection's queue.
fn flush() {
    let listed = OPEN.with(|o| match o.try_borrow_mut() {
        Ok(mut o) => {
            o.active = false;
            o.room = 0;
            std::mem::take(&mut o.listed)
        }
        Err(_) => Vec::new(),
    });
    let mut listed = listed;
    for out in listed.drain(..) {
        out.flush_listed();
    }
    if listed.capacity() <= KEEP_LISTED {
        // Give the (empty) list back, so the next batch allocates nothing.
        OPEN.with(|o| {
            if let Ok(mut o) = o.try_borrow_mut() {
                if o.listed.is_empty() {
                    o.listed = listed;
                }
            }
        });
    }
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
}
