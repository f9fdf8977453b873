//! mushd's side of the front process: start it, find it again after a hot reboot, reload
//! its certificate, stop it. Exec keeps mushd's pid, so the front stays our child and
//! `waitpid` keeps working across a reboot.

use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::FrontArgs;

/// A running front process. Dropping it does not stop it: it must outlive mushd's exec.
#[derive(Debug)]
pub struct FrontProcess {
    pid: u32,
    /// Set once `waitpid` has reaped it.
    exited: Option<i32>,
}

impl FrontProcess {
    /// Starts `<exe> front ...` with stdin closed, stdout and stderr shared with mushd.
    pub fn spawn(exe: &Path, args: &FrontArgs) -> io::Result<FrontProcess> {
        let mut args = args.clone();
        args.parent_pid = Some(std::process::id());
        let mut cmd = Command::new(exe);
        cmd.args(args.to_command_args()).stdin(Stdio::null());
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                // Its own process group: a ^C meant for mushd's terminal does not end it.
                libc::setpgid(0, 0);
                // Client sockets mushd made inheritable for a reboot must not leak into the
                // front (they would stay open after mushd closes them). Best effort.
                libc::syscall(
                    libc::SYS_close_range,
                    3u32,
                    u32::MAX,
                    libc::CLOSE_RANGE_CLOEXEC,
                );
                Ok(())
            });
        }
        let child = cmd.spawn()?;
        let pid = child.id();
        // The std handle would not reap it; `is_running` and `stop` use waitpid directly.
        drop(child);
        Ok(FrontProcess { pid, exited: None })
    }

    /// The front a previous mushd (before exec) started; its pid comes from the handoff.
    pub fn adopt(pid: u32) -> FrontProcess {
        FrontProcess { pid, exited: None }
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Asks the front to reload its certificate and key (SIGHUP).
    pub fn reload(&self) -> io::Result<()> {
        self.signal(libc::SIGHUP)
    }

    /// False once it has exited (and is reaped here). Call it now and then to restart a
    /// front that died; its client connections are gone with it.
    pub fn is_running(&mut self) -> bool {
        if self.exited.is_some() {
            return false;
        }
        let mut status = 0;
        // SAFETY: plain syscall on a pid we own.
        let r = unsafe { libc::waitpid(self.pid as libc::pid_t, &mut status, libc::WNOHANG) };
        if r == 0 {
            return true;
        }
        if r == self.pid as libc::pid_t {
            self.exited = Some(status);
            return false;
        }
        // Not our child (ECHILD): fall back to whether the pid exists at all.
        // SAFETY: signal 0 only checks.
        unsafe { libc::kill(self.pid as libc::pid_t, 0) == 0 }
    }

    /// Starts a new front when this one has died (call it every second or so); true when it
    /// did. The dead front's TLS and WebSocket clients are gone; the new one listens anew.
    pub fn restart_if_dead(&mut self, exe: &Path, args: &FrontArgs) -> io::Result<bool> {
        if self.is_running() {
            return Ok(false);
        }
        tracing::warn!(pid = self.pid, status = ?self.exited, "front process died; starting a new one");
        *self = FrontProcess::spawn(exe, args)?;
        Ok(true)
    }

    /// The raw wait status once it has exited.
    pub fn exit_status(&self) -> Option<i32> {
        self.exited
    }

    /// SIGTERM, then waits up to `grace` for it to exit (SIGKILL after that) and reaps it.
    /// Blocks; call it from `spawn_blocking` in async code.
    pub fn stop(&mut self, grace: Duration) -> io::Result<()> {
        if !self.is_running() {
            return Ok(());
        }
        self.signal(libc::SIGTERM)?;
        let deadline = Instant::now() + grace;
        while self.is_running() {
            if Instant::now() >= deadline {
                let _ = self.signal(libc::SIGKILL);
                let mut status = 0;
                // SAFETY: plain syscall on a pid we own.
                unsafe { libc::waitpid(self.pid as libc::pid_t, &mut status, 0) };
                self.exited = Some(status);
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }

    fn signal(&self, sig: libc::c_int) -> io::Result<()> {
        if self.exited.is_some() {
            return Err(io::Error::new(io::ErrorKind::NotFound, "front has exited"));
        }
        // SAFETY: plain syscall.
        if unsafe { libc::kill(self.pid as libc::pid_t, sig) } == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
}
