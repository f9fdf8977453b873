//! `help [topic]` from text files: `& TOPIC` lines start a topic (several in a row
//! share one text), read from `game.help_dir`, or the built-in copy of `config/help`
//! when that directory is missing.

use std::path::Path;

use super::Caller;
use crate::game::{Flow, Game};

/// The help shipped in the binary, so a server started anywhere has help.
const BUILTIN: &[&str] = &[
    include_str!("../../config/help/help.txt"),
    include_str!("../../config/help/commands.txt"),
    include_str!("../../config/help/objects.txt"),
    include_str!("../../config/help/chat.txt"),
];

/// Topics (lower case) and their texts.
#[derive(Debug, Default)]
pub struct HelpFiles {
    topics: Vec<(String, usize)>,
    texts: Vec<String>,
}

/// What a topic name finds.
#[derive(Debug, PartialEq, Eq)]
pub enum Found<'a> {
    Text(&'a str),
    Several(Vec<&'a str>),
    Nothing,
}

impl HelpFiles {
    pub fn builtin() -> HelpFiles {
        HelpFiles::parse(BUILTIN)
    }

    /// Reads every `*.txt` in `dir` (in name order); the built-in help when there are none.
    pub fn load(dir: &Path) -> HelpFiles {
        let mut files: Vec<_> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "txt"))
                .collect(),
            Err(e) => {
                tracing::info!(dir = %dir.display(), error = %e, "no help directory; using the built-in help");
                return HelpFiles::builtin();
            }
        };
        files.sort();
        let texts: Vec<String> = files
            .iter()
            .filter_map(|p| match std::fs::read_to_string(p) {
                Ok(t) => Some(t),
                Err(e) => {
                    tracing::warn!(file = %p.display(), error = %e, "cannot read a help file");
                    None
                }
            })
            .collect();
        let help = HelpFiles::parse(&texts.iter().map(String::as_str).collect::<Vec<_>>());
        if help.topics.is_empty() {
            return HelpFiles::builtin();
        }
        tracing::info!(topics = help.topics.len(), "help loaded");
        help
    }

    pub fn parse(sources: &[&str]) -> HelpFiles {
        let mut help = HelpFiles::default();
        for source in sources {
            let mut pending: Vec<String> = Vec::new();
            let mut body = String::new();
            let flush = |pending: &mut Vec<String>, body: &mut String, help: &mut HelpFiles| {
                if !pending.is_empty() {
                    help.texts.push(body.trim_end().to_string());
                    let idx = help.texts.len() - 1;
                    for name in pending.drain(..) {
                        help.topics.push((name, idx));
                    }
                }
                body.clear();
            };
            let mut in_headers = false;
            for line in source.lines() {
                if let Some(name) = line.strip_prefix("& ") {
                    if !in_headers {
                        flush(&mut pending, &mut body, &mut help);
                    }
                    pending.push(name.trim().to_lowercase());
                    in_headers = true;
                } else {
                    in_headers = false;
                    body.push_str(line);
                    body.push('\n');
                }
            }
            flush(&mut pending, &mut body, &mut help);
        }
        help
    }

    /// A topic by exact name, else by a unique start.
    pub fn find(&self, topic: &str) -> Found<'_> {
        let topic = topic.trim().to_lowercase();
        if let Some((_, i)) = self.topics.iter().find(|(n, _)| *n == topic) {
            return Found::Text(&self.texts[*i]);
        }
        let matches: Vec<&(String, usize)> = self
            .topics
            .iter()
            .filter(|(n, _)| n.starts_with(&topic))
            .collect();
        match matches.as_slice() {
            [] => Found::Nothing,
            [first, rest @ ..] if rest.iter().all(|(_, i)| *i == first.1) => {
                Found::Text(&self.texts[first.1])
            }
            _ => Found::Several(matches.iter().map(|(n, _)| n.as_str()).collect()),
        }
    }

    /// Every topic name, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.topics.iter().map(|(n, _)| n.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// `help [topic]`.
pub fn help(game: &mut Game, caller: Caller, args: &str) -> Flow {
    let topic = if args.trim().is_empty() {
        "help"
    } else {
        args.trim()
    };
    let text = if topic.eq_ignore_ascii_case("index") || topic.eq_ignore_ascii_case("topics") {
        let mut text = String::from("Help topics:\n");
        for chunk in game.help.names().chunks(5) {
            let row: Vec<String> = chunk.iter().map(|n| format!("{n:<16}")).collect();
            text.push_str(row.join("").trim_end());
            text.push('\n');
        }
        text.trim_end().to_string()
    } else {
        match game.help.find(topic) {
            Found::Text(t) => t.to_string(),
            Found::Several(names) => format!(
                "Here are the topics which match '{topic}': {}",
                names.join(", ")
            ),
            Found::Nothing => {
                format!("No entry for '{topic}'. Type \"help index\" for every topic.")
            }
        }
    };
    game.reply(caller, &text);
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::CommandTable;

    #[test]
    fn every_command_has_a_topic() {
        let help = HelpFiles::builtin();
        let table = CommandTable::new();
        let missing: Vec<&str> = table
            .names()
            .into_iter()
            .filter(|n| !matches!(help.find(n), Found::Text(_)))
            .collect();
        assert!(missing.is_empty(), "commands without help: {missing:?}");
        for prefix in ["\"", ":", ";", "&", "help", "index"] {
            assert!(
                matches!(help.find(prefix), Found::Text(_)) || prefix == "index",
                "{prefix}"
            );
        }
    }

    #[test]
    fn topics_share_texts_and_match_prefixes() {
        let help = HelpFiles::parse(&["& a\n& alpha\nfirst\n& beta\nsecond\nmore\n& bet\nthird\n"]);
        assert_eq!(help.find("ALPHA"), Found::Text("first"));
        assert_eq!(help.find("a"), Found::Text("first"));
        assert_eq!(help.find("al"), Found::Text("first"));
        assert_eq!(help.find("beta"), Found::Text("second\nmore"));
        assert_eq!(help.find("be"), Found::Several(vec!["beta", "bet"]));
        assert_eq!(help.find("zzz"), Found::Nothing);
    }
}
