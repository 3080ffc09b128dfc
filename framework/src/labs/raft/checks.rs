//! The harness's checks on a cluster, as the classic tests use them.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::Rng;
use tokio::time::{Instant, sleep};

use super::applied::Shown;
use super::{Cluster, Raft};
use crate::ensure;
use crate::sim::Failure;
use crate::sync::lock;

impl<R: Raft> Cluster<R> {
    /// Election safety (Raft's first guarantee): at most one peer ever leads
    /// a term. Every check looks, at every running peer whether connected
    /// or not, and the group remembers who led which term (a watcher beside
    /// each peer looks too, between the checks).
    ///
    /// It also checks what every real election leaves behind: a leader of
    /// term `t` won the votes of a majority, and each voter took term `t`
    /// (and saved it) before voting, so a majority of the peers must be in
    /// term `t` or later. A peer that is down counts as possibly there.
    /// A leader without such a majority counted a vote that was not cast in
    /// its election (a late reply from an earlier one, say).
    pub fn check_election_safety(&self) -> Result<(), Failure> {
        let states: Vec<Option<(u64, bool)>> = (0..self.n())
            .map(|i| self.raft(i).map(|raft| raft.state()))
            .collect();
        for (i, state) in states.iter().enumerate() {
            let Some(state) = *state else { continue };
            self.leaders().saw(i, state)?;
            if let (term, true) = state {
                let reached: Vec<usize> = (0..self.n())
                    .filter(|&j| states[j].is_none_or(|(t, _)| t >= term))
                    .collect();
                ensure!(
                    reached.len() > self.n() / 2,
                    "server {i} leads term {term}, but only servers {reached:?} have reached term {term}: a leader needs the votes of a majority, and every voter takes the candidate's term (did it count a vote from an earlier election?)"
                );
            }
        }
        Ok(())
    }

    /// Sleeps for `d`, checking election safety every 25 ms meanwhile, so
    /// that a test that spends its time crashing and cutting off leaders
    /// (Figure 8, churn) sees two leaders of one term as they happen, not
    /// only if they are still there at its next check.
    pub async fn watch(&self, d: Duration) -> Result<(), Failure> {
        const STEP: Duration = Duration::from_millis(25);
        let end = Instant::now() + d;
        loop {
            self.check_election_safety()?;
            let now = Instant::now();
            if now >= end {
                return Ok(());
            }
            sleep(STEP.min(end - now)).await;
        }
    }

    /// Waits for exactly one leader among the connected peers: up to 10
    /// rounds of 450–550 ms, failing if any term has two leaders, and
    /// returns the leader of the highest term seen.
    pub async fn check_one_leader(&self) -> Result<usize, Failure> {
        let mut rng = self.world().rng();
        let began = self.world().now();
        for _ in 0..10 {
            sleep(Duration::from_millis(rng.random_range(450..550))).await;
            self.check_election_safety()?;
            let mut leaders: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
            for i in 0..self.n() {
                if let (true, Some(raft)) = (self.is_connected(i), self.raft(i)) {
                    if let (term, true) = raft.state() {
                        leaders.entry(term).or_default().push(i);
                    }
                }
            }
            for (term, peers) in &leaders {
                ensure!(
                    peers.len() == 1,
                    "term {term} has {} (>1) leaders: servers {peers:?}",
                    peers.len()
                );
            }
            if let Some((term, peers)) = leaders.last_key_value() {
                self.world().step(format!(
                    "check_one_leader: raft-{} leads term {term}",
                    peers[0]
                ));
                return Ok(peers[0]);
            }
        }
        Err(Failure::new(format!(
            "expected one leader, got none (waited about 5 s among connected servers {:?})",
            self.connected_peers()
        ))
        .first_seen(began, "check_one_leader began to wait for a leader"))
    }

    /// The connected peers, for messages.
    fn connected_peers(&self) -> Vec<usize> {
        (0..self.n()).filter(|&i| self.is_connected(i)).collect()
    }

    /// Every connected peer must be in the same term; returns it.
    pub fn check_terms(&self) -> Result<u64, Failure> {
        let mut first: Option<(usize, u64)> = None;
        for i in 0..self.n() {
            if let (true, Some(raft)) = (self.is_connected(i), self.raft(i)) {
                let (term, _) = raft.state();
                match first {
                    None => first = Some((i, term)),
                    Some((j, t)) => ensure!(
                        t == term,
                        "servers disagree on term: server {j} is in term {t}, server {i} in term {term}"
                    ),
                }
            }
        }
        Ok(first.map_or(0, |(_, t)| t))
    }

