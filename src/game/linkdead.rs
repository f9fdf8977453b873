//! Link-dead sessions: a logged-in connection whose socket dropped without QUIT keeps
//! its session for `game.linkdead_grace_secs`. The player stays in the room and
//! connected for softcode, output to them is kept (bounded by
//! `limits.linkdead_buffer_bytes`), and nobody is told anything. Logging in again (or
//! `resume <token>`) reattaches the session, replaying what was kept; when the grace
//! runs out the ordinary disconnect happens, once.
//!
//! The state lives in the session row (`linkdead_since_ms`, the kept output in its
//! outbound queue, `resume_token`) and in its store record (`Part::LinkDead`,
//! `Part::Resume`), so a hot reboot or a restart keeps the session reattachable; this
//! module keeps the timers: when each session expires, and when its kept output was
//! last saved.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use tracing::info;

use super::{line_bytes, DisconnectKind, Game};
use crate::session::connection::write_history;
use crate::session::{now_millis, Handle, OutItem, Outbound, Part};
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::telnet::{opt, TelnetFrame};
use crate::world::Dbref;

/// Kept output is saved at most this often while it changes (for a crash: a reboot and
/// a shutdown save every link-dead session in full).
const SAVE_EVERY_MS: u64 = 2000;
/// Sessions saved in one look at most, the longest-unsaved first: a mass disconnect
/// during a flood must not turn into a flood of store writes.
const SAVES_PER_TICK: usize = 128;

/// What became of a connection that ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departed {
    /// The session is gone: the connection task removes the record and writes the
    /// history.
    Gone,
    /// The session stays, link-dead: the connection task leaves the record and the
    /// history alone (the game writes them when the session ends).
    LinkDead,
}

/// A login the game made: a new binding, or a link-dead session reattached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub player: Dbref,
    /// When the session's player logged in (Unix ms): now for a new binding, the
    /// original login for a reattached session.
    pub login_ms: u64,
    /// The session the connection now carries, when it reattached one: the connection
    /// takes this handle; its own row is gone.
    pub reattached: Option<Handle>,
}

/// The timers of the link-dead sessions.
#[derive(Debug, Default)]
pub struct Keeper {
    entries: HashMap<Handle, Entry>,
    /// When `tick` last looked (Unix ms).
    last_tick_ms: u64,
    /// The earliest expiry, or earlier (a session reattached since): kept so that the
    /// game loop's look at `next_due` does not walk every session.
    earliest_expiry_ms: u64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Unix ms.
    expires_ms: u64,
    /// The queue's push count when it was last saved.
    saved_pushes: u64,
    /// When it was last saved (Unix ms).
    saved_ms: u64,
}

impl Keeper {
    /// When the game loop should next call `tick` (Unix ms), if ever.
    pub fn next_due(&self) -> Option<u64> {
        if self.entries.is_empty() {
            return None;
        }
        Some(
            self.earliest_expiry_ms
                .min(self.last_tick_ms + SAVE_EVERY_MS),
        )
    }

