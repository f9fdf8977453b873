//! The write-behind engine: callers hand it field updates and never wait; it keeps the
//! newest value per key and field, flushes them in one batch per interval, and retries
//! with capped backoff while the store is down.
//!
//! Every update carries a sequence number taken when it was made, so whichever path it
//! travels (the bounded channel, or the overflow map when the channel is full) and
//! however often a failed batch is merged back, an older value never replaces a newer one.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot, Notify};

use super::{Key, RecordWrite, Store, StoreError};

/// Updates the channel holds before producers fall back to the overflow map.
const CHANNEL_CAPACITY: usize = 8192;
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Least time between two "store down" warnings.
const WARN_EVERY: Duration = Duration::from_secs(30);
/// How often the engine checks that the store still holds its epoch marker.
const EPOCH_CHECK: Duration = Duration::from_secs(1);

/// One change to one record.
#[derive(Debug, Clone)]
pub enum Op {
    Set(String, Bytes),
    Remove(String),
    /// Remove the whole record.
    Delete,
}

#[derive(Debug)]
struct Update {
    seq: u64,
    key: Key,
    op: Op,
}

enum Msg {
    Update(Update),
    /// Flush now and report the outcome.
    Barrier(oneshot::Sender<Result<(), StoreError>>),
    /// Flush everything (retrying until the deadline), then stop.
    Shutdown(Instant, oneshot::Sender<Result<(), StoreError>>),
}

/// Counters and gauges, read by `@stats` and the metrics endpoint.
#[derive(Debug, Default)]
pub struct WriteBehindStats {
    pub dirty_keys: AtomicU64,
    pub flushes: AtomicU64,
    pub flushes_failed: AtomicU64,
    pub retries: AtomicU64,
    pub items_written: AtomicU64,
    pub last_flush_micros: AtomicU64,
    pub flush_micros_total: AtomicU64,
    pub overflowed: AtomicU64,
    pub critical_writes: AtomicU64,
    pub critical_failures: AtomicU64,
    pub critical_micros_total: AtomicU64,
    pub store_up: AtomicBool,
    pub resyncs: AtomicU64,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CriticalError {
    #[error("the store did not answer in time")]
    Timeout,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the write-behind engine has stopped")]
    Stopped,
}

/// Pending changes to one record.
#[derive(Debug, Default)]
struct DirtyRecord {
    /// Sequence of the newest whole-record deletion, 0 for none.
    delete_seq: u64,
    fields: HashMap<String, (u64, Option<Bytes>)>,
}

/// The coalescing map: memory grows with the number of keys, not of updates.
#[derive(Debug, Default)]
struct Dirty {
    records: HashMap<Key, DirtyRecord>,
}

impl Dirty {
    fn merge(&mut self, u: Update) {
        let rec = self.records.entry(u.key).or_default();
        match u.op {
            Op::Delete => {
                if u.seq > rec.delete_seq {
                    rec.delete_seq = u.seq;
                    rec.fields.retain(|_, (seq, _)| *seq > u.seq);
                }
            }
            Op::Set(field, value) => Self::merge_field(rec, u.seq, field, Some(value)),
            Op::Remove(field) => Self::merge_field(rec, u.seq, field, None),
        }
    }

    fn merge_field(rec: &mut DirtyRecord, seq: u64, field: String, value: Option<Bytes>) {
        if seq < rec.delete_seq {
            return;
        }
        match rec.fields.get_mut(&field) {
            Some(existing) if existing.0 >= seq => {}
            Some(existing) => *existing = (seq, value),
            None => {
                rec.fields.insert(field, (seq, value));
            }
        }
    }

