//! Hostile-client harness for `tests/hardening.rs`: runs the real `mushd` with its own
//! config (the password hashing cost included), watches its descriptors and memory from
//! `/proc`, keeps a bystander talking while an attack runs, and checks afterwards that
//! the bystander was answered promptly, the descriptors came back to the baseline, peak
//! RSS stayed within a bound of the idle figure and nothing panicked.
//!
//! Linux only (`/proc`), loopback only. Every wait is bounded; nothing is timed tightly.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::common::{Client, GOD_PASSWORD};

/// The bystander must be answered within this, during and after every attack.
/// Generous on purpose: these machines are shared and noisy.
pub const ANSWER_BOUND: Duration = Duration::from_secs(5);
/// Descriptors the server may hold above its baseline once an attack is over.
pub const FD_SLACK: usize = 4;
/// How long descriptors get to come back to the baseline.
pub const FD_SETTLE: Duration = Duration::from_secs(10);
/// Peak RSS (VmHWM) may exceed the idle figure by at most this much after an attack.
/// With the default `limits.password_hash_concurrency = 2` a hashing flood costs
/// 2 × 19 MiB of argon2 memory (measured: +40 MiB); 80 MiB admits that plus the flood's
/// connections and slack, and is far below the gigabytes an unbounded flood took.
pub const RSS_BOUND_MIB: u64 = 80;
/// The watchdog SIGKILLs the server when its RSS passes idle + this, so that a failing
/// hashing flood cannot eat the (shared) machine's memory.
pub const WATCHDOG_MIB: u64 = 3 * 1024;
/// The cheap argon2 cost for tests where hashing is not the point.
pub const CHEAP_HASH_KIB: u32 = 64;
/// The real default argon2 cost (`game.password_hash_memory_kib`), for hashing floods.
pub const REAL_HASH_KIB: u32 = 19 * 1024;
/// How often the bystander talks while an attack runs.
const TALK_EVERY: Duration = Duration::from_millis(200);

/// The addresses clients connect from; all of 127.0.0.0/8 is loopback on Linux, so the
/// bystander, the attacker and other players each have their own address and the
/// per-address limits of one never touch another.
pub const ATTACKER_IP: &str = "127.0.0.1";
pub const BYSTANDER_IP: &str = "127.0.0.2";

/// An address for the `n`th extra player (from 127.0.1.1 on).
pub fn player_ip(n: u32) -> String {
    format!("127.0.{}.{}", 1 + n / 250, 1 + n % 250)
}

/// What a test changes in the config.
#[derive(Clone)]
pub struct Setup {
    pub hash_kib: u32,
    /// Extra `[limits]` lines.
    pub limits: String,
    /// Extra `[game]` lines.
    pub game: String,
}

impl Setup {
    pub fn cheap() -> Setup {
        Setup {
            hash_kib: CHEAP_HASH_KIB,
            limits: String::new(),
            game: String::new(),
        }
    }

    pub fn real_hashing() -> Setup {
        Setup {
            hash_kib: REAL_HASH_KIB,
            limits: String::new(),
            game: String::new(),
        }
    }

    pub fn limits(mut self, lines: &str) -> Setup {
        self.limits.push_str(lines);
        self.limits.push('\n');
        self
    }

    pub fn game(mut self, lines: &str) -> Setup {
        self.game.push_str(lines);
        self.game.push('\n');
        self
    }
}

fn config_text(dir: &Path, setup: &Setup) -> String {
    format!(
        r#"[server]
listen = ["127.0.0.1:0"]
name = "HardMUSH"
text_dir = "{text}"
[store]
data_dir = "{data}"
flush_interval_ms = 20
critical_write_timeout_ms = 2000
[game]
initial_god_password = "{GOD_PASSWORD}"
password_hash_memory_kib = {hash}
{game}
[limits]
{limits}
[log]
level = "info"
"#,
        text = concat!(env!("CARGO_MANIFEST_DIR"), "/config/text"),
        data = dir.join("data").display(),
        hash = setup.hash_kib,
        limits = setup.limits,
        game = setup.game,
    )
}

/// Figures the watchdog thread keeps.
#[derive(Default)]
struct Watch {
    stop: AtomicBool,
    /// Kill the server when VmRSS passes this (KiB); 0 = not armed.
    cap_kib: AtomicU64,
    tripped_kib: AtomicU64,
    max_rss_kib: AtomicU64,
    max_fds: AtomicUsize,
}

/// A running `mushd serve` with stdout and stderr captured to files.
pub struct HardServer {
    child: Child,
    pub pid: u32,
    pub addr: String,
    dir: tempfile::TempDir,
    watch: Arc<Watch>,
    watcher: Option<std::thread::JoinHandle<()>>,
}

