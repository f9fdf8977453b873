//! The World: every game object, owned by the game task, indexed by dbref and player name.

pub mod attr_flags;
pub mod lock;
pub mod lock_flags;
pub mod object;
pub mod powers;
pub mod small_map;

use std::collections::{BTreeSet, HashMap};

pub use attr_flags::AttrFlags;
pub use lock_flags::LockFlags;
pub use object::{Dbref, Flags, Object, ObjectKind, PlayerData};
pub use powers::Powers;

/// All objects, by dbref, plus the indexes the commands need.
#[derive(Debug, Default)]
pub struct World {
    objects: Vec<Option<Object>>,
    player_names: HashMap<String, Dbref>,
    /// Players' `@alias`es (the ALIAS attribute, `;`-separated), lower case.
    player_aliases: HashMap<String, Dbref>,
    /// Things and players located in each object, in arrival order.
    contents: HashMap<Dbref, Vec<Dbref>>,
    /// Exits leading out of each room, in the order they were opened.
    exits: HashMap<Dbref, Vec<Dbref>>,
    /// Destroyed dbrefs below the top, reused lowest first (PennMUSH's free list).
    free: BTreeSet<u32>,
    /// Free dbrefs not to reuse yet: a destroyed player's, while a connection names it.
    held: BTreeSet<u32>,
}

/// Why a name cannot be used for a new player.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameError {
    #[error("That name is not allowed: {0}")]
    Invalid(&'static str),
    #[error("There is already a player with that name.")]
    Taken,
}

impl World {
    /// Builds the world from loaded objects, rebuilding the indexes.
    pub fn from_objects(mut objects: Vec<Object>) -> World {
        // In dbref order, so the table grows once and the free list only gets real gaps.
        objects.sort_unstable_by_key(|o| o.dbref);
        let mut world = World::default();
        world
            .objects
            .reserve(objects.last().map_or(0, |o| o.dbref.0 as usize + 1));
        for obj in objects {
            world.insert(obj);
        }
        world
    }

    pub fn is_empty(&self) -> bool {
        self.objects.iter().all(Option::is_none)
    }

    pub fn len(&self) -> usize {
        self.objects.iter().filter(|o| o.is_some()).count()
    }

    /// Whether `player` is a player that already existed at `logged_in_at` (Unix
    /// seconds): a session or history entry from before its creation named an older
    /// object on the same dbref. Unknown login times are given the benefit of the doubt.
    pub fn is_same_player(&self, player: Dbref, logged_in_at: Option<u64>) -> bool {
        self.get(player).is_some_and(|o| {
            o.kind == ObjectKind::Player && logged_in_at.is_none_or(|t| t >= o.created)
        })
    }

    /// The next free dbref: the lowest destroyed one, else a new one at the end.
    pub fn next_dbref(&self) -> Dbref {
        Dbref(
            self.free
                .iter()
                .find(|d| !self.held.contains(d))
                .copied()
                .unwrap_or(self.objects.len() as u32),
        )
    }

    /// Keeps a destroyed dbref from being reused until `release`.
    pub fn hold(&mut self, dbref: Dbref) {
        self.held.insert(dbref.0);
    }

    /// Lets a held dbref be reused.
    pub fn release(&mut self, dbref: Dbref) {
        self.held.remove(&dbref.0);
    }

    /// Takes an object out of the world (destroyed); its dbref goes on the free list.
    pub fn remove(&mut self, dbref: Dbref) -> Option<Object> {
        let obj = self.objects.get_mut(dbref.0 as usize)?.take()?;
        self.unindex(&obj);
        self.contents.remove(&dbref);
        self.exits.remove(&dbref);
        self.free.insert(dbref.0);
        Some(obj)
    }

    /// Adds (or replaces) an object and indexes it.
    pub fn insert(&mut self, obj: Object) {
        let idx = obj.dbref.0 as usize;
        if self.objects.len() <= idx {
            let old_len = self.objects.len() as u32;
            self.objects.resize_with(idx + 1, || None);
            self.free.extend(old_len..idx as u32);
        }
        self.free.remove(&obj.dbref.0);
        if let Some(old) = self.objects[idx].take() {
            self.unindex(&old);
        }
        if obj.kind == ObjectKind::Player {
            self.player_names.insert(obj.name.to_lowercase(), obj.dbref);
            for alias in aliases_of(&obj) {
                self.player_aliases.insert(alias, obj.dbref);
            }
        }
        if let Some(loc) = obj.location {
            self.place_index(obj.kind)
                .entry(loc)
                .or_default()
                .push(obj.dbref);
        }
        self.objects[idx] = Some(obj);
    }

