//! The classic pbservice tests with concurrent clients: the same key from
//! several clerks (P9–P11) and repeated failures and restarts (P12–P13),
//! each ending with the linearizability check of every operation.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::time::Duration;

use futures::future::join_all;
use rand::Rng;
use tokio::time::{sleep, timeout};

use super::common::*;
use crate::labs::pb::{PbClerk, PbServer, ViewService};
use crate::sim::Failure;
use crate::suite::{Param, TestEnv};
use crate::{ensure, fail};

/// Whether the clients Append (P10) rather than Put (P9, P11).
pub const APPEND: Param<bool> = Param::flag(
    "append",
    false,
    "the clients Append to one key (P10) instead of Putting to two",
);
/// P10: each client's number of Appends.
pub const APPENDS_PER_CLIENT: Param<usize> = Param::count(
    "appends_per_client",
    50,
    1,
    10_000,
    "how many Appends each client makes (with append)",
);
/// P11: whether one clerk first Puts both keys.
pub const PREFILL: Param<bool> = Param::flag(
    "prefill",
    false,
    "one clerk Puts both keys before the clients start",
);
/// Whether the test waits for the clients' last operations (P11) or
/// abandons them when the time is up (P9).
pub const JOIN_CLIENTS: Param<bool> = Param::flag(
    "join_clients",
    false,
    "wait for each client's last operation when the time is up",
);
/// P12/P13: the workload: Puts and Gets on each client's own keys, or
/// Appends to one shared key, or a mix of all three on shared keys.
pub const SHARED_APPENDS: Param<bool> = Param::flag(
    "shared_appends",
    false,
    "the clients Append to one shared key (P13) instead of Put/Get on their own keys (P12)",
);
/// P12 variant: Gets, Puts and Appends on a few shared keys.
pub const MIXED: Param<bool> = Param::flag(
    "mixed",
    false,
    "the clients Get, Put and Append on three shared keys (checked for linearizability only)",
);
/// P12/P13: how long a killed server stays down, and up before the next kill.
pub const DOWN: Param<Duration> =
    Param::millis("down", 1000, "how long a killed server stays down");
/// P12/P13: how long after a restart the next kill comes.
pub const UP: Param<Duration> =
    Param::millis("up", 1000, "how long after a restart the next kill comes");
/// P12/P13: a client's pause between operations.
pub const CLIENT_PAUSE: Param<Duration> =
    Param::millis("client_pause", 10, "a client's pause between operations");

const SECOND: Duration = Duration::from_secs(1);

/// P9–P11: clients on the same key(s) for a while, then the values read
/// from the primary must survive its failure.
pub async fn concurrent_same<V: ViewService, S: PbServer, C: PbClerk>(
    env: TestEnv,
) -> Result<(), Failure> {
    let c = pb_cluster::<V, S, C>(&env, 2);
    let unreliable = env.params.get(&UNRELIABLE);
    for i in 0..2 {
        c.set_unreliable(i, unreliable, env.params.get(&UNRELIABLE_AFTER_RESTART));
        c.start(i);
    }
    wait_view(&c, 10, "no view with a primary and a backup", full).await?;
    sleep(Duration::from_millis(500)).await;
    let view1 = c.view();
    let clients = env.params.get(&CLIENTS);

    let keys: Vec<&str> = if env.params.get(&APPEND) {
        let per_client = env.params.get(&APPENDS_PER_CLIENT);
        let clerks: Vec<_> = (0..clients).map(|i| c.client(i)).collect();
        let runs = clerks.iter().enumerate().map(|(i, ck)| {
            let env = &env;
            async move {
                for n in 0..per_client {
                    append(env, ck, "k", &format!("x {i} {n} y")).await?;
                }
                Ok::<(), Failure>(())
            }
        });
        let (observer, done) = (c.client(clients + 2), Cell::new(false));
        let writers = async {
            let results = join_all(runs).await;
            done.set(true);
            results.into_iter().collect::<Result<(), _>>()
        };
        let (written, observed) = tokio::join!(writers, observe(&env, &observer, "k", &done));
        written?;
        observed?;
        vec!["k"]
    } else {
        if env.params.get(&PREFILL) {
            let ck = c.client(clients);
            put(&env, &ck, "0", "x").await?;
            put(&env, &ck, "1", "x").await?;
        }
        let clerks: Vec<_> = (0..clients).map(|i| c.client(i)).collect();
        let duration = env.params.get(&DURATION);
        let deadline = env.world.now() + duration;
        let runs = clerks.iter().map(|ck| {
            let env = &env;
            async move {
                while env.world.now() < deadline {
                    let r: u32 = env.world.rng().random();
                    put(env, ck, &(r % 2).to_string(), &r.to_string()).await?;
                }
                Ok::<(), Failure>(())
            }
        });
        if env.params.get(&JOIN_CLIENTS) {
            join_all(runs)
                .await
                .into_iter()
                .collect::<Result<(), _>>()?;
        } else {
            // The clients are abandoned when the time is up, mid-operation.
            if let Ok(results) = timeout(duration, join_all(runs)).await {
                results.into_iter().collect::<Result<(), _>>()?;
            }
            sleep(SECOND).await;
        }
        vec!["0", "1"]
    };

    let ck = c.client(clients + 1);
    let mut from_primary = BTreeMap::new();
    for key in &keys {
        let value = op(&env, &format!("Get({key:?})"), ck.get(key)).await?;
        ensure!(
            !value.is_empty(),
            "Get({key:?}) failed from primary: it has no value after the clients' operations"
        );
        from_primary.insert(*key, value);
    }
    if let [key] = keys[..] {
        let counts = vec![env.params.get(&APPENDS_PER_CLIENT); clients];
        check_appends(&from_primary[key], &counts)?;
    }
    let primary = c
        .number(&view1.primary)
        .expect("the view's primary is a server");
    c.kill(primary);
    wait_view(&c, 10, "wrong Primary: the backup did not take over", |v| {
        v.primary == view1.backup
    })
    .await?;
    for key in &keys {
        let value = op(&env, &format!("Get({key:?})"), ck.get(key)).await?;
        ensure!(
            value == from_primary[key],
            "Get({key:?}) from backup; wanted {:?} (what the primary had), got {value:?}",
            from_primary[key]
        );
    }
    finish(&env, &c)
}

