//! The hardest of the classic lab tests, re-enacted with this crate's small
//! harness and run on many seeds: the fast log backup, Figure 8 (with
//! crashes, and unreliable with long reordering), churn, and snapshots
//! installed across disconnections and crashes. Each run must also finish
//! within the classic 120 s of (virtual) time.
//!
//! `RAFT_SEEDS=n` runs each scenario on `n` seeds (default 8).

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{Cluster, ELECTION_TIMEOUT, SNAPSHOT_INTERVAL, cmd};
use framework::sim::{Failure, RunSettings, World, run};
use framework::{ensure, fail};
use rand::Rng;
use tokio::time::{Duration, sleep};

/// Runs `scenario` on every seed and panics with the first failure.
fn on_every_seed<F, Fut>(scenario: F)
where
    F: Fn(World) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let seeds: u64 = std::env::var("RAFT_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    for seed in 1..=seeds {
        let outcome = run(&RunSettings::new(seed), &scenario);
        if let Err(failure) = outcome.result {
            panic!("seed {seed}: {failure}");
        }
    }
}

/// A random millisecond duration below `below_ms`.
fn random_ms(world: &World, below_ms: u64) -> Duration {
    Duration::from_millis(world.rng().random_range(0..below_ms))
}

fn random_cmd(world: &World) -> Vec<u8> {
    cmd(world.rng().random_range(0..1_000_000))
}

#[test]
fn backup_skips_quickly_over_long_wrong_logs() {
    on_every_seed(|world| async move {
        let mut c = Cluster::new(&world, 5, false, false);
        c.one(random_cmd(&world), 5, false).await?;

        // A leader and one follower, cut off, pile up entries that will
        // never commit.
        let leader1 = c.check_one_leader().await?;
        for k in 2..5 {
            c.disconnect((leader1 + k) % 5);
        }
        for _ in 0..50 {
            c.start_command(leader1, random_cmd(&world));
        }
        sleep(ELECTION_TIMEOUT / 2).await;
        c.disconnect(leader1);
        c.disconnect((leader1 + 1) % 5);

        // The other three make progress.
        for k in 2..5 {
            c.connect((leader1 + k) % 5);
        }
        for _ in 0..50 {
            c.one(random_cmd(&world), 3, true).await?;
        }

        // Their leader and one follower pile up more doomed entries.
        let leader2 = c.check_one_leader().await?;
        let mut other = (leader1 + 2) % 5;
        if leader2 == other {
            other = (leader2 + 1) % 5;
        }
        c.disconnect(other);
        for _ in 0..50 {
            c.start_command(leader2, random_cmd(&world));
        }
        sleep(ELECTION_TIMEOUT / 2).await;

        // The first pair comes back with `other`: their long wrong logs
        // must be backed over within one() budgets.
        for i in 0..5 {
            c.disconnect(i);
        }
        c.connect(leader1);
        c.connect((leader1 + 1) % 5);
        c.connect(other);
        for _ in 0..50 {
            c.one(random_cmd(&world), 3, true).await?;
        }
        for i in 0..5 {
            c.connect(i);
        }
        c.one(random_cmd(&world), 5, true).await?;
        Ok(())
    });
}

#[test]
fn figure_8_with_crashes() {
    on_every_seed(|world| async move {
        let mut c = Cluster::new(&world, 5, false, false);
        let mut rng = world.rng();
        c.one(random_cmd(&world), 1, true).await?;
        let mut up = 5;
        for _ in 0..1000 {
            let mut leader = None;
            for i in 0..5 {
                if c.start_command(i, random_cmd(&world)).is_some() {
                    leader = Some(i);
                }
            }
            if rng.random_range(0..1000) < 100 {
                sleep(random_ms(&world, 500)).await;
            } else {
                sleep(random_ms(&world, 13)).await;
            }
            if let Some(leader) = leader {
                c.crash(leader);
                up -= 1;
            }
            if up < 3 {
                let s = rng.random_range(0..5);
                if !c.is_up(s) {
                    c.start(s);
                    c.connect(s);
                    up += 1;
                }
            }
        }
        for i in 0..5 {
            if !c.is_up(i) {
                c.start(i);
                c.connect(i);
            }
        }
        c.one(random_cmd(&world), 5, true).await?;
        Ok(())
    });
}

