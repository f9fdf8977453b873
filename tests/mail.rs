//! @mail over telnet: sending, listing, reading, clearing and purging, drafting, and the
//! login count after a restart, on the embedded store and on Redis.

mod common;

use common::{Options, RedisServer, TestServer};

async fn login(server: &TestServer, name: &str) -> common::Client {
    let mut c = server.client().await;
    c.expect("Welcome").await;
    c.send(&format!("connect {name} pw-{name}")).await;
    c
}

#[tokio::test]
async fn mail_is_sent_listed_read_cleared_and_purged() {
    let server = TestServer::start().await;
    let mut ann = server.player("Ann").await;
    let mut bob = server.player("Bob").await;
    ann.sync().await;
    bob.sync().await;
    ann.send("@mail Bob=Greetings/Hello [add(1,2)] times.")
        .await;
    ann.expect_line("MAIL: You sent your message to Bob.").await;
    bob.expect_line("MAIL: You have a new message (1) from Ann.")
        .await;
    ann.send("@mail bob=Second/Another one.").await;
    ann.expect_line("MAIL: You sent your message to Bob.").await;
    bob.expect_line("MAIL: You have a new message (2) from Ann.")
        .await;
    bob.send("@mail").await;
    bob.expect_line("MAIL (folder  0)").await;
    let line = bob.expect_line("0:1").await;
    assert!(line.starts_with("[N----]"), "{line}");
    assert!(
        line.contains("*Ann") && line.contains("Greetings"),
        "{line}"
    );
    bob.expect_line("0:2").await;
    bob.send("@mail 1").await;
    bob.expect_line("From: Ann").await;
    bob.expect_line("Subject: Greetings").await;
    bob.expect_line("Hello 3 times.").await;
    bob.send("@mail/list").await;
    let line = bob.expect_line("0:1").await;
    assert!(line.starts_with("[-----]"), "read now: {line}");
    bob.send("@mail/tag 2").await;
    bob.expect_line("MAIL: Msg #0:2 tagged.").await;
    bob.send("@mail/clear 1").await;
    bob.expect_line("MAIL: Msg #0:1 cleared.").await;
    bob.send("@mail/folder").await;
    bob.expect_line("MAIL: 2 messages in folder 0 [INBOX] (1 unread, 1 cleared).")
        .await;
    bob.send("@mail/unclear 1").await;
    bob.expect_line("MAIL: Msg #0:1 uncleared.").await;
    bob.send("@mail/clear 1").await;
    bob.expect_line("cleared.").await;
    bob.send("@mail/purge").await;
    bob.expect_line("MAIL: Mailbox purged.").await;
    bob.send("@mail").await;
    let line = bob.expect_line("0:1").await;
    assert!(line.contains("Second"), "{line}");
    bob.send("@mail/reply 1=Thanks!").await;
    bob.expect_line("MAIL: You sent your message to Ann.").await;
    ann.expect_line("MAIL: You have a new message (1) from Bob.")
        .await;
    ann.send("@mail 1").await;
    ann.expect_line("Subject: Re: Second").await;
    ann.send("@mail/fwd 1=Bob").await;
    ann.expect_line("MAIL: You sent your message to Bob.").await;
    bob.send("@mail/stats").await;
    bob.expect_line("Bob sent 1 messages.").await;
    bob.expect_line("Bob has 2 messages.").await;
    bob.send("@mail/stats Ann").await;
    bob.expect_line("Permission denied.").await;
    bob.send("@mail/file 1=3").await;
    bob.expect_line("MAIL: Msg 0:1 filed in folder 3 []").await;
    bob.send("@mail/folder 3=Old").await;
    bob.expect_line("MAIL: Folder 3 now named 'Old'").await;
    bob.send("@mail/folder Old").await;
    bob.expect_line("MAIL: Current folder set to 3 [Old].")
        .await;
    bob.send("@mail 1").await;
    bob.expect_line("Subject: Second").await;
    bob.send("@mail 9").await;
    bob.expect_line("MAIL: You don't have that many matching messages!")
        .await;
    bob.send("@mail Nobody=x/y").await;
    bob.expect_line("MAIL: You cannot send mail to non-existent people.")
        .await;
}

