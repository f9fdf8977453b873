//! The command queue: what objects are to run, when, and for whom.
//!
//! Players' typed commands never wait here: the game runs them as they arrive, and the
//! queue only gets the time between them (`Game::run_queue` runs a bounded batch and
//! goes back to the connections), so a runaway object never starves a player.
//!
//! An entry is an action list (`cmd;cmd;...`, unevaluated) with the environment it runs
//! in: executor, enactor, caller, `%0`-`%9` and q-registers. It is ready now, due at a
//! time (`@wait 10=...`), or waiting on a semaphore (`@wait obj=...`, `@wait obj/attr/10`)
//! until `@notify`, `@drain` or its timeout. Each owner may hold at most `queue_quota`
//! entries (PennMUSH's QUEUE_QUOTA); the next one marks the object a runaway.
//!
//! Timed and semaphore entries are state: they are written to the store record
//! `queue` (one field per entry, by pid) and read back at start, so they outlive a hot
//! reboot and a restart. Ready entries are written only when the game stops or reboots.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::world::Dbref;

/// When an entry may run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Wait {
    /// As soon as the queue gets to it.
    Ready,
    /// At this Unix time (milliseconds).
    Until(u64),
    /// When the semaphore `attr` on `obj` is notified, or at `timeout` (Unix ms).
    Semaphore {
        obj: Dbref,
        attr: String,
        timeout: Option<u64>,
    },
}

/// One queued action list and the environment it runs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Its process id (`@ps`, `@halt/pid`), unique while the game runs.
    pub pid: u64,
    /// Whose quota it counts against.
    pub owner: Dbref,
    pub executor: Dbref,
    pub enactor: Dbref,
    pub caller: Dbref,
    /// The commands, as written (evaluated when each runs).
    pub actions: String,
    /// `%0`-`%9`.
    pub args: Vec<String>,
    /// Q-registers carried into the entry, by upper-case name.
    pub qregs: Vec<(String, String)>,
    /// `@dolist` elements and positions (`%i0`, `inum(0)`), innermost last.
    #[serde(default)]
    pub iter: Vec<(String, u64)>,
    /// From an attribute set `debug` (Some(true)) or `no_debug` (Some(false)); None: the
    /// executor's DEBUG flag decides whether its evaluations are traced.
    #[serde(default)]
    pub debug: Option<bool>,
    pub wait: Wait,
}

impl Entry {
    /// The entry as stored (MessagePack).
    pub fn encode(&self) -> Vec<u8> {
        rmp_serde::to_vec(self).unwrap_or_default()
    }

    pub fn decode(bytes: &[u8]) -> Option<Entry> {
        rmp_serde::from_slice(bytes).ok()
    }

    /// Whether the store should keep it (it may be waiting a while).
    pub fn is_persistent(&self) -> bool {
        self.wait != Wait::Ready
    }
}

/// Why an entry was not queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The owner already has `queue_quota` entries: the object is a runaway.
    OverQuota,
    /// The queue as a whole is full (`queue_max`).
    Full,
}

/// The pending entries, with indexes by readiness, due time and semaphore.
#[derive(Debug, Default)]
pub struct Queue {
    next_pid: u64,
    entries: HashMap<u64, Entry>,
    /// Ready pids in order; a pid no longer in `entries` is skipped.
    ready: VecDeque<u64>,
    /// (due ms, pid) of timed entries and of semaphore entries with a timeout.
    timed: BTreeSet<(u64, u64)>,
    /// Waiters on each semaphore, oldest first.
    semaphores: BTreeMap<(Dbref, String), VecDeque<u64>>,
    per_owner: HashMap<Dbref, usize>,
    /// Every entry, ready ones included, has been written to the store (a reboot or a
    /// shutdown began), so each must be removed from it when it runs.
    pub all_persisted: bool,
}

impl Queue {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries counted against `owner`.
    pub fn owned(&self, owner: Dbref) -> usize {
        self.per_owner.get(&owner).copied().unwrap_or(0)
    }

