//! The server core end to end: login, talking, WHO, SESSION, limits and bad input.

mod common;

use std::time::Duration;

use common::{Client, Options, TestServer, GOD_PASSWORD};
use mushd::telnet::cmd::{IAC, SB, SE, WILL};
use mushd::telnet::{opt, TelnetEvent};

#[tokio::test]
async fn create_connect_and_wrong_password() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    c.expect("Welcome to mushd").await;
    c.send("create Alice sesame").await;
    let seen = c.expect("Your character has been created.").await;
    assert!(seen.contains("Welcome, Alice!"), "{seen}");
    c.expect("Room Zero").await;
    c.send("QUIT").await;
    c.expect("Come back soon").await;
    c.expect_closed().await;

    let mut c = server.client().await;
    c.expect("Welcome").await;
    c.send("connect Alice wrong").await;
    c.expect("Either that player does not exist, or has a different password.")
        .await;
    // The connection stays open and a right password still works.
    c.send("connect alice sesame").await;
    c.expect("Room Zero").await;
    c.send("look").await;
    c.expect("You are in Room Zero.").await;

    // A taken name is refused with a clear message.
    let mut d = server.client().await;
    d.expect("Welcome").await;
    d.send("create ALICE other").await;
    d.expect("There is already a player with that name.").await;
    d.send("create #bad pw1").await;
    d.expect("That name is not allowed").await;
    d.send("connect Nobody pw").await;
    d.expect("Either that player does not exist").await;
}

#[tokio::test]
async fn quoted_names_and_god() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    c.expect("Welcome").await;
    c.send("create \"Some Name\" pass word").await;
    c.expect("Welcome, Some Name!").await;
    c.send("LOGOUT").await;
    c.expect("Welcome to mushd").await;
    c.send("connect \"some name\" pass word").await;
    c.expect("Room Zero").await;
    let mut god = server.god().await;
    god.send("look").await;
    let seen = god.expect("Room Zero(#0RL)").await;
    assert!(!seen.contains("Permission"), "{seen}");
    let _ = GOD_PASSWORD;
}

#[tokio::test]
async fn two_players_talk_pose_page_and_whisper() {
    let server = TestServer::start().await;
    let mut a = server.player("Alice").await;
    let mut b = server.player("Bob").await;
    a.expect("Bob has connected.").await;

    a.send("say Hello, Bob!").await;
    a.expect("You say, \"Hello, Bob!\"").await;
    b.expect("Alice says, \"Hello, Bob!\"").await;

    b.send("\"Hi there").await;
    a.expect("Bob says, \"Hi there\"").await;

    a.send(":waves.").await;
    a.expect("Alice waves.").await;
    b.expect("Alice waves.").await;
    a.send(";'s hat falls off.").await;
    b.expect("Alice's hat falls off.").await;
    b.send("pose grins.").await;
    a.expect("Bob grins.").await;

    a.send("page Bob=Are you there?").await;
    a.expect("You paged Bob with 'Are you there?'.").await;
    b.expect("Alice pages: Are you there?").await;
    // page <message> goes to whoever was paged last.
    a.send("page Again!").await;
    b.expect("Alice pages: Again!").await;
    // page alone says who that was.
    a.send("page").await;
    a.expect("You last paged Bob.").await;
    a.send("page bob=:nods.").await;
    b.expect("From afar, Alice nods.").await;
    a.expect("Long distance to Bob: Alice nods.").await;
    a.send("page Nobody=hi").await;
    a.expect("I don't recognize \"Nobody\".").await;

    a.send("whisper Bob=psst").await;
    a.expect("You whisper, \"psst\" to Bob.").await;
    b.expect("Alice whispers, \"psst\"").await;

    b.send("QUIT").await;
    a.expect("Bob has disconnected.").await;
    a.send("page bob=hello?").await;
    a.expect("Bob is not connected.").await;
}

