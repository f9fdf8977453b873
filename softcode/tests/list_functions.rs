//! Focused tests for the list, set, sort and functional families, plus a hand-run
//! release timing check: `cargo test --release --test list_functions -- --ignored --nocapture`.

use mushd_softcode::{Context, Eval, FreshDb, Mode};

fn ev(expr: &str) -> String {
    let mut db = FreshDb::new();
    let mut e = Eval::new(&mut db, Context::new(1, 1, 1));
    e.eval_str(expr, Mode::Default).unwrap_or_default()
}

#[test]
fn lists_basic() {
    assert_eq!(ev("extract(a b c d e,2,-2)"), "b c d");
    assert_eq!(ev("elements(a|b|c|d,1 3,|,-)"), "a-c");
    assert_eq!(ev("index(a|b|c|d,|,2,10)"), "b|c|d");
    assert_eq!(ev("linsert(a b c,-1,X)"), "a b c X");
    assert_eq!(ev("ldelete(a b c d,1 -1)"), "b c");
    assert_eq!(ev("lreplace(a b c d,1 -1,X)"), "X b c X");
    assert_eq!(ev("remove(a a a,a a)"), "a");
    assert_eq!(ev("wordpos(foo bar baz,4)"), "2");
    assert_eq!(ev("elist(a b c,and,,%r)"), "a,\nb,\nand\nc");
    assert_eq!(ev("words(a::b,::)"), "#-1 SEPARATOR MUST BE ONE CHARACTER");
    assert_eq!(ev("lnum(1,2,,0.5)"), "11.52");
    assert_eq!(ev("matchall(a b a b,a)"), "1 3");
    assert_eq!(ev("merge(AB--EF,abcdef,-)"), "ABcdEF");
}

#[test]
fn lists_hostile() {
    assert_eq!(ev("lnum(1,100000000)").len(), 8191);
    assert_eq!(ev("lnum(0,1e300,,1e-300)").len(), 8191);
    assert!(ev("lnum(1,9223372036854775807,,9223372036854775807)").len() <= 8191);
    assert!(ev("lnum(-9e18,9e18,,1)").len() <= 8191);
    assert_eq!(
        ev("extract(a b,99999999999999999999,1)"),
        "#-1 ARGUMENTS MUST BE INTEGERS"
    );
    assert_eq!(ev("randextract(a b c,99999999999,,d)").len(), 8191);
    assert_eq!(
        ev("step(#lambda/x,a b,99999999999)"),
        "#-1 STEP OUT OF RANGE"
    );
}

#[test]
fn sorting() {
    assert_eq!(ev("sort(B a C b)"), "a B b C");
    assert_eq!(ev("sort(a10 a9 a100)"), "a9 a10 a100");
    assert_eq!(ev("sort(#10 #2 #1)"), "#10 #1 #2");
    assert_eq!(ev("sort(x2 x10 x1,-m)"), "x10 x2 x1");
    assert_eq!(ev("sort(1e3 5 20)"), "5 20 1e3");
    assert_eq!(ev("sortkey(#lambda/strlen(\\%0),ccc a bb,-n)"), "ccc bb a");
    assert_eq!(ev("sortby(#lambda/sub(\\%0,\\%1),10 2 33 4)"), "2 4 10 33");
    // An inconsistent comparator must not panic.
    assert_eq!(ev("words(sortby(#lambda/rand(3),lnum(50)))"), "50");
    assert_eq!(ev("words(sortby(#lambda/1,lnum(50)))"), "50");
}

#[test]
fn sets() {
    assert_eq!(ev("setunion(B a,A b)"), "a B");
    assert_eq!(ev("setunion(10 9 1,2)"), "1 2 9 10");
    assert_eq!(ev("setdiff(10 9 1,9,,n)"), "1 10");
    assert_eq!(ev("setsymdiff(a|b,b|c,|,a,-)"), "a-c");
    assert_eq!(ev("unique(1 1.0 2,f)"), "1 2");
    assert_eq!(ev("words(setunion(lnum(1,800),lnum(400,1200)))"), "1200");
}

#[test]
fn functional() {
    assert_eq!(ev("map(#lambda/[\\%0]-[\\%1],a b c)"), "a-1 b-2 c-3");
    assert_eq!(ev("fold(#lambda/add(\\%0,\\%1),lnum(1,1000))"), "500500");
    assert_eq!(ev("filter(#lambda/gt(\\%0,1),1|2|3,|,-)"), "2-3");
    assert_eq!(
        ev("step(#lambda/[\\%0][\\%1][\\%2],a b c d e,3,,|)"),
        "abc|de"
    );
    assert_eq!(ev("mix(#lambda/[\\%0][\\%1],a b c,x y)"), "ax by c");
    assert_eq!(ev("munge(#lambda/sort(\\%0),b a a,1 2 3)"), "2 3 1");
    assert_eq!(ev("foreach(#lambda/ucstr(\\%0),ab<cd>ef,<,>)"), "abCDef");
    assert_eq!(ev("ulambda(#lambda/\\%+,a,b,c)"), "3");
    assert_eq!(ev("iter(a b,iter(x y,[ibreak(1)]##))"), "a b");
    // iter() substitutes ## textually into its body, lambda text included.
    assert_eq!(ev("iter(a b,map(#lambda/##,x))"), "a b");
}

const TIMED: &[&str] = &[
    "words(iter(lnum(1,1000),add(##,1)))",
    "words(setunion(lnum(1,800),lnum(400,1200)))",
    "first(sort(revwords(lnum(1,1000)),n))",
    "fold(#lambda/add(\\%0,\\%1),lnum(1,1000))",
    "[setq(0,0)][iter(lnum(1,1000),setq(0,add(%q0,##)))][r(0)]",
    "words(map(#lambda/mul(\\%0,2),lnum(1,1000)))",
    "words(filter(#lambda/mod(\\%0,2),lnum(1,1000)))",
    "words(sortby(#lambda/sub(\\%0,\\%1),revwords(lnum(1,300))))",
    "lnum(1,100000000)",
];

#[test]
#[ignore]
fn timing() {
    let extra = std::env::var("TIMING_EXPRS").unwrap_or_default();
    let extra: Vec<&str> = extra.split(';').filter(|s| !s.is_empty()).collect();
    for e in TIMED.iter().chain(extra.iter()) {
        let n = 200;
        let mut out = String::new();
        let t = std::time::Instant::now();
        for _ in 0..n {
            out = ev(e);
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
        let shown: String = out.chars().take(20).collect();
        println!("{us:>9.1} us  {e}  => {shown}");
    }
}
