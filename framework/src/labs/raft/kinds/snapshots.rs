//! 3D: log compaction by snapshots, InstallSnapshot, restarts.

use rand::Rng;

use super::common::{CRASH, DISCONNECT, MAX_LOG_SIZE, ROUNDS, UNRELIABLE, cluster, random_cmd};
use crate::ensure;
use crate::labs::raft::{ApplyMode, Cluster, Raft, SNAPSHOT_INTERVAL};
use crate::sim::Failure;
use crate::suite::TestEnv;

/// Rounds of commands with snapshots every 10 entries, the victim follower
/// optionally cut off or crashed while the leader moves on, so that it must
/// catch up (by InstallSnapshot when it is far behind). The saved Raft
/// state must stay small.
pub async fn snapshot<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let (disconnect, crash) = (env.params.get(&DISCONNECT), env.params.get(&CRASH));
    let c = cluster::<R>(&env, env.params.get(&UNRELIABLE), ApplyMode::Snapshots);
    let n = c.n();
    let mut rng = env.world.rng();
    c.one(random_cmd(&mut rng), n, true).await?;
    let mut leader = c.check_one_leader().await?;
    for round in 0..env.params.get(&ROUNDS) {
        let (mut victim, mut sender) = ((leader + 1) % n, leader);
        if round % 3 == 1 {
            (victim, sender) = (leader, (leader + 1) % n);
        }
        if disconnect {
            c.disconnect(victim);
            c.one(random_cmd(&mut rng), n - 1, true).await?;
        }
        if crash {
            c.crash(victim);
            c.one(random_cmd(&mut rng), n - 1, true).await?;
        }
        // Perhaps enough to get a snapshot.
        let batch = SNAPSHOT_INTERVAL / 2 + rng.random_range(0..SNAPSHOT_INTERVAL);
        if let Some(raft) = c.raft(sender) {
            for _ in 0..batch {
                raft.start(random_cmd(&mut rng));
            }
        }
        // Let the appliers catch up with the starts.
        let needed = if disconnect || crash { n - 1 } else { n };
        c.one(random_cmd(&mut rng), needed, true).await?;
        check_log_size(&c)?;
        if disconnect {
            // Reconnect a follower, who may be behind and need a snapshot.
            c.connect(victim);
            c.one(random_cmd(&mut rng), n, true).await?;
            leader = c.check_one_leader().await?;
        }
        if crash {
            c.start(victim);
            c.connect(victim);
            c.one(random_cmd(&mut rng), n, true).await?;
            leader = c.check_one_leader().await?;
        }
    }
    Ok(())
}

fn check_log_size<R: Raft>(c: &Cluster<R>) -> Result<(), Failure> {
    let size = c.log_size();
    ensure!(
        size < MAX_LOG_SIZE,
        "log size too large: a server saved {size} bytes of Raft state, at most {MAX_LOG_SIZE} allowed with snapshots every {SNAPSHOT_INTERVAL} entries"
    );
    Ok(())
}

/// Crash and restart all peers at once, repeatedly: committed indices must
/// never go back.
pub async fn snapshot_all_crash<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, env.params.get(&UNRELIABLE), ApplyMode::Snapshots);
    let n = c.n();
    let mut rng = env.world.rng();
    c.one(random_cmd(&mut rng), n, true).await?;
    for _ in 0..env.params.get(&ROUNDS) {
        // Perhaps enough to get a snapshot.
        let batch = SNAPSHOT_INTERVAL / 2 + rng.random_range(0..SNAPSHOT_INTERVAL);
        for _ in 0..batch {
            c.one(random_cmd(&mut rng), n, true).await?;
        }
        let index1 = c.one(random_cmd(&mut rng), n, true).await?;
        restart_all(&c);
        let index2 = c.one(random_cmd(&mut rng), n, true).await?;
        ensure!(
            index2 > index1,
            "index went back from {index1} to {index2} after every server crashed and restarted"
        );
    }
    Ok(())
}

/// A restarted peer must reload its snapshot, or its next save loses it.
pub async fn snapshot_init<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, env.params.get(&UNRELIABLE), ApplyMode::Snapshots);
    let n = c.n();
    let mut rng = env.world.rng();
    c.one(random_cmd(&mut rng), n, true).await?;
    // Enough ops to make a snapshot.
    for _ in 0..=SNAPSHOT_INTERVAL {
        c.one(random_cmd(&mut rng), n, true).await?;
    }
    restart_all(&c);
    // A single op, to get something to be written back to the persister.
    c.one(random_cmd(&mut rng), n, true).await?;
    restart_all(&c);
    // Has the snapshot survived?
    c.one(random_cmd(&mut rng), n, true).await?;
    Ok(())
}

fn restart_all<R: Raft>(c: &Cluster<R>) {
    for i in 0..c.n() {
        c.crash(i);
    }
    for i in 0..c.n() {
        c.start(i);
        c.connect(i);
    }
}
