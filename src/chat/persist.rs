//! Channels to and from their store records (the key scheme is in `chat/mod.rs`).

use bytes::Bytes;
use tracing::warn;

use super::{Channel, Chat, Member, Privs, Recalled};
use crate::store::write_behind::{Op, WriteBehind};
use crate::store::{field_text, field_u64, Key, Store, StoredFields};
use crate::world::Dbref;

/// The field of a member.
pub fn member_field(who: Dbref) -> String {
    format!("m:{who}")
}

/// The field of a recall line.
pub fn recall_field(seq: u64) -> String {
    format!("{seq:012}")
}

fn set(key: &Key, field: &str, value: impl Into<Bytes>) -> (Key, Op) {
    (key.clone(), Op::Set(field.to_string(), value.into()))
}

/// Every write that stores a channel whole (after creating or renaming it).
pub fn whole(c: &Channel) -> Vec<(Key, Op)> {
    let lower = c.name.to_lowercase();
    let key = Key::Chan(lower.clone());
    let mut ops = vec![
        (key.clone(), Op::Delete),
        set(&Key::Channels, &lower, c.name.clone()),
        set(&key, "name", c.name.clone()),
        set(&key, "desc", c.desc.clone()),
        set(&key, "owner", c.owner.to_string()),
        set(&key, "privs", c.privs.letters()),
        set(&key, "buffer", c.buffer.to_string()),
        set(&key, "msgs", c.msgs.to_string()),
    ];
    for (kind, text) in &c.locks {
        ops.push(set(&key, &format!("lock:{kind}"), text.clone()));
    }
    for (who, m) in &c.members {
        ops.push(set(&key, &member_field(*who), m.encode()));
    }
    let rkey = Key::ChanRecall(lower);
    ops.push((rkey.clone(), Op::Delete));
    for r in &c.recall {
        ops.push(set(
            &rkey,
            &recall_field(r.seq),
            format!("{}\t{}", r.secs, r.text),
        ));
    }
    ops
}

/// The writes that remove a channel (by lower-case name).
pub fn removal(lower: &str) -> Vec<(Key, Op)> {
    vec![
        (Key::Channels, Op::Remove(lower.to_string())),
        (Key::Chan(lower.to_string()), Op::Delete),
        (Key::ChanRecall(lower.to_string()), Op::Delete),
    ]
}

/// Queues every write in `ops`.
pub fn queue(wb: &WriteBehind, ops: Vec<(Key, Op)>) {
    for (k, op) in ops {
        wb.push(k, op);
    }
}

/// A channel from its records; `None` when the definition is unreadable.
pub fn decode(def: &StoredFields, recall: &StoredFields) -> Option<Channel> {
    let name = field_text(def, "name")?;
    let owner = Dbref::parse(&field_text(def, "owner")?)?;
    let privs = Privs::parse(&field_text(def, "privs").unwrap_or_default()).ok()?;
    let mut c = Channel::new(&name, owner, privs);
    c.desc = field_text(def, "desc").unwrap_or_default();
    c.buffer = field_u64(def, "buffer")
        .and_then(|b| usize::try_from(b).ok())
        .unwrap_or(0);
    c.msgs = field_u64(def, "msgs").unwrap_or(0);
    for (field, value) in def {
        let text = String::from_utf8_lossy(value);
        if let Some(kind) = field.strip_prefix("lock:") {
            c.locks.insert(kind.to_string(), text.into_owned());
        } else if let Some(who) = field.strip_prefix("m:").and_then(Dbref::parse) {
            c.members.insert(who, Member::decode(&text));
        }
    }
    // Fields come in key order, and the zero-padded sequence numbers sort by age.
    for (field, value) in recall {
        let Ok(seq) = field.parse::<u64>() else {
            continue;
        };
        let text = String::from_utf8_lossy(value);
        let (secs, line) = text.split_once('\t').unwrap_or(("0", &text));
        c.recall.push_back(Recalled {
            seq,
            secs: secs.parse().unwrap_or(0),
            text: line.to_string(),
        });
        c.next_seq = c.next_seq.max(seq + 1);
    }
    c.trim_recall();
    Some(c)
}

/// Every channel the store holds; `None` when the store has no channel index yet (a
/// new game), so the caller makes the default channels.
pub async fn load(store: &dyn Store) -> Option<Chat> {
    let index = match store.load_record(&Key::Channels).await {
        Ok(f) => f,
        Err(e) => {
            warn!(error = %e, "cannot read the channel index; starting without channels");
            return Some(Chat::default());
        }
    };
    if index.is_empty() {
        return None;
    }
    let mut chat = Chat::default();
    for lower in index.keys() {
        let def = store.load_record(&Key::Chan(lower.clone())).await;
        let recall = store.load_record(&Key::ChanRecall(lower.clone())).await;
        match (def, recall) {
            (Ok(def), Ok(recall)) => match decode(&def, &recall) {
                Some(c) => {
                    chat.channels.insert(lower.clone(), c);
                }
                None => warn!(channel = %lower, "skipping an unreadable channel"),
            },
            _ => warn!(channel = %lower, "cannot read a channel; skipping it"),
        }
    }
    Some(chat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_channel_round_trips_through_its_fields() {
        let mut c = Channel::new("Public", Dbref(1), Privs(Privs::PLAYER | Privs::OPEN));
        c.desc = "Talk".into();
        c.buffer = 3;
        c.locks.insert("speak".into(), "#1".into());
        c.members.insert(
            Dbref(5),
            Member {
                title: "Boss".into(),
                gag: true,
                ..Default::default()
            },
        );
        c.remember(10, "<Public> hi");
        let mut def: StoredFields = BTreeMap::new();
        let mut rec: StoredFields = BTreeMap::new();
        for (k, op) in whole(&c) {
            if let Op::Set(f, v) = op {
                match k {
                    Key::Chan(_) => def.insert(f, v.to_vec()),
                    Key::ChanRecall(_) => rec.insert(f, v.to_vec()),
                    _ => None,
                };
            }
        }
        assert_eq!(decode(&def, &rec), Some(c));
    }
}
