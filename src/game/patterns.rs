//! `$`-commands and `^`-listen patterns: finding the attributes whose pattern matches a
//! command or a heard line, with the captures that become `%0`-`%9`.
//!
//! Matching runs for every command no built-in took and for every line a MONITOR object
//! hears, so the wildcard matcher works on the text in place (no regex compiled per
//! attribute) with a bounded number of steps; `regexp` attributes compile their pattern.

use fancy_regex::RegexBuilder;

use super::exec::split_actions;
use super::queue::Entry;
use super::Game;
use crate::world::{AttrFlags, Dbref, Flags, ObjectKind};

/// Most steps one wildcard match may take (a hostile `*a*a*a*...` pattern fails).
const MAX_MATCH_STEPS: u32 = 100_000;

/// Most parents searched for `$`-commands.
const MAX_PARENT_LEVELS: usize = 10;

/// Matches `text` against a PennMUSH wildcard pattern (`*`, `?`, `\` escapes),
/// case-insensitively unless `case`; the texts of the `*` and `?` captures.
pub fn wild_captures(pattern: &str, text: &str, case: bool) -> Option<Vec<String>> {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let mut caps = Vec::new();
    let mut steps = 0;
    if !wmatch(&p, 0, &t, 0, case, &mut caps, &mut steps) {
        return None;
    }
    Some(
        caps.iter()
            .map(|&(a, b)| t.get(a..b).map(|s| s.iter().collect()).unwrap_or_default())
            .collect(),
    )
}

fn same(a: char, b: char, case: bool) -> bool {
    a == b || (!case && a.to_lowercase().eq(b.to_lowercase()))
}

fn wmatch(
    p: &[char],
    mut pi: usize,
    t: &[char],
    mut ti: usize,
    case: bool,
    caps: &mut Vec<(usize, usize)>,
    steps: &mut u32,
) -> bool {
    loop {
        *steps += 1;
        if *steps > MAX_MATCH_STEPS {
            return false;
        }
        match p.get(pi) {
            None => return ti == t.len(),
            Some('*') => {
                let mark = caps.len();
                // Shortest first, as PennMUSH's matcher gives the first `*` the least.
                for end in ti..=t.len() {
                    caps.push((ti, end));
                    if wmatch(p, pi + 1, t, end, case, caps, steps) {
                        return true;
                    }
                    caps.truncate(mark);
                    if *steps > MAX_MATCH_STEPS {
                        return false;
                    }
                }
                return false;
            }
            Some('?') => {
                if ti >= t.len() {
                    return false;
                }
                caps.push((ti, ti + 1));
                pi += 1;
                ti += 1;
            }
            Some(&c) => {
                let (lit, next) = match c {
                    '\\' => match p.get(pi + 1) {
                        Some(&d) => (d, pi + 2),
                        None => ('\\', pi + 1),
                    },
                    c => (c, pi + 1),
                };
                match t.get(ti) {
                    Some(&x) if same(lit, x, case) => {
                        pi = next;
                        ti += 1;
                    }
                    _ => return false,
                }
            }
        }
    }
}

/// `$pattern:action` (or `^...`) split at the first `:` not escaped by `\`.
pub fn split_pattern(value: &str, marker: char) -> Option<(&str, &str)> {
    let rest = value.strip_prefix(marker)?;
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ':' => return Some((rest.get(..i)?, rest.get(i + 1..)?)),
            _ => {}
        }
    }
    None
}

/// Matches `text` against one attribute's pattern: wildcard, or a regular expression
/// when the attribute is `regexp` (then `%0` is the whole match).
fn pattern_captures(pattern: &str, text: &str, flags: AttrFlags) -> Option<Vec<String>> {
    let case = flags.has(AttrFlags::CASE);
    if !flags.has(AttrFlags::REGEXP) {
        return wild_captures(pattern, text, case);
    }
    let re = RegexBuilder::new(pattern)
        .case_insensitive(!case)
        .backtrack_limit(MAX_MATCH_STEPS as usize)
        .build()
        .ok()?;
    let caps = re.captures(text).ok().flatten()?;
    Some(
        caps.iter()
            .take(10)
            .map(|m| m.map_or(String::new(), |m| m.as_str().to_string()))
            .collect(),
    )
}

/// One attribute whose pattern matched.
pub struct Matched {
    /// The attribute's name.
    pub attr: String,
    /// The attribute's flags (`debug` traces its actions).
    pub flags: AttrFlags,
    pub action: String,
    pub args: Vec<String>,
}

