//! @mail functions: mail, mailfrom, mailtime, mailsubject, mailstatus, mailsend,
//! mailstats, maildstats, mailfstats and folderstats. The mail lives on the server,
//! reached through `Host::mailbox`, `Host::mail_sent` and `Effect::MailSend`.

use crate::eval::{push, Args, Eval};
use crate::functions::conn::format_time;
use crate::functions::db::push_dbref;
use crate::functions::effects::run;
use crate::functions::FnDef;
use crate::host::{Dbref, Effect, MailInfo, ObjType};

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("MAIL", 0, 2, fun_mail),
    FnDef::new("MAILFROM", 1, 2, fun_mailfrom),
    FnDef::new("MAILTIME", 1, 2, fun_mailtime),
    FnDef::new("MAILSUBJECT", 1, 2, fun_mailsubject),
    FnDef::new("MAILSTATUS", 1, 2, fun_mailstatus),
    FnDef::new("MAILSEND", 2, 2, fun_mailsend),
    FnDef::new("MAILSTATS", 1, 1, fun_mailstats),
    FnDef::new("MAILDSTATS", 1, 1, fun_maildstats),
    FnDef::new("MAILFSTATS", 1, 1, fun_mailfstats),
    FnDef::new("FOLDERSTATS", 0, 2, fun_folderstats),
];

const E_PERM: &str = "#-1 PERMISSION DENIED";
const E_PLAYER: &str = "#-1 NO SUCH PLAYER";

/// A player the executor names; `None` when it is not one.
fn player(ev: &mut Eval, name: &str) -> Option<Dbref> {
    let ex = ev.ctx.executor;
    let d = ev.host.match_thing(ex, name.trim()).ok().or_else(|| {
        let bare = name.trim().trim_start_matches('*');
        ev.host.player_by_name(bare)
    })?;
    (ev.host.obj_type(d) == Some(ObjType::Player)).then_some(d)
}

/// Whether the executor may read `who`'s mail.
fn may_see(ev: &Eval, who: Dbref) -> bool {
    let ex = ev.ctx.executor;
    ex == who || ev.host.is_wizard(ex)
}

/// `[<folder>:]<n>`: the folder (None: the current one) and the number.
fn message_number(text: &str) -> Option<(Option<u8>, usize)> {
    let text = text.trim();
    let (folder, n) = match text.split_once(':') {
        Some((f, n)) => (Some(f.trim().parse::<u8>().ok().filter(|f| *f <= 15)?), n),
        None => (None, text),
    };
    Some((folder, n.trim().parse().ok().filter(|n| *n > 0)?))
}

/// The message `[player, ][folder:]n` names; `Err` is the text to output.
fn message(ev: &mut Eval, a: &Args) -> Result<MailInfo, &'static str> {
    let (who, spec) = if a.len() >= 2 {
        let p = player(ev, a.get(0)).ok_or(E_PLAYER)?;
        (p, a.get(1).to_string())
    } else {
        (ev.ctx.executor, a.get(0).to_string())
    };
    if !may_see(ev, who) {
        return Err(E_PERM);
    }
    let (folder, n) = message_number(&spec).ok_or("#-1 INVALID MESSAGE OR PLAYER")?;
    let (current, messages) = ev.host.mailbox(who).unwrap_or_default();
    let folder = folder.unwrap_or(current);
    messages
        .into_iter()
        .find(|m| m.folder == folder && m.number == n)
        .ok_or("#-1 INVALID MESSAGE OR PLAYER")
}

fn with_message(ev: &mut Eval, a: &Args, o: &mut String, f: impl Fn(&MailInfo, &mut String)) {
    match message(ev, a) {
        Ok(m) => f(&m, o),
        Err(e) => push(o, e),
    }
}

fn counts<'m>(messages: impl Iterator<Item = &'m MailInfo>) -> (usize, usize, usize) {
    let (mut read, mut unread, mut cleared) = (0, 0, 0);
    for m in messages {
        if m.cleared {
            cleared += 1;
        } else if m.read {
            read += 1;
        } else {
            unread += 1;
        }
    }
    (read, unread, cleared)
}

fn fun_mail(ev: &mut Eval, a: &Args, o: &mut String) {
    let ex = ev.ctx.executor;
    if a.is_empty() || (a.len() == 1 && a.get(0).trim().is_empty()) {
        let n = ev.host.mailbox(ex).map_or(0, |(_, m)| m.len());
        return push(o, &n.to_string());
    }
    if a.len() == 1 && message_number(a.get(0)).is_none() {
        let Some(who) = player(ev, a.get(0)) else {
            return push(o, E_PLAYER);
        };
        if !may_see(ev, who) {
            return push(o, E_PERM);
        }
        let messages = ev.host.mailbox(who).map(|(_, m)| m).unwrap_or_default();
        let (r, u, c) = counts(messages.iter());
        return push(o, &format!("{r} {u} {c}"));
    }
    with_message(ev, a, o, |m, o| push(o, &m.body));
}

