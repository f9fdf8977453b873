//! Softcode in the game: the world as the evaluator sees it (`Host` over the World),
//! and evaluation of a command's text with its side effects delivered afterwards.

use mushd_softcode::host::{Dbref as SoftDbref, ObjType, NOTHING};
use mushd_softcode::{Context, Eval, Host, Mode, ParseError};

use super::Game;
use crate::world::{Dbref, Flags, ObjectKind, World};

/// A read-only view of the world, collecting what evaluation wants said to whom.
struct WorldHost<'a> {
    world: &'a World,
    notes: Vec<(Dbref, String)>,
}

fn to_world(d: SoftDbref) -> Option<Dbref> {
    u32::try_from(d).ok().map(Dbref)
}

fn to_soft(d: Option<Dbref>) -> SoftDbref {
    d.map_or(NOTHING, |d| SoftDbref::from(d.0))
}

impl WorldHost<'_> {
    fn object(&self, d: SoftDbref) -> Option<&crate::world::Object> {
        to_world(d).and_then(|d| self.world.get(d))
    }
}

impl Host for WorldHost<'_> {
    fn exists(&self, obj: SoftDbref) -> bool {
        self.object(obj).is_some()
    }

    fn name(&self, obj: SoftDbref) -> Option<String> {
        self.object(obj).map(|o| o.name.clone())
    }

    fn obj_type(&self, obj: SoftDbref) -> Option<ObjType> {
        self.object(obj).map(|o| match o.kind {
            ObjectKind::Room => ObjType::Room,
            ObjectKind::Thing => ObjType::Thing,
            ObjectKind::Exit => ObjType::Exit,
            ObjectKind::Player => ObjType::Player,
        })
    }

    fn location(&self, obj: SoftDbref) -> SoftDbref {
        to_soft(self.object(obj).and_then(|o| o.location))
    }

    fn owner(&self, obj: SoftDbref) -> SoftDbref {
        to_soft(self.object(obj).map(|o| o.owner))
    }

    fn creation_time(&self, obj: SoftDbref) -> i64 {
        self.object(obj)
            .map_or(0, |o| i64::try_from(o.created).unwrap_or(i64::MAX))
    }

    fn attr(&self, obj: SoftDbref, name: &str) -> Option<String> {
        let o = self.object(obj)?;
        if name == "DESCRIBE" {
            return (!o.description.is_empty()).then(|| o.description.clone());
        }
        o.attrs.get(name).cloned()
    }

    fn attr_inherited(&self, obj: SoftDbref, name: &str) -> Option<String> {
        if name == "DESCRIBE" {
            return self.attr(obj, name);
        }
        self.world.attr(to_world(obj)?, name).map(str::to_string)
    }

    fn has_flag(&self, obj: SoftDbref, flag: &str) -> bool {
        let Some(o) = self.object(obj) else {
            return false;
        };
        Flags::lookup(flag).is_some_and(|(_, bit)| o.flags.has(bit))
    }

    fn is_wizard(&self, obj: SoftDbref) -> bool {
        self.object(obj).is_some_and(|o| o.is_wizard())
    }

    fn is_god(&self, obj: SoftDbref) -> bool {
        obj == SoftDbref::from(super::GOD.0)
    }

    fn notify(&mut self, target: SoftDbref, text: &str) {
        if let Some(d) = to_world(target) {
            self.notes.push((d, text.to_string()));
        }
    }
}

/// Why evaluation produced nothing to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalFailure {
    /// Nested too deep to parse: the whole command fails, as in PennMUSH.
    TooDeep,
}

impl Game {
    /// Evaluates a command's argument text (as `think` does) with `enactor` as
    /// executor, caller and enactor; what the evaluation said to anyone is delivered
    /// before the result is returned.
    pub fn evaluate(&mut self, enactor: Dbref, text: &str) -> Result<String, EvalFailure> {
        let me = SoftDbref::from(enactor.0);
        let mut host = WorldHost {
            world: &self.world,
            notes: Vec::new(),
        };
        let result = {
            let mut ev = Eval::new(&mut host, Context::new(me, me, me));
            ev.limits.time = self.ctx.config.game.softcode_time_budget();
            ev.eval_str(text, Mode::Command)
        };
        for (to, note) in std::mem::take(&mut host.notes) {
            self.tell(to, &note);
        }
        result.map_err(|e| match e {
            ParseError::TooDeep => EvalFailure::TooDeep,
        })
    }
}
