//! The front process on its own (`mushd front`), against a stand-in for mushd's Unix
//! socket: the preamble, the byte and frame translation, certificate reload, lifetime.

mod front_support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use front_support::{peer_cert, StreamClient, TestCa, Transcript, WsClient, WAIT};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::process::{Child, Command};

struct Front {
    child: Child,
    tls: String,
    web: String,
}

impl Front {
    /// Starts `mushd front` with one TLS and one web listener on free ports.
    async fn start(dir: &Path, cert: &Path, key: &Path, extra: &[&str]) -> Front {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mushd"))
            .arg("front")
            .arg("--backend")
            .arg(dir.join("front.sock"))
            .args(["--tls-listen", "127.0.0.1:0", "--web-listen", "127.0.0.1:0"])
            .arg("--cert")
            .arg(cert)
            .arg("--key")
            .arg(key)
            .args(extra)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn front");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let (mut tls, mut web) = (String::new(), String::new());
        tokio::time::timeout(WAIT, async {
            while tls.is_empty() || web.is_empty() {
                let line = lines
                    .next_line()
                    .await
                    .expect("read")
                    .expect("front exited");
                if let Some(a) = line.strip_prefix("mushd: tls listening on ") {
                    tls = a.to_string();
                }
                if let Some(a) = line.strip_prefix("mushd: web client on ") {
                    web = a
                        .trim_start_matches("http://")
                        .trim_start_matches("https://")
                        .trim_end_matches('/')
                        .to_string();
                }
            }
        })
        .await
        .expect("front did not start");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Front { child, tls, web }
    }

    fn signal(&self, sig: i32) {
        let pid = self.child.id().expect("pid") as i32;
        // SAFETY: plain syscall.
        unsafe { libc::kill(pid, sig) };
    }
}

/// Accepts one front connection and returns it with its preamble line.
async fn accept(listener: &UnixListener) -> (String, UnixStream) {
    let (mut s, _) = tokio::time::timeout(WAIT, listener.accept())
        .await
        .expect("no front connection")
        .expect("accept");
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while b[0] != b'\n' {
        s.read_exact(&mut b).await.expect("preamble");
        line.push(b[0]);
    }
    (String::from_utf8(line).expect("utf-8"), s)
}

/// Reads from mushd's side until `want` has arrived in full.
async fn read_exactly(s: &mut UnixStream, want: &[u8]) {
    let mut got = vec![0u8; want.len()];
    tokio::time::timeout(WAIT, s.read_exact(&mut got))
        .await
        .expect("timed out")
        .expect("read");
    assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&got));
}

