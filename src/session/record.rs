//! A session's stored record: the one place that names its fields and encodes them.
//! Everyone else changes the `Session` row and says which part of it changed; the
//! record is written from the row, so the store can never disagree with memory about
//! what a field holds.

use bytes::Bytes;

use super::socket::Transport;
use super::table::Session;
use super::Handle;
use crate::store::write_behind::Op;
use crate::store::{field_text, field_u64, Key, StoredFields};
use crate::world::Dbref;

/// A part of a session record, written together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// When and from where it connected, and which process holds it.
    Opened,
    /// The bound player and when they logged in (empty on the login screen).
    Player,
    /// Last command time and command count.
    Activity,
    /// Terminal type, window size and charset.
    Terminal,
    /// The WHO text.
    Doing,
    /// OUTPUTPREFIX and OUTPUTSUFFIX.
    Wrappers,
    /// Since when the session is link-dead, and the output kept for it (both empty
    /// while it has a connection).
    LinkDead,
    /// The token that reattaches the session.
    Resume,
}

impl Part {
    pub const ALL: [Part; 8] = [
        Part::Opened,
        Part::Player,
        Part::Activity,
        Part::Terminal,
        Part::Doing,
        Part::Wrappers,
        Part::LinkDead,
        Part::Resume,
    ];
}

/// A link-dead session's kept output as stored: `1` when older output was dropped
/// (else `0`), then the text.
pub fn encode_kept_output(flushed: bool, text: &[u8]) -> Bytes {
    let mut v = Vec::with_capacity(text.len() + 1);
    v.push(if flushed { b'1' } else { b'0' });
    v.extend_from_slice(text);
    Bytes::from(v)
}

/// The inverse of `encode_kept_output`; `None` for an empty or unknown value.
pub fn decode_kept_output(v: &[u8]) -> Option<(bool, Vec<u8>)> {
    let (&flag, text) = v.split_first()?;
    match flag {
        b'0' => Some((false, text.to_vec())),
        b'1' => Some((true, text.to_vec())),
        _ => None,
    }
}

fn text(v: impl Into<String>) -> Bytes {
    Bytes::from(v.into())
}

fn opt_num(v: Option<impl ToString>) -> Bytes {
    text(v.map(|n| n.to_string()).unwrap_or_default())
}

/// The fields of `parts` as they are stored, from the row.
pub fn fields(s: &Session, node: &str, parts: &[Part]) -> Vec<(&'static str, Bytes)> {
    let mut out = Vec::with_capacity(parts.len() * 3);
    for part in parts {
        match part {
            Part::Opened => {
                out.push(("connected_at", text((s.connected_at_ms / 1000).to_string())));
                out.push(("host", text(s.peer.ip().to_string())));
                out.push(("port", text(s.peer.port().to_string())));
                out.push(("node", text(node)));
                out.push((
                    "transport",
                    Bytes::from_static(s.transport.as_str().as_bytes()),
                ));
            }
            Part::Player => {
                out.push(("player", opt_num(s.player)));
                out.push(("logged_in_at", opt_num(s.logged_in_at_ms.map(|t| t / 1000))));
                out.push(("login_ms", opt_num(s.logged_in_at_ms)));
            }
            Part::Activity => {
                out.push(("last_seen", text((s.last_seen_ms / 1000).to_string())));
                out.push(("cmds", text(s.cmds.to_string())));
            }
            Part::Terminal => {
                out.push(("ttype", text(s.terminal.ttype_summary())));
                out.push(("width", opt_num(s.terminal.width)));
                out.push(("height", opt_num(s.terminal.height)));
                out.push((
                    "charset",
                    Bytes::from_static(s.terminal.charset.name().as_bytes()),
                ));
            }
            Part::Doing => out.push(("doing", text(s.doing.clone()))),
            Part::Wrappers => {
                out.push((
                    "output_prefix",
                    text(s.output_prefix.clone().unwrap_or_default()),
                ));
                out.push((
                    "output_suffix",
                    text(s.output_suffix.clone().unwrap_or_default()),
                ));
            }
            Part::LinkDead => {
                out.push(("linkdead_since", opt_num(s.linkdead_since_ms)));
                let kept = if s.is_linkdead() {
                    let (flushed, text) = s.outbound.text_snapshot();
                    encode_kept_output(flushed, &text)
                } else {
                    Bytes::new()
                };
                out.push(("linkdead_output", kept));
            }
            Part::Resume => out.push((
                "resume_token",
                text(s.resume_token.clone().unwrap_or_default()),
            )),
        }
    }
    out
}

/// The store operations that write `parts` of the row.
pub fn ops(s: &Session, node: &str, parts: &[Part]) -> Vec<(Key, Op)> {
    fields(s, node, parts)
        .into_iter()
        .map(|(name, value)| (Key::Conn(s.handle), Op::Set(name.to_string(), value)))
        .collect()
}

