//! The load tool against a real mushd at small scale: every scenario runs, and the
//! chat scenarios assert that every message reached every listener (not how fast).

mod common;

use std::process::Command;

use common::{Options, TestServer, GOD_PASSWORD};

fn load(addr: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mushd-load"))
        .arg("--addr")
        .arg(addr)
        .args(["--deadline-secs", "120", "--json"])
        .args(args)
        .output()
        .expect("run mushd-load");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A figure from the JSON report, as text.
fn figure<'a>(json: &'a str, name: &str) -> &'a str {
    let key = format!("\"{name}\":");
    let start = json
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {json}"))
        + key.len();
    let rest = &json[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    &rest[..end]
}

fn server_opts() -> Options {
    Options::limits("failed_logins_per_ip_per_minute = 100000")
}

#[tokio::test]
async fn chat_delivers_every_message_to_every_listener() {
    let server = TestServer::start_opts(&server_opts()).await;
    let (ok, out, err) = load(
        &server.addr,
        &[
            "--scenario",
            "chat",
            "--clients",
            "30",
            "--interval-ms",
            "200",
            "--warmup-secs",
            "1",
            "--duration-secs",
            "3",
            "--expect-all",
        ],
    );
    assert!(ok, "{out}\n{err}");
    assert_eq!(
        figure(&out, "deliveries"),
        figure(&out, "deliveries_expected"),
        "{out}"
    );
    assert!(
        figure(&out, "messages_sent")
            .parse::<u64>()
            .expect("number")
            >= 30 * 10,
        "{out}"
    );
    assert_eq!(figure(&out, "connections_lost"), "0");
    assert!(out.contains("\"p99_ms\""), "{out}");
}

#[tokio::test]
async fn idle_reports_server_memory() {
    let server = TestServer::start_opts(&server_opts()).await;
    let pid = server.child.id().expect("pid").to_string();
    let (ok, out, err) = load(
        &server.addr,
        &[
            "--scenario",
            "idle",
            "--clients",
            "50",
            "--duration-secs",
            "1",
            "--server-pid",
            &pid,
        ],
    );
    assert!(ok, "{out}\n{err}");
    assert_eq!(figure(&out, "connections_held"), "50", "{out}");
    assert!(out.contains("server_kib_per_connection"), "{out}");
}

#[tokio::test]
async fn churn_logs_in_and_out_repeatedly() {
    let server = TestServer::start_opts(&server_opts()).await;
    let (ok, out, err) = load(
        &server.addr,
        &[
            "--scenario",
            "churn",
            "--churn-workers",
            "2",
            "--warmup-secs",
            "0",
            "--duration-secs",
            "2",
        ],
    );
    assert!(ok, "{out}\n{err}");
    assert!(
        figure(&out, "logins").parse::<u64>().expect("number") > 2,
        "{out}"
    );
    assert_eq!(figure(&out, "failures"), "0", "{out}");
}

#[tokio::test]
async fn a_failed_login_prints_what_the_server_answered() {
    let server = TestServer::start_opts(&server_opts()).await;
    let (ok, _out, err) = load(
        &server.addr,
        &[
            "--scenario",
            "chat",
            "--clients",
            "1",
            "--create",
            "nonsense {name}",
            "--connect",
            "nonsense {name}",
            "--login-timeout-secs",
            "2",
            "--duration-secs",
            "1",
        ],
    );
    assert!(!ok);
    assert!(err.contains("login failed"), "{err}");
    assert!(err.contains("That is not a login command"), "{err}");
}

#[tokio::test]
async fn the_tool_stops_by_itself_at_its_message_bound() {
    let server = TestServer::start_opts(&server_opts()).await;
    let (ok, out, err) = load(
        &server.addr,
        &[
            "--scenario",
            "chat",
            "--clients",
            "5",
            "--interval-ms",
            "50",
            "--warmup-secs",
            "0",
            "--duration-secs",
            "3",
            "--max-messages",
            "20",
        ],
    );
    assert!(ok, "{out}\n{err}");
    assert_eq!(figure(&out, "messages_sent"), "20", "{out}");
    let _ = GOD_PASSWORD;
}

#[tokio::test]
async fn chat_across_rooms_delivers_only_within_each_room() {
    let server = TestServer::start_opts(&server_opts()).await;
    let wizard = format!("One:{GOD_PASSWORD}");
    let (ok, out, err) = load(
        &server.addr,
        &[
            "--scenario",
            "chat",
            "--clients",
            "30",
            "--rooms",
            "3",
            "--interval-ms",
            "200",
            "--warmup-secs",
            "1",
            "--duration-secs",
            "2",
            "--wizard",
            &wizard,
            "--setup-cmd",
            "@dig Room {room}",
            "--room-offset",
            "2",
            "--room-cmd",
            "@tel {name}=#{room}",
            "--move-by-wizard",
            "--expect-all",
        ],
    );
    assert!(ok, "{out}\n{err}");
    // Each message reaches the 10 clients of its room, not all 30.
    let sent: u64 = figure(&out, "messages_sent").parse().expect("number");
    assert_eq!(figure(&out, "deliveries"), (sent * 10).to_string(), "{out}");
    // A wizard used for setup never reboots the server in a plain chat run.
    assert!(!server.logs().contains("hot reboot"), "{}", server.logs());
}
