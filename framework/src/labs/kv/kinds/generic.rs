//! The classic generic test: rounds of concurrent clients, with optional
//! unreliable network, random partitions and crashes of every server,
//! then per-client append checks, log-size bounds and a linearizability
//! check of everything clients saw.

use std::cell::Cell;
use std::time::Duration;

use futures::future::join_all;
use rand::Rng;
use tokio::time::sleep;

use super::common::*;
use crate::labs::kv::{Client, KvClerk, KvCluster, KvServer};
use crate::sim::Failure;
use crate::suite::TestEnv;
use crate::{ensure, fail};

/// See the module documentation; every behaviour is a parameter.
pub async fn generic<S: KvServer, C: KvClerk>(env: TestEnv) -> Result<(), Failure> {
    let p = &env.params;
    let (nclients, random_keys) = (p.get(&CLIENTS), p.get(&RANDOM_KEYS));
    let (crash, partitions) = (p.get(&CRASH), p.get(&PARTITIONS));
    let et = p.get(&ELECTION_TIMEOUT);
    let c = cluster::<S, C>(&env, p.get(&UNRELIABLE));
    // The test's own client reads the final values; its id follows the
    // clients'.
    let admin = c.make_client(nclients, &c.all());

    for _ in 0..p.get(&ROUNDS) {
        let done = Cell::new(false);
        let clients =
            join_all((0..nclients).map(|id| run_client(&c, id, nclients, random_keys, &done)));
        // The round: clients run until its end, the partitioner (if any)
        // with them. Then the network heals and, with `crash`, every server
        // crashes while clients may still be mid-operation: their
        // operations must complete after the restart, and what the round
        // wrote must survive it.
        let faults = async {
            let round = async {
                sleep(p.get(&ROUND_LENGTH)).await;
                done.set(true);
            };
            let partitioner = async {
                if partitions {
                    partition_until(&c, &done, et).await;
                }
            };
            tokio::join!(round, partitioner);
            if partitions {
                // Let operations stuck in a minority finish in a new term.
                c.heal();
                sleep(et).await;
            }
            if crash {
                for i in 0..c.n() {
                    c.crash(i);
                }
                sleep(et).await;
                c.restart_all();
            }
        };
        let (appends, ()) = tokio::join!(clients, faults);
        for (id, appended) in appends.into_iter().enumerate() {
            let appended = appended?;
            let value = admin.get(&id.to_string()).await;
            if !random_keys {
                check_appends(id, &value, appended)?;
            }
        }
        check_sizes(&env, &c)?;
    }
    check(&env, &c)
}

/// One client's round: a fresh clerk doing random operations on its key (or
/// random keys), one after another with no pause, until `done`. Returns how
/// many appends it made. Like the classic tester's clients, it needs no
/// pause: every RPC takes time on the emulated wire, so every operation
/// does too, and the clients' operations overlap as on a real network.
async fn run_client<S: KvServer, C: KvClerk>(
    c: &KvCluster<S, C>,
    id: usize,
    nclients: usize,
    random_keys: bool,
    done: &Cell<bool>,
) -> Result<usize, Failure> {
    let client: Client<C> = c.make_client(id, &c.all());
    let mut rng = c.world().rng();
    let mut appended = 0;
    let mut expected = String::new();
    if !random_keys {
        client.put(&id.to_string(), "").await;
    }
    while !done.get() {
        let key = if random_keys {
            rng.random_range(0..nclients).to_string()
        } else {
            id.to_string()
        };
        let value = format!("x {id} {appended} y");
        if rng.random_range(0..1000) < 500 {
            client.append(&key, &value).await;
            if !random_keys {
                expected.push_str(&value);
            }
            appended += 1;
        } else if random_keys && rng.random_range(0..1000) < 100 {
            client.put(&key, &value).await;
            appended += 1;
        } else {
            let got = client.get(&key).await;
            if !random_keys {
                ensure!(
                    got == expected,
                    "client {id}: get({key:?}) returned {got:?}, expected {expected:?}"
                );
            }
        }
    }
    Ok(appended)
}

/// Repartitions the servers at random every election timeout or so, until
/// `done`.
async fn partition_until<S: KvServer, C: KvClerk>(
    c: &KvCluster<S, C>,
    done: &Cell<bool>,
    et: Duration,
) {
    let mut rng = c.world().rng();
    sleep(et).await;
    while !done.get() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 0..c.n() {
            if rng.random_bool(0.5) {
                a.push(i);
            } else {
                b.push(i);
            }
        }
        c.partition(&[&a, &b]);
        sleep(et + Duration::from_millis(rng.random_range(0..200))).await;
    }
}

/// Client `id` appended `x id 0 y` … `x id (n-1) y`: each must be in its
/// key's value exactly once, in order.
pub fn check_appends(id: usize, value: &str, n: usize) -> Result<(), Failure> {
    let mut last = None;
    for j in 0..n {
        let wanted = format!("x {id} {j} y");
        let Some(at) = value.find(&wanted) else {
            fail!("client {id}: append {wanted:?} is missing from the key's value {value:?}");
        };
        ensure!(
            value[at + 1..].find(&wanted).is_none(),
            "client {id}: append {wanted:?} was applied twice in {value:?}"
        );
        if let Some((previous, previous_at)) = last {
            ensure!(
                at > previous_at,
                "client {id}: append {wanted:?} came before {previous:?} in {value:?}"
            );
        }
        last = Some((wanted, at));
    }
    Ok(())
}
