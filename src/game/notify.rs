//! The one path by which anything hears anything: players through their connections,
//! other objects through what they listen for (`@listen`, `^`-patterns on MONITOR
//! objects), PUPPETs by relaying to their owner, objects with a `@forwardlist` by
//! passing it on, and AUDIBLE rooms through their AUDIBLE exits.
//!
//! Telling is immediate for connections. What a listening object hears is kept (bounded)
//! and acted on after the command that said it (`deliver_hears`), since a command telling
//! things holds the game only by shared reference and a listen queues new work.

use std::borrow::Cow;

use bytes::Bytes;
use mushd_softcode::markup::{self, ColorFormat};

use super::{line_bytes, Game};
use crate::world::{Dbref, Flags, ObjectKind};

/// Most heard lines kept between two deliveries; beyond, objects hear nothing more
/// (players still do) until the next delivery.
pub const MAX_PENDING_HEARS: usize = 10_000;

/// How many times a line may be passed on (forwarded, carried through an exit), so
/// objects forwarding to each other cannot echo forever.
const MAX_HOPS: u8 = 3;

/// A line an object heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heard {
    pub listener: Dbref,
    pub speaker: Dbref,
    pub text: String,
    /// How many times it was passed on before.
    pub hops: u8,
}

impl Game {
    /// How much colour `player` gets (PennMUSH's notify_type): COLOR gives the 16
    /// colours, ANSI alone only hilite, neither none (markup is stripped).
    pub fn color_format(&self, player: Dbref) -> Option<ColorFormat> {
        let flags = self.world.get(player)?.flags;
        if flags.has(Flags::COLOR) {
            Some(ColorFormat::Ansi16)
        } else if flags.has(Flags::ANSI) {
            Some(ColorFormat::Hilite)
        } else {
            None
        }
    }

