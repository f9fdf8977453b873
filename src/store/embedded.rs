//! The default backend: one redb file under the data directory, crash-safe by design
//! (copy-on-write B-trees, fsync on commit), so `cargo run` needs nothing installed.

use std::path::Path;
use std::sync::Arc;

use redb::{Database, ReadableTable, TableDefinition};
use serde_bytes::ByteBuf;
use tokio::sync::{mpsc, oneshot};

use super::decode_object;
use super::{
    HistoryRecord, Key, KeyKind, RecordWrite, Store, StoreError, StoreFuture, StoredFields,
    HISTORY_CAP,
};
use crate::world::{Dbref, Object};

/// Record fields, one entry each, keyed `<record>\0<field>` (see `field_key`).
const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("records");
/// Counters such as the next connection handle.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Session history by player dbref: an rmp-serde list of entries, newest first.
const HISTORY: TableDefinition<&str, &[u8]> = TableDefinition::new("history");
const NEXT_HANDLE: &str = "next_handle";
const EPOCH: &str = "epoch";

pub struct EmbeddedStore {
    db: Arc<Database>,
    history: mpsc::Sender<HistoryAppend>,
}

/// One history append waiting for its group commit.
type HistoryAppend = (
    Dbref,
    HistoryRecord,
    oneshot::Sender<Result<(), StoreError>>,
);

/// redb's page cache: bounded, so memory does not grow with the number of commits.
const CACHE_BYTES: usize = 1024 * 1024;
/// History appends committed together at most.
const HISTORY_BATCH: usize = 512;

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

impl EmbeddedStore {
    /// Opens (or creates) `<data_dir>/mushd.redb`.
    pub async fn open(data_dir: &Path) -> anyhow::Result<EmbeddedStore> {
        let dir = data_dir.to_path_buf();
        let db = tokio::task::spawn_blocking(move || -> anyhow::Result<Database> {
            std::fs::create_dir_all(&dir).map_err(|e| {
                anyhow::anyhow!("cannot create data directory {}: {e}", dir.display())
            })?;
            let path = dir.join("mushd.redb");
            let db = redb::Builder::new()
                .set_cache_size(CACHE_BYTES)
                .create(&path)
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
            let txn = db.begin_write()?;
            txn.open_table(RECORDS)?;
            txn.open_table(META)?;
            txn.open_table(HISTORY)?;
            txn.commit()?;
            Ok(db)
        })
        .await??;
        let db = Arc::new(db);
        let (tx, rx) = mpsc::channel(4 * HISTORY_BATCH);
        tokio::spawn(history_writer(Arc::downgrade(&db), rx));
        Ok(EmbeddedStore { db, history: tx })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(unavailable)?
    }
}

/// The redb key of one field: `<record>\0<field>`, so a record is a key range and a
/// field update touches one entry (no read-modify-write of the whole record).
fn field_key(record: &str, field: &str) -> String {
    let mut k = String::with_capacity(record.len() + field.len() + 1);
    k.push_str(record);
    k.push('\0');
    k.push_str(field);
    k
}

/// The key range holding every field of `record`.
fn record_range(record: &str) -> (String, String) {
    (format!("{record}\u{0}"), format!("{record}\u{1}"))
}

fn apply_batch(db: &Database, batch: Vec<RecordWrite>) -> Result<(), StoreError> {
    let txn = db.begin_write().map_err(unavailable)?;
    {
        let mut table = txn.open_table(RECORDS).map_err(unavailable)?;
        for write in batch {
            let record = write.key.to_string();
            if write.delete_first {
                let (from, to) = record_range(&record);
                let keys: Vec<String> = table
                    .range(from.as_str()..to.as_str())
                    .map_err(unavailable)?
                    .filter_map(|item| item.ok().map(|(k, _)| k.value().to_string()))
                    .collect();
                for k in keys {
                    table.remove(k.as_str()).map_err(unavailable)?;
                }
            }
            for name in write.remove {
                table
                    .remove(field_key(&record, &name).as_str())
                    .map_err(unavailable)?;
            }
            for (name, value) in write.set {
                table
                    .insert(field_key(&record, &name).as_str(), value.as_ref())
                    .map_err(unavailable)?;
            }
        }
    }
    txn.commit().map_err(unavailable)
}

fn load_record(db: &Database, record: &str) -> Result<StoredFields, StoreError> {
    let txn = db.begin_read().map_err(unavailable)?;
    let table = txn.open_table(RECORDS).map_err(unavailable)?;
    let (from, to) = record_range(record);
    let mut fields = StoredFields::new();
    for item in table
        .range(from.as_str()..to.as_str())
        .map_err(unavailable)?
    {
        let (k, v) = item.map_err(unavailable)?;
        if let Some((_, field)) = k.value().split_once('\0') {
            fields.insert(field.to_string(), v.value().to_vec());
        }
    }
    Ok(fields)
}

