//! Hybrid persistence against a real `redis-server` (started by the tests on a free
//! loopback port) and the embedded store: keys, write-behind lag and coalescing, the
//! store going away and coming back empty, crashes and reconciliation, telemetry.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{eventually, my_handle, Client, Options, RedisServer, TestServer};
use mushd::config::RedisConfig;
use mushd::store::redis::RedisStore;
use mushd::store::{Key, Store, WriteBehind};
use mushd::telnet::cmd::{IAC, SB, SE, WILL};
use mushd::telnet::opt;

#[tokio::test]
async fn redis_keys_and_fields_after_login_and_commands() {
    let redis = RedisServer::start();
    let server = TestServer::start_opts(&Options::redis(redis.port)).await;
    let mut c = server.client().await;
    c.send_raw(&[
        IAC,
        WILL,
        opt::NAWS,
        IAC,
        SB,
        opt::NAWS,
        0,
        100,
        0,
        40,
        IAC,
        SE,
    ])
    .await;
    c.expect("Welcome").await;
    c.send("create Alice wonderland").await;
    c.expect("Room Zero").await;
    c.send("@doing Falling").await;
    c.expect("Doing set.").await;
    let h = my_handle(&mut c).await;

    let conn_key = format!("mushd:conn:{h}");
    eventually("conn hash has every field", || {
        let f = redis.hgetall(&conn_key);
        f.get("doing").map(String::as_str) == Some("Falling")
            && f.get("width").map(String::as_str) == Some("100")
    })
    .await;
    let f = redis.hgetall(&conn_key);
    assert_eq!(f.get("player").map(String::as_str), Some("#2"), "{f:?}");
    assert_eq!(f.get("height").map(String::as_str), Some("40"));
    assert_eq!(f.get("host").map(String::as_str), Some("127.0.0.1"));
    for field in [
        "connected_at",
        "last_seen",
        "port",
        "cmds",
        "charset",
        "node",
    ] {
        assert!(f.contains_key(field), "missing {field}: {f:?}");
    }
    assert!(redis
        .cli(&["SMEMBERS", "mushd:conns"])
        .lines()
        .any(|l| l == h.to_string()));
    assert!(
        redis
            .cli(&["GET", "mushd:next_handle"])
            .trim()
            .parse::<u64>()
            .expect("counter")
            >= h
    );
    let obj = redis.hgetall("mushd:obj:#2");
    assert_eq!(
        obj.get("name").map(String::as_str),
        Some("Alice"),
        "{obj:?}"
    );
    assert_eq!(obj.get("type").map(String::as_str), Some("player"));
    assert!(obj
        .get("password")
        .is_some_and(|p| p.starts_with("$argon2id$")));
    assert_eq!(
        redis
            .hgetall("mushd:player_names")
            .get("alice")
            .map(String::as_str),
        Some("#2")
    );
    assert!(redis
        .hgetall("mushd:obj:#0")
        .get("name")
        .is_some_and(|n| n == "Room Zero"));
    assert!(!redis.cli(&["GET", "mushd:epoch"]).trim().is_empty());

    // Logging out empties the binding; quitting removes the record and the set member.
    c.send("LOGOUT").await;
    c.expect("Welcome").await;
    assert_eq!(
        redis.hgetall(&conn_key).get("player").map(String::as_str),
        Some("")
    );
    c.send("QUIT").await;
    c.expect_closed().await;
    eventually("conn record removed", || {
        redis.hgetall(&conn_key).is_empty()
    })
    .await;
    eventually("conns set cleaned", || {
        !redis
            .cli(&["SMEMBERS", "mushd:conns"])
            .lines()
            .any(|l| l == h.to_string())
    })
    .await;
}

#[tokio::test]
async fn last_seen_catches_up_after_a_command() {
    let redis = RedisServer::start();
    let server = TestServer::start_opts(&Options::redis(redis.port)).await;
    let mut c = server.player("Watcher").await;
    let h = my_handle(&mut c).await;
    let key = format!("mushd:conn:{h}");
    let read = |redis: &RedisServer| -> (u64, u64) {
        let f = redis.hgetall(&key);
        let n = |k: &str| f.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
        (n("last_seen"), n("cmds"))
    };
    eventually("first metadata written", || read(&redis).1 >= 1).await;
    let (before, cmds) = read(&redis);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.send("say tick").await;
    c.expect("You say").await;
    // Bounded lag: the write-behind flushes every 20 ms here.
    eventually("last_seen and cmds advance", || {
        let (seen, n) = read(&redis);
        seen > before && n > cmds
    })
    .await;
}

