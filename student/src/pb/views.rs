//! The view service's rules, as pure logic: what the pings and the passing
//! of time do to the current view. [`ViewServer`](super::ViewServer) wraps
//! this in a lock and reads the clock; keeping the clock out of here lets
//! the tests below drive every rule with made-up times.
//!
//! # The rules, in the order [`Views::next_view`] applies them
//!
//! Nothing changes until the primary has acknowledged the current view
//! (pinged with its number): the primary acknowledges only once its backup
//! holds the data, so a view whose backup might be empty is never left
//! behind by promoting that backup. Once it has:
//!
//! 1. a primary that is dead or restarted gives way to the backup, if that
//!    one is usable (alive and not restarted), and an idle server becomes
//!    the new backup in the same change;
//! 2. a backup that is dead or restarted is replaced by an idle server, or
//!    removed if there is none (or if the primary has failed too: then
//!    nobody has the data, and the service has ended for good);
//! 3. with no backup, an idle server becomes backup.
//!
//! "Dead": silent for [`DEAD_PINGS`] intervals. "Restarted": pinged 0, while
//! in the view, after having pinged a view number, so it has started again
//! with an empty store. (A server that pings 0 again before it has heard of
//! any view is the same fresh server, whose first answer was late or lost.)
//! "Idle": any live server other than the new primary, including one that
//! restarted (it is fresh, and the primary will send it the data before
//! acknowledging the new view).

use std::collections::{BTreeMap, BTreeSet};

use framework::labs::pb::{DEAD_PINGS, PING_INTERVAL, View};
use tokio::time::{Duration, Instant};

/// How long a server may be silent and still count as alive.
const DEAD_AFTER: Duration = PING_INTERVAL.saturating_mul(DEAD_PINGS as u32);

/// The view service's state: the current view and what the pings said.
#[derive(Debug, Default)]
pub struct Views {
    /// The current view (view 0, `{0, "", ""}`, until the first ping).
    view: View,
    /// Whether the primary of `view` has acknowledged it.
    acked: bool,
    /// Each server that ever pinged: when it last did, and with which view
    /// number.
    last_ping: BTreeMap<String, (Instant, u64)>,
    /// The servers of `view` that restarted since it was made: they lost
    /// their data, whatever they ping afterwards.
    restarted: BTreeSet<String>,
}

impl Views {
    /// View 0, with no server heard of.
    pub fn new() -> Views {
        Views::default()
    }

    /// The current view.
    pub fn view(&self) -> &View {
        &self.view
    }

    /// Server `me` pings at `now`, saying `viewnum` is the newest view it
    /// knows; returns the view after taking the ping into account.
    pub fn ping(&mut self, me: &str, viewnum: u64, now: Instant) -> View {
        let before = self.last_ping.insert(me.to_string(), (now, viewnum));
        let restarted = viewnum == 0 && before.is_some_and(|(_, num)| num > 0);
        if self.view.num == 0 {
            // The first server to ping is the first primary. It starts with
            // an empty store, which is the right one.
            self.install(View {
                num: 1,
                primary: me.to_string(),
                backup: String::new(),
            });
            return self.view.clone();
        }
        let member = me == self.view.primary || me == self.view.backup;
        if restarted && member {
            self.restarted.insert(me.to_string());
        }
        // A restarted primary's later pings carry the number it was just
        // told, not a promise that it holds the data: they acknowledge
        // nothing.
        if me == self.view.primary && viewnum == self.view.num && !self.restarted.contains(me) {
            self.acked = true;
        }
        self.step(now);
        self.view.clone()
    }

    /// One ping interval has passed (at `now`): servers may have died.
    pub fn tick(&mut self, now: Instant) {
        self.step(now);
    }

    /// Moves to the next view, if the rules call for one now.
    fn step(&mut self, now: Instant) {
        if let Some(next) = self.next_view(now) {
            self.install(next);
        }
    }

    /// The view that should follow the current one at `now`, if any (see
    /// the module's rules).
    fn next_view(&self, now: Instant) -> Option<View> {
        if !self.acked {
            return None;
        }
        let View {
            num,
            primary,
            backup,
        } = &self.view;
        let has_backup = !backup.is_empty();
        let backup_usable = has_backup && self.usable(backup, now);
        let (primary, backup) = match (self.usable(primary, now), backup_usable) {
            (true, true) => return None,
            (false, true) => (backup.clone(), self.idle(backup, now).unwrap_or_default()),
            (true, false) => {
                let idle = self.idle(primary, now);
                if !has_backup && idle.is_none() {
                    return None;
                }
                (primary.clone(), idle.unwrap_or_default())
            }
            // Nobody has the data any more; an idle server could never get
            // it, so none is made backup.
            (false, false) if has_backup => (primary.clone(), String::new()),
            (false, false) => return None,
        };
        Some(View {
            num: num + 1,
            primary,
            backup,
        })
    }

    /// Makes `view` current: it waits for its own acknowledgement, and its
    /// members have not restarted in it yet.
    fn install(&mut self, view: View) {
        self.view = view;
        self.acked = false;
        self.restarted.clear();
    }

    /// Whether `server` has pinged within the last [`DEAD_PINGS`] intervals.
    fn alive(&self, server: &str, now: Instant) -> bool {
        self.last_ping
            .get(server)
            .is_some_and(|&(last, _)| now.duration_since(last) < DEAD_AFTER)
    }

    /// Whether `server`, a member of the current view, still holds the data
    /// it had in it: alive and not restarted.
    fn usable(&self, server: &str, now: Instant) -> bool {
        self.alive(server, now) && !self.restarted.contains(server)
    }

