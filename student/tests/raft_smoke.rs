//! The reference Raft's basics, on small clusters built directly with the
//! framework: election, agreement, failover and rejoin, restart from the
//! persister, snapshots and InstallSnapshot, agreement over an unreliable
//! network, the RPC budgets of the classic tests, and determinism.

mod common;

use common::{Cluster, ELECTION_TIMEOUT, cmd};
use framework::sim::{Failure, RunOutcome, RunSettings, World, run};
use framework::{ensure, fail};
use futures::future::join_all;
use rand::Rng;
use tokio::time::{Duration, Instant, sleep};

/// Runs `test` in a fresh world with this seed and panics with the
/// failure, if any.
fn check<F, Fut>(seed: u64, test: F) -> RunOutcome
where
    F: FnOnce(World) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let outcome = run(&RunSettings::new(seed), test);
    if let Err(failure) = &outcome.result {
        panic!("seed {seed}: {failure}");
    }
    outcome
}

/// The peers that claim to lead, among those up.
fn leaders(cluster: &Cluster) -> Vec<usize> {
    (0..cluster.n())
        .filter(|&i| cluster.state(i).is_some_and(|(_, leader)| leader))
        .collect()
}

#[test]
fn one_leader_is_elected_within_a_second_and_terms_agree() {
    for seed in 1..=5 {
        check(seed, |world| async move {
            let cluster = Cluster::new(&world, 3, false, false);
            let began = Instant::now();
            while leaders(&cluster).is_empty() {
                ensure!(began.elapsed() <= ELECTION_TIMEOUT, "no leader after 1 s");
                sleep(Duration::from_millis(10)).await;
            }
            let leader = cluster.check_one_leader().await?;
            let term = cluster.check_terms()?;
            ensure!(term >= 1, "term is {term}, but should be at least 1");
            // On a quiet, reliable network the leader keeps everyone
            // following it: no new elections, no new term.
            sleep(2 * ELECTION_TIMEOUT).await;
            ensure!(
                cluster.check_terms()? == term,
                "term changed with no failure"
            );
            ensure!(
                cluster.check_one_leader().await? == leader,
                "leader changed"
            );
            Ok(())
        });
    }
}

#[test]
fn commands_are_applied_on_every_peer_in_order() {
    check(1, |world| async move {
        let cluster = Cluster::new(&world, 3, false, false);
        for i in 1..=5u64 {
            let (count, _) = cluster.n_committed(i)?;
            ensure!(count == 0, "index {i} committed before start()");
            let index = cluster.one(cmd(100 * i), 3, false).await?;
            ensure!(index == i, "got index {index}, expected {i}");
        }
        // start() sends the entry at once: on a reliable network it
        // commits on the leader long before the next heartbeat is due.
        let leader = cluster.check_one_leader().await?;
        let began = Instant::now();
        let (index, _) = cluster
            .start_command(leader, cmd(600))
            .expect("the leader accepts commands");
        while cluster.applied(leader, index).is_empty() {
            ensure!(
                began.elapsed() < Duration::from_millis(20),
                "the entry waited for a heartbeat"
            );
            sleep(Duration::from_millis(1)).await;
        }
        cluster.wait(6, 3, None).await?;
        let expected: Vec<(u64, Vec<u8>)> = (1..=6).map(|i| (i, cmd(100 * i))).collect();
        for peer in 0..3 {
            ensure!(
                cluster.applied(peer, 1) == expected,
                "peer {peer} applied {:?}",
                cluster.applied(peer, 1)
            );
        }
        Ok(())
    });
}

#[test]
fn a_disconnected_leader_is_replaced_and_rejoins_as_a_follower() {
    for seed in 1..=3 {
        check(seed, |world| async move {
            let mut cluster = Cluster::new(&world, 3, false, false);
            let old = cluster.check_one_leader().await?;
            let old_term = cluster.check_terms()?;
            cluster.one(cmd(101), 3, false).await?;

            cluster.disconnect(old);
            let new = cluster.check_one_leader().await?;
            ensure!(
                new != old,
                "the disconnected leader {old} is still the only leader"
            );
            ensure!(
                cluster.check_terms()? > old_term,
                "the new leader kept the old term"
            );
            // The old leader, cut off, still believes it leads: what it
            // accepts now can never commit.
            for x in [102, 103, 104] {
                ensure!(
                    cluster.start_command(old, cmd(x)).is_some(),
                    "old leader refused"
                );
            }
            cluster.one(cmd(105), 2, false).await?;

            cluster.connect(old);
            cluster.check_one_leader().await?;
            cluster.one(cmd(106), 3, true).await?;
            // The old leader dropped its uncommitted entries for the new
            // leader's: everyone applied the same commands.
            let expected = vec![(1, cmd(101)), (2, cmd(105)), (3, cmd(106))];
            for peer in 0..3 {
                ensure!(
                    cluster.applied(peer, 1) == expected,
                    "peer {peer} applied {:?}",
                    cluster.applied(peer, 1)
                );
            }

            // A lone peer cannot lead: it never gets a majority.
            let leader = cluster.check_one_leader().await?;
            cluster.disconnect(leader);
            cluster.disconnect((leader + 1) % 3);
            sleep(2 * ELECTION_TIMEOUT).await;
            cluster.check_no_leader()?;
            cluster.connect((leader + 1) % 3);
            cluster.check_one_leader().await?;
            cluster.connect(leader);
            cluster.check_one_leader().await?;
            cluster.one(cmd(107), 3, true).await?;
            Ok(())
        });
    }
}