#[tokio::test]
async fn a_burst_of_updates_is_coalesced_and_the_last_value_wins() {
    let redis = RedisServer::start();
    let config = RedisConfig {
        url: format!("redis://127.0.0.1:{}", redis.port),
        prefix: "burst".into(),
        ..RedisConfig::default()
    };
    let store: Arc<dyn Store> = Arc::new(RedisStore::connect(&config).await.expect("connect"));
    let wb = WriteBehind::start(
        store,
        Duration::from_millis(50),
        1 << 20,
        Duration::from_secs(5),
    );
    redis.cli(&["CONFIG", "RESETSTAT"]);
    for i in 0..10_000u32 {
        wb.set(Key::Conn(77), "last_seen", i.to_string());
    }
    wb.critical(vec![]).await.expect("flush");
    assert_eq!(
        redis
            .hgetall("burst:conn:77")
            .get("last_seen")
            .map(String::as_str),
        Some("9999")
    );
    let stats = redis.cli(&["INFO", "commandstats"]);
    let hset_calls: u64 = stats
        .lines()
        .find(|l| l.starts_with("cmdstat_hset:"))
        .and_then(|l| l.split("calls=").nth(1))
        .and_then(|v| v.split(',').next())
        .and_then(|v| v.parse().ok())
        .expect("hset stats");
    assert!(
        hset_calls <= 20,
        "{hset_calls} HSETs for 10,000 updates to one field"
    );
}

#[tokio::test]
async fn play_goes_on_while_redis_is_down_and_state_converges_when_it_returns_empty() {
    let mut redis = RedisServer::start();
    let server = TestServer::start_opts(&Options::redis(redis.port)).await;
    let mut a = server.player("Alice").await;
    let mut b = server.player("Bob").await;
    let mut god = server.god().await;
    let ha = my_handle(&mut a).await;
    eventually("written", || {
        redis
            .hgetall(&format!("mushd:conn:{ha}"))
            .contains_key("player")
    })
    .await;

    redis.kill();
    for i in 0..20 {
        a.send(&format!("say while down {i}")).await;
        b.expect(&format!("Alice says, \"while down {i}\"")).await;
    }
    a.send("@doing offline edits").await;
    a.expect("Doing set.").await;
    god.send("@stats").await;
    let stats = god.expect("mushd_critical_write_seconds_total").await;
    assert!(stats.contains("mushd_store_up"), "{stats}");

    // Redis returns with nothing in it: the write-behind notices and re-syncs.
    redis.restart();
    eventually("conn record restored", || {
        let f = redis.hgetall(&format!("mushd:conn:{ha}"));
        f.get("doing").map(String::as_str) == Some("offline edits")
            && f.get("player").map(String::as_str) == Some("#2")
    })
    .await;
    eventually("objects restored", || {
        redis
            .hgetall("mushd:obj:#3")
            .get("name")
            .map(String::as_str)
            == Some("Bob")
            && redis.hgetall("mushd:player_names").contains_key("bob")
    })
    .await;
    eventually("handle counter restored", || {
        redis
            .cli(&["GET", "mushd:next_handle"])
            .trim()
            .parse::<u64>()
            .unwrap_or(0)
            > ha
    })
    .await;
    god.send("@stats").await;
    let stats = god.expect("mushd_critical_write_seconds_total").await;
    assert!(
        stats.contains("mushd_store_up                           1"),
        "{stats}"
    );
    assert!(
        stats.contains("mushd_writebehind_resyncs_total          1"),
        "{stats}"
    );
    a.send("say all good").await;
    b.expect("Alice says, \"all good\"").await;
}

#[tokio::test]
async fn refuse_mode_turns_logins_away_while_the_store_is_down() {
    let mut redis = RedisServer::start();
    let mut opts = Options::redis(redis.port);
    opts.store.push_str("critical_write_failure = \"refuse\"\n");
    let server = TestServer::start_opts(&opts).await;
    let _early = server.player("Early").await;
    redis.kill();
    let mut c = server.client().await;
    c.expect("Welcome").await;
    c.send("connect Early pw-Early").await;
    c.expect("The game cannot log you in right now.").await;
    // Still on the login screen, and the game still answers.
    c.send("WHO").await;
    c.expect("There is one player connected.").await;
}

#[tokio::test]
async fn degrade_mode_lets_players_in_while_the_store_is_down() {
    let mut redis = RedisServer::start();
    let server = TestServer::start_opts(&Options::redis(redis.port)).await;
    // Kept open: a dropped connection would leave a link-dead session, which the
    // login below would reattach instead of showing the room.
    let _early = server.player("Early").await;
    redis.kill();
    let mut c = server.client().await;
    c.expect("Welcome").await;
    c.send("connect Early pw-Early").await;
    c.expect("Room Zero").await;
    assert!(
        server.logs().contains("login binding is queued"),
        "no warning logged"
    );
}

