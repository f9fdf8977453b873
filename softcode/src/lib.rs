//! Softcode: PennMUSH-compatible parsing and evaluation of MUSHcode, and its function
//! library. Pure: it sees the world only through the `Host` trait and never touches
//! sockets or the store.
//!
//! * `parse`: text -> cacheable AST.
//! * `eval`: AST -> text in a `Context`, with PennMUSH's limits.
//! * `context`: executor/caller/enactor, arguments, registers, iter/switch stacks.
//! * `host`: the world as evaluation sees it, and `FreshDb` for tests.
//! * `functions`: the registration table and one file per function family.
//! * `suggest`: PennMUSH's "DID YOU MEAN" choice for unknown functions.

pub mod cache;
pub mod context;
pub mod eval;
pub mod fresh_db;
pub mod functions;
pub mod host;
pub mod markup;
pub mod oracle;
pub mod parse;
pub mod suggest;
#[cfg(test)]
mod test_support;
pub mod unparse;

pub use context::Context;
pub use eval::{Args, Eval, Limits};
pub use host::{Dbref, FreshDb, Host};
pub use parse::{parse, Expr, Mode, ParseError};
