//! The session table: one row per live connection, shared by every task, plus the
//! player → handles index the game uses to deliver output.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use dashmap::DashMap;

use super::outbound::{CloseReason, Outbound};
use super::socket::Transport;
use crate::telnet::mud::TerminalInfo;
use crate::world::Dbref;

/// A connection handle: unique, never reused, also across restarts.
pub type Handle = u64;

/// Unix milliseconds now.
pub fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Everything known about one connection.
#[derive(Debug, Clone)]
pub struct Session {
    pub handle: Handle,
    pub peer: SocketAddr,
    /// Telnet, or TLS/WebSocket through the front process.
    pub transport: Transport,
    pub connected_at_ms: u64,
    pub last_seen_ms: u64,
    pub cmds: u64,
    pub bytes_in: u64,
    pub terminal: TerminalInfo,
    pub player: Option<Dbref>,
    /// When the player logged in on this connection.
    pub logged_in_at_ms: Option<u64>,
    pub doing: String,
    pub output_prefix: Option<String>,
    pub output_suffix: Option<String>,
    pub outbound: Arc<Outbound>,
    /// Since when (Unix milliseconds) the session has had no connection: its socket
    /// dropped without QUIT and it waits, link-dead, to be reattached.
    pub linkdead_since_ms: Option<u64>,
    /// The token that reattaches this session (`resume <token>`), single-use.
    pub resume_token: Option<String>,
}

impl Session {
    pub fn new(handle: Handle, peer: SocketAddr, outbound: Arc<Outbound>) -> Session {
        let now = now_millis();
        outbound.set_session(handle);
        Session {
            handle,
            peer,
            transport: Transport::Telnet,
            connected_at_ms: now,
            last_seen_ms: now,
            cmds: 0,
            bytes_in: 0,
            terminal: TerminalInfo::default(),
            player: None,
            logged_in_at_ms: None,
            doing: String::new(),
            output_prefix: None,
            output_suffix: None,
            outbound,
            linkdead_since_ms: None,
            resume_token: None,
        }
    }

    pub fn is_linkdead(&self) -> bool {
        self.linkdead_since_ms.is_some()
    }

    pub fn bytes_out(&self) -> u64 {
        self.outbound.bytes_out.load(Ordering::Relaxed)
    }
}

/// Shared, cheap to clone.
#[derive(Clone, Default)]
pub struct SessionTable {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Rows are boxed: the map's buckets (with its spare capacity) hold a pointer,
    /// not a few hundred bytes each.
    sessions: DashMap<Handle, Box<Session>>,
    /// A player's connections with their queues, so delivery to a player is one lookup.
    by_player: DashMap<Dbref, Vec<(Handle, Arc<Outbound>)>>,
    per_ip: DashMap<IpAddr, usize>,
}

impl SessionTable {
    pub fn new() -> SessionTable {
        SessionTable::default()
    }

    pub fn insert(&self, session: Session) {
        self.inner
            .sessions
            .insert(session.handle, Box::new(session));
    }

    /// Removes a connection; returns its last row.
    pub fn remove(&self, handle: Handle) -> Option<Session> {
        let (_, s) = self.inner.sessions.remove(&handle)?;
        let s = *s;
        if let Some(p) = s.player {
            self.drop_index(p, handle);
        }
        Some(s)
    }

    fn drop_index(&self, player: Dbref, handle: Handle) {
        let now_empty = match self.inner.by_player.get_mut(&player) {
            Some(mut hs) => {
                hs.retain(|(h, _)| *h != handle);
                hs.is_empty()
            }
            None => false,
        };
        if now_empty {
            self.inner
                .by_player
                .remove_if(&player, |_, hs| hs.is_empty());
        }
    }

    pub fn len(&self) -> usize {
        self.inner.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inner.sessions.is_empty()
    }

    /// Reads a row through a closure; no lock outlives the call.
    pub fn with<R>(&self, handle: Handle, f: impl FnOnce(&Session) -> R) -> Option<R> {
        self.inner.sessions.get(&handle).map(|s| f(&s))
    }

    /// Changes a row through a closure.
    pub fn update<R>(&self, handle: Handle, f: impl FnOnce(&mut Session) -> R) -> Option<R> {
        self.inner.sessions.get_mut(&handle).map(|mut s| f(&mut s))
    }

    /// Binds a connection to a player, logged in at `at_ms` (Unix milliseconds).
    pub fn bind(&self, handle: Handle, player: Dbref, at_ms: u64) {
        let old = self.update(handle, |s| {
            s.logged_in_at_ms = Some(at_ms);
            (s.player.replace(player), s.outbound.clone())
        });
        let Some((old, outbound)) = old else {
            return;
        };
        if let Some(old) = old {
            self.drop_index(old, handle);
        }
        self.inner
            .by_player
            .entry(player)
            .or_default()
            .push((handle, outbound));
    }

    /// Gives a row another outbound queue (a session going link-dead, or reattached to
    /// a new connection), in the row and in the player index alike.
    pub fn replace_outbound(&self, handle: Handle, outbound: Arc<Outbound>) {
        outbound.set_session(handle);
        let Some(player) = self.update(handle, |s| {
            s.outbound = outbound.clone();
            s.player
        }) else {
            return;
        };
        if let Some(p) = player {
            if let Some(mut hs) = self.inner.by_player.get_mut(&p) {
                for (h, out) in hs.iter_mut() {
                    if *h == handle {
                        *out = outbound.clone();
                    }
                }
            }
        }
    }