async fn crash_and_reconcile(opts: Options, redis: Option<&RedisServer>) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut a = server.player("Crasher").await;
    let h = my_handle(&mut a).await;
    server.kill().await;
    a.expect_closed().await;
    if let Some(r) = redis {
        assert!(
            !r.hgetall(&format!("mushd:conn:{h}")).is_empty(),
            "record there after the crash"
        );
    }

    let server = TestServer::start_in(tmp.path(), &opts).await;
    assert!(
        server.logs().contains("closed out stale session records"),
        "{}",
        server.logs()
    );
    // The player written by a critical write before the kill is there.
    let mut a = server.client().await;
    a.expect("Welcome").await;
    a.send("connect Crasher pw-Crasher").await;
    a.expect("Room Zero").await;
    a.send("@sessions").await;
    let history = a.expect(" crash\n").await;
    assert!(history.contains("(still on)"), "{history}");
    if let Some(r) = redis {
        assert!(
            r.hgetall(&format!("mushd:conn:{h}")).is_empty(),
            "stale record removed"
        );
        assert!(!r
            .cli(&["SMEMBERS", "mushd:conns"])
            .lines()
            .any(|l| l == h.to_string()));
    }
    let mut god = server.god().await;
    god.send("examine *Crasher").await;
    let ex = god.expect("Last host:").await;
    assert!(ex.contains("Last on: connected now"), "{ex}");
    // A new connection never reuses a handle from before the crash.
    assert!(my_handle(&mut god).await > h);
}

#[tokio::test]
async fn sigkill_then_restart_reconciles_with_redis() {
    let redis = RedisServer::start();
    crash_and_reconcile(Options::redis(redis.port), Some(&redis)).await;
}

#[tokio::test]
async fn sigkill_then_restart_reconciles_with_embedded() {
    crash_and_reconcile(Options::default(), None).await;
}

#[tokio::test]
async fn session_history_and_examine() {
    let server = TestServer::start().await;
    let mut a = server.player("Histo").await;
    a.send("LOGOUT").await;
    a.expect("Welcome").await;
    a.send("connect Histo pw-Histo").await;
    a.expect("Room Zero").await;
    a.send("@sessions").await;
    let h = a.expect(" quit\n").await;
    assert!(h.contains("(still on)"), "{h}");
    let mut b = server.player("Other").await;
    b.send("@sessions Histo").await;
    b.expect("Permission denied.").await;
    b.send("examine me").await;
    let ex = b.expect("Owner:").await;
    assert!(!ex.contains("Last host"), "{ex}");
    a.send("QUIT").await;
    a.expect_closed().await;
    let mut god = server.god().await;
    god.send("@sessions Histo").await;
    let h = god.expect("Ended").await;
    assert!(h.contains("Sessions of Histo"), "{h}");
    god.send("examine *Histo").await;
    let ex = god.expect("Last host:").await;
    assert!(ex.contains("Last on: 20"), "{ex}");
    assert!(god.expect("\n").await.contains("127.0.0.1"));
    god.send("@stats").await;
    god.expect("mushd_logins_total").await;
    // Players get the census only; the telemetry is for wizards.
    b.send("@stats").await;
    b.expect("The universe contains").await;
    assert!(!b.sync().await.contains("mushd_"));
}

#[tokio::test]
async fn metrics_endpoint_serves_prometheus_text() {
    let opts = Options {
        tables: "[metrics]\nlisten = \"127.0.0.1:0\"\n".into(),
        ..Options::default()
    };
    let server = TestServer::start_opts(&opts).await;
    let _a = server.player("Counted").await;
    let url = server.metrics.clone().expect("metrics address printed");
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches("/metrics")
        .to_string();
    let mut c = Client::connect(&addr).await;
    c.send_raw(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await;
    let body = c.drain(Duration::from_millis(500)).await;
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    for name in [
        "mushd_writebehind_queue_depth",
        "mushd_writebehind_dirty_keys",
        "mushd_writebehind_flush_seconds_last",
        "mushd_writebehind_flushes_failed_total",
        "mushd_writebehind_retries_total",
        "mushd_writebehind_items_written_total",
        "mushd_critical_write_seconds_total",
        "mushd_critical_write_failures_total",
        "mushd_store_up 1",
        "mushd_connections 1",
        "mushd_logins_total 1",
        "mushd_commands_total",
    ] {
        assert!(body.contains(name), "missing {name}:\n{body}");
    }
}