    /// A live server other than `primary`, to be the backup (the first by
    /// name, so the choice is deterministic).
    fn idle(&self, primary: &str, now: Instant) -> Option<String> {
        self.last_ping
            .keys()
            .find(|&server| server != primary && self.alive(server, now))
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A view service and a clock that the test moves by hand.
    struct Test {
        views: Views,
        now: Instant,
    }

    impl Test {
        fn new() -> Test {
            Test {
                views: Views::new(),
                now: Instant::now(),
            }
        }

        fn ping(&mut self, me: &str, viewnum: u64) -> View {
            self.views.ping(me, viewnum, self.now)
        }

        /// `intervals` ping intervals pass, with a tick after each, while
        /// the servers in `pinging` ping the current view's number.
        fn pass(&mut self, intervals: u32, pinging: &[&str]) {
            for _ in 0..intervals {
                self.now += PING_INTERVAL;
                for me in pinging {
                    let num = self.views.view().num;
                    self.ping(me, num);
                }
                self.views.tick(self.now);
            }
        }

        fn is(&self, num: u64, primary: &str, backup: &str) {
            let view = self.views.view();
            assert_eq!(
                (view.num, view.primary.as_str(), view.backup.as_str()),
                (num, primary, backup)
            );
        }
    }

    /// View 2: primary a, backup b, acknowledged.
    fn primary_and_backup() -> Test {
        let mut t = Test::new();
        t.ping("a", 0);
        t.ping("a", 1);
        t.ping("b", 0);
        t.is(2, "a", "b");
        t.ping("a", 2);
        t
    }

    #[test]
    fn the_first_server_becomes_primary_and_the_second_backup() {
        let mut t = Test::new();
        assert_eq!(t.ping("a", 0).num, 1);
        t.is(1, "a", "");
        // b is idle until a acknowledges view 1.
        t.ping("b", 0);
        t.is(1, "a", "");
        t.ping("a", 1);
        t.is(2, "a", "b");
    }

    #[test]
    fn no_change_before_the_primary_acknowledges() {
        let mut t = primary_and_backup();
        // b is promoted in view 3, with no one to back it up; it never
        // acknowledges, then dies, and c turns up.
        t.pass(DEAD_PINGS as u32, &["b"]);
        t.is(3, "b", "");
        t.ping("c", 0);
        t.pass(3 * DEAD_PINGS as u32, &["c"]);
        t.is(3, "b", "");
    }

    #[test]
    fn a_dead_primary_gives_way_to_the_backup_and_an_idle_server_in_one_change() {
        let mut t = primary_and_backup();
        t.ping("c", 0);
        // Four silent intervals are not death yet.
        t.pass(DEAD_PINGS as u32 - 1, &["b", "c"]);
        t.is(2, "a", "b");
        t.pass(1, &["b", "c"]);
        t.is(3, "b", "c");
    }

    #[test]
    fn a_primary_that_restarts_is_treated_as_dead() {
        let mut t = primary_and_backup();
        // It pinged 0: its store is empty. b takes over at once, and a,
        // alive and fresh, is the idle server that becomes backup.
        t.ping("a", 0);
        t.is(3, "b", "a");
    }

    #[test]
    fn a_restarted_primary_does_not_acknowledge_and_is_never_replaced_by_an_idle_server() {
        let mut t = Test::new();
        t.ping("a", 0);
        t.ping("a", 1);
        // a restarts with no backup: nobody else has the data.
        t.ping("a", 0);
        t.ping("b", 0);
        t.pass(3 * DEAD_PINGS as u32, &["a", "b"]);
        t.is(1, "a", "");
    }

    #[test]
    fn a_server_that_pings_0_again_before_hearing_of_a_view_has_not_restarted() {
        let mut t = Test::new();
        t.ping("a", 0);
        t.ping("a", 1);
        // b's answer, which made it backup, was lost: it pings 0 again.
        t.ping("b", 0);
        t.ping("b", 0);
        t.ping("a", 2);
        t.is(2, "a", "b");
        // a fails: b, still a usable backup, takes over.
        t.ping("a", 0);
        t.is(3, "b", "a");
    }

    #[test]
    fn a_dead_backup_is_replaced_by_an_idle_server_or_removed() {
        let mut t = primary_and_backup();
        t.ping("c", 0);
        t.pass(DEAD_PINGS as u32, &["a", "c"]);
        t.is(3, "a", "c");
        t.pass(DEAD_PINGS as u32, &["a"]);
        t.is(4, "a", "");
    }

    #[test]
    fn a_backup_that_restarts_is_dropped_and_taken_back_fresh() {
        let mut t = primary_and_backup();
        t.ping("b", 2);
        t.ping("b", 0);
        // The only idle server is b itself: the new view has it as backup
        // again, so the primary sends it the data again.
        t.is(3, "a", "b");
    }

    #[test]
    fn a_restarted_backup_is_never_promoted() {
        let mut t = primary_and_backup();
        // a has just died when b restarts: b no longer has the data, so
        // nobody does.
        t.pass(DEAD_PINGS as u32 - 1, &["b"]);
        t.now += PING_INTERVAL;
        t.ping("b", 0);
        t.is(3, "a", "");
        t.pass(3 * DEAD_PINGS as u32, &["b"]);
        t.is(3, "a", "");
    }

    #[test]
    fn an_idle_server_never_becomes_primary() {
        let mut t = Test::new();
        t.ping("a", 0);
        t.ping("a", 1);
        t.ping("b", 0);
        t.ping("a", 2);
        t.is(2, "a", "b");
        t.ping("c", 0);
        // Both members die; c, idle, keeps pinging. The dead backup is
        // removed, and that is all.
        t.pass(3 * DEAD_PINGS as u32, &["c"]);
        t.is(3, "a", "");
    }
}
