//! Link-dead sessions: a socket that drops without QUIT leaves the session for the
//! grace; logging in again reattaches it and replays what was missed.

mod common;

use std::time::Duration;

use common::{my_handle, Client, Options, TestServer};
use mushd::telnet::cmd::{DO, IAC};
use mushd::telnet::{opt, TelnetEvent};

fn opts(grace_secs: u64) -> Options {
    Options {
        game: format!("linkdead_grace_secs = {grace_secs}\n"),
        ..Options::default()
    }
}

/// Drops the connection as a phone losing its network would: no QUIT.
async fn drop_socket(c: Client) {
    let Client { mut stream, .. } = c;
    let _ = tokio::io::AsyncWriteExt::shutdown(&mut stream).await;
    drop(stream);
}

/// Waits until WHO (asked by `watcher`) shows `count` link-dead rows.
async fn wait_linkdead(watcher: &mut Client, count: usize) {
    let deadline = tokio::time::Instant::now() + common::WAIT;
    loop {
        watcher.send("WHO").await;
        let who = watcher.expect("connected.").await;
        if who.matches("(link-dead)").count() == count {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never {count} link-dead rows:\n{who}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A new connection that logs in as `name` (password `pw-<name>`).
async fn login(server: &TestServer, name: &str) -> Client {
    let mut c = server.client().await;
    c.expect("Welcome").await;
    c.send(&format!("connect {name} pw-{name}")).await;
    c
}

/// The replay after a reattach: from the header through `last`.
async fn replay_through(c: &mut Client, last: &str) -> String {
    let before = c.expect("while you were away ---").await;
    let start = before.rfind("--- ").expect("header");
    let header = before[start..].to_string();
    format!("{header}{}", c.expect(last).await)
}

#[tokio::test]
async fn a_dropped_player_reattaches_and_sees_what_was_said() {
    let server = TestServer::start_opts(&opts(300)).await;
    let mut bob = server.player("Bob").await;
    let mut alice = server.player("Alice").await;
    bob.expect("Alice has connected.").await;
    let handle = my_handle(&mut alice).await;
    alice.send("@doing dancing").await;
    alice.expect("Doing set.").await;

    drop_socket(alice).await;
    wait_linkdead(&mut bob, 1).await;
    // Still there for softcode.
    bob.send("think conn(*Alice) [words(lwho())]").await;
    let think = bob.expect_line(" 2").await;
    assert!(!think.starts_with("-1"), "{think}");
    bob.send("say one").await;
    bob.send("say two").await;
    bob.send("say three").await;
    bob.expect("You say, \"three\"").await;

    let mut alice = login(&server, "Alice").await;
    let replay = replay_through(&mut alice, "Bob says, \"three\"").await;
    assert!(
        replay.starts_with("--- 3 lines while you were away ---"),
        "{replay}"
    );
    let one = replay.find("Bob says, \"one\"").expect("one");
    let two = replay.find("Bob says, \"two\"").expect("two");
    assert!(one < two, "{replay}");
    assert_eq!(my_handle(&mut alice).await, handle, "the same session");
    alice.send("say back").await;
    alice.expect("You say, \"back\"").await;
    bob.expect("Alice says, \"back\"").await;
    bob.send("WHO").await;
    let who = bob.expect("players connected.").await;
    assert!(!who.contains("(link-dead)"), "{who}");
    assert!(who.contains("dancing"), "{who}");
    let heard = bob.drain(Duration::from_millis(300)).await;
    let everything = format!("{who}{heard}");
    for word in ["disconnected", "reconnected", "has connected"] {
        assert!(
            !everything.contains(word),
            "Bob heard {word:?}:\n{everything}"
        );
    }
}

#[tokio::test]
async fn the_grace_running_out_disconnects_once() {
    let server = TestServer::start_opts(&opts(3)).await;
    let mut bob = server.player("Bob").await;
    let mut alice = server.player("Alice").await;
    bob.send("think BOB=[num(me)]").await;
    let line = bob.expect_line("BOB=#").await;
    let bob_ref = line.trim().trim_start_matches("BOB=").to_string();
    alice
        .send(&format!("&ADISCONNECT me=@pemit {bob_ref}=ADISC-RAN"))
        .await;
    alice.expect("Set.").await;
    bob.sync().await;

    drop_socket(alice).await;
    let before = bob.expect("Alice has disconnected.").await;
    assert!(!before.contains("ADISC-RAN"), "{before}");
    bob.expect("ADISC-RAN").await;
    let after = bob.drain(Duration::from_secs(2)).await;
    assert!(
        !after.contains("disconnected") && !after.contains("ADISC-RAN"),
        "told twice:\n{after}"
    );
    bob.send("WHO").await;
    let who = bob.expect("connected.").await;
    assert!(!who.contains("Alice"), "{who}");

    let mut god = server.god().await;
    god.send("@sessions Alice").await;
    let history = god.expect("Sessions of Alice").await;
    let history = format!("{history}{}", god.drain(Duration::from_millis(500)).await);
    assert!(history.contains("linkdead-expired"), "{history}");
    // Logging in afterwards is an ordinary login.
    let mut alice = login(&server, "Alice").await;
    alice.expect("Room Zero").await;
    bob.expect("Alice has connected.").await;
}

#[tokio::test]
async fn a_link_dead_session_survives_a_hot_reboot() {
    let server = TestServer::start_opts(&opts(300)).await;
    let mut god = server.god().await;
    let mut bob = server.player("Bob").await;
    let mut alice = server.player("Alice").await;
    let handle = my_handle(&mut alice).await;
    drop_socket(alice).await;
    wait_linkdead(&mut bob, 1).await;
    bob.send("say before the reboot").await;
    bob.expect("You say").await;

    god.send("@reboot").await;
    god.expect("GAME: Reboot finished.").await;
    bob.expect("GAME: Reboot finished.").await;
    wait_linkdead(&mut bob, 1).await;
    bob.send("say after the reboot").await;
    bob.expect("You say, \"after").await;

    let mut alice = login(&server, "Alice").await;
    let replay = replay_through(&mut alice, "Bob says, \"after the reboot\"").await;
    let before = replay.find("before the reboot").expect("said before");
    let reboot = replay
        .find("GAME: Reboot finished.")
        .expect("reboot notice");
    assert!(before < reboot, "{replay}");
    assert_eq!(my_handle(&mut alice).await, handle);
    let heard = bob.drain(Duration::from_millis(300)).await;
    assert!(!heard.contains("disconnected"), "{heard}");

    // The reattached connection carries the session's handle through the next reboot.
    god.send("@reboot").await;
    alice.expect("GAME: Reboot finished.").await;
    assert_eq!(my_handle(&mut alice).await, handle);
    alice.send("say still me").await;
    bob.expect("Alice says, \"still me\"").await;
}

#[tokio::test]
async fn a_link_dead_session_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(dir.path(), &opts(300)).await;
    let mut bob = server.player("Bob").await;
    let mut alice = server.player("Alice").await;
    let handle = my_handle(&mut alice).await;
    drop_socket(alice).await;
    wait_linkdead(&mut bob, 1).await;
    bob.send("say before the restart").await;
    bob.expect("You say").await;
    let status = server.terminate().await;
    assert!(status.success(), "{status:?}");

    let server = TestServer::start_in(dir.path(), &opts(300)).await;
    let mut bob = login(&server, "Bob").await;
    bob.expect("Room Zero").await;
    wait_linkdead(&mut bob, 1).await;
    let mut alice = login(&server, "Alice").await;
    let replay = replay_through(&mut alice, "before the restart").await;
    assert!(replay.contains("Bob says"), "{replay}");
    assert_eq!(my_handle(&mut alice).await, handle);
    alice.send("say I am back").await;
    bob.expect("Alice says, \"I am back\"").await;
}

#[tokio::test]
async fn a_grace_that_ran_out_while_down_ends_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(dir.path(), &opts(4)).await;
    let mut bob = server.player("Bob").await;
    let alice = server.player("Alice").await;
    drop_socket(alice).await;
    wait_linkdead(&mut bob, 1).await;
    let status = server.terminate().await;
    assert!(status.success(), "{status:?}");
    tokio::time::sleep(Duration::from_secs(5)).await;

    let server = TestServer::start_in(dir.path(), &opts(4)).await;
    let mut god = server.god().await;
    god.send("WHO").await;
    let who = god.expect("connected.").await;
    assert!(!who.contains("Alice"), "{who}");
    let deadline = tokio::time::Instant::now() + common::WAIT;
    loop {
        god.send("@sessions Alice").await;
        let history = god.expect("Sessions of Alice").await;
        let history = format!("{history}{}", god.drain(Duration::from_millis(300)).await);
        if history.contains("linkdead-expired") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{history}");
    }
    // An ordinary login now.
    let mut alice = login(&server, "Alice").await;
    alice.expect("Room Zero").await;
}

#[tokio::test]
async fn the_newest_of_two_link_dead_sessions_is_reattached() {
    let server = TestServer::start_opts(&opts(300)).await;
    let mut bob = server.player("Bob").await;
    let mut first = server.player("Alice").await;
    let h1 = my_handle(&mut first).await;
    let mut second = login(&server, "Alice").await;
    second.expect("Room Zero").await;
    let h2 = my_handle(&mut second).await;
    drop_socket(first).await;
    wait_linkdead(&mut bob, 1).await;
    drop_socket(second).await;
    wait_linkdead(&mut bob, 2).await;

    let mut alice = login(&server, "Alice").await;
    alice.expect("while you were away ---").await;
    let others = alice.expect_line("more link-dead session").await;
    assert!(
        others.contains(&format!("You have 1 more link-dead session: {h1}.")),
        "{others}"
    );
    assert_eq!(my_handle(&mut alice).await, h2);
    wait_linkdead(&mut bob, 1).await;
}

#[tokio::test]
async fn kept_output_is_bounded() {
    let server = TestServer::start_opts(&Options {
        game: "linkdead_grace_secs = 300\n".into(),
        limits: "linkdead_buffer_bytes = 4096\n".into(),
        ..Options::default()
    })
    .await;
    let mut bob = server.player("Bob").await;
    let mut alice = server.player("Alice").await;
    alice.send("think ALICE=[num(me)]").await;
    let line = alice.expect_line("ALICE=#").await;
    let alice_ref = line.trim().trim_start_matches("ALICE=").to_string();
    drop_socket(alice).await;
    wait_linkdead(&mut bob, 1).await;
    // 5,000 lines (in five commands: one softcode run has a time budget).
    for k in 0..5 {
        let (from, to) = (k * 1000 + 1, k * 1000 + 1000);
        bob.send(&format!(
            "@dolist/inline lnum({from},{to})=@pemit {alice_ref}=flood-##"
        ))
        .await;
    }
    bob.sync().await;

    let mut alice = login(&server, "Alice").await;
    let replay = replay_through(&mut alice, "flood-5000\n").await;
    let mut lines = replay.lines();
    assert!(lines.next().unwrap_or_default().starts_with("--- "));
    assert_eq!(lines.next(), Some("*** FLUSHED ***"), "{replay}");
    assert!(replay.len() < 6000, "{} bytes replayed", replay.len());
    assert!(!replay.contains("flood-1\n"), "{replay}");
    assert!(replay.contains("flood-4999\n"), "{replay}");
}

/// The resume token a client that asked for GMCP is sent.
async fn token_of(c: &mut Client) -> String {
    let ev = c
        .expect_event(|e| matches!(e, TelnetEvent::Subnegotiation(o, _) if *o == opt::GMCP))
        .await;
    let TelnetEvent::Subnegotiation(_, payload) = ev else {
        unreachable!()
    };
    let text = String::from_utf8_lossy(&payload).to_string();
    let token = text
        .strip_prefix("mushd.resume ")
        .unwrap_or_else(|| panic!("not a resume token: {text:?}"));
    assert!(token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit()));
    token.to_string()
}

