//! pcreate() and checkpass(): the two functions that hash passwords inside evaluation.
//!
//! Everywhere else a password is hashed on the hash pool, off the game task. Softcode
//! cannot wait for that (evaluation is synchronous and a function's answer is the new
//! dbref or 0/1), so these two hash on the game task, with the game's configured argon2
//! cost, and are bounded instead: both are wizard-only (as in PennMUSH), one
//! evaluation may hash at most `PER_EVALUATION` times, and the whole game at most
//! `PER_SECOND` times a second. Past either bound the function answers an error, so no
//! softcode can stall the game for more than a few hashes' time.

use std::cell::Cell;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{to_world, SoftDbref, WorldHost};
use crate::session::login::{hash_password, verify_password};
use crate::world::{Dbref, NameError, ObjectKind};

/// Hashes one evaluation (a command and everything it runs) may do.
pub(super) const PER_EVALUATION: u32 = 2;

/// Hashes the game may do in evaluation within any one-second window.
pub(super) const PER_SECOND: u32 = 5;

/// pcreate()'s answer when a bound is reached (checkpass() has its own, as the engine
/// words it).
const E_BUSY: &str = "#-1 TOO MANY PASSWORD HASHES; TRY AGAIN LATER";

thread_local! {
    /// Hashes done by the evaluation running on this thread (the game task's).
    static THIS_EVALUATION: Cell<u32> = const { Cell::new(0) };
}

/// Start of the current one-second window and the hashes done in it.
static WINDOW: Mutex<Option<(Instant, u32)>> = Mutex::new(None);

/// A new top-level evaluation starts with its own allowance.
pub(super) fn new_evaluation() {
    THIS_EVALUATION.with(|n| n.set(0));
}

/// Takes one hash from both allowances; false (nothing taken) when either is spent.
fn take_hash() -> bool {
    if THIS_EVALUATION.with(Cell::get) >= PER_EVALUATION {
        return false;
    }
    let mut window = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    let (start, used) = match *window {
        Some((start, used)) if now.duration_since(start) < Duration::from_secs(1) => (start, used),
        _ => (now, 0),
    };
    if used >= PER_SECOND {
        return false;
    }
    *window = Some((start, used + 1));
    THIS_EVALUATION.with(|n| n.set(n.get().saturating_add(1)));
    true
}

/// PennMUSH's password rule for pcreate(): printable, no spaces, not empty.
fn good_password(pw: &str) -> bool {
    !pw.is_empty() && pw.len() <= 256 && pw.chars().all(|c| !c.is_control() && !c.is_whitespace())
}

impl WorldHost<'_> {
    /// `pcreate(name, password)` as PennMUSH's @pcreate: the caller is told how it went
    /// ("New player 'Name' (#N) created with password '...'" or why not) and the answer
    /// is the new dbref or #-1.
    pub(super) fn create_player(
        &mut self,
        who: Dbref,
        name: &str,
        password: &str,
    ) -> Result<String, String> {
        if !self.game.world.get(who).is_some_and(|o| o.is_wizard()) {
            return Err("#-1 PERMISSION DENIED".to_string());
        }
        let failure = |why: &str| format!("Failure creating '{name}' ({why})");
        match self.game.world.check_player_name(name) {
            Err(NameError::Invalid(_)) => {
                self.game.tell(who, &failure("bad name"));
                return Err("#-1".to_string());
            }
            Err(NameError::Taken) => {
                self.game.tell(who, &failure("name in use"));
                return Err("#-1".to_string());
            }
            Ok(()) => {}
        }
        if !good_password(password) {
            self.game.tell(who, &failure("bad password"));
            return Err("#-1".to_string());
        }
        if !take_hash() {
            return Err(E_BUSY.to_string());
        }
        let memory = self.game.ctx.config.game.password_hash_memory_kib;
        let made = hash_password(password, memory).and_then(|h| self.game.create_player(name, h));
        match made {
            Ok(d) => {
                tracing::info!(player = %d, by = %who, "player created by pcreate()");
                let text = format!("New player '{name}' ({d}) created with password '{password}'");
                self.game.tell(who, &text);
                Ok(d.to_string())
            }
            Err(e) => {
                tracing::warn!(error = %e, "pcreate() failed");
                Err("#-1".to_string())
            }
        }
    }

    /// checkpass(): whether `pw` is the player's password; None past the bounds.
    pub(super) fn password_matches(&self, player: SoftDbref, pw: &str) -> Option<bool> {
        let hash = to_world(player)
            .and_then(|d| self.game.world.get(d))
            .filter(|o| o.kind == ObjectKind::Player)
            .and_then(|o| o.player.as_ref())
            .map(|p| p.password_hash.clone());
        let Some(hash) = hash else {
            return Some(false);
        };
        take_hash().then(|| verify_password(pw, &hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_evaluation_hashes_at_most_its_allowance() {
        new_evaluation();
        let mut granted = 0;
        for _ in 0..10 {
            if take_hash() {
                granted += 1;
            }
        }
        assert!(granted <= PER_EVALUATION, "{granted}");
        assert!(!take_hash());
        new_evaluation();
        // The window may already be spent by the first round; never more than its share.
        let again = (0..10).filter(|_| take_hash()).count();
        assert!(again <= PER_EVALUATION as usize);
    }

    #[test]
    fn passwords_are_printable_without_spaces() {
        assert!(good_password("secret"));
        assert!(good_password("x"));
        assert!(!good_password(""));
        assert!(!good_password("two words"));
        assert!(!good_password("tab\there"));
    }
}
