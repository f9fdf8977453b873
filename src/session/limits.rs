//! Bounds on the login screen's expensive work: a small fixed pool for password
//! hashing (argon2 takes ~19 MiB a run, so unbounded hashing is an unbounded memory
//! sink), and windowed rate limits per address and in all, checked before any hashing.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::login;

/// A job for a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

/// Runs password hashing and verification a few at a time on a few threads of its own,
/// so at most `size` argon2 buffers (19 MiB each by default) exist whatever the flood,
/// and tokio's blocking pool stays free for the store.
pub struct HashPool {
    permits: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
    memory_kib: u32,
}

impl HashPool {
    pub fn new(size: usize, memory_kib: u32) -> HashPool {
        let size = size.max(1);
        // Never more queued than permits, so the channel is bounded by the pool's size.
        let (jobs, rx) = mpsc::channel::<Job>(size);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..size {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("mushd-hash-{i}"))
                .spawn(move || loop {
                    let job = {
                        let mut rx = rx.lock().unwrap_or_else(|e| e.into_inner());
                        rx.blocking_recv()
                    };
                    match job {
                        // A panicking job (a bug) must not take the thread with it.
                        Some(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                        None => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        HashPool {
            permits: Arc::new(Semaphore::new(size)),
            jobs,
            memory_kib,
        }
    }

    /// Runs `work` once a slot is free; `None` if it panicked or the pool is closed.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let _permit = self.permits.acquire().await.ok()?;
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs.send(job).await.ok()?;
        result.await.ok()
    }

    /// A new hash of `password` at the configured cost.
    pub async fn hash(&self, password: String) -> Result<String, String> {
        let memory = self.memory_kib;
        self.run(move || login::hash_password(&password, memory))
            .await
            .unwrap_or_else(|| Err("hashing failed".into()))
    }

    /// Whether `password` matches `hash`.
    pub async fn verify(&self, password: String, hash: String) -> bool {
        self.run(move || login::verify_password(&password, &hash))
            .await
            .unwrap_or(false)
    }
}

/// Which limit refused an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    /// This address has used its share for now.
    Address,
    /// Everyone together has: the game is under a flood.
    Everyone,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    count: u32,
}

impl Window {
    fn new() -> Window {
        Window {
            start: Instant::now(),
            count: 0,
        }
    }

    /// The count in the current window, starting a new window when this one is over.
    fn current(&mut self, length: Duration) -> &mut u32 {
        if self.start.elapsed() >= length {
            *self = Window::new();
        }
        &mut self.count
    }
}

/// Counts attempts per address and in all over a fixed window.
pub struct RateLimit {
    per_ip: u32,
    global: u32,
    window: Duration,
    ips: DashMap<IpAddr, Window>,
    all: Mutex<Window>,
}

/// Addresses tracked before stale ones are swept.
const SWEEP_AT: usize = 10_000;

impl RateLimit {
    /// `per_ip` and `global` attempts per `window`; 0 means no limit.
    pub fn new(per_ip: u32, global: u32, window: Duration) -> RateLimit {
        let unlimited = |n: u32| if n == 0 { u32::MAX } else { n };
        RateLimit {
            per_ip: unlimited(per_ip),
            global: unlimited(global),
            window,
            ips: DashMap::new(),
            all: Mutex::new(Window::new()),
        }
    }

    /// Counts one attempt from `ip`, or says which limit refuses it (nothing counted).
    pub fn take(&self, ip: IpAddr) -> Result<(), Limited> {
        let mut all = self.all.lock().unwrap_or_else(|e| e.into_inner());
        let global = all.current(self.window);
        if *global >= self.global {
            return Err(Limited::Everyone);
        }
        if self.ips.len() >= SWEEP_AT {
            let window = self.window;
            self.ips.retain(|_, w| w.start.elapsed() < window);
        }
        let mut entry = self.ips.entry(ip).or_insert_with(Window::new);
        let mine = entry.current(self.window);
        if *mine >= self.per_ip {
            return Err(Limited::Address);
        }
        *mine += 1;
        *global += 1;
        Ok(())
    }

    /// Gives back an attempt that turned out fine (a correct password).
    pub fn refund(&self, ip: IpAddr) {
        if let Some(mut w) = self.ips.get_mut(&ip) {
            w.count = w.count.saturating_sub(1);
        }
        let mut all = self.all.lock().unwrap_or_else(|e| e.into_inner());
        all.count = all.count.saturating_sub(1);
    }

    /// Addresses currently tracked (for tests and telemetry).
    pub fn tracked(&self) -> usize {
        self.ips.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn per_address_then_global() {
        let l = RateLimit::new(2, 3, Duration::from_secs(60));
        assert_eq!(l.take(ip("127.0.0.2")), Ok(()));
        assert_eq!(l.take(ip("127.0.0.2")), Ok(()));
        assert_eq!(l.take(ip("127.0.0.2")), Err(Limited::Address));
        assert_eq!(l.take(ip("127.0.0.3")), Ok(()));
        assert_eq!(l.take(ip("127.0.0.4")), Err(Limited::Everyone));
        l.refund(ip("127.0.0.2"));
        assert_eq!(l.take(ip("127.0.0.2")), Ok(()));
    }

    #[test]
    fn windows_expire_and_zero_is_unlimited() {
        let l = RateLimit::new(1, 0, Duration::from_millis(1));
        assert_eq!(l.take(ip("127.0.0.2")), Ok(()));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(l.take(ip("127.0.0.2")), Ok(()));
    }

    #[tokio::test]
    async fn pool_hashes_and_verifies() {
        let pool = HashPool::new(1, 64);
        let hash = pool.hash("pw".into()).await.expect("hash");
        assert!(pool.verify("pw".into(), hash.clone()).await);
        assert!(!pool.verify("no".into(), hash).await);
        // A job that panics is reported as failed and the thread carries on.
        assert_eq!(pool.run(|| -> u8 { panic!("a bug") }).await, None);
        assert_eq!(pool.run(|| 7).await, Some(7));
    }
}
