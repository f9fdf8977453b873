//! The world: exits and moving, things, building commands, destroying, admin commands,
//! help, and building that survives restarts and hot reboots on both backends.

mod common;

use common::{dbref_in, Client, Options, RedisServer, TestServer};

/// Sends a command and returns the number in the line that answers it.
async fn made(c: &mut Client, command: &str, answer: &str) -> u32 {
    c.send(command).await;
    dbref_in(&c.expect_line(answer).await)
}

#[tokio::test]
async fn exits_moving_locks_dark_home_and_matching() {
    let server = TestServer::start().await;
    let mut a = server.player("Builder").await;
    let mut b = server.player("Walker").await;
    let hall = made(&mut a, "@dig Hall", "created with room number").await;
    a.send(&format!("@tel #{hall}")).await;
    a.expect("Hall").await;
    a.send("@dig Garden=Garden;g,Back;b").await;
    a.expect("Garden created with room number").await;
    a.expect("Linked exit").await;
    a.expect("Linked exit").await;
    a.send("@set here=JUMP_OK").await;
    a.expect("Hall - JUMP_OK set.").await;

    b.send(&format!("@tel #{hall}")).await;
    let view = b.expect("Obvious exits:").await;
    assert!(view.contains("Hall"), "{view}");
    b.expect("Garden").await;
    a.expect("Walker has arrived.").await;

    // An alias walks; the rooms on both sides are told.
    b.send("g").await;
    b.expect("Obvious exits:").await;
    b.expect("Back").await;
    a.expect("Walker has left.").await;
    b.send("go back").await;
    b.expect("Hall").await;
    a.expect("Walker has arrived.").await;
    b.send("go nowhere").await;
    b.expect("You can't go that way.").await;

    // A locked exit shows its @fail, and the room its @ofail.
    a.send("@lock g=me").await;
    a.expect(" - Basic locked.").await;
    a.send("@fail g=The gate is shut.").await;
    a.expect("Set.").await;
    a.send("@ofail g=rattles the gate.").await;
    a.expect("Set.").await;
    b.send("g").await;
    b.expect("The gate is shut.").await;
    a.expect("Walker rattles the gate.").await;
    b.send("@unlock g").await;
    b.expect("Permission denied.").await;

    // DARK movers pass unannounced.
    a.send("@set me=DARK").await;
    a.expect("Builder - DARK set.").await;
    a.send("g").await;
    a.expect("Back").await;
    let seen = b.sync().await;
    assert!(!seen.contains("Builder has left."), "{seen}");
    a.send("@set me=!DARK").await;
    a.expect("Builder - DARK reset.").await;

    // Matching: ambiguous, prefix of a word, nothing, and #dbrefs far away.
    a.send("@create Red Ball").await;
    let red = dbref_in(&a.expect_line("Created: Object").await);
    a.send("@create Blue Ball").await;
    a.expect("Created: Object").await;
    a.send("look ball").await;
    a.expect("I don't know which one you mean!").await;
    a.send("look red").await;
    a.expect(&format!("Red Ball(#{red}n)")).await;
    a.send("look xyzzy").await;
    a.expect("I can't see that here.").await;
    b.send(&format!("look #{red}")).await;
    b.expect("I can't see that here.").await;
    b.send("examine *Builder").await;
    b.expect("Builder is owned by Builder.").await;

    // Home: PennMUSH says it three times, and again when already home.
    for _ in 0..2 {
        b.send("home").await;
        let text = b.sync().await;
        assert_eq!(
            text.matches("There's no place like home...").count(),
            3,
            "{text}"
        );
        assert!(text.contains("Room Zero"), "{text}");
    }
}

