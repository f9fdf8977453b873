//! `@mail`: sending, listing, reading and filing PennMUSH's mail, and drafting a
//! message line by line with `- <text>` / `~ <text>`.

use super::queue::has_switch;
use super::{find_player, refuse, Caller, SwitchedFn, NO_HANDLE};
use crate::game::mail::select::{self, Selector};
use crate::game::mail::{
    clip, Draft, Message, CLEARED, FORWARD, MAX_BODY, MAX_FOLDER_NAME, MAX_SUBJECT, READ, REPLY,
    TAGGED, URGENT,
};
use crate::game::{now_secs, Flow, Game};
use crate::world::Dbref;
use mushd_softcode::functions::conn::format_time;

pub const COMMANDS: &[(&str, SwitchedFn)] = &[("@mail", mail)];

const DASH_LINE: &str =
    "-----------------------------------------------------------------------------";

fn mail(game: &mut Game, caller: Caller, switches: &str, args: &str) -> Flow {
    let sw = |name| has_switch(switches, name);
    let (left, right) = match super::split_equals(args) {
        Some((l, r)) => (l.trim(), Some(r.trim())),
        None => (args.trim(), None),
    };
    if sw("send") && args.is_empty() {
        send_draft(game, caller)
    } else if sw("abort") {
        let gone = game.mail.drafts.remove(&caller.player).is_some();
        let text = if gone {
            "MAIL: Message aborted."
        } else {
            "MAIL: No mail in progress."
        };
        refuse(game, caller, text)
    } else if sw("proof") {
        proof(game, caller)
    } else if sw("draft") {
        start_draft(game, caller, left, right.unwrap_or(""), urgent(switches))
    } else if sw("quick") {
        // `@mail/quick <players>/<subject>=<message>`, as TinyMUX has it.
        let (to, subject) = left.split_once('/').unwrap_or((left, ""));
        let body = right.unwrap_or("");
        send_now(game, caller, to, subject, body, urgent(switches))
    } else if sw("clear") || sw("unclear") || sw("tag") || sw("untag") || sw("unread") {
        let (bit, on, word) = match switches {
            s if has_switch(s, "unclear") => (CLEARED, false, "uncleared"),
            s if has_switch(s, "clear") => (CLEARED, true, "cleared"),
            s if has_switch(s, "untag") => (TAGGED, false, "untagged"),
            s if has_switch(s, "tag") => (TAGGED, true, "tagged"),
            _ => (READ, false, "unread"),
        };
        set_flag(game, caller, left, bit, on, word)
    } else if sw("purge") {
        let n = game.mail.purge(&game.ctx, caller.player);
        tracing::debug!(player = %caller.player, purged = n, "mail purged");
        refuse(game, caller, "MAIL: Mailbox purged.")
    } else if sw("folder") {
        folder(game, caller, left, right)
    } else if sw("unfolder") {
        folder(game, caller, left, Some(""))
    } else if sw("file") {
        file(game, caller, left, right.unwrap_or(""))
    } else if sw("stats") || sw("dstats") || sw("fstats") {
        stats(game, caller, left)
    } else if sw("cstats") {
        crate::game::mail::check_mail(game, caller.player);
        Flow::Continue
    } else if sw("fwd") || sw("forward") {
        forward(game, caller, left, right.unwrap_or(""))
    } else if sw("reply") {
        reply(game, caller, left, right.unwrap_or(""))
    } else if sw("read") {
        read(game, caller, left)
    } else if sw("list") {
        list(game, caller, left)
    } else if !switches.is_empty() && !sw("send") && !sw("urgent") {
        refuse(game, caller, "MAIL: Invalid mail command.")
    } else if let Some(right) = right {
        let (subject, body) = split_subject(right);
        send_now(game, caller, left, &subject, &body, urgent(switches))
    } else {
        match selector(game, caller, left) {
            Ok(sel) if sel.is_single() => read(game, caller, left),
            Ok(_) => list(game, caller, left),
            Err(e) => refuse(game, caller, &e),
        }
    }
}

fn urgent(switches: &str) -> u8 {
    if has_switch(switches, "urgent") {
        URGENT
    } else {
        0
    }
}

