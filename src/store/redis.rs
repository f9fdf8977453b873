//! The Redis backend through `fred`. Key scheme (a contract for operators and tools):
//!
//! - `<prefix>:conn:<handle>`: hash, one plain field per metadata item
//! - `<prefix>:conns`: set of live handles; `<prefix>:next_handle`: the handle counter
//! - `<prefix>:obj:#<n>`: hash per game object; `<prefix>:objs`: set of dbrefs
//! - `<prefix>:player_names`: hash, lower-case player name → dbref
//! - `<prefix>:functions`: hash, `@function` name → `#obj/ATTR`
//! - `<prefix>:history:#<n>`: capped list of rmp-serde session-history entries
//! - `<prefix>:epoch`: marker that tells an emptied Redis from a live one
//!
//! A batch is one MULTI/EXEC transaction, pipelined, with only the changed fields.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use fred::prelude::*;
use fred::types::Builder;

use super::decode_object;
use super::{
    HistoryRecord, Key, KeyKind, RecordWrite, Store, StoreError, StoreFuture, StoredFields,
    HISTORY_CAP,
};
use crate::config::RedisConfig;
use crate::world::{Dbref, Object};

pub struct RedisStore {
    pool: Pool,
    prefix: String,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

impl RedisStore {
    /// Connects a pool; fails when Redis cannot be reached at start.
    pub async fn connect(config: &RedisConfig) -> anyhow::Result<RedisStore> {
        let fred_config =
            Config::from_url(&config.url).map_err(|e| anyhow::anyhow!("store.redis.url: {e}"))?;
        let command_timeout = Duration::from_millis(config.command_timeout_ms);
        let pool = Builder::from_config(fred_config)
            .with_connection_config(|c| {
                c.connection_timeout = Duration::from_millis(config.connect_timeout_ms);
                c.internal_command_timeout = command_timeout;
                c.max_command_attempts = 2;
            })
            .with_performance_config(|p| {
                p.default_command_timeout = command_timeout;
            })
            // Reconnect forever, backing off to 2 s: the write-behind keeps what is dirty.
            .set_policy(ReconnectPolicy::new_exponential(0, 50, 2000, 2))
            .build_pool(config.pool_size)
            .map_err(|e| anyhow::anyhow!("cannot configure Redis: {e}"))?;
        pool.init().await.map_err(|e| {
            anyhow::anyhow!("cannot connect to Redis at {}: {e}", redact(&config.url))
        })?;
        Ok(RedisStore {
            pool,
            prefix: config.prefix.clone(),
        })
    }

    fn key(&self, key: &Key) -> String {
        format!("{}:{key}", self.prefix)
    }

    fn named(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    async fn apply_batch(&self, batch: Vec<RecordWrite>) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let client = self.pool.next();
        let trx = client.multi();
        for w in batch {
            let key = self.key(&w.key);
            let index = match &w.key {
                Key::Conn(h) => Some((self.named("conns"), h.to_string())),
                Key::Obj(d) => Some((self.named("objs"), d.to_string())),
                Key::Mail(d) => Some((self.named("mails"), d.to_string())),
                Key::PlayerNames
                | Key::Functions
                | Key::Queue
                | Key::Channels
                | Key::Chan(_)
                | Key::ChanRecall(_) => None,
            };
            if w.delete_first {
                let _: () = trx.del(&key).await.map_err(unavailable)?;
            }
            if !w.remove.is_empty() && !w.delete_first {
                let _: () = trx.hdel(&key, w.remove).await.map_err(unavailable)?;
            }
            if !w.set.is_empty() {
                let _: () = trx.hset(&key, w.set).await.map_err(unavailable)?;
                if let Some((set, member)) = &index {
                    let _: () = trx.sadd(set, member.as_str()).await.map_err(unavailable)?;
                }
            } else if w.delete_first {
                if let Some((set, member)) = &index {
                    let _: () = trx.srem(set, member.as_str()).await.map_err(unavailable)?;
                }
            }
        }
        let _: Value = trx.exec(true).await.map_err(unavailable)?;
        Ok(())
    }

    async fn load_kind(&self, kind: KeyKind) -> Result<Vec<(Key, StoredFields)>, StoreError> {
        let mut out = Vec::new();
        self.scan_kind(kind, |key, fields| out.push((key, fields)))
            .await?;
        Ok(out)
    }

    /// Every object, each chunk decoded as soon as it arrives.
    async fn load_objects_now(&self) -> Result<(Vec<Object>, usize), StoreError> {
        let mut objects = Vec::new();
        let mut unreadable = 0;
        self.scan_kind(KeyKind::Obj, |key, fields| {
            match decode_object(&key, &fields) {
                Some(o) => objects.push(o),
                None => unreadable += 1,
            }
        })
        .await?;
        Ok((objects, unreadable))
    }

