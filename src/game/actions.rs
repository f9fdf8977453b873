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
    /// The attribute whose actions the thing then runs (`ASUCCESS`, `ADROP`...), with
    /// the actor as enactor; empty for none.
    pub action: &'a str,
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
    /// Whether `who` may read `obj`'s attribute `attr`: they control the object, or the
    /// attribute is `visual` (and not `mortal_dark` to non-wizards).
    pub fn attr_visible(&self, who: Dbref, obj: Dbref, attr: &str) -> bool {
        if self.controls_dbref(who, obj) {
            return true;
        }
        self.world.attr_with_flags(obj, attr).is_some_and(|(_, f)| {
            f.has(crate::world::AttrFlags::VISUAL)
                && (!f.has(crate::world::AttrFlags::MORTAL_DARK) || self.is_wizard(who))
        })
    }

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
        // What a zoned player builds is in their zone (PennMUSH's `help zones`).
        obj.zone = self.world.get(owner).and_then(|o| o.zone);
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
    /// `left`/`arrived` replace "has left."/"has arrived." (after the mover's name); so
    /// do the places' OLEAVE and OENTER. The mover sees the places' LEAVE and ENTER; then
    /// the place left runs its ALEAVE, the place entered its AENTER and the mover its
    /// AMOVE, as in PennMUSH.
    pub fn relocate(&mut self, who: Dbref, dest: Dbref, left: Option<&str>, arrived: Option<&str>) {
        let name = self.name(who);
        let dark = self.is_dark(who);
        let from = self.location_of(who);
        if let Some(from) = from {
            self.show_attr(from, who, "LEAVE");
            if !dark {
                let oleave = self.rendered_attr(from, who, "OLEAVE");
                let text = left.map(str::to_string).or(oleave);
                let text = text.as_deref().unwrap_or("has left.");
                self.tell_room(from, &[who], &format!("{name} {text}"));
            }
        }
        self.world.move_to(who, dest);
        self.save(who, &["location"]);
        if !dark {
            let oenter = self.rendered_attr(dest, who, "OENTER");
            let text = arrived.map(str::to_string).or(oenter);
            let text = text.as_deref().unwrap_or("has arrived.");
            self.tell_room(dest, &[who], &format!("{name} {text}"));
        }
        self.show_attr(dest, who, "ENTER");
        self.show_attr(who, who, "MOVE");
        if !dark {
            // PennMUSH's "x" messages: the place entered, told to those left behind; the
            // place left and the mover's OMOVE, told to those arrived among.
            let mut told = vec![(dest, who, "OMOVE")];
            if let Some(from) = from {
                told.push((from, dest, "OXENTER"));
                told.push((dest, from, "OXLEAVE"));
            }
            for (room, thing, attr) in told {
                if let Some(text) = self.rendered_attr(thing, who, attr) {
                    self.tell_room(room, &[who], &format!("{name} {text}"));
                }
            }
        }
        if self.ctx.table.is_connected(who) {
            let view = crate::command::look::describe_location(self, who);
            self.tell(who, &view);
        }
        if let Some(from) = from {
            self.queue_action(from, who, "ALEAVE");
        }
        self.queue_action(dest, who, "AENTER");
        self.queue_action(who, who, "AMOVE");
    }

    /// `thing`'s attribute `attr` evaluated for `actor`, if set and not empty.
    fn rendered_attr(&mut self, thing: Dbref, actor: Dbref, attr: &str) -> Option<String> {
        let code = self.world.attr(thing, attr)?.to_string();
        Some(self.render(thing, actor, &code)).filter(|t| !t.is_empty())
    }

    /// Shows `actor` `thing`'s attribute `attr` (evaluated), if set.
    fn show_attr(&mut self, thing: Dbref, actor: Dbref, attr: &str) {
        if let Some(text) = self.rendered_attr(thing, actor, attr) {
            self.tell(actor, &text);
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
        self.queue_action(thing, actor, m.action);
    }

    /// Queues `thing`'s action attribute `attr` (`ASUCCESS`, `AENTER`...) with `actor`
    /// as enactor, when it has one.
    pub fn queue_action(&mut self, thing: Dbref, actor: Dbref, attr: &str) {
        if attr.is_empty() {
            return;
        }
        if let Some((actions, flags)) = self.world.attr_with_flags(thing, attr) {
            let entry = super::queue::Entry::new(thing, actor, actions).with_debug(flags);
            self.enqueue(entry);
        }
    }

    /// Checks `who` against `thing`'s lock of `kind`; on failure shows the failure
    /// messages of that lock (FAIL/OFAIL for the basic lock, EFAIL/OEFAIL for enter,
    /// UFAIL/OUFAIL for use, as in PennMUSH), or `default`, and returns false.
    pub fn check_lock(&mut self, who: Dbref, thing: Dbref, kind: &str, default: &str) -> bool {
        if self.world.passes_lock(thing, kind, who) {
            return true;
        }
        let (actor, others, action) = match kind {
            "enter" => ("EFAIL", "OEFAIL", "AEFAIL"),
            "use" => ("UFAIL", "OUFAIL", "AUFAIL"),
            _ => ("FAIL", "OFAIL", "AFAIL"),
        };
        self.did_it(
            who,
            thing,
            &Messages {
                actor,
                actor_default: default,
                others,
                others_default: "",
                action,
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

/// The attributes PennMUSH keeps on a player about their connections, set at each login
/// (`LASTFAILED` is reset to a blank there, and would hold a failed attempt's site).
/// Only wizards may change them; LAST is VISUAL as there.
pub const LOGIN_ATTRS: &[&str] = &["LAST", "LASTSITE", "LASTIP", "LASTFAILED"];

impl Game {
    /// Stamps a player's login attributes: when (PennMUSH's time format, UTC) and from
    /// where (mushd does no reverse lookups, so the site is the address).
    pub fn stamp_login(&mut self, player: Dbref, ip: &str) {
        use crate::store::write_behind::Op;
        use crate::world::object::{attr_field, attr_flags_field};
        use crate::world::AttrFlags;
        let when = i64::try_from(now_secs()).unwrap_or(0);
        let last = mushd_softcode::functions::conn::format_time(when);
        let key = crate::store::Key::Obj(player);
        for (name, value) in LOGIN_ATTRS.iter().zip([last.as_str(), ip, ip, " "]) {
            let mut flags = AttrFlags::WIZARD | AttrFlags::LOCKED | AttrFlags::NO_CLONE;
            if *name == "LAST" {
                flags |= AttrFlags::VISUAL;
            }
            // Most logins come from where the last one did: only changes are written.
            let same_value = self
                .world
                .get(player)
                .and_then(|o| o.attrs.get(name))
                .is_some_and(|v| v == value);
            let same_flags = self
                .world
                .get(player)
                .is_some_and(|o| o.attr_flags(name) == AttrFlags(flags));
            if !same_value {
                self.world.set_attr(player, name, Some(value.to_string()));
                self.ctx.wb.push(
                    key.clone(),
                    Op::Set(attr_field(name), value.to_string().into()),
                );
            }
            if !same_flags {
                self.world.set_attr_flags(player, name, AttrFlags(flags));
                let names = AttrFlags(flags).names();
                self.ctx
                    .wb
                    .push(key.clone(), Op::Set(attr_flags_field(name), names.into()));
            }
        }
    }
}
