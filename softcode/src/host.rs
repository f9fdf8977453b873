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

/// Why a name matched nothing (PennMUSH's NOTHING / AMBIGUOUS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchError {
    NotFound,
    Ambiguous,
}

/// One attribute as stored on one object (no inheritance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrInfo {
    /// Upper-case name, `FOO`BAR` for trees.
    pub name: String,
    pub value: String,
    /// Attribute flags: (name as `lflags(obj/attr)` shows it, letter as `flags()` does;
    /// `'\0'` when it has none).
    pub flags: Vec<(String, char)>,
    pub owner: Dbref,
}

/// One connection, as the WHO list and SESSION show it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionInfo {
    /// The logged-in player (`NOTHING` before login).
    pub player: Dbref,
    /// Connection handle (`ports()`).
    pub port: i64,
    pub conn_secs: i64,
    pub idle_secs: i64,
    pub doing: String,
    /// The peer's address (no reverse lookup: also its host name).
    pub ip: String,
    /// Commands issued, bytes received and sent on this connection.
    pub cmds: i64,
    pub bytes_in: i64,
    pub bytes_out: i64,
    /// Terminal size negotiated (NAWS), when the client told.
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// The client's name (TTYPE), when it told.
    pub client: Option<String>,
    /// Whether the connection speaks telnet (negotiated anything).
    pub telnet: bool,
    /// Whether the client receives 7-bit ASCII only.
    pub ascii_only: bool,
    /// Colours the client shows: 0 (plain), 16 or 256.
    pub colors: i64,
}

