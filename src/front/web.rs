//! The web port: `GET /` serves the client page, `GET /ws` upgrades to a WebSocket whose
//! frames are translated to and from mushd's telnet stream.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::run::{Ctx, Kind, HANDSHAKE_TIMEOUT, RESTARTING};
use super::translate::{binary_to_telnet, text_to_telnet, TelnetToWs, WsOut};

/// The web client, built into the binary.
pub const CLIENT_PAGE: &str = include_str!("../../web/client.html");

/// The largest WebSocket message or frame a browser may send.
const MAX_WS_MESSAGE: usize = 64 * 1024;
/// How long an unfinished line (a prompt) waits for the rest before it is sent alone.
const PARTIAL_LINE_WAIT: Duration = Duration::from_millis(50);

pub(super) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    ctx: Arc<Ctx>,
    permit: OwnedSemaphorePermit,
) {
    let permit = Arc::new(permit);
    if ctx.web_tls {
        let Some(certs) = &ctx.certs else { return };
        let accept = certs.acceptor().accept(stream);
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, accept).await {
            Ok(Ok(tls)) => http(tls, peer, Kind::Wss, ctx, permit).await,
            Ok(Err(e)) => tracing::debug!(%peer, "front: TLS handshake failed: {e}"),
            Err(_) => tracing::debug!(%peer, "front: TLS handshake timed out"),
        }
    } else {
        http(stream, peer, Kind::Ws, ctx, permit).await;
    }
}

/// One HTTP/1.1 connection, bounded in time; an upgrade hands the socket to `ws_client`.
async fn http<S>(
    io: S,
    peer: SocketAddr,
    kind: Kind,
    ctx: Arc<Ctx>,
    permit: Arc<OwnedSemaphorePermit>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let ctx = ctx.clone();
        let permit = permit.clone();
        async move { Ok::<_, Infallible>(respond(req, peer, kind, ctx, permit)) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HANDSHAKE_TIMEOUT)
        .max_buf_size(64 * 1024)
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, conn).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::debug!(%peer, "front: HTTP: {e}"),
        Err(_) => tracing::debug!(%peer, "front: HTTP connection timed out"),
    }
}

fn respond(
    req: Request<Incoming>,
    peer: SocketAddr,
    kind: Kind,
    ctx: Arc<Ctx>,
    permit: Arc<OwnedSemaphorePermit>,
) -> Response<Full<Bytes>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "GET only\n");
    }
    match req.uri().path() {
        "/" | "/index.html" => {
            let mut r = Response::new(Full::new(Bytes::from_static(CLIENT_PAGE.as_bytes())));
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                     connect-src 'self' ws: wss:; img-src data:",
                ),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            r
        }
        "/ws" => upgrade(req, peer, kind, ctx, permit),
        _ => plain(StatusCode::NOT_FOUND, "not found\n"),
    }
}

fn plain(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Answers a WebSocket upgrade (RFC 6455 section 4.2) and starts the session behind it.
fn upgrade(
    mut req: Request<Incoming>,
    peer: SocketAddr,
    kind: Kind,
    ctx: Arc<Ctx>,
    permit: Arc<OwnedSemaphorePermit>,
) -> Response<Full<Bytes>> {
    let h = req.headers();
    let has_token = |name: header::HeaderName, token: &str| {
        h.get_all(name).iter().any(|v| {
            v.to_str()
                .map(|s| s.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
                .unwrap_or(false)
        })
    };
    let upgrade_ok =
        has_token(header::UPGRADE, "websocket") && has_token(header::CONNECTION, "upgrade");
    let version_ok = h
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_some_and(|v| v.as_bytes() == b"13");
    let Some(key) = h
        .get(header::SEC_WEBSOCKET_KEY)
        .filter(|_| upgrade_ok && version_ok)
    else {
        return plain(StatusCode::BAD_REQUEST, "expected a WebSocket upgrade\n");
    };
    let accept = derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let config = WebSocketConfig::default()
                    .read_buffer_size(4096)
                    .write_buffer_size(4096)
                    .max_write_buffer_size(1 << 20)
                    .max_message_size(Some(MAX_WS_MESSAGE))
                    .max_frame_size(Some(MAX_WS_MESSAGE));
                let ws = WebSocketStream::from_raw_socket(
                    TokioIo::new(upgraded),
                    Role::Server,
                    Some(config),
                )
                .await;
                ws_client(ws, peer, kind, &ctx).await;
            }
            Err(e) => tracing::debug!(%peer, "front: upgrade failed: {e}"),
        }
        drop(permit);
    });
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let hs = r.headers_mut();
    hs.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    hs.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        hs.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    r
}

fn frame(out: WsOut) -> Message {
    match out {
        WsOut::Text(t) => Message::text(t),
        WsOut::Binary(b) => Message::binary(b),
    }
}

/// Pumps one WebSocket client to and from mushd until either side closes.
async fn ws_client<S>(mut ws: WebSocketStream<S>, peer: SocketAddr, kind: Kind, ctx: &Ctx)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let backend = match ctx.connect_backend(kind, peer).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(%peer, "front: mushd unreachable: {e}");
            let _ = ws.send(Message::text(RESTARTING)).await;
            let _ = ws.close(None).await;
            return;
        }
    };
    let (mut back_r, mut back_w) = backend.into_split();
    let mut decoder = TelnetToWs::new();
    let mut buf = vec![0u8; 4096];
    let mut prompt_at: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            msg = ws.next() => {
                let bytes = match msg {
                    Some(Ok(Message::Text(t))) => text_to_telnet(t.as_str()),
                    Some(Ok(Message::Binary(b))) => binary_to_telnet(&b),
                    // Pings are answered by tungstenite on the next read or write.
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                    Some(Ok(Message::Close(_))) | None => break,
                    Some(Err(e)) => {
                        tracing::debug!(%peer, "front: WebSocket: {e}");
                        break;
                    }
                };
                if back_w.write_all(&bytes).await.is_err() {
                    break;
                }
            }
            n = back_r.read(&mut buf) => {
                let n = match n {
                    Ok(0) | Err(_) => {
                        flush_partial(&mut ws, &mut decoder).await;
                        break;
                    }
                    Ok(n) => n,
                };
                let mut failed = false;
                for out in decoder.feed(&buf[..n]) {
                    if ws.feed(frame(out)).await.is_err() {
                        failed = true;
                        break;
                    }
                }
                if failed || ws.flush().await.is_err() {
                    break;
                }
                prompt_at = decoder
                    .has_partial()
                    .then(|| tokio::time::Instant::now() + PARTIAL_LINE_WAIT);
            }
            _ = sleep_until(prompt_at), if prompt_at.is_some() => {
                prompt_at = None;
                if !flush_partial(&mut ws, &mut decoder).await {
                    break;
                }
            }
        }
    }
    // mushd hears of it first; then a close frame (or the answer to the client's) goes out.
    drop((back_r, back_w));
    let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}

/// Sends the unfinished line, if any; false when the client is gone.
async fn flush_partial<S>(ws: &mut WebSocketStream<S>, decoder: &mut TelnetToWs) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match decoder.take_partial() {
        Some(out) => ws.send(frame(out)).await.is_ok(),
        None => true,
    }
}
