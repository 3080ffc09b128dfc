//! The classic pbservice tests with one clerk: `TestBasicFail` (P1–P5, one
//! kind per step, each replaying the steps before it), `TestAtMostOnce`
//! (P6) and `TestFailPut` (P7–P8).

use std::time::Duration;

use tokio::time::{sleep, timeout};

use super::common::*;
use crate::labs::pb::{PbClerk, PbServer, ViewService};
use crate::sim::Failure;
use crate::suite::{Param, TestEnv};
use crate::{ensure, fail};

/// P3: how many sequential Puts are timed.
pub const PUTS: Param<usize> = Param::count("puts", 100, 1, 10_000, "sequential Puts timed in P3");
/// P3: the view service RPCs allowed beyond two servers' pings.
pub const SLACK: Param<usize> = Param::count(
    "slack",
    20,
    0,
    10_000,
    "view service RPCs allowed in P3 beyond 10 pings per second per server",
);
/// P5: how long a Get must stay blocked with no initialised primary.
pub const MUST_BLOCK: Param<Duration> = Param::millis(
    "must_block",
    2000,
    "how long a Get must stay blocked when no initialised server can be primary",
)
.a_wait();
/// P5: how long after the last server dies the new one starts.
pub const START_AFTER: Param<Duration> = Param::millis(
    "start_after",
    0,
    "P5: how long after the primary (with no backup) dies the new server starts; long enough for the view service to see the death, it tempts a service to promote the newcomer",
);
/// P6: how many sequential Appends.
pub const APPENDS: Param<usize> =
    Param::count("appends", 100, 1, 10_000, "sequential Appends to one key");
/// P6: whether the primary is killed half-way (with a backup to take over).
pub const FAILOVER: Param<bool> = Param::flag(
    "failover",
    false,
    "kill the primary half-way through the Appends (needs servers >= 2)",
);

const SECOND: Duration = Duration::from_secs(1);

/// `TestBasicFail` up to step `last` (1 to 5).
async fn basic_fail<V: ViewService, S: PbServer, C: PbClerk>(
    env: TestEnv,
    last: usize,
) -> Result<(), Failure> {
    let c = pb_cluster::<V, S, C>(&env, 3);
    let vck = c.view_clerk("tester");
    let (s1, s2) = (c.name(0), c.name(1));
    let ck = c.client(0);

    // P1: Single primary, no backup.
    c.start(0);
    sleep(SECOND).await;
    ensure!(
        vck.primary().await.as_deref() == Some(s1.as_str()),
        "first primary never formed view (after 1 s: {})",
        crate::labs::pb::monitor::show(&c.view())
    );
    put(&env, &ck, "111", "v1").await?;
    check(&env, &ck, "111", "v1").await?;
    put(&env, &ck, "2", "v2").await?;
    check(&env, &ck, "2", "v2").await?;
    put(&env, &ck, "1", "v1a").await?;
    check(&env, &ck, "1", "v1a").await?;
    append(&env, &ck, "ak", "hello").await?;
    check(&env, &ck, "ak", "hello").await?;
    put(&env, &ck, "ak", "xx").await?;
    append(&env, &ck, "ak", "yy").await?;
    check(&env, &ck, "ak", "xxyy").await?;
    if last == 1 {
        return finish(&env, &c);
    }

    // P2: Add a backup.
    c.start(1);
    wait_view(&c, 10, "backup never came up", |v| v.backup == s2).await?;
    put(&env, &ck, "3", "33").await?;
    check(&env, &ck, "3", "33").await?;
    sleep(Duration::from_millis(300)).await;
    put(&env, &ck, "4", "44").await?;
    check(&env, &ck, "4", "44").await?;
    if last == 2 {
        return finish(&env, &c);
    }

    // P3: Count RPCs to viewserver.
    let (c1, t1) = (c.view_service_rpcs(), env.world.now());
    for i in 0..env.params.get(&PUTS) {
        put(&env, &ck, &format!("xk{i}"), &i.to_string()).await?;
    }
    let (c2, dt) = (c.view_service_rpcs(), env.world.now() - t1);
    let allowed = 2 * (dt.as_millis() / 100) as u64 + env.params.get(&SLACK) as u64;
    ensure!(
        c2 - c1 <= allowed,
        "too many viewserver RPCs: {} in {dt:?} of {} Puts, where two servers' pings and {} more make {allowed}: a clerk asks the view service only when the primary it knows fails",
        c2 - c1,
        env.params.get(&PUTS),
        env.params.get(&SLACK)
    );
    if last == 3 {
        return finish(&env, &c);
    }

    // P4: Primary failure.
    c.kill(0);
    wait_view(&c, 10, "backup never switched to primary", |v| {
        v.primary == s2
    })
    .await?;
    check(&env, &ck, "1", "v1a").await?;
    check(&env, &ck, "3", "33").await?;
    check(&env, &ck, "4", "44").await?;
    if last == 4 {
        return finish(&env, &c);
    }

    // P5: Kill last server, new one should not be active.
    c.kill(1);
    sleep(env.params.get(&START_AFTER)).await;
    c.start(2);
    sleep(SECOND).await;
    let block = env.params.get(&MUST_BLOCK);
    if let Ok(value) = timeout(block, ck.get("1")).await {
        fail!(
            "ck.Get() returned {value:?} even though no initialized primary: {} died with no backup, and {} never had the data ({})",
            s2,
            c.name(2),
            crate::labs::pb::monitor::show(&c.view())
        );
    }
    finish(&env, &c)
}

