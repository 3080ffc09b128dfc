//! 3A: leader election.

use rand::Rng;
use tokio::time::sleep;

use super::common::{ROUNDS, cluster};
use crate::labs::raft::{ApplyMode, Raft};
use crate::sim::Failure;
use crate::suite::TestEnv;

/// One leader is elected, terms agree, and with no failures the leader and
/// term stay.
pub async fn initial_election<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let et = c.limits.election;
    c.check_one_leader().await?;
    // Let every peer hear of the election before comparing terms.
    sleep(et / 20).await;
    let term1 = c.check_terms()?;
    crate::ensure!(
        term1 >= 1,
        "term is {term1}, but should be at least 1 after an election"
    );
    sleep(2 * et).await;
    let term2 = c.check_terms()?;
    // Nothing failed and the network is reliable: no timer may fire while
    // a leader sends heartbeats, so a new term means a follower's election
    // timer is not reset by them (or they are too rare).
    crate::ensure!(
        term1 == term2,
        "term changed from {term1} to {term2} within {:?} although nothing failed: followers must reset their election timers on every AppendEntries from the current leader, and heartbeats must come well within the election timeout",
        2 * et
    );
    c.check_one_leader().await?;
    Ok(())
}

/// A new leader when the leader is cut off; the old one rejoins as a
/// follower; no leader without a majority.
pub async fn re_election<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let n = c.n();
    let leader1 = c.check_one_leader().await?;
    c.disconnect(leader1);
    c.check_one_leader().await?;
    // The old leader rejoins: it must not disturb the new one.
    c.connect(leader1);
    let leader2 = c.check_one_leader().await?;
    // No quorum: no leader may be elected.
    c.disconnect(leader2);
    c.disconnect((leader2 + 1) % n);
    sleep(2 * c.limits.election).await;
    c.check_no_leader()?;
    c.connect((leader2 + 1) % n);
    c.check_one_leader().await?;
    c.connect(leader2);
    c.check_one_leader().await?;
    Ok(())
}

/// Rounds of cutting off three random peers: a leader must emerge among
/// the rest whenever they are a majority.
pub async fn many_elections<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let n = c.n();
    let mut rng = env.world.rng();
    c.check_one_leader().await?;
    for _ in 0..env.params.get(&ROUNDS) {
        let cut: Vec<usize> = (0..3).map(|_| rng.random_range(0..n)).collect();
        cut.iter().for_each(|&i| c.disconnect(i));
        // Either the current leader is still alive, or the rest elect one.
        c.check_one_leader().await?;
        cut.iter().for_each(|&i| c.connect(i));
    }
    c.check_one_leader().await?;
    Ok(())
}