#[test]
fn a_restarted_peer_keeps_its_term_vote_and_log() {
    for seed in 1..=3 {
        check(seed, |world| async move {
            let mut cluster = Cluster::new(&world, 3, false, false);
            cluster.one(cmd(11), 3, false).await?;
            let term = cluster.check_terms()?;

            // Everyone crashes: the log survives, so the next command goes
            // after the first, and terms never go back.
            for i in 0..3 {
                cluster.start(i);
            }
            for i in 0..3 {
                cluster.connect(i);
            }
            ensure!(
                cluster.one(cmd(12), 3, true).await? == 2,
                "the log was lost"
            );
            ensure!(
                cluster.check_terms()? > term,
                "a restarted peer forgot its term"
            );

            let leader = cluster.check_one_leader().await?;
            cluster.start(leader);
            cluster.connect(leader);
            ensure!(
                cluster.one(cmd(13), 3, true).await? == 3,
                "the log was lost"
            );

            // A follower misses a command while down and catches up after.
            let follower = (cluster.check_one_leader().await? + 1) % 3;
            cluster.crash(follower);
            cluster.one(cmd(14), 2, true).await?;
            cluster.start(follower);
            cluster.connect(follower);
            cluster.wait(4, 3, None).await?;
            cluster.one(cmd(15), 3, true).await?;

            let expected: Vec<(u64, Vec<u8>)> = (1..=5).map(|i| (i, cmd(10 + i))).collect();
            for peer in 0..3 {
                ensure!(
                    cluster.applied(peer, 1) == expected,
                    "peer {peer} applied {:?}",
                    cluster.applied(peer, 1)
                );
            }
            Ok(())
        });
    }
}

#[test]
fn a_lagging_follower_is_brought_up_to_date_in_a_few_round_trips() {
    for seed in 1..=3 {
        check(seed, |world| async move {
            let mut cluster = Cluster::new(&world, 3, false, false);
            cluster.one(cmd(1), 3, false).await?;
            let leader = cluster.check_one_leader().await?;
            let (behind, ahead) = ((leader + 1) % 3, (leader + 2) % 3);
            cluster.disconnect(behind);
            for x in 2..=51 {
                cluster.one(cmd(x), 2, false).await?;
            }
            // Only `ahead` can win now, and as a new leader it first
            // guesses that `behind` has its whole log. Backing up one entry
            // per round trip would take 50 AppendEntries; the fast backup
            // skips the whole gap in one.
            cluster.disconnect(leader);
            let before = cluster.incoming(behind);
            cluster.connect(behind);
            ensure!(
                cluster.check_one_leader().await? == ahead,
                "the peer that is behind won"
            );
            let began = Instant::now();
            while cluster.applied(behind, 51).is_empty() {
                ensure!(
                    began.elapsed() < ELECTION_TIMEOUT,
                    "peer {behind} did not catch up"
                );
                sleep(Duration::from_millis(10)).await;
            }
            let used = cluster.incoming(behind) - before;
            ensure!(
                used <= 20,
                "{used} RPCs to bring a peer 50 entries up to date"
            );
            Ok(())
        });
    }
}

