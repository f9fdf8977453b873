//! Issue 10, "Done when": every hostile-client attack against the real binary while a
//! normal player (the bystander, on its own address) keeps talking. After each attack:
//! the bystander was answered within `ANSWER_BOUND` throughout, the server's open
//! descriptors came back to the baseline (`FD_SLACK`, polled up to `FD_SETTLE`), its
//! peak RSS (VmHWM, reset after start) stayed within `RSS_BOUND_MIB` of the idle
//! figure, and its log has no "panicked". The figures are printed with `eprintln!`
//! (`cargo test --test hardening -- --nocapture` shows them).
//!
//! Attackers connect from 127.0.0.1, the bystander (and God) from 127.0.0.2 and other
//! players from 127.0.1.x, so a per-address limit on the attacker never touches them.

#[path = "common/attack.rs"]
mod attack;
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use attack::{
    blast, connect_from, connect_from_with, expect_within, garbage, player_ip, Baseline,
    HardServer, Setup, Talker, Verdict, ANSWER_BOUND, ATTACKER_IP, BYSTANDER_IP, RSS_BOUND_MIB,
};
use common::Client;
use mushd::telnet::cmd::{IAC, SB, SE};
use mushd::telnet::opt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use tokio::time::Instant;

/// Connections in each hashing flood (failed logins, creates): all from one address.
const FLOOD_CONNS: usize = 120;
/// Failed-login attempts each flood connection sends at once.
const FAILED_PER_CONN: usize = 2;
/// `limits.failed_logins_per_ip_per_minute` in the failed-login flood.
const FAILED_LOGINS_PER_IP: usize = 10;
/// `limits.creates_per_ip_per_hour` in the create flood.
const CREATES_PER_IP: usize = 5;
/// How long a flood may take to be answered in full (the real argon2 cost in a debug
/// build takes about a second per hash).
const FLOOD_WAIT: Duration = Duration::from_secs(40);
/// Any login-screen answer a connection may get for an attempt that a limit refused.
const LIMITED: &str = "Too many";

/// Hashing floods (the real argon2 cost) run alone, the other tests side by side:
/// an unbounded flood takes every core and would make other tests' bystanders wait.
static TURNS: RwLock<()> = RwLock::const_new(());

