//! A redis-server for a bench: MUSHD_BENCH_REDIS_URL if set, else one of our own on a
//! free loopback port, killed when dropped.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Our redis-server, killed when dropped.
pub struct OwnRedis(Child);

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The URL to use, and the server to keep alive while it is used.
pub fn redis_url() -> (String, Option<OwnRedis>) {
    if let Ok(url) = std::env::var("MUSHD_BENCH_REDIS_URL") {
        return (url, None);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server is needed for this bench (scripts/test.sh installs it)");
    let guard = OwnRedis(child);
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    (format!("redis://127.0.0.1:{port}"), Some(guard))
}