fn fun_mailfrom(ev: &mut Eval, a: &Args, o: &mut String) {
    match message(ev, a) {
        Ok(m) => push_dbref(o, m.from),
        Err(_) => push(o, "#-1"),
    }
}

fn fun_mailtime(ev: &mut Eval, a: &Args, o: &mut String) {
    with_message(ev, a, o, |m, o| push(o, &format_time(m.time)));
}

fn fun_mailsubject(ev: &mut Eval, a: &Args, o: &mut String) {
    with_message(ev, a, o, |m, o| push(o, &m.subject));
}

fn fun_mailstatus(ev: &mut Eval, a: &Args, o: &mut String) {
    with_message(ev, a, o, |m, o| push(o, &m.status));
}

fn fun_mailsend(ev: &mut Eval, a: &Args, o: &mut String) {
    let name = a.get(0).trim().to_string();
    let Some(to) = player(ev, &name) else {
        let ex = ev.ctx.executor;
        ev.host
            .notify(ex, &format!("No such unique player: {name}."));
        return;
    };
    let text = a.get(1);
    let (subject, body) = match text.split_once('/') {
        Some((s, b)) => (s.to_string(), b.to_string()),
        None => (String::new(), text.to_string()),
    };
    run(ev, Effect::MailSend { to, subject, body }, o, true);
}

/// The player a stats function is about (the executor when none is named).
fn stats_target(ev: &mut Eval, a: &Args, o: &mut String) -> Option<Dbref> {
    let who = if a.is_empty() || a.get(0).trim().is_empty() {
        Some(ev.ctx.executor)
    } else {
        player(ev, a.get(0))
    };
    let Some(who) = who else {
        push(o, E_PLAYER);
        return None;
    };
    if !may_see(ev, who) {
        push(o, E_PERM);
        return None;
    }
    Some(who)
}

/// Sent and received figures: (total, unread, cleared, bytes) each.
fn figures(ev: &Eval, who: Dbref) -> [[usize; 4]; 2] {
    let sent = ev.host.mail_sent(who);
    let got = ev.host.mailbox(who).map(|(_, m)| m).unwrap_or_default();
    [sent, got].map(|list| {
        let (_, unread, cleared) = counts(list.iter());
        let bytes = list.iter().map(|m| m.body.len()).sum();
        [list.len(), unread, cleared, bytes]
    })
}

fn fun_mailstats(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(who) = stats_target(ev, a, o) {
        let [s, r] = figures(ev, who);
        push(o, &format!("{} {}", s[0], r[0]));
    }
}

fn fun_maildstats(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(who) = stats_target(ev, a, o) {
        let [s, r] = figures(ev, who);
        push(
            o,
            &format!("{} {} {} {} {} {}", s[0], s[1], s[2], r[0], r[1], r[2]),
        );
    }
}

fn fun_mailfstats(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(who) = stats_target(ev, a, o) {
        let [s, r] = figures(ev, who);
        let all: Vec<String> = s.iter().chain(r.iter()).map(|n| n.to_string()).collect();
        push(o, &all.join(" "));
    }
}

fn fun_folderstats(ev: &mut Eval, a: &Args, o: &mut String) {
    let folder_arg = |t: &str| t.trim().parse::<u8>().ok().filter(|f| *f <= 15);
    let (who, folder) = match a.len() {
        0 => (Some(ev.ctx.executor), None),
        1 if a.get(0).trim().is_empty() => (Some(ev.ctx.executor), None),
        1 => match folder_arg(a.get(0)) {
            Some(f) => (Some(ev.ctx.executor), Some(f)),
            None => (player(ev, a.get(0)), None),
        },
        _ => match folder_arg(a.get(1)) {
            Some(f) => (player(ev, a.get(0)), Some(f)),
            None => return push(o, "#-1 FOLDER MUST BE INTEGER"),
        },
    };
    let Some(who) = who else {
        return push(o, E_PLAYER);
    };
    if !may_see(ev, who) {
        return push(o, E_PERM);
    }
    let (current, messages) = ev.host.mailbox(who).unwrap_or_default();
    let folder = folder.unwrap_or(current);
    let (r, u, c) = counts(messages.iter().filter(|m| m.folder == folder));
    push(o, &format!("{r} {u} {c}"));
}

#[cfg(test)]
mod tests {
    use super::message_number;

    #[test]
    fn message_numbers_parse() {
        assert_eq!(message_number("3"), Some((None, 3)));
        assert_eq!(message_number("1:2"), Some((Some(1), 2)));
        assert_eq!(message_number("me"), None);
        assert_eq!(message_number("0"), None);
        assert_eq!(message_number("16:1"), None);
    }
}