#[tokio::test]
async fn a_resume_token_reattaches_once() {
    let server = TestServer::start_opts(&opts(300)).await;
    let mut bob = server.player("Bob").await;
    let mut alice = server.client().await;
    alice.send_raw(&[IAC, DO, opt::GMCP]).await;
    alice.expect("Welcome").await;
    alice.send("create Alice pw-Alice").await;
    let token = token_of(&mut alice).await;
    let handle = my_handle(&mut alice).await;
    drop_socket(alice).await;
    wait_linkdead(&mut bob, 1).await;
    bob.send("say psst").await;
    bob.expect("You say").await;

    let mut stranger = server.client().await;
    stranger.expect("Welcome").await;
    stranger
        .send("resume 0123456789abcdef0123456789abcdef")
        .await;
    stranger.expect("Resume failed: no such session.").await;

    let mut alice = server.client().await;
    alice.send_raw(&[IAC, DO, opt::GMCP]).await;
    alice.expect("Welcome").await;
    alice.send(&format!("resume {token}")).await;
    let replay = replay_through(&mut alice, "Bob says, \"psst\"").await;
    assert!(
        replay.starts_with("--- 1 line while you were away ---"),
        "{replay}"
    );
    let fresh = token_of(&mut alice).await;
    assert_ne!(fresh, token, "a new token after each attach");
    assert_eq!(my_handle(&mut alice).await, handle);

    // The old token is spent; the new one works after the next drop.
    drop_socket(alice).await;
    wait_linkdead(&mut bob, 1).await;
    let mut again = server.client().await;
    again.expect("Welcome").await;
    again.send(&format!("resume {token}")).await;
    again.expect("Resume failed: no such session.").await;
    again.send(&format!("resume {fresh}")).await;
    again.expect("--- 0 lines while you were away ---").await;
    assert_eq!(my_handle(&mut again).await, handle);
    let heard = bob.drain(Duration::from_millis(300)).await;
    assert!(!heard.contains("connected"), "{heard}");
}

