//! 3B: log agreement.

use rand::Rng;
use rand::distr::Alphanumeric;
use tokio::time::sleep;

use super::common::{cluster, cmd, random_cmd};
use crate::labs::raft::applied::Shown;
use crate::labs::raft::{ApplyMode, Cluster, Raft};
use crate::sim::Failure;
use crate::suite::TestEnv;
use crate::{ensure, fail};

/// Nothing is committed before a command is started; then commands commit
/// at indices 1, 2, 3 on every peer.
pub async fn basic_agree<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let n = c.n();
    for index in 1..=3 {
        let (count, _) = c.n_committed(index)?;
        ensure!(
            count == 0,
            "{count} servers committed index {index} before start()"
        );
        let got = c.one(cmd(index * 100), n, false).await?;
        ensure!(
            got == index,
            "one() put the command at index {got}, expected {index}"
        );
    }
    Ok(())
}

/// Ten 5,000-byte commands: the bytes sent must show each entry going to
/// each follower about once.
pub async fn rpc_bytes<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let n = c.n() as u64;
    let mut rng = env.world.rng();
    c.one(cmd(99), c.n(), false).await?;
    let before = c.bytes_total();
    let mut sent = 0;
    for index in 2..12 {
        let command: Vec<u8> = (&mut rng).sample_iter(Alphanumeric).take(5000).collect();
        sent += command.len() as u64;
        let got = c.one(command, c.n(), false).await?;
        ensure!(
            got == index,
            "one() put the command at index {got}, expected {index}"
        );
    }
    let got = c.bytes_total() - before;
    let expected = n * sent;
    ensure!(
        got <= expected + 50_000,
        "too many RPC bytes: {got} sent for {sent} bytes of commands to {n} servers; at most {} allowed",
        expected + 50_000
    );
    Ok(())
}

/// Progress with one follower gone; none once both are gone.
pub async fn follower_failure<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    c.one(cmd(101), n, false).await?;
    let leader1 = c.check_one_leader().await?;
    c.disconnect((leader1 + 1) % n);
    // The leader and the remaining follower should agree.
    c.one(cmd(102), n - 1, false).await?;
    sleep(et).await;
    c.one(cmd(103), n - 1, false).await?;
    let leader2 = c.check_one_leader().await?;
    c.disconnect((leader2 + 1) % n);
    c.disconnect((leader2 + 2) % n);
    let index = start_on(&c, leader2, &cmd(104))?;
    ensure!(
        index == 4,
        "the leader put the command at index {index}, expected 4"
    );
    sleep(2 * et).await;
    no_commit(&c, index)
}

/// Progress after the leader fails; none once the next leader fails too.
pub async fn leader_failure<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    c.one(cmd(101), n, false).await?;
    let leader1 = c.check_one_leader().await?;
    c.disconnect(leader1);
    // The remaining followers should elect a new leader.
    c.one(cmd(102), n - 1, false).await?;
    sleep(et).await;
    c.one(cmd(103), n - 1, false).await?;
    let leader2 = c.check_one_leader().await?;
    c.disconnect(leader2);
    for i in 0..n {
        if let Some(raft) = c.raft(i) {
            raft.start(cmd(104));
        }
    }
    sleep(2 * et).await;
    no_commit(&c, 4)
}

/// Agreement while a follower is cut off; it catches up when it returns.
pub async fn fail_agree<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    c.one(cmd(101), n, false).await?;
    let leader = c.check_one_leader().await?;
    c.disconnect((leader + 1) % n);
    // The leader and the remaining followers should still agree.
    c.one(cmd(102), n - 1, false).await?;
    c.one(cmd(103), n - 1, false).await?;
    sleep(et).await;
    c.one(cmd(104), n - 1, false).await?;
    c.one(cmd(105), n - 1, false).await?;
    c.connect((leader + 1) % n);
    // The full set of servers should preserve previous agreements and agree
    // on new commands.
    c.one(cmd(106), n, true).await?;
    sleep(et).await;
    c.one(cmd(107), n, true).await?;
    Ok(())
}