/// `[<subject>/]<message>`, `//` standing for a literal slash in the subject; with no
/// subject, the message's start is used.
fn split_subject(text: &str) -> (String, String) {
    let mut subject = String::new();
    let mut rest = text.char_indices().peekable();
    while let Some((i, c)) = rest.next() {
        if c == '/' {
            if rest.peek().is_some_and(|(_, n)| *n == '/') {
                rest.next();
                subject.push('/');
                continue;
            }
            return (subject, text.get(i + 1..).unwrap_or("").to_string());
        }
        subject.push(c);
    }
    (String::new(), text.to_string())
}

fn selector(game: &Game, caller: Caller, text: &str) -> Result<Selector, String> {
    select::parse(text, |n| find_player(game, caller, n).ok())
}

/// Evaluates text as the caller (empty when it cannot be parsed).
fn eval(game: &mut Game, caller: Caller, text: &str) -> String {
    game.evaluate(caller.player, text).unwrap_or_default()
}

/// The recipients of a space-separated player list; `Err` is the message to show.
fn recipients(game: &mut Game, caller: Caller, list: &str) -> Result<Vec<Dbref>, String> {
    let list = eval(game, caller, list);
    let mut out = Vec::new();
    for word in list.split_whitespace() {
        let d = find_player(game, caller, word)
            .map_err(|_| "MAIL: You cannot send mail to non-existent people.".to_string())?;
        if !out.contains(&d) {
            out.push(d);
        }
    }
    if out.is_empty() {
        return Err("MAIL: I can't figure out who you want to mail to.".into());
    }
    Ok(out)
}

/// Sends a message typed on the command line (subject and body are evaluated).
fn send_now(
    game: &mut Game,
    caller: Caller,
    to: &str,
    subject: &str,
    body: &str,
    flags: u8,
) -> Flow {
    let to = match recipients(game, caller, to) {
        Ok(to) => to,
        Err(e) => return refuse(game, caller, &e),
    };
    let subject = eval(game, caller, subject);
    let body = eval(game, caller, body);
    let lines = deliver_all(game, caller.player, &to, &subject, &body, flags);
    answer_durably(game, caller, lines)
}

/// Delivers one message to each recipient; the lines to show the sender.
pub fn deliver_all(
    game: &mut Game,
    from: Dbref,
    to: &[Dbref],
    subject: &str,
    body: &str,
    flags: u8,
) -> Vec<String> {
    if body.trim().is_empty() {
        return vec!["MAIL: I can't figure out what you want to send.".into()];
    }
    if body.chars().count() > MAX_BODY {
        return vec![format!(
            "MAIL: That message is too long (at most {MAX_BODY} characters)."
        )];
    }
    let subject = if subject.trim().is_empty() {
        clip(body.lines().next().unwrap_or(""), 60)
    } else {
        clip(subject, MAX_SUBJECT)
    };
    let limit = game.ctx.config.game.mailbox_limit;
    let sender = game.name(from);
    let mut lines = Vec::new();
    for &r in to {
        let name = game.name(r);
        let held = game.mail.get(r).map_or(0, |mb| mb.messages.len());
        if held >= limit {
            lines.push(format!("MAIL: {name}'s mailbox is full. Can't send."));
            continue;
        }
        let msg = Message {
            id: 0,
            from,
            time: now_secs(),
            subject: subject.clone(),
            body: body.to_string(),
            folder: 0,
            flags,
        };
        let n = game.mail.deliver(&game.ctx, r, msg);
        game.tell(
            r,
            &format!("MAIL: You have a new message ({n}) from {sender}."),
        );
        lines.push(format!("MAIL: You sent your message to {name}."));
    }
    lines
}

/// Shows `lines` once the store has the mail (at once to an object running a command).
fn answer_durably(game: &mut Game, caller: Caller, lines: Vec<String>) -> Flow {
    let text = lines.join("\n");
    if caller.handle == NO_HANDLE || !text.contains("You sent") {
        return refuse(game, caller, &text);
    }
    game.require_durable(&text);
    Flow::Continue
}