#[tokio::test]
async fn who_lists_players_and_doing() {
    let server = TestServer::start().await;
    let mut a = server.player("Alice").await;
    let mut b = server.player("Bob").await;
    b.send("@doing Building a castle").await;
    b.expect("Doing set.").await;
    a.send("WHO").await;
    let who = a.expect("players connected.").await;
    let who = &who[who.find("Player Name").expect("header")..];
    let lines: Vec<&str> = who.lines().collect();
    let header = lines
        .iter()
        .find(|l| l.starts_with("Player Name"))
        .expect("header");
    for col in ["On For", "Idle", "Doing"] {
        assert!(header.contains(col), "{header}");
    }
    assert!(who.contains("There are 2 players connected."), "{who}");
    let bob = lines
        .iter()
        .find(|l| l.starts_with("Bob"))
        .expect("Bob's row");
    assert!(bob.contains("Building a castle"), "{bob}");
    assert!(bob.contains("00:00"), "{bob}");
    assert!(lines.iter().any(|l| l.starts_with("Alice")), "{who}");

    // WHO works from the login screen too, and counts one player correctly.
    b.send("QUIT").await;
    a.expect("Bob has disconnected.").await;
    let mut c = server.client().await;
    c.expect("Welcome").await;
    c.send("WHO").await;
    let who = c.expect("connected.").await;
    assert!(who.contains("There is one player connected."), "{who}");

    // DOING shows the same columns; a long @doing is cut and says so.
    a.send(&format!("@doing {}", "x".repeat(50))).await;
    a.expect("Doing set. 11 characters lost.").await;
    a.send("DOING").await;
    a.expect("There is one player connected.").await;
}

#[tokio::test]
async fn session_shows_naws_and_ttype_after_negotiation() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    // The server offers NAWS and TTYPE at connect.
    c.expect_event(|e| *e == TelnetEvent::Do(opt::NAWS)).await;
    c.expect_event(|e| *e == TelnetEvent::Do(opt::TTYPE)).await;
    c.expect_event(|e| *e == TelnetEvent::Will(opt::MSSP)).await;
    c.send_raw(&[
        IAC,
        WILL,
        opt::NAWS,
        IAC,
        SB,
        opt::NAWS,
        0,
        132,
        0,
        50,
        IAC,
        SE,
    ])
    .await;
    c.send_raw(&[IAC, WILL, opt::TTYPE]).await;
    for answer in ["TINTIN++", "xterm", "MTTS 271", "MTTS 271"] {
        c.expect_event(
            |e| matches!(e, TelnetEvent::Subnegotiation(o, p) if *o == opt::TTYPE && p[..] == [1]),
        )
        .await;
        let mut sb = vec![IAC, SB, opt::TTYPE, 0];
        sb.extend_from_slice(answer.as_bytes());
        sb.extend_from_slice(&[IAC, SE]);
        c.send_raw(&sb).await;
    }
    c.expect("Welcome").await;
    c.send("create Tina tintin").await;
    c.expect("Room Zero").await;
    c.send("SESSION").await;
    let s = c.expect("Host:").await;
    assert!(s.contains("Window size:     132x50"), "{s}");
    assert!(s.contains("TINTIN++ (xterm, MTTS 271)"), "{s}");
    assert!(s.contains("Charset:         UTF-8"), "{s}");
    // A window resize is picked up.
    c.send_raw(&[IAC, SB, opt::NAWS, 0, 80, 0, 24, IAC, SE])
        .await;
    c.send("SESSION").await;
    let s = c.expect("Host:").await;
    assert!(s.contains("80x24"), "{s}");
}