/// A change to the world asked for by a side-effect function. The crate never performs
/// it: `Host::act` hands it to the game, which applies it with its command code paths
/// (permission checks and messages included) on behalf of `executor`. Object fields are
/// already-matched dbrefs; destinations/names are text as the command takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// `@set obj=[!]FLAG`.
    Flag { obj: Dbref, flag: String },
    /// `@set obj/attr=[!]flag ...`: attribute flags.
    AttrFlag {
        obj: Dbref,
        attr: String,
        flags: String,
    },
    /// `&ATTR obj=value` (empty value clears).
    Attr {
        obj: Dbref,
        attr: String,
        value: String,
    },
    /// `@wipe obj[/pattern]`.
    Wipe { obj: Dbref, pattern: String },
    /// `@create name`; Ok is the new dbref.
    Create { name: String },
    /// `@dig name[=to[,from]]`; Ok is the new room.
    Dig {
        name: String,
        to: String,
        from: String,
    },
    /// `@open name[=dest]` from the executor's location; Ok is the new exit.
    Open { name: String, dest: String },
    /// `@link obj=dest`.
    Link { obj: Dbref, dest: String },
    /// `@tel obj=dest`.
    Tel { obj: Dbref, dest: Dbref },
    /// `@clone obj[=name]`; Ok is the copy.
    Clone { obj: Dbref, name: String },
    /// `@name obj=name`.
    Name { obj: Dbref, name: String },
    /// `@parent obj=parent` (None unparents).
    Parent { obj: Dbref, parent: Option<Dbref> },
    /// `@lock[/kind] obj=key`.
    Lock {
        obj: Dbref,
        kind: String,
        key: String,
    },
    /// `@pcreate name=password` (wizards); Ok is the new player.
    CreatePlayer { name: String, password: String },
    /// `@chzone obj=zone` (`none` unzones): both as the command takes them, since it
    /// does its own matching and speaks for itself.
    Zone { obj: String, zone: String },
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
    /// The `$`-commands that `text` typed by `looker` would run, as `#obj/ATTR`, in
    /// the order the server would queue them (`scan()`).
    fn scan(&self, _looker: Dbref, _text: &str) -> Vec<String> {
        Vec::new()
    }
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

    /// The full name (exits with their `;` aliases).
    fn full_name(&self, obj: Dbref) -> Option<String> {
        self.name(obj)
    }
    /// What `obj` holds, in PennMUSH's order (most recent first).
    fn contents(&self, _obj: Dbref) -> Vec<Dbref> {
        Vec::new()
    }
    /// The exits leading out of a room.
    fn exits(&self, _room: Dbref) -> Vec<Dbref> {
        Vec::new()
    }
    fn parent(&self, _obj: Dbref) -> Dbref {
        NOTHING
    }
    /// Objects whose parent is `obj`.
    fn children(&self, _obj: Dbref) -> Vec<Dbref> {
        Vec::new()
    }
    /// Home of a thing/player, destination of an exit, drop-to of a room.
    /// The object's zone master object; `NOTHING` when it is in no zone.
    fn zone(&self, _obj: Dbref) -> Dbref {
        NOTHING
    }
    fn link(&self, _obj: Dbref) -> Dbref {
        NOTHING
    }
    /// Objects linked to `obj` (exits leading there, things homed there).
    fn entrances(&self, _obj: Dbref) -> Vec<Dbref> {
        Vec::new()
    }
    /// The object's own attributes (no inheritance), any order.
    /// A global user function (`@function`): the object and attribute it runs.
    fn user_function(&self, _name: &str) -> Option<(Dbref, String)> {
        None
    }
    /// The flags of an attribute as `attr_inherited` finds it (own, else a parent's).
    fn attr_flags(&self, obj: Dbref, name: &str) -> Vec<(String, char)> {
        self.attrs(obj)
            .into_iter()
            .find(|a| a.name == name)
            .map(|a| a.flags)
            .unwrap_or_default()
    }
    fn attrs(&self, _obj: Dbref) -> Vec<AttrInfo> {
        Vec::new()
    }
    /// The object's set flags as (NAME, letter), CONNECTED included for live players.
    fn flags(&self, _obj: Dbref) -> Vec<(String, char)> {
        Vec::new()
    }
    /// Every flag the game knows, as (NAME, letter).
    fn flag_table(&self) -> Vec<(String, char)> {
        Vec::new()
    }
    /// PennMUSH's match_thing: `me`, `here`, `#dbref`, `*player`, then names near
    /// `looker` (carried, in the same room, the room's exits).
    fn match_thing(&self, looker: Dbref, name: &str) -> Result<Dbref, MatchError> {
        let n = name.trim();
        if n.eq_ignore_ascii_case("me") {
            return Ok(looker);
        }
        if n.eq_ignore_ascii_case("here") {
            let l = self.location(looker);
            return if self.exists(l) {
                Ok(l)
            } else {
                Err(MatchError::NotFound)
            };
        }
        match n.strip_prefix('#').and_then(|d| d.parse::<Dbref>().ok()) {
            Some(d) if self.exists(d) => Ok(d),
            _ => Err(MatchError::NotFound),
        }
    }
    /// A player by name or alias, anywhere.
    fn player_by_name(&self, _name: &str) -> Option<Dbref> {
        None
    }
    /// A lock's key as `lock()` shows it; None when unlocked. `kind` is lower case.
    fn lock(&self, _obj: Dbref, _kind: &str) -> Option<String> {
        None
    }
    /// Whether `who` passes `obj`'s lock of `kind` (no lock passes everyone).
    fn eval_lock(&self, _obj: Dbref, _kind: &str, _who: Dbref) -> bool {
        true
    }
    /// PennMUSH's controls(): who may change what.
    fn controls(&self, who: Dbref, what: Dbref) -> bool {
        if !self.exists(who) || !self.exists(what) {
            return false;
        }
        if self.is_god(who) {
            return true;
        }
        if self.is_god(what) {
            return false;
        }
        self.is_wizard(who) || who == what || self.owner(what) == who
    }
    /// Last modification, seconds since the epoch.
    fn modified_time(&self, obj: Dbref) -> i64 {
        self.creation_time(obj)
    }
    /// Logged-in connections, oldest login first.
    fn sessions(&self) -> Vec<SessionInfo> {
        Vec::new()
    }
    /// The WHO list's `@poll` header.
    fn poll(&self) -> String {
        "Doing".to_string()
    }
    /// Remaining building quota of a player.
    fn quota(&self, _obj: Dbref) -> i64 {
        0
    }
    /// Whether `pw` is `player`'s password (checkpass()). No passwords: false.
    /// Whether `pw` is the player's password; None when it cannot be checked now (the
    /// host bounds how much password hashing evaluation may do).
    fn check_password(&self, _player: Dbref, _pw: &str) -> Option<bool> {
        Some(false)
    }
    /// Whether side-effect functions are enabled (PennMUSH's FUNCTION_SIDE_EFFECTS).
    fn side_effects(&self) -> bool {
        true
    }
    /// Every connection, logged in or not (`player` is `NOTHING` before login), oldest
    /// first: `lports()`, `terminfo()`, `width()` and friends.
    fn connections(&self) -> Vec<SessionInfo> {
        self.sessions()
    }
    /// One past the highest dbref in use (PennMUSH's db_top).
    fn db_top(&self) -> Dbref {
        0
    }
    /// The dbref the next created object gets (`nextdbref()`).
    fn next_dbref(&self) -> Dbref {
        self.db_top()
    }
    /// When the server first started, seconds since the epoch (`uptime()`).
    fn start_time(&self) -> i64 {
        0
    }
    /// Reboots since the first start (`restarts()`).
    fn restarts(&self) -> i64 {
        0
    }
    /// Whether `victim` passes lock key text `key` as `executor` would write it in
    /// `@lock` (names matched for the executor); None when the key does not parse.
    fn test_key(&self, _executor: Dbref, _key: &str, _victim: Dbref) -> Option<bool> {
        None
    }
    /// Apply a side effect on behalf of `executor`; Ok is the function's result text,
    /// Err its error text. The game sends the command's own messages itself.
    fn act(&mut self, _executor: Dbref, _effect: Effect) -> Result<String, String> {
        Err("#-1 PERMISSION DENIED".to_string())
    }
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
    pub parent: Dbref,
    pub zone: Dbref,
    pub link: Dbref,
    pub locks: HashMap<String, String>,
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
            parent: NOTHING,
            zone: NOTHING,
            link: NOTHING,
            locks: HashMap::new(),
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
            parent: NOTHING,
            zone: NOTHING,
            link: NOTHING,
            locks: HashMap::new(),
        });
        d
    }
    /// Set an attribute directly (tests).
    pub fn set_attr(&mut self, obj: Dbref, name: &str, value: &str) {
        if let Some(o) = self.get_mut(obj) {
            o.attrs.insert(name.to_ascii_uppercase(), value.to_string());
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
    fn children(&self, obj: Dbref) -> Vec<Dbref> {
        self.ids().filter(|&d| self.parent(d) == obj).collect()
    }
    fn link(&self, obj: Dbref) -> Dbref {
        self.get(obj).map_or(NOTHING, |o| o.link)
    }
    fn zone(&self, obj: Dbref) -> Dbref {
        self.get(obj).map_or(NOTHING, |o| o.zone)
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
                flags: Vec::new(),
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
