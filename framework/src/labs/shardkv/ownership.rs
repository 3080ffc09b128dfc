//! One group at a time per shard: the monitor of which group answered each
//! client operation, checked at the end of a test against the configs.
//!
//! # The rule
//!
//! A group may answer for a shard only under a config that gives it the
//! shard. The harness does not see which config a group had reached when
//! it answered, but it sees enough to bound it:
//!
//! - an operation cannot have been served under a config that did not yet
//!   exist when it returned (no Join or Leave that would make it had begun);
//! - if operation `x` returned before operation `y` was called, `y` was
//!   served after `x`, so under the same config or a later one: configs
//!   only move forward.
//!
//! So each answer must be given a config number, owned by its group, that
//! is no lower than that of any answer that returned before it was called,
//! and no higher than the configs that existed when it returned. Taking,
//! in the order operations were called, the lowest number that fits is
//! optimal (a lower number never constrains a later answer more), so the
//! check fails exactly when no such numbering exists: when a group answered
//! for a shard after another group had answered for it under a later
//! config, and no config since gave the shard back; or a group answered for
//! a shard that no config had given it yet.

use std::cell::RefCell;
use std::time::Duration;

use crate::fail;
use crate::labs::shardmaster::{Config, Gid, NSHARDS};
use crate::sim::Failure;

/// One operation that a group answered.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    /// The operation, as the history shows it (`get("3")`), and its client.
    pub(crate) what: String,
    /// The key's shard.
    pub(crate) shard: usize,
    /// The group whose server answered last before the operation returned.
    pub(crate) gid: Gid,
    /// When the operation was called and when it returned: stamps of the
    /// test's history (virtual nanoseconds, in the order events happened).
    pub(crate) call: i64,
    pub(crate) ret: i64,
}

/// Every answer of a test, for the check at its end.
#[derive(Default)]
pub(crate) struct Ownership {
    answers: RefCell<Vec<Answer>>,
}

impl Ownership {
    /// Notes an answer.
    pub(crate) fn answered(&self, answer: Answer) {
        self.answers.borrow_mut().push(answer);
    }

    /// Checks every answer against `configs` (every config, by number from
    /// 0); `possible_at(t)` is how many configs could exist at time `t`.
    pub(crate) fn check(
        &self,
        configs: &[Config],
        possible_at: impl Fn(Duration) -> u64,
    ) -> Result<(), Failure> {
        let answers = self.answers.borrow();
        for shard in 0..NSHARDS {
            let mut mine: Vec<&Answer> = answers.iter().filter(|a| a.shard == shard).collect();
            mine.sort_by_key(|a| a.call);
            check_shard(shard, &mine, configs, &possible_at)?;
        }
        Ok(())
    }
}

/// A stamp as a virtual time, for `possible_at`.
fn at(stamp: i64) -> Duration {
    Duration::from_nanos(stamp.max(0) as u64)
}

/// A stamp as a message shows it: virtual seconds, to the millisecond (a
/// stamp is a few nanoseconds past its event's virtual time).
fn shown(stamp: i64) -> String {
    format!("{:.3}s", stamp as f64 / 1e9)
}

/// The check of one shard's answers, sorted by call time (see the module
/// documentation).
fn check_shard(
    shard: usize,
    answers: &[&Answer],
    configs: &[Config],
    possible_at: &impl Fn(Duration) -> u64,
) -> Result<(), Failure> {
    // The config number given to each answer so far.
    let mut given: Vec<u64> = Vec::with_capacity(answers.len());
    for (k, y) in answers.iter().enumerate() {
        // The latest answer (by its config) that returned before y began.
        let before = (0..k)
            .filter(|&j| answers[j].ret < y.call)
            .max_by_key(|&j| given[j]);
        let low = before.map_or(1, |j| given[j]).max(1);
        let high = (possible_at(at(y.ret)).saturating_sub(1)).min(configs.len() as u64 - 1);
        let fits = (low..=high).find(|&c| configs[c as usize].shards[shard] == y.gid);
        match (fits, before) {
            (Some(c), _) => given.push(c),
            (None, Some(j)) => {
                let x = answers[j];
                fail!(
                    "two groups served shard {shard}: group {} answered {} (called at {}, returned at {}), after group {} had answered {} (returned at {}) under config {} or later, and no config from {} to {} gives shard {shard} back to group {} (a group went on serving a shard it had lost)",
                    y.gid,
                    y.what,
                    shown(y.call),
                    shown(y.ret),
                    x.gid,
                    x.what,
                    shown(x.ret),
                    given[j],
                    given[j],
                    high,
                    y.gid
                )
            }
            (None, None) => fail!(
                "group {} answered {} for shard {shard} (returned at {}), but no config that existed by then (1 to {high}) gives it that shard",
                y.gid,
                y.what,
                shown(y.ret)
            ),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Configs 0..: shard 0 on the gids given, in order.
    fn configs(owners: &[Gid]) -> Vec<Config> {
        let mut all = vec![Config::default()];
        for (num, &gid) in owners.iter().enumerate() {
            let mut config = Config {
                num: num as u64 + 1,
                ..Config::default()
            };
            config.shards[0] = gid;
            all.push(config);
        }
        all
    }

    fn answer(gid: Gid, call: u64, ret: u64) -> Answer {
        Answer {
            what: format!("get(\"0\") by group {gid}"),
            shard: 0,
            gid,
            call: call as i64 * 1_000_000,
            ret: ret as i64 * 1_000_000,
        }
    }

    fn check(answers: &[Answer], owners: &[Gid]) -> Result<(), Failure> {
        let ownership = Ownership::default();
        for a in answers {
            ownership.answered(a.clone());
        }
        ownership.check(&configs(owners), |_| owners.len() as u64 + 1)
    }

    #[test]
    fn a_shard_that_moved_on_is_not_served_by_its_old_group() {
        let moved = [answer(100, 0, 10), answer(101, 20, 30)];
        assert!(check(&moved, &[100, 101]).is_ok());
        let stale = [answer(100, 0, 10), answer(101, 20, 30), answer(100, 40, 50)];
        let e = check(&stale, &[100, 101]).unwrap_err();
        assert!(e.to_string().contains("two groups served shard 0"), "{e}");
        // Unless a later config gives it back.
        assert!(check(&stale, &[100, 101, 100]).is_ok());
    }

    #[test]
    fn overlapping_operations_may_be_served_either_way() {
        // The old group's answer overlaps the new group's: it may have been
        // served first.
        let overlapping = [answer(101, 0, 30), answer(100, 10, 50)];
        assert!(check(&overlapping, &[100, 101]).is_ok());
    }

    #[test]
    fn no_group_serves_a_shard_before_a_config_gives_it() {
        let early = [answer(101, 0, 10)];
        assert!(check(&early, &[100, 101]).is_ok());
        let ownership = Ownership::default();
        ownership.answered(answer(101, 0, 10));
        // Only config 1 (shard 0 on 100) existed when it returned.
        let e = ownership.check(&configs(&[100, 101]), |_| 2).unwrap_err();
        assert!(e.to_string().contains("no config that existed"), "{e}");
    }
}