#[tokio::test]
async fn charset_negotiation_switches_encoding() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    c.expect_event(|e| *e == TelnetEvent::Will(opt::CHARSET))
        .await;
    c.send_raw(&[IAC, mushd::telnet::cmd::DO, opt::CHARSET])
        .await;
    c.expect_event(|e| matches!(e, TelnetEvent::Subnegotiation(o, p) if *o == opt::CHARSET && p.starts_with(b"\x01;UTF-8")))
        .await;
    let mut accept = vec![IAC, SB, opt::CHARSET, 2];
    accept.extend_from_slice(b"UTF-8");
    accept.extend_from_slice(&[IAC, SE]);
    c.send_raw(&accept).await;
    c.expect("Welcome").await;
    c.send("create Zoë naïve").await;
    c.expect("Welcome, Zoë!").await;
    c.send("say café").await;
    c.expect("You say, \"café\"").await;
}

#[tokio::test]
async fn a_client_that_negotiates_nothing_works() {
    // Like netcat: never answers an option, sends bare LF line ends.
    let server = TestServer::start().await;
    let mut c = server.client().await;
    c.expect("Welcome").await;
    c.send_raw(b"create Netty catcat\n").await;
    c.expect("Room Zero").await;
    c.send_raw(b"say plain\n").await;
    c.expect("You say, \"plain\"").await;
    c.send_raw(b"SESSION\n").await;
    let s = c.expect("Host:").await;
    assert!(s.contains("Window size:     unknown"), "{s}");
    assert!(s.contains("ISO-8859-1"), "{s}");
}

#[tokio::test]
async fn login_sent_before_negotiation_finishes_is_not_held_back() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    // Everything at once, before reading a byte: negotiation, login, a command.
    c.send_raw(b"create Quick speedy\r\nsay first\r\n").await;
    c.expect("You say, \"first\"").await;
}

#[tokio::test]
async fn over_long_line_is_cut_with_notice() {
    let server = TestServer::start().await;
    let mut a = server.player("Alice").await;
    let long = "y".repeat(20_000);
    a.send(&format!("say {long}")).await;
    a.expect("Your line was too long and was cut to 8192 bytes.")
        .await;
    let said = a.expect("\"\n").await;
    let ys = said.chars().filter(|c| *c == 'y').count();
    assert!(ys > 8000 && ys < 8192, "{ys} characters kept");
    a.send("say still here").await;
    a.expect("You say, \"still here\"").await;
}

#[tokio::test]
async fn garbage_and_broken_telnet_do_not_disturb_anyone() {
    let server = TestServer::start().await;
    let mut a = server.player("Alice").await;
    let mut bad = server.player("Mallory").await;
    // Invalid UTF-8, NULs, stray IACs, an unknown option, a broken subnegotiation.
    bad.send_raw(&[
        0xff, 0xfb, 200, 0x00, 0xc3, 0x28, b's', b'a', b'y', b' ', 0xfe, 0xff, b'x', b'\r', b'\n',
    ])
    .await;
    bad.send_raw(&[IAC, SB, opt::NAWS, 1, 2, IAC, WILL, opt::TTYPE])
        .await;
    bad.send("say after garbage").await;
    bad.expect("You say, \"after garbage\"").await;
    // An endless subnegotiation: memory stays bounded and others carry on.
    bad.send_raw(&[IAC, SB, opt::TTYPE, 0]).await;
    for _ in 0..64 {
        bad.send_raw(&[b'z'; 16 * 1024]).await;
    }
    a.send("say unaffected").await;
    a.expect("You say, \"unaffected\"").await;
    bad.send_raw(&[IAC, SE]).await;
    bad.send("say recovered").await;
    bad.expect("You say, \"recovered\"").await;
}