fn start_draft(game: &mut Game, caller: Caller, to: &str, subject: &str, flags: u8) -> Flow {
    let to = match recipients(game, caller, to) {
        Ok(to) => to,
        Err(e) => return refuse(game, caller, &e),
    };
    let subject = clip(&eval(game, caller, subject), MAX_SUBJECT);
    let names: Vec<String> = to.iter().map(|d| game.name(*d)).collect();
    game.mail.drafts.insert(
        caller.player,
        Draft {
            to,
            subject,
            body: String::new(),
            flags,
        },
    );
    refuse(
        game,
        caller,
        &format!(
            "MAIL: You are sending mail to {}. Add text with '- <text>', then @mail/send.",
            names.join(" ")
        ),
    )
}

/// `- <text>` (append) and `~ <text>` (prepend) to the draft being written.
pub fn draft_text(game: &mut Game, caller: Caller, text: &str, prepend: bool) -> Flow {
    let text = eval(game, caller, text.trim_start());
    let Some(draft) = game.mail.drafts.get_mut(&caller.player) else {
        return refuse(game, caller, "MAIL: No mail in progress.");
    };
    if draft.body.chars().count() + text.chars().count() + 1 > MAX_BODY {
        return refuse(game, caller, "MAIL: That would make the message too long.");
    }
    if draft.body.is_empty() {
        draft.body = text;
    } else if prepend {
        draft.body = format!("{text} {}", draft.body);
    } else {
        draft.body.push(' ');
        draft.body.push_str(&text);
    }
    refuse(game, caller, "Text added.")
}

fn proof(game: &mut Game, caller: Caller) -> Flow {
    let Some(d) = game.mail.drafts.get(&caller.player) else {
        return refuse(game, caller, "MAIL: No mail in progress.");
    };
    let to: Vec<String> = d.to.iter().map(|r| game.name(*r)).collect();
    let text = format!(
        "{DASH_LINE}\nTo: {}\nSubject: {}\n{DASH_LINE}\n{}\n{DASH_LINE}",
        to.join(" "),
        d.subject,
        d.body
    );
    refuse(game, caller, &text)
}

fn send_draft(game: &mut Game, caller: Caller) -> Flow {
    let Some(d) = game.mail.drafts.remove(&caller.player) else {
        return refuse(game, caller, "MAIL: No mail in progress.");
    };
    let lines = deliver_all(game, caller.player, &d.to, &d.subject, &d.body, d.flags);
    answer_durably(game, caller, lines)
}

/// The caller's messages a list picks; tells them why when it picks none.
fn picked(game: &Game, caller: Caller, list: &str) -> Option<Vec<usize>> {
    let sel = match selector(game, caller, list) {
        Ok(s) => s,
        Err(e) => {
            game.tell(caller.player, &e);
            return None;
        }
    };
    let found = game
        .mail
        .get(caller.player)
        .map(|mb| sel.pick(mb, now_secs()))
        .unwrap_or_default();
    if found.is_empty() {
        game.tell(caller.player, "MAIL: You don't have any matching messages!");
        return None;
    }
    Some(found)
}

fn list(game: &mut Game, caller: Caller, list: &str) -> Flow {
    let sel = match selector(game, caller, list) {
        Ok(s) => s,
        Err(e) => return refuse(game, caller, &e),
    };
    let Some(mb) = game.mail.get(caller.player) else {
        return refuse(game, caller, "MAIL: You have no mail.");
    };
    let folder = sel.folder.unwrap_or(mb.meta.current);
    let numbers = mb.numbered();
    let mut out = vec![format!(
        "---------------------------  MAIL (folder {folder:2})  ------------------------------"
    )];
    for i in sel.pick(mb, now_secs()) {
        let (Some(m), Some((_, f, n))) = (mb.messages.get(i), numbers.iter().find(|x| x.0 == i))
        else {
            continue;
        };
        let online = if game.ctx.table.is_connected(m.from) {
            '*'
        } else {
            ' '
        };
        let sender: String = game.name(m.from).chars().take(12).collect();
        let subject: String = m.subject.chars().take(28).collect();
        let time: String = format_time(m.time as i64).chars().take(16).collect();
        out.push(format!(
            "[{}] {f:2}:{n:<3} {online}{sender:<12}  {subject:<30} {time}",
            m.status_chars()
        ));
    }
    out.push(DASH_LINE.into());
    refuse(game, caller, &out.join("\n"))
}

