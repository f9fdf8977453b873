//! Persistence: the `Store` trait, its backends and the write-behind engine in front of them.
//!
//! Every record is a small hash of named fields under a key such as `conn:7` or `obj:3`,
//! so a backend can write just the fields that changed.

pub mod embedded;
pub mod history;
pub mod redis;
pub mod write_behind;

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;

use crate::config::{Backend, StoreConfig};
use crate::world::{Dbref, Object};

pub use history::{HistoryRecord, HISTORY_CAP};
pub use write_behind::{CriticalError, WriteBehind};

/// Field values as they are handed to a backend.
pub type Fields = BTreeMap<String, Bytes>;
/// Field values as read back.
pub type StoredFields = BTreeMap<String, Vec<u8>>;

/// The key of one record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// A live connection's metadata, by handle.
    Conn(u64),
    /// A game object, by dbref.
    Obj(Dbref),
    /// The player name index: lower-case name → dbref.
    PlayerNames,
    /// Global user functions (`@function`): upper-case name → `#obj/ATTR`.
    Functions,
    /// The command queue's waiting entries: pid → entry (MessagePack).
    Queue,
    /// A player's mailbox: `m<id>` → message, `meta` → folders (MessagePack).
    Mail(Dbref),
    /// The channel index: lower-case channel name → name.
    Channels,
    /// One channel (definition and members), by lower-case name.
    Chan(String),
    /// One channel's recall buffer, by lower-case name.
    ChanRecall(String),
}

/// Which family of records to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Conn,
    Obj,
    Mail,
}

impl Key {
    pub fn kind(&self) -> KeyKind {
        match self {
            Key::Conn(_) => KeyKind::Conn,
            Key::Obj(_)
            | Key::PlayerNames
            | Key::Functions
            | Key::Queue
            | Key::Channels
            | Key::Chan(_)
            | Key::ChanRecall(_) => KeyKind::Obj,
            Key::Mail(_) => KeyKind::Mail,
        }
    }

    /// Parses the form produced by `Display`.
    pub fn parse(s: &str) -> Option<Key> {
        let (kind, id) = s.split_once(':')?;
        match kind {
            "conn" => id.parse().ok().map(Key::Conn),
            "obj" => Dbref::parse(id).map(Key::Obj),
            "mail" => Dbref::parse(id).map(Key::Mail),
            _ => None,
        }
    }
}

impl KeyKind {
    pub fn prefix(self) -> &'static str {
        match self {
            KeyKind::Conn => "conn:",
            KeyKind::Obj => "obj:",
            KeyKind::Mail => "mail:",
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Conn(h) => write!(f, "conn:{h}"),
            Key::Obj(d) => write!(f, "obj:{d}"),
            Key::PlayerNames => write!(f, "player_names"),
            Key::Functions => write!(f, "functions"),
            Key::Queue => write!(f, "queue"),
            Key::Mail(d) => write!(f, "mail:{d}"),
            Key::Channels => write!(f, "channels"),
            Key::Chan(n) => write!(f, "chan:{n}"),
            Key::ChanRecall(n) => write!(f, "chanrecall:{n}"),
        }
    }
}

/// One record's change within a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordWrite {
    pub key: Key,
    /// Remove the whole record before applying `set` (a deletion when `set` is empty).
    pub delete_first: bool,
    pub set: Vec<(String, Bytes)>,
    pub remove: Vec<String>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store data is corrupt: {0}")]
    Corrupt(String),
}

pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A durable backend. Implementations apply a batch atomically (a transaction or a
/// MULTI/EXEC pipeline) and never hold the caller's locks.
pub trait Store: Send + Sync + 'static {
    /// Short name for logs and `@stats`.
    fn backend_name(&self) -> &'static str;
    /// Applies every write in one atomic step.
    fn apply(&self, batch: Vec<RecordWrite>) -> StoreFuture<'_, ()>;
    /// Reads every record of one kind.
    fn load(&self, kind: KeyKind) -> StoreFuture<'_, Vec<(Key, StoredFields)>>;
    /// Reads every object, decoding each record as it is read (so a big world is never
    /// in memory twice); also says how many records could not be decoded.
    fn load_objects(&self) -> StoreFuture<'_, (Vec<Object>, usize)> {
        Box::pin(async move {
            let mut objects = Vec::new();
            let mut unreadable = 0;
            for (key, fields) in self.load(KeyKind::Obj).await? {
                match decode_object(&key, &fields) {
                    Some(o) => objects.push(o),
                    None => unreadable += 1,
                }
            }
            Ok((objects, unreadable))
        })
    }
    /// Every field of one record (empty when there is none).
    fn load_record(&self, key: &Key) -> StoreFuture<'_, StoredFields>;
    /// Reserves `count` connection handles; returns the first. Handles are never reused.
    fn reserve_handles(&self, count: u64) -> StoreFuture<'_, u64>;
    /// Makes sure the handle counter is at least `floor` (after the store lost its data).
    fn raise_handle_floor(&self, floor: u64) -> StoreFuture<'_, ()>;
    /// The store's epoch marker; `None` when the store has lost (or never had) it.
    fn epoch(&self) -> StoreFuture<'_, Option<String>>;
    fn set_epoch(&self, epoch: String) -> StoreFuture<'_, ()>;
    /// Appends to a player's session history, keeping the newest `HISTORY_CAP` entries.
    fn append_history(&self, player: Dbref, record: HistoryRecord) -> StoreFuture<'_, ()>;
    /// The newest `limit` history entries, newest first.
    fn read_history(&self, player: Dbref, limit: usize) -> StoreFuture<'_, Vec<HistoryRecord>>;
}

/// An object from its record; `None` for a key that is not an object or bad fields.
pub fn decode_object(key: &Key, fields: &StoredFields) -> Option<Object> {
    match key {
        Key::Obj(dbref) => Object::from_fields(*dbref, fields),
        _ => None,
    }
}

/// Opens the configured backend.
pub async fn open(config: &StoreConfig) -> anyhow::Result<Arc<dyn Store>> {
    match config.backend {
        Backend::Embedded => {
            let store = embedded::EmbeddedStore::open(&config.data_dir).await?;
            Ok(Arc::new(store))
        }
        Backend::Redis => {
            let store = redis::RedisStore::connect(&config.redis).await?;
            Ok(Arc::new(store))
        }
    }
}

/// Reads a field as UTF-8 text.
pub fn field_text(fields: &StoredFields, name: &str) -> Option<String> {
    fields
        .get(name)
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// Reads a field as a number.
pub fn field_u64(fields: &StoredFields, name: &str) -> Option<u64> {
    field_text(fields, name).and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for k in [Key::Conn(42), Key::Obj(Dbref(7)), Key::Mail(Dbref(3))] {
            assert_eq!(Key::parse(&k.to_string()), Some(k));
        }
        assert_eq!(Key::parse("nope:1"), None);
    }
}
