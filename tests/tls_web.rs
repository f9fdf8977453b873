//! TLS and WebSocket players on the real mushd: they talk with a telnet player, stay
//! connected across `@reboot` (the front process holds their sockets), and SIGHUP to mushd
//! makes new TLS handshakes use a new certificate while open connections go on.

mod common;
mod front_support;

use std::path::Path;
use std::time::Duration;

use common::{Options, TestServer};
use front_support::{free_port, peer_cert, Leaf, StreamClient, TestCa, Transcript, WsClient};

/// `[server]` lines for a TLS and a web listener on free ports.
fn front_options(leaf: &Leaf, tls_port: u16, web_port: u16) -> Options {
    Options {
        server: format!(
            "tls_listen = [\"127.0.0.1:{tls_port}\"]\nweb_listen = [\"127.0.0.1:{web_port}\"]\ntls_cert = {:?}\ntls_key = {:?}\n",
            leaf.cert.display().to_string(),
            leaf.key.display().to_string(),
        ),
        ..Options::default()
    }
}

fn replace_files(from: &Leaf, to: &Leaf) {
    // Write next to the target and rename, as an operator's certificate renewal would.
    for (src, dst) in [(&from.cert, &to.cert), (&from.key, &to.key)] {
        let tmp = Path::new(dst).with_extension("new");
        std::fs::copy(src, &tmp).expect("copy");
        std::fs::rename(&tmp, dst).expect("rename");
    }
}

#[tokio::test]
async fn tls_and_websocket_players_talk_and_survive_a_reboot() {
    let certs = tempfile::tempdir().expect("tempdir");
    let ca = TestCa::new();
    let first = ca.leaf(certs.path(), "server");
    let (tls_port, web_port) = (free_port(), free_port());
    let tls_addr = format!("127.0.0.1:{tls_port}");
    let web_addr = format!("127.0.0.1:{web_port}");
    let server = TestServer::start_opts(&front_options(&first, tls_port, web_port)).await;

    let mut god = server.god().await;
    let mut plain = server.player("Plain").await;

    let tls = ca.connect(&tls_addr).await;
    assert_eq!(peer_cert(&tls), first.der);
    let mut tls = StreamClient::new(tls);
    tls.expect("Welcome").await;
    tls.send("create Secure pw-secure").await;
    tls.expect("Your character has been created.").await;

    let mut web = WsClient::connect(&web_addr).await;
    web.expect("Welcome").await;
    web.send("create Webby pw-webby").await;
    web.expect("Your character has been created.").await;

    async fn round(
        plain: &mut common::Client,
        tls: &mut StreamClient<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>,
        web: &mut WsClient<tokio::net::TcpStream>,
        tag: &str,
    ) {
        plain.send(&format!("say plain {tag}")).await;
        tls.expect(&format!("Plain says, \"plain {tag}\"")).await;
        web.expect(&format!("Plain says, \"plain {tag}\"")).await;
        tls.send(&format!("say tls {tag}")).await;
        plain.expect(&format!("Secure says, \"tls {tag}\"")).await;
        web.expect(&format!("Secure says, \"tls {tag}\"")).await;
        web.send(&format!("say web {tag}")).await;
        plain.expect(&format!("Webby says, \"web {tag}\"")).await;
        tls.expect(&format!("Webby says, \"web {tag}\"")).await;
    }
    round(&mut plain, &mut tls, &mut web, "before").await;
    // SESSION says how each one arrived.
    tls.send("SESSION").await;
    tls.expect("Connection:      telnet over TLS (encrypted)")
        .await;
    web.send("SESSION").await;
    web.expect("Connection:      WebSocket (not encrypted)")
        .await;
    plain.send("SESSION").await;
    plain
        .expect("Connection:      telnet (not encrypted)")
        .await;

    god.send("@reboot").await;
    for needle in ["GAME: Reboot w/o disconnect", "GAME: Reboot finished."] {
        god.expect(needle).await;
        plain.expect(needle).await;
        tls.expect(needle).await;
        web.expect(needle).await;
    }
    round(&mut plain, &mut tls, &mut web, "after").await;
    tls.send("SESSION").await;
    tls.expect("Connection:      telnet over TLS (encrypted)")
        .await;

    // New connections of each kind still work after the reboot.
    let mut late = WsClient::connect(&web_addr).await;
    late.expect("Welcome").await;
    let mut late_tls = StreamClient::new(ca.connect(&tls_addr).await);
    late_tls.expect("Welcome").await;

    // SIGHUP to mushd reloads the front's certificate.
    let second = ca.leaf(certs.path(), "renewed");
    replace_files(&second, &first);
    server.signal("HUP");
    let mut renewed = false;
    for _ in 0..100 {
        if peer_cert(&ca.connect(&tls_addr).await) == second.der {
            renewed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        renewed,
        "new TLS connections never saw the renewed certificate"
    );
    round(&mut plain, &mut tls, &mut web, "renewed").await;
}

/// A web player whose network drops comes back with the resume token the page keeps
/// (`resume <token>`), without the password, and sees what was said meanwhile; the
/// room heard nothing of it.
#[tokio::test]
async fn a_websocket_player_resumes_with_the_token() {
    let certs = tempfile::tempdir().expect("tempdir");
    let ca = TestCa::new();
    let leaf = ca.leaf(certs.path(), "server");
    let (tls_port, web_port) = (free_port(), free_port());
    let web_addr = format!("127.0.0.1:{web_port}");
    let server = TestServer::start_opts(&front_options(&leaf, tls_port, web_port)).await;
    let mut plain = server.player("Plain").await;

    let mut web = WsClient::connect(&web_addr).await;
    web.expect("Welcome").await;
    web.send("create Roamer pw-roamer").await;
    web.expect("Your character has been created.").await;
    let frame = web.expect_binary().await;
    let frame = String::from_utf8(frame).expect("utf-8 frame");
    let token = frame
        .strip_prefix("mushd.resume ")
        .expect("a resume token frame")
        .to_string();
    plain.expect("Roamer has connected.").await;

    // The network goes away: the TCP connection just drops, no QUIT, no close frame.
    drop(web);
    tokio::time::sleep(Duration::from_millis(300)).await;
    plain.send("say while you were away").await;
    plain.expect("You say, \"while you were away\"").await;

    let mut back = WsClient::connect(&web_addr).await;
    back.expect("Welcome").await;
    back.send("resume not-the-token").await;
    back.expect("Resume failed: no such session.").await;
    back.send(&format!("resume {token}")).await;
    back.expect("while you were away ---").await;
    back.expect("Plain says, \"while you were away\"").await;
    // A new token for the next time.
    let next = String::from_utf8(back.expect_binary().await).expect("utf-8");
    assert!(next.starts_with("mushd.resume ") && !next.ends_with(&token));
    back.send("say back again").await;
    plain.expect("Roamer says, \"back again\"").await;
    plain.send("WHO").await;
    let who = plain.expect("players connected.").await;
    assert!(!who.contains("has disconnected"), "{who}");
    assert!(!who.contains("has connected"), "{who}");
}