#[tokio::test]
async fn things_get_drop_give_enter_and_leave() {
    let server = TestServer::start().await;
    let mut a = server.player("Owner").await;
    let mut b = server.player("Taker").await;
    let lamp = made(&mut a, "@create Lamp", "Created: Object").await;
    a.send("inventory").await;
    a.expect(&format!("Lamp(#{lamp}n)")).await;
    a.send("drop lamp").await;
    a.expect("You drop Lamp.").await;
    b.send("get lamp").await;
    b.expect("You take Lamp.").await;
    b.send("get lamp").await;
    b.expect("You already have that!").await;
    b.send("i").await;
    b.expect("You are carrying:").await;
    b.expect("Lamp").await;
    // Players start ENTER_OK, as in PennMUSH; without it they take no gifts.
    a.send("@set me=!ENTER_OK").await;
    a.expect("Owner - ENTER_OK reset.").await;
    b.send("give Owner=lamp").await;
    b.expect("Permission denied.").await;
    b.send("give Owner=5").await;
    b.expect("There is no money in this game.").await;
    a.send("@set me=ENTER_OK").await;
    a.expect("Owner - ENTER_OK set.").await;
    b.send("give Owner=lamp").await;
    b.expect("You gave Lamp to Owner.").await;
    a.expect("Taker gave you Lamp.").await;
    b.send("drop lamp").await;
    b.expect("You don't have that!").await;

    // Locks decide who takes, with the four messages.
    a.send("@lock lamp=me").await;
    a.expect(&format!("Lamp(#{lamp}) - Basic locked.")).await;
    for cmd in [
        "@fail lamp=It is bolted down.",
        "@ofail lamp=tugs at the lamp.",
        "@success lamp=You grab the lamp.",
        "@osuccess lamp=grabs the lamp.",
    ] {
        a.send(cmd).await;
        a.expect(" - Set.").await;
    }
    a.send("drop lamp").await;
    a.expect("You drop Lamp.").await;
    b.send("get lamp").await;
    b.expect("It is bolted down.").await;
    a.expect("Taker tugs at the lamp.").await;
    a.send("get lamp").await;
    a.expect("You grab the lamp.").await;
    b.expect("Owner grabs the lamp.").await;
    b.send("get Owner").await;
    b.expect("You can't take that.").await;

    // Entering things: ENTER_OK and the enter lock.
    a.send("@create Wardrobe").await;
    a.expect("Created: Object").await;
    a.send("drop wardrobe").await;
    a.expect("You drop Wardrobe.").await;
    b.send("enter wardrobe").await;
    b.expect("Permission denied.").await;
    a.send("@set wardrobe=ENTER_OK").await;
    a.expect("Wardrobe - ENTER_OK set.").await;
    a.send("@lock/enter wardrobe=me").await;
    a.expect(" - Enter locked.").await;
    b.send("enter wardrobe").await;
    b.expect("You can't enter that.").await;
    a.send("@unlock/enter wardrobe").await;
    a.expect(" - Enter unlocked.").await;
    b.send("enter wardrobe").await;
    b.expect("Wardrobe").await;
    b.expect("You see nothing special.").await;
    a.expect("Taker has left.").await;
    b.send("leave").await;
    b.expect("Room Zero").await;
    a.expect("Taker has arrived.").await;
    b.send("leave").await;
    b.expect("You can't leave.").await;
}

