//! Option negotiation with the RFC 1143 "Q method", so negotiation can never loop.

use super::cmd::{DO, DONT, WILL, WONT};
use super::codec::TelnetFrame;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Q {
    #[default]
    No = 0,
    Yes = 1,
    WantNo = 2,
    WantYes = 3,
}

/// Which side of an option a state describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// We perform it (we send WILL).
    Us,
    /// The client performs it (we send DO).
    Him,
}

/// One side's option states, holding only options that are not `No`: a connection
/// touches a handful of the 256, so this is a few bytes instead of 256.
#[derive(Debug, Clone, Default)]
struct States(Vec<(u8, Q)>);

impl States {
    fn get(&self, opt: u8) -> Q {
        self.0
            .iter()
            .find(|(o, _)| *o == opt)
            .map(|(_, q)| *q)
            .unwrap_or_default()
    }

    /// The state's slot, made on first use (at most 256 slots).
    fn slot(&mut self, opt: u8) -> &mut Q {
        let i = match self.0.iter().position(|(o, _)| *o == opt) {
            Some(i) => i,
            None => {
                self.0.push((opt, Q::No));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut v = vec![0u8; 256];
        for (o, q) in &self.0 {
            v[*o as usize] = *q as u8;
        }
        v
    }
}

/// The negotiated state of every option on one connection.
#[derive(Debug, Clone)]
pub struct OptionTable {
    us: States,
    him: States,
    allow_us: fn(u8) -> bool,
    allow_him: fn(u8) -> bool,
}

/// What a received negotiation changed, for the caller to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Enabled(Side, u8),
    Disabled(Side, u8),
}

impl OptionTable {
    /// `allow_us`/`allow_him` say which options we agree to when the client asks.
    pub fn new(allow_us: fn(u8) -> bool, allow_him: fn(u8) -> bool) -> Self {
        Self {
            us: States::default(),
            him: States::default(),
            allow_us,
            allow_him,
        }
    }

    /// Every option's state as bytes (us, him), for a hot-reboot handoff.
    pub fn snapshot(&self) -> (Vec<u8>, Vec<u8>) {
        (self.us.to_bytes(), self.him.to_bytes())
    }

    /// Restores states saved by `snapshot`; unknown bytes become `No`.
    pub fn restore(&mut self, us: &[u8], him: &[u8]) {
        let dec = |b: u8| match b {
            1 => Q::Yes,
            2 => Q::WantNo,
            3 => Q::WantYes,
            _ => Q::No,
        };
        for (opt, b) in (0..=255u8).zip(us.iter()) {
            *self.us.slot(opt) = dec(*b);
        }
        for (opt, b) in (0..=255u8).zip(him.iter()) {
            *self.him.slot(opt) = dec(*b);
        }
        self.us.0.retain(|(_, q)| *q != Q::No);
        self.him.0.retain(|(_, q)| *q != Q::No);
    }

    pub fn is_enabled(&self, side: Side, opt: u8) -> bool {
        match side {
            Side::Us => self.us.get(opt) == Q::Yes,
            Side::Him => self.him.get(opt) == Q::Yes,
        }
    }

    /// Asks for an option to be enabled; returns the frame to send, if any.
    pub fn request(&mut self, side: Side, opt: u8) -> Option<TelnetFrame> {
        let (q, verb) = match side {
            Side::Us => (self.us.slot(opt), WILL),
            Side::Him => (self.him.slot(opt), DO),
        };
        if *q == Q::No {
            *q = Q::WantYes;
            Some(TelnetFrame::Negotiate(verb, opt))
        } else {
            None
        }
    }