    /// Adds an entry (its pid is assigned here) unless the owner is at `quota` or the
    /// queue holds `max` entries. Returns the pid.
    pub fn add(&mut self, mut entry: Entry, quota: usize, max: usize) -> Result<u64, Refused> {
        if self.entries.len() >= max {
            return Err(Refused::Full);
        }
        if self.owned(entry.owner) >= quota {
            return Err(Refused::OverQuota);
        }
        self.next_pid += 1;
        entry.pid = self.next_pid;
        Ok(self.insert(entry))
    }

    /// Puts back an entry read from the store, keeping its pid.
    pub fn restore(&mut self, entry: Entry) {
        self.next_pid = self.next_pid.max(entry.pid);
        if !self.entries.contains_key(&entry.pid) {
            self.insert(entry);
        }
    }

    fn insert(&mut self, entry: Entry) -> u64 {
        let pid = entry.pid;
        match &entry.wait {
            Wait::Ready => self.ready.push_back(pid),
            Wait::Until(due) => {
                self.timed.insert((*due, pid));
            }
            Wait::Semaphore { obj, attr, timeout } => {
                if let Some(due) = timeout {
                    self.timed.insert((*due, pid));
                }
                self.semaphores
                    .entry((*obj, attr.clone()))
                    .or_default()
                    .push_back(pid);
            }
        }
        *self.per_owner.entry(entry.owner).or_default() += 1;
        self.entries.insert(pid, entry);
        pid
    }

