//! What a connection runs over: a TCP socket (plain telnet) or a Unix stream from the
//! TLS/WebSocket front process, and which kind of client is at the other end. Both
//! kinds are plain descriptors, so both pass through a hot reboot's `exec`.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, IntoRawFd, RawFd};
use std::task::{Context, Poll};

use serde::{Deserialize, Serialize};
use tokio::net::{TcpStream, UnixStream};

/// How the client reached us; kept in the session row and record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transport {
    /// Telnet over a plain TCP socket.
    #[default]
    Telnet,
    /// Telnet inside TLS, decrypted by the front process.
    Tls,
    /// WebSocket on the plain web port: one line per frame, no telnet.
    Ws,
    /// WebSocket over TLS.
    Wss,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Telnet => "telnet",
            Transport::Tls => "tls",
            Transport::Ws => "ws",
            Transport::Wss => "wss",
        }
    }

    pub fn parse(s: &str) -> Option<Transport> {
        Some(match s {
            "telnet" => Transport::Telnet,
            "tls" => Transport::Tls,
            "ws" => Transport::Ws,
            "wss" => Transport::Wss,
            _ => return None,
        })
    }

    pub fn encrypted(self) -> bool {
        matches!(self, Transport::Tls | Transport::Wss)
    }

    /// Whether the client speaks telnet (WebSocket clients get lines, no negotiation).
    pub fn telnet(self) -> bool {
        matches!(self, Transport::Telnet | Transport::Tls)
    }

    /// Whether the connection arrives through the front process's Unix socket.
    pub fn via_front(self) -> bool {
        !matches!(self, Transport::Telnet)
    }
}

/// A connection's socket.
#[derive(Debug)]
pub enum Socket {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Socket {
    pub async fn writable(&self) -> io::Result<()> {
        match self {
            Socket::Tcp(s) => s.writable().await,
            Socket::Unix(s) => s.writable().await,
        }
    }

    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Socket::Tcp(s) => s.poll_read_ready(cx),
            Socket::Unix(s) => s.poll_read_ready(cx),
        }
    }

    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Socket::Tcp(s) => s.poll_write_ready(cx),
            Socket::Unix(s) => s.poll_write_ready(cx),
        }
    }

    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.try_read(buf),
            Socket::Unix(s) => s.try_read(buf),
        }
    }

    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.try_write(buf),
            Socket::Unix(s) => s.try_write(buf),
        }
    }

    pub fn raw_fd(&self) -> RawFd {
        match self {
            Socket::Tcp(s) => s.as_raw_fd(),
            Socket::Unix(s) => s.as_raw_fd(),
        }
    }

    /// Ends our sending side (the client sees end of file once it has read the rest).
    pub fn shutdown_write(&self) {
        let fd = match self {
            Socket::Tcp(s) => s.as_raw_fd(),
            Socket::Unix(s) => s.as_raw_fd(),
        };
        // SAFETY: shutdown(2) on a descriptor this socket owns; no memory is involved.
        unsafe {
            libc::shutdown(fd, libc::SHUT_WR);
        }
    }

    /// Tunes a TCP socket for interactive traffic; a Unix stream needs nothing.
    pub fn tune(&self, send_buffer: usize) {
        if let Socket::Tcp(s) = self {
            let _ = s.set_nodelay(true);
            if send_buffer > 0 {
                let _ = socket2::SockRef::from(s).set_send_buffer_size(send_buffer);
            }
        }
    }

    /// Takes the socket out of tokio as a raw descriptor that survives `exec`.
    pub fn into_inheritable_fd(self) -> io::Result<RawFd> {
        let fd = match self {
            Socket::Tcp(s) => s.into_std()?.into_raw_fd(),
            Socket::Unix(s) => s.into_std()?.into_raw_fd(),
        };
        crate::reboot::clear_cloexec(fd)?;
        Ok(fd)
    }

    /// Adopts an inherited descriptor of the given kind.
    pub fn adopt(fd: RawFd, transport: Transport) -> io::Result<Socket> {
        use std::os::fd::FromRawFd;
        // SAFETY: the descriptor was handed to this process by the reboot handoff and
        // nothing else owns it.
        Ok(if transport.via_front() {
            let s = unsafe { std::os::unix::net::UnixStream::from_raw_fd(fd) };
            s.set_nonblocking(true)?;
            Socket::Unix(UnixStream::from_std(s)?)
        } else {
            let s = unsafe { std::net::TcpStream::from_raw_fd(fd) };
            s.set_nonblocking(true)?;
            Socket::Tcp(TcpStream::from_std(s)?)
        })
    }

    /// The TCP peer; a front connection's peer comes from its preamble instead.
    pub fn tcp_peer(&self) -> Option<SocketAddr> {
        match self {
            Socket::Tcp(s) => s.peer_addr().ok(),
            Socket::Unix(_) => None,
        }
    }
}

/// The first line the front process writes on each connection it opens to us:
/// `MUSHD-FRONT 1 <tls|ws|wss> <peer address>`.
pub fn parse_front_preamble(line: &str) -> Option<(Transport, SocketAddr)> {
    let mut words = line.trim_end_matches(['\r', '\n']).split(' ');
    if words.next()? != "MUSHD-FRONT" || words.next()? != "1" {
        return None;
    }
    let transport = Transport::parse(words.next()?).filter(|t| t.via_front())?;
    let peer = words.next()?.parse().ok()?;
    if words.next().is_some() {
        return None;
    }
    Some((transport, peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preambles() {
        let (t, p) = parse_front_preamble("MUSHD-FRONT 1 tls 10.0.0.1:5555\n").expect("tls");
        assert_eq!(t, Transport::Tls);
        assert_eq!(p.to_string(), "10.0.0.1:5555");
        let (t, p) = parse_front_preamble("MUSHD-FRONT 1 wss [::1]:80").expect("v6");
        assert_eq!(t, Transport::Wss);
        assert!(p.is_ipv6());
        for bad in [
            "",
            "MUSHD-FRONT 2 tls 1.2.3.4:5",
            "MUSHD-FRONT 1 telnet 1.2.3.4:5",
            "MUSHD-FRONT 1 ws nowhere",
            "MUSHD-FRONT 1 ws 1.2.3.4:5 extra",
        ] {
            assert!(parse_front_preamble(bad).is_none(), "{bad}");
        }
    }
}
