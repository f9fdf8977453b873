//! Session-table reads and updates against a plain `HashMap` in the same run, on one
//! and on two threads. Run: `cargo bench --bench session_table`.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use mushd::session::{Outbound, Session, SessionTable};

const SESSIONS: u64 = 10_000;

fn session(h: u64) -> Session {
    Session::new(
        h,
        "127.0.0.1:4000".parse().expect("addr"),
        Arc::new(Outbound::new(4096)),
    )
}

/// A cheap, repeatable handle sequence (xorshift), so lookups are not sequential.
fn next(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x % SESSIONS + 1
}

/// Runs `per_thread` on `threads` threads at once; returns the time per operation.
fn parallel(threads: usize, iters: u64, per_thread: impl Fn(u64, u64) + Sync) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let f = &per_thread;
            s.spawn(move || f(t as u64 + 1, iters));
        }
    });
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let table = SessionTable::new();
    let mut map: HashMap<u64, Session> = HashMap::new();
    for h in 1..=SESSIONS {
        table.insert(session(h));
        map.insert(h, session(h));
    }
    let shared_map = Arc::new(RwLock::new(map.clone()));
    let locked_map = Arc::new(Mutex::new(map.clone()));

    let mut g = c.benchmark_group("read");
    g.bench_function("hashmap_1_thread", |b| {
        let mut x = 88172645463325252u64;
        b.iter(|| black_box(map.get(&next(&mut x)).map(|s| s.last_seen_ms)))
    });
    g.bench_function("session_table_1_thread", |b| {
        let mut x = 88172645463325252u64;
        b.iter(|| black_box(table.with(next(&mut x), |s| s.last_seen_ms)))
    });
    g.bench_function("rwlock_hashmap_2_threads", |b| {
        b.iter_custom(|iters| {
            parallel(2, iters, |seed, n| {
                let mut x = 88172645463325252u64 ^ seed;
                for _ in 0..n {
                    let m = shared_map.read().expect("lock");
                    black_box(m.get(&next(&mut x)).map(|s| s.last_seen_ms));
                }
            })
        })
    });
    g.bench_function("session_table_2_threads", |b| {
        b.iter_custom(|iters| {
            parallel(2, iters, |seed, n| {
                let mut x = 88172645463325252u64 ^ seed;
                for _ in 0..n {
                    black_box(table.with(next(&mut x), |s| s.last_seen_ms));
                }
            })
        })
    });
    g.finish();

    let mut g = c.benchmark_group("update");
    g.bench_function("hashmap_1_thread", |b| {
        let mut x = 88172645463325252u64;
        b.iter(|| {
            if let Some(s) = map.get_mut(&next(&mut x)) {
                s.cmds += 1;
            }
        })
    });
    g.bench_function("session_table_1_thread", |b| {
        let mut x = 88172645463325252u64;
        b.iter(|| table.update(next(&mut x), |s| s.cmds += 1))
    });
    g.bench_function("mutex_hashmap_2_threads", |b| {
        b.iter_custom(|iters| {
            parallel(2, iters, |seed, n| {
                let mut x = 88172645463325252u64 ^ seed;
                for _ in 0..n {
                    if let Some(s) = locked_map.lock().expect("lock").get_mut(&next(&mut x)) {
                        s.cmds += 1;
                    }
                }
            })
        })
    });
    g.bench_function("session_table_2_threads", |b| {
        b.iter_custom(|iters| {
            parallel(2, iters, |seed, n| {
                let mut x = 88172645463325252u64 ^ seed;
                for _ in 0..n {
                    table.update(next(&mut x), |s| s.cmds += 1);
                }
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
