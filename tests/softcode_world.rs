//! Softcode against the real world over telnet: database, attribute, connection and
//! side-effect functions see objects built with mushd's commands, side effects go
//! through the commands' code, and mortals are refused what they do not control.

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

async fn run(c: &mut common::Client, cmd: &str) {
    c.send(cmd).await;
    c.sync().await;
}

#[tokio::test]
async fn database_and_attribute_functions_see_the_world() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    god.sync().await;
    run(&mut god, "@create Widget").await;
    run(&mut god, "@create Gadget").await;
    run(&mut god, "&GREETING Widget=Hello, %0!").await;
    run(&mut god, "&ADDER Widget=add(%0,%1)").await;
    run(&mut god, "&NUM.ONE Widget=1").await;
    run(&mut god, "&NUM.TWO Widget=2").await;
    run(&mut god, "&TREE`LEAF Widget=leaf").await;
    run(&mut god, "&PATTR Gadget=from gadget").await;
    run(&mut god, "@parent Widget=Gadget").await;
    run(&mut god, "@set Widget=DARK").await;
    for (expr, want) in [
        ("[name(Widget)]", "Widget"),
        ("[name(me)]", "One"),
        ("[name(loc(Widget))]", "One"),
        ("[name(here)]", "Room Zero"),
        ("[iter(lcon(me),name(##))]", "Gadget Widget"),
        (
            "[type(Widget)]|[type(me)]|[type(here)]",
            "THING|PLAYER|ROOM",
        ),
        ("[get(Widget/GREETING)]", "Hello, %0!"),
        ("[xget(Widget,NUM.ONE)]", "1"),
        ("[get(Widget/TREE`LEAF)]", "leaf"),
        ("[get(Widget/PATTR)]", "from gadget"),
        ("[u(Widget/GREETING,World)]", "Hello, World!"),
        ("[u(Widget/ADDER,2,3)]", "5"),
        ("[ulocal(Widget/ADDER,4,5)]", "9"),
        ("[udefault(Widget/NOSUCH,none)]", "none"),
        ("[lattr(Widget/NUM.*)]", "NUM.ONE NUM.TWO"),
        // TREE`LEAF made its TREE branch, as in PennMUSH.
        ("[nattr(Widget)]", "6"),
        ("[lattrp(Widget/P*)]", "PATTR"),
        (
            "[hasattr(Widget,GREETING)]|[hasattr(Widget,PATTR)]|[hasattrp(Widget,PATTR)]",
            "1|0|1",
        ),
        ("[grep(Widget,*,leaf)]", "TREE`LEAF"),
        ("[hasflag(Widget,DARK)]|[hasflag(Widget,HAVEN)]", "1|0"),
        ("[andflags(Widget,TD)]|[orflags(Widget,PH)]", "1|0"),
        ("[controls(me,Widget)]", "1"),
        ("[name(parent(Widget))]", "Gadget"),
        (
            "[u(#lambda/add(1,2))]",
            "I can't see that here.\n#-1 INVALID OBJECT",
        ),
        (
            "[name(nosuch)]",
            "I can't see that here.\n#-1 NO SUCH OBJECT VISIBLE",
        ),
        ("[lwho()]", "#1"),
        ("[gte(conn(me),0)]|[gte(idle(me),0)]", "1|1"),
        ("[pmatch(One)]", "#1"),
    ] {
        assert_eq!(think(&mut god, expr).await, want, "think {expr}");
    }
}