/// P12–P13: a killer kills and restarts a random server every few seconds
/// while two clients run; then a fresh clerk must still Put and Get.
pub async fn repeated_crash<V: ViewService, S: PbServer, C: PbClerk>(
    env: TestEnv,
) -> Result<(), Failure> {
    let n = env.params.get(&SERVERS);
    let c = pb_cluster::<V, S, C>(&env, n);
    let unreliable = env.params.get(&UNRELIABLE);
    for i in 0..n {
        c.set_unreliable(i, unreliable, env.params.get(&UNRELIABLE_AFTER_RESTART));
        c.start(i);
    }
    wait_view(&c, 5, "no view with a primary and a backup", full).await?;
    sleep(Duration::from_millis(500)).await;

    let duration = env.params.get(&DURATION);
    let deadline = env.world.now() + duration;
    let done = Cell::new(false);
    let killer = async {
        while !done.get() {
            let i = env.world.rng().random_range(0..n);
            c.kill(i);
            sleep(env.params.get(&DOWN)).await;
            c.start(i);
            sleep(env.params.get(&UP)).await;
        }
    };
    let clients = env.params.get(&CLIENTS);
    let clerks: Vec<_> = (0..clients).map(|i| c.client(i)).collect();
    let pause = env.params.get(&CLIENT_PAUSE);
    let shared = env.params.get(&SHARED_APPENDS);
    let mixed = env.params.get(&MIXED);
    let runs = clerks.iter().enumerate().map(|(i, ck)| {
        let env = &env;
        async move {
            let mut written: BTreeMap<String, String> = BTreeMap::new();
            let mut appends = 0;
            while env.world.now() < deadline {
                if shared {
                    append(env, ck, "0", &format!("x {i} {appends} y")).await?;
                    appends += 1;
                } else if mixed {
                    let (key, pick, r): (u32, u32, u32) = {
                        let mut rng = env.world.rng();
                        (rng.random_range(0..3), rng.random_range(0..3), rng.random())
                    };
                    let key = key.to_string();
                    match pick {
                        0 => drop(op(env, "Get", ck.get(&key)).await?),
                        1 => put(env, ck, &key, &r.to_string()).await?,
                        _ => append(env, ck, &key, &format!("{i}.{r} ")).await?,
                    }
                } else {
                    let r: u32 = env.world.rng().random();
                    let key = (i * 1_000_000 + (r % 10) as usize).to_string();
                    if let Some(want) = written.get(&key) {
                        let got = op(env, &format!("Get({key:?})"), ck.get(&key)).await?;
                        ensure!(
                            got == *want,
                            "key={key} wanted={want} got={got} (client {i}, its own key)"
                        );
                    }
                    let value = env.world.rng().random::<u32>().to_string();
                    put(env, ck, &key, &value).await?;
                    written.insert(key, value);
                }
                sleep(pause).await;
            }
            Ok::<usize, Failure>(appends)
        }
    });
    let clients_done = async {
        let results = join_all(runs).await;
        done.set(true);
        results
    };
    let observer = c.client(clients + 1);
    let observed = async {
        if shared {
            observe(&env, &observer, "0", &done).await
        } else {
            Ok(())
        }
    };
    let (results, (), observed) = tokio::join!(clients_done, killer, observed);
    observed?;
    let counts: Vec<usize> = results.into_iter().collect::<Result<_, _>>()?;

    let ck = c.client(clients);
    if shared {
        let value = op(&env, "Get(\"0\")", ck.get("0")).await?;
        check_appends(&value, &counts)?;
    }
    put(&env, &ck, "aaa", "bbb").await?;
    let got = op(&env, "Get(\"aaa\")", ck.get("aaa")).await?;
    if got != "bbb" {
        fail!("final Put/Get failed: Get(\"aaa\") -> {got:?} after Put(\"aaa\", \"bbb\")");
    }
    finish(&env, &c)
}
