//! After a hot reboot: the connections the previous process handed over, adopted.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use futures_util::FutureExt;
use tracing::{warn, Instrument};

use super::ServerContext;
use crate::reboot::HandoffSession;
use crate::session::connection;
use crate::session::connection::Restored;
use crate::session::record::StoredSession;
use crate::session::socket::Socket;
use crate::session::{now_millis, Outbound, Session};
use crate::store::{Key, KeyKind};
use crate::world::{Dbref, World};

/// A time from the store (Unix seconds), or the handoff's when the store has none; the
/// handoff's milliseconds are kept when both agree to the second.
fn store_or_handoff_ms(stored_secs: Option<u64>, handoff_ms: u64) -> u64 {
    match stored_secs {
        Some(secs) if secs != handoff_ms / 1000 => secs * 1000,
        _ => handoff_ms,
    }
}

/// Adopts the connections a hot reboot handed over: each row is rebuilt from its
/// store record (the handoff fills in what the store lacks) and its task resumed.
pub(super) async fn restore_sessions(
    ctx: &Arc<ServerContext>,
    world: &World,
    adopted: Vec<HandoffSession>,
) -> usize {
    if adopted.is_empty() {
        return 0;
    }
    let records: std::collections::HashMap<u64, StoredSession> =
        match ctx.store.load(KeyKind::Conn).await {
            Ok(r) => r
                .into_iter()
                .filter_map(|(k, f)| match k {
                    Key::Conn(h) => Some((h, StoredSession::decode(h, &f))),
                    _ => None,
                })
                .collect(),
            Err(e) => {
                warn!(error = %e, "cannot read session records; restoring from the handoff alone");
                Default::default()
            }
        };
    let mut restored = 0;
    for h in adopted {
        let stream = match Socket::adopt(h.fd, h.transport) {
            Ok(s) => s,
            Err(e) => {
                warn!(handle = h.handle, error = %e, "cannot adopt an inherited connection");
                continue;
            }
        };
        let peer = match stream.tcp_peer() {
            Some(p) => p,
            None => match h.peer.as_deref().and_then(|p| p.parse().ok()) {
                Some(p) => p,
                None => continue,
            },
        };
        let out = Arc::new(Outbound::new(ctx.config.limits.output_queue_bytes));
        out.bytes_out.store(h.bytes_out, Ordering::Relaxed);
        let mut row = Session::new(h.handle, peer, out);
        row.transport = h.transport;
        row.bytes_in = h.bytes_in;
        row.terminal = h.negotiator.info.clone();
        let (player, logged_in_at) = match records.get(&h.handle) {
            Some(rec) => {
                row.connected_at_ms = store_or_handoff_ms(rec.connected_at, h.connected_at_ms);
                row.last_seen_ms = store_or_handoff_ms(rec.last_seen, h.last_seen_ms);
                row.cmds = rec.cmds.unwrap_or(h.cmds).max(h.cmds);
                row.doing = rec.doing.clone().unwrap_or(h.doing.clone());
                row.output_prefix = rec.output_prefix.clone();
                row.output_suffix = rec.output_suffix.clone();
                row.resume_token = rec.resume_token.clone();
                (rec.player, rec.login_ms.or(h.logged_in_at_ms))
            }
            None => {
                row.connected_at_ms = h.connected_at_ms;
                row.last_seen_ms = h.last_seen_ms;
                row.cmds = h.cmds;
                row.doing = h.doing.clone();
                row.output_prefix = h.output_prefix.clone();
                row.output_suffix = h.output_suffix.clone();
                (h.player.map(Dbref), h.logged_in_at_ms)
            }
        };
        // The player must still be the one who logged in (not a newer one on a reused dbref).
        let player = player.filter(|p| world.is_same_player(*p, logged_in_at.map(|ms| ms / 1000)));
        ctx.table.insert(row);
        if let Some(p) = player {
            ctx.table
                .bind(h.handle, p, logged_in_at.unwrap_or_else(now_millis));
        }
        let permit = ctx.conn_limit.clone().try_acquire_owned().ok();
        let ip_slot = ctx.table.admit_ip(peer.ip(), usize::MAX);
        let resume = Restored {
            negotiator: h.negotiator,
            player,
            logged_in_at_ms: logged_in_at,
            pending_input: h.pending_input,
            pending_output: h.pending_output,
        };
        let span = tracing::info_span!("conn", handle = h.handle, peer = %peer);
        let handle = h.handle;
        let task = connection::supervise(
            ctx.clone(),
            handle,
            connection::resume(ctx.clone(), stream, peer, handle, resume),
        );
        ctx.tracker
            .spawn(task.map(move |()| drop((permit, ip_slot))).instrument(span));
        restored += 1;
    }
    restored
}