#[tokio::test]
async fn quit_is_not_link_dead_and_grace_zero_turns_it_off() {
    let server = TestServer::start_opts(&opts(300)).await;
    let mut bob = server.player("Bob").await;
    let mut alice = server.player("Alice").await;
    alice.send("QUIT").await;
    alice.expect_closed().await;
    bob.expect("Alice has disconnected.").await;

    let server = TestServer::start_opts(&opts(0)).await;
    let mut bob = server.player("Bob").await;
    let alice = server.player("Alice").await;
    bob.expect("Alice has connected.").await;
    drop_socket(alice).await;
    bob.expect("Alice has disconnected.").await;
}

#[tokio::test]
async fn link_dead_sessions_are_bounded_by_max_connections() {
    let server = TestServer::start_opts(&Options {
        game: "linkdead_grace_secs = 300\n".into(),
        limits: "max_connections = 2\n".into(),
        ..Options::default()
    })
    .await;
    let mut bob = server.player("Bob").await;
    for (n, name) in ["Carol", "Dave"].into_iter().enumerate() {
        let c = player_when_admitted(&server, name).await;
        bob.expect(&format!("{name} has connected.")).await;
        drop_socket(c).await;
        wait_linkdead(&mut bob, n + 1).await;
    }
    let erin = player_when_admitted(&server, "Erin").await;
    bob.expect("Erin has connected.").await;
    drop_socket(erin).await;
    // The third pushed out the oldest, which departed the ordinary way.
    let heard = bob.expect("has disconnected.").await;
    assert!(heard.ends_with("Carol has disconnected."), "{heard}");
    bob.send("WHO").await;
    let who = bob.expect("connected.").await;
    assert!(
        !who.contains("Carol") && who.contains("Dave") && who.contains("Erin"),
        "{who}"
    );
}