impl Game {
    /// Whether an object has a flag by name (flags another part of the game may not
    /// define yet, such as NO_COMMAND, count as unset).
    pub fn has_flag_named(&self, obj: Dbref, name: &str) -> bool {
        let Some((full, bit)) = Flags::lookup(name) else {
            return false;
        };
        full.eq_ignore_ascii_case(name) && self.world.get(obj).is_some_and(|o| o.flags.has(bit))
    }

    /// The attributes of `obj` (with its parents' when `parents`) whose `marker`
    /// pattern matches `text`. A child's attribute hides the parent's of the same name;
    /// `no_command` attributes, and parents' `no_inherit` ones, are skipped.
    pub fn matching_attrs(
        &self,
        obj: Dbref,
        marker: char,
        text: &str,
        parents: bool,
    ) -> Vec<Matched> {
        let mut out = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        let mut at = Some(obj);
        for level in 0..=MAX_PARENT_LEVELS {
            let Some(o) = at.and_then(|d| self.world.get(d)) else {
                break;
            };
            for (name, value) in o.attrs.iter() {
                if !value.starts_with(marker) || seen.contains(&name.as_str()) {
                    continue;
                }
                seen.push(name.as_str());
                let flags = o.attr_flags(name);
                if flags.has(AttrFlags::NO_COMMAND)
                    || (level > 0 && flags.has(AttrFlags::NO_INHERIT))
                {
                    continue;
                }
                let Some((pattern, action)) = split_pattern(value, marker) else {
                    continue;
                };
                if let Some(args) = pattern_captures(pattern, text, flags) {
                    out.push(Matched {
                        attr: name.clone(),
                        flags,
                        action: action.to_string(),
                        args,
                    });
                }
            }
            if !parents {
                break;
            }
            at = o.parent;
        }
        out
    }

    /// Queues the `$`-commands that match `line` typed (or run) by `enactor`: on the
    /// enactor, what it carries, its location's contents and the location; when none
    /// there matches, on the zones (of the location, then of the enactor); then on the
    /// objects in the master room. Returns how many were queued.
    pub fn dollar_commands(&mut self, enactor: Dbref, line: &str) -> usize {
        let jobs = self.dollar_matches(enactor, line);
        let n = jobs.len();
        for (obj, m) in jobs {
            let entry = Entry::new(obj, enactor, m.action)
                .with_args(m.args)
                .with_debug(m.flags);
            self.enqueue(entry);
        }
        n
    }

    /// The `$`-commands `line` would run for `enactor`, in the order they would be
    /// queued (local ones, else the zones', else global ones), by object.
    pub fn dollar_matches(&self, enactor: Dbref, line: &str) -> Vec<(Dbref, Matched)> {
        if self.has_flag_named(enactor, "GAGGED") {
            return Vec::new();
        }
        let mut local: Vec<Dbref> = vec![enactor];
        local.extend_from_slice(self.world.contents(enactor));
        if let Some(loc) = self.location_of(enactor) {
            local.extend(self.world.contents(loc).iter().filter(|d| **d != enactor));
            local.push(loc);
        }
        let found = self.matches_on(&local, enactor, line);
        if !found.is_empty() {
            return found;
        }
        // The zone of the enactor's location, then the enactor's own zone: a zone master
        // room offers its contents' commands, a zone master object its own.
        let loc_zone = self
            .location_of(enactor)
            .and_then(|l| self.world.get(l))
            .and_then(|o| o.zone);
        let own_zone = self.world.get(enactor).and_then(|o| o.zone);
        let mut zones: Vec<Dbref> = loc_zone.into_iter().collect();
        zones.extend(own_zone.filter(|z| Some(*z) != loc_zone));
        for zone in zones {
            let Some(z) = self.world.get(zone) else {
                continue;
            };
            let objects: Vec<Dbref> = if z.kind == ObjectKind::Room {
                self.world.contents(zone).to_vec()
            } else {
                vec![zone]
            };
            let found = self.matches_on(&objects, enactor, line);
            if !found.is_empty() {
                return found;
            }
        }
        let master = Dbref(self.ctx.config.game.master_room);
        let is_room = self
            .world
            .get(master)
            .is_some_and(|o| o.kind == ObjectKind::Room);
        if !is_room || self.location_of(enactor) == Some(master) {
            return found;
        }
        self.matches_on(self.world.contents(master), enactor, line)
    }

