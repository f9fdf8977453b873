//! Softcode over telnet: `think` evaluates as PennMUSH does, and hostile softcode is
//! stopped by the limits while another player is still answered promptly.

mod common;

use std::time::{Duration, Instant};

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
        .to_string()
}

#[tokio::test]
async fn think_evaluates_like_pennmush() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    god.sync().await;
    for (expr, want) in [
        ("[add(1,2)]", "3"),
        ("add(1,2) trailing text", "3 trailing text"),
        ("text before add(1,2)", "text before add(1,2)"),
        ("hello   world", "hello world"),
        (
            "[foo(1)]",
            "#-1 FUNCTION (FOO) NOT FOUND DID YOU MEAN 'POS'",
        ),
        ("[setq(0,hi)][r(0)] %q0 [strlen(hello)]", "hi hi 5"),
        ("[words(iter(lnum(1,1000),add(##,1)))]", "1000"),
        ("\\[add(1,2)\\]", "[add(1,2)]"),
    ] {
        assert_eq!(think(&mut god, expr).await, want, "think {expr}");
    }
    // Nested beyond PennMUSH's parse limit: the whole command fails as unknown.
    let deep = format!("{}1{}", "add(1,".repeat(120), ")".repeat(120));
    assert!(think(&mut god, &deep).await.contains("Huh?"));
}

#[tokio::test]
async fn hostile_softcode_is_bounded_and_others_are_answered() {
    let server = TestServer::start().await;
    let mut mallory = server.player("Mallory").await;
    let mut ann = server.player("Ann").await;
    let mut bob = server.player("Bob").await;
    mallory.sync().await;
    ann.sync().await;
    bob.sync().await;
    for expr in [
        "[lnum(1,100000000)]",
        "[repeat(abcdefgh,100000000)]",
        "[repeat(repeat(x,5000),5000)]",
        "[iter(lnum(1,5000),iter(lnum(1,5000),add(##,1)))]",
        "[regmatch(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab,^(a+)+$)]",
    ] {
        mallory.send(&format!("think {expr}")).await;
        // While that runs (or right after), Ann's say reaches Bob promptly.
        let started = Instant::now();
        ann.send(&format!("say still here after {}", expr.len()))
            .await;
        bob.expect(&format!("still here after {}", expr.len()))
            .await;
        let waited = started.elapsed();
        assert!(waited < Duration::from_secs(5), "{expr}: {waited:?}");
        let answer = think(&mut mallory, "done").await;
        // The result is capped at PennMUSH's buffer, never megabytes.
        assert!(answer.len() < 8_300, "{expr}: {} bytes", answer.len());
    }
    assert!(!server.logs().contains("panicked"));
}