#[test]
fn an_entry_from_an_old_term_is_not_committed_by_counting_replicas() {
    // The scenario of Figure 8 in the Raft paper, steered with partitions.
    for seed in 1..=3 {
        check(seed, |world| async move {
            let mut cluster = Cluster::new(&world, 5, false, false);
            cluster.one(cmd(1), 5, false).await?;

            // (a) The leader stores cmd(2) at index 2 on one follower only.
            let first = cluster.check_one_leader().await?;
            let follower = (first + 1) % 5;
            let rest: Vec<usize> = (0..5).filter(|&i| i != first && i != follower).collect();
            for &i in &rest {
                cluster.disconnect(i);
            }
            ensure!(
                cluster.start_command(first, cmd(2)) == Some((2, cluster.check_terms()?)),
                "index 2 expected"
            );
            sleep(Duration::from_millis(50)).await;

            // (b) The other three elect a leader, which takes cmd(3) at index 2
            // in a later term while cut off from everyone.
            cluster.disconnect(first);
            cluster.disconnect(follower);
            for &i in &rest {
                cluster.connect(i);
            }
            let second = cluster.check_one_leader().await?;
            let others: Vec<usize> = rest.iter().copied().filter(|&i| i != second).collect();
            for &i in &others {
                cluster.disconnect(i);
            }
            ensure!(
                cluster
                    .start_command(second, cmd(3))
                    .is_some_and(|(index, _)| index == 2),
                "index 2 expected"
            );
            cluster.disconnect(second);

            // (c) The first leader's pair and one more peer elect one of the
            // pair, which copies cmd(2) to the third: it is now on a majority,
            // but from an old term, so it must not be committed.
            cluster.connect(first);
            cluster.connect(follower);
            cluster.connect(others[0]);
            let third = cluster.check_one_leader().await?;
            ensure!(
                third == first || third == follower,
                "peer {third} should not win"
            );
            sleep(ELECTION_TIMEOUT).await;
            let (count, _) = cluster.n_committed(2)?;
            ensure!(
                count == 0,
                "an entry of an old term was committed by counting replicas"
            );

            // (d) Indeed, the second leader can still win (with the peers that
            // have no entry of a later term than its own) and replace it.
            cluster.disconnect(first);
            cluster.disconnect(follower);
            cluster.connect(second);
            cluster.connect(others[1]);
            cluster.one(cmd(4), 3, true).await?;
            for i in [first, follower] {
                cluster.connect(i);
            }
            cluster.one(cmd(5), 5, true).await?;
            let (_, value) = cluster.n_committed(2)?;
            ensure!(value == Some(cmd(3)), "index 2 holds {value:?}");
            Ok(())
        });
    }
}

#[test]
fn snapshots_trim_the_log_and_a_lagging_peer_catches_up_by_install_snapshot() {
    for seed in 1..=3 {
        check(seed, |world| async move {
            let mut cluster = Cluster::new(&world, 3, false, true);
            let mut rng = world.rng();
            cluster.one(cmd(1), 3, false).await?;
            let leader = cluster.check_one_leader().await?;
            let lagging = (leader + 1) % 3;
            cluster.disconnect(lagging);
            for _ in 0..50 {
                cluster.one(cmd(rng.random()), 2, true).await?;
            }
            let size = cluster.max_raft_state_size();
            ensure!(
                size < 2000,
                "the saved Raft state is {size} bytes: the log was not trimmed"
            );

            // The entries the lagging peer needs are gone from every log:
            // only the snapshot can bring it up to date.
            cluster.connect(lagging);
            let index = cluster.one(cmd(rng.random()), 3, true).await?;
            ensure!(
                cluster.snapshots_installed(lagging) >= 1,
                "peer {lagging} caught up without InstallSnapshot"
            );
            let on_leader = cluster.applied(leader, index - 5);
            ensure!(
                cluster.applied(lagging, index - 5) == on_leader,
                "the lagging peer applied other commands"
            );
            ensure!(
                cluster.max_raft_state_size() < 2000,
                "the saved Raft state grew"
            );
            Ok(())
        });
    }
}

#[test]
fn snapshots_survive_crashes_of_one_peer_and_of_all() {
    for seed in 1..=3 {
        check(seed, |world| async move {
            let mut cluster = Cluster::new(&world, 3, false, true);
            let mut rng = world.rng();
            for _ in 0..12 {
                cluster.one(cmd(rng.random()), 3, false).await?;
            }
            // A crashed follower misses enough to need the snapshot.
            let down = (cluster.check_one_leader().await? + 1) % 3;
            cluster.crash(down);
            for _ in 0..25 {
                cluster.one(cmd(rng.random()), 2, true).await?;
            }
            cluster.start(down);
            cluster.connect(down);
            cluster.one(cmd(rng.random()), 3, true).await?;
            ensure!(
                cluster.snapshots_installed(down) >= 1,
                "peer {down} caught up without InstallSnapshot"
            );

            // Everyone crashes, twice: each restart must reload the
            // snapshot, or the next save would lose it.
            let mut last = cluster.one(cmd(rng.random()), 3, true).await?;
            for _ in 0..2 {
                for i in 0..3 {
                    cluster.start(i);
                }
                for i in 0..3 {
                    cluster.connect(i);
                }
                let index = cluster.one(cmd(rng.random()), 3, true).await?;
                ensure!(
                    index > last,
                    "index {index} after {last}: the log went back"
                );
                last = index;
            }
            ensure!(
                cluster.max_raft_state_size() < 2000,
                "the saved Raft state grew"
            );
            Ok(())
        });
    }
}

