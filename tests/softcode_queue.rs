//! Softcode II over telnet: `$`-commands, `^`-listens, event attributes, the queue
//! (`@wait`, semaphores, `@trigger`, `@force`, `@dolist`, `@switch`) and global commands.

mod common;

use common::{dbref_in, TestServer};

/// Makes a thing named `name` in the caller's room and returns its dbref. New things
/// are NO_COMMAND, as in PennMUSH's default configuration: this one is cleared so its
/// `$`-commands work.
async fn create(c: &mut common::Client, name: &str) -> u32 {
    c.send(&format!("@create {name}")).await;
    let line = c.expect_line("Created:").await;
    let d = dbref_in(&line);
    c.send(&format!("drop {name}")).await;
    c.expect("drop").await;
    c.send(&format!("@set #{d}=!NO_COMMAND")).await;
    c.expect("NO_COMMAND").await;
    d
}

#[tokio::test]
async fn dollar_commands_capture_and_run_for_whoever_types_them() {
    let server = TestServer::start().await;
    let mut ann = server.player("Ann").await;
    let mut bob = server.player("Bob").await;
    ann.sync().await;
    bob.sync().await;
    let hugger = create(&mut ann, "Hugger").await;
    ann.send(&format!(
        "&CMD-HUG #{hugger}=$hug *:@pemit %#=You hug %0.;@pemit %#=Twice: [ucstr(%0)]"
    ))
    .await;
    ann.sync().await;
    bob.send("hug Ann").await;
    bob.expect_line("You hug Ann.").await;
    bob.expect_line("Twice: ANN").await;
    // Not matching anything: Huh?
    bob.send("hugz").await;
    bob.expect_line("Huh?").await;
    // NO_COMMAND attribute flag: not matched.
    ann.send(&format!("@set #{hugger}/CMD-HUG=no_command"))
        .await;
    ann.sync().await;
    bob.send("hug Ann").await;
    bob.expect_line("Huh?").await;
}

#[tokio::test]
async fn listens_and_event_attributes_react() {
    let server = TestServer::start().await;
    let mut ann = server.player("Ann").await;
    let mut bob = server.player("Bob").await;
    ann.sync().await;
    bob.sync().await;
    let mat = create(&mut ann, "Mat").await;
    ann.send(&format!("@set #{mat}=MONITOR")).await;
    ann.send(&format!(
        "&GREET #{mat}=^* says, \"hello*\":say Welcome, %n!"
    ))
    .await;
    ann.sync().await;
    bob.send("say hello there").await;
    bob.expect_line("Mat says, \"Welcome, Bob!\"").await;
    // A room's @aenter and its ENTER message.
    ann.send("@dig Hall").await;
    let hall = dbref_in(&ann.expect_line("Hall created").await);
    ann.send(&format!("@tel #{hall}")).await;
    ann.sync().await;
    ann.send("@aenter here=@pemit %#=The hall greets %n.").await;
    ann.send("@enter here=You step into the hall.").await;
    ann.send("@tel #0").await;
    ann.sync().await;
    // Ann goes back in through a new exit from Room Zero.
    ann.send(&format!("@open Hallway=#{hall}")).await;
    ann.sync().await;
    ann.send("Hallway").await;
    ann.expect_line("You step into the hall.").await;
    ann.expect_line("The hall greets Ann.").await;
}

#[tokio::test]
async fn the_queue_waits_triggers_forces_and_switches() {
    let server = TestServer::start().await;
    let mut ann = server.player("Ann").await;
    ann.sync().await;
    let box_ = create(&mut ann, "Box").await;
    ann.send(&format!("&DO #{box_}=@pemit %#=Triggered with %0 and %1"))
        .await;
    ann.send(&format!("@trigger #{box_}/DO=one,[add(1,1)]"))
        .await;
    ann.expect_line("Triggered with one and 2").await;
    // @wait with a delay.
    ann.send("@wait 1=think waited").await;
    ann.send("think before").await;
    let got = ann.expect("waited").await;
    assert!(got.contains("before"), "the wait ran after: {got:?}");
    // A semaphore: the wait runs when notified.
    ann.send(&format!("@wait #{box_}=think released")).await;
    ann.send("think not yet").await;
    ann.expect_line("not yet").await;
    ann.send(&format!(
        "think info: [pidinfo(getpids(#{box_}),queue object attribute)] [words(lpids(me))]"
    ))
    .await;
    ann.expect_line(&format!("info: semaphore #{box_} SEMAPHORE 1"))
        .await;
    ann.send(&format!("@notify #{box_}")).await;
    ann.expect_line("released").await;
    // @force: the object runs the command.
    ann.send(&format!("@force #{box_}=@pemit %#=Box speaks to %n"))
        .await;
    ann.expect_line("Box speaks to Ann").await;
    // @dolist and @switch.
    ann.send("@dolist a b c=think item ## at #@").await;
    ann.expect_line("item a at 1").await;
    ann.expect_line("item b at 2").await;
    ann.expect_line("item c at 3").await;
    ann.send("@switch 5=<3,think small,>3,think big,think other")
        .await;
    ann.expect_line("big").await;
    ann.send("@select foobar=*o*,think first $0,*b*,think second")
        .await;
    ann.expect_line("first f").await;
    ann.send("@switch/inline nothing=x,think no,think default;think after")
        .await;
    let got = ann.expect("after").await;
    assert!(got.contains("default"), "{got:?}");
    // An attribute set from an action list is evaluated (typed, it is stored as is).
    ann.send(&format!("&N #{box_}=0")).await;
    ann.send(&format!("&INC #{box_}=&N me=[add(v(N),1)]")).await;
    ann.send(&format!("@trigger #{box_}/INC")).await;
    ann.send(&format!("@trigger #{box_}/INC")).await;
    ann.send(&format!(
        "@wait 0=think counted [get(#{box_}/N)] [get(#{box_}/INC)]"
    ))
    .await;
    ann.expect_line("counted 2 &N me=[add(v(N),1)]").await;
    // @break stops the rest of the list.
    ann.send(&format!(
        "&STOP #{box_}=@pemit %#=one;@break 1;@pemit %#=two"
    ))
    .await;
    ann.send(&format!("@trigger #{box_}/STOP")).await;
    ann.expect_line("one").await;
    ann.send("think marker").await;
    let got = ann.expect("marker").await;
    assert!(!got.contains("two"), "{got:?}");
}

