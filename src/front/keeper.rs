//! mushd's hold on its front process: started at a cold start (after the backend socket
//! is bound), adopted after a hot reboot (the pid travels in the handoff), restarted if
//! it dies, told to reload its certificate on SIGHUP, stopped at shutdown.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::{error, info, warn};

use super::{FrontArgs, FrontProcess};
use crate::server::ServerContext;

/// How often to look whether the front is still there.
const WATCH_EVERY: Duration = Duration::from_secs(1);
/// Longest wait between restarts of a front that keeps dying.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct Keeper {
    front: Mutex<Option<(FrontProcess, FrontArgs, PathBuf)>>,
}

impl Keeper {
    /// Adopts the front a previous process started (`pid` from the reboot handoff) or
    /// starts one; nothing when no TLS or web listener is configured.
    pub fn start(&self, args: Option<FrontArgs>, exe: Option<PathBuf>, adopted: Option<u32>) {
        let (Some(args), Some(exe)) = (args, exe) else {
            return;
        };
        let process = match adopted {
            Some(pid) => {
                info!(pid, "front process kept across the reboot");
                FrontProcess::adopt(pid)
            }
            None => match FrontProcess::spawn(&exe, &args) {
                Ok(p) => {
                    info!(pid = p.pid(), "front process started");
                    p
                }
                Err(e) => {
                    error!(error = %e, "cannot start the front process; TLS and web listeners are down");
                    return;
                }
            },
        };
        if let Ok(mut f) = self.front.lock() {
            *f = Some((process, args, exe));
        }
    }

    /// The running front's pid, for the reboot handoff.
    pub fn pid(&self) -> Option<u32> {
        self.front.lock().ok()?.as_ref().map(|(p, _, _)| p.pid())
    }

    /// SIGHUP: the front reloads its certificate and key.
    pub fn reload(&self) {
        let Ok(f) = self.front.lock() else { return };
        if let Some((p, _, _)) = f.as_ref() {
            match p.reload() {
                Ok(()) => info!("asked the front process to reload its certificate"),
                Err(e) => warn!(error = %e, "cannot signal the front process"),
            }
        }
    }

    /// Restarts the front if it died (its connections died with it), backing off
    /// while it keeps dying. Runs until shutdown.
    pub async fn watch(ctx: Arc<ServerContext>) {
        let mut backoff = WATCH_EVERY;
        loop {
            tokio::select! {
                _ = ctx.shutdown.cancelled() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            let restarted = {
                let Ok(mut f) = ctx.front.front.lock() else {
                    return;
                };
                let Some((p, args, exe)) = f.as_mut() else {
                    return;
                };
                match p.restart_if_dead(exe, args) {
                    Ok(r) => r,
                    Err(e) => {
                        error!(error = %e, "cannot restart the front process");
                        true
                    }
                }
            };
            backoff = if restarted {
                (backoff * 2).min(MAX_BACKOFF)
            } else {
                WATCH_EVERY
            };
        }
    }

    /// Stops the front (at shutdown, never at a reboot).
    pub async fn stop(&self) {
        let taken = self.front.lock().ok().and_then(|mut f| f.take());
        if let Some((mut p, _, _)) = taken {
            let stopped = tokio::task::spawn_blocking(move || p.stop(Duration::from_secs(5))).await;
            if !matches!(stopped, Ok(Ok(()))) {
                warn!("the front process did not stop cleanly");
            }
        }
    }
}