#[test]
fn figure_8_unreliable_with_long_reordering() {
    on_every_seed(|world| async move {
        let mut c = Cluster::new(&world, 5, true, false);
        let mut rng = world.rng();
        c.one(random_cmd(&world), 1, true).await?;
        let mut up = 5;
        for round in 0..1000 {
            if round == 200 {
                c.set_long_reordering(true);
            }
            let mut leader = None;
            for i in 0..5 {
                let started = c.start_command(i, random_cmd(&world)).is_some();
                if started && c.is_connected(i) {
                    leader = Some(i);
                }
            }
            if rng.random_range(0..1000) < 100 {
                sleep(random_ms(&world, 500)).await;
            } else {
                sleep(random_ms(&world, 13)).await;
            }
            if let Some(leader) = leader {
                if rng.random_range(0..1000) < 500 {
                    c.disconnect(leader);
                    up -= 1;
                }
            }
            if up < 3 {
                let s = rng.random_range(0..5);
                if !c.is_connected(s) {
                    c.connect(s);
                    up += 1;
                }
            }
        }
        for i in 0..5 {
            c.connect(i);
        }
        c.one(random_cmd(&world), 5, true).await?;
        Ok(())
    });
}

/// Churn: clients start commands on every peer while peers are cut off,
/// crashed and restarted at random; every value a client saw committed
/// must be in the final log.
async fn churn(world: World, unreliable: bool) -> Result<(), Failure> {
    let cluster = Rc::new(RefCell::new(Cluster::new(&world, 5, unreliable, false)));
    let stop = Rc::new(RefCell::new(false));

    let client = |me: u64| {
        let (cluster, stop, world) = (cluster.clone(), stop.clone(), world.clone());
        async move {
            let mut seen = Vec::new();
            while !*stop.borrow() {
                let x = random_cmd(&world);
                let mut index = None;
                for i in 0..5 {
                    if let Some((at, _)) = cluster.borrow().start_command(i, x.clone()) {
                        index = Some(at);
                    }
                }
                let Some(index) = index else {
                    sleep(Duration::from_millis(79 + me * 17)).await;
                    continue;
                };
                for pause in [10, 20, 50, 100, 200] {
                    let (count, value) = cluster.borrow().n_committed(index)?;
                    if count > 0 {
                        if value.as_ref() == Some(&x) {
                            seen.push(x.clone());
                        }
                        break;
                    }
                    sleep(Duration::from_millis(pause)).await;
                }
            }
            Ok::<_, Failure>(seen)
        }
    };

    let chaos = async {
        let mut rng = world.rng();
        for _ in 0..20 {
            {
                let mut c = cluster.borrow_mut();
                if rng.random_range(0..1000) < 200 {
                    c.disconnect(rng.random_range(0..5));
                }
                if rng.random_range(0..1000) < 500 {
                    let i = rng.random_range(0..5);
                    if !c.is_up(i) {
                        c.start(i);
                    }
                    c.connect(i);
                }
                if rng.random_range(0..1000) < 200 {
                    let i = rng.random_range(0..5);
                    if c.is_up(i) {
                        c.crash(i);
                    }
                }
            }
            sleep(ELECTION_TIMEOUT * 7 / 10).await;
        }
        sleep(ELECTION_TIMEOUT).await;
        let mut c = cluster.borrow_mut();
        c.set_unreliable(false);
        for i in 0..5 {
            if !c.is_up(i) {
                c.start(i);
            }
            c.connect(i);
        }
        *stop.borrow_mut() = true;
    };

    let (seen1, seen2, seen3, ()) = tokio::join!(client(0), client(1), client(2), chaos);
    let seen = [seen1?, seen2?, seen3?].concat();
    sleep(ELECTION_TIMEOUT).await;

    let c = Rc::into_inner(cluster)
        .expect("the clients are done")
        .into_inner();
    let last = c.one(random_cmd(&world), 5, true).await?;
    let mut committed = Vec::new();
    for index in 1..=last {
        match c.wait(index, 5, None).await? {
            Some(value) => committed.push(value),
            None => fail!("index {index} was not committed"),
        }
    }
    for value in &seen {
        ensure!(committed.contains(value), "didn't find a value: {value:?}");
    }
    ensure!(!seen.is_empty(), "the clients saw nothing committed");
    Ok(())
}

