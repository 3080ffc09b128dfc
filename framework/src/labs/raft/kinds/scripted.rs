//! Scripted scenarios that force the situations the randomized tests only
//! hope for: the Figure 8 sequence of the Raft paper, a vote that must
//! survive a restart, and a vote reply that arrives an election late. Each
//! step controls crashes, links and held messages so that the bug it
//! targets, if present, shows.

use std::time::Duration;

use tokio::time::sleep;

use super::agreement::start_on;
use super::common::{OWN_ENTRY, ROUNDS, cluster, cmd};
use crate::ensure;
use crate::labs::raft::{ApplyMode, Raft};
use crate::net::Hold;
use crate::sim::Failure;
use crate::suite::TestEnv;

/// Figure 8 of the Raft paper, step by step, on five peers: an entry of an
/// old term reaches a majority under a later leader, which must not commit
/// it by counting replicas, because a peer with a newer entry at that index
/// can still win and overwrite it.
///
/// With `own_entry`, as in the paper's figure 8(c), the step-(c) leader
/// also appends an entry of its own term, which reaches only one follower:
/// a leader that commits once its *last* entry is of its term, rather than
/// the entry being committed, then commits the old entry, and step (d)
/// overwrites it.
pub async fn figure8_scripted<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let own_entry = env.params.get(&OWN_ENTRY);
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    ensure!(n == 5, "this scenario needs 5 servers, not {n}");
    c.one(cmd(1), n, true).await?;

    // (a) Leader s1 stores entry 2 at index 2; it reaches only s2.
    let s1 = c.check_one_leader().await?;
    let s2 = (s1 + 1) % n;
    let rest: Vec<usize> = (2..5).map(|k| (s1 + k) % n).collect();
    rest.iter().for_each(|&i| c.disconnect(i));
    let index = start_on(&c, s1, &cmd(2))?;
    ensure!(
        index == 2,
        "the leader put the command at index {index}, expected 2"
    );
    sleep(et / 10).await;

    // (b) s1 crashes, s2 is cut off; the other three elect a leader s5,
    // which stores entry 3 at index 2 and crashes before sending it.
    c.crash(s1);
    c.disconnect(s2);
    rest.iter().for_each(|&i| c.connect(i));
    let s5 = c.check_one_leader().await?;
    let index = start_on(&c, s5, &cmd(3))?;
    ensure!(
        index == 2,
        "the new leader put the command at index {index}, expected 2"
    );
    c.crash(s5);

    // (c) s1 returns with s2 and the two others: s1 or s2 wins (the others
    // lack index 2) and copies entry 2, of an old term, to a majority. It
    // must not count that as committed.
    c.start(s1);
    c.connect(s1);
    c.connect(s2);
    let leader = c.check_one_leader().await?;
    ensure!(
        leader == s1 || leader == s2,
        "server {leader} won an election though its log lacks an entry that servers {s1} and {s2} have"
    );
    sleep(et / 10).await;
    if own_entry {
        // Entry 2 is on the majority; now the leader appends one of its own
        // term, which only the other of s1 and s2 receives. Its answer makes
        // the leader look at committing again: index 2 is on a majority,
        // index 3 is not, and entry 2 is of an old term.
        let other = if leader == s1 { s2 } else { s1 };
        // Time for entry 2 to reach the two that lack it even at one
        // heartbeat per round trip of backing up.
        sleep(et / 2).await;
        for &i in rest.iter().filter(|&&i| i != s5) {
            c.cut(leader, i);
        }
        let index = start_on(&c, leader, &cmd(6))?;
        ensure!(
            index == 3,
            "the step-(c) leader put its command at index {index}, expected 3"
        );
        sleep(et / 10).await;
        c.cut(leader, other);
    }

    // (d) s1 and s2 crash; s5 returns, wins (its last entry is of a later
    // term) and overwrites index 2 with entry 3, which commits with its
    // next command. Had entry 2 been committed, two commands now share
    // index 2.
    c.crash(s1);
    c.crash(s2);
    c.start(s5);
    c.connect(s5);
    c.one(cmd(4), 3, true).await?;
    for i in [s1, s2] {
        c.start(i);
        c.connect(i);
    }
    c.one(cmd(5), n, true).await?;
    Ok(())
}

