//! The evaluator's view of what players hold beyond flags: money and building quota,
//! and the connection list.

use mushd_softcode::host::{Dbref as SoftDbref, SessionInfo};

use super::{to_soft, WorldHost};

/// What `money()` and `quota()` report for those without a limit (PennMUSH's
/// max_pennies, and its "unlimited" quota).
const MAX_PENNIES: i64 = 100_000;
const UNLIMITED_QUOTA: i64 = 99_999;

impl WorldHost<'_> {
    /// PennMUSH's money(): God and holders of No_Pay have the most there is.
    pub(super) fn money_of(&self, obj: SoftDbref) -> i64 {
        let Some(o) = self.object(obj) else {
            return 0;
        };
        if o.dbref == crate::game::GOD || o.powers.has("No_Pay") {
            MAX_PENNIES
        } else {
            o.pennies
        }
    }

    /// PennMUSH's quota(): what a player owns plus what it may still build, which with
    /// one game-wide limit is the limit itself; wizards, what wizards own and holders
    /// of No_Quota have no limit.
    pub(super) fn quota_of(&self, obj: SoftDbref) -> i64 {
        let Some(o) = self.object(obj) else {
            return 0;
        };
        let limit = self.game.ctx.config.game.building_quota;
        let unlimited =
            limit == 0 || o.is_wizard() || self.game.is_wizard(o.owner) || o.powers.has("No_Quota");
        if unlimited {
            return UNLIMITED_QUOTA;
        }
        let owned = self.game.world.owned_by(o.dbref);
        i64::try_from(owned.max(limit)).unwrap_or(i64::MAX)
    }

    /// Every connection as the evaluator sees it, oldest login (or connection) first.
    pub(super) fn connection_list(&self) -> Vec<SessionInfo> {
        let now = crate::session::table::now_millis();
        let mut all = self.game.ctx.table.snapshot();
        all.sort_by_key(|s| (s.logged_in_at_ms.unwrap_or(s.connected_at_ms), s.handle));
        let secs = |ms: u64| i64::try_from(now.saturating_sub(ms) / 1000).unwrap_or(0);
        let num = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        all.into_iter()
            .map(|s| {
                let t = &s.terminal;
                let colors = match t.mtts {
                    Some(m) if m & 8 != 0 => 256,
                    Some(m) if m & 1 != 0 => 16,
                    _ => 0,
                };
                SessionInfo {
                    player: to_soft(s.player),
                    port: num(s.handle),
                    conn_secs: secs(s.logged_in_at_ms.unwrap_or(s.connected_at_ms)),
                    idle_secs: secs(s.last_seen_ms),
                    doing: s.doing.clone(),
                    ip: s.peer.ip().to_string(),
                    cmds: num(s.cmds),
                    bytes_in: num(s.bytes_in),
                    bytes_out: num(s.bytes_out()),
                    width: t.width.map(i64::from),
                    height: t.height.map(i64::from),
                    client: t.client.clone(),
                    telnet: t.client.is_some()
                        || t.width.is_some()
                        || t.mtts.is_some()
                        || t.charset_negotiated,
                    ascii_only: false,
                    colors,
                }
            })
            .collect()
    }
}
