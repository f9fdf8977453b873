//! What objects carry beyond attributes, as PennMUSH has it: the default flags of new
//! objects, SAFE against @destroy, lock flags (@lset, inheritance), powers (@power) and
//! money and quota, and that all of it survives a restart on both backends.

mod common;

use common::{dbref_in, Client, Options, RedisServer, TestServer};

/// What one `think` printed.
async fn think(c: &mut Client, expr: &str) -> String {
    c.send("think --start--").await;
    c.expect("--start--").await;
    c.send(&format!("think {expr}")).await;
    c.send("think --end--").await;
    let got = c.expect("--end--").await;
    got.trim_end_matches("--end--")
        .trim_matches(['\r', '\n'])
        .to_string()
}

/// Sends a command and waits for `answer`.
async fn says(c: &mut Client, command: &str, answer: &str) -> String {
    c.send(command).await;
    c.expect(answer).await
}

#[tokio::test]
async fn defaults_safe_lock_flags_powers_and_money() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    let mut potter = server.player("Potter").await;
    says(&mut potter, "@create Vase", "Created: Object").await;
    assert_eq!(
        think(&mut potter, "[flags(Vase)] [flags(me)]").await,
        "Tn PenAc"
    );
    assert_eq!(think(&mut potter, "[locks(me)] [lock(me/enter)]").await, {
        let me = dbref_in(&think(&mut potter, "[num(me)]").await);
        format!("Basic Enter Use =#{me}")
    });
    assert_eq!(
        think(&mut potter, "[money(me)] [money(Vase)] [quota(me)]").await,
        "150 10 20"
    );

    // SAFE stops @destroy; @nuke and @destroy/override go ahead.
    says(&mut potter, "@set Vase=SAFE", "Vase - SAFE set.").await;
    says(
        &mut potter,
        "@destroy Vase",
        "That object is marked SAFE. Use @nuke to destroy it.",
    )
    .await;
    says(&mut potter, "@nuke Vase", "Vase shall be destroyed").await;
    says(&mut potter, "@create Jug", "Created: Object").await;
    says(&mut potter, "@set Jug=SAFE", "Jug - SAFE set.").await;
    says(
        &mut potter,
        "@destroy/override Jug",
        "Jug shall be destroyed",
    )
    .await;

    // Lock flags.
    says(&mut potter, "@create Urn", "Created: Object").await;
    says(&mut potter, "@lset Urn=visual", "No lock name given.").await;
    says(&mut potter, "@lset Urn/Basic=visual", "No such lock.").await;
    says(&mut potter, "@lock Urn=me", "Urn(#").await;
    says(
        &mut potter,
        "@lset Urn/Basic=bogus",
        "Unrecognized lock flag.",
    )
    .await;
    says(
        &mut potter,
        "@lset Urn/Basic=wizard",
        "Unrecognized lock flag.",
    )
    .await;
    says(
        &mut potter,
        "@lset Urn/Basic=v",
        "Urn/Basic - lock flags set.",
    )
    .await;
    assert_eq!(think(&mut potter, "[lockflags(Urn)]").await, "vi");
    says(
        &mut potter,
        "@lset Urn/Basic=!no_inherit",
        "Urn/Basic - lock flags unset.",
    )
    .await;
    // A child now inherits the lock; a no_inherit one it would not.
    says(&mut potter, "@create Small Urn", "Created: Object").await;
    says(&mut potter, "@parent Small Urn=Urn", "Parent changed.").await;
    assert_eq!(
        think(&mut potter, "[lock(Small Urn)] [llockflags(Small Urn)]").await,
        format!("{} visual", think(&mut potter, "[lock(Urn)]").await)
    );
    says(&mut potter, "@unlock Urn", "Basic unlocked.").await;
    assert_eq!(think(&mut potter, "[locks(Urn)]").await, "");

    // Powers: wizards grant them; See_All reads what the player does not control.
    says(&mut potter, "@power me=See_All", "Permission denied.").await;
    says(
        &mut god,
        "@power *Potter=See_All",
        "Potter - See_All granted.",
    )
    .await;
    says(
        &mut god,
        "@power *Potter=see_all",
        "Potter - See_All (already) granted.",
    )
    .await;
    says(
        &mut god,
        "@power *Potter=Nope",
        "Nope - I don't recognize that power.",
    )
    .await;
    assert_eq!(
        think(
            &mut potter,
            "[powers(me)] [haspower(me,see_all)] [visible(me,#1)]"
        )
        .await,
        "See_All 1 1"
    );
    says(
        &mut god,
        "@power *Potter=!See_All",
        "Potter - See_All removed.",
    )
    .await;
    assert_eq!(think(&mut potter, "[visible(me,#1)]").await, "0");
}

async fn privileges_survive_restart(opts: Options) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut god = server.god().await;
    let mut potter = server.player("Potter").await;
    says(&mut potter, "@create Kiln", "Created: Object").await;
    says(&mut potter, "@set Kiln=SAFE", "Kiln - SAFE set.").await;
    says(&mut potter, "@lock Kiln=me", "Basic locked.").await;
    says(&mut potter, "@lset Kiln/Basic=visual", "lock flags set.").await;
    says(
        &mut god,
        "@power *Potter=Builder",
        "Potter - Builder granted.",
    )
    .await;
    potter.sync().await;
    god.sync().await;
    assert!(server.terminate().await.success());

    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut potter = server.client().await;
    potter.expect("Welcome").await;
    potter.send("connect Potter pw-Potter").await;
    potter.expect("Room Zero").await;
    assert_eq!(
        think(
            &mut potter,
            "[flags(Kiln)] [lockflags(Kiln)] [powers(me)] [money(me)] [money(Kiln)]"
        )
        .await,
        "TXn vi Builder 150 10"
    );
}

#[tokio::test]
async fn privileges_survive_restart_embedded() {
    privileges_survive_restart(Options::default()).await;
}

#[tokio::test]
async fn privileges_survive_restart_redis() {
    let redis = RedisServer::start();
    privileges_survive_restart(Options::redis(redis.port)).await;
}
