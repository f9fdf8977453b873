//! Channels over telnet: who hears what, gags, locks, recall across a restart and a
//! hot reboot, on both store backends.

mod common;

use common::{Client, Options, RedisServer, TestServer};

/// Whatever `c` was sent up to a round trip, which runs after everything before it.
async fn heard(c: &mut Client) -> String {
    c.sync().await
}

#[tokio::test]
async fn members_hear_the_channel_and_others_do_not() {
    let server = TestServer::start().await;
    let mut ann = server.player("Ann").await;
    let mut bob = server.player("Bob").await;
    let mut carl = server.player("Carl").await;
    ann.send("@channel/on Public").await;
    ann.expect_line("CHAT: You join channel <Public>.").await;
    ann.expect_line("<Public> Ann has joined this channel.")
        .await;
    bob.send("@channel/join pub").await;
    bob.expect_line("<Public> Bob has joined this channel.")
        .await;
    ann.expect_line("<Public> Bob has joined this channel.")
        .await;

    ann.send("+pub hello").await;
    ann.expect_line("<Public> Ann says, \"hello\"").await;
    bob.expect_line("<Public> Ann says, \"hello\"").await;
    bob.send("+p :waves.").await;
    ann.expect_line("<Public> Bob waves.").await;
    bob.send("@chat Public=;'s hat falls.").await;
    ann.expect_line("<Public> Bob's hat falls.").await;
    let carl_heard = heard(&mut carl).await;
    assert!(!carl_heard.contains("<Public>"), "{carl_heard}");

    // Carl is not on Admin and cannot see it; +adm is no channel of his: Huh?
    carl.send("+adm hi").await;
    carl.expect_line("Huh?").await;
    carl.send("@channel/on Admin").await;
    carl.expect_line("CHAT: I don't recognize that channel.")
        .await;

    // Titles, who, gag.
    ann.send("@channel/title Public=The Great").await;
    ann.expect_line("CHAT: Title set on channel <Public>.")
        .await;
    ann.send("+pub hi").await;
    bob.expect_line("<Public> The Great Ann says, \"hi\"").await;
    carl.send("@channel/who Public").await;
    carl.expect_line("Ann, Bob").await;
    bob.send("@channel/gag Public").await;
    bob.expect_line("CHAT: You will no longer hear messages on channel <Public>.")
        .await;
    ann.send("+pub anyone?").await;
    ann.expect_line("anyone?").await;
    let bob_heard = heard(&mut bob).await;
    assert!(!bob_heard.contains("anyone?"), "{bob_heard}");
    bob.send("@channel/ungag Public").await;
    bob.expect_line("CHAT: You will now hear messages on channel <Public>.")
        .await;

    // Leaving: the others are told; the leaver hears no more.
    bob.send("@channel/off Public").await;
    bob.expect_line("CHAT: You leave channel <Public>.").await;
    ann.expect_line("<Public> Bob has left this channel.").await;
    ann.send("+pub bye").await;
    ann.expect_line("bye").await;
    let bob_heard = heard(&mut bob).await;
    assert!(!bob_heard.contains("bye"), "{bob_heard}");
    // Public is open: a non-member may still speak on it.
    carl.send("@chat pub=from outside").await;
    ann.expect_line("<Public> Carl says, \"from outside\"")
        .await;

    // Functions.
    ann.send("think [channels(me)]|[cstatus(Public,me)]|[ctitle(Public,me)]|[cusers(Public)]")
        .await;
    ann.expect_line("Public|On|The Great|1").await;
}

#[tokio::test]
async fn a_speak_lock_refuses_and_owners_manage_their_channels() {
    let server = TestServer::start().await;
    let mut ann = server.player("Ann").await;
    let mut bob = server.player("Bob").await;
    ann.send("@channel/add Books").await;
    ann.expect_line("CHAT: Channel <Books> created.").await;
    ann.send("@channel/on Books").await;
    ann.expect_line("<Books> Ann has joined this channel.")
        .await;
    bob.send("@channel/on Books").await;
    bob.expect_line("<Books> Bob has joined this channel.")
        .await;
    ann.send("@clock/speak Books=Ann").await;
    ann.expect_line("CHAT: Speaklock on <Books> set.").await;
    bob.send("+books may I?").await;
    bob.expect_line("CHAT: You do not have permission to speak on <Books>.")
        .await;
    ann.send("+books only me").await;
    bob.expect_line("<Books> Ann says, \"only me\"").await;
    // Bob may not change Ann's channel.
    bob.send("@channel/describe Books=mine").await;
    bob.expect_line("CHAT: Permission denied.").await;
    ann.send("@channel/describe Books=About books").await;
    ann.expect_line("CHAT: Channel <Books> description set.")
        .await;
    ann.send("@clock/speak Books").await;
    ann.expect_line("CHAT: Speaklock on <Books> reset.").await;
    bob.send("+books now?").await;
    ann.expect_line("<Books> Bob says, \"now?\"").await;
    ann.send("@channel/rename Books=Novels").await;
    ann.expect_line("CHAT: Channel <Books> renamed to <Novels>.")
        .await;
    bob.send("+nov renamed").await;
    ann.expect_line("<Novels> Bob says, \"renamed\"").await;
    ann.send("@cemit/noisy Novels=An announcement").await;
    bob.expect_line("<Novels> An announcement").await;
    ann.send("@channel/list").await;
    ann.expect_line("Novels").await;
    ann.send("@channel/delete Novels").await;
    ann.expect_line("CHAT: Channel <Novels> destroyed.").await;
    bob.send("+nov gone").await;
    bob.expect_line("Huh?").await;
}

