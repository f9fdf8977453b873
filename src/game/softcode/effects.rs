//! Side effects of evaluation (`set()`, `create()`, `tel()` ...): each runs the command
//! a player would type, as the executor, with that command's checks and messages.

use mushd_softcode::host::{Dbref as SoftDbref, Effect};

use super::{commands, to_world, WorldHost};
use crate::command::Caller;
use crate::world::{AttrFlags, Dbref};

impl WorldHost<'_> {
    /// Run command `word` with (already evaluated) `args` as `who`.
    /// `who` as the caller of a command run on its behalf (its first connection, if any,
    /// hears the command's replies).
    fn caller(&self, who: Dbref) -> Caller {
        let handle = self
            .game
            .ctx
            .table
            .handles_of(who)
            .first()
            .copied()
            .unwrap_or(0);
        Caller {
            handle,
            player: who,
        }
    }

    fn command(&mut self, who: Dbref, word: &str, args: &str) {
        let caller = self.caller(who);
        if let Some(f) = commands().get(word) {
            f(self.game, caller, args);
        }
    }

    /// Run a command that makes one object; Ok is its dbref.
    fn making(&mut self, who: Dbref, word: &str, args: &str) -> Result<String, String> {
        let next = self.game.world.next_dbref();
        let existed = self.game.world.get(next).is_some();
        self.command(who, word, args);
        if !existed && self.game.world.get(next).is_some() {
            Ok(format!("#{next}", next = next.0))
        } else {
            Err("#-1".to_string())
        }
    }

    /// `wipe(obj/pattern)`: the matching attributes cleared (all of them through @wipe).
    fn wipe(&mut self, who: Dbref, obj: Dbref, pattern: &str) -> Result<String, String> {
        if pattern == "*" || pattern.is_empty() {
            self.command(who, "@wipe", &obj.to_string());
            return Ok(String::new());
        }
        if !self.game.controls_dbref(who, obj) {
            self.game.tell(who, "Permission denied.");
            return Ok(String::new());
        }
        let wizard = self.game.is_wizard(who);
        let names: Vec<String> = self
            .game
            .world
            .get(obj)
            .map(|o| {
                o.attrs
                    .iter()
                    .map(|(k, _)| k.clone())
                    .filter(|k| crate::world::lock::glob(&pattern.to_ascii_uppercase(), k))
                    .filter(|k| wizard || !o.attr_flags(k).has(AttrFlags::WIZARD))
                    .collect()
            })
            .unwrap_or_default();
        for name in &names {
            self.game.world.set_attr(obj, name, None);
            self.game.ctx.wb.push(
                crate::store::Key::Obj(obj),
                crate::store::write_behind::Op::Remove(crate::world::object::attr_field(name)),
            );
        }
        self.game.touch(obj, &[]);
        self.game
            .tell(who, &crate::command::attributes::wiped(names.len()));
        Ok(String::new())
    }

    /// A side effect, applied through the commands' own code (after delivering what
    /// evaluation said before it).
    pub(super) fn apply(&mut self, executor: SoftDbref, effect: Effect) -> Result<String, String> {
        let Some(who) = to_world(executor) else {
            return Err("#-1".to_string());
        };
        let w = |d: SoftDbref| to_world(d).map_or_else(|| "#-1".to_string(), |d| d.to_string());
        self.flush();
        match effect {
            Effect::AttrFlag { obj, attr, flags } => {
                let caller = self.caller(who);
                let what = format!("{}/{attr}", w(obj));
                crate::command::attributes::set_attr_flags(self.game, caller, &what, &flags);
                Ok(String::new())
            }
            Effect::Flag { obj, flag } => {
                self.command(who, "@set", &format!("{}={flag}", w(obj)));
                Ok(String::new())
            }
            Effect::Attr { obj, attr, value } => {
                let caller = self.caller(who);
                crate::command::attributes::set_attr(self.game, caller, &w(obj), &attr, &value);
                Ok(String::new())
            }
            Effect::Wipe { obj, pattern } => match to_world(obj) {
                Some(o) => self.wipe(who, o, &pattern),
                None => Err("#-1".to_string()),
            },
            Effect::Create { name } => self.making(who, "@create", &name),
            Effect::Dig { name, to, from } => {
                let args = match (to.is_empty(), from.is_empty()) {
                    (true, _) => name,
                    (false, true) => format!("{name}={to}"),
                    (false, false) => format!("{name}={to},{from}"),
                };
                self.making(who, "@dig", &args)
            }
            Effect::Open { name, dest } => {
                let args = if dest.is_empty() {
                    name
                } else {
                    format!("{name}={dest}")
                };
                self.making(who, "@open", &args)
            }
            Effect::Link { obj, dest } => {
                self.command(who, "@link", &format!("{}={dest}", w(obj)));
                Ok(String::new())
            }
            Effect::Tel { obj, dest } => {
                self.command(who, "@teleport", &format!("{}={}", w(obj), w(dest)));
                Ok(String::new())
            }
            Effect::Clone { obj, name } => {
                let args = if name.is_empty() {
                    w(obj)
                } else {
                    format!("{}={name}", w(obj))
                };
                self.making(who, "@clone", &args)
            }
            Effect::Name { obj, name } => {
                self.command(who, "@name", &format!("{}={name}", w(obj)));
                Ok(String::new())
            }
            Effect::Parent { obj, parent } => {
                let p = parent.map_or(String::new(), w);
                self.command(who, "@parent", &format!("{}={p}", w(obj)));
                Ok(String::new())
            }
            Effect::CreatePlayer { name, password } => self.create_player(who, &name, &password),
            Effect::MailSend { to, subject, body } => {
                super::mail_view::send(self.game, who, to, &subject, &body)
            }
            Effect::Zone { obj, zone } => {
                self.command(who, "@chzone", &format!("{obj}={zone}"));
                Ok(String::new())
            }
            Effect::LockFlags { obj, kind, flags } => {
                let caller = self.caller(who);
                let args = format!("{}/{kind}={flags}", w(obj));
                crate::command::locks::lset(self.game, caller, &args);
                Ok(String::new())
            }
            Effect::Power { obj, power } => {
                self.command(who, "@power", &format!("{}={power}", w(obj)));
                Ok(String::new())
            }
            Effect::Lock { obj, kind, key } => {
                let word = format!("@lock/{kind}");
                if commands().get(&word).is_none() {
                    return Err("#-1 NO SUCH LOCK".to_string());
                }
                self.command(who, &word, &format!("{}={key}", w(obj)));
                Ok(String::new())
            }
        }
    }
}