#[tokio::test]
async fn slow_reader_is_flushed_while_others_carry_on() {
    let server = TestServer::start_with("output_queue_bytes = 8192").await;
    // A client with a tiny receive buffer that logs in, then stops reading.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let stream = socket
        .connect(server.addr.parse().expect("addr"))
        .await
        .expect("connect");
    let mut slow = Client::from_stream(stream);
    slow.expect("Welcome").await;
    slow.send("create Slowpoke sloth").await;
    slow.expect("Room Zero").await;

    let mut fast = server.player("Speedy").await;
    let chunk = "w".repeat(4000);
    for i in 0..400 {
        fast.send(&format!("say {i} {chunk}")).await;
        fast.expect(&format!("You say, \"{i} ")).await;
    }
    fast.send("say last one").await;
    fast.expect("You say, \"last one\"").await;

    // Now the slow client reads: it sees the marker and the newest output.
    let mut got = String::new();
    while !got.contains("last one") {
        let more = slow.drain(Duration::from_millis(500)).await;
        assert!(!slow.closed, "slow client lost its connection");
        assert!(
            !more.is_empty(),
            "slow client never saw the newest output; tail:\n{}",
            &got[got.len().saturating_sub(300)..]
        );
        got.push_str(&more);
    }
    assert!(got.contains("*** FLUSHED ***"), "no flush marker");
    let seen = got.matches("Speedy says").count();
    assert!(seen < 400, "nothing was dropped ({seen} lines)");
    // And it still works as a connection.
    slow.send("say I'm back").await;
    slow.expect("You say, \"I'm back\"").await;
}

#[tokio::test]
async fn mssp_plain_text_and_telnet() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    c.send("MSSP-REQUEST").await;
    let reply = c.expect("MSSP-REPLY-END").await;
    assert!(reply.contains("MSSP-REPLY-START"), "{reply}");
    assert!(reply.contains("NAME\tTestMUSH"), "{reply}");
    assert!(reply.contains("PLAYERS\t0"), "{reply}");
    assert!(reply.contains("UPTIME\t"), "{reply}");
    assert!(reply.contains("CODEBASE\tmushd"), "{reply}");

    let mut t = server.client().await;
    t.expect_event(|e| *e == TelnetEvent::Will(opt::MSSP)).await;
    t.send_raw(&[IAC, mushd::telnet::cmd::DO, opt::MSSP]).await;
    let ev = t
        .expect_event(|e| matches!(e, TelnetEvent::Subnegotiation(o, _) if *o == opt::MSSP))
        .await;
    let TelnetEvent::Subnegotiation(_, payload) = ev else {
        unreachable!()
    };
    let text = String::from_utf8_lossy(&payload);
    assert!(text.contains("\u{1}NAME\u{2}TestMUSH"), "{text:?}");
    assert!(text.contains("\u{1}PORT\u{2}"), "{text:?}");
}

#[tokio::test]
async fn login_screen_times_out() {
    let server = TestServer::start_with("login_timeout_secs = 1").await;
    let mut c = server.client().await;
    c.expect("Welcome").await;
    c.expect("You stayed on the login screen for more than 1 seconds. Goodbye.")
        .await;
    c.expect_closed().await;
}

#[tokio::test]
async fn failed_logins_are_rate_limited() {
    let server = TestServer::start_with("failed_logins_per_ip_per_minute = 3").await;
    let _a = server.player("Target").await;
    let mut c = server.client().await;
    c.expect("Welcome").await;
    for _ in 0..3 {
        c.send("connect Target nope").await;
        c.expect("has a different password").await;
    }
    c.send("connect Target pw-Target").await;
    c.expect("Too many failed logins from your address").await;
}