#[tokio::test]
async fn global_commands_in_the_master_room() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    god.sync().await;
    // #2 is the master room when it is a room: make it one.
    god.send("@dig Master Room").await;
    let line = god.expect_line("Master Room created").await;
    assert_eq!(dbref_in(&line), 2, "{line}");
    god.send("@create Globals").await;
    let line = god.expect_line("Created").await;
    let globals = dbref_in(&line);
    god.send(&format!("&CMD #{globals}=$+time:@pemit %#=It is time, %n."))
        .await;
    god.send(&format!("@set #{globals}=!NO_COMMAND")).await;
    god.send(&format!("@tel #{globals}=#2")).await;
    god.sync().await;
    let mut bob = server.player("Bob").await;
    bob.sync().await;
    bob.send("+time").await;
    bob.expect_line("It is time, Bob.").await;
}

#[tokio::test]
async fn a_fork_bomb_is_halted_and_a_bystander_is_still_heard_promptly() {
    let server = TestServer::start().await;
    let mut mallory = server.player("Mallory").await;
    let mut ann = server.player("Ann").await;
    let mut bob = server.player("Bob").await;
    mallory.sync().await;
    ann.sync().await;
    bob.sync().await;
    let bomb = create(&mut mallory, "Bomb").await;
    mallory
        .send(&format!("&LOOP #{bomb}=@trigger me/loop;@trigger me/loop"))
        .await;
    mallory.sync().await;
    mallory.send(&format!("@trigger #{bomb}/loop")).await;
    let started = std::time::Instant::now();
    ann.send("say still talking").await;
    bob.expect("Ann says, \"still talking\"").await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    mallory
        .expect_line(&format!("Runaway object: Bomb(#{bomb}). Commands halted."))
        .await;
    mallory
        .send(&format!("think [hasflag(#{bomb},HALT)]"))
        .await;
    mallory.expect_line("1").await;
    // Halted: nothing of it is left in the queue.
    mallory.send("@ps").await;
    let ps = mallory.expect("Totals:").await;
    assert!(!ps.contains("Bomb("), "{ps}");
    assert!(!server.logs().contains("panicked"));
}

#[tokio::test]
async fn waits_and_semaphores_survive_a_hot_reboot() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    god.sync().await;
    // The case: a 30-second wait with a hot reboot in between.
    god.send("@wait 30=@pemit me=The wait fired.").await;
    god.send("@wait me=@pemit me=The semaphore fired.").await;
    god.sync().await;
    let queued = std::time::Instant::now();
    god.send("@reboot").await;
    god.expect("GAME: Reboot finished.").await;
    god.send("@ps").await;
    let ps = god.expect("Totals:").await;
    assert!(ps.contains("[#1/SEMAPHORE]"), "{ps}");
    assert!(
        ps.contains("]One(#1): @pemit me=The wait fired."),
        "the wait is listed: {ps}"
    );
    god.send("@notify me").await;
    god.expect_line("The semaphore fired.").await;
    // Most of the 30 seconds pass quietly; then the wait fires.
    tokio::time::sleep(std::time::Duration::from_secs(22)).await;
    god.expect_line("The wait fired.").await;
    assert!(queued.elapsed() >= std::time::Duration::from_secs(29));
}

