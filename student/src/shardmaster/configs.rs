//! The shard master's replicated state: every config made so far, and how
//! a Join, Leave or Move makes the next one.
//!
//! # Rebalancing
//!
//! With `n` groups, a balanced assignment gives `NSHARDS % n` groups one
//! shard more than the others (`NSHARDS / n`). To move as few shards as
//! possible, the larger shares go to the groups that already hold the most
//! shards; each group keeps as many of its shards as its share allows, and
//! only the rest move: the shards of groups that left (or of gid 0), and
//! each group's shards beyond its share. Those go, in shard order, to the
//! groups still below their share.
//!
//! Every replica must compute the same config from the same log, so every
//! choice here follows an order all replicas share: groups in gid order
//! (a `BTreeMap`), ties broken by gid, shards in number order. Iterating a
//! `HashMap` instead would let replicas disagree.

use std::collections::BTreeMap;

use framework::labs::shardmaster::{Config, Gid, NSHARDS};
use serde::{Deserialize, Serialize};

/// What a client asks the shard master to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Add these groups (gid → its servers) and rebalance.
    Join(BTreeMap<Gid, Vec<String>>),
    /// Remove these groups and rebalance.
    Leave(Vec<Gid>),
    /// Assign one shard to one group.
    Move {
        /// The shard.
        shard: usize,
        /// Its new group.
        gid: Gid,
    },
    /// Read config `num` (-1, or past the latest: the latest).
    Query(i64),
}

/// Every config made so far: config `i` at index `i`.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configs(Vec<Config>);

impl Default for Configs {
    /// Config 0 alone: no groups, every shard on gid 0.
    fn default() -> Self {
        Configs(vec![Config::default()])
    }
}

impl Configs {
    /// Config `num`, or the latest for -1 or a number past it.
    pub fn query(&self, num: i64) -> Config {
        let latest = self.0.len() - 1;
        let index = usize::try_from(num).map_or(latest, |n| n.min(latest));
        self.0[index].clone()
    }

    /// Applies a change (a Query changes nothing).
    pub fn apply(&mut self, op: &Op) {
        let mut next = self.query(-1);
        next.num += 1;
        match op {
            Op::Join(groups) => {
                next.groups.extend(groups.clone());
                rebalance(&mut next);
            }
            Op::Leave(gids) => {
                for gid in gids {
                    next.groups.remove(gid);
                }
                rebalance(&mut next);
            }
            Op::Move { shard, gid } => next.shards[*shard] = *gid,
            Op::Query(_) => return,
        }
        self.0.push(next);
    }
}

/// Reassigns `config`'s shards over its groups: balanced, moving as few as
/// possible (see the module documentation).
fn rebalance(config: &mut Config) {
    if config.groups.is_empty() {
        config.shards = [0; NSHARDS];
        return;
    }
    let n = config.groups.len();
    let (share, extra) = (NSHARDS / n, NSHARDS % n);
    // Each group's shards, in shard order.
    let mut held: BTreeMap<Gid, Vec<usize>> = config.groups.keys().map(|&g| (g, vec![])).collect();
    let mut free = Vec::new();
    for (shard, gid) in config.shards.iter().enumerate() {
        match held.get_mut(gid) {
            Some(shards) => shards.push(shard),
            None => free.push(shard),
        }
    }
    // The larger shares to the groups holding the most; ties by gid.
    let mut order: Vec<Gid> = held.keys().copied().collect();
    order.sort_by_key(|g| std::cmp::Reverse(held[g].len()));
    let quota: BTreeMap<Gid, usize> = order
        .iter()
        .enumerate()
        .map(|(i, &g)| (g, share + usize::from(i < extra)))
        .collect();
    for (gid, shards) in &mut held {
        if shards.len() > quota[gid] {
            free.extend(shards.drain(quota[gid]..));
        }
    }
    free.sort_unstable();
    let mut free = free.into_iter();
    for &gid in &order {
        while held[&gid].len() < quota[&gid] {
            let shard = free.next().expect("the shares add up to NSHARDS");
            config.shards[shard] = gid;
            held.get_mut(&gid)
                .expect("a group of the config")
                .push(shard);
        }
    }
}

#[cfg(test)]
mod tests {
    use framework::labs::shardmaster::balance::check_change;

    use super::*;

    fn join(gids: &[Gid]) -> Op {
        Op::Join(gids.iter().map(|&g| (g, vec![format!("s{g}")])).collect())
    }

    /// Applies `op` and checks the new config with the kit's own check.
    fn apply_checked(configs: &mut Configs, op: Op) -> Config {
        let before = configs.query(-1);
        configs.apply(&op);
        let after = configs.query(-1);
        check_change(&before, &after).unwrap_or_else(|e| panic!("{op:?}: {e}"));
        after
    }

    #[test]
    fn joins_and_leaves_balance_with_the_fewest_moves() {
        let mut c = Configs::default();
        for gid in 1..=11 {
            apply_checked(&mut c, join(&[gid]));
        }
        for gid in [3, 1, 11, 7, 2, 5, 4, 6, 8, 9, 10] {
            apply_checked(&mut c, Op::Leave(vec![gid]));
        }
        assert_eq!(c.query(-1).shards, [0; NSHARDS]);
        apply_checked(&mut c, join(&[4, 5, 6]));
        apply_checked(&mut c, Op::Move { shard: 0, gid: 4 });
        apply_checked(&mut c, Op::Move { shard: 1, gid: 4 });
        // After Moves the groups are unbalanced; a join still moves no
        // more than it must.
        apply_checked(&mut c, join(&[7, 8]));
        apply_checked(&mut c, Op::Leave(vec![4, 8]));
    }

    #[test]
    fn queries_read_old_configs_and_the_latest() {
        let mut c = Configs::default();
        c.apply(&join(&[1]));
        c.apply(&Op::Query(0));
        assert_eq!(c.query(0), Config::default());
        assert_eq!(c.query(1).shards, [1; NSHARDS]);
        assert_eq!(c.query(-1).num, 1);
        assert_eq!(c.query(7).num, 1);
    }

    #[test]
    fn a_move_changes_one_shard() {
        let mut c = Configs::default();
        c.apply(&join(&[1, 2]));
        let before = c.query(-1);
        c.apply(&Op::Move { shard: 9, gid: 1 });
        let after = c.query(-1);
        assert_eq!(after.num, before.num + 1);
        assert_eq!(after.shards[9], 1);
        assert_eq!(after.shards[..9], before.shards[..9]);
    }
}