    /// Takes an entry out wherever it waits.
    pub fn remove(&mut self, pid: u64) -> Option<Entry> {
        let entry = self.entries.remove(&pid)?;
        match &entry.wait {
            Wait::Ready => {}
            Wait::Until(due) => {
                self.timed.remove(&(*due, pid));
            }
            Wait::Semaphore { obj, attr, timeout } => {
                if let Some(due) = timeout {
                    self.timed.remove(&(*due, pid));
                }
                let key = (*obj, attr.clone());
                if let Some(waiters) = self.semaphores.get_mut(&key) {
                    waiters.retain(|p| *p != pid);
                    if waiters.is_empty() {
                        self.semaphores.remove(&key);
                    }
                }
            }
        }
        if let Some(n) = self.per_owner.get_mut(&entry.owner) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_owner.remove(&entry.owner);
            }
        }
        Some(entry)
    }

    /// The next ready entry, taken out of the queue.
    pub fn pop_ready(&mut self) -> Option<Entry> {
        while let Some(pid) = self.ready.pop_front() {
            if self
                .entries
                .get(&pid)
                .is_some_and(|e| e.wait == Wait::Ready)
            {
                return self.remove(pid);
            }
        }
        None
    }

    /// Takes out every timed entry due at `now_ms` (semaphore waits that timed out
    /// included), oldest due first, to be run.
    pub fn take_due(&mut self, now_ms: u64) -> Vec<Entry> {
        let due: Vec<u64> = self
            .timed
            .iter()
            .take_while(|(at, _)| *at <= now_ms)
            .map(|(_, pid)| *pid)
            .collect();
        due.into_iter().filter_map(|pid| self.remove(pid)).collect()
    }

    /// When the next timed entry is due (Unix ms).
    pub fn next_due(&self) -> Option<u64> {
        self.timed.first().map(|(at, _)| *at)
    }

    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Takes out the oldest waiter on a semaphore.
    pub fn take_waiter(&mut self, obj: Dbref, attr: &str) -> Option<Entry> {
        let pid = *self.semaphores.get(&(obj, attr.to_string()))?.front()?;
        self.remove(pid)
    }

    /// How many entries wait on a semaphore.
    pub fn waiters(&self, obj: Dbref, attr: &str) -> usize {
        self.semaphores
            .get(&(obj, attr.to_string()))
            .map_or(0, |w| w.len())
    }

    /// Removes every entry that `which` picks; returns them.
    pub fn remove_where(&mut self, which: impl Fn(&Entry) -> bool) -> Vec<Entry> {
        let mut pids: Vec<u64> = self
            .entries
            .values()
            .filter(|e| which(e))
            .map(|e| e.pid)
            .collect();
        pids.sort_unstable();
        pids.into_iter()
            .filter_map(|pid| self.remove(pid))
            .collect()
    }

    /// Every entry, by pid.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        let mut v: Vec<&Entry> = self.entries.values().collect();
        v.sort_unstable_by_key(|e| e.pid);
        v.into_iter()
    }

    pub fn get(&self, pid: u64) -> Option<&Entry> {
        self.entries.get(&pid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(owner: u32, wait: Wait) -> Entry {
        Entry {
            pid: 0,
            owner: Dbref(owner),
            executor: Dbref(owner),
            enactor: Dbref(owner),
            caller: Dbref(owner),
            actions: "think hi".into(),
            args: vec![],
            qregs: vec![],
            iter: vec![],
            debug: None,
            wait,
        }
    }

    #[test]
    fn ready_entries_run_in_order_and_count_against_their_owner() {
        let mut q = Queue::default();
        let a = q.add(entry(1, Wait::Ready), 10, 100).expect("a");
        let b = q.add(entry(1, Wait::Ready), 10, 100).expect("b");
        assert_eq!(q.owned(Dbref(1)), 2);
        assert_eq!(q.pop_ready().map(|e| e.pid), Some(a));
        assert_eq!(q.pop_ready().map(|e| e.pid), Some(b));
        assert_eq!(q.pop_ready(), None);
        assert_eq!(q.owned(Dbref(1)), 0);
    }

    #[test]
    fn the_quota_and_the_whole_queue_are_bounded() {
        let mut q = Queue::default();
        q.add(entry(1, Wait::Ready), 2, 3).expect("1");
        q.add(entry(1, Wait::Ready), 2, 3).expect("2");
        assert_eq!(q.add(entry(1, Wait::Ready), 2, 3), Err(Refused::OverQuota));
        q.add(entry(2, Wait::Ready), 2, 3).expect("other owner");
        assert_eq!(q.add(entry(3, Wait::Ready), 2, 3), Err(Refused::Full));
    }

    #[test]
    fn timed_entries_come_due_in_time_order() {
        let mut q = Queue::default();
        let late = q.add(entry(1, Wait::Until(2000)), 10, 100).expect("late");
        let early = q.add(entry(1, Wait::Until(1000)), 10, 100).expect("early");
        assert_eq!(q.next_due(), Some(1000));
        assert!(q.take_due(999).is_empty());
        let due: Vec<u64> = q.take_due(5000).iter().map(|e| e.pid).collect();
        assert_eq!(due, vec![early, late]);
        assert!(q.is_empty());
    }

    #[test]
    fn semaphores_release_oldest_first_and_time_out() {
        let mut q = Queue::default();
        let sem = |timeout| Wait::Semaphore {
            obj: Dbref(5),
            attr: "SEMAPHORE".into(),
            timeout,
        };
        let first = q.add(entry(1, sem(None)), 10, 100).expect("1");
        let second = q.add(entry(1, sem(Some(100))), 10, 100).expect("2");
        assert_eq!(q.waiters(Dbref(5), "SEMAPHORE"), 2);
        assert_eq!(
            q.take_waiter(Dbref(5), "SEMAPHORE").map(|e| e.pid),
            Some(first)
        );
        let timed_out: Vec<u64> = q.take_due(100).iter().map(|e| e.pid).collect();
        assert_eq!(timed_out, vec![second]);
        assert_eq!(q.waiters(Dbref(5), "SEMAPHORE"), 0);
        assert!(q.is_empty());
    }

    #[test]
    fn halting_removes_everywhere_and_entries_round_trip() {
        let mut q = Queue::default();
        q.add(entry(1, Wait::Ready), 10, 100).expect("1");
        q.add(entry(1, Wait::Until(10)), 10, 100).expect("2");
        q.add(entry(2, Wait::Ready), 10, 100).expect("3");
        let gone = q.remove_where(|e| e.owner == Dbref(1));
        assert_eq!(gone.len(), 2);
        assert_eq!(q.next_due(), None);
        assert_eq!(q.pop_ready().map(|e| e.owner), Some(Dbref(2)));
        let e = entry(7, Wait::Until(42));
        assert_eq!(Entry::decode(&e.encode()), Some(e));
    }
}
