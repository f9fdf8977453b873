//! Players in softcode: pcreate()/checkpass() hashing inside evaluation within their
//! bounds, the login attributes PennMUSH keeps (LAST, LASTSITE, LASTIP, LASTFAILED),
//! `%c`, and tree attributes making their missing branches.

mod common;

use common::TestServer;

/// Sends `think <expr>` wrapped in markers and returns exactly what came between them.
async fn think(c: &mut common::Client, expr: &str) -> String {
    c.send("think --start-of-think--").await;
    c.expect("--start-of-think--").await;
    c.send(&format!("think {expr}")).await;
    c.send("think --end-of-think--").await;
    let got = c.expect("--end-of-think--").await;
    got.trim_end_matches("--end-of-think--")
        .trim_end_matches(['\r', '\n'])
        .trim_start_matches(['\r', '\n'])
        .replace("\r\n", "\n")
}

#[tokio::test]
async fn pcreate_and_checkpass_hash_within_their_bounds() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    god.sync().await;
    assert_eq!(
        think(&mut god, "pcreate(Carol,secret)").await,
        "New player 'Carol' (#2) created with password 'secret'\n#2"
    );
    assert_eq!(
        think(&mut god, "pcreate(Carol,other)").await,
        "Failure creating 'Carol' (name in use)\n#-1"
    );
    assert_eq!(
        think(&mut god, "pcreate(Dave,two words)").await,
        "Failure creating 'Dave' (bad password)\n#-1"
    );
    assert_eq!(
        think(
            &mut god,
            "[checkpass(*Carol,secret)][checkpass(*Carol,wrong)]"
        )
        .await,
        "10"
    );
    // One evaluation hashes at most twice: the third is refused, not run.
    assert_eq!(
        think(
            &mut god,
            "[checkpass(*Carol,a)] [checkpass(*Carol,b)] [checkpass(*Carol,secret)]"
        )
        .await,
        "0 0 #-1 TOO MANY PASSWORD HASHES; TRY AGAIN LATER"
    );
    // The new player can log in with the password pcreate() hashed.
    let mut carol = server.client().await;
    carol.expect("Welcome").await;
    carol.send("connect Carol secret").await;
    carol.expect("Room Zero").await;
    // Mortals may do neither.
    let mut mortal = server.player("Mort").await;
    mortal.sync().await;
    assert_eq!(
        think(&mut mortal, "pcreate(Eve,pw)").await,
        "#-1 PERMISSION DENIED"
    );
}

#[tokio::test]
async fn logins_stamp_attributes_only_wizards_change() {
    let server = TestServer::start().await;
    let mut mortal = server.player("Mort").await;
    mortal.sync().await;
    assert_eq!(
        think(&mut mortal, "lattr(me)").await,
        "LAST LASTFAILED LASTIP LASTSITE"
    );
    assert_eq!(
        think(&mut mortal, "[get(me/LASTIP)]|[get(me/LASTSITE)]").await,
        "127.0.0.1|127.0.0.1"
    );
    mortal.send("&LASTSITE me=elsewhere").await;
    mortal
        .expect("That attribute cannot be changed by you.")
        .await;
    assert_eq!(think(&mut mortal, "get(me/LASTSITE)").await, "127.0.0.1");
    // %c is the command as typed.
    assert_eq!(think(&mut mortal, "%c").await, "think %c");
}

#[tokio::test]
async fn setting_a_leaf_makes_its_missing_branches() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    god.send("@create Thing").await;
    god.expect("Created:").await;
    god.send("&A`B`C Thing=leaf").await;
    god.expect("Thing/A`B`C - Set.").await;
    assert_eq!(
        think(&mut god, "[lattr(Thing/**)]|[get(Thing/A)]|[nattr(Thing)]").await,
        "A A`B A`B`C||3"
    );
}