#[test]
fn agreement_over_an_unreliable_network_with_long_delays_and_reordering() {
    for seed in 1..=3 {
        check(seed, |world| async move {
            let cluster = Cluster::new(&world, 5, true, false);
            for round in 1..30u64 {
                if round == 10 {
                    cluster.set_long_reordering(true);
                }
                let concurrent = (0..4).map(|j| cluster.one(cmd(100 * round + j), 1, true));
                for result in join_all(concurrent).await {
                    result?;
                }
                cluster.one(cmd(round), 1, true).await?;
            }
            cluster.set_unreliable(false);
            cluster.set_long_reordering(false);
            cluster.one(cmd(100), 5, true).await?;
            Ok(())
        });
    }
}

#[test]
fn rpc_counts_and_bytes_stay_within_the_classic_budgets() {
    check(1, |world| async move {
        let cluster = Cluster::new(&world, 3, false, false);
        let total = |c: &Cluster| (0..3).map(|i| c.incoming(i)).sum::<u64>();
        let leader = cluster.check_one_leader().await?;
        let election = total(&cluster);
        ensure!(
            (1..=30).contains(&election),
            "{election} RPCs to elect a leader"
        );

        // Twelve commands committed with at most 42 RPCs, in one term.
        let mut settled = false;
        for _attempt in 0..5 {
            let leader = cluster.check_one_leader().await?;
            let before = total(&cluster);
            let Some((first, term)) = cluster.start_command(leader, cmd(1)) else {
                continue;
            };
            let mut same_term = true;
            for x in 2..=12u64 {
                match cluster.start_command(leader, cmd(x)) {
                    Some((index, t)) if t == term => {
                        ensure!(index == first + x - 1, "Start() gave index {index}");
                    }
                    _ => same_term = false,
                }
            }
            if !same_term {
                continue;
            }
            for index in first + 1..=first + 10 {
                if cluster.wait(index, 3, Some(term)).await?.is_none() {
                    same_term = false;
                }
            }
            if !same_term {
                continue;
            }
            let used = total(&cluster) - before;
            ensure!(used <= 42, "too many RPCs ({used}) for 12 entries");
            settled = true;
            break;
        }
        ensure!(settled, "term changed too often");

        // An idle leader sends at most ten heartbeats per second per peer.
        let before = total(&cluster);
        sleep(ELECTION_TIMEOUT).await;
        let idle = total(&cluster) - before;
        ensure!(
            idle <= 60,
            "too many RPCs ({idle}) for 1 second of idleness"
        );
        ensure!(
            cluster.check_one_leader().await? == leader,
            "leader changed"
        );

        // Each big entry goes to each follower about once.
        cluster.one(cmd(99), 3, false).await?;
        let (_, bytes_before) = world.net().totals();
        let mut rng = world.rng();
        let mut sent = 0u64;
        for _ in 0..10 {
            let big: Vec<u8> = (0..5000).map(|_| rng.random_range(b'a'..=b'z')).collect();
            sent += big.len() as u64;
            cluster.one(big, 3, false).await?;
        }
        let (_, bytes_after) = world.net().totals();
        let used = bytes_after - bytes_before;
        let budget = 3 * sent + 50_000;
        if used > budget {
            fail!("too many RPC bytes: {used}, expected at most {budget}");
        }
        Ok(())
    });
}

/// A busy run: an unreliable, reordering network, a leader cut off and
/// back, commands throughout.
fn busy_run(seed: u64) -> RunOutcome {
    check(seed, |world| async move {
        let mut cluster = Cluster::new(&world, 5, true, true);
        cluster.set_long_reordering(true);
        let mut rng = world.rng();
        for _ in 0..4 {
            for _ in 0..8 {
                cluster.one(cmd(rng.random()), 3, true).await?;
            }
            let leader = cluster.check_one_leader().await?;
            cluster.disconnect(leader);
            cluster.one(cmd(rng.random()), 3, true).await?;
            cluster.connect(leader);
        }
        Ok(())
    })
}

#[test]
fn the_same_seed_replays_the_same_run() {
    let first = busy_run(7);
    let again = busy_run(7);
    assert_eq!(first.trace_hash, again.trace_hash);
    assert_eq!(first.events, again.events);
    assert_ne!(first.trace_hash, busy_run(8).trace_hash);
}