macro_rules! steps {
    ($($name:ident = $n:literal),+) => {$(
        #[doc = concat!("`TestBasicFail` up to P", $n, ".")]
        pub async fn $name<V: ViewService, S: PbServer, C: PbClerk>(
            env: TestEnv,
        ) -> Result<(), Failure> {
            basic_fail::<V, S, C>(env, $n).await
        }
    )+};
}

steps!(
    single_primary = 1,
    add_backup = 2,
    count_vs_rpcs = 3,
    primary_failure = 4,
    kill_last_server = 5
);

/// P6 "at-most-once Append; unreliable": one clerk's sequential Appends to
/// one key through unreliable servers, each applied exactly once; with
/// `failover`, the primary is killed half-way and the backup takes over.
pub async fn at_most_once<V: ViewService, S: PbServer, C: PbClerk>(
    env: TestEnv,
) -> Result<(), Failure> {
    let n = env.params.get(&SERVERS);
    let c = pb_cluster::<V, S, C>(&env, n);
    let unreliable = env.params.get(&UNRELIABLE);
    let after_restart = env.params.get(&UNRELIABLE_AFTER_RESTART);
    for i in 0..n {
        c.set_unreliable(i, unreliable, after_restart);
        c.start(i);
    }
    let want_backup = n >= 2;
    wait_view(&c, 10, "no view with a primary formed", |v| {
        !v.primary.is_empty() && (full(v) || !want_backup)
    })
    .await?;
    sleep(Duration::from_millis(500)).await;
    let ck = c.client(0);
    let appends = env.params.get(&APPENDS);
    let mut want = String::new();
    for i in 0..appends {
        if env.params.get(&FAILOVER) && i == appends / 2 {
            let view = c.view();
            let primary = c.number(&view.primary);
            ensure!(
                full(&view) && primary.is_some(),
                "no backup to fail over to half-way through the Appends: {}",
                crate::labs::pb::monitor::show(&view)
            );
            c.kill(primary.expect("checked"));
        }
        append(&env, &ck, "counter", &i.to_string()).await?;
        want.push_str(&i.to_string());
    }
    check(&env, &ck, "counter", &want).await?;
    finish(&env, &c)
}

/// `TestFailPut` up to step `last` (7 or 8).
async fn fail_put<V: ViewService, S: PbServer, C: PbClerk>(
    env: TestEnv,
    last: usize,
) -> Result<(), Failure> {
    let c = pb_cluster::<V, S, C>(&env, 3);
    let (s1, s2, s3) = (c.name(0), c.name(1), c.name(2));
    c.start(0);
    sleep(SECOND).await;
    c.start(1);
    sleep(SECOND).await;
    c.start(2);
    wait_view(&c, 15, "no view with a primary and a backup", full).await?;
    sleep(SECOND).await;
    let v1 = c.view();
    ensure!(
        v1.primary == s1 && v1.backup == s2,
        "wrong primary or backup: {}, expected {s1} and {s2}",
        crate::labs::pb::monitor::show(&v1)
    );
    let ck = c.client(0);
    for (k, v) in [("a", "aa"), ("b", "bb"), ("c", "cc")] {
        put(&env, &ck, k, v).await?;
        check(&env, &ck, k, v).await?;
    }

    // P7: Put() immediately after backup failure.
    c.kill(1);
    put(&env, &ck, "a", "aaa").await?;
    check(&env, &ck, "a", "aaa").await?;
    wait_view(&c, 15, "no new view with a primary and a backup", |v| {
        v.num > v1.num && full(v)
    })
    .await?;
    sleep(SECOND).await;
    let v2 = c.view();
    ensure!(
        v2.primary == s1 && v2.backup == s3,
        "wrong primary or backup: {}, expected {s1} and {s3}",
        crate::labs::pb::monitor::show(&v2)
    );
    check(&env, &ck, "a", "aaa").await?;
    if last == 7 {
        return finish(&env, &c);
    }

    // P8: Put() immediately after primary failure.
    c.kill(0);
    put(&env, &ck, "b", "bbb").await?;
    check(&env, &ck, "b", "bbb").await?;
    wait_view(&c, 15, "no new view with a primary", |v| {
        v.num > v2.num && !v.primary.is_empty()
    })
    .await?;
    sleep(SECOND).await;
    check(&env, &ck, "a", "aaa").await?;
    check(&env, &ck, "b", "bbb").await?;
    check(&env, &ck, "c", "cc").await?;
    finish(&env, &c)
}

/// P7 "Put() immediately after backup failure".
pub async fn put_after_backup_failure<V: ViewService, S: PbServer, C: PbClerk>(
    env: TestEnv,
) -> Result<(), Failure> {
    fail_put::<V, S, C>(env, 7).await
}

/// P8 "Put() immediately after primary failure" (after P7).
pub async fn put_after_primary_failure<V: ViewService, S: PbServer, C: PbClerk>(
    env: TestEnv,
) -> Result<(), Failure> {
    fail_put::<V, S, C>(env, 8).await
}