    /// Calls `each` with every record of a kind.
    async fn scan_kind(
        &self,
        kind: KeyKind,
        mut each: impl FnMut(Key, StoredFields) + Send,
    ) -> Result<(), StoreError> {
        let set = match kind {
            KeyKind::Conn => self.named("conns"),
            KeyKind::Obj => self.named("objs"),
            KeyKind::Mail => self.named("mails"),
        };
        let members: Vec<String> = self.pool.smembers(&set).await.map_err(unavailable)?;
        let keys: Vec<Key> = members
            .iter()
            .filter_map(|m| match kind {
                KeyKind::Conn => m.parse().ok().map(Key::Conn),
                KeyKind::Obj => Dbref::parse(m).map(Key::Obj),
                KeyKind::Mail => Dbref::parse(m).map(Key::Mail),
            })
            .collect();
        // Read in pipelined chunks so a large world loads in few round trips.
        for chunk in keys.chunks(1000) {
            let client = self.pool.next();
            let pipeline = client.pipeline();
            for k in chunk {
                let _: () = pipeline.hgetall(self.key(k)).await.map_err(unavailable)?;
            }
            let results: Vec<HashMap<String, Bytes>> = pipeline.all().await.map_err(unavailable)?;
            for (k, fields) in chunk.iter().zip(results) {
                if fields.is_empty() {
                    continue;
                }
                let fields: StoredFields =
                    fields.into_iter().map(|(f, v)| (f, v.to_vec())).collect();
                each(k.clone(), fields);
            }
        }
        Ok(())
    }

    async fn reserve(&self, count: u64) -> Result<u64, StoreError> {
        let end: i64 = self
            .pool
            .incr_by(self.named("next_handle"), count as i64)
            .await
            .map_err(unavailable)?;
        Ok((end as u64).saturating_sub(count) + 1)
    }

    /// Raises the counter to at least `floor` with INCRBY only, so it can never go
    /// down and a handle is never handed out twice: another node's INCRBY between the
    /// read and the raise only leaves a gap.
    async fn raise_floor(&self, floor: u64) -> Result<(), StoreError> {
        let key = self.named("next_handle");
        let current: i64 = self.pool.incr_by(&key, 0).await.map_err(unavailable)?;
        let missing = (floor as i64).saturating_sub(current);
        if missing > 0 {
            let _: i64 = self
                .pool
                .incr_by(&key, missing)
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

impl Store for RedisStore {
    fn backend_name(&self) -> &'static str {
        "redis"
    }

    fn apply(&self, batch: Vec<RecordWrite>) -> StoreFuture<'_, ()> {
        Box::pin(self.apply_batch(batch))
    }

    fn load(&self, kind: KeyKind) -> StoreFuture<'_, Vec<(Key, StoredFields)>> {
        Box::pin(self.load_kind(kind))
    }

    fn load_objects(&self) -> StoreFuture<'_, (Vec<Object>, usize)> {
        Box::pin(self.load_objects_now())
    }

    fn load_record(&self, key: &Key) -> StoreFuture<'_, StoredFields> {
        let name = self.key(key);
        Box::pin(async move {
            let fields: HashMap<String, Bytes> =
                self.pool.hgetall(&name).await.map_err(unavailable)?;
            Ok(fields.into_iter().map(|(k, v)| (k, v.to_vec())).collect())
        })
    }

    fn reserve_handles(&self, count: u64) -> StoreFuture<'_, u64> {
        Box::pin(self.reserve(count))
    }

    fn raise_handle_floor(&self, floor: u64) -> StoreFuture<'_, ()> {
        Box::pin(self.raise_floor(floor))
    }

    fn epoch(&self) -> StoreFuture<'_, Option<String>> {
        Box::pin(async move {
            self.pool
                .get(self.named("epoch"))
                .await
                .map_err(unavailable)
        })
    }

    fn set_epoch(&self, epoch: String) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let _: Value = self
                .pool
                .set(self.named("epoch"), epoch, None, None, false)
                .await
                .map_err(unavailable)?;
            Ok(())
        })
    }

    fn append_history(&self, player: Dbref, record: HistoryRecord) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let key = self.named(&format!("history:{player}"));
            let client = self.pool.next();
            let trx = client.multi();
            let _: () = trx
                .lpush(&key, Bytes::from(record.encode()))
                .await
                .map_err(unavailable)?;
            let _: () = trx
                .ltrim(&key, 0, HISTORY_CAP as i64 - 1)
                .await
                .map_err(unavailable)?;
            let _: Value = trx.exec(true).await.map_err(unavailable)?;
            Ok(())
        })
    }

    fn read_history(&self, player: Dbref, limit: usize) -> StoreFuture<'_, Vec<HistoryRecord>> {
        Box::pin(async move {
            let key = self.named(&format!("history:{player}"));
            let raw: Vec<Bytes> = self
                .pool
                .lrange(&key, 0, limit.max(1) as i64 - 1)
                .await
                .map_err(unavailable)?;
            Ok(raw
                .iter()
                .filter_map(|b| HistoryRecord::decode(b))
                .collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("redis://:secret@127.0.0.1:6379"),
            "redis://***@127.0.0.1:6379"
        );
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }
}
