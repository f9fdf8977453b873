//! Hot reboot: every connection survives an `exec` of a new binary.
//!
//! The game freezes every session at a command boundary, gathers the sockets (and
//! whatever input or output was in flight), flushes the write-behind, writes a
//! handoff file naming each socket's descriptor, clears close-on-exec on those
//! descriptors and execs the binary at its original path. The new process adopts the
//! descriptors, restores each session from the store (and the handoff for what the
//! store does not hold) and carries on.

use std::io;
use std::os::fd::{FromRawFd, IntoRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::session::socket::{Socket, Transport};
use crate::telnet::mud::NegotiatorState;

/// Names the handoff file for the new process.
pub const HANDOFF_ENV: &str = "MUSHD_REBOOT_HANDOFF";
const HANDOFF_VERSION: u32 = 1;

/// Shared reboot state: the freeze signal and the parked listeners.
pub struct RebootControl {
    freeze: Mutex<CancellationToken>,
    /// The same signal as a flag, for connection tasks (woken through their queues).
    frozen: std::sync::atomic::AtomicBool,
    /// The binary's path as it was at start, so a freshly built binary there takes over.
    pub exe: Option<PathBuf>,
    parked_listeners: Mutex<Vec<(String, ParkedListener)>>,
}

impl Default for RebootControl {
    fn default() -> Self {
        Self::new()
    }
}

impl RebootControl {
    pub fn new() -> RebootControl {
        RebootControl {
            freeze: Mutex::new(CancellationToken::new()),
            frozen: std::sync::atomic::AtomicBool::new(false),
            exe: std::env::current_exe().ok(),
            parked_listeners: Mutex::new(Vec::new()),
        }
    }

    /// The current freeze signal (cancelled while a reboot gathers the sockets).
    pub fn freeze_token(&self) -> CancellationToken {
        self.freeze
            .lock()
            .map(|t| t.clone())
            .unwrap_or_else(|_| CancellationToken::new())
    }

    /// Whether a reboot is gathering the sockets.
    pub fn is_frozen(&self) -> bool {
        self.frozen.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Starts gathering: listeners stop at once; connection tasks see the flag when
    /// woken (the caller wakes them).
    pub fn freeze(&self) {
        self.frozen
            .store(true, std::sync::atomic::Ordering::Release);
        if let Ok(t) = self.freeze.lock() {
            t.cancel();
        }
    }

    /// Ends a freeze (a cancelled reboot).
    pub fn thaw(&self) {
        self.frozen
            .store(false, std::sync::atomic::Ordering::Release);
        if let Ok(mut t) = self.freeze.lock() {
            *t = CancellationToken::new();
        }
    }

    /// An accept loop hands its listener over.
    pub fn park_listener(&self, config_addr: String, listener: ParkedListener) {
        if let Ok(mut v) = self.parked_listeners.lock() {
            v.push((config_addr, listener));
        }
    }

    pub fn take_listeners(&self) -> Vec<(String, ParkedListener)> {
        self.parked_listeners
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }

    pub fn parked_listener_count(&self) -> usize {
        self.parked_listeners.lock().map(|v| v.len()).unwrap_or(0)
    }
}

/// A listener taken out of its accept loop: the telnet ports, and the Unix socket
/// the front process connects to.
pub enum ParkedListener {
    Tcp(std::net::TcpListener),
    Unix(std::os::unix::net::UnixListener),
}

/// The handoff name of the front process's socket (telnet listeners use their address).
pub fn front_listener_name(path: &Path) -> String {
    format!("front:{}", path.display())
}

/// A frozen connection, handed to the game by its task.
pub struct ParkedSession {
    pub handle: u64,
    pub stream: Socket,
    pub transport: Transport,
    /// The client's address (a front connection's comes from its preamble).
    pub peer: std::net::SocketAddr,
    /// Input read from the socket but not yet run, as wire bytes.
    pub pending_input: Vec<u8>,
    /// Output encoded for the wire but not yet written.
    pub pending_output: Vec<u8>,
    pub negotiator: NegotiatorState,
    /// Answered with the socket when the reboot is cancelled; dropped on exec.
    pub reply: oneshot::Sender<Resume>,
}

impl ParkedSession {
    /// Hands the socket (and what was in flight) back to its connection task, which
    /// carries on as if nothing happened: a cancelled or unexpected park.
    pub fn give_back(self) {
        let _ = self.reply.send(Resume {
            stream: self.stream,
            pending_input: self.pending_input,
            pending_output: self.pending_output,
        });
    }
}

/// Gives a frozen connection its socket back.
pub struct Resume {
    pub stream: Socket,
    pub pending_input: Vec<u8>,
    pub pending_output: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HandoffListener {
    /// The address as written in the config, to match it in the new process.
    pub config_addr: String,
    pub fd: RawFd,
}

/// One connection as the new process needs it. The store holds the same metadata;
/// these copies are the fallback when a record is missing there.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HandoffSession {
    pub handle: u64,
    pub fd: RawFd,
    /// A TCP socket (telnet) or a Unix stream from the front process.
    #[serde(default)]
    pub transport: Transport,
    /// The client's address, for front connections (a Unix stream has none).
    #[serde(default)]
    pub peer: Option<String>,
    pub pending_input: Vec<u8>,
    pub pending_output: Vec<u8>,
    pub negotiator: NegotiatorState,
    pub connected_at_ms: u64,
    pub last_seen_ms: u64,
    pub cmds: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub player: Option<u32>,
    pub logged_in_at_ms: Option<u64>,
    pub doing: String,
    pub output_prefix: Option<String>,
    pub output_suffix: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Handoff {
    pub version: u32,
    /// Unix seconds the first process started (MSSP UPTIME survives reboots).
    pub started_at: u64,
    /// Who asked, for the log.
    pub by: String,
    pub listeners: Vec<HandoffListener>,
    pub sessions: Vec<HandoffSession>,
    /// The TLS/WebSocket front process, which goes on running through the exec.
    #[serde(default)]
    pub front_pid: Option<u32>,
}

pub fn handoff_path(data_dir: &Path) -> PathBuf {
    data_dir.join("reboot.handoff")
}

/// Why the binary at `path` cannot take over, if it cannot.
pub fn check_binary(path: Option<&Path>) -> Result<PathBuf, String> {
    use std::os::unix::fs::PermissionsExt;
    let path = path.ok_or("the server's own path is unknown")?;
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("the binary {} cannot be read: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a file", path.display()));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(format!("{} is not executable", path.display()));
    }
    Ok(path.to_path_buf())
}

pub fn listener_fd(listener: ParkedListener) -> io::Result<RawFd> {
    let fd = match listener {
        ParkedListener::Tcp(l) => l.into_raw_fd(),
        ParkedListener::Unix(l) => l.into_raw_fd(),
    };
    clear_cloexec(fd)?;
    Ok(fd)
}

pub fn clear_cloexec(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor this process owns; no memory is involved.
    let rc = unsafe { libc::fcntl(fd, libc::F_SETFD, 0) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Writes the handoff durably.
pub fn write_handoff(path: &Path, handoff: &Handoff) -> io::Result<()> {
    use std::io::Write;
    let bytes = rmp_serde::to_vec_named(handoff).map_err(io::Error::other)?;
    if let Some(dir) = path.parent() {
        // The Redis backend never needed the data directory until now.
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Replaces this process with `exe`, same arguments, pointing it at the handoff.
/// Returns only when exec failed.
pub fn exec(exe: &Path, handoff: &Path) -> io::Error {
    use std::os::unix::process::CommandExt;
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    std::process::Command::new(exe)
        .args(args)
        .env(HANDOFF_ENV, handoff)
        .exec()
}

/// In a process started by a reboot: reads and removes the handoff it was given.
pub fn take_handoff() -> Option<Result<Handoff, String>> {
    let path = std::env::var_os(HANDOFF_ENV)?;
    // Not for any process this one starts later.
    std::env::remove_var(HANDOFF_ENV);
    let path = PathBuf::from(path);
    let read = std::fs::read(&path);
    let _ = std::fs::remove_file(&path);
    Some(match read {
        Ok(bytes) => rmp_serde::from_slice::<Handoff>(&bytes)
            .map_err(|e| format!("the handoff {} is unreadable: {e}", path.display()))
            .and_then(|h| {
                if h.version == HANDOFF_VERSION {
                    Ok(h)
                } else {
                    Err(format!(
                        "handoff version {} is not {HANDOFF_VERSION}",
                        h.version
                    ))
                }
            }),
        Err(e) => Err(format!("cannot read the handoff {}: {e}", path.display())),
    })
}

pub fn new_handoff(started_at: u64, by: String) -> Handoff {
    Handoff {
        version: HANDOFF_VERSION,
        started_at,
        by,
        ..Handoff::default()
    }
}

/// Adopts an inherited Unix listener (the front process's socket).
pub fn adopt_unix_listener(fd: RawFd) -> io::Result<tokio::net::UnixListener> {
    // SAFETY: as for `adopt_listener`.
    let std_listener = unsafe { std::os::unix::net::UnixListener::from_raw_fd(fd) };
    std_listener.set_nonblocking(true)?;
    tokio::net::UnixListener::from_std(std_listener)
}

/// Adopts an inherited listener.
pub fn adopt_listener(fd: RawFd) -> io::Result<tokio::net::TcpListener> {
    // SAFETY: the descriptor was handed to this process by the handoff and nothing
    // else owns it.
    let std_listener = unsafe { std::net::TcpListener::from_raw_fd(fd) };
    std_listener.set_nonblocking(true)?;
    tokio::net::TcpListener::from_std(std_listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handoff_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = handoff_path(dir.path());
        let mut h = new_handoff(42, "One".into());
        h.sessions.push(HandoffSession {
            handle: 7,
            fd: 12,
            pending_input: b"say hi\r\n".to_vec(),
            player: Some(3),
            ..HandoffSession::default()
        });
        write_handoff(&path, &h).expect("write");
        let bytes = std::fs::read(&path).expect("read");
        let back: Handoff = rmp_serde::from_slice(&bytes).expect("decode");
        assert_eq!(back.sessions[0].pending_input, b"say hi\r\n");
        assert_eq!(back.started_at, 42);
    }

    #[test]
    fn missing_or_plain_files_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(check_binary(Some(&dir.path().join("nope"))).is_err());
        let f = dir.path().join("plain");
        std::fs::write(&f, "x").expect("write");
        assert!(check_binary(Some(&f))
            .unwrap_err()
            .contains("not executable"));
        assert!(check_binary(None).is_err());
    }
}
