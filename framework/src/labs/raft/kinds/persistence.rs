//! 3C: persistence, Figure 8, unreliable agreement and churn.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use rand::Rng;
use tokio::time::sleep;

use super::common::{ROUNDS, UNRELIABLE, cluster, cmd, random_cmd};
use crate::labs::raft::applied::Shown;
use crate::labs::raft::{ApplyMode, Raft};
use crate::sim::Failure;
use crate::suite::TestEnv;
use crate::{ensure, fail};

/// Restarts of all peers, of the leader, and of followers keep what was
/// committed.
pub async fn persist1<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let n = c.n();
    c.one(cmd(11), n, true).await?;
    // Crash and restart all.
    for i in 0..n {
        c.start(i);
    }
    for i in 0..n {
        c.disconnect(i);
        c.connect(i);
    }
    c.one(cmd(12), n, true).await?;
    let leader1 = c.check_one_leader().await?;
    c.disconnect(leader1);
    c.start(leader1);
    c.connect(leader1);
    c.one(cmd(13), n, true).await?;
    let leader2 = c.check_one_leader().await?;
    c.disconnect(leader2);
    c.one(cmd(14), n - 1, true).await?;
    c.start(leader2);
    c.connect(leader2);
    // Wait for leader2 to join before killing the next one.
    c.wait(4, n, None).await?;
    let i3 = (c.check_one_leader().await? + 1) % n;
    c.disconnect(i3);
    c.one(cmd(15), n - 1, true).await?;
    c.start(i3);
    c.connect(i3);
    c.one(cmd(16), n, true).await?;
    Ok(())
}

/// Rounds in which majorities crash and restart: commits need the logs the
/// restarted peers kept.
pub async fn persist2<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    let mut index = 1;
    let mut next = || {
        index += 1;
        cmd(10 + index - 1)
    };
    for _ in 0..5 {
        c.one(next(), n, true).await?;
        let leader1 = c.check_one_leader().await?;
        let at = |k| (leader1 + k) % n;
        c.disconnect(at(1));
        c.disconnect(at(2));
        c.one(next(), n - 2, true).await?;
        c.disconnect(at(0));
        c.disconnect(at(3));
        c.disconnect(at(4));
        c.start(at(1));
        c.start(at(2));
        c.connect(at(1));
        c.connect(at(2));
        sleep(et).await;
        c.start(at(3));
        c.connect(at(3));
        c.one(next(), n - 2, true).await?;
        c.connect(at(4));
        c.connect(at(0));
    }
    c.one(cmd(1000), n, true).await?;
    Ok(())
}

/// A partitioned leader and a follower crash; the lagging peer and the
/// restarted ones must still agree.
pub async fn persist3<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let n = c.n();
    c.one(cmd(101), n, true).await?;
    let leader = c.check_one_leader().await?;
    let at = |k| (leader + k) % n;
    c.disconnect(at(2));
    c.one(cmd(102), 2, true).await?;
    c.crash(at(0));
    c.crash(at(1));
    c.connect(at(2));
    c.start(at(0));
    c.connect(at(0));
    c.one(cmd(103), 2, true).await?;
    c.start(at(1));
    c.connect(at(1));
    c.one(cmd(104), n, true).await?;
    Ok(())
}

/// A random pause: usually under 13 ms, one time in ten up to half an
/// election timeout.
fn pause(rng: &mut impl Rng, et: Duration) -> Duration {
    if rng.random_range(0..1000) < 100 {
        Duration::from_millis(rng.random_range(0..et.as_millis() as u64 / 2))
    } else {
        Duration::from_millis(rng.random_range(0..13))
    }
}

/// Figure 8 of the Raft paper: leaders crash right after taking commands,
/// so entries of earlier terms must not be committed by counting replicas.
pub async fn figure8<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    let mut rng = env.world.rng();
    c.one(random_cmd(&mut rng), 1, true).await?;
    let mut up = n;
    for _ in 0..env.params.get(&ROUNDS) {
        let mut leader = None;
        for i in 0..n {
            if let Some(raft) = c.raft(i) {
                if raft.start(random_cmd(&mut rng)).is_some() {
                    leader = Some(i);
                }
            }
        }
        c.watch(pause(&mut rng, et)).await?;
        if let Some(leader) = leader {
            c.crash(leader);
            up -= 1;
        }
        if up < 3 {
            let s = rng.random_range(0..n);
            if !c.is_up(s) {
                c.start(s);
                c.connect(s);
                up += 1;
            }
        }
    }
    for i in 0..n {
        if !c.is_up(i) {
            c.start(i);
            c.connect(i);
        }
    }
    c.one(random_cmd(&mut rng), n, true).await?;
    Ok(())
}

/// Runs `main` while also driving the futures in `background`, failing as
/// soon as either fails.
async fn drive<B>(
    main: impl Future<Output = Result<u64, Failure>>,
    background: &mut FuturesUnordered<B>,
) -> Result<(), Failure>
where
    B: Future<Output = Result<u64, Failure>>,
{
    tokio::pin!(main);
    loop {
        tokio::select! {
            biased;
            done = &mut main => return done.map(|_| ()),
            Some(done) = background.next() => { done?; }
        }
    }
}

