//! Test harness: starts the real `mushd` binary on an ephemeral loopback port and talks
//! telnet to it as a client would. Timeouts here only catch hangs; nothing is timed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use bytes::BytesMut;
use mushd::telnet::{TelnetCodec, TelnetEvent};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_util::codec::Decoder;

/// How long a test waits for expected output before failing with what it saw.
pub const WAIT: Duration = Duration::from_secs(15);

pub const GOD_PASSWORD: &str = "god-pw";

/// A running `mushd serve` with its own data directory.
pub struct TestServer {
    pub child: Child,
    pub addr: String,
    /// The metrics URL when `[metrics]` is configured.
    pub metrics: Option<String>,
    pub dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    stderr_log: PathBuf,
}

/// What a test changes in the config; each string is TOML lines for that section.
#[derive(Default, Clone)]
pub struct Options {
    /// Extra lines of the `[server]` table.
    pub server: String,
    pub limits: String,
    pub store: String,
    /// Extra lines of the `[game]` table.
    pub game: String,
    /// Whole extra tables, such as `[store.redis]` or `[metrics]`.
    pub tables: String,
    /// Run this binary instead of the freshly built one.
    pub exe: Option<std::path::PathBuf>,
}

impl Options {
    pub fn limits(lines: &str) -> Options {
        Options {
            limits: lines.to_string(),
            ..Options::default()
        }
    }

    /// The Redis backend on a test server's port.
    pub fn redis(port: u16) -> Options {
        Options {
            store: "backend = \"redis\"\n".into(),
            tables: format!(
                "[store.redis]\nurl = \"redis://127.0.0.1:{port}\"\nprefix = \"mushd\"\ncommand_timeout_ms = 500\nconnect_timeout_ms = 500\n"
            ),
            ..Options::default()
        }
    }
}

pub fn base_config(data_dir: &Path, opts: &Options) -> String {
    // Tests make many characters from one address: no create or global login limits
    // unless a test sets them.
    let mut limits = opts.limits.clone();
    for key in [
        "creates_per_ip_per_hour",
        "creates_per_hour",
        "failed_logins_per_minute",
    ] {
        if !limits.contains(&format!("{key} ")) && !limits.contains(&format!("{key}=")) {
            limits.push_str(&format!("\n{key} = 0"));
        }
    }
    format!(
        r#"[server]
listen = ["127.0.0.1:0"]
name = "TestMUSH"
text_dir = "{text}"
{server}
[store]
data_dir = "{data}"
flush_interval_ms = 20
critical_write_timeout_ms = 1000
{store}
[game]
initial_god_password = "{GOD_PASSWORD}"
password_hash_memory_kib = 64
{game}
[limits]
{limits}
[log]
level = "info"
{tables}
"#,
        text = concat!(env!("CARGO_MANIFEST_DIR"), "/config/text"),
        data = data_dir.join("data").display(),
        server = opts.server,
        store = opts.store,
        limits = limits,
        game = opts.game,
        tables = opts.tables,
    )
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_opts(&Options::default()).await
    }

    /// Starts with extra `[limits]` lines.
    pub async fn start_with(extra_limits: &str) -> TestServer {
        Self::start_opts(&Options::limits(extra_limits)).await
    }

    pub async fn start_opts(opts: &Options) -> TestServer {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        let mut s = Self::start_in(&dir, opts).await;
        s._tmp = Some(tmp);
        s
    }

    /// Starts on an existing directory (for restarts); the caller keeps the directory.
    pub async fn start_in(dir: &Path, opts: &Options) -> TestServer {
        let config = dir.join("mushd.toml");
        std::fs::write(&config, base_config(dir, opts)).expect("write config");
        let stderr_log = dir.join(format!("stderr-{}.log", std::process::id()));
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&stderr_log)
            .expect("log file");
        let exe = opts
            .exe
            .clone()
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_mushd").into());
        // A binary copied a moment ago can be "busy" (ETXTBSY) while a process another
        // test is forking still holds the copy's write descriptor: try again shortly.
        let mut tries = 0;
        let mut child = loop {
            let spawned = Command::new(&exe)
                .arg("serve")
                .arg("--config")
                .arg(&config)
                .env_remove("RUST_LOG")
                .stdout(Stdio::piped())
                .stderr(stderr.try_clone().expect("log file"))
                .kill_on_drop(true)
                .spawn();
            match spawned {
                Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                other => break other.expect("spawn mushd"),
            }
        };
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut metrics = None;
        let addr = tokio::time::timeout(WAIT, async {
            let mut addr = String::new();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(a) = line.strip_prefix("mushd: listening on ") {
                    addr = a.to_string();
                    if !opts.tables.contains("[metrics]") {
                        break;
                    }
                }
                if let Some(m) = line.strip_prefix("mushd: metrics on ") {
                    metrics = Some(m.to_string());
                    break;
                }
            }
            addr
        })
        .await
        .expect("server did not start in time");
        assert!(
            !addr.is_empty(),
            "server exited: {}",
            std::fs::read_to_string(&stderr_log).unwrap_or_default()
        );
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        TestServer {
            child,
            addr,
            metrics,
            dir: dir.to_path_buf(),
            _tmp: None,
            stderr_log,
        }
    }

    pub async fn client(&self) -> Client {
        Client::connect(&self.addr).await
    }

    /// A client logged in as a new player.
    pub async fn player(&self, name: &str) -> Client {
        let mut c = self.client().await;
        c.expect("Welcome").await;
        c.send(&format!("create {name} pw-{name}")).await;
        c.expect("Your character has been created.").await;
        c
    }

    /// A client logged in as God.
    pub async fn god(&self) -> Client {
        let mut c = self.client().await;
        c.expect("Welcome").await;
        c.send(&format!("connect One {GOD_PASSWORD}")).await;
        c.expect("Room Zero").await;
        c
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    /// Sends a signal by name (e.g. "USR1").
    pub fn signal(&self, name: &str) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .arg(format!("-{name}"))
                .arg(pid.to_string())
                .status();
        }
    }

    /// Kills the process without warning (SIGKILL), as a crash would.
    pub async fn kill(mut self) {
        let _ = self.child.kill().await;
    }

    /// Sends SIGTERM and waits for the exit status.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
        self.wait_exit().await
    }

    pub async fn wait_exit(&mut self) -> std::process::ExitStatus {
        tokio::time::timeout(WAIT, self.child.wait())
            .await
            .expect("server did not exit in time")
            .expect("wait")
    }
}