/// With three of five followers cut off the leader takes a command but
/// must not commit it; after they return, agreement resumes.
pub async fn fail_no_agree<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    c.one(cmd(10), n, false).await?;
    let leader = c.check_one_leader().await?;
    for k in 1..=3 {
        c.disconnect((leader + k) % n);
    }
    let index = start_on(&c, leader, &cmd(20))?;
    ensure!(
        index == 2,
        "the leader put the command at index {index}, expected 2"
    );
    sleep(2 * et).await;
    no_commit(&c, index)?;
    for k in 1..=3 {
        c.connect((leader + k) % n);
    }
    // The disconnected majority may have chosen a leader from among
    // themselves, forgetting index 2.
    let leader2 = c.check_one_leader().await?;
    let index2 = start_on(&c, leader2, &cmd(30))?;
    ensure!(
        (2..=3).contains(&index2),
        "the new leader put a command at index {index2}, expected 2 or 3"
    );
    c.one(cmd(1000), n, true).await?;
    Ok(())
}

/// Five commands started at the same moment all commit (retrying if the
/// term changes, up to five times).
pub async fn concurrent_starts<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let n = c.n();
    'attempt: for attempt in 0..5 {
        if attempt > 0 {
            // Give the cluster a chance to settle.
            sleep(std::time::Duration::from_secs(3)).await;
        }
        let leader = c.check_one_leader().await?;
        let Some(raft) = c.raft(leader) else { continue };
        let Some((_, term)) = raft.start(cmd(1)) else {
            continue; // leader moved on quickly
        };
        let mut indices = Vec::new();
        for k in 0..5 {
            match raft.start(cmd(100 + k)) {
                Some((index, t)) if t == term => indices.push(index),
                _ => {}
            }
        }
        for i in 0..n {
            if c.raft(i).is_some_and(|r| r.state().0 != term) {
                continue 'attempt; // the term changed: try again
            }
        }
        let mut committed = Vec::new();
        for index in indices {
            match c.wait(index, n, Some(term)).await? {
                Some(command) => committed.push(command),
                None => continue 'attempt, // peers moved on to later terms
            }
        }
        for k in 0..5 {
            let x = cmd(100 + k);
            if !committed.contains(&x) {
                let shown: Vec<String> = committed.iter().map(|c| Shown(c).to_string()).collect();
                fail!(
                    "command {} missing among the committed ones: {shown:?}",
                    Shown(&x)
                );
            }
        }
        return Ok(());
    }
    fail!("term changed too often: no attempt out of 5 kept one term")
}

/// A leader cut off with uncommitted entries rejoins after a new leader has
/// moved on; its stale entries must be replaced.
pub async fn rejoin<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let n = c.n();
    c.one(cmd(101), n, true).await?;
    let leader1 = c.check_one_leader().await?;
    c.disconnect(leader1);
    // Make the old leader try to agree on some entries.
    if let Some(raft) = c.raft(leader1) {
        for x in [102, 103, 104] {
            raft.start(cmd(x));
        }
    }
    // The new leader commits, also for index 2.
    c.one(cmd(103), 2, true).await?;
    let leader2 = c.check_one_leader().await?;
    c.disconnect(leader2);
    c.connect(leader1);
    c.one(cmd(104), 2, true).await?;
    c.connect(leader2);
    c.one(cmd(105), n, true).await?;
    Ok(())
}

/// Partitions leave leaders with long runs of uncommitted entries; the
/// leader that wins must back up over them quickly (fast backup), within
/// one() budgets.
pub async fn backup<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    let mut rng = env.world.rng();
    c.one(random_cmd(&mut rng), n, true).await?;
    // Put the leader and one follower in a partition.
    let leader1 = c.check_one_leader().await?;
    for k in 2..=4 {
        c.disconnect((leader1 + k) % n);
    }
    // Submit lots of commands that won't commit.
    if let Some(raft) = c.raft(leader1) {
        for _ in 0..50 {
            raft.start(random_cmd(&mut rng));
        }
    }
    sleep(et / 2).await;
    c.disconnect(leader1);
    c.disconnect((leader1 + 1) % n);
    // Allow the other partition to recover.
    for k in 2..=4 {
        c.connect((leader1 + k) % n);
    }
    // Lots of successful commands to the new group.
    for _ in 0..50 {
        c.one(random_cmd(&mut rng), 3, true).await?;
    }
    // Now another partitioned leader and one follower.
    let leader2 = c.check_one_leader().await?;
    let mut other = (leader1 + 2) % n;
    if leader2 == other {
        other = (leader2 + 1) % n;
    }
    c.disconnect(other);
    // Lots more commands that won't commit.
    if let Some(raft) = c.raft(leader2) {
        for _ in 0..50 {
            raft.start(random_cmd(&mut rng));
        }
    }
    sleep(et / 2).await;
    // Bring the original leader back to life.
    for i in 0..n {
        c.disconnect(i);
    }
    c.connect(leader1);
    c.connect((leader1 + 1) % n);
    c.connect(other);
    // Lots of successful commands to the new group.
    for _ in 0..50 {
        c.one(random_cmd(&mut rng), 3, true).await?;
    }
    // Now everyone.
    for i in 0..n {
        c.connect(i);
    }
    c.one(random_cmd(&mut rng), n, true).await?;
    Ok(())
}