#[tokio::test]
async fn building_commands_and_their_permissions() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    let mut a = server.player("Maker").await;
    let mut b = server.player("Other").await;
    // Room Zero starts LINK_OK, as in PennMUSH; here it must refuse links.
    god.send("@set #0=!LINK_OK").await;
    god.expect("Room Zero - LINK_OK reset.").await;
    a.send("@open Door").await;
    a.expect("Permission denied.").await;
    let study = made(&mut a, "@dig Study", "created with room number").await;
    a.send(&format!("@tel #{study}")).await;
    a.expect("Study").await;
    let door = made(&mut a, "@open Door", "Opened exit").await;
    a.send("@link Door=#0").await;
    a.expect("You can't link to that.").await;
    god.send("@set #0=LINK_OK").await;
    god.expect("Room Zero - LINK_OK set.").await;
    a.send("@link Door=#0").await;
    a.expect(&format!("Linked exit #{door} to Room Zero(#0R"))
        .await;
    a.send("@name Door=Oak Door;door;d").await;
    a.expect("Name set.").await;
    a.send("examine door").await;
    let ex = a.expect("Source:").await;
    assert!(ex.contains("Destination: Room Zero (#0)"), "{ex}");
    assert!(ex.contains(&format!("Oak Door(#{door}E)")), "{ex}");
    a.send("d").await;
    a.expect("Room Zero").await;
    b.send(&format!("@name #{door}=Mine")).await;
    b.expect("I can't see that here.").await;
    b.send("@name Maker=Thief").await;
    b.expect("Permission denied.").await;

    // Parents lend their attributes; loops are refused.
    a.send("@create Proto").await;
    a.expect("Created: Object").await;
    a.send("@fail Proto=Nope, inherited.").await;
    a.expect("Set.").await;
    let boxed = made(&mut a, "@create Box", "Created: Object").await;
    a.send("@parent Box=Proto").await;
    a.expect("Parent changed.").await;
    a.send("@parent Proto=Box").await;
    a.expect("That would make a parent loop or too long a chain.")
        .await;
    b.send(&format!("@parent #{boxed}=#0")).await;
    b.expect("I can't see that here.").await;
    a.send("@lock Box=me").await;
    a.expect(" - Basic locked.").await;
    a.send("drop Box").await;
    a.expect("You drop Box.").await;
    b.send("get box").await;
    b.expect("Nope, inherited.").await;
    b.send("@parent box=me").await;
    b.expect("Permission denied.").await;

    // Clones copy attributes, locks and the parent.
    a.send("@clone Box=Box Two").await;
    a.expect("Cloned: Object").await;
    a.send("examine Box Two").await;
    let ex = a.expect("Location:").await;
    assert!(ex.contains("Parent: Proto"), "{ex}");
    assert!(ex.contains("Lock (basic):"), "{ex}");

    // Giving an object away hands over control.
    b.send("@chown Box=Other").await;
    b.expect("Permission denied.").await;
    a.send("@chown Box=Other").await;
    a.expect("Owner changed.").await;
    b.send("examine box").await;
    b.expect("Owner: Other").await;
    a.send("@describe Box=mine again").await;
    a.expect("Permission denied.").await;

    // Only God changes God, even for wizards.
    god.send("@set *Maker=WIZARD").await;
    god.expect("Maker - WIZARD set.").await;
    a.send("@describe *One=hacked").await;
    a.expect("Permission denied.").await;
    a.send("@set *One=!WIZARD").await;
    a.expect("Permission denied.").await;
    god.send("@set *Maker=!WIZARD").await;
    god.expect("Maker - WIZARD reset.").await;

    // Finding things.
    a.send("@find box").await;
    let found = a.expect("***End of List***").await;
    assert!(found.contains("Box Two("), "{found}");
    assert!(!found.contains("Proto"), "{found}");
    b.send("@search Maker").await;
    b.expect("Permission denied.").await;
    god.send("@search type=exit").await;
    let found = god.expect("***End of List*** (1 found)").await;
    assert!(found.contains("Oak Door("), "{found}");
    god.send("@search flags=L").await;
    god.expect("Room Zero(#0RL)").await;
    b.send("@stats").await;
    b.expect("The universe contains 9 objects: 2 rooms, 1 exits, 3 things, 3 players")
        .await;
}