/// A wait queued before the server stops runs after it starts again: after a clean
/// stop, and after a kill once the write-behind has flushed.
async fn a_wait_survives_a_restart(kill: bool, secs: u64) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let opts = common::Options::default();
    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut god = server.god().await;
    god.sync().await;
    god.send(&format!("@wait {secs}=&FIRED me=yes")).await;
    god.sync().await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    if kill {
        server.kill().await;
    } else {
        server.terminate().await;
    }
    let server = TestServer::start_in(tmp.path(), &opts).await;
    let mut god = server.god().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs + 15);
    loop {
        god.send("think fired=[get(me/FIRED)]").await;
        if god.expect_line("fired=").await.contains("fired=yes") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the wait never fired");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_wait_survives_a_clean_restart() {
    // The case: a 30-second wait with a restart in between.
    a_wait_survives_a_restart(false, 30).await;
}

#[tokio::test]
async fn a_wait_survives_a_kill_and_restart() {
    a_wait_survives_a_restart(true, 3).await;
}

#[tokio::test]
async fn puppets_forwardlists_and_audible_exits_pass_on_what_they_hear() {
    let server = TestServer::start().await;
    let mut ann = server.player("Ann").await;
    let mut bob = server.player("Bob").await;
    ann.sync().await;
    bob.sync().await;
    // A puppet in another room relays to its owner.
    let puppet = create(&mut ann, "Pup").await;
    ann.send(&format!("@set #{puppet}=PUPPET")).await;
    ann.send("@dig Annex").await;
    let annex = dbref_in(&ann.expect_line("Annex created").await);
    ann.send(&format!("@tel #{puppet}=#{annex}")).await;
    ann.sync().await;
    ann.send(&format!("@force #{puppet}=look")).await;
    ann.expect_line("Pup> Annex").await;
    // A forwardlist passes what the object hears on (here: to Ann's puppet).
    let relay = create(&mut ann, "Relay").await;
    ann.send(&format!("@forwardlist #{relay}=#{puppet}")).await;
    ann.sync().await;
    bob.send("say testing the relay").await;
    ann.expect_line("Pup> Bob says, \"testing the relay\"")
        .await;
    // An AUDIBLE room and exit carry speech to where the exit leads (Room Zero is
    // God's).
    let mut god = server.god().await;
    god.send("@set here=AUDIBLE").await;
    god.send(&format!("@open Window=#{annex}")).await;
    god.send("@set Window=AUDIBLE").await;
    god.send("@prefix Window=Through the window,").await;
    god.sync().await;
    bob.send("say look outside").await;
    ann.expect_line("Pup> Through the window, Bob says, \"look outside\"")
        .await;
}

#[tokio::test]
async fn a_zone_master_offers_its_commands_in_its_zone() {
    let server = TestServer::start().await;
    let mut ann = server.player("Ann").await;
    ann.sync().await;
    ann.send("@dig Studio").await;
    let studio = dbref_in(&ann.expect_line("Studio created").await);
    ann.send("@dig Storage").await;
    let storage = dbref_in(&ann.expect_line("Storage created").await);
    ann.send("@create Zmo").await;
    let zmo = dbref_in(&ann.expect_line("Created:").await);
    ann.send(&format!("&CMD #{zmo}=$zcmd *:@pemit %#=zoned %0"))
        .await;
    ann.send(&format!("@set #{zmo}=!NO_COMMAND")).await;
    ann.send(&format!("@tel #{zmo}=#{storage}")).await;
    ann.send(&format!("@chzone #{studio}=#{zmo}")).await;
    ann.send(&format!("@tel #{studio}")).await;
    ann.sync().await;
    ann.send("zcmd here").await;
    ann.expect_line("zoned here").await;
    // Outside the zone the command is unknown.
    ann.send("home").await;
    ann.expect("Room Zero").await;
    ann.send("zcmd here").await;
    ann.expect_line("Huh?").await;
}

#[tokio::test]
async fn debug_traces_an_objects_evaluation_to_its_owner() {
    let server = TestServer::start().await;
    let mut ann = server.player("Ann").await;
    ann.sync().await;
    let box_ = create(&mut ann, "Tracer").await;
    ann.send(&format!("&T #{box_}=@pemit %#=[add(1,mul(2,3))]"))
        .await;
    ann.send(&format!("@set #{box_}/T=debug")).await;
    ann.sync().await;
    ann.send(&format!("@trigger #{box_}/T")).await;
    let trace = ann.expect("=> 7").await;
    assert!(
        trace.contains(&format!("#{box_}! add(1,mul(2,3)) :")),
        "{trace}"
    );
    assert!(
        trace.contains(&format!("#{box_}!  mul(2,3) => 6")),
        "{trace}"
    );
    ann.expect_line("7").await;
    // Without the flag nothing is traced; the DEBUG object flag traces everything.
    ann.send(&format!("@set #{box_}/T=!debug")).await;
    ann.send(&format!("@trigger #{box_}/T")).await;
    let quiet = ann.expect_line("7").await;
    assert!(!quiet.contains("=>"), "{quiet}");
    ann.send(&format!("@set #{box_}=DEBUG")).await;
    ann.send(&format!("@trigger #{box_}/T")).await;
    ann.expect(&format!("#{box_}! add(1,mul(2,3)) => 7")).await;
}
