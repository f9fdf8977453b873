//! Evaluation benchmarks: `cargo bench -p mushd-softcode`.
//!
//! Each expression is timed twice: `parse+eval/<expr>` parses and evaluates the text
//! (as `think` does), `eval/<expr>` evaluates a parse made once up front (as cached
//! attribute parses are). Both run as God (#1) on a fresh database.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use mushd_softcode::{parse, Context, Eval, FreshDb, Mode};

pub const EXPRS: &[&str] = &[
    "words(iter(lnum(1,1000),add(##,1)))",
    "words(setunion(lnum(1,800),lnum(400,1200)))",
    "first(sort(revwords(lnum(1,1000)),n))",
    "strlen(edit(repeat(abcdef,1000),cd,XYZ))",
    "fold(#lambda/add(\\%0,\\%1),lnum(1,1000))",
    "words(iter(lnum(1,1000),switch(mod(##,3),0,a,1,b,c)))",
    "[setq(0,0)][iter(lnum(1,1000),setq(0,add(%q0,##)))][r(0)]",
    "strlen(iter(lnum(1,30),iter(lnum(1,30),mul(##,2))))",
];

fn bench(c: &mut Criterion) {
    let mut db = FreshDb::new();
    for expr in EXPRS {
        c.bench_function(&format!("parse+eval/{expr}"), |b| {
            b.iter(|| {
                let mut ev = Eval::new(&mut db, Context::new(1, 1, 1));
                black_box(ev.eval_str(black_box(expr), Mode::Command))
            })
        });
        let parsed = parse(expr, Mode::Command).expect("parses");
        c.bench_function(&format!("eval/{expr}"), |b| {
            b.iter(|| {
                let mut ev = Eval::new(&mut db, Context::new(1, 1, 1));
                black_box(ev.eval_to_string(black_box(&parsed)))
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1))
        .sample_size(20);
    targets = bench
}
criterion_main!(benches);
