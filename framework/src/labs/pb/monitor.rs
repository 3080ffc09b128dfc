//! Watching the view service in every test: every view it hands out, every
//! ping it is sent, checked against the lab's rules as it happens.
//!
//! The kit carries `Ping` and `Get` to the student's [`ViewService`] and
//! calls its `tick`, so the monitor sees everything the service is told and
//! everything it answers. It checks, at the moment a view is first seen:
//!
//! - one step at a time: view N+1 follows view N, and a view number is
//!   never answered with two different views (or an older view after a
//!   newer one);
//! - acknowledgement: view N+1 appears only after the primary of view N
//!   pinged with N;
//! - succession: the primary of view N+1 was the primary or the backup of
//!   view N; primary and backup differ; a view has a primary;
//! - no early death (the lower end of the detection window): a server
//!   leaves the view only if it was silent for `DEAD_PINGS - 1` intervals
//!   or more, or pinged 0 (restarted) since it joined;
//! - no late death (the upper end): once the primary acknowledged its
//!   view, a backup silent for `DEAD_PINGS + 2` intervals is gone from the
//!   view while the primary pings, and so is a silent primary while its
//!   backup pings;
//! - `Get` changes nothing: it answers the view last seen.
//!
//! The first violation fails the test, with the views and pings involved.
//!
//! [`ViewService`]: super::ViewService

use std::collections::BTreeMap;
use std::time::Duration;

use super::{DEAD_PINGS, PING_INTERVAL, View};
use crate::sim::{Failure, World};
use crate::sync::lock;

/// What the monitor knows of one server.
#[derive(Clone, Copy, Debug, Default)]
struct Pinger {
    /// When it last pinged.
    last: Duration,
    /// The event number of its last `Ping(0)`, if any.
    restarted: Option<u64>,
}

/// The monitor's record of a run.
#[derive(Default)]
struct Record {
    /// Every view seen, by number (`views[0]` is view 0).
    views: Vec<View>,
    /// When each view was first seen, and at which event number.
    seen: Vec<(Duration, u64)>,
    /// When the primary of each view first pinged with its number.
    acked: BTreeMap<u64, Duration>,
    pingers: BTreeMap<String, Pinger>,
    /// Counts pings and views, to order restarts and joins.
    events: u64,
    /// Whether a violation was already reported (only the first is).
    failed: bool,
}

impl Record {
    /// The event at which `server` joined the views it has been in without
    /// a break up to the latest.
    fn joined(&self, server: &str) -> u64 {
        let member = |v: &View| v.primary == server || v.backup == server;
        let first = self
            .views
            .iter()
            .rposition(|v| !member(v))
            .map_or(0, |i| i + 1);
        self.seen.get(first).map_or(0, |&(_, event)| event)
    }
}

/// The view service's monitor (see the module documentation). One per
/// test; the view service's RPC handlers and ticker feed it.
pub struct Monitor {
    world: World,
    record: std::sync::Mutex<Record>,
}

impl Monitor {
    /// A monitor for a view service in view 0.
    pub(crate) fn new(world: &World) -> Monitor {
        Monitor {
            world: world.clone(),
            record: std::sync::Mutex::new(Record {
                views: vec![View::default()],
                seen: vec![(Duration::ZERO, 0)],
                ..Record::default()
            }),
        }
    }

    /// Server `me` pings with `viewnum`, now: noted before the service
    /// sees it.
    pub(crate) fn ping(&self, me: &str, viewnum: u64) {
        let now = self.world.now();
        let mut record = lock(&self.record);
        record.events += 1;
        let event = record.events;
        let latest = record.views.last().expect("view 0 is always there").clone();
        let pinger = record.pingers.entry(me.to_string()).or_default();
        pinger.last = now;
        if viewnum == 0 {
            pinger.restarted = Some(event);
        }
        if viewnum == latest.num && me == latest.primary {
            record.acked.entry(viewnum).or_insert(now);
        }
    }

    /// The service answered `view` to a ping (`what` says whose).
    pub(crate) fn answered(&self, view: &View, what: &str) {
        if let Err(failure) = self.observe(view, what) {
            self.fail(failure);
        }
    }

    /// The service answered `view` to a Get, which must change nothing: it
    /// is the view last seen.
    pub(crate) fn got(&self, view: &View) {
        let latest = self.latest();
        if *view != latest {
            self.fail(Failure::new(format!(
                "the view service's Get answered {} but the view was {} a moment before, with nothing in between: Get must not change the view (only pings and ticks may)",
                show(view),
                show(&latest)
            )));
        }
    }

    /// A tick has passed and the service now says `view`: noted, and the
    /// upper end of the detection window checked.
    pub(crate) fn ticked(&self, view: &View) {
        if let Err(failure) = self
            .observe(view, "the view after a tick")
            .and_then(|()| self.check_late_death())
        {
            self.fail(failure);
        }
    }

    /// The latest view seen.
    pub fn latest(&self) -> View {
        lock(&self.record)
            .views
            .last()
            .expect("view 0 is always there")
            .clone()
    }

    /// View `num`, if the service ever handed it out.
    pub fn view(&self, num: u64) -> Option<View> {
        lock(&self.record).views.get(num as usize).cloned()
    }

    /// Every view seen so far, in order.
    pub fn views(&self) -> Vec<View> {
        lock(&self.record).views.clone()
    }

    fn fail(&self, failure: Failure) {
        let mut record = lock(&self.record);
        if !record.failed {
            record.failed = true;
            drop(record);
            self.world.fail(failure);
        }
    }

