//! `mushd-load`: drives a MUSH server with many real telnet clients and reports what
//! players would feel: delivery latency, throughput, logins per second, memory per
//! connection, and the blackout of a hot reboot. Works against any PennMUSH-style
//! server through its command templates. Use only loopback addresses you run yourself.

mod client;
mod idle;
mod report;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use client::{fill, login, Conn, Login, Vars};
use report::{percentiles, Report, Value};

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Scenario {
    /// Hold N logged-in connections; report server memory with --server-pid.
    Idle,
    /// N clients in R rooms each say a tagged message every T ms.
    Chat,
    /// Connect, log in, run a command, quit, in a loop.
    Churn,
    /// Chat while a wizard issues @reboot; report losses and the blackout.
    Reboot,
}

#[derive(Debug, Clone, Parser)]
#[command(
    name = "mushd-load",
    version,
    about = "Load generator for MUSH servers"
)]
struct Args {
    /// Server address, e.g. 127.0.0.1:4201 (loopback only).
    #[arg(long)]
    addr: String,
    #[arg(long, value_enum, default_value = "chat")]
    scenario: Scenario,
    /// Connections to open.
    #[arg(long, default_value_t = 10)]
    clients: usize,
    /// Rooms to spread chat clients over (needs --room-cmd when above 1).
    #[arg(long, default_value_t = 1)]
    rooms: usize,
    /// Command that moves a client into room {room}, e.g. "@tel me=#{room}".
    #[arg(long, default_value = "")]
    room_cmd: String,
    /// {room} is the room's index plus this (e.g. the dbref of the first dug room).
    #[arg(long, default_value_t = 0)]
    room_offset: usize,
    /// The wizard runs --room-cmd for each client ({name} is the client), for servers
    /// where players cannot move themselves, e.g. "@tel {name}=#{room}".
    #[arg(long)]
    move_by_wizard: bool,
    /// Run by the wizard once per room before clients log in, e.g. "@dig Room {room}".
    #[arg(long, default_value = "")]
    setup_cmd: String,
    /// Milliseconds between one client's messages.
    #[arg(long, default_value_t = 1000)]
    interval_ms: u64,
    /// Seconds measured, after the warm-up.
    #[arg(long, default_value_t = 10)]
    duration_secs: u64,
    /// Seconds of load before measuring starts.
    #[arg(long, default_value_t = 2)]
    warmup_secs: u64,
    /// Player names are <prefix><index>.
    #[arg(long, default_value = "load")]
    prefix: String,
    #[arg(long, default_value = "loadpass")]
    password: String,
    #[arg(long, default_value = "create {name} {password}")]
    create: String,
    #[arg(long, default_value = "connect {name} {password}")]
    connect: String,
    /// How a client speaks; {text} is the tagged message.
    #[arg(long, default_value = "say {text}")]
    say: String,
    /// Try `connect` before `create` (for players that already exist).
    #[arg(long)]
    existing: bool,
    /// Logins in flight at once.
    #[arg(long, default_value_t = 100)]
    login_concurrency: usize,
    #[arg(long, default_value_t = 30)]
    login_timeout_secs: u64,
    /// The server's PID, to report its memory (RSS).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Wizard as name:password, for the reboot scenario.
    #[arg(long)]
    wizard: Option<String>,
    #[arg(long, default_value = "@reboot")]
    reboot_cmd: String,
    /// Seconds after the load starts to issue the reboot.
    #[arg(long, default_value_t = 4)]
    reboot_at_secs: u64,
    /// Stop after this many messages in all (0: no limit besides the duration).
    #[arg(long, default_value_t = 0)]
    max_messages: u64,
    /// Parallel workers for churn.
    #[arg(long, default_value_t = 4)]
    churn_workers: usize,
    /// Hard limit on the whole run, whatever happens.
    #[arg(long, default_value_t = 600)]
    deadline_secs: u64,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Exit with status 1 unless every message reached every listener and no
    /// connection was lost (for CI).
    #[arg(long)]
    expect_all: bool,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    mushd::rlimit::raise_fd_limit();
    if args.rooms > 1
        && args.room_cmd.is_empty()
        && matches!(args.scenario, Scenario::Chat | Scenario::Reboot)
    {
        eprintln!("error: --rooms above 1 needs --room-cmd to move clients into their rooms");
        std::process::exit(2);
    }
    let deadline = Duration::from_secs(args.deadline_secs);
    let run = async {
        match args.scenario {
            Scenario::Idle => idle::run(&args).await,
            Scenario::Chat => chat(&args, false).await,
            Scenario::Reboot => chat(&args, true).await,
            Scenario::Churn => churn(&args).await,
        }
    };
    let report = match tokio::time::timeout(deadline, run).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        Err(_) => {
            eprintln!("error: the run passed its hard deadline of {deadline:?}");
            std::process::exit(3);
        }
    };
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_table());
    }
    if args.expect_all {
        let int = |k: &str| match report.get(k) {
            Some(Value::Int(n)) => *n,
            _ => 0,
        };
        let lost = int("connections_lost");
        if lost > 0 || int("deliveries") < int("deliveries_expected") || int("commands_lost") > 0 {
            eprintln!("error: not everything was delivered (see the figures above)");
            std::process::exit(1);
        }
    }
}

