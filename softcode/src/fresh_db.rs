//! `FreshDb`: PennMUSH's fresh database (#0 Room Zero, #1 One, #2 Master Room) as a
//! `Host`, for the crate's tests and the oracle.

use std::collections::HashMap;

use crate::host::{AttrInfo, Dbref, Effect, Host, MatchError, ObjType, NOTHING};

/// One object in `FreshDb`.
#[derive(Debug, Clone)]
pub struct FreshObj {
    pub name: String,
    pub kind: ObjType,
    pub location: Dbref,
    pub owner: Dbref,
    pub flags: Vec<String>,
    pub attrs: HashMap<String, String>,
    /// Attribute flags by attribute name, as `Host::attrs` reports them.
    pub attr_flags: HashMap<String, Vec<(String, char)>>,
    pub parent: Dbref,
    pub zone: Dbref,
    pub link: Dbref,
    pub locks: HashMap<String, String>,
    /// Powers held, by name.
    pub powers: Vec<String>,
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
            attr_flags: HashMap::new(),
            parent: NOTHING,
            zone: NOTHING,
            link: NOTHING,
            locks: HashMap::new(),
            powers: Vec::new(),
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
    fn get_mut(&mut self, obj: Dbref) -> Option<&mut FreshObj> {
        usize::try_from(obj)
            .ok()
            .and_then(|i| self.objects.get_mut(i))
    }
    /// Add an object (owned by `owner`, inside `location`); returns its dbref.
    pub fn add(&mut self, name: &str, kind: ObjType, location: Dbref, owner: Dbref) -> Dbref {
        let d = Dbref::try_from(self.objects.len()).unwrap_or(NOTHING);
        self.objects.push(FreshObj {
            name: name.to_string(),
            kind,
            location,
            owner,
            flags: Vec::new(),
            attrs: HashMap::new(),
            attr_flags: HashMap::new(),
            parent: NOTHING,
            zone: NOTHING,
            link: NOTHING,
            locks: HashMap::new(),
            powers: Vec::new(),
        });
        d
    }
    /// Set an attribute directly (tests).
    pub fn set_attr(&mut self, obj: Dbref, name: &str, value: &str) {
        if let Some(o) = self.get_mut(obj) {
            o.attrs.insert(name.to_ascii_uppercase(), value.to_string());
        }
    }
    /// Set an attribute's flags, as (name, letter) pairs (tests).
    pub fn set_attr_flags(&mut self, obj: Dbref, name: &str, flags: &[(&str, char)]) {
        if let Some(o) = self.get_mut(obj) {
            let flags = flags.iter().map(|(n, c)| (n.to_string(), *c)).collect();
            o.attr_flags.insert(name.to_ascii_uppercase(), flags);
        }
    }
    /// Make `parent` the parent of `obj` (tests).
    pub fn set_parent(&mut self, obj: Dbref, parent: Dbref) {
        if let Some(o) = self.get_mut(obj) {
            o.parent = parent;
        }
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
    fn full_name(&self, obj: Dbref) -> Option<String> {
        self.get(obj).map(|o| o.name.clone())
    }
    fn attr_inherited(&self, obj: Dbref, name: &str) -> Option<String> {
        let mut at = obj;
        for _ in 0..=10 {
            let o = self.get(at)?;
            if let Some(v) = o.attrs.get(name) {
                return Some(v.clone());
            }
            at = o.parent;
        }
        None
    }
    fn name(&self, obj: Dbref) -> Option<String> {
        self.get(obj)
            .map(|o| o.name.split(';').next().unwrap_or("").to_string())
    }
    fn contents(&self, obj: Dbref) -> Vec<Dbref> {
        self.ids()
            .filter(|&d| self.location(d) == obj && self.obj_type(d) != Some(ObjType::Exit))
            .rev()
            .collect()
    }
    fn exits(&self, room: Dbref) -> Vec<Dbref> {
        self.ids()
            .filter(|&d| self.location(d) == room && self.obj_type(d) == Some(ObjType::Exit))
            .rev()
            .collect()
    }
    fn parent(&self, obj: Dbref) -> Dbref {
        self.get(obj).map_or(NOTHING, |o| o.parent)
    }
    fn zone(&self, obj: Dbref) -> Dbref {
        self.get(obj).map_or(NOTHING, |o| o.zone)
    }
    fn children(&self, obj: Dbref) -> Vec<Dbref> {
        self.ids().filter(|&d| self.parent(d) == obj).collect()
    }
    fn link(&self, obj: Dbref) -> Dbref {
        self.get(obj).map_or(NOTHING, |o| o.link)
    }
    fn entrances(&self, obj: Dbref) -> Vec<Dbref> {
        self.ids().filter(|&d| self.link(d) == obj).collect()
    }
    fn attrs(&self, obj: Dbref) -> Vec<AttrInfo> {
        let Some(o) = self.get(obj) else {
            return Vec::new();
        };
        o.attrs
            .iter()
            .map(|(k, v)| AttrInfo {
                name: k.clone(),
                value: v.clone(),
                flags: o.attr_flags.get(k).cloned().unwrap_or_default(),
                owner: o.owner,
            })
            .collect()
    }
    fn flags(&self, obj: Dbref) -> Vec<(String, char)> {
        let table = self.flag_table();
        self.get(obj).map_or_else(Vec::new, |o| {
            table
                .into_iter()
                .filter(|(n, _)| o.flags.iter().any(|f| f.eq_ignore_ascii_case(n)))
                .collect()
        })
    }
    fn flag_table(&self) -> Vec<(String, char)> {
        [
            ("WIZARD", 'W'),
            ("DARK", 'D'),
            ("SAFE", 'S'),
            ("UNFINDABLE", 'U'),
        ]
        .iter()
        .map(|(n, c)| (n.to_string(), *c))
        .collect()
    }
    fn match_thing(&self, looker: Dbref, name: &str) -> Result<Dbref, MatchError> {
        let n = name.trim();
        if n.eq_ignore_ascii_case("me") || n.eq_ignore_ascii_case("here") || n.starts_with('#') {
            let l = self.location(looker);
            return match n.strip_prefix('#') {
                Some(d) => d
                    .parse::<Dbref>()
                    .ok()
                    .filter(|d| self.exists(*d))
                    .ok_or(MatchError::NotFound),
                None if n.eq_ignore_ascii_case("me") => Ok(looker),
                None if self.exists(l) => Ok(l),
                None => Err(MatchError::NotFound),
            };
        }
        if let Some(p) = n.strip_prefix('*') {
            return self.player_by_name(p).ok_or(MatchError::NotFound);
        }
        let here = self.location(looker);
        let mut near = self.contents(looker);
        near.extend(self.contents(here));
        near.extend(self.exits(here));
        let hits: Vec<Dbref> = near
            .into_iter()
            .filter(|&d| {
                self.get(d)
                    .is_some_and(|o| o.name.split(';').any(|a| a.trim().eq_ignore_ascii_case(n)))
            })
            .collect();
        match hits.as_slice() {
            [one] => Ok(*one),
            [] => Err(MatchError::NotFound),
            _ => Err(MatchError::Ambiguous),
        }
    }
    fn player_by_name(&self, name: &str) -> Option<Dbref> {
        self.ids().find(|&d| {
            self.get(d)
                .is_some_and(|o| o.kind == ObjType::Player && o.name.eq_ignore_ascii_case(name))
        })
    }
    fn lock(&self, obj: Dbref, kind: &str) -> Option<String> {
        self.get(obj).and_then(|o| o.locks.get(kind).cloned())
    }
    fn eval_lock(&self, obj: Dbref, kind: &str, who: Dbref) -> bool {
        match self.lock(obj, kind) {
            None => true,
            Some(k) => k == format!("#{who}"),
        }
    }
    fn powers(&self, obj: Dbref) -> Vec<String> {
        self.get(obj).map_or_else(Vec::new, |o| o.powers.clone())
    }
    fn power_table(&self) -> Vec<String> {
        ["Builder", "See_All", "Boot"]
            .iter()
            .map(|p| p.to_string())
            .collect()
    }
    fn db_top(&self) -> Dbref {
        Dbref::try_from(self.objects.len()).unwrap_or(0)
    }
    /// Keys here are a single `#N` (that object passes) or `=#N`.
    fn test_key(&self, _executor: Dbref, key: &str, victim: Dbref) -> Option<bool> {
        let k = key.trim();
        let n: Dbref = k.trim_start_matches('=').strip_prefix('#')?.parse().ok()?;
        Some(n == victim)
    }
    fn act(&mut self, executor: Dbref, effect: Effect) -> Result<String, String> {
        let deny = || "#-1 PERMISSION DENIED".to_string();
        let target = match &effect {
            Effect::Flag { obj, .. }
            | Effect::AttrFlag { obj, .. }
            | Effect::Attr { obj, .. }
            | Effect::Wipe { obj, .. }
            | Effect::Tel { obj, .. }
            | Effect::Name { obj, .. }
            | Effect::Parent { obj, .. }
            | Effect::Lock { obj, .. }
            | Effect::Link { obj, .. }
            | Effect::Clone { obj, .. } => Some(*obj),
            _ => None,
        };
        if target.is_some_and(|t| !self.controls(executor, t)) {
            return Err(deny());
        }
        match effect {
            Effect::Flag { obj, flag } => {
                let (clear, f) = match flag.strip_prefix('!') {
                    Some(f) => (true, f.to_ascii_uppercase()),
                    None => (false, flag.to_ascii_uppercase()),
                };
                if let Some(o) = self.get_mut(obj) {
                    o.flags.retain(|x| *x != f);
                    if !clear {
                        o.flags.push(f);
                    }
                }
                Ok(String::new())
            }
            Effect::Attr { obj, attr, value } => {
                if let Some(o) = self.get_mut(obj) {
                    if value.is_empty() {
                        o.attrs.remove(&attr);
                    } else {
                        o.attrs.insert(attr, value);
                    }
                }
                Ok(String::new())
            }
            Effect::Create { name } => {
                let loc = executor;
                let d = self.add(&name, ObjType::Thing, loc, executor);
                Ok(format!("#{d}"))
            }
            Effect::Tel { obj, dest } => {
                if let Some(o) = self.get_mut(obj) {
                    o.location = dest;
                }
                Ok(String::new())
            }
            Effect::Name { obj, name } => {
                if let Some(o) = self.get_mut(obj) {
                    o.name = name;
                }
                Ok(String::new())
            }
            Effect::Parent { obj, parent } => {
                if let Some(o) = self.get_mut(obj) {
                    o.parent = parent.unwrap_or(NOTHING);
                }
                Ok(String::new())
            }
            Effect::Zone { obj, zone } => {
                let thing = self.match_thing(executor, &obj).map_err(|_| deny())?;
                let z = match zone.trim() {
                    "" | "none" => NOTHING,
                    z => self.match_thing(executor, z).map_err(|_| deny())?,
                };
                if !self.controls(executor, thing) {
                    return Err(deny());
                }
                if let Some(o) = self.get_mut(thing) {
                    o.zone = z;
                }
                Ok(String::new())
            }
            _ => Err(deny()),
        }
    }
}

impl FreshDb {
    fn ids(&self) -> impl DoubleEndedIterator<Item = Dbref> + '_ {
        (0..self.objects.len()).filter_map(|i| Dbref::try_from(i).ok())
    }
}
