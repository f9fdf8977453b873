//! The web client in a real headless Chromium, driven over the DevTools protocol: it logs
//! in through the page served by mushd's front process, talks with a telnet player, and
//! renders that player's ANSI colour as a coloured span. Saves a screenshot to
//! `target/web-client.png`.

mod common;
mod front_support;

use std::process::Stdio;
use std::time::Duration;

use common::{Options, TestServer};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

const WAIT: Duration = Duration::from_secs(20);

/// A DevTools protocol connection to one page.
struct Browser {
    _child: tokio::process::Child,
    ws: WebSocketStream<TcpStream>,
    session: String,
    next_id: u64,
    _profile: tempfile::TempDir,
}

fn chromium_binary() -> String {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        let found = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if found {
            return name.to_string();
        }
    }
    panic!(
        "Chromium is not installed: this test needs a headless browser \
         (scripts/test.sh installs it; by hand: apt-get install -y chromium)"
    );
}

impl Browser {
    async fn open(url: &str) -> Browser {
        let profile = tempfile::tempdir().expect("tempdir");
        let mut child = tokio::process::Command::new(chromium_binary())
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--window-size=1000,700",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromium");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let endpoint = tokio::time::timeout(WAIT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(at) = line.find("ws://") {
                    if line.contains("DevTools listening on") {
                        return line[at..].trim().to_string();
                    }
                }
            }
            panic!("chromium exited without a DevTools endpoint");
        })
        .await
        .expect("chromium did not start");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let hostport = endpoint["ws://".len()..].split('/').next().expect("host");
        let tcp = TcpStream::connect(hostport).await.expect("devtools");
        let (ws, _) = tokio_tungstenite::client_async(endpoint.as_str(), tcp)
            .await
            .expect("devtools handshake");
        let mut b = Browser {
            _child: child,
            ws,
            session: String::new(),
            next_id: 0,
            _profile: profile,
        };
        let target = b.call("Target.createTarget", json!({ "url": url })).await;
        let target_id = target["targetId"].as_str().expect("targetId").to_string();
        let attached = b
            .call(
                "Target.attachToTarget",
                json!({ "targetId": target_id, "flatten": true }),
            )
            .await;
        b.session = attached["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_string();
        b
    }

    /// Sends a command (to the page once attached) and waits for its result.
    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if !self.session.is_empty() {
            msg["sessionId"] = json!(self.session);
        }
        self.ws
            .send(Message::text(msg.to_string()))
            .await
            .expect("devtools send");
        loop {
            let m = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("devtools answer timed out")
                .expect("devtools closed")
                .expect("devtools read");
            let Message::Text(t) = m else { continue };
            let v: Value = serde_json::from_str(t.as_str()).expect("json");
            if v["id"] == json!(id) {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    /// Evaluates JavaScript in the page and returns its value.
    async fn eval(&mut self, js: &str) -> Value {
        let r = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": js, "returnByValue": true }),
            )
            .await;
        assert!(r.get("exceptionDetails").is_none(), "{js}: {r}");
        r["result"]["value"].clone()
    }

    /// Waits until `js` evaluates to true.
    async fn wait_for(&mut self, what: &str, js: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        // The page may still be loading: an error counts as not yet.
        let guarded =
            format!("(() => {{ try {{ return ({js}); }} catch (e) {{ return false; }} }})()");
        while self.eval(&guarded).await != json!(true) {
            if tokio::time::Instant::now() > deadline {
                let text = self
                    .eval("document.getElementById('output').innerText")
                    .await;
                panic!("never happened: {what}; page shows:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types a line into #input and presses Enter, as a person would.
    async fn type_line(&mut self, line: &str) {
        self.eval("document.getElementById('input').focus()").await;
        self.call("Input.insertText", json!({ "text": line })).await;
        for kind in ["keyDown", "keyUp"] {
            let mut key = json!({
                "type": kind, "key": "Enter", "code": "Enter",
                "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13
            });
            if kind == "keyDown" {
                key["text"] = json!("\r");
            }
            self.call("Input.dispatchKeyEvent", key).await;
        }
    }

    async fn output_contains(&mut self, what: &str, needle: &str) {
        let js = format!(
            "document.getElementById('output').innerText.includes({})",
            json!(needle)
        );
        self.wait_for(what, &js).await;
    }
}

#[tokio::test]
async fn the_web_client_logs_in_talks_and_shows_colour() {
    let web_port = front_support::free_port();
    let opts = Options {
        server: format!("web_listen = [\"127.0.0.1:{web_port}\"]\n"),
        ..Options::default()
    };
    let server = TestServer::start_opts(&opts).await;
    let mut plain = server.player("Plain").await;
    // The page is served by the front, which may still be starting.
    drop(front_support::connect_tcp(&format!("127.0.0.1:{web_port}")).await);

    let mut page = Browser::open(&format!("http://127.0.0.1:{web_port}/")).await;
    page.wait_for(
        "connected",
        "document.getElementById('status').className === 'up'",
    )
    .await;
    page.output_contains("the welcome screen", "Welcome").await;
    page.type_line("create Webby pw-webby").await;
    page.output_contains("login", "Your character has been created.")
        .await;
    page.type_line("@set me=COLOR").await;
    page.type_line("say hello from the browser").await;
    plain.expect("Webby says, \"hello from the browser\"").await;

    plain.send("@emit [ansi(r,red text)] plain text").await;
    page.output_contains("the coloured line", "red text plain text")
        .await;
    let colour = page
        .eval(
            "(() => { const s = [...document.querySelectorAll('#output span')]\
               .find(e => e.textContent === 'red text');\
               return s ? getComputedStyle(s).color : null; })()",
        )
        .await;
    assert_eq!(colour, json!("rgb(205, 0, 0)"), "the span's colour");
    // The text after the reset is not coloured.
    let after = page
        .eval(
            "(() => { const l = [...document.querySelectorAll('#output div')]\
               .find(e => e.innerText.includes('plain text'));\
               return l.lastChild.nodeType === Node.TEXT_NODE; })()",
        )
        .await;
    assert_eq!(after, json!(true));

    let shot = page
        .call("Page.captureScreenshot", json!({ "format": "png" }))
        .await;
    let png = decode_base64(shot["data"].as_str().expect("png data"));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/web-client.png");
    let _ = std::fs::create_dir_all(path.parent().expect("dir"));
    std::fs::write(&path, png).expect("write screenshot");
    println!("screenshot: {}", path.display());
}

/// Standard base64, as DevTools sends screenshots.
fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("bad base64"),
    };
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=').map(val).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            n |= (b as u32) << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}