fn read(game: &mut Game, caller: Caller, list: &str) -> Flow {
    let sel = match selector(game, caller, list) {
        Ok(s) => s,
        Err(e) => return refuse(game, caller, &e),
    };
    let picked = game
        .mail
        .get(caller.player)
        .map(|mb| sel.pick(mb, now_secs()))
        .unwrap_or_default();
    if picked.is_empty() {
        return refuse(
            game,
            caller,
            "MAIL: You don't have that many matching messages!",
        );
    }
    let mut out = Vec::new();
    for &i in &picked {
        let Some(mb) = game.mail.get(caller.player) else {
            break;
        };
        let Some(m) = mb.messages.get(i) else {
            continue;
        };
        let n = mb
            .numbered()
            .into_iter()
            .find(|x| x.0 == i)
            .map_or(0, |x| x.2);
        let conn = if game.ctx.table.is_connected(m.from) {
            " (Conn)"
        } else {
            "      "
        };
        out.push(DASH_LINE.to_string());
        out.push(format!("From: {:<55} {conn}", game.name(m.from)));
        out.push(format!(
            "Date: {:<25}   Folder: {:2}   Message: {n}",
            format_time(m.time as i64),
            m.folder
        ));
        out.push(format!("Status: {}", m.status_words()));
        out.push(format!("Subject: {}", m.subject));
        out.push(DASH_LINE.to_string());
        out.push(m.body.clone());
        out.push(DASH_LINE.to_string());
        let unread = !m.has(READ);
        if unread {
            let mb = game.mail.get_mut(caller.player);
            if let Some(m) = mb.messages.get_mut(i) {
                m.flags |= READ;
            }
            game.mail.save_message(&game.ctx, caller.player, i);
        }
    }
    refuse(game, caller, &out.join("\n"))
}

fn set_flag(game: &mut Game, caller: Caller, list: &str, bit: u8, on: bool, word: &str) -> Flow {
    let Some(found) = picked(game, caller, list) else {
        return Flow::Continue;
    };
    let mut lines = Vec::new();
    for i in found {
        let mb = game.mail.get_mut(caller.player);
        let numbers = mb.numbered();
        let Some(m) = mb.messages.get_mut(i) else {
            continue;
        };
        if on {
            m.flags |= bit;
        } else {
            m.flags &= !bit;
        }
        if let Some((_, f, n)) = numbers.iter().find(|x| x.0 == i) {
            lines.push(format!("MAIL: Msg #{f}:{n} {word}."));
        }
        game.mail.save_message(&game.ctx, caller.player, i);
    }
    refuse(game, caller, &lines.join("\n"))
}

fn folder(game: &mut Game, caller: Caller, which: &str, name: Option<&str>) -> Flow {
    let mb = game.mail.get_mut(caller.player);
    if which.is_empty() {
        let mut lines = Vec::new();
        for f in 0..=crate::game::mail::MAX_FOLDER {
            let (r, u, c) = mb.counts(f);
            if r + u + c > 0 || f == mb.meta.current {
                lines.push(format!(
                    "MAIL: {} messages in folder {f} [{}] ({u} unread, {c} cleared).",
                    r + u + c,
                    mb.folder_name(f)
                ));
            }
        }
        lines.push(format!(
            "MAIL: Current folder is {} [{}].",
            mb.meta.current,
            mb.folder_name(mb.meta.current)
        ));
        return refuse(game, caller, &lines.join("\n"));
    }
    let found = select::folder_number(which).or_else(|| {
        mb.meta
            .names
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(which))
            .map(|(f, _)| *f)
    });
    let Some(f) = found else {
        return refuse(game, caller, "MAIL: What folder is that?");
    };
    let text = match name {
        Some("") => {
            mb.meta.names.remove(&f);
            format!("MAIL: Folder {f} now has no name")
        }
        Some(n) if n.chars().count() > MAX_FOLDER_NAME => "MAIL: Folder name too long".into(),
        Some(n) if !n.chars().all(|c| c.is_alphanumeric()) => "MAIL: Illegal folder name".into(),
        Some(n) => {
            mb.meta.names.insert(f, n.to_string());
            format!("MAIL: Folder {f} now named '{n}'")
        }
        None => {
            mb.meta.current = f;
            format!("MAIL: Current folder set to {f} [{}].", mb.folder_name(f))
        }
    };
    game.mail.save_meta(&game.ctx, caller.player);
    refuse(game, caller, &text)
}