fn login_spec(args: &Args) -> Login<'_> {
    Login {
        addr: &args.addr,
        create: &args.create,
        connect: &args.connect,
        say: &args.say,
        timeout: Duration::from_secs(args.login_timeout_secs),
        create_first: !args.existing,
    }
}

fn name_of(args: &Args, i: usize) -> String {
    format!("{}{i}", args.prefix)
}

/// Logs in one client and moves it to its room.
async fn login_one(args: &Args, i: usize) -> Result<Conn, String> {
    let name = name_of(args, i);
    let mut conn = login(&login_spec(args), &name, &args.password).await?;
    if !args.room_cmd.is_empty() && !args.move_by_wizard {
        let room = i % args.rooms.max(1) + args.room_offset;
        let vars = Vars {
            name: &name,
            password: &args.password,
            text: "",
            room,
        };
        let token = format!("ROOM-OK-{name}");
        conn.send(&fill(&args.room_cmd, &vars))
            .await
            .map_err(|e| e.to_string())?;
        sync(
            &mut conn,
            args,
            &token,
            &format!("{name}: moving to room {room}"),
        )
        .await?;
    }
    Ok(conn)
}

/// Says `token` and waits to see it, so everything sent before has been handled; on
/// failure the error says what the server answered meanwhile.
async fn sync(conn: &mut Conn, args: &Args, token: &str, what: &str) -> Result<(), String> {
    conn.recording = true;
    let vars = Vars {
        name: "",
        password: "",
        text: token,
        room: 0,
    };
    conn.send(&fill(&args.say, &vars))
        .await
        .map_err(|e| format!("{what}: {e}"))?;
    let waited = conn
        .wait_for(token, Duration::from_secs(args.login_timeout_secs))
        .await
        .map_err(|e| format!("{what} failed: {e}\n{}", conn.transcript));
    conn.recording = false;
    conn.transcript.clear();
    waited
}

/// Clients that log in (`login_concurrency` at a time) and then run on their own,
/// reading all the while, so no client lets output pile up at the server.
struct Fleet<T> {
    ready: tokio::sync::mpsc::Receiver<Result<(), String>>,
    tasks: Vec<tokio::task::JoinHandle<Option<T>>>,
}

fn launch<F, Fut, T>(args: &Args, n: usize, run: F) -> Fleet<T>
where
    F: Fn(usize, Conn) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let shared = Arc::new((args.clone(), Semaphore::new(args.login_concurrency.max(1))));
    let (tx, ready) = tokio::sync::mpsc::channel(n.max(1));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (shared, tx, run) = (shared.clone(), tx.clone(), run.clone());
        tasks.push(tokio::spawn(async move {
            let result = {
                let (args, sem) = &*shared;
                match sem.acquire().await {
                    Ok(_permit) => login_one(args, i).await,
                    Err(e) => Err(e.to_string()),
                }
            };
            match result {
                Ok(conn) => {
                    let _ = tx.send(Ok(())).await;
                    Some(run(i, conn).await)
                }
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    None
                }
            }
        }));
    }
    Fleet { ready, tasks }
}