    fn observe(&self, view: &View, what: &str) -> Result<(), Failure> {
        let now = self.world.now();
        let mut record = lock(&self.record);
        let latest = record.views.last().expect("view 0 is always there").clone();
        if let Some(known) = record.views.get(view.num as usize) {
            crate::ensure!(
                known == view,
                "the view service answered {} ({what}) but had answered {} under the same number: a view never changes once handed out",
                show(view),
                show(known)
            );
            crate::ensure!(
                view.num == latest.num,
                "the view service answered {} ({what}) after it had moved on to view {}: views only move forward",
                show(view),
                latest.num
            );
            return Ok(());
        }
        crate::ensure!(
            view.num == latest.num + 1,
            "the view service went from {} to {} ({what}): each change makes exactly the next view",
            show(&latest),
            show(view)
        );
        check_succession(&latest, view)?;
        if latest.num > 0 {
            crate::ensure!(
                record.acked.contains_key(&latest.num),
                "the view service moved to {} ({what}) before the primary of view {}, {}, acknowledged it with Ping({}): it must wait for the acknowledgement, even if it believes a server dead",
                show(view),
                latest.num,
                latest.primary,
                latest.num
            );
        }
        for gone in [&latest.primary, &latest.backup] {
            if gone.is_empty() || *gone == view.primary || *gone == view.backup {
                continue;
            }
            let joined = record.joined(gone);
            let pinger = record
                .pingers
                .get(gone.as_str())
                .copied()
                .unwrap_or_default();
            let restarted = pinger.restarted.is_some_and(|event| event > joined);
            let silent = now.saturating_sub(pinger.last);
            let dead_after = PING_INTERVAL * (DEAD_PINGS as u32 - 1);
            crate::ensure!(
                restarted || silent >= dead_after,
                "the view service dropped {gone} going from {} to {} ({what}), but {gone} pinged {silent:?} ago and never restarted (Ping(0)): a server is dead only after {DEAD_PINGS} missed pings ({:?} without one)",
                show(&latest),
                show(view),
                PING_INTERVAL * DEAD_PINGS as u32
            );
        }
        record.events += 1;
        let event = record.events;
        record.views.push(view.clone());
        record.seen.push((now, event));
        Ok(())
    }

    /// Fails if the current, acknowledged view still has a server that has
    /// been silent for longer than the detection window allows.
    fn check_late_death(&self) -> Result<(), Failure> {
        let now = self.world.now();
        let record = lock(&self.record);
        let view = record.views.last().expect("view 0 is always there");
        let Some(&acked) = record.acked.get(&view.num) else {
            return Ok(());
        };
        let window = PING_INTERVAL * (DEAD_PINGS as u32 + 2);
        let silence = |name: &str| {
            let last = record.pingers.get(name).map_or(Duration::ZERO, |p| p.last);
            now.saturating_sub(last.max(acked))
        };
        let alive = |name: &str| silence(name) < PING_INTERVAL * 2;
        if !view.backup.is_empty() {
            // A dead backup goes while the primary is there to drop it; with
            // both silent, a service may keep the backup to promote it.
            let silent = silence(&view.backup);
            crate::ensure!(
                silent <= window || !alive(&view.primary),
                "the backup {} of view {} has been silent for {silent:?} since the view was acknowledged, and is still in the view: a dead backup must be removed within {window:?} ({} intervals)",
                view.backup,
                show(view),
                DEAD_PINGS + 2
            );
            let silent = silence(&view.primary);
            crate::ensure!(
                silent <= window || !alive(&view.backup),
                "the primary {} of view {} has been silent for {silent:?} since the view was acknowledged while its backup {} pings on time, and it is still primary: the backup must take over within {window:?}",
                view.primary,
                show(view),
                view.backup
            );
        }
        Ok(())
    }
}

/// The succession rules between consecutive views.
fn check_succession(from: &View, to: &View) -> Result<(), Failure> {
    crate::ensure!(
        !to.primary.is_empty(),
        "the view service made {} with no primary (after {})",
        show(to),
        show(from)
    );
    crate::ensure!(
        to.primary != to.backup,
        "the view service made {} whose primary is its backup",
        show(to)
    );
    crate::ensure!(
        from.num == 0 || to.primary == from.primary || to.primary == from.backup,
        "the view service made {} primary of {} although it was neither primary nor backup of {}: an idle (uninitialised) server must never become primary",
        to.primary,
        show(to),
        show(from)
    );
    Ok(())
}

/// A view as messages show it: `view 3 {primary pb-1, backup pb-2}`.
pub fn show(view: &View) -> String {
    format!(
        "view {} {{primary {}, backup {}}}",
        view.num,
        shown(&view.primary),
        shown(&view.backup)
    )
}

/// A server's name as messages show it: `none` for no server.
pub fn shown(name: &str) -> &str {
    if name.is_empty() { "none" } else { name }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(num: u64, primary: &str, backup: &str) -> View {
        View {
            num,
            primary: primary.into(),
            backup: backup.into(),
        }
    }

    #[test]
    fn an_idle_server_is_never_promoted() {
        let err = check_succession(&view(2, "a", ""), &view(3, "c", "")).unwrap_err();
        assert!(err.message().contains("idle"), "{}", err.message());
        assert!(check_succession(&view(2, "a", "b"), &view(3, "b", "c")).is_ok());
        assert!(check_succession(&view(0, "", ""), &view(1, "c", "")).is_ok());
    }

    #[test]
    fn primary_and_backup_differ() {
        assert!(check_succession(&view(1, "a", ""), &view(2, "a", "a")).is_err());
    }
}