fn file(game: &mut Game, caller: Caller, list: &str, to: &str) -> Flow {
    let Some(target) = select::folder_number(to) else {
        return refuse(game, caller, "MAIL: Invalid folder specification");
    };
    let Some(found) = picked(game, caller, list) else {
        return Flow::Continue;
    };
    let mut lines = Vec::new();
    for i in found {
        let mb = game.mail.get_mut(caller.player);
        let numbers = mb.numbered();
        let name = mb.folder_name(target);
        if let Some(m) = mb.messages.get_mut(i) {
            m.folder = target;
            if let Some((_, f, n)) = numbers.iter().find(|x| x.0 == i) {
                lines.push(format!(
                    "MAIL: Msg {f}:{n} filed in folder {target} [{name}]"
                ));
            }
        }
        game.mail.save_message(&game.ctx, caller.player, i);
    }
    refuse(game, caller, &lines.join("\n"))
}

fn stats(game: &mut Game, caller: Caller, who: &str) -> Flow {
    let target = if who.is_empty() {
        caller.player
    } else {
        match find_player(game, caller, who) {
            Ok(d) => d,
            Err(_) => return refuse(game, caller, "MAIL: I couldn't find that player."),
        }
    };
    if target != caller.player && !super::wizard_only(game, caller) {
        return Flow::Continue;
    }
    let (sent, received) = game.mail.stats(target);
    let name = game.name(target);
    refuse(
        game,
        caller,
        &format!("{name} sent {sent} messages.\n{name} has {received} messages."),
    )
}

fn forward(game: &mut Game, caller: Caller, list: &str, to: &str) -> Flow {
    if to.is_empty() {
        return refuse(game, caller, "MAIL: To whom should I forward?");
    }
    let to = match recipients(game, caller, to) {
        Ok(to) => to,
        Err(e) => return refuse(game, caller, &e),
    };
    let Some(found) = picked(game, caller, list) else {
        return Flow::Continue;
    };
    let mut lines = Vec::new();
    for i in found {
        let Some(m) = game
            .mail
            .get(caller.player)
            .and_then(|mb| mb.messages.get(i))
        else {
            continue;
        };
        let (subject, body) = (m.subject.clone(), m.body.clone());
        lines.extend(deliver_all(
            game,
            caller.player,
            &to,
            &subject,
            &body,
            FORWARD,
        ));
    }
    answer_durably(game, caller, lines)
}

fn reply(game: &mut Game, caller: Caller, which: &str, text: &str) -> Flow {
    let Some(found) = picked(game, caller, which) else {
        return Flow::Continue;
    };
    let Some(m) = found
        .first()
        .and_then(|i| game.mail.get(caller.player)?.messages.get(*i))
    else {
        return refuse(game, caller, "MAIL: You can't reply to nonexistent mail.");
    };
    let (to, subject) = (m.from, m.subject.clone());
    let subject = if subject.starts_with("Re:") {
        subject
    } else {
        format!("Re: {subject}")
    };
    let body = eval(game, caller, text);
    let lines = deliver_all(game, caller.player, &[to], &subject, &body, REPLY);
    answer_durably(game, caller, lines)
}

#[cfg(test)]
mod tests {
    use super::split_subject;

    #[test]
    fn subjects_split_at_a_single_slash() {
        assert_eq!(split_subject("Hi/there"), ("Hi".into(), "there".into()));
        assert_eq!(split_subject("a//b/c"), ("a/b".into(), "c".into()));
        assert_eq!(
            split_subject("no subject"),
            ("".into(), "no subject".into())
        );
    }
}
