//! The game's side of a hot reboot: freeze every connection, gather the sockets,
//! flush, write the handoff and exec; or cancel and carry on, saying why.

use std::time::Duration;

use tokio::sync::mpsc;
use tracing::{error, info, warn};

use std::collections::HashSet;

use super::{line_bytes, DisconnectKind, Game, GameMsg};
use crate::command::CommandTable;
use crate::reboot::{self as handoff, HandoffSession, ParkedSession};
use crate::session::connection::write_history;
use crate::session::{record, Part, Session};
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::world::Dbref;

/// How long connections get to reach a command boundary and hand over their sockets.
const GATHER_TIMEOUT: Duration = Duration::from_secs(3);

impl Game {
    /// Runs a hot reboot. Returns only when it was cancelled.
    pub(super) async fn reboot(
        &mut self,
        table: &CommandTable,
        rx: &mut mpsc::Receiver<GameMsg>,
        by: Option<Dbref>,
    ) {
        let who = by
            .map(|d| self.name(d))
            .unwrap_or_else(|| "the operator".to_string());
        let exe = match handoff::check_binary(self.ctx.reboot.exe.as_deref()) {
            Ok(p) => p,
            Err(why) => return self.reboot_refused(by, &why),
        };
        if let Err(e) = self.ctx.wb.critical(vec![]).await {
            return self.reboot_refused(by, &format!("the store cannot be written ({e})"));
        }
        info!(by = %who, exe = %exe.display(), "hot reboot");
        let notice = format!("GAME: Reboot w/o disconnect by {who}, please wait.");
        self.ctx.table.broadcast(&line_bytes(&notice), true);
        self.ctx.reboot.freeze();
        self.ctx.table.wake_all();

        let parked = self.gather(table, rx).await;
        // The queue goes along: the next process runs what is pending.
        self.persist_queue();
        // Everything the store should hold, from the final state of every connection
        // handed over; one that closed or did not park in time is closed out now, so
        // the next process does not take it for a crash.
        let handed: HashSet<_> = parked.iter().map(|p| p.handle).collect();
        // Link-dead sessions go along in the store alone (the next process rebuilds
        // them from their records).
        self.save_linkdead_for_reboot();
        for s in self.ctx.table.snapshot() {
            if s.is_linkdead() {
                continue;
            }
            if handed.contains(&s.handle) {
                for (key, op) in record::ops(&s, &self.ctx.node, &Part::ALL) {
                    self.ctx.wb.push(key, op);
                }
            } else {
                self.close_unparked(&s).await;
            }
        }
        if let Err(e) = self.ctx.wb.critical(vec![]).await {
            return self.reboot_cancelled(
                parked,
                by,
                &format!("the store cannot be written ({e})"),
            );
        }

        let mut plan = handoff::new_handoff(self.ctx.started_at, who);
        plan.front_pid = self.ctx.front.pid();
        for (addr, listener) in self.ctx.reboot.take_listeners() {
            match handoff::listener_fd(listener) {
                Ok(fd) => plan.listeners.push(handoff::HandoffListener {
                    config_addr: addr,
                    fd,
                }),
                Err(e) => error!(%addr, error = %e, "cannot hand over a listener"),
            }
        }
        for p in parked {
            let Some(row) = self.ctx.table.with(p.handle, |s| s.clone()) else {
                continue;
            };
            let (transport, peer) = (p.transport, p.peer);
            let fd = match p.stream.into_inheritable_fd() {
                Ok(fd) => fd,
                Err(e) => {
                    warn!(handle = p.handle, error = %e, "cannot hand over a connection");
                    continue;
                }
            };
            // Output produced after this connection's writer parked is still queued.
            let mut pending_output = p.pending_output;
            pending_output.extend(crate::session::connection::encode_queued(&row.outbound));
            plan.sessions.push(HandoffSession {
                handle: p.handle,
                fd,
                transport,
                peer: transport.via_front().then(|| peer.to_string()),
                pending_input: p.pending_input,
                pending_output,
                negotiator: p.negotiator,
                connected_at_ms: row.connected_at_ms,
                last_seen_ms: row.last_seen_ms,
                cmds: row.cmds,
                bytes_in: row.bytes_in,
                bytes_out: row.bytes_out(),
                player: row.player.map(|d| d.0),
                logged_in_at_ms: row.logged_in_at_ms,
                doing: row.doing.clone(),
                output_prefix: row.output_prefix.clone(),
                output_suffix: row.output_suffix.clone(),
            });
        }
        let path = handoff::handoff_path(&self.ctx.config.store.data_dir);
        if let Err(e) = handoff::write_handoff(&path, &plan) {
            // The sockets are raw descriptors now; the cleanest way out is to exit,
            // which closes them, rather than leave players hanging.
            error!(error = %e, "cannot write the reboot handoff; exiting");
            std::process::exit(1);
        }
        info!(
            sessions = plan.sessions.len(),
            listeners = plan.listeners.len(),
            "handing over to the new binary"
        );
        let err = handoff::exec(&exe, &path);
        error!(error = %err, exe = %exe.display(), "exec failed; exiting so no connection is left hanging");
        let _ = std::fs::remove_file(&path);
        std::process::exit(1);
    }

