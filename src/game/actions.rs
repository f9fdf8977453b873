//! What many commands do to the world: who controls what, making objects, moving them
//! with the room told, and the success/failure messages of locks (PennMUSH's `did_it`).

use super::{now_secs, Game};
use crate::world::{Dbref, Flags, Object, ObjectKind};

/// God: #1, controlled by nobody else.
pub const GOD: Dbref = Dbref(1);

/// What a new thing is worth (PennMUSH's default `object_cost`); mushd charges nobody
/// for building yet, so this only shows in `money()`.
pub const OBJECT_COST: i64 = 10;

/// The messages of one action on an object: the attribute shown to the actor (or the
/// default), and the attribute shown to the others in the room (prefixed by the actor's
/// name; nothing when unset).
pub struct Messages<'a> {
    pub actor: &'a str,
    pub actor_default: &'a str,
    pub others: &'a str,
    /// What the room hears (after the actor's name) when `others` is not set; empty
    /// for nothing.
    pub others_default: &'a str,
}

impl Game {
    /// Whether `who` may change `what`: God controls everything, only God controls God,
    /// wizards control everything else, players what they own (and themselves).
    pub fn controls(&self, who: Dbref, what: &Object) -> bool {
        if who == GOD {
            return true;
        }
        if what.dbref == GOD {
            return false;
        }
        if self.is_wizard(who) {
            return true;
        }
        // A wizard's possessions are not changed by ordinary players who own them.
        what.owner == who || what.dbref == who
    }

    /// Whether `who` controls the object `what` (false when it does not exist).
    pub fn controls_dbref(&self, who: Dbref, what: Dbref) -> bool {
        self.world.get(what).is_some_and(|o| self.controls(who, o))
    }

    /// A confirmation ("Set.", "Widget - SAFE set.") that QUIET players do not want.
    pub fn ack(&self, player: Dbref, text: &str) {
        let quiet = self
            .world
            .get(player)
            .is_some_and(|o| o.flags.has(Flags::QUIET));
        if !quiet {
            self.tell(player, text);
        }
    }

    /// Whether `who` holds the power `name` (see `world::Powers`).
    pub fn has_power(&self, who: Dbref, name: &str) -> bool {
        self.world.get(who).is_some_and(|o| o.powers.has(name))
    }

    /// Makes a new object (reusing a destroyed dbref first) and queues it for the store.
    /// It gets PennMUSH's default flags for its kind, and a thing the pennies its
    /// making is worth, as there.
    pub fn create_object(
        &mut self,
        kind: ObjectKind,
        name: &str,
        owner: Dbref,
        location: Option<Dbref>,
    ) -> Dbref {
        let dbref = self.world.next_dbref();
        let mut obj = Object::new(dbref, kind, name, owner, now_secs());
        obj.location = location;
        obj.flags = Flags::defaults_for(kind);
        if kind == ObjectKind::Thing {
            obj.pennies = OBJECT_COST;
        }
        self.world.insert(obj);
        self.save_whole(dbref);
        dbref
    }

    /// Writes an object's record whole, replacing whatever the store held under its
    /// dbref (a recycled dbref's old object, a toad's player fields).
    pub fn save_whole(&self, dbref: Dbref) {
        self.ctx.wb.push(
            crate::store::Key::Obj(dbref),
            crate::store::write_behind::Op::Delete,
        );
        self.save(dbref, &[]);
    }

    /// Where `who` goes home to: its home if that still exists, else Room Zero.
    pub fn home_of(&self, who: Dbref) -> Dbref {
        self.world
            .get(who)
            .and_then(|o| o.link)
            .filter(|h| *h != Dbref::HOME && self.world.get(*h).is_some())
            .unwrap_or(Dbref(0))
    }

    /// Moves `who` to `dest`, telling the room left and the room entered (DARK movers
    /// pass unannounced) and showing a connected player where they arrived.
    /// `left`/`arrived` replace "has left."/"has arrived." (after the mover's name).
    pub fn relocate(&mut self, who: Dbref, dest: Dbref, left: Option<&str>, arrived: Option<&str>) {
        let name = self.name(who);
        let dark = self.is_dark(who);
        let from = self.location_of(who);
        if let Some(from) = from.filter(|_| !dark) {
            let text = left.unwrap_or("has left.");
            self.tell_room(from, &[who], &format!("{name} {text}"));
        }
        self.world.move_to(who, dest);
        self.save(who, &["location"]);
        if !dark {
            let text = arrived.unwrap_or("has arrived.");
            self.tell_room(dest, &[who], &format!("{name} {text}"));
        }
        if self.ctx.table.is_connected(who) {
            let view = crate::command::look::describe_location(self, who);
            self.tell(who, &view);
        }
    }

    /// Shows the messages of an action on `thing`: the actor sees its attribute (or the
    /// default), the others in the actor's room see the "o" attribute after the name.
    /// Both are evaluated with `thing` as executor and the actor as enactor.
    pub fn did_it(&mut self, actor: Dbref, thing: Dbref, m: &Messages) {
        let text = match self.world.attr(thing, m.actor).map(str::to_string) {
            Some(code) => self.render(thing, actor, &code),
            None => m.actor_default.to_string(),
        };
        if !text.is_empty() {
            self.tell(actor, &text);
        }
        let other = match self.world.attr(thing, m.others).map(str::to_string) {
            Some(code) => Some(self.render(thing, actor, &code)),
            None if !m.others_default.is_empty() => Some(m.others_default.to_string()),
            None => None,
        };
        if let (Some(other), Some(room)) = (other, self.location_of(actor)) {
            let line = format!("{} {other}", self.name(actor));
            self.tell_room(room, &[actor], &line);
        }
    }

    /// Checks `who` against `thing`'s lock of `kind`; on failure shows the failure
    /// messages of that lock (FAIL/OFAIL for the basic lock, EFAIL/OEFAIL for enter,
    /// UFAIL/OUFAIL for use, as in PennMUSH), or `default`, and returns false.
    pub fn check_lock(&mut self, who: Dbref, thing: Dbref, kind: &str, default: &str) -> bool {
        if self.world.passes_lock(thing, kind, who) {
            return true;
        }
        let (actor, others) = match kind {
            "enter" => ("EFAIL", "OEFAIL"),
            "use" => ("UFAIL", "OUFAIL"),
            _ => ("FAIL", "OFAIL"),
        };
        self.did_it(
            who,
            thing,
            &Messages {
                actor,
                actor_default: default,
                others,
                others_default: "",
            },
        );
        false
    }

    /// Stamps an object as changed now and queues the named fields plus `modified`.
    pub fn touch(&mut self, dbref: Dbref, fields: &[&str]) {
        if let Some(o) = self.world.get_mut(dbref) {
            o.modified = now_secs();
        }
        let mut all: Vec<&str> = fields.to_vec();
        all.push("modified");
        self.save(dbref, &all);
    }
}
