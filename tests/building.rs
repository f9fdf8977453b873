//! The first building commands: @dig and @teleport, with permissions and persistence.

mod common;

use common::{Options, TestServer};

#[tokio::test]
async fn dig_teleport_and_restart() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut a = server.player("Builder").await;
    let mut b = server.player("Watcher").await;
    a.send("@dig Garden").await;
    a.expect("Garden created with room number #4.").await;
    a.send("@tel me=#4").await;
    b.expect("Builder has left.").await;
    let view = a.expect("Garden").await;
    assert!(!view.contains("Permission"), "{view}");
    a.send("say among the roses").await;
    a.expect("You say, \"among the roses\"").await;
    // Others in Room Zero do not hear it.
    b.send("say anyone?").await;
    b.expect("You say, \"anyone?\"").await;
    assert!(!b.text.contains("among the roses"));

    // Players may not move others, nor into rooms they do not own.
    b.send("@tel Builder=#0").await;
    b.expect("Permission denied.").await;
    b.send("@tel me=#4").await;
    b.expect("Permission denied.").await;
    b.send("@tel me=#2").await;
    b.expect("You can only teleport into a room.").await;
    let mut god = server.god().await;
    god.send("@tel Watcher=#4").await;
    b.expect("Garden").await;
    a.expect("Watcher has arrived.").await;

    let status = server.terminate().await;
    assert!(status.success());
    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut a = server.client().await;
    a.expect("Welcome").await;
    a.send("connect Builder pw-Builder").await;
    a.expect("Garden(#4R)").await;
}
