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
    a.expect("Garden created with room number 4.").await;
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
    b.expect("I can't see that here.").await;
    b.send("@tel *Builder=#0").await;
    b.expect("Permission denied.").await;
    b.send("@tel me=#4").await;
    b.expect("Permission denied.").await;
    b.send("@tel me=#2").await;
    b.expect("You can only teleport into a room or a thing.")
        .await;
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
    a.expect("Garden(#4Rn)").await;
}

#[tokio::test]
async fn flags_descriptions_and_their_permissions() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut a = server.player("Owner").await;
    let mut b = server.player("Visitor").await;
    let mut god = server.god().await;
    a.send("@dig Parlour").await;
    a.expect("Parlour created with room number 4.").await;

    // Not JUMP_OK: others may not teleport in; JUMP_OK: they may.
    b.send("@tel me=#4").await;
    b.expect("Permission denied.").await;
    b.send("@set #4=JUMP_OK").await;
    b.expect("I can't see that here.").await;
    a.send("@set #4=jump").await;
    a.expect("Parlour - JUMP_OK set.").await;
    b.send("@tel me=#4").await;
    b.expect("Parlour").await;
    a.send("@set #4=!JUMP_OK").await;
    a.expect("Parlour - JUMP_OK reset.").await;

    // Only wizards set WIZARD; nobody but God touches God; GOING and CONNECTED are not set by hand.
    a.send("@set me=WIZARD").await;
    a.expect("Permission denied.").await;
    a.send("@set me=CONNECTED").await;
    a.expect("That flag is set automatically.").await;
    a.send("@set me=GOING").await;
    a.expect("Permission denied.").await;
    a.send("@set me=NOSUCHFLAG").await;
    a.expect("NOSUCHFLAG - I don't recognize that flag.").await;
    god.send("@set *Owner=WIZARD").await;
    god.expect("Owner - WIZARD set.").await;
    a.send("@set #1=!WIZARD").await;
    a.expect("Permission denied.").await;
    a.send("@set me=DARK").await;
    a.expect("Owner - DARK set.").await;

    // Descriptions show in look; only the controller may set them.
    a.send("@describe me=A tall figure.").await;
    a.expect("Description set.").await;
    b.send("@describe #4=Mine now").await;
    b.expect("Permission denied.").await;
    a.send("@tel me=#4").await;
    a.expect("Parlour").await;
    b.send("look Owner").await;
    b.expect("A tall figure.").await;

    let status = server.terminate().await;
    assert!(status.success());
    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut god = server.god().await;
    god.send("examine *Owner").await;
    let ex = god.expect("Owner:").await;
    assert!(ex.contains("Flags: DARK WIZARD ENTER_OK"), "{ex}");
    god.send("examine #4").await;
    let ex = god.expect("Owner:").await;
    assert!(!ex.contains("JUMP_OK"), "{ex}");
}

#[tokio::test]
async fn attributes_set_clear_wipe_and_persist() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut a = server.player("Scribe").await;
    let mut b = server.player("Other").await;
    a.send("&Mood me=cheerful: very = much").await;
    a.expect("Scribe/MOOD - Set.").await;
    a.send("@set me=hobby:writing").await;
    a.expect("Scribe/HOBBY - Set.").await;
    a.send("@success me=You did it.").await;
    a.expect("Scribe/SUCCESS - Set.").await;
    a.send("@sex me=they").await;
    a.expect("Scribe/SEX - Set.").await;
    a.send("&bad%name me=x").await;
    a.expect("That is not a good name for an attribute.").await;
    b.send("&MOOD *Scribe=grumpy").await;
    b.expect("Permission denied.").await;
    b.send("@wipe *Scribe").await;
    b.expect("Permission denied.").await;
    // Case-insensitive names; an empty value clears.
    a.send("&hobby me=").await;
    a.expect("Scribe/HOBBY - Cleared.").await;
    a.send("examine me").await;
    let ex = a.expect("Location:").await;
    assert!(ex.contains("MOOD: cheerful: very = much"), "{ex}");
    assert!(ex.contains("SUCCESS: You did it."), "{ex}");
    assert!(!ex.contains("HOBBY"), "{ex}");

    let status = server.terminate().await;
    assert!(status.success());
    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut a = server.client().await;
    a.expect("Welcome").await;
    a.send("connect Scribe pw-Scribe").await;
    a.expect("Room Zero").await;
    a.send("examine me").await;
    let ex = a.expect("Location:").await;
    assert!(ex.contains("MOOD: cheerful: very = much"), "{ex}");
    assert!(ex.contains("SEX: they"), "{ex}");
    assert!(!ex.contains("HOBBY"), "{ex}");
    a.send("@wipe me").await;
    a.expect("3 attributes wiped.").await;
    a.send("examine me").await;
    let ex = a.expect("Location:").await;
    assert!(!ex.contains("MOOD"), "{ex}");
}

#[tokio::test]
async fn locks_are_parsed_resolved_stored_and_removed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut a = server.player("Locker").await;
    let mut b = server.player("Picker").await;
    a.send("@lock me=Picker | (flag^WIZARD & !sex:m*)").await;
    a.expect("Locker(#2) - Basic locked.").await;
    a.send("@lock/enter me==Picker").await;
    a.expect("Locker(#2) - Enter locked.").await;
    a.send("@lock me=(Picker").await;
    a.expect("A parenthesis in the lock is not closed.").await;
    a.send("@lock me=Nobody").await;
    a.expect("I can't find \"Nobody\" for that lock.").await;
    a.send("@lock me=flag^NOPE").await;
    a.expect("I don't know the flag NOPE.").await;
    b.send("@lock *Locker=Picker").await;
    b.expect("Permission denied.").await;
    a.send("examine me").await;
    let ex = a.expect("Location:").await;
    assert!(
        ex.contains("Lock (basic): #3|(FLAG^WIZARD&!SEX:m*)"),
        "{ex}"
    );
    assert!(ex.contains("Lock (enter): =#3"), "{ex}");

    let status = server.terminate().await;
    assert!(status.success());
    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut a = server.client().await;
    a.expect("Welcome").await;
    a.send("connect Locker pw-Locker").await;
    a.expect("Room Zero").await;
    a.send("examine me").await;
    let ex = a.expect("Location:").await;
    assert!(ex.contains("Lock (enter): =#3"), "{ex}");
    a.send("@unlock/enter me").await;
    a.expect("Locker(#2) - Enter unlocked.").await;
    a.send("@unlock/enter me").await;
    a.expect("Locker(#2) - Enter (already) unlocked.").await;
    a.send("examine me").await;
    let ex = a.expect("Location:").await;
    assert!(!ex.contains("Lock (enter)"), "{ex}");
    assert!(ex.contains("Lock (basic)"), "{ex}");
}
