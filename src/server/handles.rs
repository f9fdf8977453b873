//! Connection handles: unique, never reused, also across restarts.

use std::sync::Arc;
use std::time::Duration;

use tracing::warn;

use crate::session::{now_millis, Handle};
use crate::store::{self, Store};

/// Handles reserved from the store at a time, so a connection costs no store round trip.
const HANDLE_BLOCK: u64 = 1024;
/// Handles in a node-unique fallback block, used while the store cannot reserve more.
const FALLBACK_BLOCK: u64 = 4096;
/// Fallback handles live above every handle the store's counter will ever reach.
const FALLBACK_BASE: u64 = 1 << 62;

/// Hands out connection handles that are never reused, also across restarts, without
/// ever waiting on the store: the next block is reserved in the background while the
/// current one is used, and while the store is down a node-unique block (above the
/// store's range, keyed by the time it was opened) keeps connections coming in.
pub struct HandleAllocator {
    store: Arc<dyn Store>,
    blocks: std::sync::Mutex<HandleBlocks>,
}

#[derive(Default)]
struct HandleBlocks {
    /// The block in use: next handle, end (exclusive).
    current: (u64, u64),
    /// A reserved block waiting its turn.
    next: Option<(u64, u64)>,
    /// The end of the newest block the store reserved (for `restore_floor`).
    store_end: u64,
    /// A refill is under way.
    refilling: bool,
    /// Last fallback block's start, so two in one millisecond still differ.
    last_fallback: u64,
}

impl HandleAllocator {
    /// Reserves the first block (the store must be up at start).
    pub async fn new(store: Arc<dyn Store>) -> Result<Arc<HandleAllocator>, store::StoreError> {
        let first = store.reserve_handles(HANDLE_BLOCK).await?;
        let blocks = HandleBlocks {
            current: (first, first + HANDLE_BLOCK),
            store_end: first + HANDLE_BLOCK,
            ..HandleBlocks::default()
        };
        Ok(Arc::new(HandleAllocator {
            store,
            blocks: std::sync::Mutex::new(blocks),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HandleBlocks> {
        self.blocks.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next handle, at once.
    pub fn next(self: &Arc<Self>) -> Handle {
        let mut b = self.lock();
        if b.current.0 >= b.current.1 {
            b.current = match b.next.take() {
                Some(block) => block,
                None => {
                    // The store has not answered in time: a block only this node uses.
                    let start = (FALLBACK_BASE + now_millis() * FALLBACK_BLOCK)
                        .max(b.last_fallback + FALLBACK_BLOCK);
                    b.last_fallback = start;
                    warn!(
                        start,
                        "handle block from the node-unique range (store slow or down)"
                    );
                    (start, start + FALLBACK_BLOCK)
                }
            };
        }
        let h = b.current.0;
        b.current.0 += 1;
        let low = b.current.1 - b.current.0 < HANDLE_BLOCK / 2;
        if low && b.next.is_none() && !b.refilling {
            b.refilling = true;
            let me = self.clone();
            tokio::spawn(async move { me.refill().await });
        }
        h
    }

    /// Reserves the next block, retrying with backoff while the store is down.
    async fn refill(self: Arc<Self>) {
        let mut backoff = Duration::from_millis(50);
        loop {
            match self.store.reserve_handles(HANDLE_BLOCK).await {
                Ok(first) => {
                    let mut b = self.lock();
                    b.next = Some((first, first + HANDLE_BLOCK));
                    b.store_end = b.store_end.max(first + HANDLE_BLOCK);
                    b.refilling = false;
                    return;
                }
                Err(e) => {
                    warn!(error = %e, "cannot reserve connection handles; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    /// Writes the end of the reserved range back to a store that lost its counter.
    pub async fn restore_floor(&self) -> Result<(), store::StoreError> {
        let end = self.lock().store_end;
        self.store.raise_handle_floor(end).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{
        HistoryRecord, Key, KeyKind, RecordWrite, StoreError, StoreFuture, StoredFields,
    };
    use crate::world::Dbref;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// An embedded store whose handle reservations can be made to fail, as a store
    /// that is down would.
    struct Flaky {
        inner: Arc<dyn Store>,
        down: Arc<AtomicBool>,
    }

    impl Store for Flaky {
        fn backend_name(&self) -> &'static str {
            "flaky"
        }
        fn apply(&self, batch: Vec<RecordWrite>) -> StoreFuture<'_, ()> {
            self.inner.apply(batch)
        }
        fn load(&self, kind: KeyKind) -> StoreFuture<'_, Vec<(Key, StoredFields)>> {
            self.inner.load(kind)
        }
        fn load_record(&self, key: &Key) -> StoreFuture<'_, StoredFields> {
            self.inner.load_record(key)
        }
        fn reserve_handles(&self, count: u64) -> StoreFuture<'_, u64> {
            if self.down.load(Ordering::Relaxed) {
                return Box::pin(async { Err(StoreError::Unavailable("down".into())) });
            }
            self.inner.reserve_handles(count)
        }
        fn raise_handle_floor(&self, floor: u64) -> StoreFuture<'_, ()> {
            self.inner.raise_handle_floor(floor)
        }
        fn epoch(&self) -> StoreFuture<'_, Option<String>> {
            self.inner.epoch()
        }
        fn set_epoch(&self, epoch: String) -> StoreFuture<'_, ()> {
            self.inner.set_epoch(epoch)
        }
        fn append_history(&self, p: Dbref, r: HistoryRecord) -> StoreFuture<'_, ()> {
            self.inner.append_history(p, r)
        }
        fn read_history(&self, p: Dbref, n: usize) -> StoreFuture<'_, Vec<HistoryRecord>> {
            self.inner.read_history(p, n)
        }
    }

    #[tokio::test]
    async fn handles_keep_coming_unique_while_the_store_is_down() {
        let dir = tempfile::tempdir().expect("tempdir");
        let embedded = store::embedded::EmbeddedStore::open(dir.path())
            .await
            .expect("open");
        let down = Arc::new(AtomicBool::new(false));
        let flaky: Arc<dyn Store> = Arc::new(Flaky {
            inner: Arc::new(embedded),
            down: down.clone(),
        });
        let handles = HandleAllocator::new(flaky.clone())
            .await
            .expect("first block");
        down.store(true, Ordering::Relaxed);
        let mut seen = std::collections::HashSet::new();
        // Three blocks' worth: the first from the store, the rest node-unique.
        for _ in 0..3 * HANDLE_BLOCK {
            assert!(seen.insert(handles.next()), "a handle was handed out twice");
        }
        assert!(seen.iter().any(|h| *h >= FALLBACK_BASE));
        // Back up: a refill lands and store handles are used again.
        down.store(false, Ordering::Relaxed);
        let mut from_store = false;
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            for _ in 0..FALLBACK_BLOCK {
                let h = handles.next();
                assert!(seen.insert(h), "a handle was handed out twice");
                from_store |= h < FALLBACK_BASE;
            }
            if from_store {
                break;
            }
        }
        assert!(from_store, "no store handles after the store came back");
        handles.restore_floor().await.expect("floor");
        let next = flaky.reserve_handles(1).await.expect("reserve");
        assert!(seen
            .iter()
            .filter(|h| **h < FALLBACK_BASE)
            .all(|h| *h < next));
    }
}
