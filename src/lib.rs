//! mushd: a MUSH server daemon. The binary and the integration tests share this library.

pub mod chat;
pub mod command;
pub mod config;
pub mod front;
pub mod game;
pub mod memory;
pub mod metrics;
pub mod reboot;
pub mod rlimit;
pub mod server;
pub mod session;
pub mod store;
pub mod telnet;
pub mod world;
