//! Any lock key a player can type, through `lock::parse`; a key that parses is evaluated
//! against a test enactor and its canonical text (what `@lock` stores) is read back the
//! way the game reads stored keys. Also `lock::glob` on any pattern and text.
//!
//! Input layout: byte 0 picks the enactor, the rest is the text. For `glob`, the text
//! splits at its first NUL into pattern and subject.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mushd::world::lock::{glob, parse, Enactor, LockKey};
use mushd::world::{Dbref, Flags};

struct Who {
    dbref: Dbref,
    flags: Flags,
    attrs: [(&'static str, &'static str); 3],
}

impl Enactor for Who {
    fn dbref(&self) -> Dbref {
        self.dbref
    }
    fn flags(&self) -> Flags {
        self.flags
    }
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
    fn carries(&self, what: Dbref) -> bool {
        what.0 == self.dbref.0 + 1
    }
}

fn resolve(name: &str) -> Result<Dbref, String> {
    match name.to_lowercase().as_str() {
        "bob" => Ok(Dbref(3)),
        "me" => Ok(Dbref(1)),
        _ => Err(format!("I can't find {name}.")),
    }
}

/// Nesting of the canonical text: And/Or inside And/Or are printed in parentheses,
/// except the left side of a chain of the same operator, which stays flat.
fn printed_depth(key: &LockKey) -> usize {
    let inner = |k: &LockKey| match k {
        LockKey::And(..) | LockKey::Or(..) => 1 + printed_depth(k),
        _ => printed_depth(k),
    };
    match key {
        LockKey::Not(k) => 1 + printed_depth(k),
        LockKey::And(a, b) if matches!(**a, LockKey::And(..)) => printed_depth(a).max(inner(b)),
        LockKey::Or(a, b) if matches!(**a, LockKey::Or(..)) => printed_depth(a).max(inner(b)),
        LockKey::And(a, b) | LockKey::Or(a, b) => inner(a).max(inner(b)),
        _ => 1,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let who = Who {
        dbref: Dbref(u32::from(pick % 8)),
        flags: Flags(u32::from(pick).wrapping_mul(0x0101_0101)),
        attrs: [("SEX", "male"), ("RACE", "*elf*"), ("A", "")],
    };

    if let Ok(key) = parse(&text, &resolve) {
        let pass = key.eval(&who);
        assert_eq!(LockKey::Not(Box::new(key.clone())).eval(&who), !pass);
        let canonical = key.to_string();
        let too_deep = printed_depth(&key) > 60 || canonical.len() > 2048;
        if !too_deep {
            let again = parse(&canonical, &|n| Err(format!("unresolved name {n}")));
            assert_eq!(again.as_ref(), Ok(&key), "canonical text {canonical:?}");
        }
    }

    let (pattern, subject) = text.split_once('\0').unwrap_or((&text, "bob"));
    let _ = glob(pattern, subject);
    assert!(glob(subject, subject));
    assert!(glob("*", subject));
});