#[tokio::test]
async fn drafts_are_written_line_by_line() {
    let server = TestServer::start().await;
    let mut ann = server.player("Ann").await;
    let mut bob = server.player("Bob").await;
    ann.sync().await;
    bob.sync().await;
    ann.send("- nothing yet").await;
    ann.expect_line("Huh?").await;
    ann.send("@mail/draft Bob=Plans").await;
    ann.expect_line("MAIL: You are sending mail to Bob.").await;
    ann.send("- the middle").await;
    ann.expect_line("Text added.").await;
    ann.send("~ The start,").await;
    ann.expect_line("Text added.").await;
    ann.send("-and the end.").await;
    ann.expect_line("Text added.").await;
    ann.send("@mail/send").await;
    ann.expect_line("MAIL: You sent your message to Bob.").await;
    bob.send("@mail 1").await;
    bob.expect_line("The start, the middle and the end.").await;
    bob.send("think [mail()] [mailsubject(1)] [name(mailfrom(1))] [mailstatus(1)] [folderstats()] [mailstats(me)]").await;
    bob.expect_line("1 Plans Ann ----- 1 0 0 0 1").await;
    ann.send("think mailsend(Bob,Hi/There)").await;
    bob.expect_line("MAIL: You have a new message (2) from Ann.")
        .await;
    bob.send("think [mail(2)] [mail(me)] [mail(Ann)]").await;
    bob.expect_line("There 1 1 0 #-1 PERMISSION DENIED").await;
    ann.send("@mail/draft Bob=Never").await;
    ann.expect_line("sending mail").await;
    ann.send("@mail/abort").await;
    ann.expect_line("MAIL: Message aborted.").await;
    ann.send("@mail/send").await;
    ann.expect_line("MAIL: No mail in progress.").await;
}

#[tokio::test]
async fn a_full_mailbox_refuses_mail() {
    let opts = Options {
        game: "mailbox_limit = 1\n".into(),
        ..Options::default()
    };
    let server = TestServer::start_opts(&opts).await;
    let mut ann = server.player("Ann").await;
    let _bob = server.player("Bob").await;
    ann.sync().await;
    ann.send("@mail Bob=One/first").await;
    ann.expect_line("MAIL: You sent your message to Bob.").await;
    ann.send("@mail Bob=Two/second").await;
    ann.expect_line("MAIL: Bob's mailbox is full. Can't send.")
        .await;
    ann.send("think mailsend(Bob,Three/third)").await;
    ann.expect_line("MAIL: Bob's mailbox is full. Can't send.")
        .await;
}

#[tokio::test]
async fn cleared_mail_goes_at_logout() {
    let opts = Options {
        game: "mailbox_limit = 5\n".into(),
        ..Options::default()
    };
    let server = TestServer::start_opts(&opts).await;
    let mut ann = server.player("Ann").await;
    let mut bob = server.player("Bob").await;
    bob.sync().await;
    ann.send("@mail Bob=Keep/this").await;
    ann.expect_line("MAIL: You sent your message to Bob.").await;
    ann.send("@mail Bob=Drop/that").await;
    ann.expect_line("MAIL: You sent your message to Bob.").await;
    bob.send("@mail/clear 2").await;
    bob.expect_line("MAIL: Msg #0:2 cleared.").await;
    bob.send("QUIT").await;
    bob.expect_closed().await;
    let mut bob = login(&server, "Bob").await;
    bob.expect_line("MAIL: 1 messages in folder 0 [INBOX] (1 unread, 0 cleared).")
        .await;
    bob.expect_line("MAIL: Warning! Limit on inbox messages")
        .await;
}

/// Mail sent before a restart is counted at the next login.
async fn survives_restart(opts: Options) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut ann = server.player("Ann").await;
    let mut bob = server.player("Bob").await;
    bob.sync().await;
    ann.send("@mail Bob=A/one").await;
    ann.expect_line("MAIL: You sent your message to Bob.").await;
    ann.send("@mail Bob=B/two").await;
    ann.expect_line("MAIL: You sent your message to Bob.").await;
    ann.send("@mail Bob=C/three").await;
    ann.expect_line("MAIL: You sent your message to Bob.").await;
    // SIGKILL: sent mail is answered only once stored, so all of it survives.
    server.kill().await;
    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut bob = login(&server, "Bob").await;
    bob.expect_line("MAIL: 3 messages in folder 0 [INBOX] (3 unread, 0 cleared).")
        .await;
    bob.send("@mail 1").await;
    bob.expect_line("one").await;
    bob.send("@mail/clear 2").await;
    bob.expect_line("cleared.").await;
    bob.sync().await;
    server.terminate().await;
    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut bob = login(&server, "Bob").await;
    bob.expect_line("MAIL: 3 messages in folder 0 [INBOX] (1 unread, 1 cleared).")
        .await;
    let mut ann = login(&server, "Ann").await;
    ann.expect_line("MAIL: You have no mail.").await;
}

#[tokio::test]
async fn the_unread_count_survives_a_restart() {
    survives_restart(Options::default()).await;
}

#[tokio::test]
async fn mail_is_kept_on_redis() {
    let redis = RedisServer::start();
    survives_restart(Options::redis(redis.port)).await;
    let members = redis.cli(&["SMEMBERS", "mushd:mails"]);
    assert!(members.contains('#'), "mailbox index: {members}");
}

#[tokio::test]
async fn mail_survives_a_hot_reboot() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    let mut bob = server.player("Bob").await;
    bob.sync().await;
    god.send("@mail Bob=Before/the reboot").await;
    god.expect_line("MAIL: You sent your message to Bob.").await;
    god.send("@reboot").await;
    bob.expect("GAME: Reboot finished.").await;
    bob.send("@mail 1").await;
    bob.expect_line("Subject: Before").await;
    bob.expect_line("the reboot").await;
}