impl<T> Fleet<T> {
    /// Waits until every client has logged in; the first failure ends the run.
    async fn all_ready(&mut self) -> Result<(), String> {
        for _ in 0..self.tasks.len() {
            match self.ready.recv().await {
                Some(Ok(())) => {}
                Some(Err(e)) => {
                    for t in &self.tasks {
                        t.abort();
                    }
                    return Err(e);
                }
                None => return Err("a client task ended early".into()),
            }
        }
        Ok(())
    }

    async fn results(self) -> Vec<T> {
        let mut out = Vec::new();
        for t in self.tasks {
            if let Ok(Some(v)) = t.await {
                out.push(v);
            }
        }
        out
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The server's CPU time so far (user + system), in microseconds, from /proc/<pid>/stat.
fn cpu_us(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count fields after its closing ')'.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let mut fields = rest.split_whitespace();
    // After ')': state is field 3, utime field 14, stime field 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = u64::try_from(ticks).ok().filter(|t| *t > 0)?;
    Some((utime + stime) * 1_000_000 / ticks)
}

fn progress(
    label: &'static str,
    start: Instant,
    line: impl Fn() -> String + Send + 'static,
) -> CancellationToken {
    let stop = CancellationToken::new();
    let token = stop.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.tick().await;
        loop {
            tokio::select! {
                _ = token.cancelled() => return,
                _ = tick.tick() => eprintln!("[{label}] {:>4}s {}", start.elapsed().as_secs(), line()),
            }
        }
    });
    stop
}

/// Counters shared by every chat client.
#[derive(Default)]
struct ChatStats {
    sent: AtomicU64,
    sent_measured: AtomicU64,
    expected_measured: AtomicU64,
    delivered: AtomicU64,
    delivered_measured: AtomicU64,
    echoes: AtomicU64,
    lost: AtomicU64,
    last_delivery_us: AtomicU64,
    max_gap_us: AtomicU64,
    budget_used: AtomicU64,
}

