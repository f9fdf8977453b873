//! The one path by which anything hears anything: players through their connections,
//! other objects through what they listen for (`@listen`, `^`-patterns on MONITOR
//! objects) and PUPPETs by relaying to their owner.
//!
//! Telling is immediate for connections. What a listening object hears is kept (bounded)
//! and acted on after the command that said it (`deliver_hears`), since a command telling
//! things holds the game only by shared reference and a listen queues new work.

use super::{line_bytes, Game};
use crate::world::{Dbref, Flags, ObjectKind};

/// Most heard lines kept between two deliveries; beyond, objects hear nothing more
/// (players still do) until the next delivery.
pub const MAX_PENDING_HEARS: usize = 10_000;

/// A line an object heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heard {
    pub listener: Dbref,
    pub speaker: Dbref,
    pub text: String,
}

impl Game {
    /// Tells one object a line: a player's connections get it; a listening object or a
    /// PUPPET hears it, said by the current command's executor.
    pub fn tell(&self, target: Dbref, text: &str) {
        let Some(o) = self.world.get(target) else {
            return;
        };
        if o.kind == ObjectKind::Player {
            self.ctx.table.send_player(target, &line_bytes(text));
        } else if self.listens(target) {
            self.overheard(target, text);
        }
    }

    /// Tells everything in `room` (and the room) but those in `except` a line.
    pub fn tell_room(&self, room: Dbref, except: &[Dbref], text: &str) {
        let bytes = line_bytes(text);
        for &who in self.world.contents(room) {
            if except.contains(&who) {
                continue;
            }
            match self.world.get(who) {
                Some(o) if o.kind == ObjectKind::Player => {
                    self.ctx.table.send_player(who, &bytes);
                }
                Some(_) if self.listens(who) => self.overheard(who, text),
                _ => {}
            }
        }
        if !except.contains(&room) && self.listens(room) {
            self.overheard(room, text);
        }
    }

    /// Whether a non-player object does anything with what it hears.
    fn listens(&self, obj: Dbref) -> bool {
        self.world.get(obj).is_some_and(|o| {
            o.flags.has(Flags::MONITOR)
                || o.flags.has(Flags::PUPPET)
                || o.attrs.get("LISTEN").is_some()
        })
    }

    fn overheard(&self, listener: Dbref, text: &str) {
        let mut hears = self.hears.borrow_mut();
        if hears.len() < MAX_PENDING_HEARS {
            hears.push(Heard {
                listener,
                speaker: self.env.executor,
                text: text.to_string(),
            });
        }
    }

    /// Acts on what objects heard since the last delivery: PUPPETs relay it to their
    /// owner (`Name> text`, unless the owner is in the same place), listens queue their
    /// actions. Lines heard while delivering wait for the next delivery.
    pub fn deliver_hears(&mut self) {
        let heard = std::mem::take(&mut *self.hears.borrow_mut());
        for h in heard {
            let Some(o) = self.world.get(h.listener) else {
                continue;
            };
            if o.flags.has(Flags::PUPPET) && o.kind == ObjectKind::Thing {
                let owner = o.owner;
                if self.location_of(owner) != o.location {
                    let relay = format!("{}> {}", o.short_name(), h.text);
                    self.ctx.table.send_player(owner, &line_bytes(&relay));
                }
            }
            self.hear(h.listener, h.speaker, &h.text);
        }
    }
}
