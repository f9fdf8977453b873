//! Hot reboot: connections survive an exec of the binary, with both store backends.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{Client, Options, RedisServer, TestServer};
use mushd::telnet::cmd::{IAC, SB, SE, WILL};
use mushd::telnet::opt;

/// "Connected since" and "Window size" lines of SESSION.
async fn session_facts(c: &mut Client) -> (String, String, String) {
    c.send("SESSION").await;
    let s = c.expect("Host:").await;
    let line = |prefix: &str| {
        s.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .map(|l| l.trim().to_string())
            .unwrap_or_default()
    };
    (
        line("Connected since"),
        line("Window size"),
        line("Terminal"),
    )
}

async fn two_players_survive(opts: Options) {
    let server = TestServer::start_opts(&opts).await;
    let mut god = server.god().await;
    let mut alice = server.client().await;
    alice
        .send_raw(&[
            IAC,
            WILL,
            opt::NAWS,
            IAC,
            SB,
            opt::NAWS,
            0,
            120,
            0,
            42,
            IAC,
            SE,
        ])
        .await;
    alice.send_raw(&[IAC, WILL, opt::TTYPE]).await;
    alice
        .expect_event(
            |e| matches!(e, mushd::telnet::TelnetEvent::Subnegotiation(o, _) if *o == opt::TTYPE),
        )
        .await;
    alice
        .send_raw(&[
            IAC,
            SB,
            opt::TTYPE,
            0,
            b'M',
            b'U',
            b'D',
            b'L',
            b'E',
            b'T',
            IAC,
            SE,
        ])
        .await;
    alice.expect("Welcome").await;
    alice.send("create Alice rabbit").await;
    alice.expect("Room Zero").await;
    alice.send("@doing down the hole").await;
    alice.expect("Doing set.").await;
    god.send("WHO").await;
    let who_before = god.expect("players connected.").await;
    let alice_before = session_facts(&mut alice).await;
    assert!(alice_before.1.contains("120x42"), "{alice_before:?}");

    god.send("@reboot").await;
    god.expect("GAME: Reboot w/o disconnect by One, please wait.")
        .await;
    alice
        .expect("GAME: Reboot w/o disconnect by One, please wait.")
        .await;
    god.expect("GAME: Reboot finished.").await;
    alice.expect("GAME: Reboot finished.").await;

    // Both sockets keep working.
    alice.send("say still here").await;
    alice.expect("You say, \"still here\"").await;
    god.expect("Alice says, \"still here\"").await;
    // Same connection: same start time, terminal size and type; WHO unchanged.
    let alice_after = session_facts(&mut alice).await;
    assert_eq!(alice_before, alice_after);
    god.send("WHO").await;
    let who_after = god.expect("players connected.").await;
    let row = |who: &str, name: &str| {
        let w = &who[who.find("Player Name").expect("header")..];
        w.lines()
            .find(|l| l.starts_with(name))
            .map(|l| l[..28].to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        row(&who_before, "Alice"),
        row(&who_after, "Alice"),
        "{who_before}\n{who_after}"
    );
    assert!(who_after.contains("down the hole"), "{who_after}");
    assert!(who_after.contains("There are 2 players connected."));
    // New connections are still accepted on the inherited listener.
    let mut late = server.client().await;
    late.expect("Welcome").await;
    let logs = server.logs();
    assert!(logs.contains("hot reboot finished sessions=2"), "{logs}");
}

#[tokio::test]
async fn two_players_survive_with_embedded_store() {
    two_players_survive(Options::default()).await;
}

#[tokio::test]
async fn two_players_survive_with_redis_store() {
    let redis = RedisServer::start();
    two_players_survive(Options::redis(redis.port)).await;
}

#[tokio::test]
async fn a_partly_typed_line_is_carried_over() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    let mut typist = server.player("Typist").await;
    typist.send_raw(b"say half a ").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    god.send("@reboot").await;
    typist.expect("GAME: Reboot finished.").await;
    typist.send_raw(b"sentence\r\n").await;
    typist.expect("You say, \"half a sentence\"").await;
}