/// A telnet client that answers nothing unless told to.
pub struct Client {
    pub stream: TcpStream,
    codec: TelnetCodec,
    buf: BytesMut,
    /// Decoded text not yet consumed by `expect`.
    pub text: String,
    /// Negotiation events seen, in order.
    pub events: Vec<TelnetEvent>,
    pub closed: bool,
}

impl Client {
    pub async fn connect(addr: &str) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        Self::from_stream(stream)
    }

    pub fn from_stream(stream: TcpStream) -> Client {
        Client {
            stream,
            codec: TelnetCodec::new(1 << 20, 1 << 16),
            buf: BytesMut::new(),
            text: String::new(),
            events: Vec::new(),
            closed: false,
        }
    }

    pub async fn send(&mut self, line: &str) {
        let mut data = line.as_bytes().to_vec();
        data.extend_from_slice(b"\r\n");
        self.stream.write_all(&data).await.expect("send");
    }

    pub async fn send_raw(&mut self, data: &[u8]) {
        self.stream.write_all(data).await.expect("send raw");
    }

    /// Reads once (waiting at most `wait`); false when nothing came.
    pub async fn read_some(&mut self, wait: Duration) -> bool {
        let mut chunk = vec![0u8; 64 * 1024];
        match tokio::time::timeout(wait, self.stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                self.closed = true;
                self.decode(true);
                false
            }
            Ok(Ok(n)) => {
                self.buf.extend_from_slice(&chunk[..n]);
                self.decode(false);
                true
            }
            Err(_) => false,
        }
    }

    fn decode(&mut self, eof: bool) {
        loop {
            let ev = if eof {
                self.codec.decode_eof(&mut self.buf)
            } else {
                self.codec.decode(&mut self.buf)
            };
            match ev.expect("decode") {
                Some(TelnetEvent::Line { bytes, .. }) => {
                    self.text.push_str(&String::from_utf8_lossy(&bytes));
                    self.text.push('\n');
                }
                Some(other) => self.events.push(other),
                None => break,
            }
        }
    }

    /// Waits for `needle`; returns the text up to and including it and consumes that.
    pub async fn expect(&mut self, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(pos) = self.text.find(needle) {
                let end = pos + needle.len();
                let upto = self.text[..end].to_string();
                self.text.drain(..end);
                return upto;
            }
            if self.closed {
                panic!(
                    "connection closed while waiting for {needle:?}; got:\n{}",
                    self.text
                );
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                panic!("timed out waiting for {needle:?}; got:\n{}", self.text);
            }
            self.read_some(deadline - now).await;
        }
    }

    /// Waits for a negotiation event matching `pred`.
    pub async fn expect_event(&mut self, pred: impl Fn(&TelnetEvent) -> bool) -> TelnetEvent {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(i) = self.events.iter().position(&pred) {
                return self.events.remove(i);
            }
            assert!(!self.closed, "closed; events: {:?}", self.events);
            let now = tokio::time::Instant::now();
            assert!(now < deadline, "timed out; events: {:?}", self.events);
            self.read_some(deadline - now).await;
        }
    }

    /// Collects what arrives within `wait` and returns it (consumed).
    pub async fn drain(&mut self, wait: Duration) -> String {
        while self.read_some(wait).await {}
        std::mem::take(&mut self.text)
    }

    /// Waits until the server closes the connection.
    pub async fn expect_closed(&mut self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !self.closed {
            let now = tokio::time::Instant::now();
            assert!(
                now < deadline,
                "connection was not closed; got:\n{}",
                self.text
            );
            self.read_some(deadline - now).await;
        }
    }

    /// Waits for `needle` and returns the whole line it is on.
    pub async fn expect_line(&mut self, needle: &str) -> String {
        let before = self.expect(needle).await;
        let rest = self.expect("\n").await;
        let start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        format!("{}{}", &before[start..], rest.trim_end())
    }

    /// Round trip: a command whose answer marks that everything before it was handled.
    pub async fn sync(&mut self) -> String {
        self.send("think-sync-marker").await;
        self.expect("Huh?").await
    }
}