    fn insert(&mut self, handle: Handle, entry: Entry) {
        if self.entries.is_empty() || entry.expires_ms < self.earliest_expiry_ms {
            self.earliest_expiry_ms = entry.expires_ms;
        }
        self.entries.insert(handle, entry);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A new resume token: 16 random bytes, hex.
fn new_token() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares tokens without an early exit on the first difference.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Lines in a replay: newlines in the kept text, plus a last line without one.
fn count_lines(items: &[OutItem]) -> usize {
    let mut lines = 0;
    let mut open = false;
    for item in items {
        if let OutItem::Text(t) = item {
            if t.is_empty() {
                continue;
            }
            lines += t.iter().filter(|&&b| b == b'\n').count();
            open = t.last() != Some(&b'\n');
        }
    }
    lines + usize::from(open)
}

/// Kept output read back from a record, one queue item a line, so the bound drops
/// whole lines.
pub fn restore_kept(out: &Arc<Outbound>, flushed: bool, text: &[u8]) {
    for line in text.split_inclusive(|&b| b == b'\n') {
        out.push(OutItem::Text(Bytes::copy_from_slice(line)));
    }
    if flushed {
        out.mark_flushed();
    }
}

/// Rebuilds the row of a link-dead session from its record (at start-up; its grace
/// continues from `linkdead_since`); false when the record is not a link-dead session
/// of a player who still exists.
pub fn restore_row(
    ctx: &crate::server::ServerContext,
    world: &crate::world::World,
    rec: &crate::session::record::StoredSession,
) -> bool {
    let Some(since) = rec.linkdead_since else {
        return false;
    };
    let Some(player) = rec
        .player
        .filter(|p| world.is_same_player(*p, rec.login_secs()))
    else {
        return false;
    };
    let ip = rec
        .host
        .as_deref()
        .and_then(|h| h.parse::<std::net::IpAddr>().ok())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let peer = std::net::SocketAddr::new(ip, rec.port.unwrap_or(0));
    let out = Arc::new(Outbound::new(ctx.config.limits.linkdead_buffer_bytes));
    if let Some((flushed, text)) = &rec.linkdead_output {
        restore_kept(&out, *flushed, text);
    }
    let mut row = crate::session::Session::new(rec.handle, peer, out);
    let secs_ms = |s: Option<u64>| s.map(|s| s * 1000);
    let login_ms = rec.login_ms.or(secs_ms(rec.logged_in_at)).unwrap_or(since);
    row.connected_at_ms = secs_ms(rec.connected_at).unwrap_or(login_ms);
    row.last_seen_ms = secs_ms(rec.last_seen).unwrap_or(since);
    row.cmds = rec.cmds.unwrap_or(0);
    row.doing = rec.doing.clone().unwrap_or_default();
    row.output_prefix = rec.output_prefix.clone();
    row.output_suffix = rec.output_suffix.clone();
    row.linkdead_since_ms = Some(since);
    row.resume_token = rec.resume_token.clone();
    ctx.table.insert(row);
    ctx.table.bind(rec.handle, player, login_ms);
    true
}

impl Game {
    /// A connection ended: a logged-in session that dropped stays link-dead (when the
    /// feature is on); everything else departs as ever.
    pub(super) fn connection_ended(&mut self, handle: Handle, how: DisconnectKind) -> Departed {
        if how == DisconnectKind::Drop && self.keep_linkdead(handle) {
            return Departed::LinkDead;
        }
        self.disconnected(handle, how);
        Departed::Gone
    }

    /// Makes the session link-dead; false when it is not to be kept.
    fn keep_linkdead(&mut self, handle: Handle) -> bool {
        let grace = self.ctx.config.game.linkdead_grace_secs;
        if grace == 0 || self.shutting_down.is_some() {
            return false;
        }
        let Some((player, old, already)) = self
            .ctx
            .table
            .with(handle, |s| (s.player, s.outbound.clone(), s.is_linkdead()))
        else {
            return false;
        };
        if already {
            return true;
        }
        if player.is_none_or(|p| self.world.get(p).is_none()) {
            return false;
        }
        // Link-dead sessions hold no connection slot: so that dropping connections
        // cannot pile them up without bound, there are at most as many as connections
        // may be open; past that the oldest ends now.
        if self.linkdead.len() >= self.ctx.config.limits.max_connections {
            if let Some(oldest) = self.oldest_linkdead() {
                self.end_linkdead(oldest, DisconnectKind::LinkDeadExpired);
            }
        }
        // The connection's queue may be closed (its writer saw the socket fail): the
        // session gets a queue of its own, bounded for link-dead keeping, with what the
        // writer had not sent yet.
        let kept = Arc::new(Outbound::new(self.ctx.config.limits.linkdead_buffer_bytes));
        kept.set_charset(old.charset());
        kept.bytes_out
            .store(old.bytes_out.load(Ordering::Relaxed), Ordering::Relaxed);
        let drained = old.drain();
        for item in drained.items {
            if matches!(item, OutItem::Text(_)) {
                kept.push(item);
            }
        }
        if drained.flushed {
            kept.mark_flushed();
        }
        let now = now_millis();
        self.ctx.table.replace_outbound(handle, kept.clone());
        self.ctx
            .table
            .update(handle, |s| s.linkdead_since_ms = Some(now));
        self.ctx.save_session(handle, &[Part::LinkDead]);
        self.linkdead.insert(
            handle,
            Entry {
                expires_ms: now + grace * 1000,
                saved_pushes: kept.pushes(),
                saved_ms: now,
            },
        );
        info!(handle, "session link-dead");
        true
    }

    /// Takes on the link-dead rows already in the table (restored from the store at
    /// start-up), continuing each grace from when it went link-dead.
    pub(super) fn adopt_linkdead(&mut self) {
        let grace = self.ctx.config.game.linkdead_grace_secs;
        for s in self.ctx.table.snapshot() {
            let Some(since) = s.linkdead_since_ms else {
                continue;
            };
            self.linkdead.insert(
                s.handle,
                Entry {
                    expires_ms: since + grace * 1000,
                    saved_pushes: s.outbound.pushes(),
                    saved_ms: now_millis(),
                },
            );
        }
    }

    /// Ends expired link-dead sessions and saves kept output that changed.
    pub(super) fn linkdead_tick(&mut self) {
        let now = now_millis();
        if self.linkdead.is_empty() || self.linkdead.next_due().is_some_and(|d| d > now) {
            return;
        }
        self.linkdead.last_tick_ms = now;
        let expired: Vec<Handle> = self
            .linkdead
            .entries
            .iter()
            .filter(|(_, e)| e.expires_ms <= now)
            .map(|(h, _)| *h)
            .collect();
        for h in expired {
            self.end_linkdead(h, DisconnectKind::LinkDeadExpired);
        }
        // Kept output that changed, the longest-unsaved first, a bounded number a look.
        let mut changed: Vec<(u64, Handle, u64)> = Vec::new();
        for (h, entry) in &self.linkdead.entries {
            let Some(pushes) = self.ctx.table.with(*h, |s| s.outbound.pushes()) else {
                continue;
            };
            if pushes != entry.saved_pushes {
                changed.push((entry.saved_ms, *h, pushes));
            }
        }
        changed.sort_unstable();
        for (_, h, pushes) in changed.into_iter().take(SAVES_PER_TICK) {
            if let Some(entry) = self.linkdead.entries.get_mut(&h) {
                entry.saved_pushes = pushes;
                entry.saved_ms = now;
                self.ctx.save_session(h, &[Part::LinkDead]);
            }
        }
        self.linkdead.earliest_expiry_ms = self
            .linkdead
            .entries
            .values()
            .map(|e| e.expires_ms)
            .min()
            .unwrap_or(u64::MAX);
    }

    /// Whether a session is link-dead.
    pub fn is_linkdead(&self, handle: Handle) -> bool {
        self.linkdead.entries.contains_key(&handle)
    }

    /// Ends a link-dead session for good: the ordinary disconnect (announced,
    /// ADISCONNECT), its record removed, its history written.
    pub fn end_linkdead(&mut self, handle: Handle, how: DisconnectKind) {
        self.linkdead.entries.remove(&handle);
        let Some(row) = self.ctx.table.with(handle, |s| s.clone()) else {
            return;
        };
        self.disconnected(handle, how);
        self.ctx.wb.push(Key::Conn(handle), Op::Delete);
        info!(handle, how = how.as_str(), "link-dead session ended");
        let (Some(player), Some(login_ms)) = (row.player, row.logged_in_at_ms) else {
            return;
        };
        let ctx = self.ctx.clone();
        tokio::spawn(async move {
            let how = Some(how.as_str());
            write_history(&ctx, player, handle, login_ms, row.peer, how).await;
        });
    }

    /// The session link-dead the longest.
    fn oldest_linkdead(&self) -> Option<Handle> {
        self.linkdead
            .entries
            .iter()
            .min_by_key(|(h, e)| (e.expires_ms, **h))
            .map(|(h, _)| *h)
    }

    /// Link-dead sessions of a player, newest first.
    fn linkdead_of(&self, player: Dbref) -> Vec<Handle> {
        let mut found: Vec<(u64, Handle)> = self
            .ctx
            .table
            .handles_of(player)
            .into_iter()
            .filter(|h| self.is_linkdead(*h))
            .filter_map(|h| {
                self.ctx
                    .table
                    .with(h, |s| (s.linkdead_since_ms.unwrap_or(0), h))
            })
            .collect();
        found.sort_unstable_by(|a, b| b.cmp(a));
        found.into_iter().map(|(_, h)| h).collect()
    }

    /// At a login of `player` on `handle`: reattaches their newest link-dead session,
    /// if they have one.
    pub(super) fn reattach_newest(&mut self, handle: Handle, player: Dbref) -> Option<Bound> {
        let newest = *self.linkdead_of(player).first()?;
        self.reattach(handle, newest)
    }

    /// `resume <token>` on the login screen.
    pub(super) fn resume_by_token(&mut self, handle: Handle, token: &str) -> Option<Bound> {
        let token = token.trim();
        if token.is_empty() {
            return None;
        }
        let target = self.linkdead.entries.keys().copied().find(|h| {
            self.ctx
                .table
                .with(*h, |s| {
                    s.resume_token
                        .as_deref()
                        .is_some_and(|t| same_token(t, token))
                })
                .unwrap_or(false)
        })?;
        self.reattach(handle, target)
    }

    /// The connection on `handle` takes over the link-dead session `target`: the
    /// session keeps its handle, login time and counts, takes the connection's address,
    /// terminal and outbound queue, and the kept output is replayed. The connection's
    /// own row and record go.
    fn reattach(&mut self, handle: Handle, target: Handle) -> Option<Bound> {
        let (player, login_ms, kept) = self.ctx.table.with(target, |s| {
            (s.player, s.logged_in_at_ms, s.outbound.clone())
        })?;
        let player = player.filter(|p| self.world.get(*p).is_some())?;
        let fresh = self.ctx.table.remove(handle)?;
        self.linkdead.entries.remove(&target);
        let now = now_millis();
        let out = fresh.outbound.clone();
        out.bytes_out
            .fetch_add(kept.bytes_out.load(Ordering::Relaxed), Ordering::Relaxed);
        self.ctx.table.replace_outbound(target, out.clone());
        self.ctx.table.update(target, |s| {
            s.peer = fresh.peer;
            s.transport = fresh.transport;
            s.terminal = fresh.terminal.clone();
            s.bytes_in += fresh.bytes_in;
            s.last_seen_ms = now;
            s.linkdead_since_ms = None;
        });
        let drained = kept.drain();
        let lines = count_lines(&drained.items);
        let plural = if lines == 1 { "line" } else { "lines" };
        out.push_text(line_bytes(&format!(
            "--- {lines} {plural} while you were away ---"
        )));
        if drained.flushed {
            out.push_text(Bytes::from_static(b"*** FLUSHED ***\n"));
        }
        for item in drained.items {
            if matches!(item, OutItem::Text(_)) {
                out.push(item);
            }
        }
        let others = self.linkdead_of(player);
        if !others.is_empty() {
            let list: Vec<String> = others.iter().map(|h| h.to_string()).collect();
            let (n, what) = match others.len() {
                1 => ("1".to_string(), "session"),
                n => (n.to_string(), "sessions"),
            };
            self.tell_handle(
                target,
                &format!(
                    "You have {n} more link-dead {what}: {}. They end when their grace runs out.",
                    list.join(", ")
                ),
            );
        }
        self.ctx.wb.push(Key::Conn(handle), Op::Delete);
        self.issue_token(target);
        self.ctx.save_session(target, &Part::ALL);
        if self.ctx.config.game.announce_reconnect {
            if let Some(room) = self.location_of(player).filter(|_| !self.is_dark(player)) {
                let name = self.name(player);
                self.tell_room(room, &[player], &format!("{name} has reconnected."));
            }
        }
        info!(handle, session = target, player = %player, "link-dead session reattached");
        Some(Bound {
            player,
            login_ms: login_ms.unwrap_or(now),
            reattached: Some(target),
        })
    }

    /// Gives a session a new resume token (the old one no longer works) and sends it
    /// to a client that takes GMCP: `IAC SB GMCP "mushd.resume <token>" IAC SE`.
    pub(super) fn issue_token(&mut self, handle: Handle) {
        let token = new_token();
        let Some(out) = self.ctx.table.update(handle, |s| {
            s.resume_token = Some(token.clone());
            (s.terminal.gmcp || !s.transport.telnet()).then(|| s.outbound.clone())
        }) else {
            return;
        };
        self.ctx.save_session(handle, &[Part::Resume]);
        if let Some(out) = out {
            let payload = Bytes::from(format!("mushd.resume {token}"));
            out.push(OutItem::Frame(TelnetFrame::Subnegotiate(
                opt::GMCP,
                payload,
            )));
        }
    }

    /// At shutdown: link-dead sessions stay in the store (with their kept output) for
    /// the next start, and leave the table without a departure.
    pub(super) fn park_linkdead_for_shutdown(&mut self) {
        for h in std::mem::take(&mut self.linkdead.entries).into_keys() {
            self.ctx.save_session(h, &Part::ALL);
            self.ctx.table.remove(h);
        }
    }

    /// Before a hot reboot: the link-dead sessions' records, complete, for the next
    /// process (which has no socket of theirs and rebuilds them from the store).
    pub(super) fn save_linkdead_for_reboot(&mut self) {
        for h in self.linkdead.entries.keys() {
            self.ctx.save_session(*h, &Part::ALL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted() {
        let items = vec![
            OutItem::Text(Bytes::from_static(b"one\ntwo\n")),
            OutItem::Frame(TelnetFrame::Command(1)),
            OutItem::Text(Bytes::from_static(b"three")),
        ];
        assert_eq!(count_lines(&items), 3);
        assert_eq!(count_lines(&[]), 0);
    }

    #[test]
    fn tokens_are_hex_and_differ() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert!(same_token(&a, &a.clone()));
        assert!(!same_token(&a, &b));
        assert!(!same_token(&a, "short"));
    }

    #[test]
    fn kept_output_restores_line_by_line() {
        // Room for two of the three lines.
        let out = Arc::new(Outbound::new(
            2 * (5 + crate::session::outbound::ITEM_COST) + 4,
        ));
        restore_kept(&out, false, b"aaaa\nbbbb\ncccc\n");
        let d = out.drain();
        // The bound dropped the oldest whole line.
        assert!(d.flushed);
        assert_eq!(d.items.len(), 2);
    }
}
