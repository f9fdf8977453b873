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
        ("[nattr(Widget)]", "5"),
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