#[tokio::test]
async fn side_effects_go_through_the_commands() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    let mut ann = server.player("Ann").await;
    god.sync().await;
    ann.sync().await;
    // create() makes the object at once: later functions in the same line see it.
    let made = think(&mut god, "[setq(0,create(Thingy))][name(%q0)]").await;
    assert!(made.ends_with("Thingy"), "{made}");
    assert!(made.contains("Created: Object"), "{made}");
    let set = think(
        &mut god,
        "[set(Thingy,FOO:bar)][attrib_set(Thingy/BAZ,qux)][get(Thingy/FOO)] [get(Thingy/BAZ)]",
    )
    .await;
    assert!(set.ends_with("bar qux"), "{set}");
    assert!(think(&mut god, "[set(Thingy,DARK)][hasflag(Thingy,DARK)]")
        .await
        .ends_with('1'));
    assert!(think(&mut god, "[wipe(Thingy/B*)][hasattr(Thingy,BAZ)]")
        .await
        .ends_with('0'));
    // pemit reaches the target.
    think(&mut god, "[pemit(*Ann,psst from softcode)]").await;
    ann.expect("psst from softcode").await;
    // A mortal may not change what they do not control, nor read its attributes.
    let denied = think(&mut ann, "[set(#1,DARK)][hasflag(#1,DARK)]").await;
    assert!(denied.contains("Permission denied."), "{denied}");
    assert!(denied.ends_with('0'), "{denied}");
    assert_eq!(
        think(&mut ann, "[get(#1/FOO)]").await,
        "#-1 NO PERMISSION TO GET ATTRIBUTE"
    );
    assert_eq!(think(&mut ann, "[controls(me,#1)]").await, "0");
    let named = think(&mut ann, "[name(#1,Mallory)][name(#1)]").await;
    assert!(named.ends_with("One"), "{named}");
    // Ann's own things are hers to change.
    let own = think(
        &mut ann,
        "[setq(0,create(Pebble))][set(%q0,LINK_OK)][hasflag(%q0,LINK_OK)][controls(me,%q0)]",
    )
    .await;
    assert!(own.ends_with("11"), "{own}");
}

#[tokio::test]
async fn attribute_flags_decide_who_sees_what() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    let mut ann = server.player("Ann").await;
    god.sync().await;
    ann.sync().await;
    run(&mut god, "@create Vault").await;
    let vault = {
        god.send("think [num(Vault)]").await;
        god.expect("#").await;
        let line = god.expect("\n").await;
        format!("#{}", line.trim())
    };
    run(&mut god, "&OPEN Vault=anyone").await;
    run(&mut god, "&SECRET Vault=wizards only").await;
    run(&mut god, "&PLAIN Vault=owner only").await;
    god.send("@set Vault/OPEN=visual").await;
    god.expect("Vault/OPEN - visual set.").await;
    god.send("@set Vault/SECRET=mortal_dark").await;
    god.expect("Vault/SECRET - mortal_dark set.").await;
    // Ann may not set wizard-only attribute flags on her own things either.
    run(&mut ann, "@create Box").await;
    run(&mut ann, "&NOTE Box=hi").await;
    ann.send("@set Box/NOTE=mortal_dark").await;
    ann.expect("You cannot change that flag on Box/NOTE").await;
    assert_eq!(think(&mut god, "[flags(Vault/OPEN)]").await, "v");
    assert_eq!(
        think(&mut god, "[lflags(Vault/SECRET)]").await,
        "mortal_dark"
    );
    assert_eq!(think(&mut god, "[hasflag(Vault/OPEN,visual)]").await, "1");
    assert_eq!(think(&mut god, "[get(Vault/SECRET)]").await, "wizards only");
    let get = |attr: &str| format!("[get({vault}/{attr})]");
    assert_eq!(think(&mut ann, &get("OPEN")).await, "anyone");
    let denied = "#-1 NO PERMISSION TO GET ATTRIBUTE";
    assert_eq!(think(&mut ann, &get("PLAIN")).await, denied);
    assert_eq!(think(&mut ann, &get("SECRET")).await, denied);
    // set() changes attribute flags as @set does (and says so, as PennMUSH does); a
    // cleared flag hides again.
    assert_eq!(
        think(&mut god, &format!("[set({vault}/OPEN,!visual)]")).await,
        "Vault/OPEN - visual reset."
    );
    assert_eq!(think(&mut ann, &get("OPEN")).await, denied);
    // no_inherit keeps a parent's attribute to itself.
    run(&mut god, "@create Child").await;
    run(&mut god, "@parent Child=Vault").await;
    assert_eq!(think(&mut god, "[get(Child/PLAIN)]").await, "owner only");
    run(&mut god, "@set Vault/PLAIN=no_inherit").await;
    assert_eq!(think(&mut god, "[get(Child/PLAIN)]").await, "");
    god.send("examine Vault").await;
    god.expect("SECRET [m]: wizards only").await;
}

