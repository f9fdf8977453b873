//! A connection task that panics (there should be none, but) is closed as a drop would
//! be: its row leaves the session table, its store record goes, its output queue is
//! closed (so the writer shuts the socket) and the panic is counted. Run in process on
//! the real server, so the clean-up path is the one the accept loop uses.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use mushd::config::Config;
use mushd::session::connection::supervise;
use mushd::session::{Outbound, Part, Session};
use mushd::store::{Key, KeyKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_connection_task_is_cleaned_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = common::base_config(dir.path(), &common::Options::default());
    let config = Config::parse(&text, std::path::Path::new("test.toml")).expect("config");
    let server = mushd::server::start(config).await.expect("start");
    let ctx = server.ctx.clone();

    let handle = 4_000_000_001;
    let out = Arc::new(Outbound::new(4096));
    let peer = "127.0.0.9:5555".parse().expect("addr");
    ctx.table.insert(Session::new(handle, peer, out.clone()));
    ctx.save_session(handle, &Part::ALL);
    ctx.wb.critical(vec![]).await.expect("record written");
    let stored = |records: &[(Key, _)]| records.iter().any(|(k, _)| *k == Key::Conn(handle));
    assert!(stored(&ctx.store.load(KeyKind::Conn).await.expect("load")));

    supervise(ctx.clone(), handle, async {
        panic!("a bug in a connection task")
    })
    .await;

    assert!(ctx.table.with(handle, |_| ()).is_none(), "the row is gone");
    assert!(out.close_reason().is_some(), "the output queue is closed");
    assert_eq!(ctx.counters.connection_panics.load(Ordering::Relaxed), 1);
    assert!(!stored(&ctx.store.load(KeyKind::Conn).await.expect("load")));

    // A task that ends normally is left alone.
    supervise(ctx.clone(), handle, async {}).await;
    assert_eq!(ctx.counters.connection_panics.load(Ordering::Relaxed), 1);

    server.request_shutdown().await;
    server.wait().await.expect("clean shutdown");
}
