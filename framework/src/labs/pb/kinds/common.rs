//! What every primary/backup kind shares: parameters, setup, waits and the
//! end-of-test check.

use std::time::Duration;

use tokio::time::sleep;

use crate::labs::check::{CheckPolicy, check_history};
pub use crate::labs::params::{CHECK_STEPS, CLIENTS, FAIL_ON_UNKNOWN, OP_TIMEOUT};
use crate::labs::pb::{Client, PING_INTERVAL, PbClerk, PbCluster, PbServer, View, ViewService};
use crate::labs::wait::within;
use crate::linearizability::models::kv::KvModel;
use crate::sim::Failure;
use crate::suite::{Param, TestEnv};
use crate::{ensure, fail};

/// The cluster every pb kind runs on: the view service and room for `n`
/// servers, none started.
pub type Cluster<V, S, C> = PbCluster<V, S, C>;

/// A cluster with room for `n` servers.
pub fn pb_cluster<V: ViewService, S: PbServer, C: PbClerk>(
    env: &TestEnv,
    n: usize,
) -> Cluster<V, S, C> {
    PbCluster::new(&env.world, n)
}

/// How many primary/backup servers the test starts (the classic tests use
/// one to three).
pub const SERVERS: Param<usize> =
    Param::count("servers", 3, 1, 9, "the number of primary/backup servers");

/// Whether the servers are unreliable (10 % of requests lost, 20 % of the
/// rest executed with the reply lost).
pub const UNRELIABLE: Param<bool> = Param::flag(
    "unreliable",
    false,
    "the servers drop 10 % of requests, and lose the reply of 20 % of the rest",
);

/// Whether a restarted server stays unreliable.
pub const UNRELIABLE_AFTER_RESTART: Param<bool> = Param::flag(
    "unreliable_after_restart",
    true,
    "a restarted unreliable server stays unreliable (the classic tests restart them reliable)",
);

/// How long a test's workload runs.
pub const DURATION: Param<Duration> =
    Param::millis("duration", 5000, "how long the clients (and faults) run");

/// The op timeout of a test, as a bound on one client operation.
pub async fn op<T>(env: &TestEnv, what: &str, op: impl Future<Output = T>) -> Result<T, Failure> {
    within(env.params.get(&OP_TIMEOUT), what, op).await
}

/// The classic `check(ck, key, want)`: a Get that must return `want`.
pub async fn check<C: PbClerk>(
    env: &TestEnv,
    ck: &Client<C>,
    key: &str,
    want: &str,
) -> Result<(), Failure> {
    let got = op(env, &format!("Get({key:?})"), ck.get(key)).await?;
    ensure!(
        got == want,
        "Get({key:?}) -> {got:?}, expected {want:?} (client {})",
        ck.id()
    );
    Ok(())
}

/// A Put that must complete within the op timeout.
pub async fn put<C: PbClerk>(
    env: &TestEnv,
    ck: &Client<C>,
    key: &str,
    value: &str,
) -> Result<(), Failure> {
    op(env, &format!("Put({key:?}, {value:?})"), ck.put(key, value)).await
}

/// An Append that must complete within the op timeout.
pub async fn append<C: PbClerk>(
    env: &TestEnv,
    ck: &Client<C>,
    key: &str,
    value: &str,
) -> Result<(), Failure> {
    op(
        env,
        &format!("Append({key:?}, {value:?})"),
        ck.append(key, value),
    )
    .await
}

/// Looks at the view up to `rounds` times, a [`PING_INTERVAL`] apart, until
/// `done` holds; fails with `message` (and the view) if it never does.
pub async fn wait_view<V: ViewService, S: PbServer, C: PbClerk>(
    c: &Cluster<V, S, C>,
    rounds: usize,
    message: &str,
    done: impl Fn(&View) -> bool,
) -> Result<View, Failure> {
    for _ in 0..rounds {
        let view = c.view();
        if done(&view) {
            return Ok(view);
        }
        sleep(PING_INTERVAL).await;
    }
    let view = c.view();
    ensure!(
        done(&view),
        "{message} (after {rounds} intervals: {})",
        crate::labs::pb::monitor::show(&view)
    );
    Ok(view)
}

/// Whether the view has both a primary and a backup.
pub fn full(view: &View) -> bool {
    !view.primary.is_empty() && !view.backup.is_empty()
}

/// The end of every test with clients: the history must be linearizable.
pub fn finish<V: ViewService, S: PbServer, C: PbClerk>(
    env: &TestEnv,
    c: &Cluster<V, S, C>,
) -> Result<(), Failure> {
    let policy = CheckPolicy {
        steps: env.params.get(&CHECK_STEPS) as u64,
        fail_on_unknown: env.params.get(&FAIL_ON_UNKNOWN),
    };
    check_history(&KvModel, &env.world, &c.history, &env.artifacts, policy)
}

/// How often the observer of an append workload reads the key.
pub const OBSERVE_EVERY: Duration = Duration::from_millis(50);

/// Reads `key` every [`OBSERVE_EVERY`] until `done`: a client the classic
/// append tests do not have. Blind Appends alone leave the checker every
/// interleaving of them to try until the final read (too many to decide);
/// each read of the whole value fixes the order of what came before it.
pub async fn observe<C: PbClerk>(
    env: &TestEnv,
    ck: &Client<C>,
    key: &str,
    done: &std::cell::Cell<bool>,
) -> Result<(), Failure> {
    while !done.get() {
        op(env, &format!("Get({key:?})"), ck.get(key)).await?;
        sleep(OBSERVE_EVERY).await;
    }
    Ok(())
}

/// The classic `checkAppends`: every client's elements `x <i> <n> y`, for
/// `n` below its count, appear in `value` exactly once and in order.
pub fn check_appends(value: &str, counts: &[usize]) -> Result<(), Failure> {
    for (i, &count) in counts.iter().enumerate() {
        let mut last = None;
        for n in 0..count {
            let element = format!("x {i} {n} y");
            let Some(at) = value.find(&element) else {
                fail!("missing element {element:?} in Append result {value:?}");
            };
            ensure!(
                value.rfind(&element) == Some(at),
                "duplicate element {element:?} in Append result {value:?}"
            );
            if let Some(before) = last {
                ensure!(
                    at > before,
                    "wrong order for element {element:?} in Append result {value:?}"
                );
            }
            last = Some(at);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_appends;

    #[test]
    fn check_appends_finds_missing_duplicate_and_misordered_elements() {
        assert!(check_appends("x 0 0 yx 1 0 yx 0 1 y", &[2, 1]).is_ok());
        let missing = check_appends("x 0 0 y", &[2]).unwrap_err();
        assert!(missing.message().contains("missing"));
        let twice = check_appends("x 0 0 yx 0 0 y", &[1]).unwrap_err();
        assert!(twice.message().contains("duplicate"));
        let order = check_appends("x 0 1 yx 0 0 y", &[2]).unwrap_err();
        assert!(order.message().contains("wrong order"));
    }
}