#[tokio::test]
async fn destroy_undestroy_purge_and_recycling() {
    let opts = Options {
        game: "destroy_delay_secs = 1\nbuilding_quota = 6".into(),
        ..Options::default()
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut a = server.player("Wrecker").await;
    let mut b = server.player("Bystander").await;
    let junk = made(&mut a, "@create Junk", "Created: Object").await;
    b.send(&format!("@destroy #{junk}")).await;
    b.expect("I can't see that here.").await;
    a.send("drop junk").await;
    a.expect("You drop Junk.").await;
    b.send("@destroy junk").await;
    b.expect("Permission denied.").await;
    a.send("@destroy Junk").await;
    a.expect("Junk shall be destroyed").await;
    a.send("examine junk").await;
    a.expect("GOING").await;
    a.send("@undestroy junk").await;
    a.expect("Junk is no longer being destroyed.").await;
    a.send("@destroy Junk").await;
    a.expect("shall be destroyed").await;
    a.send("@destroy Junk").await;
    a.expect("Junk has been destroyed.").await;
    a.send(&format!("examine #{junk}")).await;
    a.expect("I can't see that here.").await;
    // The freed number is the next one made.
    let again = made(&mut a, "@create New Junk", "Created: Object").await;
    assert_eq!(again, junk);
    a.send("@destroy me").await;
    a.expect("Players are destroyed with @nuke.").await;

    // The quota counts what a player owns: destroyed objects free their place.
    for i in 0..5 {
        a.send(&format!("@create Filler {i}")).await;
        a.expect("Created: Object").await;
    }
    a.send("@create One Too Many").await;
    a.expect("You have reached your building quota (6 objects).")
        .await;
    for i in 0..5 {
        a.send(&format!("@destroy Filler {i}")).await;
        a.expect("shall be destroyed").await;
        a.send(&format!("@destroy Filler {i}")).await;
        a.expect("has been destroyed.").await;
    }

    // A room goes at the purge: its exits with it, whoever was inside goes home, and
    // exits leading to it are unlinked.
    let base = made(&mut a, "@dig Base", "created with room number").await;
    a.send(&format!("@tel #{base}")).await;
    a.expect("Base").await;
    a.send("@dig Doomed=Down,Up").await;
    let doomed = dbref_in(&a.expect_line("created with room number").await);
    a.expect_line("Opened exit").await;
    let up = dbref_in(&a.expect_line("Opened exit").await);
    a.send("down").await;
    a.expect("Doomed").await;
    a.send("@destroy here").await;
    a.expect("shall be destroyed").await;
    a.expect("The place you were in is gone: you are sent home.")
        .await;
    a.expect("Room Zero").await;
    a.send(&format!("examine #{doomed}")).await;
    a.expect("I can't see that here.").await;
    a.send(&format!("examine #{up}")).await;
    a.expect("I can't see that here.").await;
    a.send(&format!("@tel #{base}")).await;
    a.expect("Base").await;
    a.send("examine down").await;
    a.expect("Destination: *UNLINKED*").await;

    // All of it holds after a restart.
    let status = server.terminate().await;
    assert!(status.success());
    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut a = server.client().await;
    a.expect("Welcome").await;
    a.send("connect Wrecker pw-Wrecker").await;
    a.expect("Base").await;
    a.send(&format!("examine #{junk}")).await;
    a.expect("New Junk(").await;
    a.send(&format!("examine #{doomed}")).await;
    a.expect("I can't see that here.").await;
    a.send("examine down").await;
    a.expect("Destination: *UNLINKED*").await;
}

#[tokio::test]
async fn admin_passwords_players_and_emits() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut god = server.god().await;
    let mut a = server.player("Plain").await;
    let mut b = server.player("Victim").await;

    a.send("@pcreate Sneaky=abc123").await;
    a.expect("Permission denied.").await;
    god.send("@pcreate Newbie=secret1").await;
    god.expect("New player 'Newbie'").await;
    let mut n = server.client().await;
    n.expect("Welcome").await;
    n.send("connect Newbie secret1").await;
    n.expect("Room Zero").await;

    a.send("@password wrong=new1").await;
    a.expect("Sorry, that is not your password.").await;
    a.send("@password pw-Plain=fresh1").await;
    a.expect("Password changed.").await;
    a.send("@newpassword Victim=x").await;
    a.expect("Permission denied.").await;
    god.send("@newpassword Victim=reset1").await;
    god.expect("Password for Victim changed.").await;
    b.expect("Your password has been changed by One.").await;

    // Aliases are names too: unique, and found by page and *name.
    a.send("@alias me=Pl;Plainy").await;
    a.expect("ALIAS - Set.").await;
    b.send("@alias me=plainy").await;
    b.expect("The alias \"plainy\" is already in use.").await;
    b.send("page pl=over here").await;
    a.expect("Victim pages: over here").await;
    let mut d = server.client().await;
    d.expect("Welcome").await;
    d.send("create Plainy pw-Plainy").await;
    d.expect("There is already a player with that name.").await;

    // Emits.
    god.send("@emit The floor shakes.").await;
    a.expect("The floor shakes.").await;
    god.expect("The floor shakes.").await;
    god.send("@pemit *Plain=psst").await;
    a.expect("psst").await;
    god.send("@remit #0=Far and wide.").await;
    a.expect("Far and wide.").await;
    god.send("@oemit Plain=Not for Plain.").await;
    b.expect("Not for Plain.").await;
    let seen = a.sync().await;
    assert!(!seen.contains("Not for Plain."), "{seen}");
    a.send("think quiet thoughts").await;
    a.expect("quiet thoughts").await;
    a.send("@set me=HAVEN").await;
    a.expect("Plain - HAVEN set.").await;
    b.send("@pemit *Plain=hello?").await;
    b.expect("Plain is not accepting messages.").await;

    // Toads and nukes.
    a.send("@toad Victim").await;
    a.expect("Permission denied.").await;
    god.send("@nuke me").await;
    god.expect("Permission denied.").await;
    god.send("@toad Victim").await;
    b.expect("You have been turned into a toad.").await;
    b.expect_closed().await;
    god.expect("You turned Victim into a toad.").await;
    god.send("examine #3").await;
    god.expect("A slimy toad named Victim(#3").await;
    let mut c = server.client().await;
    c.expect("Welcome").await;
    c.send("connect Victim reset1").await;
    c.expect("Either that player does not exist").await;
    c.send("create Victim again1").await;
    c.expect("Your character has been created.").await;
    god.send("@nuke Newbie").await;
    n.expect("You have been destroyed.").await;
    n.expect_closed().await;
    god.expect("Newbie has been destroyed").await;

    let status = server.terminate().await;
    assert!(status.success());
    let server = TestServer::start_in(tmp.path(), &Options::default()).await;
    let mut a = server.client().await;
    a.expect("Welcome").await;
    a.send("connect Newbie secret1").await;
    a.expect("Either that player does not exist").await;
    a.send("connect Plain pw-Plain").await;
    a.expect("Either that player does not exist").await;
    a.send("connect Plain fresh1").await;
    a.expect("Room Zero").await;
    a.send("examine *plainy").await;
    a.expect("ALIAS: Pl;Plainy").await;
}

