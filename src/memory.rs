//! Gives memory freed after a burst back to the system. A login storm or a flood of
//! output leaves glibc holding freed pages that resident memory keeps counting; once
//! connections have stopped coming and going for a second, a trim returns them.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::server::ServerContext;

/// How often to look whether connections came or went.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// Runs until shutdown.
pub async fn trim_after_bursts(ctx: Arc<ServerContext>) {
    let mut trimmed_at = (0u64, 0usize);
    let mut previous = trimmed_at;
    let mut tick = tokio::time::interval(LOOK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ctx.shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let now = (
            ctx.counters.connections.load(Ordering::Relaxed),
            ctx.table.len(),
        );
        // Changed since the last trim, and quiet since the last look: the burst is over.
        let settled = now == previous && now != trimmed_at;
        previous = now;
        if settled {
            trimmed_at = now;
            // Off the runtime's threads: a trim walks the allocator's free lists.
            let _ = tokio::task::spawn_blocking(trim).await;
        }
    }
}

fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}
