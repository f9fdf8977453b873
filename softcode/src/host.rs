//! The world as the evaluator sees it. Evaluation never touches the store or sockets:
//! it asks a `Host` for facts (names, locations, attributes, flags) and hands side
//! effects (notifications) back through it. `FreshDb` is PennMUSH's fresh database
//! (#0 Room Zero, #1 One, #2 Master Room), used by the tests and the oracle; it lives in
//! `fresh_db.rs`.

pub use crate::fresh_db::{FreshDb, FreshObj};

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

/// One @mail message, as the mail functions see it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailInfo {
    pub folder: u8,
    /// 1-based within its folder.
    pub number: usize,
    pub from: Dbref,
    /// Unix seconds.
    pub time: i64,
    pub subject: String,
    pub body: String,
    /// `@mail/list`'s status characters, `NCUF+` or `-` each.
    pub status: String,
    pub read: bool,
    pub cleared: bool,
}

/// One queue entry, as `@ps`, `lpids()`, `getpids()` and `pidinfo()` see it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueInfo {
    pub pid: u64,
    /// The owner whose quota it counts against.
    pub owner: Dbref,
    pub executor: Dbref,
    /// Seconds until a timed entry runs; -1 for none.
    pub time_left: i64,
    /// The semaphore object and attribute; `NOTHING` and "" when it waits on none.
    pub semaphore: Dbref,
    pub attr: String,
    /// "wait", "semaphore" or "" (ready to run).
    pub queue: &'static str,
    pub command: String,
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
    /// `mailsend(player, [subject/]message)`: @mail without the sender's notice.
    MailSend {
        to: Dbref,
        subject: String,
        body: String,
    },
    /// `@chzone obj=zone` (`none` unzones): both as the command takes them, since it
    /// does its own matching and speaks for itself.
    Zone { obj: String, zone: String },
    /// `@lset obj/kind=[!]flag`: lock flags.
    LockFlags {
        obj: Dbref,
        kind: String,
        flags: String,
    },
    /// `@power obj=[!]power`.
    Power { obj: Dbref, power: String },
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
    /// Every queue entry, by pid.
    fn queue_entries(&self) -> Vec<QueueInfo> {
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
    /// The flags of the lock `lock()` finds, as (name, letter); None when unlocked.
    fn lock_flags(&self, obj: Dbref, kind: &str) -> Option<Vec<(String, char)>> {
        self.lock(obj, kind).map(|_| Vec::new())
    }
    /// The lock types set on the object itself (not inherited), as PennMUSH names
    /// them (`Basic`, `Use`), in its order (alphabetical).
    fn own_locks(&self, obj: Dbref) -> Vec<String> {
        crate::functions::lockfns::LOCK_TYPES
            .iter()
            .filter(|k| self.lock(obj, &k.to_ascii_lowercase()).is_some())
            .map(|k| k.to_string())
            .collect()
    }
    /// The object's powers, as PennMUSH names them, in its order.
    fn powers(&self, _obj: Dbref) -> Vec<String> {
        Vec::new()
    }
    /// Every power the game knows.
    fn power_table(&self) -> Vec<String> {
        Vec::new()
    }
    /// Whether `obj` holds the power `name` (any case).
    fn has_power(&self, obj: Dbref, name: &str) -> bool {
        self.powers(obj)
            .iter()
            .any(|p| p.eq_ignore_ascii_case(name.trim()))
    }
    /// PennMUSH's See_All: wizards and holders of the See_All power read everything.
    fn see_all(&self, obj: Dbref) -> bool {
        self.is_wizard(obj) || self.has_power(obj, "See_All")
    }
    /// The object's money (`money()`).
    fn money(&self, _obj: Dbref) -> i64 {
        0
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
    /// A player's building quota as `quota()` reports it: what it owns plus what it may
    /// still make (99999 for those without a limit).
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
    /// A player's mail: the current folder and every message (None: no such player).
    fn mailbox(&self, _player: Dbref) -> Option<(u8, Vec<MailInfo>)> {
        None
    }
    /// The messages `player` sent that are still in someone's mailbox.
    fn mail_sent(&self, _player: Dbref) -> Vec<MailInfo> {
        Vec::new()
    }
    /// A channel function (`channels`, `cwho`, `cemit`...; `name` upper case) called
    /// by `executor` with its arguments; the answer is the function's result. A host
    /// without channels has none.
    fn chat_function(&mut self, _executor: Dbref, name: &str, _args: &[String]) -> String {
        match name {
            "CHANNELS" | "CBUFFERADD" => String::new(),
            _ => "#-1 NO SUCH CHANNEL".to_string(),
        }
    }
    fn act(&mut self, _executor: Dbref, _effect: Effect) -> Result<String, String> {
        Err("#-1 PERMISSION DENIED".to_string())
    }
}