    /// No connected peer may think it is the leader.
    pub fn check_no_leader(&self) -> Result<(), Failure> {
        for i in 0..self.n() {
            if let (true, Some(raft)) = (self.is_connected(i), self.raft(i)) {
                let (term, leader) = raft.state();
                ensure!(
                    !leader,
                    "expected no leader among connected servers {:?}, but server {i} claims to lead term {term}",
                    self.connected_peers()
                );
            }
        }
        Ok(())
    }

    /// How many peers (connected or not) have applied `index`, and what;
    /// fails if they applied different commands.
    pub fn n_committed(&self, index: u64) -> Result<(usize, Option<Vec<u8>>), Failure> {
        self.check_election_safety()?;
        lock(&self.applied).committed(index).map_err(Failure::new)
    }

    /// Waits (about 30 s, backing off) for at least `n` peers to apply
    /// `index`. With `start_term`, gives up and returns `None` as soon as
    /// some peer has moved past that term (the command may never commit).
    pub async fn wait(
        &self,
        index: u64,
        n: usize,
        start_term: Option<u64>,
    ) -> Result<Option<Vec<u8>>, Failure> {
        let mut pause = Duration::from_millis(10);
        for _ in 0..30 {
            if self.n_committed(index)?.0 >= n {
                break;
            }
            sleep(pause).await;
            if pause < Duration::from_secs(1) {
                pause *= 2;
            }
            if let Some(start) = start_term {
                let moved_on = (0..self.n())
                    .filter_map(|i| self.raft(i))
                    .any(|r| r.state().0 > start);
                if moved_on {
                    return Ok(None);
                }
            }
        }
        let (count, command) = self.n_committed(index)?;
        ensure!(
            count >= n,
            "only {count} decided for index {index}; wanted {n}"
        );
        Ok(command)
    }

    /// Submits `command` to a leader and waits for `expected` peers to apply
    /// it, returning its index. Tries each connected peer in turn until one
    /// accepts; waits up to the per-try limit (2 s) for agreement; with
    /// `retry`, tries again until the overall limit (10 s).
    pub async fn one(
        &self,
        command: Vec<u8>,
        expected: usize,
        retry: bool,
    ) -> Result<u64, Failure> {
        let command = &command[..];
        let limits = self.limits;
        let started = Instant::now();
        let mut last_attempt = String::from("no connected server accepted it as leader");
        let mut first_sign = (
            self.world().now(),
            format!("one({}) began looking for a leader", Shown(command)),
        );
        let mut started_once = false;
        while started.elapsed() < limits.agreement {
            let mut index = None;
            for _ in 0..self.n() {
                let i = (self.next_start.get() + 1) % self.n();
                self.next_start.set(i);
                if !self.is_connected(i) {
                    continue;
                }
                if let Some(raft) = self.raft(i) {
                    if let Some((idx, term)) = raft.start(command.to_vec()) {
                        let what = format!(
                            "one({}): start at raft-{i} -> index {idx}, term {term}",
                            Shown(command)
                        );
                        if !started_once {
                            (started_once, first_sign) = (true, (self.world().now(), what.clone()));
                        }
                        self.world().step(what);
                        index = Some((i, idx));
                        break;
                    }
                }
            }
            let Some((leader, index)) = index else {
                sleep(Duration::from_millis(50)).await;
                continue;
            };
            let attempt = Instant::now();
            while attempt.elapsed() < limits.agreement_try {
                let (count, applied) = self.n_committed(index)?;
                if count > 0 && count >= expected && applied.as_deref() == Some(command) {
                    self.world().step(format!(
                        "one({}): committed at index {index} by {count} servers",
                        Shown(command)
                    ));
                    return Ok(index);
                }
                sleep(Duration::from_millis(20)).await;
            }
            let (count, applied) = self.n_committed(index)?;
            last_attempt = match applied {
                Some(other) if other != command => format!(
                    "leader {leader} put it at index {index}, where {} was committed instead",
                    Shown(&other)
                ),
                _ => format!(
                    "leader {leader} put it at index {index}; {count} of the {expected} servers needed applied it within {:?}",
                    limits.agreement_try
                ),
            };
            if !retry {
                return Err(Failure::new(format!(
                    "one({}) failed to reach agreement: {last_attempt}",
                    Shown(command)
                ))
                .first_seen(first_sign.0, first_sign.1));
            }
        }
        Err(Failure::new(format!(
            "one({}) failed to reach agreement within {:?}: {last_attempt}",
            Shown(command),
            limits.agreement
        ))
        .first_seen(first_sign.0, first_sign.1))
    }
}
