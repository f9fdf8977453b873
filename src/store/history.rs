//! Session history: one entry per login and per logout, kept per player in the store
//! only (strongly consistent, written synchronously), newest first.

use serde::{Deserialize, Serialize};

/// Entries kept per player.
pub const HISTORY_CAP: usize = 200;

/// One event in a player's session history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRecord {
    /// The connection and the login's Unix milliseconds: together they pair a login
    /// with its logout (one connection may log in several times).
    pub handle: u64,
    #[serde(default)]
    pub login_ms: u64,
    /// Unix seconds.
    pub connected_at: u64,
    /// Unix seconds; `None` in the entry written at login.
    pub disconnected_at: Option<u64>,
    pub host: String,
    /// How the session ended: quit, boot, drop, reboot, crash, shutdown; `None` at login.
    pub how: Option<String>,
}

impl HistoryRecord {
    pub fn encode(&self) -> Vec<u8> {
        rmp_serde::to_vec_named(self).unwrap_or_default()
    }

    pub fn decode(bytes: &[u8]) -> Option<HistoryRecord> {
        rmp_serde::from_slice(bytes).ok()
    }
}

/// Pairs logins with their logouts: one line per session, newest first.
pub fn sessions(entries: &[HistoryRecord]) -> Vec<HistoryRecord> {
    let mut out: Vec<HistoryRecord> = Vec::new();
    for e in entries {
        // Entries come newest first: a logout is seen before its login.
        if out
            .iter()
            .any(|o| o.handle == e.handle && o.login_ms == e.login_ms)
        {
            continue;
        }
        out.push(e.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_round_trips() {
        let login = HistoryRecord {
            handle: 4,
            login_ms: 10_000,
            connected_at: 10,
            disconnected_at: None,
            host: "127.0.0.1".into(),
            how: None,
        };
        let logout = HistoryRecord {
            disconnected_at: Some(20),
            how: Some("quit".into()),
            ..login.clone()
        };
        assert_eq!(
            HistoryRecord::decode(&logout.encode()),
            Some(logout.clone())
        );
        let other = HistoryRecord {
            handle: 9,
            ..login.clone()
        };
        let s = sessions(&[other.clone(), logout.clone(), login]);
        assert_eq!(s, vec![other, logout]);
    }
}