    fn unindex(&mut self, obj: &Object) {
        if obj.kind == ObjectKind::Player {
            self.player_names.remove(&obj.name.to_lowercase());
            for alias in aliases_of(obj) {
                self.player_aliases.remove(&alias);
            }
        }
        if let Some(loc) = obj.location {
            if let Some(list) = self.place_index(obj.kind).get_mut(&loc) {
                list.retain(|d| *d != obj.dbref);
            }
        }
    }

    /// Exits are listed apart from the contents of their room.
    fn place_index(&mut self, kind: ObjectKind) -> &mut HashMap<Dbref, Vec<Dbref>> {
        if kind == ObjectKind::Exit {
            &mut self.exits
        } else {
            &mut self.contents
        }
    }

    /// Renames a player in the name index (the caller checked the new name).
    pub fn rename(&mut self, dbref: Dbref, new_name: &str) {
        let Some(old) = self.get(dbref).map(|o| (o.kind, o.name.to_lowercase())) else {
            return;
        };
        if old.0 == ObjectKind::Player {
            self.player_names.remove(&old.1);
            self.player_names.insert(new_name.to_lowercase(), dbref);
        }
        if let Some(o) = self.get_mut(dbref) {
            o.name = new_name.to_string();
        }
    }

    pub fn get(&self, dbref: Dbref) -> Option<&Object> {
        self.objects.get(dbref.0 as usize).and_then(Option::as_ref)
    }

    pub fn get_mut(&mut self, dbref: Dbref) -> Option<&mut Object> {
        self.objects
            .get_mut(dbref.0 as usize)
            .and_then(Option::as_mut)
    }

    pub fn name(&self, dbref: Dbref) -> &str {
        self.get(dbref)
            .map(|o| o.name.as_str())
            .unwrap_or("*NOTHING*")
    }