    /// Returns a connection to the login screen.
    pub fn unbind(&self, handle: Handle) -> Option<Dbref> {
        let old = self.update(handle, |s| {
            s.logged_in_at_ms = None;
            s.doing.clear();
            s.player.take()
        })??;
        self.drop_index(old, handle);
        Some(old)
    }

    /// The connections of a player, oldest first.
    pub fn handles_of(&self, player: Dbref) -> Vec<Handle> {
        self.inner
            .by_player
            .get(&player)
            .map(|hs| hs.iter().map(|(h, _)| *h).collect())
            .unwrap_or_default()
    }

    pub fn is_connected(&self, player: Dbref) -> bool {
        self.inner
            .by_player
            .get(&player)
            .is_some_and(|h| !h.is_empty())
    }

    /// Players with at least one connection.
    pub fn connected_players(&self) -> Vec<Dbref> {
        self.inner.by_player.iter().map(|e| *e.key()).collect()
    }

    /// Copies of every row, for WHO and SESSION listings.
    pub fn snapshot(&self) -> Vec<Session> {
        let mut all: Vec<Session> = self.inner.sessions.iter().map(|s| (**s).clone()).collect();
        all.sort_by_key(|s| s.handle);
        all
    }

    pub fn handles(&self) -> Vec<Handle> {
        self.inner.sessions.iter().map(|s| *s.key()).collect()
    }

    /// Queues text for one connection.
    pub fn send(&self, handle: Handle, text: Bytes) {
        if let Some(out) = self.with(handle, |s| s.outbound.clone()) {
            out.push_text(text);
        }
    }

    /// Queues text for every connection of a player: one index lookup, no allocation.
    pub fn send_player(&self, player: Dbref, text: &Bytes) {
        if let Some(hs) = self.inner.by_player.get(&player) {
            for (_, out) in hs.iter() {
                out.push_text(text.clone());
            }
        }
    }

    /// Queues text for every connection, logged in or not when `all` is set.
    pub fn broadcast(&self, text: &Bytes, all: bool) {
        for s in self.inner.sessions.iter() {
            if all || s.player.is_some() {
                s.outbound.push_text(text.clone());
            }
        }
    }

    /// Wakes every connection task (to see a reboot's freeze).
    pub fn wake_all(&self) {
        for s in self.inner.sessions.iter() {
            s.outbound.wake();
        }
    }

    pub fn close(&self, handle: Handle, reason: CloseReason) {
        if let Some(out) = self.with(handle, |s| s.outbound.clone()) {
            out.close(reason);
        }
    }

    /// Counts a new connection from `ip`; `None` when the address is over its limit.
    pub fn admit_ip(&self, ip: IpAddr, limit: usize) -> Option<IpSlot> {
        let mut count = self.inner.per_ip.entry(ip).or_insert(0);
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(IpSlot {
            table: self.clone(),
            ip,
        })
    }
}

/// Holds one of an address's connection slots; frees it when dropped.
pub struct IpSlot {
    table: SessionTable,
    ip: IpAddr,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let per_ip = &self.table.inner.per_ip;
        if let Some(mut c) = per_ip.get_mut(&self.ip) {
            *c = c.saturating_sub(1);
        }
        per_ip.remove_if(&self.ip, |_, c| *c == 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(h: Handle) -> Session {
        Session::new(
            h,
            "127.0.0.1:5000".parse().expect("addr"),
            Arc::new(Outbound::new(4096)),
        )
    }

    #[test]
    fn bind_and_index() {
        let t = SessionTable::new();
        t.insert(session(1));
        t.insert(session(2));
        t.bind(1, Dbref(3), 1);
        t.bind(2, Dbref(3), 2);
        assert_eq!(t.handles_of(Dbref(3)), vec![1, 2]);
        assert_eq!(t.unbind(1), Some(Dbref(3)));
        assert_eq!(t.handles_of(Dbref(3)), vec![2]);
        t.remove(2);
        assert!(!t.is_connected(Dbref(3)));
        assert!(t.connected_players().is_empty());
    }

    #[test]
    fn a_replaced_queue_gets_the_players_output() {
        let t = SessionTable::new();
        t.insert(session(1));
        t.bind(1, Dbref(3), 1);
        let kept = Arc::new(Outbound::new(4096));
        t.replace_outbound(1, kept.clone());
        t.send_player(Dbref(3), &Bytes::from_static(b"hi\n"));
        t.send(1, Bytes::from_static(b"there\n"));
        assert_eq!(kept.drain().items.len(), 2);
    }

    #[test]
    fn ip_slots_are_counted() {
        let t = SessionTable::new();
        let ip: IpAddr = "127.0.0.1".parse().expect("ip");
        let a = t.admit_ip(ip, 2).expect("first");
        let _b = t.admit_ip(ip, 2).expect("second");
        assert!(t.admit_ip(ip, 2).is_none());
        drop(a);
        assert!(t.admit_ip(ip, 2).is_some());
    }
}
