//! Bounds on the login screen's expensive work: a small fixed pool for password
//! hashing (argon2 takes ~19 MiB a run, so unbounded hashing is an unbounded memory
//! sink), and windowed rate limits per address and in all, checked before any hashing.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use tokio::sync::Semaphore;

use super::login;

/// Runs password hashing and verification a few at a time, on the blocking pool.
pub struct HashPool {
    permits: Semaphore,
    memory_kib: u32,
}

impl HashPool {
    pub fn new(size: usize, memory_kib: u32) -> HashPool {
        HashPool {
            permits: Semaphore::new(size.max(1)),
            memory_kib,
        }
    }

    /// Runs `work` once a slot is free; `None` if it panicked or the pool is closed.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let _permit = self.permits.acquire().await.ok()?;
        tokio::task::spawn_blocking(work).await.ok()
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
    }
}