impl HardServer {
    pub async fn start(setup: &Setup) -> HardServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("mushd.toml");
        std::fs::write(&config, config_text(dir.path(), setup)).expect("write config");
        let out = std::fs::File::create(dir.path().join("stdout.log")).expect("stdout log");
        let err = std::fs::File::create(dir.path().join("stderr.log")).expect("stderr log");
        let child = Command::new(env!("CARGO_BIN_EXE_mushd"))
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn mushd");
        let pid = child.id();
        let watch = Arc::new(Watch::default());
        let mut server = HardServer {
            child,
            pid,
            addr: String::new(),
            dir,
            watch: watch.clone(),
            watcher: None,
        };
        // The argon2 hash of God's password is made at start: with the real cost in
        // a debug build that takes a second or two.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let stdout =
                std::fs::read_to_string(server.dir.path().join("stdout.log")).unwrap_or_default();
            if let Some(addr) = stdout
                .lines()
                .find_map(|l| l.strip_prefix("mushd: listening on "))
            {
                server.addr = addr.trim().to_string();
                break;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("mushd exited at start ({status}):\n{}", server.logs());
            }
            assert!(
                Instant::now() < deadline,
                "mushd did not start:\n{}",
                server.logs()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        server.watcher = Some(std::thread::spawn(move || watchdog(pid, &watch)));
        server
    }

    /// Everything the server wrote to stdout and stderr.
    pub fn logs(&self) -> String {
        let read =
            |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!("{}{}", read("stdout.log"), read("stderr.log"))
    }

    pub fn fds(&self) -> usize {
        fd_count(self.pid)
    }

    /// A field of `/proc/<pid>/status` in KiB (VmRSS, VmHWM).
    pub fn status_kib(&self, field: &str) -> u64 {
        status_kib(self.pid, field).unwrap_or_else(|| {
            panic!(
                "no {field} for pid {}: the server is gone?\n{}",
                self.pid,
                self.logs()
            )
        })
    }

    /// Resets VmHWM to the current RSS (`clear_refs` 5, Linux 4.0+); false when the
    /// kernel does not allow it.
    pub fn reset_peak(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5").is_ok()
    }

    pub async fn client_from(&self, ip: &str) -> Client {
        Client::from_stream(connect_from(&self.addr, ip).await)
    }

    /// A new player created from its own address.
    pub async fn player_from(&self, ip: &str, name: &str) -> Client {
        let mut c = self.client_from(ip).await;
        c.expect("Welcome").await;
        c.send(&format!("create {name} pw-{name}")).await;
        c.expect("Your character has been created.").await;
        c.sync().await;
        c.text.clear();
        c
    }

    /// God, logged in from the bystander's address.
    pub async fn god(&self) -> Client {
        let mut c = self.client_from(BYSTANDER_IP).await;
        c.expect("Welcome").await;
        c.send(&format!("connect One {GOD_PASSWORD}")).await;
        c.expect("Room Zero").await;
        c.sync().await;
        c.text.clear();
        c
    }