/// A vote must survive a restart: a voter that forgets it can vote twice in
/// one term and make two leaders of it. Three peers; in each round the
/// leader `r` is cut off, the other two elect `w` (with `v`'s vote), `v`
/// restarts, and `r` restarts at its old term with a link to `v` only, so
/// that it asks `v` for a vote in `w`'s term.
pub async fn vote_persistence<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    ensure!(n == 3, "this scenario needs 3 servers, not {n}");
    // `rounds` rounds that set the scenario up; a round whose election took
    // more than one term (a split vote) cannot, and is tried again, up to
    // four times as many rounds in all.
    let rounds = env.params.get(&ROUNDS);
    let mut set_up = 0;
    for round in 0..4 * rounds {
        if set_up == rounds {
            break;
        }
        c.one(cmd(100 + round as u64), n, true).await?;
        let r = c.check_one_leader().await?;
        let t0 = c.check_terms()?;
        c.disconnect(r);
        let w = c.check_one_leader().await?;
        let v = (0..n).find(|&i| i != r && i != w).expect("three servers");
        let t1 = c.raft(w).map_or(0, |raft| raft.state().0);
        if t1 == t0 + 1 {
            set_up += 1;
            c.crash(v);
            c.start(v);
            c.connect(v);
            c.crash(r);
            c.start(r);
            c.connect(r);
            c.cut(r, w);
            // Give r time to ask v for a vote in term t1 (and later terms).
            for _ in 0..30 {
                sleep(et / 10).await;
                c.check_election_safety()?;
            }
        }
        for i in 0..n {
            c.connect(i);
        }
        c.check_one_leader().await?;
    }
    if set_up == 0 {
        env.world.warn(format!(
            "none of {} rounds could set up the scenario (every election took more than one term); nothing was checked",
            4 * rounds
        ));
    }
    c.one(cmd(1000), n, true).await?;
    Ok(())
}

/// A vote reply from an earlier election must not count in a later one.
/// Three peers: follower `a` is cut off from the leader and keeps only its
/// link to `b`, on which the network holds every request from `b`. Its
/// first election's vote request reaches `b`, which grants it; the network
/// holds that reply, and every later request of `a`'s to `b`. While `a` runs election after election alone, the leader and `b`
/// settle in a term of their own. Once `a` is in a later term than both,
/// the old reply is released: a candidate that counts it becomes leader of
/// a term no majority has reached.
pub async fn stale_vote<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    ensure!(n == 3, "this scenario needs 3 servers, not {n}");
    c.one(cmd(1), n, true).await?;
    let leader = c.check_one_leader().await?;
    let a = (leader + 1) % n;
    let b = (leader + 2) % n;
    let net = c.world().net();
    let vote = net.hold(Hold::replies().from(&c.name(a)).to(&c.name(b)).first(1));
    // Nothing of b's reaches a: b may lead later, and a must stay alone.
    let from_b = net.hold(Hold::requests().from(&c.name(b)).to(&c.name(a)));
    c.cut(a, leader);
    // a's election timer fires and it asks b: one reply is held.
    let caught = vote.caught_within(1, 10 * et).await;
    ensure!(
        caught,
        "server {a}, cut off from leader {leader}, asked server {b} for nothing within {:?}",
        10 * et
    );
    let later = net.hold(Hold::requests().from(&c.name(a)).to(&c.name(b)));
    let term_of = |i: usize| c.raft(i).map_or(0, |raft| raft.state().0);
    let asked_in = term_of(a);
    // Wait until a is a candidate in the term the others have a leader of
    // (b voted for someone else there): one grant more makes a second
    // leader of that term. Or, if a gets ahead first, until a is two terms
    // past both: then the grant makes a leader of a term no majority has
    // reached. Alone, a's term moves only by its own elections, so a in a
    // term is a candidate of it.
    let mut ready = false;
    for _ in 0..1000 {
        sleep(et / 100).await;
        c.check_election_safety()?;
        let led = [leader, b]
            .iter()
            .find_map(|&i| c.raft(i).map(|raft| raft.state()).filter(|s| s.1));
        let same_term = led.is_some_and(|(term, _)| term == term_of(a) && term > asked_in);
        let ahead = term_of(a) >= term_of(leader).max(term_of(b)).max(asked_in) + 2;
        if led.is_some() && (same_term || ahead) {
            ready = true;
            break;
        }
    }
    ensure!(
        ready,
        "server {a}, alone, never moved two terms past servers {leader} and {b} (terms {}, {} and {}) within {:?}, though it keeps losing elections",
        term_of(a),
        term_of(leader),
        term_of(b),
        10 * et
    );
    let late = term_of(a);
    let scenario = format!(
        " (server {a} had just been handed, while a candidate of term {late}, server {b}'s vote reply from its election of term {asked_in}: a reply to an earlier election's request must not count)"
    );
    c.explain_leaders(Some(scenario.clone()));
    vote.release();
    for _ in 0..10 {
        sleep(Duration::from_millis(20)).await;
        // A second leader says the scenario already; the majority check
        // does not.
        c.check_election_safety().map_err(|f| match f.message() {
            said if said.ends_with(&scenario) => f,
            said => Failure::new(format!("{said}{scenario}")),
        })?;
    }
    c.explain_leaders(None);
    later.discard();
    from_b.discard();
    c.connect(a);
    c.check_one_leader().await?;
    c.one(cmd(2), n, true).await?;
    Ok(())
}

