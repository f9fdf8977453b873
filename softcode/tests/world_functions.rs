//! Database, attribute, connection and side-effect functions over `FreshDb`.

use mushd_softcode::host::{ObjType, NOTHING};
use mushd_softcode::{Context, Eval, FreshDb, Mode};

/// A world: #3 Widget (carried by One, parent #4 Gadget), #4 Gadget, #5 Bob (player),
/// #6 Pebble owned by Bob in Room Zero.
fn world() -> FreshDb {
    let mut db = FreshDb::new();
    let w = db.add("Widget", ObjType::Thing, 1, 1);
    let g = db.add("Gadget", ObjType::Thing, 1, 1);
    let bob = db.add("Bob", ObjType::Player, 0, 5);
    db.add("Pebble", ObjType::Thing, 0, bob);
    db.set_attr(w, "GREETING", "Hello, %0!");
    db.set_attr(w, "ADDER", "add(%0,%1)");
    db.set_attr(w, "NUM.ONE", "1");
    db.set_attr(w, "NUM.TWO", "2");
    db.set_attr(w, "TREE`LEAF", "leaf");
    db.set_attr(w, "REC", "u(me/REC)");
    db.set_attr(w, "SETQ", "setq(0,inner)%q0");
    db.set_attr(g, "PATTR", "from gadget");
    db.objects[3].parent = g;
    db.objects[3].flags.push("DARK".into());
    db
}

fn think_as(db: &mut FreshDb, who: i64, expr: &str) -> String {
    let result = {
        let mut ev = Eval::new(db, Context::new(who, who, who));
        ev.eval_str(expr, Mode::Command).unwrap_or_default()
    };
    let mut lines: Vec<String> = db
        .take_notifications()
        .into_iter()
        .filter(|(to, _)| *to == who)
        .map(|(_, t)| t)
        .collect();
    if !result.is_empty() || lines.is_empty() {
        lines.push(result);
    }
    lines.join("\n")
}

fn think(db: &mut FreshDb, expr: &str) -> String {
    think_as(db, 1, expr)
}

#[test]
fn identity_and_location() {
    let mut db = world();
    for (expr, want) in [
        ("name(Widget)", "Widget"),
        ("name(#0)", "Room Zero"),
        (
            "name(nosuch)",
            "I can't see that here.\n#-1 NO SUCH OBJECT VISIBLE",
        ),
        ("num(Widget)", "#3"),
        ("num(nosuch)", "I can't see that here.\n#-1"),
        ("loc(Widget)", "#1"),
        ("loc(here)", "#-1"),
        ("lcon(me)", "#4 #3"),
        ("lcon(here,player)", "#5 #1"),
        ("con(me)", "#4"),
        ("next(#4)", "#3"),
        ("next(#3)", "#-1"),
        (
            "[type(Widget)]|[type(me)]|[type(here)]",
            "THING|PLAYER|ROOM",
        ),
        ("hastype(Widget,player thing)", "1"),
        ("hastype(Widget,bogus)", "#-1 NO SUCH TYPE"),
        ("room(Widget)", "#0"),
        ("rloc(Widget,1)", "#1"),
        ("name(parent(Widget))", "Gadget"),
        ("children(#4)", "#3"),
        ("owner(Pebble)", "#5"),
        ("pmatch(Bob)", "#5"),
        ("pmatch(Nobody)", "No match.\n#-1"),
        ("objid(#0)", "#0:0"),
        ("controls(me,Widget)", "1"),
        (
            "controls(me,nosuch)",
            "I can't see that here.\n#-1 ARG2 NOT FOUND",
        ),
        ("locate(me,Widget,i)", "#3"),
        ("locate(me,Widget,n)", "#-1"),
    ] {
        assert_eq!(think(&mut db, expr), want, "{expr}");
    }
    assert_eq!(NOTHING, -1);
}