fn load_kind(db: &Database, kind: KeyKind) -> Result<Vec<(Key, StoredFields)>, StoreError> {
    let mut out = Vec::new();
    scan_kind(db, kind, |key, fields| out.push((key, fields)))?;
    Ok(out)
}

/// Every object, each decoded as soon as its fields are read.
fn load_objects(db: &Database) -> Result<(Vec<Object>, usize), StoreError> {
    let mut objects = Vec::new();
    let mut unreadable = 0;
    scan_kind(db, KeyKind::Obj, |key, fields| {
        match decode_object(&key, &fields) {
            Some(o) => objects.push(o),
            None => unreadable += 1,
        }
    })?;
    Ok((objects, unreadable))
}

/// Calls `each` with every record of a kind, in key order.
fn scan_kind(
    db: &Database,
    kind: KeyKind,
    mut each: impl FnMut(Key, StoredFields),
) -> Result<(), StoreError> {
    let txn = db.begin_read().map_err(unavailable)?;
    let table = txn.open_table(RECORDS).map_err(unavailable)?;
    let prefix = kind.prefix();
    let mut current: Option<(String, Key, StoredFields)> = None;
    for item in table.range(prefix..).map_err(unavailable)? {
        let (k, v) = item.map_err(unavailable)?;
        let k = k.value();
        if !k.starts_with(prefix) {
            break;
        }
        let Some((record, field)) = k.split_once('\0') else {
            continue;
        };
        if current.as_ref().is_none_or(|(r, _, _)| r != record) {
            if let Some((_, key, fields)) = current.take() {
                each(key, fields);
            }
            let Some(key) = Key::parse(record) else {
                continue;
            };
            current = Some((record.to_string(), key, StoredFields::new()));
        }
        if let Some((_, _, fields)) = current.as_mut() {
            fields.insert(field.to_string(), v.value().to_vec());
        }
    }
    if let Some((_, key, fields)) = current.take() {
        each(key, fields);
    }
    Ok(())
}

fn reserve(db: &Database, count: u64) -> Result<u64, StoreError> {
    let txn = db.begin_write().map_err(unavailable)?;
    let first = {
        let mut meta = txn.open_table(META).map_err(unavailable)?;
        let first = meta
            .get(NEXT_HANDLE)
            .map_err(unavailable)?
            .map(|v| v.value())
            .unwrap_or(1);
        meta.insert(NEXT_HANDLE, first + count)
            .map_err(unavailable)?;
        first
    };
    txn.commit().map_err(unavailable)?;
    Ok(first)
}

fn raise_floor(db: &Database, floor: u64) -> Result<(), StoreError> {
    let txn = db.begin_write().map_err(unavailable)?;
    {
        let mut meta = txn.open_table(META).map_err(unavailable)?;
        let current = meta
            .get(NEXT_HANDLE)
            .map_err(unavailable)?
            .map(|v| v.value())
            .unwrap_or(1);
        if current < floor {
            meta.insert(NEXT_HANDLE, floor).map_err(unavailable)?;
        }
    }
    txn.commit().map_err(unavailable)
}

fn read_epoch(db: &Database) -> Result<Option<String>, StoreError> {
    let txn = db.begin_read().map_err(unavailable)?;
    let meta = txn.open_table(META).map_err(unavailable)?;
    let value = meta.get(EPOCH).map_err(unavailable)?.map(|v| v.value());
    Ok(value.map(|v| v.to_string()))
}

fn write_epoch(db: &Database, epoch: &str) -> Result<(), StoreError> {
    let value: u64 = epoch
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("epoch {epoch:?} is not a number")))?;
    let txn = db.begin_write().map_err(unavailable)?;
    txn.open_table(META)
        .map_err(unavailable)?
        .insert(EPOCH, value)
        .map_err(unavailable)?;
    txn.commit().map_err(unavailable)
}

fn history_list(bytes: Option<&[u8]>) -> Vec<Vec<u8>> {
    bytes.and_then(decode_history_list).unwrap_or_default()
}

/// A stored history list; `None` when the bytes are not one.
fn decode_history_list(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    rmp_serde::from_slice::<Vec<ByteBuf>>(bytes)
        .ok()
        .map(|v| v.into_iter().map(ByteBuf::into_vec).collect())
}