/// Few RPCs: to elect the first leader, to commit 12 commands, and while
/// idle for an election timeout.
pub async fn count<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    let mut rng = env.world.rng();
    let rpcs = || (0..n).map(|i| c.rpc_count(i)).sum::<u64>();
    c.check_one_leader().await?;
    let election = rpcs();
    ensure!(
        (1..=30).contains(&election),
        "too many or too few RPCs ({election}) to elect the first leader; expected 1 to 30"
    );

    let iters = 10u64;
    let mut agreed = None;
    'attempt: for attempt in 0..5 {
        if attempt > 0 {
            sleep(std::time::Duration::from_secs(3)).await;
        }
        let leader = c.check_one_leader().await?;
        let before = rpcs();
        let Some(raft) = c.raft(leader) else { continue };
        let Some((first, term)) = raft.start(cmd(1)) else {
            continue; // leader moved on quickly
        };
        let mut commands = Vec::new();
        for i in 1..iters + 2 {
            let x = random_cmd(&mut rng);
            commands.push(x.clone());
            match raft.start(x) {
                Some((index, t)) if t == term => {
                    ensure!(
                        index == first + i,
                        "start() put a command at index {index}, expected {}",
                        first + i
                    )
                }
                _ => continue 'attempt, // no longer leader, or the term changed
            }
        }
        for i in 1..=iters {
            match c.wait(first + i, n, Some(term)).await? {
                None => continue 'attempt,
                Some(got) => ensure!(
                    got == commands[i as usize - 1],
                    "wrong value {} committed for index {}; expected {}",
                    Shown(&got),
                    first + i,
                    Shown(&commands[i as usize - 1])
                ),
            }
        }
        if (0..n).any(|i| c.raft(i).is_some_and(|r| r.state().0 != term)) {
            continue; // a term change makes the count meaningless
        }
        agreed = Some((before, rpcs()));
        break;
    }
    let Some((before, after)) = agreed else {
        fail!("term changed too often: no attempt out of 5 kept one term");
    };
    let limit = (iters + 1 + 3) * n as u64;
    ensure!(
        after - before <= limit,
        "too many RPCs ({}) for {} entries; at most {limit} allowed",
        after - before,
        iters + 2
    );
    sleep(et).await;
    let idle = rpcs() - after;
    let limit = 3 * 20;
    ensure!(
        idle <= limit,
        "too many RPCs ({idle}) for {et:?} of idleness; at most {limit} allowed (heartbeats at most 10 per second)"
    );
    Ok(())
}

/// Starts `command` on peer `i`, which must accept it as leader; returns
/// its index.
pub(super) fn start_on<R: Raft>(c: &Cluster<R>, i: usize, command: &[u8]) -> Result<u64, Failure> {
    match c.raft(i).and_then(|r| r.start(command.to_vec())) {
        Some((index, _)) => Ok(index),
        None => fail!("leader {i} rejected start({})", Shown(command)),
    }
}

/// No peer may have committed `index`.
fn no_commit<R: Raft>(c: &Cluster<R>, index: u64) -> Result<(), Failure> {
    let (count, _) = c.n_committed(index)?;
    ensure!(
        count == 0,
        "{count} servers committed index {index} though no majority was connected"
    );
    Ok(())
}