    /// Puts back a batch that failed; newer values already here win.
    fn merge_back(&mut self, old: Dirty) {
        for (key, rec) in old.records {
            if rec.delete_seq > 0 {
                self.merge(Update {
                    seq: rec.delete_seq,
                    key: key.clone(),
                    op: Op::Delete,
                });
            }
            for (field, (seq, value)) in rec.fields {
                let op = match value {
                    Some(v) => Op::Set(field, v),
                    None => Op::Remove(field),
                };
                self.merge(Update {
                    seq,
                    key: key.clone(),
                    op,
                });
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    fn to_writes(&self) -> (Vec<RecordWrite>, u64) {
        let mut items = 0;
        let writes = self
            .records
            .iter()
            .map(|(key, rec)| {
                let mut w = RecordWrite {
                    key: key.clone(),
                    delete_first: rec.delete_seq > 0,
                    set: Vec::new(),
                    remove: Vec::new(),
                };
                for (field, (_, value)) in &rec.fields {
                    match value {
                        Some(v) => w.set.push((field.clone(), v.clone())),
                        None => w.remove.push(field.clone()),
                    }
                }
                items += (w.set.len() + w.remove.len()).max(1) as u64;
                w
            })
            .collect();
        (writes, items)
    }
}

struct Shared {
    tx: mpsc::Sender<Msg>,
    overflow: Mutex<Dirty>,
    seq: AtomicU64,
    stats: Arc<WriteBehindStats>,
    critical_timeout: Duration,
    resync: Arc<Notify>,
}

/// A cheap handle to the engine; clone it freely.
#[derive(Clone)]
pub struct WriteBehind {
    shared: Arc<Shared>,
}

impl WriteBehind {
    /// Starts the engine task in front of `store`.
    pub fn start(
        store: Arc<dyn Store>,
        flush_interval: Duration,
        flush_max_keys: usize,
        critical_timeout: Duration,
    ) -> WriteBehind {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let stats = Arc::new(WriteBehindStats::default());
        stats.store_up.store(true, Ordering::Relaxed);
        let resync = Arc::new(Notify::new());
        let shared = Arc::new(Shared {
            tx,
            overflow: Mutex::new(Dirty::default()),
            seq: AtomicU64::new(1),
            stats: stats.clone(),
            critical_timeout,
            resync: resync.clone(),
        });
        let engine = Engine {
            store,
            rx,
            shared: Arc::downgrade(&shared),
            stats,
            dirty: Dirty::default(),
            flush_interval,
            flush_max_keys,
            backoff: None,
            last_warning: None,
            epoch: None,
            last_epoch_check: None,
            resync,
        };
        tokio::spawn(engine.run());
        WriteBehind { shared }
    }

    pub fn stats(&self) -> &WriteBehindStats {
        &self.shared.stats
    }

    /// Notified when the store came back empty and everything in memory must be
    /// written again (the engine cannot see the world; its owner re-queues it).
    pub fn resync_requests(&self) -> Arc<Notify> {
        self.shared.resync.clone()
    }

    /// Updates the channel holds right now.
    pub fn queue_depth(&self) -> usize {
        CHANNEL_CAPACITY - self.shared.tx.capacity()
    }

    /// Hands over one change without waiting.
    pub fn push(&self, key: Key, op: Op) {
        let seq = self.shared.seq.fetch_add(1, Ordering::Relaxed);
        let update = Update { seq, key, op };
        match self.shared.tx.try_send(Msg::Update(update)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(Msg::Update(u)))
            | Err(mpsc::error::TrySendError::Closed(Msg::Update(u))) => {
                self.shared.stats.overflowed.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut overflow) = self.shared.overflow.lock() {
                    overflow.merge(u);
                }
            }
            Err(_) => {}
        }
    }

    /// Sets one text field.
    pub fn set(&self, key: Key, field: &str, value: impl Into<Bytes>) {
        self.push(key, Op::Set(field.to_string(), value.into()));
    }

    /// Queues `ops` and waits until they (and everything queued before) are durable.
    /// On failure or timeout the changes stay queued and are retried.
    pub async fn critical(&self, ops: Vec<(Key, Op)>) -> Result<(), CriticalError> {
        let started = Instant::now();
        for (key, op) in ops {
            self.push(key, op);
        }
        let (done_tx, done_rx) = oneshot::channel();
        let stats = &self.shared.stats;
        stats.critical_writes.fetch_add(1, Ordering::Relaxed);
        let wait = async {
            self.shared
                .tx
                .send(Msg::Barrier(done_tx))
                .await
                .map_err(|_| CriticalError::Stopped)?;
            done_rx.await.map_err(|_| CriticalError::Stopped)??;
            Ok(())
        };
        let result = match tokio::time::timeout(self.shared.critical_timeout, wait).await {
            Ok(r) => r,
            Err(_) => Err(CriticalError::Timeout),
        };
        stats
            .critical_micros_total
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        if result.is_err() {
            stats.critical_failures.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// Flushes everything, retrying until `deadline`, then stops the engine.
    pub async fn shutdown(&self, deadline: Duration) -> Result<(), CriticalError> {
        let (done_tx, done_rx) = oneshot::channel();
        let until = Instant::now() + deadline;
        self.shared
            .tx
            .send(Msg::Shutdown(until, done_tx))
            .await
            .map_err(|_| CriticalError::Stopped)?;
        done_rx.await.map_err(|_| CriticalError::Stopped)??;
        Ok(())
    }
}

struct Engine {
    store: Arc<dyn Store>,
    rx: mpsc::Receiver<Msg>,
    shared: std::sync::Weak<Shared>,
    stats: Arc<WriteBehindStats>,
    dirty: Dirty,
    flush_interval: Duration,
    flush_max_keys: usize,
    /// While the store is down: when to try next, and the current delay.
    backoff: Option<(Instant, Duration)>,
    last_warning: Option<Instant>,
    /// The epoch marker this process knows the store by.
    epoch: Option<String>,
    last_epoch_check: Option<Instant>,
    resync: Arc<Notify>,
}

impl Engine {
    async fn run(mut self) {
        let mut ticker = tokio::time::interval(self.flush_interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut waiters: Vec<oneshot::Sender<Result<(), StoreError>>> = Vec::new();
        loop {
            let mut tick = false;
            let mut shutdown = None;
            tokio::select! {
                msg = self.rx.recv() => match msg {
                    Some(msg) => self.take(msg, &mut waiters, &mut shutdown),
                    None => {
                        // Every handle is gone: write what is left and stop.
                        self.merge_overflow();
                        let _ = self.flush().await;
                        return;
                    }
                },
                _ = ticker.tick() => tick = true,
            }
            // Drain whatever else is queued so one flush covers it.
            for _ in 0..CHANNEL_CAPACITY {
                match self.rx.try_recv() {
                    Ok(msg) => self.take(msg, &mut waiters, &mut shutdown),
                    Err(_) => break,
                }
            }
            self.merge_overflow();
            if let Some((deadline, done)) = shutdown {
                let result = self.flush_until(deadline).await;
                for w in waiters.drain(..) {
                    let _ = w.send(result.clone());
                }
                let _ = done.send(result);
                return;
            }
            let in_backoff = matches!(self.backoff, Some((at, _)) if Instant::now() < at);
            let due = !waiters.is_empty()
                || (!in_backoff && (tick || self.dirty.records.len() >= self.flush_max_keys));
            if due && (!self.dirty.is_empty() || !waiters.is_empty()) {
                let result = self.flush().await;
                for w in waiters.drain(..) {
                    let _ = w.send(result.clone());
                }
            }
            if self.backoff.is_none()
                && self
                    .last_epoch_check
                    .is_none_or(|t| t.elapsed() >= EPOCH_CHECK)
            {
                self.check_epoch().await;
            }
            self.stats
                .dirty_keys
                .store(self.dirty.records.len() as u64, Ordering::Relaxed);
        }
    }

    /// Detects a store that lost its data (a Redis restarted without persistence): its
    /// epoch marker is gone or changed. Then a new epoch is set and a re-sync requested.
    async fn check_epoch(&mut self) {
        self.last_epoch_check = Some(Instant::now());
        let found = match self.store.epoch().await {
            Ok(e) => e,
            Err(_) => return,
        };
        match (&self.epoch, found) {
            (Some(mine), Some(theirs)) if *mine == theirs => {}
            (None, Some(theirs)) => self.epoch = Some(theirs),
            (mine, found) => {
                let fresh = found.unwrap_or_else(|| crate::session::now_millis().to_string());
                if self.store.set_epoch(fresh.clone()).await.is_err() {
                    return;
                }
                let first_start = mine.is_none();
                self.epoch = Some(fresh);
                if !first_start {
                    tracing::warn!(
                        "the store lost its data (epoch marker gone); re-syncing from memory"
                    );
                    self.stats.resyncs.fetch_add(1, Ordering::Relaxed);
                    self.resync.notify_one();
                }
            }
        }
    }

    fn take(
        &mut self,
        msg: Msg,
        waiters: &mut Vec<oneshot::Sender<Result<(), StoreError>>>,
        shutdown: &mut Option<(Instant, oneshot::Sender<Result<(), StoreError>>)>,
    ) {
        match msg {
            Msg::Update(u) => self.dirty.merge(u),
            Msg::Barrier(w) => waiters.push(w),
            Msg::Shutdown(deadline, done) => *shutdown = Some((deadline, done)),
        }
    }

    fn merge_overflow(&mut self) {
        let Some(shared) = self.shared.upgrade() else {
            return;
        };
        let taken = match shared.overflow.lock() {
            Ok(mut o) if !o.is_empty() => std::mem::take(&mut *o),
            _ => return,
        };
        self.dirty.merge_back(taken);
    }

    async fn flush_until(&mut self, deadline: Instant) -> Result<(), StoreError> {
        loop {
            match self.flush().await {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => {
                    let delay = self.backoff.map(|(_, d)| d).unwrap_or(self.flush_interval);
                    tokio::time::sleep(
                        delay.min(deadline.saturating_duration_since(Instant::now())),
                    )
                    .await;
                }
            }
        }
    }

    /// Writes every dirty record in one batch; on failure puts them back and backs off.
    async fn flush(&mut self) -> Result<(), StoreError> {
        if self.dirty.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.dirty);
        let (writes, items) = batch.to_writes();
        if self.backoff.is_some() {
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
        }
        let started = Instant::now();
        match self.store.apply(writes).await {
            Ok(()) => {
                let micros = started.elapsed().as_micros() as u64;
                self.stats.flushes.fetch_add(1, Ordering::Relaxed);
                self.stats.items_written.fetch_add(items, Ordering::Relaxed);
                self.stats
                    .last_flush_micros
                    .store(micros, Ordering::Relaxed);
                self.stats
                    .flush_micros_total
                    .fetch_add(micros, Ordering::Relaxed);
                if self.backoff.take().is_some() {
                    tracing::info!("store is back: pending writes flushed");
                }
                self.stats.store_up.store(true, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                self.dirty.merge_back(batch);
                self.stats.flushes_failed.fetch_add(1, Ordering::Relaxed);
                self.stats.store_up.store(false, Ordering::Relaxed);
                let delay = match self.backoff {
                    Some((_, d)) => (d * 2).min(MAX_BACKOFF),
                    None => self.flush_interval.max(Duration::from_millis(10)),
                };
                self.backoff = Some((Instant::now() + delay, delay));
                let warn = self.last_warning.is_none_or(|t| t.elapsed() >= WARN_EVERY);
                if warn {
                    self.last_warning = Some(Instant::now());
                    tracing::warn!(
                        error = %e,
                        dirty_keys = self.dirty.records.len(),
                        "write-behind flush failed; keeping changes and retrying"
                    );
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{KeyKind, StoreFuture, StoredFields};
    use std::sync::atomic::AtomicUsize;

    /// A store that records batches and can be switched off, to test the engine alone.
    #[derive(Default)]
    struct RecordingStore {
        batches: Mutex<Vec<Vec<RecordWrite>>>,
        down: AtomicBool,
        calls: AtomicUsize,
        epoch: Mutex<Option<String>>,
    }

    impl Store for RecordingStore {
        fn backend_name(&self) -> &'static str {
            "recording"
        }
        fn apply(&self, batch: Vec<RecordWrite>) -> StoreFuture<'_, ()> {
            Box::pin(async move {
                self.calls.fetch_add(1, Ordering::SeqCst);
                if self.down.load(Ordering::SeqCst) {
                    return Err(StoreError::Unavailable("down".into()));
                }
                self.batches.lock().expect("lock").push(batch);
                Ok(())
            })
        }
        fn load(&self, _: KeyKind) -> StoreFuture<'_, Vec<(Key, StoredFields)>> {
            Box::pin(async { Ok(vec![]) })
        }
        fn load_record(&self, _: &Key) -> StoreFuture<'_, StoredFields> {
            Box::pin(async { Ok(StoredFields::new()) })
        }
        fn reserve_handles(&self, _: u64) -> StoreFuture<'_, u64> {
            Box::pin(async { Ok(1) })
        }
        fn raise_handle_floor(&self, _: u64) -> StoreFuture<'_, ()> {
            Box::pin(async { Ok(()) })
        }
        fn epoch(&self) -> StoreFuture<'_, Option<String>> {
            Box::pin(async { Ok(self.epoch.lock().expect("lock").clone()) })
        }
        fn set_epoch(&self, e: String) -> StoreFuture<'_, ()> {
            Box::pin(async move {
                *self.epoch.lock().expect("lock") = Some(e);
                Ok(())
            })
        }
        fn append_history(
            &self,
            _: crate::world::Dbref,
            _: crate::store::HistoryRecord,
        ) -> StoreFuture<'_, ()> {
            Box::pin(async { Ok(()) })
        }
        fn read_history(
            &self,
            _: crate::world::Dbref,
            _: usize,
        ) -> StoreFuture<'_, Vec<crate::store::HistoryRecord>> {
            Box::pin(async { Ok(vec![]) })
        }
    }

    fn value_of(store: &RecordingStore, key: &Key, field: &str) -> Option<Bytes> {
        let batches = store.batches.lock().expect("lock");
        let mut value = None;
        for batch in batches.iter() {
            for w in batch.iter().filter(|w| &w.key == key) {
                if w.delete_first {
                    value = None;
                }
                if let Some((_, v)) = w.set.iter().find(|(f, _)| f == field) {
                    value = Some(v.clone());
                }
            }
        }
        value
    }

    #[test]
    fn newest_wins_in_any_merge_order() {
        let mut d = Dirty::default();
        let k = Key::Conn(1);
        d.merge(Update {
            seq: 5,
            key: k.clone(),
            op: Op::Set("a".into(), Bytes::from("new")),
        });
        d.merge(Update {
            seq: 3,
            key: k.clone(),
            op: Op::Set("a".into(), Bytes::from("old")),
        });
        d.merge(Update {
            seq: 2,
            key: k.clone(),
            op: Op::Delete,
        });
        let (w, _) = d.to_writes();
        assert_eq!(w[0].set, vec![("a".to_string(), Bytes::from("new"))]);
        assert!(w[0].delete_first);
        d.merge(Update {
            seq: 9,
            key: k.clone(),
            op: Op::Delete,
        });
        let (w, _) = d.to_writes();
        assert!(w[0].set.is_empty() && w[0].delete_first);
    }

    #[tokio::test]
    async fn burst_coalesces_and_last_value_wins() {
        let store = Arc::new(RecordingStore::default());
        let wb = WriteBehind::start(
            store.clone(),
            Duration::from_millis(20),
            1 << 20,
            Duration::from_secs(5),
        );
        for i in 0..10_000u32 {
            wb.set(Key::Conn(7), "last_seen", i.to_string());
        }
        wb.critical(vec![]).await.expect("flush");
        let batches = store.batches.lock().expect("lock").len();
        assert!(batches <= 5, "{batches} batches for one key");
        assert_eq!(
            value_of(&store, &Key::Conn(7), "last_seen"),
            Some(Bytes::from("9999"))
        );
    }

    #[tokio::test]
    async fn failed_flush_keeps_changes_and_retries() {
        let store = Arc::new(RecordingStore::default());
        store.down.store(true, Ordering::SeqCst);
        let wb = WriteBehind::start(
            store.clone(),
            Duration::from_millis(5),
            1 << 20,
            Duration::from_millis(200),
        );
        wb.set(Key::Conn(1), "doing", "first");
        let err = wb
            .critical(vec![(
                Key::Conn(1),
                Op::Set("player".into(), Bytes::from("#3")),
            )])
            .await;
        assert!(err.is_err());
        assert!(!wb.stats().store_up.load(Ordering::SeqCst));
        wb.set(Key::Conn(1), "doing", "second");
        store.down.store(false, Ordering::SeqCst);
        wb.critical(vec![]).await.expect("flush after recovery");
        assert_eq!(
            value_of(&store, &Key::Conn(1), "doing"),
            Some(Bytes::from("second"))
        );
        assert_eq!(
            value_of(&store, &Key::Conn(1), "player"),
            Some(Bytes::from("#3"))
        );
        assert!(wb.stats().store_up.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn emptied_store_asks_for_a_resync() {
        let store = Arc::new(RecordingStore::default());
        let wb = WriteBehind::start(
            store.clone(),
            Duration::from_millis(5),
            1 << 20,
            Duration::from_secs(5),
        );
        let resync = wb.resync_requests();
        // The first check sets the epoch without asking for a re-sync.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(store.epoch.lock().expect("lock").is_some());
        *store.epoch.lock().expect("lock") = None;
        tokio::time::timeout(Duration::from_secs(10), resync.notified())
            .await
            .expect("a re-sync was requested");
        assert_eq!(wb.stats().resyncs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn overflow_keeps_order() {
        let store = Arc::new(RecordingStore::default());
        let wb = WriteBehind::start(
            store.clone(),
            Duration::from_millis(50),
            1 << 20,
            Duration::from_secs(5),
        );
        // More updates than the channel holds, without yielding to the engine.
        for i in 0..(CHANNEL_CAPACITY as u32 * 3) {
            wb.set(Key::Conn(i as u64 % 3), "n", i.to_string());
        }
        assert!(wb.stats().overflowed.load(Ordering::SeqCst) > 0);
        wb.shutdown(Duration::from_secs(5)).await.expect("shutdown");
        let last = CHANNEL_CAPACITY as u32 * 3 - 1;
        assert_eq!(
            value_of(&store, &Key::Conn(last as u64 % 3), "n"),
            Some(Bytes::from(last.to_string()))
        );
    }
}