/// Group commit: every append queued meanwhile goes into one transaction, so many
/// logins at once cost one fsync instead of one each. Each caller still waits for
/// its own append to be durable.
async fn history_writer(db: std::sync::Weak<Database>, mut rx: mpsc::Receiver<HistoryAppend>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < HISTORY_BATCH {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        // Weak: the store closes its file when dropped, even while this task lingers.
        let Some(db) = db.upgrade() else {
            return;
        };
        let records: Vec<(Dbref, HistoryRecord)> =
            batch.iter().map(|(p, r, _)| (*p, r.clone())).collect();
        let result = tokio::task::spawn_blocking(move || push_history(&db, &records))
            .await
            .unwrap_or_else(|e| Err(unavailable(e)));
        for (_, _, done) in batch {
            let _ = done.send(result.clone());
        }
    }
}

fn push_history(db: &Database, records: &[(Dbref, HistoryRecord)]) -> Result<(), StoreError> {
    let txn = db.begin_write().map_err(unavailable)?;
    {
        let mut table = txn.open_table(HISTORY).map_err(unavailable)?;
        for (player, record) in records {
            let key = player.to_string();
            let existing: Option<Vec<u8>> = table
                .get(key.as_str())
                .map_err(unavailable)?
                .map(|v| v.value().to_vec());
            let mut list = match existing.as_deref().map(decode_history_list) {
                None => Vec::new(),
                Some(Some(list)) => list,
                Some(None) => {
                    // Never overwrite what cannot be read: keep it aside for the operator.
                    let aside = format!("{key}:unreadable:{}", crate::session::now_millis());
                    tracing::warn!(player = %player, kept_as = %aside, "session history could not be read; starting a new one");
                    if let Some(bytes) = &existing {
                        table
                            .insert(aside.as_str(), bytes.as_slice())
                            .map_err(unavailable)?;
                    }
                    Vec::new()
                }
            };
            list.insert(0, record.encode());
            list.truncate(HISTORY_CAP);
            let encoded: Vec<ByteBuf> = list.into_iter().map(ByteBuf::from).collect();
            let bytes =
                rmp_serde::to_vec(&encoded).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            table
                .insert(key.as_str(), bytes.as_slice())
                .map_err(unavailable)?;
        }
    }
    txn.commit().map_err(unavailable)
}

fn read_history(
    db: &Database,
    player: Dbref,
    limit: usize,
) -> Result<Vec<HistoryRecord>, StoreError> {
    let txn = db.begin_read().map_err(unavailable)?;
    let table = txn.open_table(HISTORY).map_err(unavailable)?;
    let existing = table
        .get(player.to_string().as_str())
        .map_err(unavailable)?;
    Ok(history_list(existing.as_ref().map(|v| v.value()))
        .iter()
        .take(limit)
        .filter_map(|b| HistoryRecord::decode(b))
        .collect())
}