#[tokio::test]
async fn help_index_topics_and_misses() {
    let server = TestServer::start().await;
    let mut a = server.player("Reader").await;
    a.send("help").await;
    a.expect("help building").await;
    a.send("help @dig").await;
    a.expect("@dig <room name>[=<exit>[,<back exit>]]").await;
    a.send("help @descr").await;
    a.expect("Sets what \"look\" shows.").await;
    a.send("help index").await;
    let index = a.expect("@teleport").await;
    assert!(index.contains("Help topics:"), "{index}");
    a.send("help @un").await;
    a.expect("Here are the topics which match '@un':").await;
    a.send("help xyzzy").await;
    a.expect("No entry for 'xyzzy'.").await;
}

/// A newcomer builds by the help's walk-through; a hot reboot comes in the middle and a
/// restart at the end, and everything is still there.
async fn building_survives_reboot_and_restart(opts: Options) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut god = server.god().await;
    let mut a = server.player("Gardener").await;
    let hall = made(&mut a, "@dig Hall", "created with room number").await;
    a.send(&format!("@tel #{hall}")).await;
    a.expect("Hall").await;
    a.send("@dig Garden=Garden;g,Back;b").await;
    let garden = dbref_in(&a.expect_line("created with room number").await);
    a.expect("Linked exit").await;
    a.send("g").await;
    a.expect("Back").await;
    a.send("@describe here=Roses climb the old stone wall.")
        .await;
    a.expect("Description set.").await;
    let can = made(&mut a, "@create Watering Can", "Created: Object").await;

    god.send("@reboot").await;
    a.expect("GAME: Reboot finished.").await;

    for (cmd, answer) in [
        (
            "@describe Watering Can=A battered tin can.",
            "Description set.",
        ),
        ("@lock Watering Can=me", " - Basic locked."),
        ("@fail Watering Can=It is too heavy for you.", "FAIL - Set."),
        ("&NOTE Watering Can=keep full", "NOTE - Set."),
    ] {
        a.send(cmd).await;
        a.expect(answer).await;
    }
    a.send("drop Watering Can").await;
    a.expect("You drop Watering Can.").await;
    a.send("@open Shed").await;
    a.expect("Opened exit").await;
    a.send("@set here=JUMP_OK").await;
    a.expect("Garden - JUMP_OK set.").await;
    a.send("@name me=Head Gardener").await;
    a.expect("Name set.").await;
    a.sync().await;

    let status = server.terminate().await;
    assert!(status.success());
    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut a = server.client().await;
    a.expect("Welcome").await;
    a.send("connect \"Head Gardener\" pw-Gardener").await;
    let view = a.expect("Obvious exits:").await;
    assert!(view.contains(&format!("Garden(#{garden}RnJ)")), "{view}");
    assert!(view.contains("Roses climb the old stone wall."), "{view}");
    assert!(view.contains("Watering Can"), "{view}");
    a.expect("Back  Shed").await;
    a.send("examine Watering Can").await;
    let ex = a.expect("Location:").await;
    assert!(ex.contains(&format!("Watering Can(#{can}n)")), "{ex}");
    assert!(ex.contains("A battered tin can."), "{ex}");
    assert!(ex.contains("Lock (basic): #2"), "{ex}");
    assert!(ex.contains("FAIL: It is too heavy for you."), "{ex}");
    assert!(ex.contains("NOTE: keep full"), "{ex}");
    let mut other = server.player("Visitor").await;
    other.send(&format!("@tel #{garden}")).await;
    other.expect("Roses").await;
    other.send("get can").await;
    other.expect("It is too heavy for you.").await;
    other.send("b").await;
    other.expect("Hall").await;
}

