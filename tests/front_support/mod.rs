//! Helpers for the TLS and WebSocket tests: a throwaway certificate authority, and TLS and
//! WebSocket clients with the same `send`/`expect` shape as the telnet test client.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use mushd::telnet::{TelnetCodec, TelnetEvent};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use tokio_util::codec::Decoder;

pub const WAIT: Duration = Duration::from_secs(15);

/// A certificate authority made for one test; its leaves are for `localhost` and 127.0.0.1.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A leaf certificate written as PEM files.
pub struct Leaf {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub der: Vec<u8>,
}

impl TestCa {
    pub fn new() -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().expect("CA key");
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, key).expect("CA cert"),
        }
    }

    /// Writes `<name>.crt` and `<name>.key` under `dir`.
    pub fn leaf(&self, dir: &Path, name: &str) -> Leaf {
        let params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".into()])
            .expect("params");
        let key = KeyPair::generate().expect("leaf key");
        let cert = params.signed_by(&key, &self.issuer).expect("leaf cert");
        let leaf = Leaf {
            cert: dir.join(format!("{name}.crt")),
            key: dir.join(format!("{name}.key")),
            der: cert.der().to_vec(),
        };
        std::fs::write(&leaf.cert, cert.pem()).expect("write cert");
        std::fs::write(&leaf.key, key.serialize_pem()).expect("write key");
        leaf
    }

    pub fn client_config(&self) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(self.issuer.der().to_vec()))
            .expect("root");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("versions")
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    }

    /// A TLS connection verified against this CA; retries while the port is not open yet.
    pub async fn connect(&self, addr: &str) -> TlsStream<TcpStream> {
        let tcp = connect_tcp(addr).await;
        let connector = tokio_rustls::TlsConnector::from(self.client_config());
        let name = ServerName::try_from("localhost").expect("name");
        tokio::time::timeout(WAIT, connector.connect(name, tcp))
            .await
            .expect("TLS handshake timed out")
            .expect("TLS handshake")
    }
}

/// The certificate the server presented on this connection.
pub fn peer_cert(tls: &TlsStream<TcpStream>) -> Vec<u8> {
    tls.get_ref().1.peer_certificates().expect("certificates")[0].to_vec()
}

/// Connects, retrying for a while: a freshly started front may not listen yet.
pub async fn connect_tcp(addr: &str) -> TcpStream {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match TcpStream::connect(addr).await {
            Ok(s) => return s,
            Err(e) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "cannot connect to {addr}: {e}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Removes and returns `text` up to and including the first `needle`, if it is there.
fn take_through(text: &mut String, needle: &str) -> Option<String> {
    let end = text.find(needle)? + needle.len();
    Some(text.drain(..end).collect())
}

/// What the TLS and WebSocket clients share: the text read so far, whether the peer
/// closed, and a read that adds to them; waiting for text or for the close is written
/// once on top.
#[allow(async_fn_in_trait)]
pub trait Transcript {
    /// The unread text, and whether the peer has closed.
    fn transcript(&mut self) -> (&mut String, bool);

    /// Reads for at most `wait`, adding what arrives to the transcript.
    async fn read_some(&mut self, wait: Duration);

    /// Waits for `needle`; returns the text up to and including it and consumes that.
    async fn expect(&mut self, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let (text, closed) = self.transcript();
            if let Some(upto) = take_through(text, needle) {
                return upto;
            }
            assert!(!closed, "closed while waiting for {needle:?}; got:\n{text}");
            let now = tokio::time::Instant::now();
            assert!(
                now < deadline,
                "timed out waiting for {needle:?}; got:\n{text}"
            );
            self.read_some(deadline - now).await;
        }
    }

    async fn expect_closed(&mut self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while let (text, false) = self.transcript() {
            let now = tokio::time::Instant::now();
            assert!(now < deadline, "not closed; got:\n{text}");
            self.read_some(deadline - now).await;
        }
    }
}

/// A telnet client over any byte stream (here: TLS). Answers no negotiation.
pub struct StreamClient<S> {
    pub stream: S,
    codec: TelnetCodec,
    buf: BytesMut,
    pub text: String,
    pub closed: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin> StreamClient<S> {
    pub fn new(stream: S) -> Self {
        StreamClient {
            stream,
            codec: TelnetCodec::new(1 << 20, 1 << 16),
            buf: BytesMut::new(),
            text: String::new(),
            closed: false,
        }
    }

    pub async fn send(&mut self, line: &str) {
        self.stream
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .expect("send");
        self.stream.flush().await.expect("flush");
    }

    async fn read_some(&mut self, wait: Duration) {
        let mut chunk = vec![0u8; 16 * 1024];
        match tokio::time::timeout(wait, self.stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => self.closed = true,
            Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
            Err(_) => {}
        }
        loop {
            let ev = if self.closed {
                self.codec.decode_eof(&mut self.buf)
            } else {
                self.codec.decode(&mut self.buf)
            };
            match ev {
                Ok(Some(TelnetEvent::Line { bytes, .. })) => {
                    self.text.push_str(&String::from_utf8_lossy(&bytes));
                    self.text.push('\n');
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Transcript for StreamClient<S> {
    fn transcript(&mut self) -> (&mut String, bool) {
        (&mut self.text, self.closed)
    }

    async fn read_some(&mut self, wait: Duration) {
        StreamClient::read_some(self, wait).await
    }
}

/// A WebSocket client: text frames are lines, binary frames are kept aside.
pub struct WsClient<S> {
    pub ws: WebSocketStream<S>,
    pub text: String,
    pub binary: Vec<Vec<u8>>,
    pub closed: bool,
}

impl WsClient<TcpStream> {
    /// `ws://<addr>/ws`.
    pub async fn connect(addr: &str) -> Self {
        let tcp = connect_tcp(addr).await;
        let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), tcp)
            .await
            .expect("WebSocket handshake");
        Self::new(ws)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsClient<S> {
    pub fn new(ws: WebSocketStream<S>) -> Self {
        WsClient {
            ws,
            text: String::new(),
            binary: Vec::new(),
            closed: false,
        }
    }

    pub async fn send(&mut self, line: &str) {
        self.ws.send(Message::text(line)).await.expect("send");
    }

    pub async fn send_binary(&mut self, data: &[u8]) {
        self.ws
            .send(Message::binary(data.to_vec()))
            .await
            .expect("send");
    }

    async fn read_some(&mut self, wait: Duration) {
        match tokio::time::timeout(wait, self.ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                self.text.push_str(t.as_str());
                self.text.push('\n');
            }
            Ok(Some(Ok(Message::Binary(b)))) => self.binary.push(b.to_vec()),
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => self.closed = true,
            Ok(Some(Ok(_))) | Err(_) => {}
        }
    }

    /// Waits for a binary frame and returns it.
    pub async fn expect_binary(&mut self) -> Vec<u8> {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.binary.is_empty() {
            assert!(!self.closed, "closed; got:\n{}", self.text);
            let now = tokio::time::Instant::now();
            assert!(now < deadline, "no binary frame; got:\n{}", self.text);
            self.read_some(deadline - now).await;
        }
        self.binary.remove(0)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Transcript for WsClient<S> {
    fn transcript(&mut self) -> (&mut String, bool) {
        (&mut self.text, self.closed)
    }

    async fn read_some(&mut self, wait: Duration) {
        WsClient::read_some(self, wait).await
    }
}

/// A free loopback port (bound, then released) for a config file.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}
