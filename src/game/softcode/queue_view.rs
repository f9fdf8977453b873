//! The evaluator's view of the command queue: what `scan()` would run and the entries
//! `lpids()`, `getpids()` and `pidinfo()` report.

use mushd_softcode::host::{Dbref as SoftDbref, QueueInfo, NOTHING};

use super::{to_soft, WorldHost};
use crate::game::queue::Wait;
use crate::session::now_millis;

impl WorldHost<'_> {
    /// The `$`-commands `text` typed by `looker` would run, as `#obj/ATTR`.
    pub(super) fn scan_commands(&self, looker: SoftDbref, text: &str) -> Vec<String> {
        let Some(looker) = self.object(looker).map(|o| o.dbref) else {
            return Vec::new();
        };
        self.game
            .dollar_matches(looker, text)
            .into_iter()
            .map(|(obj, m)| format!("#{}/{}", obj.0, m.attr))
            .collect()
    }

    /// Every queue entry as the functions see it.
    pub(super) fn queue_info(&self) -> Vec<QueueInfo> {
        let now = now_millis();
        let secs_left =
            |due: u64| i64::try_from(due.saturating_sub(now).div_ceil(1000)).unwrap_or(i64::MAX);
        self.game
            .queue
            .iter()
            .map(|e| {
                let (queue, time_left, semaphore, attr) = match &e.wait {
                    Wait::Ready => ("", -1, NOTHING, String::new()),
                    Wait::Until(due) => ("wait", secs_left(*due), NOTHING, String::new()),
                    Wait::Semaphore { obj, attr, timeout } => (
                        "semaphore",
                        timeout.map_or(-1, secs_left),
                        to_soft(Some(*obj)),
                        attr.clone(),
                    ),
                };
                QueueInfo {
                    pid: e.pid,
                    owner: to_soft(Some(e.owner)),
                    executor: to_soft(Some(e.executor)),
                    time_left,
                    semaphore,
                    attr,
                    queue,
                    command: e.actions.clone(),
                }
            })
            .collect()
    }
}
