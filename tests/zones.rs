//! Zones: `@chzone` with PennMUSH's checks and messages, zone() setting through it, the
//! zone kept by both stores across a restart, and new objects built in their maker's
//! zone.

mod common;

use common::{dbref_in, eventually, Options, RedisServer, TestServer};

#[tokio::test]
async fn chzone_checks_messages_and_survives_a_restart() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut god = server.god().await;
    god.send("@create Zmo").await;
    let zmo = dbref_in(&god.expect_line("Created:").await);
    god.send("@create Widget").await;
    let widget = dbref_in(&god.expect_line("Created:").await);

    god.send("@chzone Widget=Zmo").await;
    god.expect(&format!(
        "Unlocked zone Zmo(#{zmo}n) - automatically zone-locking to itself"
    ))
    .await;
    god.expect("Warning: @chzoning admin-owned object!").await;
    god.expect("Zone changed.").await;
    god.send("@chzone Widget=Zmo").await;
    god.expect("That object is already in that zone.").await;
    god.send("@chzone Zmo=Widget").await;
    god.expect("You can't make circular zones!").await;
    god.send(&format!("think [zone(Widget)] [lsearch(all,zone,#{zmo})]"))
        .await;
    god.expect(&format!("#{zmo} #{widget}")).await;

    // A mortal may not put their things in a zone they neither control nor pass the
    // chzone lock of.
    let mut mortal = server.player("Mort").await;
    mortal.send("@create Trinket").await;
    mortal.expect("Created:").await;
    mortal.send(&format!("@chzone Trinket=#{zmo}")).await;
    mortal
        .expect("You cannot move that object to that zone.")
        .await;

    let status = server.terminate().await;
    assert!(status.success());
    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut god = server.god().await;
    god.send(&format!("think zone(#{widget})")).await;
    god.expect(&format!("#{zmo}")).await;
    // zone() with a zone to set speaks as @chzone and answers the zone afterwards.
    god.send(&format!("think zone(#{widget},none)")).await;
    god.expect("Zone changed.").await;
    god.expect("#-1").await;
}

#[tokio::test]
async fn zoned_builders_build_in_their_zone_and_redis_keeps_it() {
    let redis = RedisServer::start();
    let server = TestServer::start_opts(&Options::redis(redis.port)).await;
    let mut god = server.god().await;
    god.send("@create Zmo").await;
    let zmo = dbref_in(&god.expect_line("Created:").await);
    god.send("@chzone me=Zmo").await;
    god.expect("Zone changed.").await;
    god.send("@create Made").await;
    let made = dbref_in(&god.expect_line("Created:").await);
    god.send(&format!("think zone(#{made})")).await;
    god.expect(&format!("#{zmo}")).await;
    let key = format!("mushd:obj:#{made}");
    let want = format!("#{zmo}");
    eventually("the zone is written to redis", || {
        redis.hgetall(&key).get("zone") == Some(&want)
    })
    .await;
}
