//! How long a big world takes to load, and what it costs in memory, on both backends.
//!
//! Run: `cargo bench --bench world_load` (100,000 objects; starts its own redis-server
//! on a free loopback port unless MUSHD_BENCH_REDIS_URL is set; MUSHD_BENCH_OBJECTS
//! changes the count). Under `cargo test` it runs once with 2,000 objects as a check.
//!
//! For each backend it fills a fresh store with a world shaped like a real game (rooms
//! with exits, things, players; descriptions, attributes and locks), then measures:
//! - in process: reading every record and building the `World` from them;
//! - the real server: `mushd serve` started on that store, the time until it listens
//!   and its resident memory, against the same server on an empty store.

#[path = "support/own_redis.rs"]
mod own_redis;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mushd::config::RedisConfig;
use mushd::store::{embedded::EmbeddedStore, redis::RedisStore, Key, RecordWrite, Store};
use mushd::world::{Dbref, Flags, Object, ObjectKind, World};

/// Object `i` of a world of `n`: a tenth rooms, a fifth exits between neighbouring
/// rooms, a tenth players, the rest things; each with a description, two attributes
/// and (for things and exits) a lock.
fn object(i: u32, n: u32) -> Object {
    let rooms = (n / 10).max(1);
    let exits = n / 5;
    let players = n / 10;
    let d = Dbref(i);
    let room_of = |k: u32| Dbref(k % rooms);
    let mut o = if i < rooms {
        Object::new(
            d,
            ObjectKind::Room,
            &format!("Room {i}"),
            Dbref(1),
            1_700_000_000,
        )
    } else if i < rooms + exits {
        let mut e = Object::new(
            d,
            ObjectKind::Exit,
            &format!("Path {i};p{i}"),
            Dbref(1),
            1_700_000_000,
        );
        e.location = Some(room_of(i));
        e.link = Some(room_of(i + 1));
        e.locks.insert("basic".into(), "FLAG^WIZARD|#1".into());
        e
    } else if i < rooms + exits + players {
        let hash =
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA"
                .to_string();
        let mut p = Object::new_player(d, &format!("Player{i}"), hash, room_of(i), 1_700_000_000);
        p.flags = Flags(if i % 50 == 0 { Flags::WIZARD } else { 0 });
        p
    } else {
        let mut t = Object::new(
            d,
            ObjectKind::Thing,
            &format!("Thing {i}"),
            Dbref(1),
            1_700_000_000,
        );
        t.location = Some(room_of(i));
        t.link = t.location;
        t.locks.insert("basic".into(), format!("#{}", 1 + i % 7));
        t
    };
    o.description = format!(
        "Object {i} is described in a sentence or two, as builders do. It has some detail."
    );
    o.attrs
        .insert("SUCCESS".into(), format!("You use object {i}."));
    o.attrs
        .insert("NOTE".into(), "a note a builder left".into());
    o
}

async fn fill(store: &dyn Store, n: u32) {
    let mut batch = Vec::new();
    for i in 0..n {
        let o = object(i, n);
        batch.push(RecordWrite {
            key: Key::Obj(o.dbref),
            delete_first: false,
            set: o.to_fields().into_iter().collect(),
            remove: vec![],
        });
        if batch.len() == 1000 {
            store.apply(std::mem::take(&mut batch)).await.expect("fill");
        }
    }
    if !batch.is_empty() {
        store.apply(batch).await.expect("fill");
    }
}

/// Resident memory of a process in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Starts `mushd serve` on a store; returns seconds until it listened and its RSS.
fn serve(dir: &Path, store_toml: &str) -> (f64, u64) {
    let config = dir.join("bench.toml");
    let text = format!(
        "[server]\nlisten = [\"127.0.0.1:0\"]\n[store]\ndata_dir = \"{}\"\n{store_toml}\n[game]\npassword_hash_memory_kib = 64\n[log]\nlevel = \"info\"\n",
        dir.join("data").display()
    );
    std::fs::write(&config, text).expect("config");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mushd"))
        .args(["serve", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("stderr.log")).expect("log file"),
        ))
        .spawn()
        .expect("start mushd");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("listening on") => break,
            Some(Ok(_)) => continue,
            _ => panic!("mushd stopped before listening"),
        }
    }
    let secs = started.elapsed().as_secs_f64();
    // Keep reading stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    std::thread::sleep(Duration::from_millis(300));
    let rss = rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(dir.join("stderr.log")).unwrap_or_default();
    for line in log
        .lines()
        .filter(|l| l.contains("world loaded") || l.contains("stale"))
    {
        println!("  server log: {}", line.trim());
    }
    (secs, rss)
}

/// Fills the store `open` gives, reads it back in process, then starts the server on
/// it. The store is let go before each server start: redb allows one process per file.
fn measure(
    name: &str,
    n: u32,
    rt: &tokio::runtime::Runtime,
    dir: &Path,
    store_toml: &str,
    open: impl Fn() -> Arc<dyn Store>,
) {
    let (empty_secs, empty_rss) = serve(dir, store_toml);
    let store = open();
    let t = Instant::now();
    rt.block_on(fill(store.as_ref(), n));
    let fill_secs = t.elapsed().as_secs_f64();
    let me = std::process::id();
    let before = rss_kib(me);
    let t = Instant::now();
    let (objects, unreadable) = rt.block_on(store.load_objects()).expect("load");
    assert_eq!(unreadable, 0);
    let read_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let world = World::from_objects(objects);
    let build_secs = t.elapsed().as_secs_f64();
    let with_world = rss_kib(me);
    println!(
        "  in process RSS: {} MiB before loading, {} MiB with the world built",
        before / 1024,
        with_world / 1024
    );
    assert_eq!(world.len(), n as usize, "every object loads");
    drop(world);
    drop(store);
    let (full_secs, full_rss) = serve(dir, store_toml);
    let per_object = (full_rss.saturating_sub(empty_rss) * 1024) / n as u64;
    println!(
        "{name}: {n} objects, filled in {fill_secs:.2} s | in process: read and decode {read_secs:.3} s + \
         build {build_secs:.3} s | mushd serve: ready in {full_secs:.2} s (empty store \
         {empty_secs:.2} s), RSS {} MiB (empty {} MiB) = {per_object} bytes/object",
        full_rss / 1024,
        empty_rss / 1024
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let n: u32 = std::env::var("MUSHD_BENCH_OBJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 100_000 } else { 2_000 });
    let rt = tokio::runtime::Runtime::new().expect("runtime");

    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    measure("embedded", n, &rt, dir.path(), "", || {
        Arc::new(rt.block_on(EmbeddedStore::open(&data)).expect("open redb"))
    });

    let (url, _own) = own_redis::redis_url();
    let config = RedisConfig {
        url: url.clone(),
        prefix: "worldbench".into(),
        ..RedisConfig::default()
    };
    let rdir = tempfile::tempdir().expect("tempdir");
    let toml =
        format!("backend = \"redis\"\n[store.redis]\nurl = \"{url}\"\nprefix = \"worldbench\"");
    measure("redis", n, &rt, rdir.path(), &toml, || {
        Arc::new(
            rt.block_on(RedisStore::connect(&config))
                .expect("connect to Redis"),
        )
    });
}