/// A new player, once the server has a connection slot free again (a dropped
/// connection's slot frees when its task ends, a moment after the drop).
async fn player_when_admitted(server: &TestServer, name: &str) -> Client {
    let deadline = tokio::time::Instant::now() + common::WAIT;
    loop {
        let mut c = server.client().await;
        while !c.text.contains("Welcome") && !c.closed {
            c.read_some(Duration::from_secs(1)).await;
        }
        if !c.closed {
            c.send(&format!("create {name} pw-{name}")).await;
            c.expect("Your character has been created.").await;
            return c;
        }
        assert!(tokio::time::Instant::now() < deadline, "never admitted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn boot_ends_a_link_dead_session() {
    let server = TestServer::start_opts(&opts(300)).await;
    let mut god = server.god().await;
    let mut bob = server.player("Bob").await;
    let alice = server.player("Alice").await;
    drop_socket(alice).await;
    wait_linkdead(&mut bob, 1).await;
    god.send("@boot Alice").await;
    god.expect("You booted Alice off!").await;
    bob.expect("Alice has disconnected.").await;
    bob.send("WHO").await;
    let who = bob.expect("players connected.").await;
    assert!(!who.contains("Alice"), "{who}");
    // Nothing left to reattach: an ordinary login.
    let mut alice = login(&server, "Alice").await;
    alice.expect("Room Zero").await;
}
