//! The sharded store's test kinds: the dslabs shard list's tests 5 and 6,
//! the classic shardkv tests and its challenges. Every test with clients
//! ends with the checks of `common::finish`: the saved state within bounds,
//! the shard master's configs, one group at a time per shard, and the
//! linearizability of everything clients saw.

mod challenges;
mod common;
mod concurrent;
mod scripted;

use crate::labs::declare::lab_kinds;
use crate::suite::ParamSpec;
use common::*;

/// What every kind takes.
const BASE: [ParamSpec; 5] = [
    OP_TIMEOUT.spec(),
    LOG_FACTOR.spec(),
    CHECK_STEPS.spec(),
    FAIL_ON_UNKNOWN.spec(),
    KEYS.spec(),
];

/// The kinds that take only the base parameters and `max_raft_state`
/// (default `default`).
const fn base(default: i64) -> [ParamSpec; 6] {
    let [a, b, c, d, e] = BASE;
    [a, b, c, d, e, max_raft_state(default)]
}

const NO_SNAPSHOTS: &[ParamSpec] = &base(-1);
const SNAPSHOTS: &[ParamSpec] = &base(1000);
const SMALL_LOGS: &[ParamSpec] = &base(100);
const CONCURRENT3: &[ParamSpec] = &{
    let [a, b, c, d, e, f] = base(300);
    [a, b, c, d, e, f, LENGTH.spec()]
};
const UNRELIABLE1: &[ParamSpec] = &{
    let [a, b, c, d, e, f] = base(100);
    [a, b, c, d, e, f, ROUNDS.with_default(20).spec()]
};
const UNRELIABLE3: &[ParamSpec] = &{
    let [a, b, c, d, e, f] = base(100);
    [a, b, c, d, e, f, CLIENTS.with_default(10).spec()]
};
/// No `log_factor`: with `max_raft_state` 1 the bound is on the total.
const DELETE: &[ParamSpec] = &{
    let [a, _, c, d, _, f] = base(1);
    [a, c, d, KEYS.with_default(30).spec(), f, MAX_TOTAL.spec()]
};

lab_kinds! {
    lab: "shard", types: (L: Lab),
    "static_put" => scripted::static_put, NO_SNAPSHOTS,
        "two groups: Put two keys and read them back";
    "join_leave_append" => scripted::join_leave_append, NO_SNAPSHOTS,
        "the group serving a key leaves; an Append after finds the key's value moved";
    "static_shards" => scripted::static_shards, NO_SNAPSHOTS,
        "with one group down, exactly the other group's keys can be read";
    "rejection" => scripted::rejection, NO_SNAPSHOTS,
        "clerks of a second shard master send every key to one group, which answers only for its own shards";
    "retry_after_move" => scripted::retry_after_move, NO_SNAPSHOTS,
        "an Append applied, its replies lost, its shard moved: sent again to the new group, it takes effect once";
    "stale_config" => scripted::stale_config, NO_SNAPSHOTS,
        "a clerk with an old config reaches the group that gave the shard away, which must refuse it";
    "kv_join_leave" => scripted::join_leave, NO_SNAPSHOTS,
        "a group's data survives its leaving and its shutdown";
    "snapshot" => scripted::snapshot, SNAPSHOTS,
        "shards move between three groups with small logs, then every group restarts";
    "miss_change" => scripted::miss_change, SNAPSHOTS,
        "a server down while configs change catches up on the configs it missed";
    "concurrent1" => concurrent::concurrent1, SMALL_LOGS,
        "appenders while groups join, leave, shut down and restart";
    "concurrent2" => concurrent::concurrent2, NO_SNAPSHOTS,
        "slow appenders through three rounds of leaves and joins, then restarts";
    "concurrent3" => concurrent::concurrent3, CONCURRENT3,
        "appenders that never pause while groups join, restart and leave at random intervals";
    "unreliable1" => concurrent::unreliable1, UNRELIABLE1,
        "every key checked and appended to many times on an unreliable network as shards move";
    "unreliable2" => concurrent::unreliable2, SMALL_LOGS,
        "appenders on an unreliable network while groups join and leave";
    "unreliable3" => concurrent::unreliable3, UNRELIABLE3,
        "random operations on random keys on an unreliable network while groups join and leave";
    "delete" => challenges::delete, DELETE,
        "groups delete the shards they gave away: all they save stays within a bound";
    "unaffected" => challenges::unaffected, SMALL_LOGS,
        "a group serves the shards it had while the ones it gains can never arrive";
    "partial" => challenges::partial, SMALL_LOGS,
        "a group serves each gained shard once it arrives, though others never do";
}
