//! One load-tool connection: refuses every telnet option, logs in with templates and
//! reads text lines. Works against any MUSH that speaks telnet, not just mushd.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::StreamExt;
use mushd::telnet::cmd::{DONT, WONT};
use mushd::telnet::{TelnetCodec, TelnetEvent};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio_util::codec::FramedRead;

/// Text kept from the server for error messages.
const TRANSCRIPT_BYTES: usize = 2048;

pub struct Conn {
    reader: FramedRead<OwnedReadHalf, TelnetCodec>,
    writer: OwnedWriteHalf,
    refused: HashSet<(bool, u8)>,
    /// The newest text the server sent, for "what did it answer" messages; kept only
    /// while `recording`, so a measured client spends nothing on it.
    pub transcript: String,
    pub recording: bool,
}

/// What `fill` expands in command templates.
pub struct Vars<'a> {
    pub name: &'a str,
    pub password: &'a str,
    pub text: &'a str,
    pub room: usize,
}

pub fn fill(template: &str, v: &Vars) -> String {
    template
        .replace("{name}", v.name)
        .replace("{password}", v.password)
        .replace("{text}", v.text)
        .replace("{room}", &v.room.to_string())
}

impl Conn {
    pub async fn connect(addr: &str) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        let _ = stream.set_nodelay(true);
        let (r, w) = stream.into_split();
        Ok(Conn {
            reader: FramedRead::new(r, TelnetCodec::new(64 * 1024, 4096)),
            writer: w,
            refused: HashSet::new(),
            transcript: String::new(),
            recording: true,
        })
    }

    pub async fn send(&mut self, line: &str) -> std::io::Result<()> {
        let mut data = Vec::with_capacity(line.len() + 2);
        data.extend_from_slice(line.as_bytes());
        data.extend_from_slice(b"\r\n");
        self.writer.write_all(&data).await
    }

    /// The next line as raw bytes, without decoding or recording it: the cheap path
    /// for measured clients. Answers negotiation on the way.
    pub async fn next_raw(&mut self) -> std::io::Result<Option<bytes::Bytes>> {
        loop {
            let Some(event) = self.reader.next().await else {
                return Ok(None);
            };
            match event? {
                TelnetEvent::Line { bytes, .. } => return Ok(Some(bytes)),
                TelnetEvent::Do(o) => self.refuse(true, o).await?,
                TelnetEvent::Will(o) => self.refuse(false, o).await?,
                _ => {}
            }
        }
    }

    /// The next text line; answers negotiation on the way. `None` when the server closed.
    pub async fn next_line(&mut self) -> std::io::Result<Option<String>> {
        loop {
            let Some(event) = self.reader.next().await else {
                return Ok(None);
            };
            match event? {
                TelnetEvent::Line { bytes, .. } => {
                    let line = String::from_utf8_lossy(&bytes).into_owned();
                    if !self.recording {
                        return Ok(Some(line));
                    }
                    self.transcript.push_str(&line);
                    self.transcript.push('\n');
                    if self.transcript.len() > TRANSCRIPT_BYTES * 2 {
                        let cut = self.transcript.len() - TRANSCRIPT_BYTES;
                        let cut = (cut..self.transcript.len())
                            .find(|i| self.transcript.is_char_boundary(*i))
                            .unwrap_or(0);
                        self.transcript.drain(..cut);
                    }
                    return Ok(Some(line));
                }
                // Refuse every option, once per option, so negotiation cannot loop.
                TelnetEvent::Do(o) => self.refuse(true, o).await?,
                TelnetEvent::Will(o) => self.refuse(false, o).await?,
                _ => {}
            }
        }
    }

    async fn refuse(&mut self, ours: bool, opt: u8) -> std::io::Result<()> {
        if self.refused.insert((ours, opt)) {
            let verb = if ours { WONT } else { DONT };
            self.writer
                .write_all(&[mushd::telnet::cmd::IAC, verb, opt])
                .await?;
        }
        Ok(())
    }

    /// Reads until a line contains `needle`.
    pub async fn wait_for(&mut self, needle: &str, timeout: Duration) -> Result<(), String> {
        let result = tokio::time::timeout(timeout, async {
            loop {
                match self.next_line().await {
                    Ok(Some(line)) if line.contains(needle) => return Ok(()),
                    Ok(Some(_)) => {}
                    Ok(None) => return Err("the server closed the connection".to_string()),
                    Err(e) => return Err(e.to_string()),
                }
            }
        })
        .await;
        match result {
            Ok(r) => r,
            Err(_) => Err(format!("no {needle:?} within {timeout:?}")),
        }
    }

    pub async fn close(mut self) {
        let _ = self.writer.shutdown().await;
    }
}

/// How to log in.
pub struct Login<'a> {
    pub addr: &'a str,
    pub create: &'a str,
    pub connect: &'a str,
    pub say: &'a str,
    pub timeout: Duration,
    /// Try `create` first (a fresh game), then `connect`.
    pub create_first: bool,
}

/// Connects and logs in; proves it by saying a token and seeing it echoed.
/// The error says what the server answered.
pub async fn login(how: &Login<'_>, name: &str, password: &str) -> Result<Conn, String> {
    let mut conn = Conn::connect(how.addr)
        .await
        .map_err(|e| format!("{name}: cannot connect to {}: {e}", how.addr))?;
    let token = format!("LOGIN-OK-{name}");
    let order = if how.create_first {
        [how.create, how.connect]
    } else {
        [how.connect, how.create]
    };
    let mut last_error = String::new();
    for (i, template) in order.iter().enumerate() {
        let vars = Vars {
            name,
            password,
            text: &token,
            room: 0,
        };
        let io = async {
            conn.send(&fill(template, &vars)).await?;
            conn.send(&fill(how.say, &vars)).await
        };
        io.await.map_err(|e| format!("{name}: {e}"))?;
        // The first attempt may fail for an existing name: wait less for it.
        let wait = if i == 0 { how.timeout / 3 } else { how.timeout };
        match conn.wait_for(&token, wait).await {
            Ok(()) => {
                conn.recording = false;
                conn.transcript.clear();
                return Ok(conn);
            }
            Err(e) => last_error = e,
        }
    }
    Err(format!(
        "{name}: login failed ({last_error}); the server answered:\n{}",
        conn.transcript.trim_end()
    ))
}
