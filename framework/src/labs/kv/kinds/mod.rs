//! The key/value lab's test kinds.

mod common;
mod generic;
mod scenarios;

use crate::labs::declare::lab_kinds;
use crate::labs::kv::{KvClerk, KvServer};
use crate::suite::ParamSpec;
use common::*;

const GENERIC: &[ParamSpec] = &[
    servers(5),
    CLIENTS.spec(),
    UNRELIABLE.spec(),
    CRASH.spec(),
    PARTITIONS.spec(),
    RANDOM_KEYS.spec(),
    max_raft_state(-1),
    ROUNDS.spec(),
    ROUND_LENGTH.spec(),
    ELECTION_TIMEOUT.spec(),
    LOG_FACTOR.spec(),
    CHECK_STEPS.spec(),
    FAIL_ON_UNKNOWN.spec(),
];
const SCRIPTED: &[ParamSpec] = &[
    servers(5),
    CLIENTS.spec(),
    DISCONNECTED.spec(),
    max_raft_state(1000),
    OP_TIMEOUT.spec(),
    ELECTION_TIMEOUT.spec(),
    LOG_FACTOR.spec(),
    CHECK_STEPS.spec(),
    FAIL_ON_UNKNOWN.spec(),
];
const WITH_OPS: &[ParamSpec] = &[
    servers(5),
    CLIENTS.spec(),
    OPS.spec(),
    max_raft_state(1000),
    MAX_SNAPSHOT.spec(),
    OP_TIMEOUT.spec(),
    ELECTION_TIMEOUT.spec(),
    LOG_FACTOR.spec(),
    CHECK_STEPS.spec(),
    FAIL_ON_UNKNOWN.spec(),
];
/// The one-key appends check their history directly (see
/// `unreliable_one_key`), with no checker and no operation limit.
const ONE_KEY: &[ParamSpec] = &[servers(5), CLIENTS.spec(), OPS.spec(), max_raft_state(1000)];
const SPEED: &[ParamSpec] = &[
    servers(3),
    OPS.with_default(1000).spec(),
    MAX_OP_MS.spec(),
    MAX_OP_CPU.spec(),
    max_raft_state(-1),
    LOG_FACTOR.spec(),
    CHECK_STEPS.spec(),
    FAIL_ON_UNKNOWN.spec(),
];

lab_kinds! {
    lab: "kv", types: (S: KvServer, C: KvClerk),
    "generic" => generic::generic, GENERIC,
        "rounds of concurrent clients with optional faults; appends and linearizability checked";
    "basic_ops" => scenarios::basic_ops, SCRIPTED,
        "put, append and get on each client's key, optionally without some followers";
    "no_progress_minority" => scenarios::no_progress_minority, SCRIPTED,
        "no operation completes with only a minority reachable";
    "re_election" => scenarios::re_election, SCRIPTED,
        "the service goes on through a new leader and the old one's return";
    "same_key" => scenarios::same_key, SCRIPTED,
        "concurrent appends to one key each apply once";
    "sequential_appends" => scenarios::sequential_appends, SCRIPTED,
        "appends by clerks in turn keep their order";
    "install_snapshot" => scenarios::install_snapshot, WITH_OPS,
        "lagging servers catch up by snapshot and serve";
    "snapshot_size" => scenarios::snapshot_size, WITH_OPS,
        "saved state and snapshot stay small over many operations";
    "snapshot_under_waiters" => scenarios::snapshot_under_waiters, WITH_OPS,
        "a snapshot that covers a cut-off leader's waiting handlers must not answer them with success";
    "unreliable_progress" => scenarios::unreliable_progress, WITH_OPS,
        "one client progresses on an unreliable network";
    "unreliable_one_key" => scenarios::unreliable_one_key, ONE_KEY,
        "concurrent appends to one key on an unreliable network";
    "one_partition" => scenarios::one_partition, SCRIPTED,
        "progress in the majority, none in the minority, completion after healing";
    "speed" => scenarios::speed, SPEED,
        "sequential operations commit faster than one per heartbeat";
}