    /// Waits until the descriptor count has been the same for a few reads, then resets
    /// the peak RSS and takes the idle figures; arms the watchdog.
    pub async fn baseline(&self) -> Baseline {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut last = self.fds();
        let mut same = 0;
        while same < 3 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now = self.fds();
            same = if now == last { same + 1 } else { 0 };
            last = now;
        }
        let peak_reset = self.reset_peak();
        let idle_kib = if peak_reset {
            self.status_kib("VmHWM")
        } else {
            eprintln!("hardening: cannot reset VmHWM; the idle figure is VmRSS");
            self.status_kib("VmRSS")
        };
        self.watch
            .cap_kib
            .store(idle_kib + WATCHDOG_MIB * 1024, Ordering::Relaxed);
        self.watch.max_fds.store(last, Ordering::Relaxed);
        Baseline {
            fds: last,
            idle_kib,
            peak_reset,
        }
    }

    /// Most descriptors seen by the watchdog since the baseline.
    pub fn max_fds(&self) -> usize {
        self.watch.max_fds.load(Ordering::Relaxed)
    }

    /// The RSS (KiB) at which the watchdog killed the server, if it did.
    pub fn watchdog_tripped(&self) -> Option<u64> {
        match self.watch.tripped_kib.load(Ordering::Relaxed) {
            0 => None,
            k => Some(k),
        }
    }

    /// Waits (bounded) until the server holds at most `baseline + FD_SLACK` descriptors;
    /// returns the last count and whether it settled.
    pub async fn settle_fds(&self, baseline: usize) -> (usize, bool) {
        let deadline = Instant::now() + FD_SETTLE;
        loop {
            let now = self.fds();
            if now <= baseline + FD_SLACK {
                return (now, true);
            }
            if Instant::now() >= deadline {
                return (now, false);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The checks every attack ends with, collected into `v`: the bystander was
    /// answered promptly throughout, descriptors are back, peak RSS within
    /// `bound_mib` of idle, no panic in the log. Prints the figures.
    pub async fn check_after(
        &self,
        attack: &str,
        base: &Baseline,
        bound_mib: u64,
        talk: &TalkStats,
        v: &mut Verdict,
    ) {
        if let Some(k) = self.watchdog_tripped() {
            v.fail(format!(
                "{attack}: the watchdog killed the server at VmRSS {} MiB (idle {} MiB)",
                k / 1024,
                base.idle_kib / 1024
            ));
            eprintln!(
                "hardening[{attack}]: idle {} MiB, killed by the watchdog at {} MiB; max fds {} (baseline {})",
                base.idle_kib / 1024,
                k / 1024,
                self.max_fds(),
                base.fds
            );
            return;
        }
        for f in &talk.failures {
            v.fail(format!("{attack}: bystander: {f}"));
        }
        if talk.max > ANSWER_BOUND {
            v.fail(format!(
                "{attack}: the bystander waited {:?} for an answer (bound {:?})",
                talk.max, ANSWER_BOUND
            ));
        }
        let (fds, settled) = self.settle_fds(base.fds).await;
        if !settled {
            v.fail(format!(
                "{attack}: {fds} descriptors open {FD_SETTLE:?} after the attack; baseline {} (+{FD_SLACK} slack)",
                base.fds
            ));
        }
        let peak = self.status_kib("VmHWM");
        let bound = base.idle_kib + bound_mib * 1024;
        if peak > bound {
            v.fail(format!(
                "{attack}: peak RSS {} MiB exceeds idle {} MiB + {bound_mib} MiB",
                peak / 1024,
                base.idle_kib / 1024
            ));
        }
        let logs = self.logs();
        if logs.contains("panicked") {
            let lines: Vec<&str> = logs.lines().filter(|l| l.contains("panicked")).collect();
            v.fail(format!(
                "{attack}: the log has {} panic line(s), first: {}",
                lines.len(),
                lines
                    .iter()
                    .take(3)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" | ")
            ));
        }
        eprintln!(
            "hardening[{attack}]: idle {:.1} MiB, peak {:.1} MiB (+{:.1}, bound +{bound_mib}){}; \
             fds baseline {} max {} after {}; bystander {} lines, slowest {} ms",
            base.idle_kib as f64 / 1024.0,
            peak as f64 / 1024.0,
            peak.saturating_sub(base.idle_kib) as f64 / 1024.0,
            if base.peak_reset {
                ""
            } else {
                " (VmHWM not reset)"
            },
            base.fds,
            self.max_fds(),
            fds,
            talk.lines,
            talk.max.as_millis(),
        );
    }
}

impl Drop for HardServer {
    fn drop(&mut self) {
        self.watch.stop.store(true, Ordering::Relaxed);
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(w) = self.watcher.take() {
            let _ = w.join();
        }
    }
}

/// Polls RSS (and now and then the descriptors) every 25 ms; kills the server when it
/// passes the cap.
fn watchdog(pid: u32, watch: &Watch) {
    let mut tick = 0u32;
    while !watch.stop.load(Ordering::Relaxed) {
        let Some(rss) = status_kib(pid, "VmRSS") else {
            return;
        };
        watch.max_rss_kib.fetch_max(rss, Ordering::Relaxed);
        let cap = watch.cap_kib.load(Ordering::Relaxed);
        if cap > 0 && rss > cap {
            watch.tripped_kib.store(rss, Ordering::Relaxed);
            // SAFETY: a plain kill(2) of the child this harness spawned.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
            return;
        }
        if tick % 4 == 0 {
            watch.max_fds.fetch_max(fd_count(pid), Ordering::Relaxed);
        }
        tick = tick.wrapping_add(1);
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    line[field.len() + 1..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// The idle figures an attack is measured against.
pub struct Baseline {
    pub fds: usize,
    pub idle_kib: u64,
    pub peak_reset: bool,
}

/// Failures collected over a test, reported together at the end.
#[derive(Default)]
pub struct Verdict {
    failures: Vec<String>,
}

impl Verdict {
    pub fn fail(&mut self, why: String) {
        eprintln!("hardening FAIL: {why}");
        self.failures.push(why);
    }

    pub fn check(&mut self, ok: bool, why: impl FnOnce() -> String) {
        if !ok {
            self.fail(why());
        }
    }

    pub fn assert_ok(self) {
        assert!(
            self.failures.is_empty(),
            "{} failure(s):\n- {}",
            self.failures.len(),
            self.failures.join("\n- ")
        );
    }
}

/// A TCP connection to `addr` from the loopback address `ip`.
pub async fn connect_from(addr: &str, ip: &str) -> TcpStream {
    connect_from_with(addr, ip, None).await
}

/// As `connect_from`, optionally with a small receive buffer (a client that stops
/// reading then fills up quickly).
pub async fn connect_from_with(addr: &str, ip: &str, rcvbuf: Option<u32>) -> TcpStream {
    let addr: SocketAddr = addr.parse().expect("server address");
    let local: SocketAddr = format!("{ip}:0").parse().expect("local address");
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(local).expect("bind a loopback source address");
    if let Some(size) = rcvbuf {
        socket.set_recv_buffer_size(size).expect("rcvbuf");
    }
    tokio::time::timeout(Duration::from_secs(10), socket.connect(addr))
        .await
        .expect("connect timed out")
        .expect("connect")
}

/// Writes `data` in chunks, giving up quietly when the server closes or stops reading
/// for `ANSWER_BOUND * 2`; returns the bytes written.
pub async fn blast(stream: &mut TcpStream, data: &[u8]) -> usize {
    let mut written = 0;
    for chunk in data.chunks(64 * 1024) {
        match tokio::time::timeout(ANSWER_BOUND * 2, stream.write_all(chunk)).await {
            Ok(Ok(())) => written += chunk.len(),
            _ => break,
        }
    }
    written
}

/// Waits at most `bound` for `needle`; on success returns the wait and the text up to
/// and including the needle (consumed).
pub async fn expect_within(
    c: &mut Client,
    needle: &str,
    bound: Duration,
) -> Result<(Duration, String), String> {
    let start = Instant::now();
    let deadline = start + bound;
    loop {
        if let Some(pos) = c.text.find(needle) {
            let upto: String = c.text.drain(..pos + needle.len()).collect();
            return Ok((start.elapsed(), upto));
        }
        let tail = || {
            let t = &c.text;
            let mut from = t.len().saturating_sub(300);
            while !t.is_char_boundary(from) {
                from += 1;
            }
            t[from..].to_string()
        };
        if c.closed {
            return Err(format!(
                "connection closed waiting for {needle:?}; tail: {:?}",
                tail()
            ));
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(format!(
                "no {needle:?} within {bound:?}; tail: {:?}",
                tail()
            ));
        }
        c.read_some(deadline - now).await;
    }
}

/// What the bystander saw while talking.
#[derive(Default)]
pub struct TalkStats {
    pub lines: u32,
    pub max: Duration,
    pub failures: Vec<String>,
    /// Everything it received, in order.
    pub transcript: String,
}

/// A bystander saying a numbered line every `TALK_EVERY` and timing each answer.
pub struct Talker {
    stop: Arc<AtomicBool>,
    task: JoinHandle<(Client, TalkStats)>,
}

impl Talker {
    pub fn start(mut c: Client) -> Talker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            let mut stats = TalkStats::default();
            let mut n = 0u32;
            loop {
                let last = flag.load(Ordering::Relaxed);
                n += 1;
                c.send(&format!("say ping-{n}")).await;
                let needle = format!("You say, \"ping-{n}\"");
                match expect_within(&mut c, &needle, ANSWER_BOUND).await {
                    Ok((d, seen)) => {
                        stats.transcript.push_str(&seen);
                        stats.lines += 1;
                        stats.max = stats.max.max(d);
                    }
                    Err(e) => {
                        stats.max = stats.max.max(ANSWER_BOUND);
                        stats.failures.push(format!("ping-{n}: {e}"));
                        if c.closed {
                            break;
                        }
                    }
                }
                if last {
                    break;
                }
                // Keep reading between lines so the transcript is complete.
                let pause = Instant::now() + TALK_EVERY;
                while Instant::now() < pause && !flag.load(Ordering::Relaxed) {
                    c.read_some(Duration::from_millis(50)).await;
                }
            }
            (c, stats)
        });
        Talker { stop, task }
    }

    /// Stops after one more answered line (the "after the attack" answer).
    pub async fn finish(self) -> (Client, TalkStats) {
        self.stop.store(true, Ordering::Relaxed);
        let (mut c, mut stats) = self.task.await.expect("talker task");
        stats.transcript.push_str(&c.text);
        c.text.clear();
        (c, stats)
    }
}

/// A deterministic xorshift byte stream for garbage input.
pub fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}