/// A command of about 200 bytes, so that a snapshot of many of them stands
/// out by size among heartbeats and single entries, and a request that
/// carries one stands out among heartbeats.
pub(super) fn big_cmd(x: u64) -> Vec<u8> {
    format!("{x:0>200}").into_bytes()
}

/// An InstallSnapshot that arrives after the follower has moved past it
/// must change nothing: a follower that installs it takes its service back
/// in time. Three peers; follower `f` is down while 29 commands commit (the
/// others snapshot at index 29 and keep no entries after it); when `f`
/// returns, the first large request to it (the leader's snapshot) is held.
/// Once `f` has caught up another way (a resent snapshot) and applied 20
/// commands more, the held snapshot is released.
pub async fn stale_snapshot<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Snapshots);
    let (n, et) = (c.n(), c.limits.election);
    ensure!(n == 3, "this scenario needs 3 servers, not {n}");
    c.one(big_cmd(1), n, true).await?;
    let f = (c.check_one_leader().await? + 1) % n;
    c.crash(f);
    for x in 2..=29 {
        c.one(big_cmd(x), n - 1, true).await?;
    }
    let net = c.world().net();
    let snapshot = net.hold(Hold::requests().to(&c.name(f)).at_least(2000).first(1));
    c.start(f);
    c.connect(f);
    let wait = c.limits.agreement;
    let caught = snapshot.caught_within(1, wait).await;
    // The first large request may be entries rather than a snapshot (a
    // leader that has not yet dropped its log); then it is released late
    // all the same, which a correct follower must also shrug off.
    let mut caught_up = false;
    if caught {
        for _ in 0..100 {
            sleep(wait / 100).await;
            if c.n_committed(29)?.0 == n {
                caught_up = true;
                break;
            }
        }
    }
    if !caught_up {
        env.world.warn(format!(
            "server {f} did not catch up within {wait:?} while the first large request to it was held (does the leader resend a snapshot that goes unanswered?); nothing was checked"
        ));
        snapshot.release();
        c.one(big_cmd(30), n, true).await?;
        return Ok(());
    }
    for x in 30..=49 {
        c.one(big_cmd(x), n, true).await?;
    }
    // Server f has applied up to 49; the snapshot of 29 arrives now.
    snapshot.release();
    for _ in 0..10 {
        sleep(et / 10).await;
        c.check_election_safety()?;
    }
    c.one(big_cmd(50), n, true).await?;
    Ok(())
}
