//! What every key/value kind shares: parameters, setup, checks.

use std::time::Duration;

use crate::ensure;
use crate::labs::check::{CheckPolicy, check_history};
use crate::labs::kv::{Client, KvClerk, KvCluster, KvServer};
pub use crate::labs::params::{
    CHECK_STEPS, CLIENTS, CRASH, ELECTION_TIMEOUT, FAIL_ON_UNKNOWN, LOG_FACTOR, MAX_RAFT_STATE,
    OP_TIMEOUT, PARTITIONS, ROUNDS, SERVERS, UNRELIABLE,
};
pub use crate::labs::wait::within;
use crate::linearizability::models::kv::KvModel;
use crate::sim::Failure;
use crate::suite::{Param, ParamSpec, TestEnv};

/// Whether clients use random keys.
pub const RANDOM_KEYS: Param<bool> = Param::flag(
    "random_keys",
    false,
    "clients use random keys (and Puts) instead of one key each",
);
/// How long clients run in each round of the generic test.
pub const ROUND_LENGTH: Param<Duration> =
    Param::millis("round_length", 5000, "how long clients run in each round");
/// The largest snapshot allowed (SnapshotSize-style tests).
pub const MAX_SNAPSHOT: Param<usize> = Param::count(
    "max_snapshot",
    8000,
    1,
    1 << 30,
    "the largest snapshot allowed, in bytes",
);

/// How many followers the scripted tests cut off before clients start.
pub const DISCONNECTED: Param<usize> = Param::count(
    "disconnected",
    0,
    0,
    8,
    "followers cut off before the clients start",
);
/// How many operations the test makes.
pub const OPS: Param<usize> = Param::count(
    "ops",
    200,
    1,
    1_000_000,
    "how many operations the test makes",
);
/// The most each operation may take on average, in virtual milliseconds.
pub const MAX_OP_MS: Param<usize> = Param::count(
    "max_op_ms",
    33,
    1,
    100_000,
    "the most each operation may take on average, in virtual milliseconds",
);
/// The most CPU time each operation may take on average.
pub const MAX_OP_CPU: Param<Duration> = Param::millis(
    "max_op_cpu",
    5,
    "the most CPU time each operation may take on average (the whole cluster's; generous, as machines differ)",
);

pub const fn servers(n: i64) -> ParamSpec {
    SERVERS.with_default(n).spec()
}
pub const fn max_raft_state(bytes: i64) -> ParamSpec {
    MAX_RAFT_STATE.with_default(bytes).spec()
}

/// A cluster of `params.servers` servers.
pub fn cluster<S: KvServer, C: KvClerk>(env: &TestEnv, unreliable: bool) -> KvCluster<S, C> {
    KvCluster::new(
        &env.world,
        env.params.get(&SERVERS),
        unreliable,
        env.params.get(&MAX_RAFT_STATE),
    )
}

/// The linearizability check every test with clients ends with.
pub fn check<S: KvServer, C: KvClerk>(env: &TestEnv, c: &KvCluster<S, C>) -> Result<(), Failure> {
    let policy = CheckPolicy {
        steps: env.params.get(&CHECK_STEPS) as u64,
        fail_on_unknown: env.params.get(&FAIL_ON_UNKNOWN),
    };
    check_history(&KvModel, &env.world, &c.history, &env.artifacts, policy)
}

/// The saved Raft state must stay within `log_factor × max_raft_state`,
/// and with no `max_raft_state` there must be no snapshot at all.
pub fn check_sizes<S: KvServer, C: KvClerk>(
    env: &TestEnv,
    c: &KvCluster<S, C>,
) -> Result<(), Failure> {
    match env.params.get(&MAX_RAFT_STATE) {
        Some(max) => {
            let factor = env.params.get(&LOG_FACTOR);
            let limit = max * factor;
            let size = c.log_size();
            ensure!(
                size <= limit,
                "logs were not trimmed: a server saved {size} bytes of Raft state, more than {limit} ({factor} × max_raft_state {max})"
            );
        }
        None => {
            let size = c.snapshot_size();
            ensure!(
                size == 0,
                "a server saved a {size}-byte snapshot, but max_raft_state is -1 (no snapshots)"
            );
        }
    }
    Ok(())
}

/// `Get(key)` must return `expected`, within `limit`.
pub async fn expect<C: KvClerk>(
    client: &Client<C>,
    key: &str,
    expected: &str,
    limit: Duration,
) -> Result<(), Failure> {
    let got = within(limit, &format!("get({key:?})"), client.get(key)).await?;
    ensure!(
        got == expected,
        "get({key:?}) returned {got:?}, expected {expected:?}"
    );
    Ok(())
}

/// How long the scenarios wait for a first leader.
pub const LEADER_WAIT: Duration = Duration::from_secs(5);
