//! Zones: `@chzone <object>=<zone>|none` puts an object in the zone of a zone master
//! object (ZMO), with PennMUSH's checks and messages (see `help @chzone`).

use super::look::display_name;
use super::matching::{self, Scope};
use super::{refuse, Caller, CommandFn};
use crate::game::{Flow, Game};
use crate::store::write_behind::Op;
use crate::store::Key;
use crate::world::object::lock_field;
use crate::world::{Dbref, Flags, ObjectKind};

pub const COMMANDS: &[(&str, CommandFn)] = &[
    ("@chzone", |g, c, a| chzone(g, c, a, false)),
    ("@chzone/preserve", |g, c, a| chzone(g, c, a, true)),
];

/// Longest zone chain `@chzone` builds (PennMUSH's MAX_ZONES).
pub const MAX_ZONE_DEPTH: usize = 30;

/// The lock kind a zone's members are controlled through and `@chzone` sets by default.
pub const ZONE_LOCK: &str = "zone";

/// The lock kind that lets others `@chzone` their objects into a zone they do not control.
pub const CHZONE_LOCK: &str = "chzone";

/// `@chzone[/preserve] <object>=<zone>`; `none` (or nothing) unzones. `/preserve`
/// (wizards) keeps a zoned thing's WIZARD flag.
pub fn chzone(game: &mut Game, caller: Caller, args: &str, preserve: bool) -> Flow {
    let (what, zone_text) = args.split_once('=').unwrap_or((args, ""));
    let thing = match matching::find(game, caller.player, what, Scope::NEAR) {
        Ok(d) => d,
        Err(why) => return refuse(game, caller, why),
    };
    let zone_text = zone_text.trim();
    let zone = if zone_text.is_empty() || zone_text.eq_ignore_ascii_case("none") {
        None
    } else {
        match find_zone(game, caller, zone_text) {
            Ok(d) => Some(d),
            Err(why) => return refuse(game, caller, why),
        }
    };
    if let Err(why) = may_chzone(game, caller.player, thing, zone) {
        return refuse(game, caller, why);
    }
    let who = caller.player;
    if let Some(z) = zone {
        ensure_zone_lock(game, who, z);
        let admin_owned = game
            .world
            .get(thing)
            .is_some_and(|o| o.kind != ObjectKind::Player && game.is_wizard(o.owner));
        if admin_owned {
            game.tell(who, "Warning: @chzoning admin-owned object!");
        }
    }
    let preserve = preserve && game.is_wizard(who);
    let is_player = game
        .world
        .get(thing)
        .is_some_and(|o| o.kind == ObjectKind::Player);
    let mut fields = vec!["zone"];
    if let Some(o) = game.world.get_mut(thing) {
        o.zone = zone;
        // A zoned object's members may come to control it: it loses its privileges,
        // unless a wizard says to keep them. Players keep theirs (with a warning).
        if zone.is_some() && !is_player && !preserve && o.flags.has(Flags::WIZARD) {
            o.flags.0 &= !Flags::WIZARD;
            fields.push("flags");
        }
    }
    if zone.is_some() && is_player && game.is_wizard(thing) {
        game.tell(who, "Warning: @chzoning a privileged player.");
    }
    game.touch(thing, &fields);
    game.tell(who, "Zone changed.");
    Flow::Continue
}

/// The zone object named: a dbref, `me`, `here`, `*player` or something nearby
/// (PennMUSH matches everything).
fn find_zone(game: &Game, caller: Caller, name: &str) -> Result<Dbref, &'static str> {
    if let Some(d) = Dbref::parse(name) {
        return game.world.get(d).map(|_| d).ok_or(matching::NOT_FOUND);
    }
    matching::find(game, caller.player, name, Scope::NEAR)
}

/// PennMUSH's checks, in its order: not already there, the caller controls the object
/// and may use the zone (wizard, controls it, or passes its chzone lock), mortals do
/// not zone objects to themselves, and no loops or over-long chains.
fn may_chzone(
    game: &Game,
    who: Dbref,
    thing: Dbref,
    zone: Option<Dbref>,
) -> Result<(), &'static str> {
    if game.world.get(thing).and_then(|o| o.zone) == zone {
        return Err("That object is already in that zone.");
    }
    if !game.controls_dbref(who, thing) {
        return Err("You don't have the power to shift reality.");
    }
    let Some(z) = zone else {
        return Ok(());
    };
    let has_lock = game
        .world
        .get(z)
        .is_some_and(|o| o.locks.get(CHZONE_LOCK).is_some());
    let allowed = game.is_wizard(who)
        || game.controls_dbref(who, z)
        || (has_lock && game.world.passes_lock(z, CHZONE_LOCK, who));
    if !allowed {
        return Err("You cannot move that object to that zone.");
    }
    if z == thing && !game.is_wizard(who) {
        return Err("You shouldn't zone objects to themselves!");
    }
    let mut at = game.world.get(z).and_then(|o| o.zone);
    let mut depth = MAX_ZONE_DEPTH;
    while let Some(d) = at {
        if d == thing {
            return Err("You can't make circular zones!");
        }
        let next = game.world.get(d).and_then(|o| o.zone);
        if next == Some(d) {
            break;
        }
        depth -= 1;
        if depth == 0 {
            return Err("Overly deep zone chain.");
        }
        at = next;
    }
    Ok(())
}

/// A zone with no zone lock gets `=<zone>` (only the zone object itself passes), as
/// PennMUSH sets it, and the caller is told.
fn ensure_zone_lock(game: &mut Game, who: Dbref, zone: Dbref) {
    let Some(z) = game.world.get(zone) else {
        return;
    };
    if z.locks.get(ZONE_LOCK).is_some() {
        return;
    }
    let shown = display_name(game, who, z);
    let key = format!("={zone}");
    if let Some(o) = game.world.get_mut(zone) {
        o.locks.insert(ZONE_LOCK.to_string(), key.clone());
    }
    game.ctx
        .wb
        .push(Key::Obj(zone), Op::Set(lock_field(ZONE_LOCK), key.into()));
    game.touch(zone, &[]);
    game.tell(
        who,
        &format!("Unlocked zone {shown} - automatically zone-locking to itself"),
    );
}