    fn matches_on(&self, objects: &[Dbref], enactor: Dbref, line: &str) -> Vec<(Dbref, Matched)> {
        let mut jobs = Vec::new();
        for &obj in objects {
            let Some(o) = self.world.get(obj) else {
                continue;
            };
            if o.kind == ObjectKind::Exit
                || o.flags.has(Flags::HALT)
                || o.flags.has(Flags::GOING)
                || o.flags.has(Flags::NO_COMMAND)
            {
                continue;
            }
            let matched = self.matching_attrs(obj, '$', line, true);
            if matched.is_empty()
                || !self.world.passes_lock(obj, "use", enactor)
                || !self.world.passes_lock(obj, "command", enactor)
            {
                continue;
            }
            jobs.extend(matched.into_iter().map(|m| (obj, m)));
        }
        jobs
    }

    /// What `listener` does on hearing `text` said by `speaker`: its `@listen` pattern
    /// queues `@ahear`/`@aahear`, its `^`-patterns (when MONITOR) their actions.
    pub fn hear(&mut self, listener: Dbref, speaker: Dbref, text: &str) {
        let Some(o) = self.world.get(listener) else {
            return;
        };
        if o.flags.has(Flags::HALT) || o.flags.has(Flags::GOING) || listener == speaker {
            return;
        }
        let monitor = o.flags.has(Flags::MONITOR);
        let listen = o.attrs.get("LISTEN").map(|v| v.to_string());
        let mut jobs: Vec<(String, Vec<String>, AttrFlags)> = Vec::new();
        if let Some(pattern) = listen {
            if self.world.passes_lock(listener, "listen", speaker) {
                if let Some(args) = wild_captures(&pattern, text, false) {
                    for attr in ["AHEAR", "AAHEAR"] {
                        if let Some((action, flags)) = self.world.attr_with_flags(listener, attr) {
                            jobs.push((action.to_string(), args.clone(), flags));
                        }
                    }
                }
            }
        }
        if monitor
            && self.world.passes_lock(listener, "use", speaker)
            && self.world.passes_lock(listener, "listen", speaker)
        {
            let parents = self.has_flag_named(listener, "LISTEN_PARENT");
            for m in self.matching_attrs(listener, '^', text, parents) {
                jobs.push((m.action, m.args, m.flags));
            }
        }
        for (action, args, flags) in jobs {
            if split_actions(&action).is_empty() {
                continue;
            }
            let entry = Entry::new(listener, speaker, action)
                .with_args(args)
                .with_debug(flags);
            self.enqueue(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(p: &str, t: &str) -> Option<Vec<String>> {
        wild_captures(p, t, false)
    }

    #[test]
    fn wildcards_capture_as_pennmush_does() {
        assert_eq!(caps("hug *", "HUG Bob"), Some(vec!["Bob".to_string()]));
        assert_eq!(
            caps("give * to *", "give a to b to c"),
            Some(vec!["a".to_string(), "b to c".to_string()])
        );
        assert_eq!(
            caps("?x*", "axyz"),
            Some(vec!["a".to_string(), "yz".to_string()])
        );
        assert_eq!(caps("hug *", "hugs Bob"), None);
        assert_eq!(caps("a\\*b", "a*b"), Some(vec![]));
        assert_eq!(caps("a\\*b", "axb"), None);
        assert_eq!(wild_captures("Hug *", "hug x", true), None);
        assert_eq!(caps("é*", "É!"), Some(vec!["!".to_string()]));
    }

    #[test]
    fn hostile_patterns_give_up_in_bounded_steps() {
        let pattern = "*a".repeat(40) + "b";
        let text = "a".repeat(200);
        assert_eq!(caps(&pattern, &text), None);
    }

    #[test]
    fn patterns_split_at_the_first_unescaped_colon() {
        assert_eq!(
            split_pattern("$hug *:pose hugs %0", '$'),
            Some(("hug *", "pose hugs %0"))
        );
        assert_eq!(split_pattern("$a\\:b:x:y", '$'), Some(("a\\:b", "x:y")));
        assert_eq!(
            split_pattern("^* says*:think", '^'),
            Some(("* says*", "think"))
        );
        assert_eq!(split_pattern("$no colon", '$'), None);
        assert_eq!(split_pattern("plain:x", '$'), None);
    }

    #[test]
    fn regexp_attributes_capture_the_whole_match_first() {
        let flags = AttrFlags(AttrFlags::REGEXP);
        assert_eq!(
            pattern_captures("^roll (\\d+)$", "ROLL 20", flags),
            Some(vec!["ROLL 20".to_string(), "20".to_string()])
        );
        assert_eq!(pattern_captures("(", "x", flags), None);
    }
}
