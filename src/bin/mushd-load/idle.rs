//! The idle scenario: clients log in and sit, and the server's resident memory is read
//! before and after. On a fresh game each login also creates a player; with
//! `--existing` against a freshly started server whose players already exist, the
//! figure is what a logged-in idle connection costs by itself. Clients QUIT at the end,
//! so no session is left link-dead for the next run.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::client::Conn;
use crate::report::{Report, Value};
use crate::{launch, progress, rss_kib, Args};

/// How long a client waits for the server to close after its QUIT.
const QUIT_WAIT: Duration = Duration::from_secs(5);

/// What the logged-in idle clients cost.
struct Held {
    login_secs: f64,
    still_open: u64,
    /// Server RSS (KiB) before the logins, two seconds after them, and at the end of
    /// the hold.
    rss: Option<(u64, u64, u64)>,
}

pub async fn run(args: &Args) -> Result<Report, String> {
    let held = hold(args).await?;
    let mut rep = Report {
        scenario: "idle".into(),
        ..Report::default()
    };
    rep.param("clients", Value::Int(args.clients as u64));
    rep.param("duration_secs", Value::Int(args.duration_secs));
    rep.figure("logged_in", Value::Int(args.clients as u64));
    rep.figure("login_seconds", Value::Float(held.login_secs));
    rep.figure(
        "logins_per_sec",
        Value::Float(args.clients as f64 / held.login_secs.max(1e-9)),
    );
    rep.figure("connections_held", Value::Int(held.still_open));
    rep.figure(
        "connections_lost",
        Value::Int((args.clients as u64).saturating_sub(held.still_open)),
    );
    let per = |from: u64, to: u64| {
        Value::Float(to.saturating_sub(from) as f64 / args.clients.max(1) as f64)
    };
    if let Some((before, after, held)) = held.rss {
        rep.figure("server_rss_before_kib", Value::Int(before));
        rep.figure("server_rss_after_kib", Value::Int(after));
        rep.figure("server_kib_per_connection_after_logins", per(before, after));
        rep.figure("server_rss_held_kib", Value::Int(held));
        rep.figure("server_kib_per_connection", per(before, held));
    }
    Ok(rep)
}

/// Logs every client in, holds them idle for the duration, reads the server's memory,
/// then has each one QUIT (so no session is left link-dead for the next run).
async fn hold(args: &Args) -> Result<Held, String> {
    let before = args.server_pid.and_then(rss_kib);
    let started = Instant::now();
    let open = Arc::new(AtomicU64::new(0));
    let stop = CancellationToken::new();
    let (o, st) = (open.clone(), stop.clone());
    let mut fleet = launch(args, args.clients, move |_, c: Conn| {
        let (open, stop) = (o.clone(), st.clone());
        sit(c, open, stop)
    });
    fleet.all_ready().await?;
    let login_secs = started.elapsed().as_secs_f64();
    // Let the last arrival announcements drain before reading the server's memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = args.server_pid.and_then(rss_kib);
    let o = open.clone();
    let p = progress("idle", Instant::now(), move || {
        format!("open={}", o.load(Ordering::Relaxed))
    });
    tokio::time::sleep(Duration::from_secs(args.duration_secs)).await;
    p.cancel();
    // And once the connections have sat idle for the whole hold: the steady state.
    let held_rss = args.server_pid.and_then(rss_kib);
    let held = open.load(Ordering::Relaxed);
    stop.cancel();
    drop(fleet.results().await);
    let rss = match (before, after, held_rss) {
        (Some(b), Some(a), Some(h)) => Some((b, a, h)),
        _ => None,
    };
    Ok(Held {
        login_secs,
        still_open: held,
        rss,
    })
}

/// One idle client: reads (and drops) whatever arrives until told to stop, then QUITs
/// and waits briefly for the server to close.
async fn sit(mut c: Conn, open: Arc<AtomicU64>, stop: CancellationToken) -> Conn {
    open.fetch_add(1, Ordering::Relaxed);
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            l = c.next_line() => if !matches!(l, Ok(Some(_))) {
                open.fetch_sub(1, Ordering::Relaxed);
                return c;
            }
        }
    }
    if c.send("QUIT").await.is_ok() {
        let _ = tokio::time::timeout(QUIT_WAIT, async {
            while let Ok(Some(_)) = c.next_line().await {}
        })
        .await;
    }
    c
}