/// What a stored session record says, read back leniently: a missing or bad field is
/// `None` rather than a failure, so one damaged field never loses the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredSession {
    pub handle: Handle,
    pub player: Option<Dbref>,
    /// Unix seconds.
    pub connected_at: Option<u64>,
    /// Unix seconds.
    pub logged_in_at: Option<u64>,
    /// Unix milliseconds of the login, which pairs history entries.
    pub login_ms: Option<u64>,
    /// Unix seconds.
    pub last_seen: Option<u64>,
    pub host: Option<String>,
    /// telnet, tls, ws or wss.
    pub transport: Option<Transport>,
    pub cmds: Option<u64>,
    pub doing: Option<String>,
    pub output_prefix: Option<String>,
    pub output_suffix: Option<String>,
    pub port: Option<u16>,
    /// Unix milliseconds since when the session is link-dead.
    pub linkdead_since: Option<u64>,
    /// A link-dead session's kept output: whether older output was dropped, the text.
    pub linkdead_output: Option<(bool, Vec<u8>)>,
    pub resume_token: Option<String>,
}

impl StoredSession {
    pub fn decode(handle: Handle, f: &StoredFields) -> StoredSession {
        let nonempty = |name: &str| field_text(f, name).filter(|v| !v.is_empty());
        StoredSession {
            handle,
            player: field_text(f, "player").and_then(|p| Dbref::parse(&p)),
            connected_at: field_u64(f, "connected_at"),
            logged_in_at: field_u64(f, "logged_in_at"),
            login_ms: field_u64(f, "login_ms"),
            last_seen: field_u64(f, "last_seen"),
            host: nonempty("host"),
            transport: field_text(f, "transport").and_then(|t| Transport::parse(&t)),
            cmds: field_u64(f, "cmds"),
            doing: field_text(f, "doing"),
            output_prefix: nonempty("output_prefix"),
            output_suffix: nonempty("output_suffix"),
            port: field_text(f, "port").and_then(|p| p.parse().ok()),
            linkdead_since: field_u64(f, "linkdead_since"),
            linkdead_output: f.get("linkdead_output").and_then(|v| decode_kept_output(v)),
            resume_token: nonempty("resume_token"),
        }
    }

    /// When the bound player logged in, in Unix seconds, as best the record knows.
    pub fn login_secs(&self) -> Option<u64> {
        self.login_ms.map(|ms| ms / 1000).or(self.logged_in_at)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::session::Outbound;

    #[test]
    fn every_part_round_trips() {
        let mut s = Session::new(
            7,
            "127.0.0.1:4000".parse().expect("addr"),
            Arc::new(Outbound::new(4096)),
        );
        s.player = Some(Dbref(3));
        s.logged_in_at_ms = Some(1_700_000_000_123);
        s.cmds = 9;
        s.doing = "coding".into();
        s.output_suffix = Some("--end--".into());
        s.transport = Transport::Wss;
        let stored: StoredFields = fields(&s, "node-1", &Part::ALL)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect();
        let back = StoredSession::decode(7, &stored);
        assert_eq!(back.player, Some(Dbref(3)));
        assert_eq!(back.login_ms, Some(1_700_000_000_123));
        assert_eq!(back.login_secs(), Some(1_700_000_000));
        assert_eq!(back.cmds, Some(9));
        assert_eq!(back.doing.as_deref(), Some("coding"));
        assert_eq!(back.output_prefix, None);
        assert_eq!(back.output_suffix.as_deref(), Some("--end--"));
        assert_eq!(back.host.as_deref(), Some("127.0.0.1"));
        assert_eq!(back.transport, Some(Transport::Wss));
        assert_eq!(back.port, Some(4000));
        assert_eq!(back.linkdead_since, None);
        assert_eq!(back.linkdead_output, None);
        assert_eq!(back.resume_token, None);
    }

    #[test]
    fn linkdead_state_round_trips() {
        let mut s = Session::new(
            8,
            "127.0.0.1:4000".parse().expect("addr"),
            Arc::new(Outbound::new(16)),
        );
        s.linkdead_since_ms = Some(1_700_000_000_456);
        s.resume_token = Some("abc123".into());
        s.outbound.push_text(Bytes::from_static(b"first line\n"));
        s.outbound.push_text(Bytes::from_static(b"second\n"));
        let stored: StoredFields = fields(&s, "node-1", &[Part::LinkDead, Part::Resume])
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect();
        let back = StoredSession::decode(8, &stored);
        assert_eq!(back.linkdead_since, Some(1_700_000_000_456));
        assert_eq!(back.resume_token.as_deref(), Some("abc123"));
        // The 16-byte bound dropped the first line.
        assert_eq!(back.linkdead_output, Some((true, b"second\n".to_vec())));
    }

    #[test]
    fn bad_fields_are_none() {
        let mut f = StoredFields::new();
        f.insert("player".into(), b"garbage".to_vec());
        f.insert("cmds".into(), b"-3".to_vec());
        let back = StoredSession::decode(1, &f);
        assert_eq!(back.player, None);
        assert_eq!(back.cmds, None);
    }
}