/// Holds this test's turn (held, never read).
#[allow(dead_code)]
enum Turn {
    Shared(RwLockReadGuard<'static, ()>),
    Alone(RwLockWriteGuard<'static, ()>),
}

/// A server, God and the bystander, with the idle figures taken.
struct Arena {
    server: HardServer,
    god: Client,
    bystander: Client,
    base: Baseline,
    _turn: Turn,
}

async fn arena(setup: &Setup) -> Arena {
    let turn = if setup.hash_kib >= attack::REAL_HASH_KIB {
        Turn::Alone(TURNS.write().await)
    } else {
        Turn::Shared(TURNS.read().await)
    };
    let server = HardServer::start(setup).await;
    let god = server.god().await;
    let bystander = server.player_from(BYSTANDER_IP, "Bystander").await;
    let base = server.baseline().await;
    Arena {
        server,
        god,
        bystander,
        base,
        _turn: turn,
    }
}

/// `mushd_connections` from a wizard's `@stats`.
async fn connections(god: &mut Client) -> Option<u64> {
    god.send("@stats").await;
    expect_within(god, "mushd_connections ", ANSWER_BOUND)
        .await
        .ok()?;
    let (_, rest) = expect_within(god, "\n", ANSWER_BOUND).await.ok()?;
    rest.trim().parse().ok()
}

/// Polls `@stats` until it counts `want` connections (bounded).
async fn expect_connections(god: &mut Client, want: u64, attack: &str, v: &mut Verdict) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = None;
    while Instant::now() < deadline {
        last = connections(god).await;
        if last == Some(want) {
            eprintln!("hardening[{attack}]: @stats counts {want} connections");
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    v.fail(format!(
        "{attack}: @stats counts {last:?} connections, want {want} (ghost rows?)"
    ));
}

/// Opens `FLOOD_CONNS` connections from the attacker's address, writes `input(i)` on each at
/// once, and reads until each has `answers_each` answers (any of `needles`), closes,
/// or the flood is given up: when peak RSS passes `bound_kib`, the watchdog fires or
/// `FLOOD_WAIT` passes. Returns how often each needle was seen, summed.
async fn flood(
    server: &HardServer,
    attack: &str,
    input: impl Fn(usize) -> String,
    needles: &'static [&'static str],
    answers_each: usize,
    bound_kib: u64,
    v: &mut Verdict,
) -> Vec<usize> {
    let give_up = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..FLOOD_CONNS {
        let stream = connect_from(&server.addr, ATTACKER_IP).await;
        let data = input(i);
        let give_up = give_up.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = Client::from_stream(stream);
            let _ = c.stream.write_all(data.as_bytes()).await;
            loop {
                let counts: Vec<usize> =
                    needles.iter().map(|n| c.text.matches(n).count()).collect();
                if counts.iter().sum::<usize>() >= answers_each
                    || c.closed
                    || give_up.load(Ordering::Relaxed)
                {
                    return counts;
                }
                c.read_some(Duration::from_millis(100)).await;
            }
        }));
    }
    loop {
        if tasks.iter().all(|t| t.is_finished()) {
            break;
        }
        if server.watchdog_tripped().is_some() {
            give_up.store(true, Ordering::Relaxed);
            break;
        }
        let peak = server.status_kib("VmHWM");
        if peak > bound_kib {
            v.fail(format!(
                "{attack}: peak RSS passed the bound during the flood ({} MiB after {:?}); flood given up",
                peak / 1024,
                started.elapsed()
            ));
            give_up.store(true, Ordering::Relaxed);
            break;
        }
        if started.elapsed() > FLOOD_WAIT {
            v.fail(format!(
                "{attack}: the flood was not answered within {FLOOD_WAIT:?}"
            ));
            give_up.store(true, Ordering::Relaxed);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut total = vec![0; needles.len()];
    for t in tasks {
        let counts = t.await.expect("flood task");
        for (sum, n) in total.iter_mut().zip(counts) {
            *sum += n;
        }
    }
    eprintln!(
        "hardening[{attack}]: {FLOOD_CONNS} connections answered in {:?}: {:?}",
        started.elapsed(),
        needles.iter().zip(&total).collect::<Vec<_>>()
    );
    total
}

fn bound_kib(base: &Baseline) -> u64 {
    base.idle_kib + RSS_BOUND_MIB * 1024
}

// 1. ---------------------------------------------------------------------------------

/// `IAC SB CHARSET REQUEST "[TTABLE]" 0x01 IAC SE`: a TTABLE request with an empty list.
fn ttable_request() -> Vec<u8> {
    let mut b = vec![IAC, SB, opt::CHARSET, 0x01];
    b.extend_from_slice(b"[TTABLE]");
    b.extend_from_slice(&[0x01, IAC, SE]);
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charset_ttable_requests_leave_no_ghosts() {
    let attack = "charset-ttable x100";
    let Arena {
        server,
        mut god,
        bystander,
        base,
        _turn,
    } = arena(&Setup::cheap()).await;
    let mut v = Verdict::default();
    let talker = Talker::start(bystander);
    let mut tasks = Vec::new();
    for i in 0..100 {
        let stream = connect_from(&server.addr, ATTACKER_IP).await;
        tasks.push(tokio::spawn(async move {
            let mut stream = stream;
            if i % 2 == 0 {
                // Half wait for the server's first bytes (its offers), half do not.
                let mut buf = [0u8; 256];
                let _ = tokio::time::timeout(ANSWER_BOUND, stream.read(&mut buf)).await;
            }
            let _ = stream.write_all(&ttable_request()).await;
            // And close at once.
        }));
    }
    for t in tasks {
        t.await.expect("attack task");
    }
    let (_bystander, talk) = talker.finish().await;
    server
        .check_after(attack, &base, RSS_BOUND_MIB, &talk, &mut v)
        .await;
    expect_connections(&mut god, 2, attack, &mut v).await;
    god.send("WHO").await;
    match expect_within(&mut god, "connected.", ANSWER_BOUND).await {
        Ok((_, who)) => v.check(who.contains("There are 2 players connected."), || {
            format!("{attack}: WHO shows other than the two real players: {who}")
        }),
        Err(e) => v.fail(format!("{attack}: WHO: {e}")),
    }
    v.assert_ok();
}

// 2. ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_login_flood_is_limited_before_hashing() {
    let attack = "failed-login flood";
    let setup = Setup::real_hashing().limits(&format!(
        "failed_logins_per_ip_per_minute = {FAILED_LOGINS_PER_IP}"
    ));
    let Arena {
        server,
        god: _god,
        bystander,
        base,
        _turn,
    } = arena(&setup).await;
    let mut v = Verdict::default();
    let talker = Talker::start(bystander);
    let line = "connect One wrongpw\r\n".repeat(FAILED_PER_CONN);
    let counts = flood(
        &server,
        attack,
        |_| line.clone(),
        &["different password", LIMITED],
        FAILED_PER_CONN,
        bound_kib(&base),
        &mut v,
    )
    .await;
    let (_bystander, talk) = talker.finish().await;
    server
        .check_after(attack, &base, RSS_BOUND_MIB, &talk, &mut v)
        .await;
    let (checked, limited) = (counts[0], counts[1]);
    v.check(checked <= FAILED_LOGINS_PER_IP, || {
        format!(
            "{attack}: {checked} passwords were checked from one address; the limit is {FAILED_LOGINS_PER_IP} a minute"
        )
    });
    v.check(limited > 0, || {
        format!("{attack}: no attempt was refused with {LIMITED:?}")
    });
    // The flood from one address does not lock out another.
    if server.watchdog_tripped().is_none() {
        let mut c = server.client_from(&player_ip(1)).await;
        c.send("connect One god-pw").await;
        if let Err(e) = expect_within(&mut c, "Room Zero", Duration::from_secs(15)).await {
            v.fail(format!("{attack}: God from another address: {e}"));
        }
    }
    v.assert_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_flood_is_limited_per_address() {
    let attack = "create flood";
    let setup =
        Setup::real_hashing().limits(&format!("creates_per_ip_per_hour = {CREATES_PER_IP}"));
    let Arena {
        server,
        god: _god,
        bystander,
        base,
        _turn,
    } = arena(&setup).await;
    let mut v = Verdict::default();
    let talker = Talker::start(bystander);
    let counts = flood(
        &server,
        attack,
        |i| format!("create Flood{i} pw-flood-{i}\r\n"),
        &["Your character has been created.", LIMITED],
        1,
        bound_kib(&base),
        &mut v,
    )
    .await;
    let (_bystander, talk) = talker.finish().await;
    server
        .check_after(attack, &base, RSS_BOUND_MIB, &talk, &mut v)
        .await;
    let (created, limited) = (counts[0], counts[1]);
    v.check(created <= CREATES_PER_IP, || {
        format!("{attack}: {created} characters created from one address; the limit is {CREATES_PER_IP} an hour")
    });
    v.check(limited > 0, || {
        format!("{attack}: no create was refused with {LIMITED:?}")
    });
    v.assert_ok();
}

// 3. ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_screen_who_flood() {
    let attack = "login WHO flood";
    const CONNS: usize = 200;
    const WHO_EACH: usize = 50;
    let Arena {
        server,
        god: _god,
        bystander,
        base,
        _turn,
    } = arena(&Setup::cheap()).await;
    let mut v = Verdict::default();
    let talker = Talker::start(bystander);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNS {
        let mut stream = connect_from(&server.addr, ATTACKER_IP).await;
        tasks.push(tokio::spawn(async move {
            let mut data = "WHO\r\n".repeat(WHO_EACH);
            data.push_str("QUIT\r\n");
            let _ = stream.write_all(data.as_bytes()).await;
            // Read (and drop) everything until the server closes after QUIT.
            let mut buf = vec![0u8; 16 * 1024];
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => return true,
                    _ => {}
                }
            }
            false
        }));
    }
    let mut unclosed = 0;
    for t in tasks {
        if !t.await.expect("who task") {
            unclosed += 1;
        }
    }
    eprintln!(
        "hardening[{attack}]: {} WHO lines from {CONNS} connections handled in {:?}",
        CONNS * WHO_EACH,
        started.elapsed()
    );
    v.check(unclosed == 0, || {
        format!("{attack}: {unclosed} connections did not get to their QUIT within 30 s")
    });
    let (_bystander, talk) = talker.finish().await;
    server
        .check_after(attack, &base, RSS_BOUND_MIB, &talk, &mut v)
        .await;
    v.assert_ok();
}