#[tokio::test]
async fn tls_and_websocket_clients_reach_the_backend_translated() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ca = TestCa::new();
    let first = ca.leaf(tmp.path(), "first");
    let backend = UnixListener::bind(tmp.path().join("front.sock")).expect("bind");
    let front = Front::start(tmp.path(), &first.cert, &first.key, &[]).await;

    // TLS: the preamble, then the same bytes both ways.
    let tls = ca.connect(&front.tls).await;
    assert_eq!(peer_cert(&tls), first.der);
    let local = tls.get_ref().0.local_addr().expect("addr");
    let mut tls = StreamClient::new(tls);
    let (pre, mut mushd_tls) = accept(&backend).await;
    assert_eq!(pre, format!("MUSHD-FRONT 1 tls {local}\n"));
    tls.send("say hi").await;
    read_exactly(&mut mushd_tls, b"say hi\r\n").await;
    mushd_tls.write_all(b"Welcome!\r\n").await.expect("write");
    tls.expect("Welcome!").await;

    // WebSocket: frames become telnet lines and back.
    let mut ws = WsClient::connect(&front.web).await;
    let (pre, mut mushd_ws) = accept(&backend).await;
    assert!(pre.starts_with("MUSHD-FRONT 1 ws 127.0.0.1:"), "{pre}");
    ws.send("look\r\n").await;
    read_exactly(&mut mushd_ws, b"look\r\n").await;
    ws.send_binary(b"NAWS 100 30").await;
    read_exactly(&mut mushd_ws, &[255, 250, 31, 0, 100, 0, 30, 255, 240]).await;
    ws.send_binary(b"Core.Ping").await;
    read_exactly(&mut mushd_ws, b"\xff\xfa\xc9Core.Ping\xff\xf0").await;
    let mut out = b"\xff\xfb\x18Room Zero\r\n\x1b[31mred\x1b[0m\r\n".to_vec();
    out.extend_from_slice(b"\xff\xfa\xc9mushd.resume tok123\xff\xf0");
    out.extend_from_slice(b"Password: ");
    mushd_ws.write_all(&out).await.expect("write");
    ws.expect("Room Zero\n\x1b[31mred\x1b[0m\n").await;
    assert_eq!(ws.expect_binary().await, b"mushd.resume tok123");
    // The prompt has no line end: it comes alone after a short wait.
    ws.expect("Password: \n").await;

    // The page.
    let page = http_get(&front.web, "/").await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("id=\"output\""), "{page}");
    assert!(http_get(&front.web, "/nope")
        .await
        .starts_with("HTTP/1.1 404"));

    // SIGHUP: new handshakes get the new certificate; the open connection goes on.
    let second = ca.leaf(tmp.path(), "second");
    std::fs::copy(&second.cert, &first.cert).expect("copy cert");
    std::fs::copy(&second.key, &first.key).expect("copy key");
    front.signal(libc::SIGHUP);
    let mut fresh = None;
    for _ in 0..100 {
        let t = ca.connect(&front.tls).await;
        let _ = accept(&backend).await;
        if peer_cert(&t) == second.der {
            fresh = Some(t);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(fresh.is_some(), "the new certificate was never served");
    tls.send("still here").await;
    read_exactly(&mut mushd_tls, b"still here\r\n").await;
    // A broken file is refused; the second certificate stays.
    std::fs::write(&first.cert, "not a certificate").expect("write");
    front.signal(libc::SIGHUP);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = ca.connect(&front.tls).await;
    assert_eq!(peer_cert(&t), second.der);

    // mushd closing a connection closes the client's, and the other way round.
    drop(mushd_tls);
    tls.expect_closed().await;
    drop(ws.ws);
    let mut b = [0u8; 16];
    let n = tokio::time::timeout(WAIT, mushd_ws.read(&mut b))
        .await
        .expect("not closed")
        .expect("read");
    assert_eq!(n, 0);
}

async fn http_get(addr: &str, path: &str) -> String {
    let mut s = front_support::connect_tcp(addr).await;
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .expect("write");
    let mut out = Vec::new();
    tokio::time::timeout(WAIT, s.read_to_end(&mut out))
        .await
        .expect("timed out")
        .expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn wss_on_the_web_port_when_web_tls_is_set() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ca = TestCa::new();
    let leaf = ca.leaf(tmp.path(), "web");
    let backend = UnixListener::bind(tmp.path().join("front.sock")).expect("bind");
    let front = Front::start(tmp.path(), &leaf.cert, &leaf.key, &["--web-tls"]).await;
    let tls = ca.connect(&front.web).await;
    let (ws, _) = tokio_tungstenite::client_async(format!("wss://{}/ws", front.web), tls)
        .await
        .expect("handshake");
    let mut ws = WsClient::new(ws);
    let (pre, mut mushd) = accept(&backend).await;
    assert!(pre.starts_with("MUSHD-FRONT 1 wss 127.0.0.1:"), "{pre}");
    ws.send("hello").await;
    read_exactly(&mut mushd, b"hello\r\n").await;
    mushd.write_all(b"back\n").await.expect("write");
    ws.expect("back\n").await;
}

#[tokio::test]
async fn an_unreachable_game_is_reported_to_the_client() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ca = TestCa::new();
    let leaf = ca.leaf(tmp.path(), "c");
    // No backend socket at all: the front retries for ten seconds, then says so.
    let front = Front::start(tmp.path(), &leaf.cert, &leaf.key, &[]).await;
    let tls = async {
        let mut tls = StreamClient::new(ca.connect(&front.tls).await);
        tls.expect("The game is restarting; try again in a moment.")
            .await;
        tls.expect_closed().await;
    };
    let ws = async {
        let mut ws = WsClient::connect(&front.web).await;
        ws.expect("The game is restarting").await;
        ws.expect_closed().await;
    };
    tokio::join!(tls, ws);
}

