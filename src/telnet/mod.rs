//! The telnet protocol: a socket-free codec, option negotiation and the MUD extensions.

pub mod codec;
pub mod mud;
pub mod options;

pub use codec::{TelnetCodec, TelnetEvent, TelnetFrame};

/// Telnet command bytes.
pub mod cmd {
    pub const SE: u8 = 240;
    pub const NOP: u8 = 241;
    pub const GA: u8 = 249;
    pub const SB: u8 = 250;
    pub const WILL: u8 = 251;
    pub const WONT: u8 = 252;
    pub const DO: u8 = 253;
    pub const DONT: u8 = 254;
    pub const IAC: u8 = 255;
    pub const EOR: u8 = 239;
}

/// Telnet option codes.
pub mod opt {
    pub const ECHO: u8 = 1;
    pub const SGA: u8 = 3;
    pub const TTYPE: u8 = 24;
    pub const EOR: u8 = 25;
    pub const NAWS: u8 = 31;
    pub const NEW_ENVIRON: u8 = 39;
    pub const CHARSET: u8 = 42;
    pub const MSSP: u8 = 70;
    /// Generic MUD Communication Protocol; not offered, but agreed to when a client
    /// asks (`IAC DO GMCP`), for the session resume token.
    pub const GMCP: u8 = 201;
}