#[tokio::test]
async fn outputprefix_idle_and_logout() {
    let server = TestServer::start().await;
    let mut a = server.player("Alice").await;
    a.send("OUTPUTPREFIX <<<").await;
    a.send("OUTPUTSUFFIX >>>").await;
    a.send("say wrapped").await;
    let out = a.expect(">>>").await;
    assert!(out.contains("<<<\nYou say, \"wrapped\"\n"), "{out:?}");
    a.send("OUTPUTPREFIX").await;
    a.send("OUTPUTSUFFIX").await;
    a.sync().await;
    // IDLE does not reset the idle time.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    a.send("IDLE").await;
    a.send("SESSION").await;
    let s = a.expect("Host:").await;
    assert!(
        s.contains("Idle:            0s"),
        "SESSION itself resets idle: {s}"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    a.send("IDLE").await;
    let mut b = server.player("Bob").await;
    b.send("WHO").await;
    let who = b.expect("players connected.").await;
    let row = who.lines().find(|l| l.starts_with("Alice")).expect("row");
    assert!(!row.contains(" 0s"), "IDLE reset the idle time: {row}");

    a.send("LOGOUT").await;
    a.expect("Welcome to mushd").await;
    b.expect("Alice has disconnected.").await;
    a.send("connect Alice pw-Alice").await;
    a.expect("Room Zero").await;
    b.expect("Alice has connected.").await;
}

#[tokio::test]
async fn multiple_connections_of_one_player() {
    let server = TestServer::start().await;
    let mut a1 = server.player("Alice").await;
    let mut b = server.player("Bob").await;
    let mut a2 = server.client().await;
    a2.expect("Welcome").await;
    a2.send("connect Alice pw-Alice").await;
    a2.expect("Room Zero").await;
    b.expect("Alice has reconnected.").await;
    b.send("say to both").await;
    a1.expect("Bob says, \"to both\"").await;
    a2.expect("Bob says, \"to both\"").await;
    a2.send("QUIT").await;
    b.expect("Alice has partially disconnected.").await;
    a1.send("say still on").await;
    b.expect("Alice says, \"still on\"").await;
}

#[tokio::test]
async fn wizard_commands_and_permissions() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    let mut a = server.player("Alice").await;
    let mut b = server.player("Bob").await;

    a.send("@boot Bob").await;
    a.expect("Permission denied.").await;
    a.send("@wall hi").await;
    a.expect("Permission denied.").await;
    a.send("@shutdown").await;
    a.expect("Permission denied.").await;

    god.send("@wall Server maintenance soon").await;
    a.expect("Announcement: One shouts, \"Server maintenance soon\"")
        .await;
    b.expect("Announcement: One shouts, \"Server maintenance soon\"")
        .await;

    god.send("@boot Bob").await;
    god.expect("You booted Bob off!").await;
    b.expect("You have been booted off the game by One.").await;
    b.expect_closed().await;
    a.expect("Bob has disconnected.").await;
}

#[tokio::test]
async fn shutdown_tells_everyone_and_exits_zero() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    let mut a = server.player("Alice").await;
    god.send("@shutdown").await;
    a.expect("GAME: Shutdown by One").await;
    a.expect_closed().await;
    let mut server = server;
    let status = server.wait_exit().await;
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn restart_keeps_players_and_their_places() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut a = server.player("Keeper").await;
    a.send("say remember me").await;
    a.expect("You say").await;
    let status = server.terminate().await;
    assert!(status.success(), "SIGTERM exit: {status:?}");
    a.expect("GAME: The game is shutting down.").await;

    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut a = server.client().await;
    a.expect("Welcome").await;
    a.send("connect Keeper pw-Keeper").await;
    a.expect("Room Zero").await;
    // The God password still works, and no second God was made.
    let mut god = server.god().await;
    god.send("WHO").await;
    god.expect("There are 2 players connected.").await;
    let mut c = server.client().await;
    c.expect("Welcome").await;
    c.send("create Keeper again").await;
    c.expect("There is already a player with that name.").await;
}

#[tokio::test]
async fn unknown_commands_and_login_screen_help() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    c.expect("Welcome").await;
    c.send("dance").await;
    c.expect("That is not a login command.").await;
    c.send("connect").await;
    c.expect("Usage: connect <name> <password>").await;
    c.send("create Hugh hugh").await;
    c.expect("Room Zero").await;
    c.send("fly away").await;
    c.expect("Huh?  (Type \"help\" for help.)").await;
    c.send("help").await;
    c.expect("help newbie").await;
}