#[tokio::test]
async fn the_front_leaves_when_its_parent_is_gone_and_on_sigterm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ca = TestCa::new();
    let leaf = ca.leaf(tmp.path(), "c");
    let backend = UnixListener::bind(tmp.path().join("front.sock")).expect("bind");
    // Its recorded parent is not its parent: it leaves within a second or two.
    let mut orphan = Front::start(tmp.path(), &leaf.cert, &leaf.key, &["--parent-pid", "1"]).await;
    let status = tokio::time::timeout(WAIT, orphan.child.wait())
        .await
        .expect("the front did not notice its parent was gone")
        .expect("wait");
    assert!(status.success(), "{status:?}");

    let mut front = Front::start(tmp.path(), &leaf.cert, &leaf.key, &[]).await;
    let mut tls = StreamClient::new(ca.connect(&front.tls).await);
    let _held = accept(&backend).await;
    front.signal(libc::SIGTERM);
    tls.expect_closed().await;
    let status = tokio::time::timeout(WAIT, front.child.wait())
        .await
        .expect("no exit")
        .expect("wait");
    assert!(status.success(), "{status:?}");
}

#[test]
fn check_config_loads_the_certificate_and_key_and_names_the_bad_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ca = TestCa::new();
    let a = ca.leaf(tmp.path(), "a");
    let b = ca.leaf(tmp.path(), "b");
    let junk = tmp.path().join("junk.pem");
    std::fs::write(&junk, "hello").expect("write");
    let missing = tmp.path().join("missing.pem");
    let check = |cert: &Path, key: &Path| {
        let config = tmp.path().join("t.toml");
        std::fs::write(
            &config,
            format!(
                "[server]\ntls_listen = [\"127.0.0.1:4202\"]\ntls_cert = {:?}\ntls_key = {:?}\n",
                cert.display().to_string(),
                key.display().to_string()
            ),
        )
        .expect("write");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mushd"))
            .arg("check-config")
            .arg(&config)
            .output()
            .expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert!(check(&a.cert, &a.key).0);
    let (ok, err) = check(&missing, &a.key);
    assert!(
        !ok && err.contains("certificate") && err.contains("missing.pem"),
        "{err}"
    );
    let (ok, err) = check(&a.cert, &junk);
    assert!(
        !ok && err.contains("key") && err.contains("junk.pem"),
        "{err}"
    );
    let (ok, err) = check(&a.cert, &b.key);
    assert!(!ok && err.contains("do not go together"), "{err}");
    let (ok, err) = check(&a.key, &a.key);
    assert!(!ok && err.contains("certificate"), "{err}");
}

#[test]
fn front_process_spawn_reload_stop() {
    use mushd::front::{FrontArgs, FrontProcess};
    let tmp = tempfile::tempdir().expect("tempdir");
    let ca = TestCa::new();
    let leaf = ca.leaf(tmp.path(), "c");
    let port = front_support::free_port();
    let args = FrontArgs {
        backend: tmp.path().join("front.sock"),
        tls_listen: vec![format!("127.0.0.1:{port}").parse().expect("addr")],
        web_listen: vec![],
        cert: Some(leaf.cert.clone()),
        key: Some(leaf.key.clone()),
        web_tls: false,
        max_connections: 10,
        parent_pid: None,
        log_level: "warn".into(),
    };
    let mut front =
        FrontProcess::spawn(Path::new(env!("CARGO_BIN_EXE_mushd")), &args).expect("spawn");
    let deadline = std::time::Instant::now() + WAIT;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(front.is_running(), "the front exited");
        assert!(
            std::time::Instant::now() < deadline,
            "the front never listened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    front.reload().expect("SIGHUP");
    // The same pid, adopted as after a reboot, is still ours to watch.
    let mut adopted = FrontProcess::adopt(front.pid());
    assert!(adopted.is_running());
    adopted.stop(Duration::from_secs(5)).expect("stop");
    assert!(!adopted.is_running());
    assert!(!front.is_running());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    // A dead front is replaced and listens again.
    let exe = Path::new(env!("CARGO_BIN_EXE_mushd"));
    assert!(front.restart_if_dead(exe, &args).expect("restart"));
    assert!(!front.restart_if_dead(exe, &args).expect("running"));
    let deadline = std::time::Instant::now() + WAIT;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the new front never listened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    front.stop(Duration::from_secs(5)).expect("stop");
}