impl Store for EmbeddedStore {
    fn backend_name(&self) -> &'static str {
        "embedded"
    }

    fn apply(&self, batch: Vec<RecordWrite>) -> StoreFuture<'_, ()> {
        Box::pin(self.blocking(move |db| apply_batch(db, batch)))
    }

    fn load(&self, kind: KeyKind) -> StoreFuture<'_, Vec<(Key, StoredFields)>> {
        Box::pin(self.blocking(move |db| load_kind(db, kind)))
    }

    fn load_objects(&self) -> StoreFuture<'_, (Vec<Object>, usize)> {
        Box::pin(self.blocking(load_objects))
    }

    fn load_record(&self, key: &Key) -> StoreFuture<'_, StoredFields> {
        let record = key.to_string();
        Box::pin(self.blocking(move |db| load_record(db, &record)))
    }

    fn reserve_handles(&self, count: u64) -> StoreFuture<'_, u64> {
        Box::pin(self.blocking(move |db| reserve(db, count)))
    }

    fn raise_handle_floor(&self, floor: u64) -> StoreFuture<'_, ()> {
        Box::pin(self.blocking(move |db| raise_floor(db, floor)))
    }

    fn epoch(&self) -> StoreFuture<'_, Option<String>> {
        Box::pin(self.blocking(read_epoch))
    }

    fn set_epoch(&self, epoch: String) -> StoreFuture<'_, ()> {
        Box::pin(self.blocking(move |db| write_epoch(db, &epoch)))
    }

    fn append_history(&self, player: Dbref, record: HistoryRecord) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let (done, wait) = oneshot::channel();
            self.history
                .send((player, record, done))
                .await
                .map_err(|_| unavailable("the history writer has stopped"))?;
            wait.await
                .map_err(|_| unavailable("the history writer has stopped"))?
        })
    }

    fn read_history(&self, player: Dbref, limit: usize) -> StoreFuture<'_, Vec<HistoryRecord>> {
        Box::pin(self.blocking(move |db| read_history(db, player, limit)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Dbref;
    use bytes::Bytes;

    fn set(key: Key, pairs: &[(&str, &str)]) -> RecordWrite {
        RecordWrite {
            key,
            delete_first: false,
            set: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Bytes::copy_from_slice(v.as_bytes())))
                .collect(),
            remove: vec![],
        }
    }

    #[tokio::test]
    async fn fields_merge_and_delete() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).await.expect("open");
        store
            .apply(vec![set(
                Key::Conn(5),
                &[("player", "#3"), ("width", "80")],
            )])
            .await
            .expect("apply");
        store
            .apply(vec![
                set(Key::Conn(5), &[("width", "132")]),
                set(Key::Obj(Dbref(1)), &[("name", "One")]),
            ])
            .await
            .expect("apply");
        let conns = store.load(KeyKind::Conn).await.expect("load");
        assert_eq!(conns.len(), 1);
        assert_eq!(
            conns[0].1.get("width").map(Vec::as_slice),
            Some(&b"132"[..])
        );
        assert_eq!(
            conns[0].1.get("player").map(Vec::as_slice),
            Some(&b"#3"[..])
        );
        store
            .apply(vec![RecordWrite {
                key: Key::Conn(5),
                delete_first: true,
                set: vec![],
                remove: vec![],
            }])
            .await
            .expect("delete");
        assert!(store.load(KeyKind::Conn).await.expect("load").is_empty());
        assert_eq!(store.load(KeyKind::Obj).await.expect("load").len(), 1);
    }

    #[tokio::test]
    async fn history_is_capped_newest_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).await.expect("open");
        for i in 0..(HISTORY_CAP as u64 + 5) {
            let rec = HistoryRecord {
                handle: i,
                login_ms: i,
                connected_at: i,
                disconnected_at: None,
                host: "h".into(),
                how: None,
            };
            store.append_history(Dbref(2), rec).await.expect("append");
        }
        let all = store.read_history(Dbref(2), 1000).await.expect("read");
        assert_eq!(all.len(), HISTORY_CAP);
        assert_eq!(all[0].handle, HISTORY_CAP as u64 + 4);
        assert!(store
            .read_history(Dbref(3), 10)
            .await
            .expect("read")
            .is_empty());
        assert_eq!(store.epoch().await.expect("epoch"), None);
        store.set_epoch("42".into()).await.expect("set");
        assert_eq!(store.epoch().await.expect("epoch").as_deref(), Some("42"));
    }

    #[tokio::test]
    async fn one_record_loads_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).await.expect("open");
        store
            .apply(vec![
                set(Key::Functions, &[("DOUBLE", "#3/FN_DOUBLE")]),
                set(Key::Obj(Dbref(3)), &[("name", "Lib")]),
            ])
            .await
            .expect("apply");
        let f = store.load_record(&Key::Functions).await.expect("load");
        assert_eq!(f.len(), 1);
        assert_eq!(
            f.get("DOUBLE").map(Vec::as_slice),
            Some(&b"#3/FN_DOUBLE"[..])
        );
        assert!(store
            .load_record(&Key::PlayerNames)
            .await
            .expect("load")
            .is_empty());
    }

    #[tokio::test]
    async fn unreadable_history_is_kept_aside_not_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).await.expect("open");
        {
            let txn = store.db.begin_write().expect("txn");
            txn.open_table(HISTORY)
                .expect("table")
                .insert("#2", &b"\xc1 not msgpack"[..])
                .expect("insert");
            txn.commit().expect("commit");
        }
        let rec = HistoryRecord {
            handle: 1,
            login_ms: 1,
            connected_at: 1,
            disconnected_at: None,
            host: "h".into(),
            how: None,
        };
        store.append_history(Dbref(2), rec).await.expect("append");
        assert_eq!(
            store.read_history(Dbref(2), 10).await.expect("read").len(),
            1
        );
        let txn = store.db.begin_read().expect("txn");
        let table = txn.open_table(HISTORY).expect("table");
        let kept: Vec<String> = table
            .iter()
            .expect("iter")
            .filter_map(|e| e.ok())
            .map(|(k, _)| k.value().to_string())
            .filter(|k| k.starts_with("#2:unreadable:"))
            .collect();
        assert_eq!(kept.len(), 1, "{kept:?}");
    }

    #[tokio::test]
    async fn handles_survive_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = EmbeddedStore::open(dir.path()).await.expect("open");
            assert_eq!(store.reserve_handles(10).await.expect("reserve"), 1);
            assert_eq!(store.reserve_handles(10).await.expect("reserve"), 11);
        }
        let store = EmbeddedStore::open(dir.path()).await.expect("reopen");
        assert_eq!(store.reserve_handles(10).await.expect("reserve"), 21);
    }
}
