//! The world as the evaluator sees it. Evaluation never touches the store or sockets:
//! it asks a `Host` for facts (names, locations, attributes, flags) and hands side
//! effects (notifications) back through it. `FreshDb` is PennMUSH's fresh database
//! (#0 Room Zero, #1 One, #2 Master Room), used by the tests and the oracle.

use std::collections::HashMap;

/// A database reference number; negative values are PennMUSH's NOTHING/AMBIGUOUS/HOME.
pub type Dbref = i64;

/// `#-1`.
pub const NOTHING: Dbref = -1;

/// Object type, as PennMUSH's `type()` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjType {
    Room,
    Thing,
    Exit,
    Player,
    Garbage,
}

/// The evaluator's window on the world. Object-safe; all queries are by dbref.
pub trait Host {
    /// Does this dbref name a live object?
    fn exists(&self, obj: Dbref) -> bool;
    fn name(&self, obj: Dbref) -> Option<String>;
    fn obj_type(&self, obj: Dbref) -> Option<ObjType>;
    fn location(&self, obj: Dbref) -> Dbref;
    fn owner(&self, obj: Dbref) -> Dbref;
    /// Creation time in seconds since the epoch (for `%:` object ids).
    fn creation_time(&self, obj: Dbref) -> i64;
    /// An attribute's raw value (name is upper-case), without inheritance.
    fn attr(&self, obj: Dbref, name: &str) -> Option<String>;
    /// An attribute's value, following the parent chain.
    fn attr_inherited(&self, obj: Dbref, name: &str) -> Option<String> {
        self.attr(obj, name)
    }
    fn has_flag(&self, obj: Dbref, flag: &str) -> bool;
    fn is_wizard(&self, obj: Dbref) -> bool {
        self.has_flag(obj, "WIZARD") || obj == 1
    }
    fn is_god(&self, obj: Dbref) -> bool {
        obj == 1
    }
    /// Deliver `text` to `target` (a side effect; the game performs it).
    fn notify(&mut self, target: Dbref, text: &str);
}

/// One object in `FreshDb`.
#[derive(Debug, Clone)]
pub struct FreshObj {
    pub name: String,
    pub kind: ObjType,
    pub location: Dbref,
    pub owner: Dbref,
    pub flags: Vec<String>,
    pub attrs: HashMap<String, String>,
}

/// PennMUSH's fresh database, plus a log of notifications sent.
#[derive(Debug, Clone)]
pub struct FreshDb {
    pub objects: Vec<FreshObj>,
    pub notifications: Vec<(Dbref, String)>,
}

impl Default for FreshDb {
    fn default() -> Self {
        Self::new()
    }
}

impl FreshDb {
    pub fn new() -> Self {
        let obj = |name: &str, kind, location, flags: &[&str]| FreshObj {
            name: name.to_string(),
            kind,
            location,
            owner: 1,
            flags: flags.iter().map(|s| s.to_string()).collect(),
            attrs: HashMap::new(),
        };
        FreshDb {
            objects: vec![
                obj("Room Zero", ObjType::Room, NOTHING, &[]),
                obj("One", ObjType::Player, 0, &["WIZARD"]),
                obj("Master Room", ObjType::Room, NOTHING, &[]),
            ],
            notifications: Vec::new(),
        }
    }
    fn get(&self, obj: Dbref) -> Option<&FreshObj> {
        usize::try_from(obj).ok().and_then(|i| self.objects.get(i))
    }
    /// Take the notifications sent so far.
    pub fn take_notifications(&mut self) -> Vec<(Dbref, String)> {
        std::mem::take(&mut self.notifications)
    }
}

impl Host for FreshDb {
    fn exists(&self, obj: Dbref) -> bool {
        self.get(obj).is_some()
    }
    fn name(&self, obj: Dbref) -> Option<String> {
        self.get(obj).map(|o| o.name.clone())
    }
    fn obj_type(&self, obj: Dbref) -> Option<ObjType> {
        self.get(obj).map(|o| o.kind)
    }
    fn location(&self, obj: Dbref) -> Dbref {
        self.get(obj).map_or(NOTHING, |o| o.location)
    }
    fn owner(&self, obj: Dbref) -> Dbref {
        self.get(obj).map_or(NOTHING, |o| o.owner)
    }
    fn creation_time(&self, _obj: Dbref) -> i64 {
        0
    }
    fn attr(&self, obj: Dbref, name: &str) -> Option<String> {
        self.get(obj).and_then(|o| o.attrs.get(name).cloned())
    }
    fn has_flag(&self, obj: Dbref, flag: &str) -> bool {
        self.get(obj)
            .is_some_and(|o| o.flags.iter().any(|f| f.eq_ignore_ascii_case(flag)))
    }
    fn notify(&mut self, target: Dbref, text: &str) {
        if self.notifications.len() < 10_000 {
            self.notifications.push((target, text.to_string()));
        }
    }
}
