//! The World: every game object, owned by the game task, indexed by dbref and player name.

pub mod lock;
pub mod object;

use std::collections::HashMap;

pub use object::{Dbref, Flags, Object, ObjectKind, PlayerData};

/// All objects, by dbref, plus the indexes the commands need.
#[derive(Debug, Default)]
pub struct World {
    objects: Vec<Option<Object>>,
    player_names: HashMap<String, Dbref>,
    contents: HashMap<Dbref, Vec<Dbref>>,
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
    pub fn from_objects(objects: Vec<Object>) -> World {
        let mut world = World::default();
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

    /// The next free dbref: the lowest destroyed one, else a new one at the end.
    pub fn next_dbref(&self) -> Dbref {
        let slot = self
            .objects
            .iter()
            .position(Option::is_none)
            .unwrap_or(self.objects.len());
        Dbref(slot as u32)
    }

    /// Adds (or replaces) an object and indexes it.
    pub fn insert(&mut self, obj: Object) {
        let idx = obj.dbref.0 as usize;
        if self.objects.len() <= idx {
            self.objects.resize_with(idx + 1, || None);
        }
        if let Some(old) = self.objects[idx].take() {
            self.unindex(&old);
        }
        if obj.kind == ObjectKind::Player {
            self.player_names.insert(obj.name.to_lowercase(), obj.dbref);
        }
        if let Some(loc) = obj.location {
            self.contents.entry(loc).or_default().push(obj.dbref);
        }
        self.objects[idx] = Some(obj);
    }

    fn unindex(&mut self, obj: &Object) {
        if obj.kind == ObjectKind::Player {
            self.player_names.remove(&obj.name.to_lowercase());
        }
        if let Some(loc) = obj.location {
            if let Some(list) = self.contents.get_mut(&loc) {
                list.retain(|d| *d != obj.dbref);
            }
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

    /// A player by exact name, case-insensitively.
    pub fn player_by_name(&self, name: &str) -> Option<Dbref> {
        self.player_names.get(&name.trim().to_lowercase()).copied()
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
        let old = match self.get(what) {
            Some(o) => o.location,
            None => return,
        };
        if let Some(old) = old {
            if let Some(list) = self.contents.get_mut(&old) {
                list.retain(|d| *d != what);
            }
        }
        self.contents.entry(dest).or_default().push(what);
        if let Some(o) = self.get_mut(what) {
            o.location = Some(dest);
        }
    }

    /// Every live object, in dbref order.
    pub fn iter(&self) -> impl Iterator<Item = &Object> {
        self.objects.iter().filter_map(Option::as_ref)
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
    fn recycled_dbrefs_are_reused() {
        let mut w = World::default();
        w.insert(Object::new_room(Dbref(0), "Zero", 0));
        w.insert(Object::new_room(Dbref(2), "Two", 0));
        assert_eq!(w.next_dbref(), Dbref(1));
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