/// Rounds of five concurrent agreements on an unreliable network.
pub async fn unreliable_agree<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, true, ApplyMode::Plain);
    let n = c.n() as u64;
    let mut background = FuturesUnordered::new();
    for iter in 1..=env.params.get(&ROUNDS) as u64 {
        for j in 0..4 {
            background.push(c.one(cmd(100 * iter + j), 1, true));
        }
        drive(c.one(cmd(iter), 1, true), &mut background).await?;
    }
    c.set_unreliable(false);
    while let Some(done) = background.next().await {
        done?;
    }
    c.one(cmd(100), n as usize, true).await?;
    Ok(())
}

/// Figure 8 on an unreliable network, with disconnections instead of
/// crashes and, from round 200, long reordering of replies.
pub async fn figure8_unreliable<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, true, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    let mut rng = env.world.rng();
    c.one(cmd(rng.random_range(0..10_000)), 1, true).await?;
    let mut up = n;
    for round in 0..env.params.get(&ROUNDS) {
        if round == 200 {
            c.set_long_reordering(true);
        }
        let mut leader = None;
        for i in 0..n {
            let command = cmd(rng.random_range(0..10_000));
            if let Some(raft) = c.raft(i) {
                if raft.start(command).is_some() && c.is_connected(i) {
                    leader = Some(i);
                }
            }
        }
        c.watch(pause(&mut rng, et)).await?;
        if let Some(leader) = leader {
            if rng.random_range(0..1000) < et.as_millis() / 2 {
                c.disconnect(leader);
                up -= 1;
            }
        }
        if up < 3 {
            let s = rng.random_range(0..n);
            if !c.is_connected(s) {
                c.connect(s);
                up += 1;
            }
        }
    }
    for i in 0..n {
        if !c.is_connected(i) {
            c.connect(i);
        }
    }
    c.one(cmd(rng.random_range(0..10_000)), n, true).await?;
    Ok(())
}

/// Clients commit commands while peers are cut off, crash and restart at
/// random; every command a client saw committed must be in the final log.
///
/// The churn goes on past its rounds, up to three times as many, until
/// some client has seen a command of its own committed: the draws can
/// leave no majority connected for a whole run of rounds (on one seed in
/// a few hundred), and a test that saw nothing committed would check
/// nothing.
pub async fn churn<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let unreliable = env.params.get(&UNRELIABLE);
    let c = cluster::<R>(&env, unreliable, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    let stop = Cell::new(false);
    let committed = Cell::new(0usize);
    let rounds = env.params.get(&ROUNDS);

    let client = |me: u64| {
        let (c, stop, committed) = (&c, &stop, &committed);
        let mut rng = env.world.rng();
        async move {
            let mut seen = Vec::new();
            while !stop.get() {
                let x = random_cmd(&mut rng);
                let mut index = None;
                for i in 0..n {
                    if let Some((idx, _)) = c.raft(i).and_then(|r| r.start(x.clone())) {
                        index = Some(idx);
                    }
                }
                let Some(index) = index else {
                    // Spread the clients out while there is no leader.
                    sleep(Duration::from_millis(79 + me * 17)).await;
                    continue;
                };
                // Poll, backing off, for whatever committed at the index.
                for ms in [10, 20, 50, 100, 200] {
                    let (count, command) = c.n_committed(index)?;
                    if count > 0 {
                        if command.as_deref() == Some(&x[..]) {
                            seen.push(x);
                            committed.set(committed.get() + 1);
                        }
                        break;
                    }
                    sleep(Duration::from_millis(ms)).await;
                }
            }
            Ok::<_, Failure>(seen)
        }
    };

    let faults = async {
        let mut rng = env.world.rng();
        let churned = async {
            for round in 0.. {
                if round >= rounds && (committed.get() > 0 || round >= 3 * rounds) {
                    break;
                }
                if rng.random_range(0..1000) < 200 {
                    c.disconnect(rng.random_range(0..n));
                }
                if rng.random_range(0..1000) < 500 {
                    let i = rng.random_range(0..n);
                    if !c.is_up(i) {
                        c.start(i);
                    }
                    c.connect(i);
                }
                if rng.random_range(0..1000) < 200 {
                    let i = rng.random_range(0..n);
                    if c.is_up(i) {
                        c.crash(i);
                    }
                }
                // Longer than one election timeout would let the cluster
                // settle; shorter keeps it churning.
                c.watch(et * 7 / 10).await?;
            }
            c.watch(et).await
        }
        .await;
        c.set_unreliable(false);
        for i in 0..n {
            if !c.is_up(i) {
                c.start(i);
            }
            c.connect(i);
        }
        // The clients stop either way: on a failure too, or they would
        // run on until the time limit.
        stop.set(true);
        churned
    };

    let (seen0, seen1, seen2, faulted) = tokio::join!(client(0), client(1), client(2), faults);
    faulted?;
    let seen: Vec<Vec<u8>> = [seen0?, seen1?, seen2?].concat();
    ensure!(
        !seen.is_empty(),
        "no client saw any of its commands committed during {} rounds of churn",
        3 * rounds
    );
    sleep(et).await;
    let mut rng = env.world.rng();
    let last = c.one(random_cmd(&mut rng), n, true).await?;
    let mut really = Vec::new();
    for index in 1..=last {
        match c.wait(index, n, None).await? {
            Some(command) => really.push(command),
            None => fail!("index {index} was not committed"),
        }
    }
    for x in &seen {
        ensure!(
            really.contains(x),
            "command {} was committed (a client saw it applied) but is missing from the final log of {last} entries",
            Shown(x)
        );
    }
    Ok(())
}
