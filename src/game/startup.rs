//! What the game reads at start: the world (made anew on an empty store), the `@function`
//! table, and the session records a previous process left behind, closed out.

use std::collections::BTreeMap;

use tracing::{info, warn};

use super::now_secs;
use crate::command::functions::UserFunction;
use crate::server::ServerContext;
use crate::session::login::hash_password;
use crate::session::record::StoredSession;
use crate::session::Handle;
use crate::store::write_behind::Op;
use crate::store::{HistoryRecord, Key, KeyKind};
use crate::world::{Dbref, Flags, Object, ObjectKind, World};

/// Loads every object; on an empty store creates Room Zero and God.
pub async fn load_world(ctx: &ServerContext) -> anyhow::Result<World> {
    let started = std::time::Instant::now();
    let (objects, unreadable) = ctx.store.load_objects().await?;
    if unreadable > 0 {
        warn!(unreadable, "skipped object records that could not be read");
    }
    let mut world = World::from_objects(objects);
    if world.is_empty() {
        let now = now_secs();
        let mut room = Object::new_room(Dbref(0), "Room Zero", now);
        // As in PennMUSH's first database, anyone may link to Room Zero.
        room.flags = Flags(Flags::LINK_OK);
        room.description = "You are in Room Zero.".into();
        let password = ctx.config.game.initial_god_password.clone();
        let memory = ctx.config.game.password_hash_memory_kib;
        let hash = tokio::task::spawn_blocking(move || hash_password(&password, memory))
            .await?
            .map_err(|e| anyhow::anyhow!("cannot hash the initial God password: {e}"))?;
        let mut god = Object::new_player(Dbref(1), "One", hash, Dbref(0), now);
        god.flags = Flags(Flags::WIZARD);
        world.insert(room);
        world.insert(god);
        let mut ops = vec![(
            Key::PlayerNames,
            Op::Set("one".into(), Dbref(1).to_string().into()),
        )];
        for d in [Dbref(0), Dbref(1)] {
            if let Some(o) = world.get(d) {
                for (k, v) in o.to_fields() {
                    ops.push((Key::Obj(d), Op::Set(k, v)));
                }
            }
        }
        ctx.wb.critical(ops).await?;
        info!("created a new database: Room Zero (#0) and One (#1)");
    }
    if world.get(Dbref(0)).map(|o| o.kind) != Some(ObjectKind::Room) {
        anyhow::bail!("the database has no room #0");
    }
    info!(
        objects = world.len(),
        millis = started.elapsed().as_millis() as u64,
        "world loaded"
    );
    Ok(world)
}

/// Closes out session records no live socket holds (all of them, on a cold start):
/// the bound player's last-on time is recorded and the record is removed. Link-dead
/// sessions (records with `linkdead_since`) are not crashed connections: their rows
/// are rebuilt, kept output and all, for the game to continue their grace (or end
/// them at once, the ordinary way, when it ran out meanwhile).
pub async fn reconcile_sessions(
    ctx: &ServerContext,
    world: &World,
    keep: &std::collections::HashSet<Handle>,
) -> anyhow::Result<()> {
    let mut records = ctx.store.load(KeyKind::Conn).await?;
    // Records of connections a hot reboot handed over are live, not stale.
    records.retain(|(k, _)| !matches!(k, Key::Conn(h) if keep.contains(h)));
    if records.is_empty() {
        return Ok(());
    }
    let mut closed_players = 0;
    let mut linkdead = 0;
    let mut ops = Vec::new();
    for (key, fields) in &records {
        let Key::Conn(handle) = key else {
            continue;
        };
        let rec = StoredSession::decode(*handle, fields);
        if ctx.config.game.linkdead_grace_secs > 0 && super::linkdead::restore_row(ctx, world, &rec)
        {
            linkdead += 1;
            continue;
        }
        // Only the player who logged in, not a newer one on a reused dbref.
        if let Some(p) = rec
            .player
            .filter(|p| world.is_same_player(*p, rec.login_secs()))
        {
            let last = rec.last_seen.unwrap_or_else(now_secs);
            let record = HistoryRecord {
                handle: *handle,
                login_ms: rec.login_ms.unwrap_or(0),
                connected_at: rec.logged_in_at.or(rec.connected_at).unwrap_or(last),
                disconnected_at: Some(last),
                host: rec.host.clone().unwrap_or_default(),
                how: Some("crash".into()),
            };
            if let Err(e) = ctx.store.append_history(p, record).await {
                warn!(error = %e, player = %p, "could not record a crashed session");
            }
            ops.push((
                Key::Obj(p),
                Op::Set("last_on".into(), last.to_string().into()),
            ));
            if let Some(host) = rec.host {
                ops.push((Key::Obj(p), Op::Set("last_host".into(), host.into())));
            }
            closed_players += 1;
        }
        ops.push((key.clone(), Op::Delete));
    }
    ctx.wb.critical(ops).await?;
    if linkdead > 0 {
        info!(sessions = linkdead, "link-dead sessions restored");
    }
    info!(
        records = records.len() - linkdead,
        players = closed_players,
        "closed out stale session records"
    );
    Ok(())
}

/// The `@function` table from the store (empty, with a warning, when it cannot be read).
pub(super) async fn load_functions(ctx: &ServerContext) -> BTreeMap<String, UserFunction> {
    let fields = match ctx.store.load_record(&Key::Functions).await {
        Ok(f) => f,
        Err(e) => {
            warn!(error = %e, "cannot read the @function table; starting without it");
            return Default::default();
        }
    };
    fields
        .iter()
        .filter_map(|(name, value)| {
            let text = String::from_utf8_lossy(value);
            let f = UserFunction::decode(&text);
            if f.is_none() {
                warn!(function = %name, "skipping an unreadable @function");
            }
            Some((name.clone(), f?))
        })
        .collect()
}

/// The queue entries the store kept (an empty queue, with a warning, when it cannot be
/// read).
pub(super) async fn load_queue(ctx: &ServerContext) -> Vec<super::queue::Entry> {
    let fields = match ctx.store.load_record(&Key::Queue).await {
        Ok(f) => f,
        Err(e) => {
            warn!(error = %e, "cannot read the command queue; starting with it empty");
            return Vec::new();
        }
    };
    let mut entries: Vec<super::queue::Entry> = fields
        .iter()
        .filter_map(|(pid, value)| {
            let e = super::queue::Entry::decode(value);
            if e.is_none() {
                warn!(pid = %pid, "skipping an unreadable queue entry");
            }
            e
        })
        .collect();
    entries.sort_unstable_by_key(|e| e.pid);
    entries
}