/// Parses a tag `#L<client>:<seq>:<micros>#` out of raw line bytes, allocation-free.
fn parse_tag_bytes(line: &[u8]) -> Option<(usize, u64, u64)> {
    let start = line.windows(2).position(|w| w == b"#L")? + 2;
    let rest = &line[start..];
    let end = rest.iter().position(|&b| b == b'#')?;
    let mut parts = rest[..end].split(|&b| b == b':');
    let mut num = || -> Option<u64> {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 19 || !p.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(p.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
    };
    Some((num()? as usize, num()?, num()?))
}

/// Parses a tag `#L<client>:<seq>:<micros>#` out of a line.
fn parse_tag(line: &str) -> Option<(usize, u64, u64)> {
    let start = line.find("#L")? + 2;
    let rest = &line[start..];
    let end = rest.find('#')?;
    let mut parts = rest[..end].split(':');
    Some((
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    ))
}

struct ChatPlan {
    start: Instant,
    warmup_us: u64,
    stop_us: u64,
    interval: Duration,
    max_messages: u64,
    say: String,
    room_sizes: Vec<u64>,
}

async fn chat_client(
    id: usize,
    room: usize,
    mut conn: Conn,
    plan: Arc<tokio::sync::OnceCell<ChatPlan>>,
    go: CancellationToken,
    stats: Arc<ChatStats>,
    done: CancellationToken,
) -> Vec<u32> {
    // Until everyone is in, just keep reading (arrival messages and the like).
    loop {
        tokio::select! {
            _ = go.cancelled() => break,
            l = conn.next_line() => if !matches!(l, Ok(Some(_))) {
                stats.lost.fetch_add(1, Ordering::Relaxed);
                return Vec::new();
            }
        }
    }
    let Some(plan) = plan.get() else {
        return Vec::new();
    };
    let mut latencies = Vec::new();
    let phase = plan
        .interval
        .mul_f64(id as f64 / plan.room_sizes.iter().sum::<u64>().max(1) as f64);
    let mut ticker = tokio::time::interval_at(
        tokio::time::Instant::from_std(plan.start) + phase,
        plan.interval,
    );
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seq = 0u64;
    let mut sending = true;
    loop {
        tokio::select! {
            _ = done.cancelled() => break,
            _ = ticker.tick(), if sending => {
                let now_us = plan.start.elapsed().as_micros() as u64;
                if now_us >= plan.stop_us {
                    sending = false;
                    continue;
                }
                if plan.max_messages > 0 && stats.budget_used.fetch_add(1, Ordering::Relaxed) >= plan.max_messages {
                    sending = false;
                    continue;
                }
                let text = format!("#L{id}:{seq}:{now_us}#");
                seq += 1;
                if conn.send(&plan.say.replace("{text}", &text)).await.is_err() {
                    stats.lost.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                stats.sent.fetch_add(1, Ordering::Relaxed);
                if now_us >= plan.warmup_us {
                    stats.sent_measured.fetch_add(1, Ordering::Relaxed);
                    stats.expected_measured.fetch_add(plan.room_sizes[room], Ordering::Relaxed);
                }
            }
            line = conn.next_raw() => {
                let line = match line {
                    Ok(Some(l)) => l,
                    _ => {
                        stats.lost.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                };
                let Some((from, _seq, sent_us)) = parse_tag_bytes(&line) else { continue };
                let now_us = plan.start.elapsed().as_micros() as u64;
                stats.delivered.fetch_add(1, Ordering::Relaxed);
                if from == id {
                    stats.echoes.fetch_add(1, Ordering::Relaxed);
                }
                let prev = stats.last_delivery_us.swap(now_us, Ordering::Relaxed);
                if prev > 0 && now_us > prev && sent_us >= plan.warmup_us {
                    stats.max_gap_us.fetch_max(now_us - prev, Ordering::Relaxed);
                }
                if sent_us >= plan.warmup_us {
                    stats.delivered_measured.fetch_add(1, Ordering::Relaxed);
                    latencies.push(now_us.saturating_sub(sent_us).min(u32::MAX as u64) as u32);
                }
            }
        }
    }
    conn.close().await;
    latencies
}

async fn chat(args: &Args, with_reboot: bool) -> Result<Report, String> {
    let rooms = args.rooms.max(1);
    let needs_wizard = with_reboot || !args.setup_cmd.is_empty() || args.move_by_wizard;
    let mut wizard = match (&args.wizard, needs_wizard) {
        (Some(w), true) => {
            let (name, pw) = w.split_once(':').ok_or("--wizard takes name:password")?;
            let spec = Login {
                create_first: false,
                ..login_spec(args)
            };
            Some(login(&spec, name, pw).await?)
        }
        (None, true) => {
            return Err("the reboot scenario and --setup-cmd need --wizard name:password".into())
        }
        _ => None,
    };
    if let (Some(w), false) = (wizard.as_mut(), args.setup_cmd.is_empty()) {
        for r in 0..rooms {
            let vars = Vars {
                name: "",
                password: "",
                text: "",
                room: r + args.room_offset,
            };
            w.send(&fill(&args.setup_cmd, &vars))
                .await
                .map_err(|e| format!("wizard: {e}"))?;
        }
        sync(w, args, "SETUP-DONE", "setup").await?;
    }
    let login_started = Instant::now();
    let plan_cell: Arc<tokio::sync::OnceCell<ChatPlan>> = Arc::new(tokio::sync::OnceCell::new());
    let stats = Arc::new(ChatStats::default());
    let go = CancellationToken::new();
    let done = CancellationToken::new();
    let (pc, g, st, d) = (plan_cell.clone(), go.clone(), stats.clone(), done.clone());
    let mut fleet = launch(args, args.clients, move |i, conn| {
        chat_client(
            i,
            i % rooms,
            conn,
            pc.clone(),
            g.clone(),
            st.clone(),
            d.clone(),
        )
    });
    fleet.all_ready().await?;
    let login_secs = login_started.elapsed().as_secs_f64();
    if args.move_by_wizard && !args.room_cmd.is_empty() {
        let w = wizard
            .as_mut()
            .ok_or("--move-by-wizard needs --wizard name:password")?;
        for i in 0..args.clients {
            let name = name_of(args, i);
            let vars = Vars {
                name: &name,
                password: "",
                text: "",
                room: i % rooms + args.room_offset,
            };
            w.send(&fill(&args.room_cmd, &vars))
                .await
                .map_err(|e| format!("wizard: {e}"))?;
        }
        sync(w, args, "MOVES-DONE", "moving clients").await?;
    }
    let mut room_sizes = vec![0u64; rooms];
    for i in 0..args.clients {
        room_sizes[i % rooms] += 1;
    }
    let warmup = Duration::from_secs(args.warmup_secs);
    let measured = Duration::from_secs(args.duration_secs);
    let _ = plan_cell.set(ChatPlan {
        start: Instant::now() + Duration::from_millis(200),
        warmup_us: warmup.as_micros() as u64,
        stop_us: (warmup + measured).as_micros() as u64,
        interval: Duration::from_millis(args.interval_ms.max(1)),
        max_messages: args.max_messages,
        say: args.say.clone(),
        room_sizes,
    });
    let plan = plan_cell.get().ok_or("the chat plan was not set")?;
    go.cancel();
    let s = stats.clone();
    let p = progress(
        if with_reboot { "reboot" } else { "chat" },
        plan.start,
        move || {
            format!(
                "sent={} delivered={} lost_connections={}",
                s.sent.load(Ordering::Relaxed),
                s.delivered.load(Ordering::Relaxed),
                s.lost.load(Ordering::Relaxed)
            )
        },
    );
    let mut reboot_answer = String::new();
    let reboot_at = plan.start + Duration::from_secs(args.reboot_at_secs);
    let send_end = plan.start + warmup + measured;
    // The server's CPU over the measured window, for the cost of one delivery.
    let cpu_window = args.server_pid.map(|pid| {
        let from = plan.start + warmup;
        tokio::spawn(async move {
            tokio::time::sleep_until(tokio::time::Instant::from_std(from)).await;
            let start = cpu_us(pid);
            tokio::time::sleep_until(tokio::time::Instant::from_std(send_end)).await;
            Some(cpu_us(pid)?.saturating_sub(start?))
        })
    });
    if let (Some(w), true) = (wizard.as_mut(), with_reboot) {
        tokio::time::sleep_until(tokio::time::Instant::from_std(reboot_at)).await;
        w.send(&args.reboot_cmd)
            .await
            .map_err(|e| format!("wizard: {e}"))?;
        // Remember the server's first answer (not chat traffic) for the report.
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            while let Ok(Some(l)) = w.next_line().await {
                // The server's answer mentions the reboot (PennMUSH and mushd alike).
                if parse_tag(&l).is_none() && l.to_lowercase().contains("reboot") {
                    reboot_answer = l;
                    break;
                }
            }
        })
        .await;
    }
    tokio::time::sleep_until(tokio::time::Instant::from_std(send_end)).await;
    // Give in-flight messages time to arrive (bounded).
    let drain_until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < drain_until {
        let expected = stats.expected_measured.load(Ordering::Relaxed);
        let got = stats.delivered_measured.load(Ordering::Relaxed);
        if got >= expected
            && stats.echoes.load(Ordering::Relaxed) >= stats.sent.load(Ordering::Relaxed)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    p.cancel();
    done.cancel();
    let mut all: Vec<u32> = fleet.results().await.into_iter().flatten().collect();

    let mut rep = Report {
        scenario: if with_reboot { "reboot" } else { "chat" }.into(),
        ..Report::default()
    };
    rep.param("clients", Value::Int(args.clients as u64));
    rep.param("rooms", Value::Int(rooms as u64));
    rep.param("interval_ms", Value::Int(args.interval_ms));
    rep.param("warmup_secs", Value::Int(args.warmup_secs));
    rep.param("duration_secs", Value::Int(args.duration_secs));
    rep.figure("login_seconds", Value::Float(login_secs));
    let sent = stats.sent_measured.load(Ordering::Relaxed);
    let delivered = stats.delivered_measured.load(Ordering::Relaxed);
    rep.figure("messages_sent", Value::Int(sent));
    rep.figure("deliveries", Value::Int(delivered));
    rep.figure(
        "deliveries_expected",
        Value::Int(stats.expected_measured.load(Ordering::Relaxed)),
    );
    rep.figure(
        "deliveries_per_sec",
        Value::Float(delivered as f64 / measured.as_secs_f64().max(1e-9)),
    );
    for (k, v) in percentiles(&mut all) {
        rep.figure(k, Value::Float(v));
    }
    if let Some(window) = cpu_window {
        if let Ok(Some(cpu)) = window.await {
            rep.figure("server_cpu_ms", Value::Float(cpu as f64 / 1000.0));
            rep.figure(
                "server_cpu_us_per_delivery",
                Value::Float(cpu as f64 / delivered.max(1) as f64),
            );
        }
    }
    rep.figure(
        "connections_lost",
        Value::Int(stats.lost.load(Ordering::Relaxed)),
    );
    if with_reboot {
        let all_sent = stats.sent.load(Ordering::Relaxed);
        let echoes = stats.echoes.load(Ordering::Relaxed);
        rep.figure("commands_lost", Value::Int(all_sent.saturating_sub(echoes)));
        rep.figure(
            "blackout_ms",
            Value::Float(stats.max_gap_us.load(Ordering::Relaxed) as f64 / 1000.0),
        );
        rep.figure("reboot_answer", Value::Text(reboot_answer));
    }
    if let Some(w) = wizard {
        w.close().await;
    }
    Ok(rep)
}

async fn churn(args: &Args) -> Result<Report, String> {
    let workers = args.churn_workers.max(1);
    let until = Instant::now() + Duration::from_secs(args.warmup_secs + args.duration_secs);
    let measure_from = Instant::now() + Duration::from_secs(args.warmup_secs);
    let logins = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let budget = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for w in 0..workers {
        let args = args.clone();
        let (logins, failures, first_error, budget, stop) = (
            logins.clone(),
            failures.clone(),
            first_error.clone(),
            budget.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let name = format!("{}c{w}", args.prefix);
            let mut lat = Vec::new();
            let mut existing = args.existing;
            while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                if args.max_messages > 0
                    && budget.fetch_add(1, Ordering::Relaxed) >= args.max_messages
                {
                    break;
                }
                let t0 = Instant::now();
                let spec = Login {
                    create_first: !existing,
                    ..login_spec(&args)
                };
                match login(&spec, &name, &args.password).await {
                    Ok(mut c) => {
                        existing = true;
                        let _ = c.send("QUIT").await;
                        // Wait for the server to close, so the next login is a fresh one.
                        let _ = tokio::time::timeout(Duration::from_secs(5), async {
                            while let Ok(Some(_)) = c.next_line().await {}
                        })
                        .await;
                        if t0 >= measure_from {
                            logins.fetch_add(1, Ordering::Relaxed);
                            lat.push(t0.elapsed().as_micros().min(u32::MAX as u128) as u32);
                        }
                    }
                    Err(e) => {
                        failures.fetch_add(1, Ordering::Relaxed);
                        let mut first = first_error.lock().unwrap_or_else(|p| p.into_inner());
                        if first.is_none() {
                            *first = Some(e);
                        }
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
            lat
        }));
    }
    let l = logins.clone();
    let p = progress("churn", Instant::now(), move || {
        format!("logins={}", l.load(Ordering::Relaxed))
    });
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())?);
    }
    p.cancel();
    if let Some(e) = first_error.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(e);
    }
    let mut rep = Report {
        scenario: "churn".into(),
        ..Report::default()
    };
    rep.param("workers", Value::Int(workers as u64));
    rep.param("duration_secs", Value::Int(args.duration_secs));
    let n = logins.load(Ordering::Relaxed);
    rep.figure("logins", Value::Int(n));
    rep.figure(
        "logins_per_sec",
        Value::Float(n as f64 / args.duration_secs.max(1) as f64),
    );
    rep.figure("failures", Value::Int(failures.load(Ordering::Relaxed)));
    for (k, v) in percentiles(&mut all) {
        rep.figure(k, Value::Float(v));
    }
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse() {
        assert_eq!(
            parse_tag("load3 says, \"#L3:17:123456#\""),
            Some((3, 17, 123456))
        );
        assert_eq!(parse_tag("You say, \"hello\""), None);
        assert_eq!(parse_tag("#Lx:1:2#"), None);
        assert_eq!(
            parse_tag_bytes(b"x says, \"#L3:17:123456#\""),
            Some((3, 17, 123456))
        );
        assert_eq!(parse_tag_bytes(b"#L3:1#"), None);
        assert_eq!(parse_tag_bytes(b"no tag"), None);
    }
}
