//! Connections: the per-connection task, the session table and the outbound queue.

pub mod connection;
pub mod login;
pub mod outbound;
pub mod table;

pub use outbound::{CloseReason, OutItem, Outbound};
pub use table::{now_millis, session_fields, Handle, Session, SessionTable};
