//! A primary that lost its view: `TestPartition1` and `TestPartition2`
//! (P14, P15), where a primary cut off from the view service gets a Get
//! seconds late; the same with a Put and an Append (which the classic
//! tests never send to a stale primary); and a retried Append whose first
//! answer is lost as the primary dies, built on purpose with a hold.

use std::pin::pin;
use std::time::Duration;

use tokio::time::sleep;

use super::common::*;
use crate::labs::pb::{Client, PbClerk, PbServer, ViewService};
use crate::net::Hold;
use crate::sim::Failure;
use crate::suite::{Param, TestEnv};
use crate::{ensure, fail};

/// How long the proxy in front of the old primary holds each request.
pub const DELAY: Param<Duration> = Param::millis(
    "delay",
    4000,
    "how long the proxy in front of the cut-off primary holds each request",
);
/// How long the test then waits for the late operation.
pub const WAIT: Param<Duration> = Param::millis(
    "wait",
    5000,
    "how long the test waits for the late operation at the end",
)
.a_wait();
/// P15: a new backup joins, then the new primary is killed.
pub const NEW_BACKUP_THEN_KILL: Param<bool> = Param::flag(
    "new_backup_then_kill",
    false,
    "after the failover a third server joins as backup, then the new primary is killed (P15)",
);
/// What the late operation is: a Get (the classic tests), a Put or an
/// Append.
pub const LATE_WRITE: Param<bool> = Param::flag(
    "late_write",
    false,
    "send the cut-off primary a Put and an Append (on their own keys) instead of a Get",
);

const SECOND: Duration = Duration::from_secs(1);

/// P14/P15 and their write variant: s1 is primary with backup s2 and a=1;
/// then s1 is cut off from the view service and its requests delayed; a
/// client that still takes it for primary sends it an operation; s2 takes
/// over and a second client changes a. The late operation must not answer
/// from s1's old state.
pub async fn stale_primary<V: ViewService, S: PbServer, C: PbClerk>(
    env: TestEnv,
) -> Result<(), Failure> {
    let c = pb_cluster::<V, S, C>(&env, 3);
    let (s1, s2, s3) = (c.name(0), c.name(1), c.name(2));
    c.start(0);
    sleep(SECOND).await;
    ensure!(
        c.view().primary == s1,
        "primary never formed initial view: {}",
        crate::labs::pb::monitor::show(&c.view())
    );
    c.start(1);
    sleep(SECOND).await;
    let view = c.view();
    ensure!(
        view.primary == s1 && view.backup == s2,
        "backup did not join view: {}",
        crate::labs::pb::monitor::show(&view)
    );
    let ck1 = c.client(0);
    put(&env, &ck1, "a", "1").await?;
    check(&env, &ck1, "a", "1").await?;

    // s1 can no longer ping, but clients still reach it (slowly) and it
    // still reaches s2.
    c.cut_from_view_service(0, true);
    c.set_inbound_delay(0, env.params.get(&DELAY));
    let write = env.params.get(&LATE_WRITE);
    let late = pin!(late_operation(&ck1, write));
    let mut late = late;
    let mut answered: Option<String> = None;

    let ck2 = c.client(1);
    let p15 = env.params.get(&NEW_BACKUP_THEN_KILL);
    let steps = pin!(async {
        wait_view(&c, 15, "primary never changed", |v| v.primary == s2).await?;
        sleep(Duration::from_millis(200)).await;
        put(&env, &ck2, "a", "111").await?;
        check(&env, &ck2, "a", "111").await?;
        if p15 {
            c.start(2);
            wait_view(&c, 15, "new backup never joined", |v| {
                v.primary == s2 && v.backup == s3
            })
            .await?;
            sleep(2 * SECOND).await;
            put(&env, &ck2, "a", "2").await?;
            check(&env, &ck2, "a", "2").await?;
            c.kill(1);
        }
        sleep(env.params.get(&WAIT)).await;
        Ok::<(), Failure>(())
    });
    let mut steps = steps;
    loop {
        tokio::select! {
            biased;
            value = &mut late, if answered.is_none() => answered = Some(value),
            result = &mut steps => { result?; break; }
        }
    }

    let now = if p15 { "2" } else { "111" };
    if write {
        // The writes must have completed, once, and be seen.
        ensure!(
            answered.is_some(),
            "the Put and Append sent to the cut-off primary {s1} did not complete within {:?} of the new primary taking over",
            env.params.get(&WAIT)
        );
        check(&env, &ck2, "late-put", "p").await?;
        check(&env, &ck2, "late-append", "q").await?;
    } else if answered.as_deref() == Some("1") {
        if p15 {
            fail!(
                "partitioned primary replied to a Get with a stale value: {s1} answered a=\"1\" after a became \"111\" and then \"2\" (its backup {s2} had taken over and died)"
            );
        }
        fail!(
            "Get to old primary succeeded and produced stale value: {s1}, cut off from the view service, answered a=\"1\" after a became \"111\" at the new primary {s2}"
        );
    }
    check(&env, &ck2, "a", now).await?;
    finish(&env, &c)
}

/// The late operation: a Get of a, or a Put and an Append of their own
/// keys (what they return does not matter: the history check and the reads
/// after decide).
async fn late_operation<C: PbClerk>(ck: &Client<C>, write: bool) -> String {
    if write {
        ck.put("late-put", "p").await;
        ck.append("late-append", "q").await;
        String::new()
    } else {
        ck.get("a").await
    }
}

/// An Append reaches the primary, is forwarded and applied, and its answer
/// is lost as the primary dies; the clerk retries at the backup, which has
/// become primary: it must know the Append was done. Twice: the second
/// time the backup got the duplicate table by state transfer, having
/// joined after the first failover.
pub async fn dup_across_failover<V: ViewService, S: PbServer, C: PbClerk>(
    env: TestEnv,
) -> Result<(), Failure> {
    let c = pb_cluster::<V, S, C>(&env, 3);
    for i in 0..3 {
        c.start(i);
        sleep(SECOND).await;
    }
    wait_view(&c, 15, "no view with a primary and a backup", full).await?;
    let ck = c.client(0);
    append(&env, &ck, "k", "a").await?;
    for value in ["b", "c"] {
        let view = c.view();
        let primary = c.number(&view.primary).expect("the primary is a server");
        let held = env
            .world
            .net()
            .hold(Hold::replies().from(ck.host()).to(&view.primary).first(1));
        let mut retried = pin!(append(&env, &ck, "k", value));
        tokio::select! {
            biased;
            result = &mut retried => {
                result?;
                fail!(
                    "Append(\"k\", {value:?}) completed although the answer of the primary {} was held",
                    view.primary
                );
            }
            () = held.wait_caught(1) => {}
        }
        // The answer is on its way back; the primary dies before it lands.
        c.kill(primary);
        held.discard();
        retried.await?;
        c.start(primary);
        wait_view(
            &c,
            15,
            "no view with a primary and a backup after the failover",
            |v| full(v) && v.num > view.num,
        )
        .await?;
        sleep(SECOND).await;
    }
    check(&env, &ck, "k", "abc").await?;
    finish(&env, &c)
}