// 4. ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_long_lines() {
    let attack = "over-long lines";
    const MIB: usize = 4;
    let Arena {
        server,
        god: _god,
        bystander,
        base,
        _turn,
    } = arena(&Setup::cheap()).await;
    let mut v = Verdict::default();
    let talker = Talker::start(bystander);
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let c = server.client_from(ATTACKER_IP).await;
        tasks.push(tokio::spawn(async move {
            let mut c = c;
            let mut data = vec![b'y'; MIB << 20];
            data.extend_from_slice(b"\r\nMSSP-REQUEST\r\n");
            let sent = blast(&mut c.stream, &data).await;
            if sent < data.len() {
                return Err(format!("the server stopped reading after {sent} bytes"));
            }
            expect_within(&mut c, "too long", Duration::from_secs(15)).await?;
            expect_within(&mut c, "MSSP-REPLY-END", Duration::from_secs(15)).await?;
            Ok(())
        }));
    }
    // A logged-in player too: `say` and megabytes.
    let mut longo = server.player_from(&player_ip(1), "Longo").await;
    let mut data = b"say ".to_vec();
    data.extend(std::iter::repeat_n(b'y', MIB << 20));
    data.extend_from_slice(b"\r\nsay short again\r\n");
    let sent = blast(&mut longo.stream, &data).await;
    v.check(sent == data.len(), || {
        format!("{attack}: the server stopped reading a player after {sent} bytes")
    });
    for needle in ["Your line was too long", "You say, \"short again\""] {
        if let Err(e) = expect_within(&mut longo, needle, Duration::from_secs(15)).await {
            v.fail(format!("{attack}: player: {e}"));
        }
    }
    for t in tasks {
        if let Err(e) = t.await.expect("long-line task") {
            v.fail(format!("{attack}: login screen: {e}"));
        }
    }
    drop(longo);
    let (_bystander, talk) = talker.finish().await;
    server
        .check_after(attack, &base, RSS_BOUND_MIB, &talk, &mut v)
        .await;
    v.assert_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_subnegotiation() {
    let attack = "endless subnegotiation";
    const MIB: usize = 8;
    let Arena {
        server,
        god: _god,
        bystander,
        base,
        _turn,
    } = arena(&Setup::cheap()).await;
    let mut v = Verdict::default();
    let talker = Talker::start(bystander);
    let mut tasks = Vec::new();
    // TTYPE IS, an unknown option, and CHARSET; half end it and go on, half just close.
    for (i, option) in [opt::TTYPE, 200, opt::CHARSET]
        .into_iter()
        .cycle()
        .take(6)
        .enumerate()
    {
        let c = server.client_from(ATTACKER_IP).await;
        tasks.push(tokio::spawn(async move {
            let mut c = c;
            let mut data = vec![IAC, SB, option, 0];
            data.extend(std::iter::repeat_n(b'z', MIB << 20));
            let ends = i % 2 == 0;
            if ends {
                data.extend_from_slice(&[IAC, SE]);
                data.extend_from_slice(b"MSSP-REQUEST\r\n");
            }
            let sent = blast(&mut c.stream, &data).await;
            if sent < data.len() {
                return Err(format!("the server stopped reading after {sent} bytes"));
            }
            if ends {
                expect_within(&mut c, "MSSP-REPLY-END", Duration::from_secs(15)).await?;
            }
            Ok(())
        }));
    }
    for t in tasks {
        if let Err(e) = t.await.expect("subnegotiation task") {
            v.fail(format!("{attack}: {e}"));
        }
    }
    let (_bystander, talk) = talker.finish().await;
    server
        .check_after(attack, &base, RSS_BOUND_MIB, &talk, &mut v)
        .await;
    v.assert_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_garbage() {
    let attack = "random garbage";
    let Arena {
        server,
        god: _god,
        bystander,
        base,
        _turn,
    } = arena(&Setup::cheap()).await;
    let mut v = Verdict::default();
    let talker = Talker::start(bystander);
    let mut tasks = Vec::new();
    for seed in 1..=16u64 {
        let mut stream = connect_from(&server.addr, ATTACKER_IP).await;
        tasks.push(tokio::spawn(async move {
            // The server may close on some of it; that is fine.
            blast(&mut stream, &garbage(seed * 0x9e37_79b9, 1 << 20)).await
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await.expect("garbage task");
    }
    eprintln!("hardening[{attack}]: {} KiB of garbage taken", sent / 1024);
    let (_bystander, talk) = talker.finish().await;
    server
        .check_after(attack, &base, RSS_BOUND_MIB, &talk, &mut v)
        .await;
    v.assert_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_is_timed_out() {
    let attack = "slowloris";
    const LOGIN_TIMEOUT: u64 = 3;
    const CONNS: usize = 40;
    let setup = Setup::cheap().limits(&format!("login_timeout_secs = {LOGIN_TIMEOUT}"));
    let Arena {
        server,
        god: _god,
        bystander,
        base,
        _turn,
    } = arena(&setup).await;
    let mut v = Verdict::default();
    let talker = Talker::start(bystander);
    let mut tasks = Vec::new();
    for _ in 0..CONNS {
        let stream = connect_from(&server.addr, ATTACKER_IP).await;
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            let (mut r, mut w) = stream.into_split();
            let reader = tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                loop {
                    match r.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                }
            });
            // One byte every 100 ms, never a line end, until the server closes.
            let bytes = b"connect One god-pw ";
            let deadline = started + Duration::from_secs(LOGIN_TIMEOUT + 10);
            let mut i = 0;
            while !reader.is_finished() && Instant::now() < deadline {
                if w.write_all(&bytes[i % bytes.len()..][..1]).await.is_err() {
                    break;
                }
                i += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let closed = tokio::time::timeout(Duration::from_secs(2), reader)
                .await
                .is_ok();
            (closed, started.elapsed())
        }));
    }
    let mut slowest = Duration::ZERO;
    let mut open = 0;
    for t in tasks {
        let (closed, took) = t.await.expect("slowloris task");
        slowest = slowest.max(took);
        if !closed {
            open += 1;
        }
    }
    eprintln!("hardening[{attack}]: {CONNS} dribbling connections closed by the server after at most {slowest:?} (login timeout {LOGIN_TIMEOUT} s)");
    v.check(open == 0, || {
        format!(
            "{attack}: {open} dribbling connections were still open {} s after connecting",
            LOGIN_TIMEOUT + 10
        )
    });
    let (_bystander, talk) = talker.finish().await;
    server
        .check_after(attack, &base, RSS_BOUND_MIB, &talk, &mut v)
        .await;
    v.assert_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_reading_clients() {
    let attack = "never-reading clients";
    const READERS: u32 = 10;
    const PAGES_EACH: usize = 100;
    let Arena {
        server,
        god: _god,
        bystander,
        base,
        _turn,
    } = arena(&Setup::cheap()).await;
    let mut v = Verdict::default();
    let talker = Talker::start(bystander);
    // Players who log in with a tiny receive buffer and then never read again.
    let mut stuck = Vec::new();
    for i in 0..READERS {
        let name = format!("Stuck{i}");
        let stream = connect_from_with(&server.addr, &player_ip(10 + i), Some(4096)).await;
        let mut c = Client::from_stream(stream);
        c.expect("Welcome").await;
        c.send(&format!("create {name} pw-{name}")).await;
        c.expect("Your character has been created.").await;
        // From here on it only writes: it pages itself with big lines too.
        let big = "s".repeat(4000);
        let mut data = String::new();
        for n in 0..20 {
            data.push_str(&format!("page {name}={n} {big}\r\n"));
        }
        blast(&mut c.stream, data.as_bytes()).await;
        stuck.push((name, c));
    }
    // And another player spams them all with pages of 4000 characters.
    let mut spammer = server.player_from(&player_ip(1), "Spammer").await;
    let big = "x".repeat(4000);
    for n in 0..PAGES_EACH {
        let mut batch = String::new();
        for (name, _) in &stuck {
            batch.push_str(&format!("page {name}={n} {big}\r\n"));
        }
        batch.push_str(&format!("think batch-{n}\r\n"));
        blast(&mut spammer.stream, batch.as_bytes()).await;
        if let Err(e) = expect_within(
            &mut spammer,
            &format!("batch-{n}\n"),
            Duration::from_secs(15),
        )
        .await
        {
            v.fail(format!("{attack}: spammer: {e}"));
            break;
        }
    }
    // While they are stuck, the others carry on (the talker); then they hang up.
    let (_bystander, talk) = talker.finish().await;
    drop(stuck);
    drop(spammer);
    server
        .check_after(attack, &base, RSS_BOUND_MIB, &talk, &mut v)
        .await;
    v.assert_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_closed_sockets() {
    let attack = "half-closed sockets";
    const CONNS: usize = 30;
    let Arena {
        server,
        god: _god,
        bystander,
        base,
        _turn,
    } = arena(&Setup::cheap().game("linkdead_grace_secs = 0")).await;
    // (Without the grace at 0 the player below would stay link-dead: tests/linkdead.rs.)
    let mut v = Verdict::default();
    let talker = Talker::start(bystander);
    let mut tasks = Vec::new();
    for _ in 0..CONNS {
        let c = server.client_from(ATTACKER_IP).await;
        tasks.push(tokio::spawn(async move {
            let mut c = c;
            c.send("MSSP-REQUEST").await;
            let _ = c.stream.shutdown().await;
            let r = expect_within(&mut c, "MSSP-REPLY-END", Duration::from_secs(15)).await;
            // The server closes its side; this side stays open (kept below).
            let deadline = Instant::now() + Duration::from_secs(15);
            while !c.closed && Instant::now() < deadline {
                c.read_some(Duration::from_millis(200)).await;
            }
            (c.closed, r.err(), c)
        }));
    }
    // A logged-in player says something and half-closes too.
    let mut half = server.player_from(&player_ip(1), "Halfway").await;
    half.send("say half-closed").await;
    let _ = half.stream.shutdown().await;
    if let Err(e) = expect_within(
        &mut half,
        "You say, \"half-closed\"",
        Duration::from_secs(15),
    )
    .await
    {
        v.fail(format!("{attack}: player: {e}"));
    }
    let mut kept = Vec::new();
    for t in tasks {
        let (closed, err, c) = t.await.expect("half-close task");
        if let Some(e) = err {
            v.fail(format!("{attack}: {e}"));
        }
        v.check(closed, || {
            format!("{attack}: the server never closed a half-closed socket")
        });
        kept.push(c);
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while !half.closed && Instant::now() < deadline {
        half.read_some(Duration::from_millis(200)).await;
    }
    v.check(half.closed, || {
        format!("{attack}: the server never closed the half-closed player")
    });
    let (mut bystander, mut talk) = talker.finish().await;
    // The departure is announced after the socket closes: give it its time.
    if !talk.transcript.contains("Halfway has disconnected.") {
        if let Ok((_, seen)) =
            expect_within(&mut bystander, "Halfway has disconnected.", ANSWER_BOUND).await
        {
            talk.transcript.push_str(&seen);
        }
    }
    // The client sides are still open: the server's descriptors must be gone anyway.
    server
        .check_after(attack, &base, RSS_BOUND_MIB, &talk, &mut v)
        .await;
    for needle in ["Halfway says, \"half-closed\"", "Halfway has disconnected."] {
        v.check(talk.transcript.contains(needle), || {
            format!("{attack}: the bystander never saw {needle:?}")
        });
    }
    drop(kept);
    v.assert_ok();
}

// 5. ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_are_stripped() {
    let attack = "control characters";
    let Arena {
        server,
        god: _god,
        bystander,
        base,
        _turn,
    } = arena(&Setup::cheap()).await;
    let mut v = Verdict::default();
    let talker = Talker::start(bystander);
    let mut mal = server.player_from(&player_ip(1), "Mal").await;
    // ESC (a colour sequence), BEL, and every other C0 control but TAB, LF, CR and NUL
    // (the telnet layer drops a bare NUL already). The text is evaluated, as PennMUSH
    // evaluates say, pose, page and @emit: `\[` is a literal bracket.
    let mut dirty = b"a\x1b\\[31mred\x07bell".to_vec();
    dirty.extend((0x01u8..0x20).filter(|b| ![b'\t', b'\n', b'\r'].contains(b)));
    dirty.extend_from_slice(b"|tab\there");
    let clean = "a[31mredbell|tab\there";
    let commands: [(&[u8], String); 4] = [
        (b"say ", format!("Mal says, \"{clean}\"")),
        (b"pose ", format!("Mal {clean}")),
        (b"page Bystander=", format!("Mal pages: {clean}")),
        (b"@emit emit-mark ", format!("emit-mark {clean}")),
    ];
    for (command, _) in &commands {
        let mut line = command.to_vec();
        line.extend_from_slice(&dirty);
        line.extend_from_slice(b"\r\n");
        mal.send_raw(&line).await;
    }
    mal.sync().await;
    // The bystander's next answered line comes after all of that.
    let (_bystander, talk) = talker.finish().await;
    server
        .check_after(attack, &base, RSS_BOUND_MIB, &talk, &mut v)
        .await;
    let lines: Vec<&str> = talk.transcript.lines().collect();
    for (_, want) in &commands {
        v.check(lines.contains(&want.as_str()), || {
            format!("{attack}: the bystander never got {want:?}")
        });
    }
    let dirty_lines: Vec<&&str> = lines
        .iter()
        .filter(|l| l.chars().any(|c| c.is_control() && c != '\t'))
        .collect();
    v.check(dirty_lines.is_empty(), || {
        format!(
            "{attack}: {} line(s) reached the bystander with control characters, first: {:?}",
            dirty_lines.len(),
            dirty_lines[0]
        )
    });
    v.assert_ok();
}

// 6. ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_replies_come_inside_outputprefix_and_suffix() {
    let attack = "OUTPUTPREFIX/SUFFIX";
    const PFX: &str = "<<PFX>>";
    const SFX: &str = "<<SFX>>";
    let Arena {
        server,
        god: _god,
        bystander,
        base,
        _turn,
    } = arena(&Setup::cheap()).await;
    let mut v = Verdict::default();
    let talker = Talker::start(bystander);
    let mut pat = server.player_from(&player_ip(1), "Pat").await;
    pat.send(&format!("OUTPUTPREFIX {PFX}")).await;
    pat.send(&format!("OUTPUTSUFFIX {SFX}")).await;
    pat.send("think wrappers-set").await;
    pat.expect("wrappers-set").await;
    pat.expect(SFX).await;
    pat.text.clear();
    let cases = [
        ("@password pw-Pat=newpass1", "Password changed."),
        (
            "@password wrongpass=other1",
            "Sorry, that is not your password.",
        ),
        ("@sessions", "Sessions of Pat"),
    ];
    for (n, (command, reply)) in cases.iter().enumerate() {
        pat.send(command).await;
        // Wait for the reply and a suffix line, in whatever order they come.
        let deadline = Instant::now() + Duration::from_secs(15);
        while !(pat.text.contains(reply) && pat.text.lines().any(|l| l == SFX))
            && Instant::now() < deadline
            && !pat.closed
        {
            pat.read_some(Duration::from_millis(200)).await;
        }
        let text = std::mem::take(&mut pat.text);
        let lines: Vec<&str> = text.lines().collect();
        let p = lines.iter().position(|l| *l == PFX);
        let r = lines.iter().position(|l| l.contains(reply));
        let s = p.and_then(|p| lines[p..].iter().position(|l| *l == SFX).map(|s| s + p));
        v.check(
            matches!((p, r, s), (Some(p), Some(r), Some(s)) if p < r && r < s),
            || format!("{attack}: {command:?}: want {PFX}, {reply:?}, {SFX} in that order; got {lines:?}"),
        );
        // Start the next case clean: a marker and its suffix.
        pat.send(&format!("think case-done-{n}")).await;
        let _ = expect_within(&mut pat, &format!("case-done-{n}"), Duration::from_secs(15)).await;
        let _ = expect_within(&mut pat, SFX, Duration::from_secs(15)).await;
        pat.text.clear();
    }
    let (_bystander, talk) = talker.finish().await;
    server
        .check_after(attack, &base, RSS_BOUND_MIB, &talk, &mut v)
        .await;
    v.assert_ok();
}
