//! The reference key/value service's basics, on clusters built with the
//! framework's harness: operations read back, duplicates of a write apply
//! once, data survives a restart of every server through the snapshot, and
//! a clerk whose caller abandons an operation stays usable.

use framework::labs::kv::KvCluster;
use framework::sim::{Failure, RunSettings, World, run};
use framework::{ensure, fail};
use student::kv::{Clerk, Server};
use tokio::time::{Duration, sleep, timeout};

type Cluster = KvCluster<Server, Clerk>;

/// Runs `test` in a fresh world with this seed and panics with the
/// failure, if any.
fn check<F, Fut>(seed: u64, test: F)
where
    F: FnOnce(World) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    if let Err(failure) = run(&RunSettings::new(seed), test).result {
        panic!("seed {seed}: {failure}");
    }
}

#[test]
fn clerks_read_back_what_they_and_others_wrote() {
    for seed in 1..=3 {
        check(seed, |world| async move {
            let cluster = Cluster::new(&world, 3, false, None);
            let (a, b) = (
                cluster.make_client(0, &cluster.all()),
                cluster.make_client(1, &cluster.all()),
            );
            ensure!(a.get("k").await.is_empty(), "a missing key is not empty");
            a.put("k", "1").await;
            b.append("k", "2").await;
            a.append("other", "x").await;
            let (k, other) = (b.get("k").await, a.get("other").await);
            ensure!(k == "12", "k is {k:?}, expected \"12\"");
            ensure!(other == "x", "other is {other:?}, expected \"x\"");
            Ok(())
        });
    }
}

#[test]
fn appends_through_an_unreliable_network_apply_once() {
    for seed in 1..=3 {
        check(seed, |world| async move {
            let cluster = Cluster::new(&world, 5, true, None);
            let client = cluster.make_client(0, &cluster.all());
            let mut expected = String::new();
            for i in 0..30 {
                let value = format!("[{i}]");
                client.append("k", &value).await;
                expected.push_str(&value);
            }
            // Lost replies made the clerk send appends again; each must
            // still be in the value once.
            let got = client.get("k").await;
            ensure!(got == expected, "k is {got:?}, expected {expected:?}");
            Ok(())
        });
    }
}

#[test]
fn a_restart_of_every_server_keeps_the_data_through_the_snapshot() {
    check(1, |world| async move {
        let cluster = Cluster::new(&world, 3, false, Some(1000));
        let client = cluster.make_client(0, &cluster.all());
        for i in 0..100 {
            client.put(&i.to_string(), &format!("v{i}")).await;
        }
        ensure!(cluster.snapshot_size() > 0, "no server took a snapshot");
        let size = cluster.log_size();
        ensure!(size <= 2000, "a server's Raft state is {size} bytes");
        cluster.restart_all();
        let after = cluster.make_client(1, &cluster.all());
        for i in 0..100 {
            let got = after.get(&i.to_string()).await;
            ensure!(got == format!("v{i}"), "key {i} is {got:?} after restarts");
        }
        Ok(())
    });
}

#[test]
fn a_clerk_stays_usable_after_its_caller_abandons_an_operation() {
    check(1, |world| async move {
        let cluster = Cluster::new(&world, 5, false, None);
        let client = cluster.make_client(0, &cluster.all());
        client.put("k", "a").await;
        // The leader in a minority, the clerk reaching only that minority:
        // the next put cannot complete, and its caller gives up.
        let (majority, minority) = cluster.make_partition();
        cluster.partition(&[&majority, &minority]);
        cluster.connect_client(&client, &minority);
        if timeout(Duration::from_secs(2), client.put("k", "lost"))
            .await
            .is_ok()
        {
            fail!("a put completed in the minority {minority:?}");
        }
        cluster.heal();
        cluster.connect_client(&client, &cluster.all());
        sleep(Duration::from_secs(1)).await;
        client.append("k", "b").await;
        // The abandoned put may have been applied (before the append) or
        // not at all, but never after the append.
        let got = client.get("k").await;
        ensure!(
            got == "ab" || got == "lostb",
            "k is {got:?}, expected \"ab\" or \"lostb\""
        );
        Ok(())
    });
}
