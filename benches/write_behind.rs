//! The write-behind: what handing it an update costs the caller, and how many field
//! updates per second a flush pushes into a local Redis with pipelining.
//! Run: `cargo bench --bench write_behind` (starts its own redis-server on a free
//! loopback port; set MUSHD_BENCH_REDIS_URL to use another).

#[path = "support/own_redis.rs"]
mod own_redis;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mushd::config::RedisConfig;
use mushd::store::embedded::EmbeddedStore;
use mushd::store::redis::RedisStore;
use mushd::store::{Key, RecordWrite, Store, WriteBehind};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn enqueue(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("tempdir");
    let wb = rt.block_on(async {
        let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(dir.path()).await.expect("open"));
        WriteBehind::start(
            store,
            Duration::from_millis(50),
            1024,
            Duration::from_secs(5),
        )
    });
    let _guard = rt.enter();
    let value = Bytes::from_static(b"1795996800");
    let mut g = c.benchmark_group("write_behind");
    g.bench_function("enqueue_update", |b| {
        let mut h = 0u64;
        b.iter(|| {
            h = (h + 1) % 10_000;
            wb.set(Key::Conn(black_box(h)), "last_seen", value.clone());
        })
    });
    g.finish();
}

fn redis_flush(c: &mut Criterion) {
    let rt = runtime();
    let (url, _own) = own_redis::redis_url();
    let config = RedisConfig {
        url,
        prefix: "bench".into(),
        ..RedisConfig::default()
    };
    let store = rt
        .block_on(RedisStore::connect(&config))
        .expect("connect to Redis");
    // One flush as the engine makes it: 1,000 records with 5 dirty fields each.
    const RECORDS: u64 = 1_000;
    const FIELDS: usize = 5;
    let batch: Vec<RecordWrite> = (0..RECORDS)
        .map(|h| RecordWrite {
            key: Key::Conn(h),
            delete_first: false,
            set: (0..FIELDS)
                .map(|f| (format!("field{f}"), Bytes::from(format!("value-{h}-{f}"))))
                .collect(),
            remove: vec![],
        })
        .collect();
    let mut g = c.benchmark_group("redis_flush");
    g.throughput(Throughput::Elements(RECORDS * FIELDS as u64));
    g.bench_function("1000_records_x_5_fields", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                rt.block_on(store.apply(batch.clone())).expect("flush");
            }
            start.elapsed()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = enqueue, redis_flush
}
criterion_main!(benches);
