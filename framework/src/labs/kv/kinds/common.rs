//! What every key/value kind shares: parameters, setup, checks.

use std::future::Future;
use std::time::Duration;

use tokio::time::{sleep, timeout};

use crate::labs::kv::check::check_history;
use crate::labs::kv::{Client, KvClerk, KvCluster, KvServer};
use crate::sim::Failure;
use crate::suite::{ParamSpec, Params, TestEnv};
use crate::{ensure, fail};

pub const fn servers(default: i64) -> ParamSpec {
    ParamSpec::int("servers", default, 3, 9, "the number of key/value servers")
}
pub const fn clients(default: i64) -> ParamSpec {
    ParamSpec::int(
        "clients",
        default,
        1,
        100,
        "the number of concurrent clients",
    )
}
pub const fn max_raft_state(default: i64) -> ParamSpec {
    ParamSpec::int(
        "max_raft_state",
        default,
        -1,
        1 << 30,
        "snapshot when the Raft state nears this many bytes (-1: never snapshot)",
    )
}
pub const UNRELIABLE: ParamSpec = ParamSpec::bool("unreliable", false, "delay and drop RPCs");
pub const CRASH: ParamSpec = ParamSpec::bool(
    "crash",
    false,
    "shut down and restart every server after each round",
);
pub const PARTITIONS: ParamSpec = ParamSpec::bool(
    "partitions",
    false,
    "repartition the servers at random while clients run",
);
pub const RANDOM_KEYS: ParamSpec = ParamSpec::bool(
    "random_keys",
    false,
    "clients use random keys (and Puts) instead of one key each",
);
pub const ROUNDS: ParamSpec = ParamSpec::int("rounds", 3, 1, 1000, "rounds of client traffic");
pub const ROUND_LENGTH: ParamSpec =
    ParamSpec::millis("round_length", 5000, "how long clients run in each round");
pub const ELECTION: ParamSpec = ParamSpec::millis(
    "election_timeout",
    1000,
    "what the tests allow for an election (and leave between partitions)",
);
pub const OP_TIMEOUT: ParamSpec = ParamSpec::millis(
    "op_timeout",
    10_000,
    "how long a single client operation may take where a test bounds it",
);
pub const CHECK_TIMEOUT: ParamSpec = ParamSpec::millis(
    "check_timeout",
    10_000,
    "wall-clock time the linearizability checker may take on the history",
);
pub const FAIL_ON_UNKNOWN: ParamSpec = ParamSpec::bool(
    "fail_on_unknown",
    false,
    "fail (rather than warn) when the checker cannot decide in time",
);
pub const LOG_FACTOR: ParamSpec = ParamSpec::int(
    "log_factor",
    8,
    1,
    1000,
    "the saved Raft state may reach this many times max_raft_state",
);

/// The most a saved snapshot may be (SnapshotSize-style tests).
pub const fn max_snapshot(default: i64) -> ParamSpec {
    ParamSpec::int(
        "max_snapshot",
        default,
        1,
        1 << 30,
        "the largest snapshot allowed, in bytes",
    )
}

/// `max_raft_state` as the servers take it.
pub fn max_state(params: &Params) -> Option<usize> {
    usize::try_from(params.int("max_raft_state")).ok()
}

/// A cluster of `params.servers` servers.
pub fn cluster<S: KvServer, C: KvClerk>(env: &TestEnv, unreliable: bool) -> KvCluster<S, C> {
    KvCluster::new(
        &env.world,
        env.params.usize("servers"),
        unreliable,
        max_state(&env.params),
    )
}

/// The linearizability check every test with clients ends with.
pub fn check<S: KvServer, C: KvClerk>(env: &TestEnv, c: &KvCluster<S, C>) -> Result<(), Failure> {
    check_history(
        &env.world,
        &c.history,
        &env.artifacts,
        env.params.duration("check_timeout"),
        env.params.bool("fail_on_unknown"),
    )
}

/// The saved Raft state must stay within `log_factor × max_raft_state`,
/// and with no `max_raft_state` there must be no snapshot at all.
pub fn check_sizes<S: KvServer, C: KvClerk>(
    env: &TestEnv,
    c: &KvCluster<S, C>,
) -> Result<(), Failure> {
    match max_state(&env.params) {
        Some(max) => {
            let limit = max * env.params.usize("log_factor");
            let size = c.log_size();
            ensure!(
                size <= limit,
                "logs were not trimmed: a server saved {size} bytes of Raft state, more than {limit} ({} × max_raft_state {max})",
                env.params.int("log_factor")
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

/// Runs a client operation, failing the test if it takes longer than
/// `limit` of virtual time.
pub async fn within<T>(
    limit: Duration,
    what: &str,
    op: impl Future<Output = T>,
) -> Result<T, Failure> {
    match timeout(limit, op).await {
        Ok(value) => Ok(value),
        Err(_) => fail!("{what} did not complete within {limit:?}"),
    }
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

/// Waits (up to about 5 s) until some server believes it leads.
pub async fn wait_for_leader<S: KvServer, C: KvClerk>(
    c: &KvCluster<S, C>,
) -> Result<usize, Failure> {
    for _ in 0..50 {
        if let Some(leader) = c.leader() {
            return Ok(leader);
        }
        sleep(Duration::from_millis(100)).await;
    }
    fail!("no server became leader within 5 s")
}