    /// Handles a received WILL/WONT/DO/DONT; returns the reply to send and what changed.
    pub fn receive(&mut self, verb: u8, opt: u8) -> (Option<TelnetFrame>, Option<Change>) {
        let (side, positive) = match verb {
            WILL => (Side::Him, true),
            WONT => (Side::Him, false),
            DO => (Side::Us, true),
            DONT => (Side::Us, false),
            _ => return (None, None),
        };
        let (yes_verb, no_verb, allowed) = match side {
            Side::Him => (DO, DONT, (self.allow_him)(opt)),
            Side::Us => (WILL, WONT, (self.allow_us)(opt)),
        };
        let q = match side {
            Side::Him => self.him.slot(opt),
            Side::Us => self.us.slot(opt),
        };
        match (positive, *q) {
            (true, Q::No) => {
                if allowed {
                    *q = Q::Yes;
                    (
                        Some(TelnetFrame::Negotiate(yes_verb, opt)),
                        Some(Change::Enabled(side, opt)),
                    )
                } else {
                    (Some(TelnetFrame::Negotiate(no_verb, opt)), None)
                }
            }
            (true, Q::Yes) => (None, None),
            // They answered our "no" with "yes": an error per RFC 1143; settle on no.
            (true, Q::WantNo) => {
                *q = Q::No;
                (None, None)
            }
            (true, Q::WantYes) => {
                *q = Q::Yes;
                (None, Some(Change::Enabled(side, opt)))
            }
            (false, Q::No) => (None, None),
            (false, Q::Yes) => {
                *q = Q::No;
                (
                    Some(TelnetFrame::Negotiate(no_verb, opt)),
                    Some(Change::Disabled(side, opt)),
                )
            }
            (false, Q::WantNo) => {
                *q = Q::No;
                (None, Some(Change::Disabled(side, opt)))
            }
            (false, Q::WantYes) => {
                *q = Q::No;
                (None, Some(Change::Disabled(side, opt)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telnet::opt;

    fn table() -> OptionTable {
        OptionTable::new(|o| o == opt::SGA, |o| o == opt::NAWS)
    }

    #[test]
    fn our_request_then_acceptance_sends_nothing_more() {
        let mut t = table();
        assert_eq!(
            t.request(Side::Him, opt::NAWS),
            Some(TelnetFrame::Negotiate(DO, opt::NAWS))
        );
        assert_eq!(t.request(Side::Him, opt::NAWS), None);
        let (reply, change) = t.receive(WILL, opt::NAWS);
        assert_eq!(reply, None);
        assert_eq!(change, Some(Change::Enabled(Side::Him, opt::NAWS)));
        assert!(t.is_enabled(Side::Him, opt::NAWS));
        // A repeated WILL is not answered: that is what stops loops.
        assert_eq!(t.receive(WILL, opt::NAWS), (None, None));
    }

    #[test]
    fn unsupported_option_refused_once() {
        let mut t = table();
        assert_eq!(
            t.receive(WILL, 99).0,
            Some(TelnetFrame::Negotiate(DONT, 99))
        );
        assert_eq!(t.receive(DO, 98).0, Some(TelnetFrame::Negotiate(WONT, 98)));
        assert!(!t.is_enabled(Side::Him, 99));
    }

    #[test]
    fn refusal_of_our_request() {
        let mut t = table();
        t.request(Side::Us, opt::SGA);
        assert_eq!(
            t.receive(DONT, opt::SGA),
            (None, Some(Change::Disabled(Side::Us, opt::SGA)))
        );
        assert_eq!(t.receive(DONT, opt::SGA), (None, None));
    }

    #[test]
    fn client_turning_off_is_acknowledged_once() {
        let mut t = table();
        t.receive(WILL, opt::NAWS);
        assert_eq!(
            t.receive(WONT, opt::NAWS).0,
            Some(TelnetFrame::Negotiate(DONT, opt::NAWS))
        );
        assert_eq!(t.receive(WONT, opt::NAWS), (None, None));
    }

    #[test]
    fn two_tables_never_loop() {
        // Two peers that both want everything exchange a bounded number of messages.
        let mut a = OptionTable::new(|_| true, |_| true);
        let mut b = OptionTable::new(|_| true, |_| true);
        let mut to_b: Vec<TelnetFrame> = vec![];
        to_b.extend(a.request(Side::Us, 3));
        to_b.extend(a.request(Side::Him, 3));
        let mut to_a: Vec<TelnetFrame> = vec![];
        to_a.extend(b.request(Side::Us, 3));
        to_a.extend(b.request(Side::Him, 3));
        let mut rounds = 0;
        while !(to_a.is_empty() && to_b.is_empty()) {
            rounds += 1;
            assert!(rounds < 10, "negotiation loops");
            let mut next_a = vec![];
            for f in to_b.drain(..) {
                if let TelnetFrame::Negotiate(v, o) = f {
                    next_a.extend(b.receive(v, o).0);
                }
            }
            let mut next_b = vec![];
            for f in to_a.drain(..) {
                if let TelnetFrame::Negotiate(v, o) = f {
                    next_b.extend(a.receive(v, o).0);
                }
            }
            to_a = next_a;
            to_b = next_b;
        }
    }
}
