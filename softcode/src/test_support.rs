//! Helpers the unit tests of several function families share.

use crate::host::{Dbref, FreshDb, ObjType};
use crate::{Context, Eval, Mode};

/// Evaluates `text` as a command argument with `who` as executor, caller and enactor.
pub fn run(db: &mut FreshDb, who: Dbref, text: &str) -> String {
    let mut ev = Eval::new(db, Context::new(who, who, who));
    ev.eval_str(text, Mode::Command).unwrap_or_default()
}

/// A fresh database plus Bob (#3), Apple (#4, God's), and Banana and Big Rock (#5,
/// #6, Bob's, carried by him).
pub fn world() -> FreshDb {
    let mut db = FreshDb::new();
    let bob = db.add("Bob", ObjType::Player, 0, 3);
    db.add("Apple", ObjType::Thing, 0, 1);
    db.add("Banana", ObjType::Thing, bob, bob);
    db.add("Big Rock", ObjType::Thing, bob, bob);
    db
}