#[test]
fn flags() {
    let mut db = world();
    for (expr, want) in [
        ("flags(Widget)", "TD"),
        ("flags(me)", "PW"),
        ("lflags(me)", "WIZARD"),
        ("hasflag(Widget,DARK)", "1"),
        ("hasflag(Widget,D)", "1"),
        ("hasflag(me,PLAYER)", "1"),
        ("hasflag(Widget,SAFE)", "0"),
        ("andflags(me,PW)", "1"),
        ("andflags(me,P!W)", "0"),
        ("orflags(me,DW)", "1"),
        ("andlflags(me,PLAYER WIZARD)", "1"),
        ("orlflags(me,DARK SAFE)", "0"),
        ("haspower(me,Builder)", "0"),
        ("money(me)", "0"),
    ] {
        assert_eq!(think(&mut db, expr), want, "{expr}");
    }
}

#[test]
fn attributes_and_user_functions() {
    let mut db = world();
    for (expr, want) in [
        ("get(Widget/GREETING)", "Hello, %0!"),
        ("get(Widget/greeting)", "Hello, %0!"),
        ("get(Widget/PATTR)", "from gadget"),
        ("get(Widget)", "#-1 BAD ARGUMENT FORMAT TO GET"),
        ("xget(Widget,TREE`LEAF)", "leaf"),
        ("u(Widget/GREETING,World)", "Hello, World!"),
        ("ufun(Widget/ADDER,2,3)", "5"),
        ("u(Widget/NOSUCH)", ""),
        (
            "u(nosuch/FOO)",
            "I can't see that here.\n#-1 INVALID OBJECT",
        ),
        (
            "u(#lambda/add(1,2))",
            "I can't see that here.\n#-1 INVALID OBJECT",
        ),
        ("u(Widget/REC)", "#-1 FUNCTION RECURSION LIMIT EXCEEDED"),
        ("setq(0,outer)[ulocal(Widget/SETQ)]-%q0", "inner-outer"),
        ("setq(0,outer)[u(Widget/SETQ)]-%q0", "inner-inner"),
        ("udefault(Widget/NOSUCH,none,x)", "none"),
        ("udefault(Widget/ADDER,none,1,2)", "3"),
        ("default(Widget/NOSUCH,Widget/NUM.ONE,none)", "1"),
        ("edefault(Widget/NOSUCH,[add(1,1)])", "2"),
        ("eval(Widget,ADDER)", "#-1 ARGUMENTS MUST BE NUMBERS"),
        ("get_eval(Widget/NUM.TWO)", "2"),
        ("objeval(Widget,name(me))", "Widget"),
        ("lattr(Widget/NUM.*)", "NUM.ONE NUM.TWO"),
        ("lattr(Widget/NUM.*,|)", "NUM.ONE|NUM.TWO"),
        ("lattrp(Widget/P*)", "PATTR"),
        ("nattr(Widget)", "7"),
        ("nattrp(Widget)", "8"),
        ("[hasattr(Widget,GREETING)]|[hasattr(Widget/PATTR)]", "1|0"),
        (
            "[hasattrp(Widget,PATTR)]|[hasattrval(Widget,NOSUCH)]",
            "1|0",
        ),
        ("grep(Widget,*,leaf)", "TREE`LEAF"),
        ("grepi(Widget,*,LEAF)", "TREE`LEAF"),
        ("wildgrep(Widget,NUM.*,?)", "NUM.ONE NUM.TWO"),
        ("regrep(Widget,*,^Hel)", "GREETING"),
        ("v(NUM.ONE)", ""),
    ] {
        assert_eq!(think(&mut db, expr), want, "{expr}");
    }
}