/// `@function` on the embedded store and on Redis: defined by a wizard, called by
/// anyone, listed, kept across a restart, deleted; built-ins cannot be replaced.
async fn user_functions_on(opts: common::Options) {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(dir.path(), &opts).await;
    let mut god = server.god().await;
    let mut ann = server.player("Ann").await;
    god.sync().await;
    ann.sync().await;
    run(&mut god, "@create Library").await;
    run(&mut god, "&FN_DOUBLE Library=[mul(%0,2)]").await;
    run(&mut god, "&FN_WHO Library=[name(%!)] for [name(%#)]").await;
    assert_eq!(
        think(&mut god, "[double(4)]").await,
        "#-1 FUNCTION (DOUBLE) NOT FOUND DID YOU MEAN 'TABLE'"
    );
    god.send("@function double=Library,FN_DOUBLE").await;
    god.expect("Function added.").await;
    god.send("@function whois=Library/FN_WHO").await;
    god.expect("Function added.").await;
    god.send("@function add=Library,FN_DOUBLE").await;
    god.expect("You cannot change that built-in function.")
        .await;
    ann.send("@function triple=Library,FN_DOUBLE").await;
    ann.expect("Permission denied.").await;
    // The executor is the object holding the code; the enactor is who called.
    assert_eq!(
        think(&mut ann, "[double(21)] [whois()]").await,
        "42 Library for Ann"
    );
    assert_eq!(think(&mut ann, "double(5)").await, "10");
    god.send("@function").await;
    god.expect("DOUBLE").await;
    ann.send("@function").await;
    ann.expect("User functions: DOUBLE WHOIS").await;
    // QUIT, not a dropped socket (which would leave link-dead sessions to reattach).
    for c in [&mut ann, &mut god] {
        c.send("QUIT").await;
        c.expect_closed().await;
    }
    server.terminate().await;

    let server = TestServer::start_in(dir.path(), &opts).await;
    let mut god = server.god().await;
    god.sync().await;
    assert_eq!(think(&mut god, "[double(8)]").await, "16");
    god.send("@function/delete double").await;
    god.expect("Function deleted.").await;
    assert_eq!(
        think(&mut god, "[double(8)]").await,
        "#-1 FUNCTION (DOUBLE) NOT FOUND DID YOU MEAN 'TABLE'"
    );
    god.send("@function/delete double").await;
    god.expect("No such function.").await;
}

#[tokio::test]
async fn user_functions_on_the_embedded_store() {
    user_functions_on(common::Options::default()).await;
}

#[tokio::test]
async fn user_functions_on_redis() {
    let redis = common::RedisServer::start();
    user_functions_on(common::Options::redis(redis.port)).await;
}

/// Descriptions and success messages are evaluated with the object as executor and
/// whoever looks or acts as enactor.
#[tokio::test]
async fn descriptions_and_messages_are_evaluated_for_the_viewer() {
    let server = TestServer::start().await;
    let mut ann = server.player("Ann").await;
    let mut bob = server.player("Bob").await;
    ann.sync().await;
    bob.sync().await;
    run(&mut ann, "@create Mirror").await;
    run(
        &mut ann,
        "@describe Mirror=You see [name(%#)] in the [name(%!)].",
    )
    .await;
    run(&mut ann, "@success Mirror=You lift the [lcstr(name(me))].").await;
    run(
        &mut ann,
        "@osuccess Mirror=lifts the [name(me)], [add(1,1)] hands.",
    )
    .await;
    run(&mut ann, "drop Mirror").await;
    bob.send("look Mirror").await;
    bob.expect("You see Bob in the Mirror.").await;
    ann.send("look Mirror").await;
    ann.expect("You see Ann in the Mirror.").await;
    bob.send("get Mirror").await;
    bob.expect("You lift the mirror.").await;
    ann.expect("Bob lifts the Mirror, 2 hands.").await;
}

