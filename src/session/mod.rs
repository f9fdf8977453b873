//! Connections: the per-connection task, the session table and the outbound queue.

pub mod batch;
pub mod connection;
pub mod limits;
pub mod login;
pub mod outbound;
pub mod record;
pub mod socket;
pub mod table;

pub use outbound::{CloseReason, OutItem, Outbound};
pub use record::Part;
pub use table::{now_millis, Handle, Session, SessionTable};
