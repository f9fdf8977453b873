//! The channel functions as the evaluator calls them (`Host::chat_function`):
//! channels(), cwho(), cstatus(), cemit()... answered from the game's channels.

use mushd_softcode::host::{Dbref as SoftDbref, Host};

use super::{to_soft, to_world, WorldHost};
use crate::command::chat::cemit_as;
use crate::world::Dbref;

const NO_CHANNEL: &str = "#-1 NO SUCH CHANNEL";

impl WorldHost<'_> {
    /// An object named in a channel function, as `executor` sees it; tells them when
    /// there is none.
    fn chat_object(&mut self, executor: SoftDbref, name: &str) -> Option<Dbref> {
        match self.match_thing(executor, name.trim()) {
            Ok(d) => to_world(d),
            Err(_) => {
                if let Some(ex) = to_world(executor) {
                    self.game.tell(ex, "I can't see that here.");
                }
                None
            }
        }
    }

    pub(super) fn chat_call(&mut self, executor: SoftDbref, name: &str, args: &[String]) -> String {
        self.flush();
        let Some(ex) = to_world(executor) else {
            return String::new();
        };
        let arg = |i: usize| args.get(i).map_or("", String::as_str);
        if name == "CHANNELS" {
            return self.channels_fn(executor, ex, args);
        }
        if matches!(name, "CEMIT" | "NSCEMIT") {
            let noisy = matches!(arg(2).trim(), "1" | "yes" | "true");
            if let Err(why) = cemit_as(self.game, ex, arg(0), arg(1), noisy) {
                let why = why.strip_prefix("CHAT: ").unwrap_or(&why).to_string();
                self.game.tell(ex, &why);
            }
            return String::new();
        }
        // clock(<channel>[/<kind>]).
        let (chan_name, kind) = match (name, arg(0).split_once('/')) {
            ("CLOCK", Some((c, k))) => (c, k.trim().to_lowercase()),
            _ => (arg(0), "join".to_string()),
        };
        let game = &*self.game;
        let Ok(lower) = game.chat.find(chan_name, |c| game.can_see_chan(c, ex)) else {
            if name == "CWHO" {
                self.game.tell(ex, "No such channel.");
                return String::new();
            }
            return NO_CHANNEL.into();
        };
        let Some(c) = game.chat.channels.get(&lower) else {
            return NO_CHANNEL.into();
        };
        match name {
            "CWHO" => {
                let admin = game.chat_admin(ex);
                c.members
                    .iter()
                    .filter(|(d, m)| admin || !m.hide || **d == ex)
                    .map(|(d, _)| d.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            "CUSERS" => c.members.len().to_string(),
            "COWNER" => c.owner.to_string(),
            "CDESC" => c.desc.clone(),
            "CMSGS" => c.msgs.to_string(),
            "CBUFFER" => c.buffer.to_string(),
            "CMOGRIFIER" => "#-1".into(),
            "CLOCK" => {
                if !game.can_modify_chan(c, ex) && !game.chat_admin(ex) {
                    return "#-1 PERMISSION DENIED".into();
                }
                c.locks
                    .get(&kind)
                    .cloned()
                    .unwrap_or_else(|| "*UNLOCKED*".into())
            }
            "CRECALL" => {
                let count = arg(1).trim().parse::<usize>().unwrap_or(10);
                let osep = if args.len() > 3 { arg(3) } else { " " };
                let skip = c.recall.len().saturating_sub(count);
                c.recall
                    .iter()
                    .skip(skip)
                    .map(|r| r.text.as_str())
                    .collect::<Vec<_>>()
                    .join(osep)
            }
            "CBUFFERADD" => {
                if !game.can_modify_chan(c, ex) {
                    return "#-1 PERMISSION DENIED".into();
                }
                let text = arg(1).to_string();
                self.game.chan_remember(&lower, &text, false);
                String::new()
            }
            "CFLAGS" | "CLFLAGS" if args.len() < 2 => {
                if name == "CFLAGS" {
                    c.privs.letters()
                } else {
                    c.privs.names()
                }
            }
            _ => self.chat_member_fn(executor, name, &lower, arg(1)),
        }
    }

    /// cflags()/clflags() with an object, cstatus(), ctitle().
    fn chat_member_fn(
        &mut self,
        executor: SoftDbref,
        name: &str,
        lower: &str,
        who: &str,
    ) -> String {
        let Some(d) = self.chat_object(executor, who) else {
            return String::new();
        };
        let Some(c) = self.game.chat.channels.get(lower) else {
            return NO_CHANNEL.into();
        };
        let member = c.members.get(&d);
        match name {
            "CSTATUS" => match member {
                None => "Off".into(),
                Some(m) if m.gag => "Gag".into(),
                Some(_) => "On".into(),
            },
            "CTITLE" => member.map(|m| m.title.clone()).unwrap_or_default(),
            "CFLAGS" => member.map_or("#-1 NOT ON CHANNEL".into(), |m| m.letters()),
            _ => member.map_or("#-1 NOT ON CHANNEL".into(), |m| {
                let mut v = Vec::new();
                if m.gag {
                    v.push("Gag");
                }
                if m.mute {
                    v.push("Quiet");
                }
                if m.hide {
                    v.push("Hide");
                }
                v.join(" ")
            }),
        }
    }

    /// channels([<delim>]), channels(<object>[, <delim>]).
    fn channels_fn(&mut self, executor: SoftDbref, ex: Dbref, args: &[String]) -> String {
        let names = |game: &crate::game::Game, keep: &dyn Fn(&crate::chat::Channel) -> bool| {
            game.chat
                .channels
                .values()
                .filter(|c| keep(c))
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
        };
        let Some(first) = args.first().filter(|a| !a.is_empty()) else {
            let game = &*self.game;
            return names(game, &|c| game.can_see_chan(c, ex)).join(" ");
        };
        let Some(obj) = self.chat_object(executor, first) else {
            return String::new();
        };
        let sep = args.get(1).map_or(" ", String::as_str);
        let game = &*self.game;
        let examine = self.controls(executor, to_soft(Some(obj)));
        names(game, &|c| {
            c.members
                .get(&obj)
                .is_some_and(|m| examine || (!m.hide && game.can_see_chan(c, ex)))
        })
        .join(sep)
    }
}
