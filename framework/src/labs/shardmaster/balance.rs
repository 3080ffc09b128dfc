//! What a good config is, checked exactly: every shard on a group of the
//! config, the groups' loads within one of each other, and no more shards
//! moved than the balance needs.
//!
//! The classic testers check minimality only on gids that are not in the
//! test (so a solution that reshuffles everything passes); this module
//! computes the fewest moves any balanced assignment needs and compares.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::{Config, Gid, NSHARDS};

/// What one config changed from the one before it, as read off the two.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// These groups joined.
    Join(Vec<Gid>),
    /// These groups left.
    Leave(Vec<Gid>),
    /// The groups stayed and at most one shard changed group.
    Move,
}

/// How many shards each group of `config` serves (0 for a group with none).
pub fn loads(config: &Config) -> BTreeMap<Gid, usize> {
    let mut loads: BTreeMap<Gid, usize> = config.groups.keys().map(|&g| (g, 0)).collect();
    for gid in config.shards {
        *loads.entry(gid).or_default() += 1;
    }
    loads
}

/// Every shard is on a group of the config, or on gid 0 when there is none.
pub fn check_placed(config: &Config) -> Result<(), String> {
    let num = config.num;
    if config.groups.is_empty() {
        return match config.shards.iter().position(|&g| g != 0) {
            Some(s) => Err(format!(
                "config {num} has no groups but puts shard {s} on gid {}",
                config.shards[s]
            )),
            None => Ok(()),
        };
    }
    match config
        .shards
        .iter()
        .position(|g| !config.groups.contains_key(g))
    {
        Some(s) => Err(format!(
            "config {num} puts shard {s} on gid {}, which is not one of its groups {:?}",
            config.shards[s],
            config.groups.keys().collect::<Vec<_>>()
        )),
        None => Ok(()),
    }
}

/// Every shard is placed (see [`check_placed`]) and no group serves more
/// than one shard more than another.
pub fn check_balanced(config: &Config) -> Result<(), String> {
    check_placed(config)?;
    let loads = loads(config);
    let (most, least) = (loads.values().max(), loads.values().min());
    if !config.groups.is_empty()
        && let (Some(&most), Some(&least)) = (most, least)
        && most > least + 1
    {
        return Err(format!(
            "config {} is unbalanced: {} (the most and the fewest shards per group may differ by 1)",
            config.num,
            describe_loads(&loads)
        ));
    }
    Ok(())
}

/// The fewest shards that must change group to go from `shards` to a
/// balanced assignment over `groups` (all to gid 0 when it is empty).
///
/// A balanced assignment gives `k = NSHARDS mod n` groups `q + 1` shards
/// and the rest `q = NSHARDS / n`. A shard can stay only on a group of
/// `groups`, and each group keeps at most its share; giving the larger
/// shares to the groups that already hold the most keeps the most.
pub fn fewest_moves(shards: &[Gid; NSHARDS], groups: &BTreeSet<Gid>) -> usize {
    if groups.is_empty() {
        return shards.iter().filter(|&&g| g != 0).count();
    }
    let n = groups.len();
    let (q, k) = (NSHARDS / n, NSHARDS % n);
    let mut held: Vec<usize> = groups
        .iter()
        .map(|g| shards.iter().filter(|&s| s == g).count())
        .collect();
    held.sort_unstable_by(|a, b| b.cmp(a));
    let kept: usize = held
        .iter()
        .enumerate()
        .map(|(i, &h)| h.min(if i < k { q + 1 } else { q }))
        .sum();
    NSHARDS - kept
}

/// Checks that `next` is what one Join, Leave or Move may make of `prev`:
/// the next number, the groups that stayed unchanged, and for a Join or
/// Leave a balanced assignment that moved no more shards than needed.
pub fn check_change(prev: &Config, next: &Config) -> Result<Change, String> {
    let num = next.num;
    if num != prev.num + 1 {
        return Err(format!(
            "config {num} follows config {}: each change must make the next number",
            prev.num
        ));
    }
    for (gid, servers) in &prev.groups {
        if let Some(now) = next.groups.get(gid)
            && now != servers
        {
            return Err(format!(
                "config {num} changed the servers of gid {gid}, which did not join again: {servers:?} became {now:?}"
            ));
        }
    }
    let before: BTreeSet<Gid> = prev.groups.keys().copied().collect();
    let after: BTreeSet<Gid> = next.groups.keys().copied().collect();
    let joined: Vec<Gid> = after.difference(&before).copied().collect();
    let left: Vec<Gid> = before.difference(&after).copied().collect();
    let moved: Vec<usize> = (0..NSHARDS)
        .filter(|&s| prev.shards[s] != next.shards[s])
        .collect();
    let change = match (joined.is_empty(), left.is_empty()) {
        (false, false) => {
            return Err(format!(
                "config {num} both added groups {joined:?} and removed groups {left:?}: one change does one or the other"
            ));
        }
        (true, true) => {
            if moved.len() > 1 {
                return Err(format!(
                    "config {num} kept the groups but moved {} shards ({}): a Move changes one",
                    moved.len(),
                    describe_moves(prev, next, &moved)
                ));
            }
            if let Some(&s) = moved.first()
                && !after.contains(&next.shards[s])
            {
                return Err(format!(
                    "config {num} moved shard {s} to gid {}, which is not one of its groups",
                    next.shards[s]
                ));
            }
            return Ok(Change::Move);
        }
        (false, true) => Change::Join(joined),
        (true, false) => Change::Leave(left),
    };
    check_balanced(next)?;
    let fewest = fewest_moves(&prev.shards, &after);
    if moved.len() > fewest {
        let what = match &change {
            Change::Join(g) => format!("the join of gids {g:?}"),
            Change::Leave(g) => format!("the leave of gids {g:?}"),
            Change::Move => unreachable!("a move returned above"),
        };
        return Err(format!(
            "config {num} ({what}) moved {} shards where {fewest} suffice: {}; before, {}",
            moved.len(),
            describe_moves(prev, next, &moved),
            describe_loads(&loads(prev))
        ));
    }
    Ok(change)
}