#[test]
fn reliable_churn() {
    on_every_seed(|world| churn(world, false));
}

#[test]
fn unreliable_churn() {
    on_every_seed(|world| churn(world, true));
}

/// How a snapshot scenario hurts the victim each round.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    Disconnect,
    Crash,
}

/// The classic snapshot scenario: 30 rounds in which the leader (or, every
/// third round, a follower) is fed a batch of commands while a victim is
/// cut off or crashed, and must then catch up, mostly by InstallSnapshot.
async fn snapshot_rounds(world: World, fault: Fault, unreliable: bool) -> Result<(), Failure> {
    let n = 3;
    let mut c = Cluster::new(&world, n, unreliable, true);
    let mut rng = world.rng();
    c.one(random_cmd(&world), n, true).await?;
    let mut leader = c.check_one_leader().await?;
    for round in 0..30 {
        let (mut victim, mut sender) = ((leader + 1) % n, leader);
        if round % 3 == 1 {
            (victim, sender) = (leader, (leader + 1) % n);
        }
        match fault {
            Fault::None => {}
            Fault::Disconnect => c.disconnect(victim),
            Fault::Crash => c.crash(victim),
        }
        if fault != Fault::None {
            c.one(random_cmd(&world), n - 1, true).await?;
        }
        let batch = SNAPSHOT_INTERVAL / 2 + rng.random_range(0..SNAPSHOT_INTERVAL);
        for _ in 0..batch {
            c.start_command(sender, random_cmd(&world));
        }
        let expected = if fault == Fault::None { n } else { n - 1 };
        c.one(random_cmd(&world), expected, true).await?;
        let size = c.max_raft_state_size();
        ensure!(size < 2000, "Raft state size {size} is too large");
        match fault {
            Fault::None => continue,
            Fault::Disconnect => c.connect(victim),
            Fault::Crash => {
                c.start(victim);
                c.connect(victim);
            }
        }
        c.one(random_cmd(&world), n, true).await?;
        leader = c.check_one_leader().await?;
    }
    Ok(())
}

#[test]
fn snapshot_basic() {
    on_every_seed(|world| snapshot_rounds(world, Fault::None, false));
}

#[test]
fn snapshot_install_unreliable() {
    on_every_seed(|world| snapshot_rounds(world, Fault::Disconnect, true));
}

#[test]
fn snapshot_install_crash() {
    on_every_seed(|world| snapshot_rounds(world, Fault::Crash, false));
}

#[test]
fn snapshot_install_unreliable_crash() {
    on_every_seed(|world| snapshot_rounds(world, Fault::Crash, true));
}

#[test]
fn snapshot_all_crash_unreliable() {
    on_every_seed(|world| async move {
        let n = 3;
        let mut c = Cluster::new(&world, n, true, true);
        let mut rng = world.rng();
        c.one(random_cmd(&world), n, true).await?;
        for _ in 0..5 {
            for _ in 0..SNAPSHOT_INTERVAL / 2 + rng.random_range(0..SNAPSHOT_INTERVAL) {
                c.one(random_cmd(&world), n, true).await?;
            }
            let before = c.one(random_cmd(&world), n, true).await?;
            for i in 0..n {
                c.crash(i);
            }
            for i in 0..n {
                c.start(i);
                c.connect(i);
            }
            let after = c.one(random_cmd(&world), n, true).await?;
            ensure!(after > before, "index decreased from {before} to {after}");
        }
        Ok(())
    });
}