#[tokio::test]
async fn pronouns_and_names_come_from_the_world() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    god.sync().await;
    run(&mut god, "@create Statue").await;
    run(&mut god, "&SEX Statue=Female").await;
    run(&mut god, "&SEX me=male").await;
    assert_eq!(
        think(
            &mut god,
            "[subj(Statue)] [obj(Statue)] [poss(Statue)] [aposs(Statue)]"
        )
        .await,
        "she her her hers"
    );
    assert_eq!(
        think(&mut god, "[subj(me)] [obj(me)] [poss(me)] [aposs(me)]").await,
        "he him his his"
    );
    run(&mut god, "&SEX Statue").await;
    assert_eq!(
        think(&mut god, "[subj(Statue)] [poss(Statue)]").await,
        "it its"
    );
    assert_eq!(think(&mut god, "[subj(nosuchthing)]").await, "#-1 NO MATCH");
    assert_eq!(
        think(
            &mut god,
            "[accname(Statue)] [moniker(Statue)] [iname(Statue)]"
        )
        .await,
        "Statue Statue Statue"
    );
    assert_eq!(
        think(&mut god, "[zone(Statue)] [zfun(foo)]").await,
        "#-1 #-1 INVALID ZONE"
    );
}

#[tokio::test]
async fn lsearch_and_stats_respect_ownership() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    let mut ann = server.player("Ann").await;
    god.sync().await;
    ann.sync().await;
    run(&mut god, "@create Alpha").await;
    run(&mut god, "@create Beta").await;
    run(&mut ann, "@create Acorn").await;
    let all = think(&mut god, "[iter(lsearch(all,type,thing),name(##))]").await;
    assert_eq!(all, "Alpha Beta Acorn");
    assert_eq!(
        think(&mut god, "[iter(lsearch(all,things,A),name(##))]").await,
        "Alpha Acorn"
    );
    assert_eq!(
        think(&mut god, "[iter(lsearchr(all,type,thing),name(##))]").await,
        "Acorn Beta Alpha"
    );
    assert_eq!(
        think(
            &mut god,
            "[iter(lsearch(all,eval,\\[strmatch(name(##),B*)\\]),name(##))]"
        )
        .await,
        "Beta"
    );
    assert_eq!(think(&mut god, "[nlsearch(all,type,thing)]").await, "3");
    assert_eq!(
        think(&mut god, "[iter(lsearch(*Ann,none,none),name(##))]").await,
        "Ann Acorn"
    );
    // A mortal finds only what it controls.
    assert_eq!(
        think(&mut ann, "[iter(lsearch(all,type,thing),name(##))]").await,
        "Acorn"
    );
    assert_eq!(think(&mut ann, "[nlsearch(*One,none,none)]").await, "0");
    assert_eq!(
        think(&mut ann, "[lsearch(all,bogus,x)]")
            .await
            .lines()
            .last(),
        Some("#-1")
    );
    // Stats: total rooms exits things players garbage.
    let stats = think(&mut god, "[lstats()]").await;
    let n: Vec<i64> = stats.split(' ').filter_map(|w| w.parse().ok()).collect();
    assert_eq!(n.len(), 6, "{stats}");
    assert_eq!(n.get(3), Some(&3), "{stats}");
    assert_eq!(n.get(4), Some(&2), "{stats}");
    assert_eq!(think(&mut ann, "[lstats(me)]").await, "2 0 0 1 1");
    assert_eq!(
        think(&mut ann, "[lstats(*One)]").await,
        "#-1 PERMISSION DENIED"
    );
    assert_eq!(
        think(&mut god, "[nplayers(here)] [nthings(me)]").await,
        "2 2"
    );
    let next = think(&mut god, "[nextdbref()]").await;
    assert!(next.starts_with('#'), "{next}");
}