    /// Keeps the game running until every connection and listener has parked (or the
    /// time is up), so commands already read are still answered.
    async fn gather(
        &mut self,
        table: &CommandTable,
        rx: &mut mpsc::Receiver<GameMsg>,
    ) -> Vec<ParkedSession> {
        let deadline = tokio::time::Instant::now() + GATHER_TIMEOUT;
        let listeners = self.ctx.listen_addrs.len()
            + usize::from(self.ctx.config.front_socket_path().is_some());
        let mut parked = Vec::new();
        loop {
            // Link-dead sessions have no socket to park.
            if parked.len() >= self.ctx.table.len().saturating_sub(self.linkdead.len())
                && self.ctx.reboot.parked_listener_count() >= listeners
            {
                break;
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                warn!(
                    parked = parked.len(),
                    sessions = self.ctx.table.len(),
                    "not every connection parked in time; the rest will be dropped"
                );
                break;
            }
            let wait = (deadline - now).min(Duration::from_millis(20));
            let msg = match tokio::time::timeout(wait, rx.recv()).await {
                Ok(Some(m)) => m,
                Ok(None) => break,
                Err(_) => continue,
            };
            match msg {
                GameMsg::Parked(p) => parked.push(*p),
                // Already rebooting; a shutdown waits until this one ends.
                GameMsg::Reboot { .. } => {}
                GameMsg::Shutdown { by } => self.shutting_down = Some(by),
                other => self.handle(table, other),
            }
        }
        parked
    }

    /// Ends a connection that will not be handed over: announced, history written, its
    /// record removed.
    async fn close_unparked(&mut self, s: &Session) {
        self.disconnected(s.handle, DisconnectKind::Drop);
        self.ctx.wb.push(Key::Conn(s.handle), Op::Delete);
        let (Some(player), Some(login_ms)) = (s.player, s.logged_in_at_ms) else {
            return;
        };
        let how = Some(DisconnectKind::Drop.as_str());
        write_history(&self.ctx, player, s.handle, login_ms, s.peer, how).await;
    }

    fn reboot_refused(&mut self, by: Option<Dbref>, why: &str) {
        warn!(reason = %why, "hot reboot cancelled");
        if let Some(w) = by {
            self.tell(w, &format!("Reboot cancelled: {why}"));
        }
    }

    fn reboot_cancelled(&mut self, parked: Vec<ParkedSession>, by: Option<Dbref>, why: &str) {
        self.ctx.reboot.thaw();
        for p in parked {
            p.give_back();
        }
        for (addr, listener) in self.ctx.reboot.take_listeners() {
            let resumed = match listener {
                handoff::ParkedListener::Tcp(l) => tokio::net::TcpListener::from_std(l)
                    .map(|l| crate::server::spawn_accept(&self.ctx, l, addr.clone())),
                handoff::ParkedListener::Unix(l) => tokio::net::UnixListener::from_std(l)
                    .map(|l| crate::server::spawn_front_accept(&self.ctx, l, addr.clone())),
            };
            if let Err(e) = resumed {
                error!(%addr, error = %e, "cannot resume a listener");
            }
        }
        self.ctx
            .table
            .broadcast(&line_bytes("GAME: Reboot cancelled; carry on."), true);
        self.reboot_refused(by, why);
    }
}