#[tokio::test]
async fn sigusr1_reboots() {
    let server = TestServer::start().await;
    let mut a = server.player("Signal").await;
    server.signal("USR1");
    a.expect("GAME: Reboot w/o disconnect by the operator, please wait.")
        .await;
    a.expect("GAME: Reboot finished.").await;
    a.send("say ok").await;
    a.expect("You say, \"ok\"").await;
}

#[tokio::test]
async fn a_missing_binary_cancels_the_reboot() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let copy = tmp.path().join("mushd-copy");
    std::fs::copy(env!("CARGO_BIN_EXE_mushd"), &copy).expect("copy binary");
    let opts = Options {
        exe: Some(copy.clone()),
        ..Options::default()
    };
    let server = TestServer::start_opts(&opts).await;
    let mut god = server.god().await;
    let mut a = server.player("Bystander").await;
    std::fs::remove_file(&copy).expect("remove binary");
    god.send("@reboot").await;
    let said = god.expect("Reboot cancelled:").await;
    assert!(!said.contains("please wait"), "{said}");
    god.expect("cannot be read").await;
    // The old process goes on serving.
    a.send("say nothing happened").await;
    god.expect("Bystander says, \"nothing happened\"").await;
    let mut c = server.client().await;
    c.expect("Welcome").await;

    // A wizard only: others are told no.
    a.send("@reboot").await;
    a.expect("Permission denied.").await;
}

#[tokio::test]
async fn a_reboot_under_load_loses_no_connection_and_no_acknowledged_command() {
    let server =
        TestServer::start_opts(&Options::limits("failed_logins_per_ip_per_minute = 100000")).await;
    let out = Command::new(env!("CARGO_BIN_EXE_mushd-load"))
        .args([
            "--addr",
            &server.addr,
            "--scenario",
            "reboot",
            "--clients",
            "100",
        ])
        // Every 50 ms: commands are in flight while the connections freeze, and their
        // output to already-parked connections must travel in the handoff.
        .args([
            "--interval-ms",
            "50",
            "--warmup-secs",
            "1",
            "--duration-secs",
            "4",
        ])
        .args([
            "--reboot-at-secs",
            "2",
            "--wizard",
            &format!("One:{}", common::GOD_PASSWORD),
        ])
        .args(["--expect-all", "--json", "--deadline-secs", "120"])
        .output()
        .expect("run mushd-load");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{stdout}\n{stderr}\n{}",
        server.logs()
    );
    assert!(stdout.contains("\"connections_lost\":0"), "{stdout}");
    assert!(stdout.contains("\"commands_lost\":0"), "{stdout}");
    assert!(stdout.contains("Reboot w/o disconnect"), "{stdout}");
    assert!(
        server.logs().contains("hot reboot finished sessions=101"),
        "{}",
        server.logs()
    );
}

#[tokio::test]
async fn a_store_that_cannot_be_flushed_cancels_the_reboot() {
    let mut redis = RedisServer::start();
    let server = TestServer::start_opts(&Options::redis(redis.port)).await;
    let mut god = server.god().await;
    redis.kill();
    god.send("@reboot").await;
    god.expect("Reboot cancelled: the store cannot be written")
        .await;
    god.send("say still the old process").await;
    god.expect("You say, \"still the old process\"").await;
}

#[tokio::test]
async fn a_failed_exec_closes_every_connection_and_exits() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let copy = tmp.path().join("mushd-copy");
    std::fs::copy(env!("CARGO_BIN_EXE_mushd"), &copy).expect("copy binary");
    let opts = Options {
        exe: Some(copy.clone()),
        ..Options::default()
    };
    let mut server = TestServer::start_opts(&opts).await;
    let mut god = server.god().await;
    let mut a = server.player("Witness").await;
    // A new binary still open for writing cannot be executed (ETXTBSY): exec fails.
    std::fs::remove_file(&copy).expect("remove");
    let mut busy = std::fs::File::create(&copy).expect("create");
    std::io::Write::write_all(
        &mut busy,
        &std::fs::read(env!("CARGO_BIN_EXE_mushd")).expect("read"),
    )
    .expect("write");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    god.send("@reboot").await;
    a.expect_closed().await;
    god.expect_closed().await;
    let status = server.wait_exit().await;
    drop(busy);
    assert!(!status.success());
    assert!(server.logs().contains("exec failed"), "{}", server.logs());
}