#[test]
fn mortals_are_refused() {
    let mut db = world();
    // Bob (#5) does not control One's Widget.
    assert_eq!(
        think_as(&mut db, 5, "get(#3/GREETING)"),
        "#-1 NO PERMISSION TO GET ATTRIBUTE"
    );
    assert_eq!(
        think_as(&mut db, 5, "u(#3/ADDER,1,2)"),
        "#-1 PERMISSION DENIED"
    );
    assert_eq!(think_as(&mut db, 5, "controls(me,#3)"), "0");
    assert_eq!(
        think_as(&mut db, 5, "set(#3,SAFE)"),
        "#-1 PERMISSION DENIED"
    );
    assert_eq!(think(&mut db, "hasflag(Widget,SAFE)"), "0");
    assert_eq!(
        think_as(&mut db, 5, "set(Pebble,SAFE)[hasflag(Pebble,SAFE)]"),
        "1"
    );
}

#[test]
fn side_effects_are_handed_to_the_host() {
    let mut db = world();
    assert_eq!(think(&mut db, "create(Thingy)"), "#7");
    assert_eq!(think(&mut db, "name(loc(Thingy))"), "One");
    assert_eq!(think(&mut db, "create()"), "Create what?\n#-1");
    assert_eq!(
        think(&mut db, "set(Thingy,FOO:bar)[get(Thingy/FOO)]"),
        "bar"
    );
    assert_eq!(
        think(&mut db, "attrib_set(Thingy/FOO)[hasattr(Thingy,FOO)]"),
        "0"
    );
    assert_eq!(think(&mut db, "name(Thingy,Thing2)[name(#7)]"), "Thing2");
    assert_eq!(think(&mut db, "tel(#7,here)[loc(#7)]"), "#0");
    assert_eq!(think(&mut db, "parent(#7,Gadget)"), "#4");
    {
        let mut ev = Eval::new(&mut db, Context::new(1, 1, 1));
        let _ = ev.eval_str("[pemit(#5,hi there)][emit(to the room)]", Mode::Command);
    }
    let notes = db.take_notifications();
    assert!(notes.iter().any(|(to, t)| *to == 5 && t == "hi there"));
    assert!(notes.iter().any(|(to, t)| *to == 5 && t == "to the room"));
}

#[test]
fn connections_without_sessions() {
    let mut db = world();
    for (expr, want) in [
        ("conn(me)", "-1"),
        ("idle(me)", "-1"),
        ("idlesecs(me)", "-1"),
        ("lwho()", ""),
        ("nwho()", "0"),
        ("poll()", "Doing"),
        ("xwho(0,1)", "#-1 ARGUMENT OUT OF RANGE"),
        ("csecs(#0)", "0"),
        ("ctime(#0)", "Thu Jan  1 00:00:00 1970"),
    ] {
        assert_eq!(think(&mut db, expr), want, "{expr}");
    }
}

#[test]
fn huge_attribute_lists_stop_at_the_buffer() {
    let mut db = FreshDb::new();
    for i in 0..10_000 {
        db.set_attr(1, &format!("ATTRIBUTE_NUMBER_{i:05}"), "x");
    }
    let out = think(&mut db, "lattr(me)");
    assert!(out.len() <= 8191, "{}", out.len());
    assert!(out.starts_with("ATTRIBUTE_NUMBER_00000 "));
    assert_eq!(think(&mut db, "strlen(lattr(me))"), "8191");
}

#[test]
fn entrances_lists_links_quietly_and_by_type() {
    let mut db = world();
    // Widget's home and an exit both lead to Room Zero.
    db.objects[3].link = 0;
    let exit = db.add("Door", ObjType::Exit, 2, 1);
    db.objects[exit as usize].link = 0;
    assert_eq!(
        think_as(&mut db, 1, "entrances(here)"),
        format!("#3 #{exit}")
    );
    assert_eq!(
        think_as(&mut db, 1, "entrances(here,e)"),
        format!("#{exit}")
    );
    assert_eq!(think_as(&mut db, 1, "entrances(here,t,0,3)"), "#3");
    assert_eq!(
        think_as(&mut db, 1, "entrances(here,x)"),
        "#-1 INVALID SECOND ARGUMENT"
    );
    // No "I can't see that here." for a name that matches nothing.
    assert_eq!(
        think_as(&mut db, 1, "entrances(Nowhere)"),
        "#-1 INVALID LOCATION"
    );
}
