//! Colour over telnet: markup made by ansi() reaches a player with ANSI and COLOR as
//! PennMUSH's escape codes, one with ANSI alone as hilite only, and one with neither as
//! plain text; stored attributes keep it; a player cannot type markup.

mod common;

use common::TestServer;

/// Sends `line` between markers and returns exactly what came back for it.
async fn ask(c: &mut common::Client, line: &str) -> String {
    c.send("think --start--").await;
    c.expect("--start--").await;
    c.send(line).await;
    c.send("think --end--").await;
    let got = c.expect("--end--").await;
    got.trim_end_matches("--end--")
        .trim_end_matches(['\r', '\n'])
        .trim_start_matches(['\r', '\n'])
        .to_string()
}

#[tokio::test]
async fn colour_follows_the_players_flags() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    god.sync().await;
    ask(&mut god, "@set me=ANSI").await;
    ask(&mut god, "@set me=COLOR").await;
    assert_eq!(
        ask(&mut god, "think [ansi(r,red)]").await,
        "\x1b[31mred\x1b[0m"
    );
    assert_eq!(
        ask(&mut god, "think [mid(ansi(hr,abcdef),1,2)]").await,
        "\x1b[1;31mbc\x1b[0m"
    );

    let mut bob = server.player("Bob").await;
    bob.sync().await;
    // New players start with ANSI but not COLOR: hilite only.
    assert_eq!(
        ask(&mut bob, "think [ansi(hr,bold)]").await,
        "\x1b[1mbold\x1b[0m"
    );
    ask(&mut bob, "@set me=!ANSI").await;
    assert_eq!(ask(&mut bob, "think [ansi(r,red)]").await, "red");

    // The same line told to a room reaches each player in their own colours.
    bob.drain(std::time::Duration::from_millis(100)).await;
    god.send("@emit [ansi(g,hello)] world").await;
    god.expect("\x1b[32mhello\x1b[0m world").await;
    let heard = bob.expect_line("world").await;
    assert_eq!(heard.trim_end(), "hello world");
}

#[tokio::test]
async fn markup_is_stored_but_cannot_be_typed() {
    let server = TestServer::start().await;
    let mut god = server.god().await;
    god.sync().await;
    ask(&mut god, "@set me=COLOR").await;
    ask(&mut god, "think [set(me,tint:[ansi(b,blue)])]").await;
    assert_eq!(ask(&mut god, "think [strlen(get(me/tint))]").await, "4");
    assert_eq!(
        ask(&mut god, "think [get(me/tint)]").await,
        "\x1b[34mblue\x1b[0m"
    );
    // Typed control characters are dropped, so the tag bytes never reach the game.
    assert_eq!(ask(&mut god, "think a\x02cr\x03b\x1bc").await, "acrbc");
}
