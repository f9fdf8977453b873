//! Telemetry: counters and gauges as Prometheus text at `GET /metrics`, and the same
//! figures for wizards' `@stats`.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tracing::{debug, info, warn};

use crate::server::ServerContext;
use crate::session::now_millis;

/// One figure: name (without the `mushd_` prefix), kind, help, value.
pub struct Metric {
    pub name: &'static str,
    pub kind: &'static str,
    pub help: &'static str,
    pub value: f64,
}

fn m(name: &'static str, kind: &'static str, help: &'static str, value: f64) -> Metric {
    Metric {
        name,
        kind,
        help,
        value,
    }
}

/// Every figure, read now.
pub fn collect(ctx: &ServerContext) -> Vec<Metric> {
    let wb = ctx.wb.stats();
    let c = &ctx.counters;
    let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed) as f64;
    vec![
        m(
            "connections",
            "gauge",
            "Open telnet connections.",
            ctx.table.len() as f64,
        ),
        m(
            "players_connected",
            "gauge",
            "Players with at least one connection.",
            ctx.table.connected_players().len() as f64,
        ),
        m(
            "connections_total",
            "counter",
            "Connections accepted.",
            load(&c.connections),
        ),
        m(
            "connections_refused_total",
            "counter",
            "Connections refused by a limit.",
            load(&c.refused),
        ),
        m(
            "logins_total",
            "counter",
            "Successful logins.",
            load(&c.logins),
        ),
        m(
            "failed_logins_total",
            "counter",
            "Failed logins.",
            load(&c.failed_logins),
        ),
        m(
            "connection_panics_total",
            "counter",
            "Connection tasks that panicked and were closed cleanly.",
            load(&c.connection_panics),
        ),
        m(
            "command_panics_total",
            "counter",
            "Commands that panicked on the game task and were answered with an error.",
            load(&c.command_panics),
        ),
        m(
            "login_limited_total",
            "counter",
            "Login-screen attempts (connect, create, WHO) refused by a rate limit.",
            load(&c.login_limited),
        ),
        m(
            "commands_total",
            "counter",
            "Commands run by connected players.",
            load(&c.commands),
        ),
        m(
            "uptime_seconds",
            "gauge",
            "Seconds since the server started.",
            (now_millis() / 1000).saturating_sub(ctx.started_at) as f64,
        ),
        m(
            "store_up",
            "gauge",
            "1 when the last store write succeeded.",
            f64::from(u8::from(wb.store_up.load(Ordering::Relaxed))),
        ),
        m(
            "writebehind_queue_depth",
            "gauge",
            "Updates waiting in the write-behind channel.",
            ctx.wb.queue_depth() as f64,
        ),
        m(
            "writebehind_dirty_keys",
            "gauge",
            "Records with changes not yet written.",
            load(&wb.dirty_keys),
        ),
        m(
            "writebehind_flushes_total",
            "counter",
            "Successful write-behind flushes.",
            load(&wb.flushes),
        ),
        m(
            "writebehind_flushes_failed_total",
            "counter",
            "Failed write-behind flushes.",
            load(&wb.flushes_failed),
        ),
        m(
            "writebehind_retries_total",
            "counter",
            "Flushes retried after a failure.",
            load(&wb.retries),
        ),
        m(
            "writebehind_items_written_total",
            "counter",
            "Fields written by flushes.",
            load(&wb.items_written),
        ),
        m(
            "writebehind_overflow_total",
            "counter",
            "Updates that found the channel full and took the overflow map.",
            load(&wb.overflowed),
        ),
        m(
            "writebehind_resyncs_total",
            "counter",
            "Full re-syncs after the store came back empty.",
            load(&wb.resyncs),
        ),
        m(
            "writebehind_flush_seconds_last",
            "gauge",
            "Duration of the last flush.",
            load(&wb.last_flush_micros) / 1e6,
        ),
        m(
            "writebehind_flush_seconds_total",
            "counter",
            "Time spent in successful flushes.",
            load(&wb.flush_micros_total) / 1e6,
        ),
        m(
            "critical_writes_total",
            "counter",
            "Critical writes (login binding, new player, ...).",
            load(&wb.critical_writes),
        ),
        m(
            "critical_write_failures_total",
            "counter",
            "Critical writes that failed or timed out.",
            load(&wb.critical_failures),
        ),
        m(
            "critical_write_seconds_total",
            "counter",
            "Time spent waiting on critical writes.",
            load(&wb.critical_micros_total) / 1e6,
        ),
    ]
}

/// Prometheus text exposition format.
pub fn render(ctx: &ServerContext) -> String {
    let mut out = String::new();
    for metric in collect(ctx) {
        out.push_str(&format!(
            "# HELP mushd_{name} {help}\n# TYPE mushd_{name} {kind}\nmushd_{name} {value}\n",
            name = metric.name,
            help = metric.help,
            kind = metric.kind,
            value = metric.value
        ));
    }
    out
}

/// Serves `GET /metrics` until shutdown.
pub async fn serve(ctx: Arc<ServerContext>, listener: TcpListener) {
    info!(addr = ?listener.local_addr().ok(), "metrics listening");
    loop {
        let (mut stream, _) = tokio::select! {
            _ = ctx.shutdown.cancelled() => return,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    warn!(error = %e, "metrics accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let read =
                tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut buf))
                    .await;
            let Ok(Ok(n)) = read else { return };
            let request = String::from_utf8_lossy(&buf[..n]);
            let first = request.lines().next().unwrap_or("");
            let response = if first.starts_with("GET /metrics ") || first == "GET /metrics" {
                let body = render(&ctx);
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string()
            };
            if let Err(e) = stream.write_all(response.as_bytes()).await {
                debug!(error = %e, "metrics write failed");
            }
            let _ = stream.shutdown().await;
        });
    }
}