#[tokio::test]
async fn building_survives_reboot_and_restart_embedded() {
    building_survives_reboot_and_restart(Options::default()).await;
}

#[tokio::test]
async fn building_survives_reboot_and_restart_redis() {
    let redis = RedisServer::start();
    building_survives_reboot_and_restart(Options::redis(redis.port)).await;
}

/// The commands of the help's building walk-through, as a new player would type them.
fn tutorial_commands() -> Vec<String> {
    let help =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/help/help.txt"))
            .expect("help file");
    let section = help
        .split("\n& ")
        .find(|s| s.starts_with("tutorial"))
        .expect("a building topic");
    section
        .lines()
        .filter(|l| l.starts_with("  ") && !l.trim().is_empty())
        .map(|l| {
            l.trim()
                .split("   ")
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .filter(|c| !c.is_empty())
        .collect()
}

#[tokio::test]
async fn a_new_player_follows_the_help_tutorial() {
    let server = TestServer::start().await;
    let mut a = server.player("Newcomer").await;
    let commands = tutorial_commands();
    assert!(commands.len() >= 10, "{commands:?}");
    let mut hall = None;
    let mut garden = None;
    for command in commands {
        let command = match hall {
            Some(h) => command.replace("#12", &format!("#{h}")),
            None => command,
        };
        a.send(&command).await;
        let answer = a.sync().await;
        for bad in [
            "Permission denied.",
            "I can't see that here.",
            "I don't know which",
        ] {
            assert!(!answer.contains(bad), "{command}: {answer}");
        }
        assert_eq!(answer.matches("Huh?").count(), 1, "{command}: {answer}");
        if hall.is_none() {
            hall = Some(dbref_in(&answer));
        }
        if command.starts_with("@dig Garden") {
            garden = Some(dbref_in(&answer));
        }
    }
    // A visitor finds a described room, and a locked can with its messages.
    let mut v = server.player("Visitor").await;
    v.send(&format!("@tel #{}", garden.expect("the garden's number")))
        .await;
    v.expect("Roses climb the old stone wall.").await;
    v.send("get can").await;
    v.expect("It is too heavy for you.").await;
    a.expect("Visitor strains at the watering can.").await;
    v.send("shed").await;
    v.expect("Hall").await;
}

#[tokio::test]
async fn use_locks_and_unfindable_players() {
    let server = TestServer::start().await;
    let mut a = server.player("Tinker").await;
    let mut b = server.player("Tester").await;
    a.send("@create Lever").await;
    a.expect("Created: Object").await;
    a.send("drop lever").await;
    a.expect("You drop Lever.").await;
    a.send("@use lever=Clunk.").await;
    a.expect("USE - Set.").await;
    a.send("@ouse lever=pulls the lever.").await;
    a.expect("OUSE - Set.").await;
    b.send("use lever").await;
    b.expect("Clunk.").await;
    a.expect("Tester pulls the lever.").await;
    a.send("@lock/use lever=me").await;
    a.expect(" - Use locked.").await;
    a.send("&UFAIL lever=It will not budge.").await;
    a.expect("UFAIL - Set.").await;
    b.send("use lever").await;
    b.expect("It will not budge.").await;
    a.send("use lever").await;
    a.expect("Clunk.").await;

    // UNFINDABLE: *name finds them only nearby (or for those who control them).
    let hide = made(&mut a, "@dig Hideout", "created with room number").await;
    a.send("@set me=UNFINDABLE").await;
    a.expect("Tinker - UNFINDABLE set.").await;
    b.send("examine *Tinker").await;
    b.expect("Tinker is owned by Tinker.").await;
    a.send(&format!("@tel #{hide}")).await;
    a.expect("Hideout").await;
    b.send("examine *Tinker").await;
    b.expect("I can't see that here.").await;

    // QUIET players get no confirmations; DARK ones connect unannounced.
    b.send("@set me=QUIET").await;
    b.send("&MOOD me=calm").await;
    let answers = b.sync().await;
    assert!(!answers.contains("Set."), "{answers}");
    b.send("examine me").await;
    b.expect("MOOD: calm").await;
    a.send("home").await;
    a.expect("Room Zero").await;
    b.send("@set me=DARK").await;
    b.send("LOGOUT").await;
    b.expect("Welcome").await;
    b.send("connect Tester pw-Tester").await;
    b.expect("Room Zero").await;
    let seen = a.sync().await;
    assert!(!seen.contains("Tester has"), "{seen}");
}