    /// Objects located in `dbref`, in arrival order.
    pub fn contents(&self, dbref: Dbref) -> &[Dbref] {
        self.contents.get(&dbref).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Exits leading out of `room`.
    pub fn exits(&self, room: Dbref) -> &[Dbref] {
        self.exits.get(&room).map(Vec::as_slice).unwrap_or(&[])
    }

    /// How many objects of each kind, and how many dbrefs are free: (rooms, exits,
    /// things, players, garbage).
    pub fn census(&self) -> [usize; 5] {
        let mut n = [0; 5];
        for o in self.iter() {
            let i = match o.kind {
                ObjectKind::Room => 0,
                ObjectKind::Exit => 1,
                ObjectKind::Thing => 2,
                ObjectKind::Player => 3,
            };
            n[i] += 1;
        }
        n[4] = self.free.len();
        n
    }

    /// An attribute of `dbref` or, failing that, of the nearest parent that has it (a
    /// parent's `no_inherit` attribute is its own: then there is none).
    pub fn attr(&self, dbref: Dbref, name: &str) -> Option<&str> {
        self.attr_with_flags(dbref, name).map(|(v, _)| v)
    }

    /// Like `attr`, with the flags of the attribute where it was found.
    pub fn attr_with_flags(&self, dbref: Dbref, name: &str) -> Option<(&str, AttrFlags)> {
        let mut at = dbref;
        for level in 0..=MAX_PARENT_DEPTH {
            let obj = self.get(at)?;
            if let Some(v) = obj.attrs.get(name) {
                let flags = obj.attr_flags(name);
                // The nearest one decides: a parent's no_inherit attribute hides its own
                // ancestors' too, as PennMUSH's lookup stops there.
                if level > 0 && flags.has(AttrFlags::NO_INHERIT) {
                    return None;
                }
                return Some((v, flags));
            }
            at = obj.parent?;
        }
        None
    }

    /// Whether making `parent` the parent of `child` would close a loop or nest too deep.
    pub fn parent_allowed(&self, child: Dbref, parent: Dbref) -> bool {
        let mut at = Some(parent);
        for _ in 0..MAX_PARENT_DEPTH {
            match at {
                None => return true,
                Some(d) if d == child => return false,
                Some(d) => at = self.get(d).and_then(|o| o.parent),
            }
        }
        at.is_none()
    }

    /// Whether `inner` is `outer` or somewhere inside it (moving `outer` into `inner`
    /// would make a loop).
    pub fn contains(&self, outer: Dbref, inner: Dbref) -> bool {
        let mut at = Some(inner);
        for _ in 0..MAX_NESTING {
            match at {
                Some(d) if d == outer => return true,
                Some(d) => at = self.get(d).and_then(|o| o.location),
                None => return false,
            }
        }
        true
    }

    /// `target`'s lock of `kind` as PennMUSH finds it: its own, else the nearest
    /// parent's that has one, unless that one is no_inherit. Gives the object holding
    /// it, the key text and the lock's flags.
    pub fn lock_of(&self, target: Dbref, kind: &str) -> Option<(Dbref, &str, LockFlags)> {
        let mut at = Some(target);
        for _ in 0..=MAX_PARENT_DEPTH {
            let obj = self.get(at?)?;
            if let Some(key) = obj.locks.get(kind) {
                let flags = obj.lock_flags(kind);
                let private = obj.dbref != target && flags.has(LockFlags::NO_INHERIT);
                return (!private).then_some((obj.dbref, key.as_str(), flags));
            }
            at = obj.parent;
        }
        None
    }

    /// Whether `who` passes `target`'s lock of `kind` (no lock passes everyone).
    pub fn passes_lock(&self, target: Dbref, kind: &str, who: Dbref) -> bool {
        let Some((_, text, _)) = self.lock_of(target, kind) else {
            return true;
        };
        let Some(obj) = self.get(who) else {
            return false;
        };
        // Stored keys are canonical: every name is already a dbref.
        match lock::parse(text, &|name| Err(format!("unresolved name {name}"))) {
            Ok(key) => key.eval(&Trier { world: self, obj }),
            Err(_) => false,
        }
    }

    /// How many objects `owner` owns, itself not counted.
    pub fn owned_by(&self, owner: Dbref) -> usize {
        self.iter()
            .filter(|o| o.owner == owner && o.dbref != owner)
            .count()
    }

    /// A player by exact name or alias, case-insensitively.
    pub fn player_by_name(&self, name: &str) -> Option<Dbref> {
        let key = name.trim().to_lowercase();
        self.player_names
            .get(&key)
            .or_else(|| self.player_aliases.get(&key))
            .copied()
    }

    /// Sets (`Some`) or clears (`None`) an attribute, keeping the alias index right.
    pub fn set_attr(&mut self, dbref: Dbref, name: &str, value: Option<String>) {
        let Some(obj) = self.get(dbref) else {
            return;
        };
        let aliases = obj.kind == ObjectKind::Player && name == ALIAS;
        if aliases {
            for alias in aliases_of(obj) {
                self.player_aliases.remove(&alias);
            }
        }
        let Some(obj) = self.get_mut(dbref) else {
            return;
        };
        match value {
            Some(v) => {
                obj.attrs.insert(name.to_string(), v);
            }
            None => {
                obj.attrs.remove(name);
                // A cleared attribute takes its flags with it.
                obj.attr_flags.remove(name);
            }
        }
        if aliases {
            let list: Vec<String> = self.get(dbref).map(aliases_of).unwrap_or_default();
            for alias in list {
                self.player_aliases.insert(alias, dbref);
            }
        }
    }

    /// Clears every attribute; returns their names.
    /// Replaces the flags of an attribute set on `dbref` (none clears them).
    pub fn set_attr_flags(&mut self, dbref: Dbref, name: &str, flags: AttrFlags) {
        if let Some(obj) = self.get_mut(dbref) {
            if flags.0 == 0 {
                obj.attr_flags.remove(name);
            } else {
                obj.attr_flags.insert(name.to_string(), flags.0.to_string());
            }
        }
    }

    /// The branches of a tree attribute (`A` and `A`B` for `A`B`C`) not set on the
    /// object, shortest first. Setting a leaf makes them (empty), as PennMUSH does.
    pub fn missing_branches(&self, dbref: Dbref, name: &str) -> Vec<String> {
        let Some(obj) = self.get(dbref) else {
            return Vec::new();
        };
        name.match_indices('`')
            .filter_map(|(i, _)| name.get(..i))
            .filter(|branch| !branch.is_empty() && obj.attrs.get(branch).is_none())
            .map(str::to_string)
            .collect()
    }

    /// Clears every attribute but wizard attributes (unless `wizard`); returns the names
    /// cleared.
    pub fn wipe_attrs(&mut self, dbref: Dbref, wizard: bool) -> Vec<String> {
        let names: Vec<String> = match self.get(dbref) {
            Some(o) => o
                .attrs
                .iter()
                .filter(|(k, _)| wizard || !o.attr_flags(k).has(AttrFlags::WIZARD))
                .map(|(k, _)| k.clone())
                .collect(),
            None => return Vec::new(),
        };
        for name in &names {
            self.set_attr(dbref, name, None);
        }
        names
    }

    /// Checks a proposed player name.
    pub fn check_player_name(&self, name: &str) -> Result<(), NameError> {
        validate_player_name(name)?;
        if self.player_by_name(name).is_some() {
            return Err(NameError::Taken);
        }
        Ok(())
    }

    /// Moves an object, keeping the contents index right.
    pub fn move_to(&mut self, what: Dbref, dest: Dbref) {
        let (kind, old) = match self.get(what) {
            Some(o) => (o.kind, o.location),
            None => return,
        };
        if let Some(old) = old {
            if let Some(list) = self.place_index(kind).get_mut(&old) {
                list.retain(|d| *d != what);
            }
        }
        self.place_index(kind).entry(dest).or_default().push(what);
        if let Some(o) = self.get_mut(what) {
            o.location = Some(dest);
        }
    }

    /// Every live object, in dbref order.
    pub fn iter(&self) -> impl Iterator<Item = &Object> {
        self.objects.iter().filter_map(Option::as_ref)
    }
}

/// The attribute holding a player's aliases.
pub const ALIAS: &str = "ALIAS";

/// A player's aliases, lower case (none for other kinds).
fn aliases_of(obj: &Object) -> Vec<String> {
    if obj.kind != ObjectKind::Player {
        return Vec::new();
    }
    obj.attrs
        .get(ALIAS)
        .map(|a| {
            a.split(';')
                .map(|x| x.trim().to_lowercase())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// How far attribute lookup follows parents.
pub const MAX_PARENT_DEPTH: usize = 10;
/// How deep objects may sit inside one another before we call it a loop.
const MAX_NESTING: usize = 100;

/// An object seen as the one trying a lock.
pub struct Trier<'a> {
    pub world: &'a World,
    pub obj: &'a Object,
}

impl lock::Enactor for Trier<'_> {
    fn dbref(&self) -> Dbref {
        self.obj.dbref
    }
    fn flags(&self) -> Flags {
        self.obj.flags
    }
    fn attr(&self, name: &str) -> Option<&str> {
        self.world.attr(self.obj.dbref, name)
    }
    fn kind(&self) -> Option<ObjectKind> {
        Some(self.obj.kind)
    }
    fn name(&self) -> &str {
        &self.obj.name
    }
    fn carries(&self, what: Dbref) -> bool {
        self.world.contents(self.obj.dbref).contains(&what)
    }
}

/// Name rules for players: printable, not empty, no leading `#` or `*`, no `=`.
pub fn validate_player_name(name: &str) -> Result<(), NameError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(NameError::Invalid("it is empty"));
    }
    if trimmed.chars().count() > 32 {
        return Err(NameError::Invalid("it is longer than 32 characters"));
    }
    if trimmed.starts_with(['#', '*', '!']) {
        return Err(NameError::Invalid("it may not start with #, * or !"));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() || matches!(c, '=' | '"' | '[' | ']' | '%' | ';' | ','))
    {
        return Err(NameError::Invalid("it holds a character names may not use"));
    }
    let lower = trimmed.to_lowercase();
    if matches!(
        lower.as_str(),
        "me" | "here" | "home" | "nothing" | "ambiguous"
    ) {
        return Err(NameError::Invalid("it is a reserved word"));
    }
    if trimmed.contains("  ") {
        return Err(NameError::Invalid("it holds two spaces in a row"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(validate_player_name("Alice").is_ok());
        assert!(validate_player_name("Some Name").is_ok());
        assert!(validate_player_name("").is_err());
        assert!(validate_player_name("#5").is_err());
        assert!(validate_player_name("a=b").is_err());
        assert!(validate_player_name("me").is_err());
    }

    #[test]
    fn a_tree_leaf_names_its_missing_branches() {
        let mut w = World::default();
        w.insert(Object::new_room(Dbref(0), "Zero", 0));
        w.set_attr(Dbref(0), "A`B", Some("set".into()));
        assert_eq!(w.missing_branches(Dbref(0), "A`B`C`D"), ["A", "A`B`C"]);
        assert!(w.missing_branches(Dbref(0), "PLAIN").is_empty());
    }

    #[test]
    fn a_parents_no_inherit_attribute_hides_the_grandparents() {
        let mut w = World::default();
        for d in 0..3 {
            w.insert(Object::new_room(Dbref(d), "Room", 0));
        }
        // #0's parent is #1, whose parent is #2.
        if let Some(o) = w.get_mut(Dbref(0)) {
            o.parent = Some(Dbref(1));
        }
        if let Some(o) = w.get_mut(Dbref(1)) {
            o.parent = Some(Dbref(2));
        }
        w.set_attr(Dbref(2), "X", Some("grand".into()));
        assert_eq!(w.attr(Dbref(0), "X"), Some("grand"));
        w.set_attr(Dbref(1), "X", Some("parent".into()));
        w.set_attr_flags(Dbref(1), "X", AttrFlags(AttrFlags::NO_INHERIT));
        assert_eq!(w.attr(Dbref(0), "X"), None);
        assert_eq!(w.attr(Dbref(1), "X"), Some("parent"));
    }

    #[test]
    fn recycled_dbrefs_are_reused() {
        let mut w = World::default();
        w.insert(Object::new_room(Dbref(0), "Zero", 0));
        w.insert(Object::new_room(Dbref(2), "Two", 0));
        assert_eq!(w.next_dbref(), Dbref(1));
    }

    #[test]
    fn held_dbrefs_wait_and_players_have_generations() {
        let mut w = World::default();
        w.insert(Object::new_room(Dbref(0), "Zero", 0));
        w.insert(Object::new_player(
            Dbref(1),
            "Al",
            "h".into(),
            Dbref(0),
            100,
        ));
        w.insert(Object::new_room(Dbref(2), "Two", 0));
        w.remove(Dbref(1));
        w.hold(Dbref(1));
        assert_eq!(w.next_dbref(), Dbref(3));
        w.release(Dbref(1));
        assert_eq!(w.next_dbref(), Dbref(1));
        w.insert(Object::new_player(
            Dbref(1),
            "Bo",
            "h".into(),
            Dbref(0),
            200,
        ));
        assert!(w.is_same_player(Dbref(1), Some(250)));
        assert!(w.is_same_player(Dbref(1), None));
        // A login from before Bo existed was Al's.
        assert!(!w.is_same_player(Dbref(1), Some(150)));
        assert!(!w.is_same_player(Dbref(2), None));
    }

    #[test]
    fn locks_see_carried_objects_and_inherited_attributes() {
        let mut w = World::default();
        w.insert(Object::new_room(Dbref(0), "Zero", 0));
        w.insert(Object::new_player(Dbref(1), "Al", "h".into(), Dbref(0), 0));
        let mut key = Object::new(Dbref(2), ObjectKind::Thing, "Key", Dbref(1), 0);
        key.location = Some(Dbref(1));
        w.insert(key);
        let mut parent = Object::new(Dbref(3), ObjectKind::Thing, "Proto", Dbref(1), 0);
        parent.attrs.insert("RANK".into(), "captain".into());
        w.insert(parent);
        let mut door = Object::new(Dbref(4), ObjectKind::Exit, "Door", Dbref(1), 0);
        door.location = Some(Dbref(0));
        door.locks.insert("basic".into(), "#2".into());
        door.locks.insert("enter".into(), "RANK:capt*".into());
        w.insert(door);
        assert!(
            w.passes_lock(Dbref(4), "basic", Dbref(1)),
            "carries the key"
        );
        assert!(!w.passes_lock(Dbref(4), "enter", Dbref(1)), "no RANK");
        if let Some(al) = w.get_mut(Dbref(1)) {
            al.parent = Some(Dbref(3));
        }
        assert!(
            w.passes_lock(Dbref(4), "enter", Dbref(1)),
            "RANK from the parent"
        );
        assert!(w.passes_lock(Dbref(4), "use", Dbref(1)), "no lock passes");
        assert!(!w.parent_allowed(Dbref(3), Dbref(1)), "a loop");
        assert!(w.contains(Dbref(1), Dbref(2)));
        assert_eq!(w.exits(Dbref(0)), &[Dbref(4)]);
        assert!(w.contents(Dbref(0)).iter().all(|d| *d != Dbref(4)));
        w.remove(Dbref(2));
        assert_eq!(w.next_dbref(), Dbref(2));
    }

    #[test]
    fn move_updates_contents() {
        let mut w = World::default();
        w.insert(Object::new_room(Dbref(0), "Zero", 0));
        w.insert(Object::new_room(Dbref(1), "One", 0));
        let p = Object::new_player(Dbref(2), "Al", "h".into(), Dbref(0), 0);
        w.insert(p);
        assert_eq!(w.contents(Dbref(0)), &[Dbref(2)]);
        w.move_to(Dbref(2), Dbref(1));
        assert!(w.contents(Dbref(0)).is_empty());
        assert_eq!(w.contents(Dbref(1)), &[Dbref(2)]);
        assert_eq!(w.player_by_name("al"), Some(Dbref(2)));
    }
}