/// `gid 1: 4 shards, gid 2: 3 shards`.
fn describe_loads(loads: &BTreeMap<Gid, usize>) -> String {
    let parts: Vec<String> = loads
        .iter()
        .map(|(g, n)| format!("gid {g}: {n} shard{}", if *n == 1 { "" } else { "s" }))
        .collect();
    parts.join(", ")
}

/// `shard 0 1→3, shard 4 2→3`.
fn describe_moves(prev: &Config, next: &Config, moved: &[usize]) -> String {
    let mut text = String::new();
    for (i, &s) in moved.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(text, "{sep}shard {s} {}→{}", prev.shards[s], next.shards[s]);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(num: u64, shards: [Gid; NSHARDS], gids: &[Gid]) -> Config {
        Config {
            num,
            shards,
            groups: gids.iter().map(|&g| (g, vec![format!("s{g}")])).collect(),
        }
    }

    fn set(gids: &[Gid]) -> BTreeSet<Gid> {
        gids.iter().copied().collect()
    }

    #[test]
    fn the_fewest_moves_keep_the_largest_shares() {
        assert_eq!(fewest_moves(&[0; NSHARDS], &set(&[1])), 10);
        let halves = [1, 1, 1, 1, 1, 2, 2, 2, 2, 2];
        assert_eq!(fewest_moves(&halves, &set(&[1, 2])), 0);
        // A third group takes 3 shards (4 + 3 + 3).
        assert_eq!(fewest_moves(&halves, &set(&[1, 2, 3])), 3);
        // Group 2 leaves: its 5 shards go, nothing else.
        assert_eq!(fewest_moves(&halves, &set(&[1])), 5);
        // After a Move everything is on 1: balancing over 1 and 2 moves 5.
        assert_eq!(fewest_moves(&[1; NSHARDS], &set(&[1, 2])), 5);
        assert_eq!(fewest_moves(&halves, &set(&[])), 10);
    }

    #[test]
    fn a_minimal_join_passes_and_a_reshuffle_fails() {
        let c1 = config(1, [1, 1, 1, 1, 1, 2, 2, 2, 2, 2], &[1, 2]);
        let good = config(2, [3, 1, 1, 1, 1, 3, 3, 2, 2, 2], &[1, 2, 3]);
        assert_eq!(check_change(&c1, &good), Ok(Change::Join(vec![3])));
        // Balanced, but four shards moved where three suffice.
        let reshuffled = config(2, [3, 3, 1, 1, 1, 3, 1, 2, 2, 2], &[1, 2, 3]);
        let err = check_change(&c1, &reshuffled).unwrap_err();
        assert!(err.contains("moved 4 shards where 3 suffice"), "{err}");
        assert!(err.contains("shard 6 2→1"), "{err}");
    }

    #[test]
    fn a_leave_moves_only_the_leaving_groups_shards() {
        let c = config(4, [1, 1, 1, 1, 2, 2, 2, 3, 3, 3], &[1, 2, 3]);
        let good = config(5, [1, 1, 1, 1, 2, 2, 2, 1, 2, 2], &[1, 2]);
        assert_eq!(check_change(&c, &good), Ok(Change::Leave(vec![3])));
        let moved_more = config(5, [2, 1, 1, 1, 2, 2, 2, 1, 1, 2], &[1, 2]);
        let err = check_change(&c, &moved_more).unwrap_err();
        assert!(err.contains("where 3 suffice"), "{err}");
    }

    #[test]
    fn unbalanced_and_misplaced_configs_fail() {
        let c1 = config(1, [1; NSHARDS], &[1]);
        let lopsided = config(2, [1, 1, 1, 1, 1, 1, 1, 2, 2, 2], &[1, 2]);
        let err = check_change(&c1, &lopsided).unwrap_err();
        assert!(
            err.contains("unbalanced: gid 1: 7 shards, gid 2: 3 shards"),
            "{err}"
        );
        let on_ghost = config(2, [1, 1, 1, 1, 1, 9, 2, 2, 2, 2], &[1, 2]);
        let err = check_change(&c1, &on_ghost).unwrap_err();
        assert!(err.contains("shard 5 on gid 9"), "{err}");
    }

    #[test]
    fn a_move_changes_one_shard_and_numbers_follow_on() {
        let c = config(3, [1, 1, 1, 1, 1, 2, 2, 2, 2, 2], &[1, 2]);
        let moved = config(4, [2, 1, 1, 1, 1, 2, 2, 2, 2, 2], &[1, 2]);
        assert_eq!(check_change(&c, &moved), Ok(Change::Move));
        let two = config(4, [2, 2, 1, 1, 1, 2, 2, 2, 2, 2], &[1, 2]);
        assert!(
            check_change(&c, &two)
                .unwrap_err()
                .contains("moved 2 shards")
        );
        let skipped = config(5, c.shards, &[1, 2]);
        assert!(
            check_change(&c, &skipped)
                .unwrap_err()
                .contains("next number")
        );
    }

    #[test]
    fn everyone_leaving_puts_every_shard_on_gid_0() {
        let c = config(2, [1; NSHARDS], &[1]);
        assert_eq!(
            check_change(&c, &config(3, [0; NSHARDS], &[])),
            Ok(Change::Leave(vec![1]))
        );
        let kept = config(3, [1; NSHARDS], &[]);
        assert!(check_change(&c, &kept).is_err());
    }
}