#[tokio::test]
async fn xattr_and_attribute_listing() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    god.sync().await;
    run(&mut god, "@create Box").await;
    for a in ["AA", "AB", "AC", "BA"] {
        run(&mut god, &format!("&{a} Box=x")).await;
    }
    assert_eq!(think(&mut god, "[xattr(Box/A*,2,5)]").await, "AB AC");
    assert_eq!(think(&mut god, "[xattr(Box,1,2,|)]").await, "AA|AB");
    assert_eq!(think(&mut god, "[regxattr(Box/^A,3,1)]").await, "AC");
    assert_eq!(
        think(&mut god, "[reglattr(Box/A$)] [regnattr(Box/^A)]").await,
        "AA BA 3"
    );
    assert_eq!(
        think(&mut god, "[atrlock(Box/AA)] [atrlock(Box/NONE)]").await,
        "0 #-1"
    );
    let set = think(&mut god, "[set(Box/AA,visual)][hasflag(Box/AA,visual)]").await;
    assert!(set.ends_with('1'), "{set}");
}

#[tokio::test]
async fn connection_functions_see_the_terminal() {
    use mushd::telnet::opt;
    const IAC: u8 = 255;
    const SB: u8 = 250;
    const SE: u8 = 240;
    const WILL: u8 = 251;
    let server = TestServer::start().await;
    let mut c = server.client().await;
    c.send_raw(&[
        IAC,
        WILL,
        opt::NAWS,
        IAC,
        SB,
        opt::NAWS,
        0,
        100,
        0,
        40,
        IAC,
        SE,
    ])
    .await;
    c.expect("Welcome").await;
    c.send("create Wendy wendypw").await;
    c.expect("Room Zero").await;
    c.sync().await;
    let handle = common::my_handle(&mut c).await;
    c.sync().await;
    assert_eq!(think(&mut c, "[width(me)] [height(me)]").await, "100 40");
    assert_eq!(
        think(&mut c, &format!("[width({handle})] [height({handle})]")).await,
        "100 40"
    );
    let info = think(&mut c, "[terminfo(me)]").await;
    assert!(info.starts_with("unknown telnet prompt_newlines"), "{info}");
    let me = think(&mut c, "[num(me)]").await;
    assert_eq!(think(&mut c, &format!("[player({handle})]")).await, me);
    assert_eq!(think(&mut c, "[ipaddr(me)]").await, "127.0.0.1");
    let cmds: i64 = think(&mut c, "[cmds(me)]").await.parse().unwrap_or(-1);
    assert!(cmds > 0, "{cmds}");
    let mut god = server.god().await;
    god.sync().await;
    // Someone without a negotiated size gets the defaults.
    assert_eq!(
        think(
            &mut god,
            "[width(*Wendy)] [width(me)] [height(me)] [height(#0,30)]"
        )
        .await,
        "100 78 24 30"
    );
    assert_eq!(think(&mut c, "[lports()]").await, "#-1 PERMISSION DENIED");
    let ports = think(&mut god, "[lports()]").await;
    assert!(ports.split(' ').any(|p| p == handle.to_string()), "{ports}");
    assert_eq!(
        think(&mut god, "[connlog(all,x,y)] [restarts()]").await,
        "#-1 0"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let up: i64 = think(&mut god, "[uptime()]").await.parse().unwrap_or(0);
    assert!(up > now - 600 && up <= now, "{up} vs {now}");
    think(&mut god, "[prompt(*Wendy,Ready?)]").await;
    c.expect("Ready?").await;
}