/// Channel settings, members and recall survive a restart and a hot reboot.
async fn recall_survives(opts: Options) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut ann = server.player("Ann").await;
    ann.send("@channel/add Tales").await;
    ann.expect_line("created").await;
    ann.send("@channel/buffer Tales=3").await;
    ann.expect_line("CHAT: Buffering enabled on channel <Tales>.")
        .await;
    ann.send("@channel/on Tales").await;
    ann.expect_line("has joined").await;
    ann.send("@channel/title Tales=Bard").await;
    ann.expect_line("Title set").await;
    for n in 1..=4 {
        ann.send(&format!("+tales line {n}")).await;
        ann.expect_line(&format!("line {n}")).await;
    }
    ann.sync().await;
    server.terminate().await;

    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut ann = server.client().await;
    ann.expect("Welcome").await;
    ann.send("connect Ann pw-Ann").await;
    ann.expect("Room Zero").await;
    ann.send("@channel/recall Tales").await;
    ann.expect_line("CHAT: Recall from channel <Tales>").await;
    let recalled = ann.expect("CHAT: End recall").await;
    assert!(
        !recalled.contains("line 1"),
        "only 3 lines kept: {recalled}"
    );
    for n in 2..=4 {
        assert!(
            recalled.contains(&format!("<Tales> Bard Ann says, \"line {n}\"")),
            "{recalled}"
        );
    }
    ann.send("+tales after restart").await;
    ann.expect_line("<Tales> Bard Ann says, \"after restart\"")
        .await;

    let mut god = server.god().await;
    god.send("@reboot").await;
    god.expect("GAME: Reboot finished.").await;
    ann.expect("GAME: Reboot finished.").await;
    ann.send("think [crecall(Tales,2,,|)]").await;
    ann.expect_line("<Tales> Bard Ann says, \"line 4\"|<Tales> Bard Ann says, \"after restart\"")
        .await;
    ann.send("+tales after reboot").await;
    ann.expect_line("after reboot").await;
}

#[tokio::test]
async fn recall_survives_restart_and_reboot_with_embedded_store() {
    recall_survives(Options::default()).await;
}

#[tokio::test]
async fn recall_survives_restart_and_reboot_with_redis_store() {
    let redis = RedisServer::start();
    recall_survives(Options::redis(redis.port)).await;
    let def = redis.hgetall("mushd:chan:tales");
    assert_eq!(
        def.get("name").map(String::as_str),
        Some("Tales"),
        "{def:?}"
    );
    assert_eq!(redis.hgetall("mushd:chanrecall:tales").len(), 3);
}

#[tokio::test]
async fn members_hear_connections_unless_muted() {
    let server = TestServer::start().await;
    let mut ann = server.player("Ann").await;
    let mut bob = server.player("Bob").await;
    for c in [&mut ann, &mut bob] {
        c.send("@channel/on Public").await;
        c.expect_line("CHAT: You join channel <Public>.").await;
    }
    bob.send("QUIT").await;
    bob.expect_closed().await;
    ann.expect_line("<Public> Bob has disconnected.").await;
    let mut bob = server.client().await;
    bob.expect("Welcome").await;
    bob.send("connect Bob pw-Bob").await;
    ann.expect_line("<Public> Bob has connected.").await;
    ann.send("@channel/mute Public").await;
    ann.expect_line("CHAT: You will no longer hear connection messages on channel <Public>.")
        .await;
    bob.send("QUIT").await;
    bob.expect_closed().await;
    let ann_heard = heard(&mut ann).await;
    assert!(
        !ann_heard.contains("<Public> Bob has disconnected"),
        "{ann_heard}"
    );
}