    /// `text` as `player` receives it: colour markup rendered for the player's flags,
    /// or stripped. Borrows, without looking the player up, when there is no markup.
    pub fn render_for<'a>(&self, player: Dbref, text: &'a str) -> Cow<'a, str> {
        if !markup::has_any_markup(text) {
            return Cow::Borrowed(text);
        }
        markup::for_client(text, self.color_format(player))
    }

    /// The bytes of a line for `player`.
    fn player_line(&self, player: Dbref, text: &str) -> Bytes {
        line_bytes(&self.render_for(player, text))
    }

    /// Tells one object a line: a player's connections get it; a listening object or a
    /// PUPPET hears it, said by the current command's executor.
    pub fn tell(&self, target: Dbref, text: &str) {
        let Some(o) = self.world.get(target) else {
            return;
        };
        if o.kind == ObjectKind::Player {
            self.ctx
                .table
                .send_player(target, &self.player_line(target, text));
        } else if self.listens(target) {
            self.overheard(target, text);
        }
    }

    /// Tells everything in `room` (and the room) but those in `except` a line.
    pub fn tell_room(&self, room: Dbref, except: &[Dbref], text: &str) {
        // Rendered once per colour depth (plain text: once).
        let plain = !markup::has_any_markup(text);
        let mut rendered: [Option<Bytes>; 4] = Default::default();
        for &who in self.world.contents(room) {
            if except.contains(&who) {
                continue;
            }
            match self.world.get(who) {
                Some(o) if o.kind == ObjectKind::Player => {
                    let slot = if plain {
                        0
                    } else {
                        match self.color_format(who) {
                            None => 0,
                            Some(ColorFormat::Hilite) => 1,
                            Some(ColorFormat::Ansi16) => 2,
                            Some(ColorFormat::Xterm256) => 3,
                        }
                    };
                    if let Some(cell) = rendered.get_mut(slot) {
                        let bytes = cell.get_or_insert_with(|| self.player_line(who, text));
                        self.ctx.table.send_player(who, bytes);
                    }
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
                || (o.flags.has(Flags::AUDIBLE) && o.kind == ObjectKind::Room)
                || o.attrs.get("LISTEN").is_some()
                || o.attrs.get("FORWARDLIST").is_some()
        })
    }

    fn overheard(&self, listener: Dbref, text: &str) {
        self.overheard_hop(listener, self.env.executor, text, 0);
    }

    fn overheard_hop(&self, listener: Dbref, speaker: Dbref, text: &str, hops: u8) {
        let mut hears = self.hears.borrow_mut();
        if hears.len() < MAX_PENDING_HEARS {
            hears.push(Heard {
                listener,
                speaker,
                text: text.to_string(),
                hops,
            });
        }
    }

    /// Tells `target` a line passed on by something that heard it.
    fn pass_on(&self, target: Dbref, h: &Heard, text: &str) {
        match self.world.get(target) {
            Some(o) if o.kind == ObjectKind::Player => {
                self.ctx
                    .table
                    .send_player(target, &self.player_line(target, text));
            }
            Some(_) if self.listens(target) => {
                self.overheard_hop(target, h.speaker, text, h.hops + 1);
            }
            _ => {}
        }
    }

    /// `@forwardlist` and AUDIBLE exits: who else hears what `h.listener` heard.
    fn forward(&mut self, h: &Heard) {
        if h.hops >= MAX_HOPS {
            return;
        }
        let Some(o) = self.world.get(h.listener) else {
            return;
        };
        let targets: Vec<Dbref> = o
            .attrs
            .get("FORWARDLIST")
            .map(|list| list.split_whitespace().filter_map(Dbref::parse).collect())
            .unwrap_or_default();
        let audible = o.kind == ObjectKind::Room && o.flags.has(Flags::AUDIBLE);
        let room_name = o.short_name().to_string();
        for t in targets.into_iter().take(100) {
            if t != h.listener {
                self.pass_on(t, h, &h.text);
            }
        }
        if !audible {
            return;
        }
        let exits: Vec<Dbref> = self.world.exits(h.listener).to_vec();
        for exit in exits {
            let Some(e) = self.world.get(exit) else {
                continue;
            };
            let Some(dest) = e.link.filter(|_| e.flags.has(Flags::AUDIBLE)) else {
                continue;
            };
            if dest == h.listener || self.world.get(dest).is_none() {
                continue;
            }
            let prefix = match e.attrs.get("PREFIX").map(|p| p.to_string()) {
                Some(code) => self.render(exit, h.speaker, &code),
                None => format!("From {room_name},"),
            };
            let text = format!("{prefix} {}", h.text);
            let listeners: Vec<Dbref> = self.world.contents(dest).to_vec();
            for who in listeners {
                self.pass_on(who, h, &text);
            }
            self.pass_on(dest, h, &text);
        }
    }

    /// Acts on what objects heard since the last delivery: PUPPETs relay it to their
    /// owner (`Name> text`, unless the owner is in the same place), listens queue their
    /// actions.
    pub fn deliver_hears(&mut self) {
        // Lines passed on while delivering are delivered too: each pass adds a hop,
        // so this ends within MAX_HOPS more rounds.
        for _ in 0..=MAX_HOPS {
            let heard = std::mem::take(&mut *self.hears.borrow_mut());
            if heard.is_empty() {
                break;
            }
            self.deliver_round(heard);
        }
    }

    fn deliver_round(&mut self, heard: Vec<Heard>) {
        for h in heard {
            let Some(o) = self.world.get(h.listener) else {
                continue;
            };
            if o.flags.has(Flags::PUPPET) && o.kind == ObjectKind::Thing {
                let owner = o.owner;
                if self.location_of(owner) != o.location {
                    let relay = format!("{}> {}", o.short_name(), h.text);
                    self.ctx
                        .table
                        .send_player(owner, &self.player_line(owner, &relay));
                }
            }
            self.forward(&h);
            self.hear(h.listener, h.speaker, &h.text);
        }
    }
}