/// The dbref in a server message: the first `#N`, as in "Created: Object #4.", or the
/// number after "room number", as in PennMUSH's "Garden created with room number 4.".
pub fn dbref_in(text: &str) -> u32 {
    let start = match text.find("room number ") {
        Some(at) => at + "room number ".len(),
        None => text.find('#').expect("a #dbref in the text") + 1,
    };
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect("digits after #")
}

/// A real `redis-server` on a free loopback port, without persistence.
pub struct RedisServer {
    pub port: u16,
    child: Option<std::process::Child>,
    dir: tempfile::TempDir,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let dir = tempfile::tempdir().expect("tempdir");
        let mut r = RedisServer {
            port,
            child: None,
            dir,
        };
        r.restart();
        r
    }

    /// Starts (again) on the same port, empty.
    pub fn restart(&mut self) {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (scripts/test.sh installs it)");
        self.child = Some(child);
        for _ in 0..200 {
            if self.cli(&["PING"]).trim() == "PONG" {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    /// Kills it (SIGKILL): everything it held is gone.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Runs one command with redis-cli; returns its raw output.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "--raw"])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A hash as field → value.
    pub fn hgetall(&self, key: &str) -> std::collections::HashMap<String, String> {
        let out = self.cli(&["HGETALL", key]);
        let lines: Vec<&str> = out.lines().collect();
        lines
            .chunks(2)
            .filter(|c| c.len() == 2)
            .map(|c| (c[0].to_string(), c[1].to_string()))
            .collect()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits (bounded) until `check` passes; panics with `what` otherwise.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The handle SESSION reports for this connection.
pub async fn my_handle(c: &mut Client) -> u64 {
    c.send("SESSION").await;
    let s = c.expect("Host:").await;
    let line = s
        .lines()
        .find(|l| l.starts_with("Session "))
        .expect("Session line");
    line["Session ".len()..]
        .trim()
        .parse()
        .expect("handle number")
}
