//! A connection's life as the game sees it: the binding at login, the new player, the
//! arrival (announced, shown the room, ACONNECT), and the departure (announced, last
//! on, ADISCONNECT).

use tracing::info;

use super::{exec, now_secs, Game};
use crate::command;
use crate::session::{now_millis, Handle};
use crate::store::Key;
use crate::world::{Dbref, Flags, Object, ObjectKind};

use super::DisconnectKind;

impl Game {
    /// Binds a connection to a player at login: the game is the one writer of bindings,
    /// and checks at this moment that the name still leads to the player (not renamed
    /// or nuked meanwhile) and the password is still the one verified.
    pub(super) fn bind(
        &mut self,
        handle: Handle,
        player: Dbref,
        name: Option<&str>,
        hash: &str,
    ) -> Result<super::Bound, ()> {
        let current = self.world.get(player).and_then(|o| o.player.as_ref());
        if current.is_none_or(|p| p.password_hash != hash) {
            return Err(());
        }
        if name.is_some_and(|n| self.world.player_by_name(n) != Some(player)) {
            return Err(());
        }
        let now = now_millis();
        if self.ctx.table.with(handle, |_| ()).is_none() {
            return Err(());
        }
        if let Some(bound) = self.reattach_newest(handle, player) {
            return Ok(bound);
        }
        self.ctx.table.bind(handle, player, now);
        self.ctx
            .save_session(handle, &[crate::session::Part::Player]);
        self.issue_token(handle);
        Ok(super::Bound {
            player,
            login_ms: now,
            reattached: None,
        })
    }

    pub fn create_player(&mut self, name: &str, hash: String) -> Result<Dbref, String> {
        self.world
            .check_player_name(name)
            .map_err(|e| e.to_string())?;
        let dbref = self.world.next_dbref();
        let start = Dbref(0);
        let mut obj = Object::new_player(dbref, name, hash, start, now_secs());
        obj.flags = Flags::defaults_for(ObjectKind::Player);
        obj.pennies = self.ctx.config.game.starting_money;
        self.world.insert(obj);
        self.save_whole(dbref);
        self.ctx.wb.set(
            Key::PlayerNames,
            &name.trim().to_lowercase(),
            dbref.to_string(),
        );
        info!(player = %dbref, "new player");
        Ok(dbref)
    }

    pub(super) fn logged_in(&mut self, handle: Handle, player: Dbref, created: bool) {
        self.env = exec::Env::typed(player);
        if let Some(ip) = self.ctx.table.with(handle, |s| s.peer.ip().to_string()) {
            self.stamp_login(player, &ip);
        }
        let name = self.name(player);
        let connections = self.ctx.table.handles_of(player).len();
        if let Some(room) = self.location_of(player).filter(|_| !self.is_dark(player)) {
            let verb = if connections > 1 {
                "reconnected"
            } else {
                "connected"
            };
            self.tell_room(room, &[player], &format!("{name} has {verb}."));
        }
        if connections <= 1 && !self.is_dark(player) {
            self.chan_connection_notice(player, "connected");
        }
        if created {
            self.tell_handle(
                handle,
                &format!("Welcome, {name}! Your character has been created."),
            );
        }
        let view = command::look::describe_location(self, player);
        self.tell_handle(handle, &view);
        if connections <= 1 {
            super::mail::check_mail(self, player);
        }
        self.connection_event(player, "ACONNECT");
    }

    /// Runs a connection event attribute (`ACONNECT`, `ADISCONNECT`) of the player, of
    /// the room they are in, and of the master room and the objects in it.
    fn connection_event(&mut self, player: Dbref, attr: &str) {
        let mut places = vec![player];
        places.extend(self.location_of(player));
        let master = Dbref(self.ctx.config.game.master_room);
        if self
            .world
            .get(master)
            .is_some_and(|o| o.kind == ObjectKind::Room)
        {
            places.push(master);
            places.extend_from_slice(self.world.contents(master));
        }
        places.dedup();
        for obj in places {
            self.queue_action(obj, player, attr);
        }
    }

    pub(super) fn disconnected(&mut self, handle: Handle, how: DisconnectKind) {
        let Some(row) = self.ctx.table.remove(handle) else {
            return;
        };
        let Some(player) = row.player else {
            return;
        };
        if self.world.get(player).is_none() {
            // A destroyed player's last connection is gone: its dbref may be reused.
            if !self.ctx.table.is_connected(player) {
                self.world.release(player);
            }
            return;
        }
        self.player_left(player, &row.peer.ip().to_string(), how);
    }

    /// Announces a departure and records the last-on time once the last connection goes.
    pub fn player_left(&mut self, player: Dbref, host: &str, how: DisconnectKind) {
        self.env = exec::Env::typed(player);
        let name = self.name(player);
        let still_on = self.ctx.table.is_connected(player);
        if !still_on && how != DisconnectKind::Shutdown {
            // As in PennMUSH, mail marked for clearing goes when its owner leaves.
            self.mail.purge(&self.ctx, player);
        }
        if let Some(room) = self.location_of(player).filter(|_| !self.is_dark(player)) {
            let what = if still_on {
                "has partially disconnected."
            } else {
                "has disconnected."
            };
            self.tell_room(room, &[player], &format!("{name} {what}"));
        }
        if !still_on {
            self.chan_disconnected(player);
        }
        if let Some(pd) = self.world.get_mut(player).and_then(|o| o.player.as_mut()) {
            pd.last_on = Some(now_secs());
            pd.last_host = Some(host.to_string());
        }
        self.save(player, &["last_on", "last_host"]);
        self.connection_event(player, "ADISCONNECT");
        tracing::debug!(player = %player, ?how, "player left");
    }
}
