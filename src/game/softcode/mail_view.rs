//! The mail functions' view of @mail (`Host::mailbox`, `Host::mail_sent`) and
//! `mailsend()`'s delivery.

use mushd_softcode::host::{Dbref as SoftDbref, MailInfo};

use super::{to_world, Game};
use crate::game::mail::{Mailbox, Message, CLEARED, READ};
use crate::world::{Dbref, ObjectKind};

fn info(m: &Message, number: usize) -> MailInfo {
    MailInfo {
        folder: m.folder,
        number,
        from: SoftDbref::from(m.from.0),
        time: i64::try_from(m.time).unwrap_or(i64::MAX),
        subject: m.subject.clone(),
        body: m.body.clone(),
        status: m.status_chars(),
        read: m.has(READ),
        cleared: m.has(CLEARED),
    }
}

fn infos(mb: &Mailbox) -> Vec<MailInfo> {
    mb.numbered()
        .into_iter()
        .filter_map(|(i, _, n)| mb.messages.get(i).map(|m| info(m, n)))
        .collect()
}

fn is_player(game: &Game, d: Dbref) -> bool {
    game.world
        .get(d)
        .is_some_and(|o| o.kind == ObjectKind::Player)
}

/// A player's current folder and messages.
pub(super) fn mailbox(game: &Game, player: SoftDbref) -> Option<(u8, Vec<MailInfo>)> {
    let p = to_world(player).filter(|p| is_player(game, *p))?;
    Some(match game.mail.get(p) {
        Some(mb) => (mb.meta.current, infos(mb)),
        None => (0, Vec::new()),
    })
}

/// Every message `player` sent that is still kept.
pub(super) fn sent(game: &Game, player: SoftDbref) -> Vec<MailInfo> {
    let Some(p) = to_world(player) else {
        return Vec::new();
    };
    game.mail
        .all()
        .flat_map(|(_, mb)| mb.messages.iter().filter(move |m| m.from == p))
        .map(|m| info(m, 0))
        .collect()
}

/// `mailsend()`: delivers without the sender's notice; a refusal is the result text.
pub(super) fn send(
    game: &mut Game,
    from: Dbref,
    to: SoftDbref,
    subject: &str,
    body: &str,
) -> Result<String, String> {
    let Some(to) = to_world(to).filter(|d| is_player(game, *d)) else {
        return Err("#-1 NO SUCH PLAYER".into());
    };
    let lines = crate::command::mail::deliver_all(game, from, &[to], subject, body, 0);
    match lines.iter().find(|l| !l.starts_with("MAIL: You sent")) {
        Some(refusal) => Err(refusal.clone()),
        None => Ok(String::new()),
    }
}
