//! The key/value lab's test kinds.

mod common;
mod generic;
mod scenarios;

use futures::FutureExt;

use crate::labs::Student;
use crate::suite::{Kind, ParamSpec};
use common::*;

macro_rules! kind {
    ($name:literal, $m:ident :: $f:ident, $params:expr, $summary:literal) => {
        Kind {
            name: $name,
            lab: "kv",
            summary: $summary,
            params: $params,
            run: |env| $m::$f::<S::KvServer, S::KvClerk>(env).boxed_local(),
        }
    };
}

const DISCONNECTED: ParamSpec = ParamSpec::int(
    "disconnected",
    0,
    0,
    8,
    "followers cut off before the clients start",
);
const fn ops(default: i64) -> ParamSpec {
    ParamSpec::int(
        "ops",
        default,
        1,
        1_000_000,
        "how many operations the test makes",
    )
}
const MAX_OP_MS: ParamSpec = ParamSpec::int(
    "max_op_ms",
    33,
    1,
    100_000,
    "the most each operation may take on average, in virtual milliseconds",
);
const MAX_OP_CPU: ParamSpec = ParamSpec::millis(
    "max_op_cpu",
    5,
    "the most CPU time each operation may take on average (the whole cluster's; generous, as machines differ)",
);

const GENERIC: &[ParamSpec] = &[
    servers(5),
    clients(1),
    UNRELIABLE,
    CRASH,
    PARTITIONS,
    RANDOM_KEYS,
    max_raft_state(-1),
    ROUNDS,
    ROUND_LENGTH,
    ELECTION,
    LOG_FACTOR,
    CHECK_TIMEOUT,
    FAIL_ON_UNKNOWN,
];
const SCRIPTED: &[ParamSpec] = &[
    servers(5),
    clients(1),
    DISCONNECTED,
    max_raft_state(1000),
    OP_TIMEOUT,
    ELECTION,
    LOG_FACTOR,
    CHECK_TIMEOUT,
    FAIL_ON_UNKNOWN,
];
const WITH_OPS: &[ParamSpec] = &[
    servers(5),
    clients(1),
    ops(200),
    max_raft_state(1000),
    max_snapshot(8000),
    OP_TIMEOUT,
    ELECTION,
    LOG_FACTOR,
    CHECK_TIMEOUT,
    FAIL_ON_UNKNOWN,
];
const SPEED: &[ParamSpec] = &[
    servers(3),
    ops(1000),
    MAX_OP_MS,
    MAX_OP_CPU,
    max_raft_state(-1),
    LOG_FACTOR,
    CHECK_TIMEOUT,
    FAIL_ON_UNKNOWN,
];

/// Every key/value kind, for the student bundle `S`.
pub fn kinds<S: Student>() -> Vec<Kind> {
    vec![
        kind!(
            "generic",
            generic::generic,
            GENERIC,
            "rounds of concurrent clients with optional faults; appends and linearizability checked"
        ),
        kind!(
            "basic_ops",
            scenarios::basic_ops,
            SCRIPTED,
            "put, append and get on each client's key, optionally without some followers"
        ),
        kind!(
            "no_progress_minority",
            scenarios::no_progress_minority,
            SCRIPTED,
            "no operation completes with only a minority reachable"
        ),
        kind!(
            "re_election",
            scenarios::re_election,
            SCRIPTED,
            "the service goes on through a new leader and the old one's return"
        ),
        kind!(
            "same_key",
            scenarios::same_key,
            SCRIPTED,
            "concurrent appends to one key each apply once"
        ),
        kind!(
            "sequential_appends",
            scenarios::sequential_appends,
            SCRIPTED,
            "appends by clerks in turn keep their order"
        ),
        kind!(
            "install_snapshot",
            scenarios::install_snapshot,
            WITH_OPS,
            "lagging servers catch up by snapshot and serve"
        ),
        kind!(
            "snapshot_size",
            scenarios::snapshot_size,
            WITH_OPS,
            "saved state and snapshot stay small over many operations"
        ),
        kind!(
            "unreliable_progress",
            scenarios::unreliable_progress,
            WITH_OPS,
            "one client progresses on an unreliable network"
        ),
        kind!(
            "unreliable_one_key",
            scenarios::unreliable_one_key,
            WITH_OPS,
            "concurrent appends to one key on an unreliable network"
        ),
        kind!(
            "one_partition",
            scenarios::one_partition,
            SCRIPTED,
            "progress in the majority, none in the minority, completion after healing"
        ),
        kind!(
            "speed",
            scenarios::speed,
            SPEED,
            "sequential operations commit faster than one per heartbeat"
        ),
    ]
}
