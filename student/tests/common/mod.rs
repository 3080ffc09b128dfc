//! A small Raft cluster harness for the student crate's own tests, built
//! directly on the framework: peers on nodes, servers and ends on the
//! emulated network, persisters that survive crashes, and an apply
//! consumer per peer that checks what every peer applies against every
//! other. Its checks follow the classic lab tester's (one leader per term,
//! `one()`, `n_committed()`), with the same time allowances.

// Each test file uses its own subset of the helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use framework::labs::raft::{ApplyMsg, Raft as _};
use framework::net::Server;
use framework::persister::Persister;
use framework::sim::{Failure, Node, World};
use framework::{ensure, fail};
use rand::Rng;
use student::raft::Raft;
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant, sleep};

/// The classic tester's allowance for an election.
pub const ELECTION_TIMEOUT: Duration = Duration::from_secs(1);

/// The service snapshots after every this many entries (in snapshot mode).
pub const SNAPSHOT_INTERVAL: u64 = 10;

/// What the appliers have seen: per peer, the commands applied at each
/// index, the last index applied, and how many snapshots were installed.
#[derive(Default)]
struct Record {
    logs: Vec<BTreeMap<u64, Vec<u8>>>,
    last_applied: Vec<u64>,
    snapshots_installed: Vec<usize>,
    /// The highest index applied anywhere.
    max_index: u64,
}

/// A running incarnation of a peer.
struct Peer {
    node: Node,
    raft: Arc<Raft>,
}

/// A cluster of Raft peers and the harness's controls over it.
pub struct Cluster {
    world: World,
    n: usize,
    snapshots: bool,
    peers: Vec<Option<Peer>>,
    persisters: Vec<Persister>,
    connected: Vec<bool>,
    /// `ends[i][j]`: the name of the end peer `i`'s current incarnation
    /// uses to reach peer `j`.
    ends: Vec<Vec<String>>,
    incarnations: usize,
    record: Arc<Mutex<Record>>,
}

/// A command: the harness's values are numbers.
pub fn cmd(value: u64) -> Vec<u8> {
    value.to_le_bytes().to_vec()
}

fn server_name(i: usize) -> String {
    format!("raft-{i}")
}

impl Cluster {
    /// Starts `n` connected peers, with long delays on (as the classic Raft
    /// tester always has). In snapshot mode every peer's service snapshots
    /// every [`SNAPSHOT_INTERVAL`] entries.
    pub fn new(world: &World, n: usize, unreliable: bool, snapshots: bool) -> Cluster {
        world.net().set_long_delays(true);
        world.net().set_unreliable(unreliable);
        let mut cluster = Cluster {
            world: world.clone(),
            n,
            snapshots,
            peers: (0..n).map(|_| None).collect(),
            persisters: (0..n).map(|_| Persister::new()).collect(),
            connected: vec![false; n],
            ends: vec![Vec::new(); n],
            incarnations: 0,
            record: Arc::new(Mutex::new(Record {
                logs: vec![BTreeMap::new(); n],
                last_applied: vec![0; n],
                snapshots_installed: vec![0; n],
                max_index: 0,
            })),
        };
        for i in 0..n {
            cluster.start(i);
        }
        for i in 0..n {
            cluster.connect(i);
        }
        cluster
    }

    fn record(&self) -> MutexGuard<'_, Record> {
        self.record.lock().unwrap()
    }

    pub fn n(&self) -> usize {
        self.n
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    /// Starts (or restarts) peer `i` from what its persister holds, with
    /// fresh ends to every peer. Like the classic tester, it does not
    /// connect the peer: call [`Cluster::connect`].
    pub fn start(&mut self, i: usize) {
        self.crash(i);
        self.incarnations += 1;
        let owner = server_name(i);
        let node = self.world.node(&owner);
        let net = self.world.net();
        let mut ends = Vec::new();
        let mut names = Vec::new();
        for j in 0..self.n {
            let name = format!("{i}->{j}#{}", self.incarnations);
            let end = net.make_end(&name, &owner);
            net.connect(&name, &server_name(j));
            ends.push(end);
            names.push(name);
        }
        self.ends[i] = names;

        let persister = self.persisters[i].copy();
        self.persisters[i] = persister.clone();
        {
            let mut record = self.record();
            record.last_applied[i] = 0;
            let snapshot = persister.read_snapshot();
            if !snapshot.is_empty() {
                // The service reloads its snapshot itself on a restart.
                let (index, log) = decode_snapshot(&snapshot);
                record.logs[i] = log;
                record.last_applied[i] = index;
            }
        }
        let (apply, applied) = mpsc::channel(1);
        let raft = Arc::new(Raft::make(node.clone(), ends, i, persister, apply));
        node.spawn(consume(
            self.world.clone(),
            i,
            applied,
            raft.clone(),
            self.record.clone(),
            self.snapshots,
        ));
        net.add_server(
            &server_name(i),
            Server::new(node.clone()).with(raft.service()),
        );
        self.peers[i] = Some(Peer { node, raft });
    }

    /// Crashes peer `i` the way the classic tester does: cut it off, take
    /// its server off the network, keep a copy of what it saved, stop it.
    pub fn crash(&mut self, i: usize) {
        self.disconnect(i);
        self.world.net().delete_server(&server_name(i));
        self.persisters[i] = self.persisters[i].copy();
        if let Some(peer) = self.peers[i].take() {
            peer.node.crash();
        }
    }

    pub fn is_up(&self, i: usize) -> bool {
        self.peers[i].is_some()
    }

    pub fn is_connected(&self, i: usize) -> bool {
        self.connected[i]
    }

    /// Enables the ends between `i` and every connected peer.
    pub fn connect(&mut self, i: usize) {
        self.connected[i] = true;
        self.set_links(i, true);
    }

    /// Disables every end to and from `i`.
    pub fn disconnect(&mut self, i: usize) {
        self.connected[i] = false;
        self.set_links(i, false);
    }

    fn set_links(&self, i: usize, enabled: bool) {
        let net = self.world.net();
        for j in 0..self.n {
            if enabled && !self.connected[j] {
                continue;
            }
            if let Some(name) = self.ends[i].get(j) {
                net.enable(name, enabled);
            }
            if let Some(name) = self.ends[j].get(i) {
                net.enable(name, enabled);
            }
        }
    }

    pub fn set_unreliable(&self, on: bool) {
        self.world.net().set_unreliable(on);
    }

    pub fn set_long_reordering(&self, on: bool) {
        self.world.net().set_long_reordering(on);
    }

    /// Peer `i`'s (term, is_leader), if it is up.
    pub fn state(&self, i: usize) -> Option<(u64, bool)> {
        self.peers[i].as_ref().map(|p| p.raft.state())
    }

    /// Calls `start` on peer `i`, if it is up.
    pub fn start_command(&self, i: usize, command: Vec<u8>) -> Option<(u64, u64)> {
        self.peers[i].as_ref().and_then(|p| p.raft.start(command))
    }

    /// Waits for exactly one connected leader in the latest term, as the
    /// classic `checkOneLeader`: up to 10 rounds of about half a second.
    pub async fn check_one_leader(&self) -> Result<usize, Failure> {
        for _ in 0..10 {
            let ms = self.world.rng().random_range(450..550);
            sleep(Duration::from_millis(ms)).await;
            let mut leaders: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
            for i in (0..self.n).filter(|&i| self.connected[i]) {
                if let Some((term, true)) = self.state(i) {
                    leaders.entry(term).or_default().push(i);
                }
            }
            for (term, ls) in &leaders {
                ensure!(ls.len() <= 1, "term {term} has {} (>1) leaders", ls.len());
            }
            if let Some((_, ls)) = leaders.last_key_value() {
                return Ok(ls[0]);
            }
        }
        fail!("expected one leader, got none")
    }

    /// The term every connected peer agrees on.
    pub fn check_terms(&self) -> Result<u64, Failure> {
        let mut agreed = None;
        for i in (0..self.n).filter(|&i| self.connected[i]) {
            if let Some((term, _)) = self.state(i) {
                match agreed {
                    None => agreed = Some(term),
                    Some(t) => ensure!(t == term, "servers disagree on term: {t} vs {term}"),
                }
            }
        }
        Ok(agreed.unwrap_or(0))
    }

    /// No connected peer claims to lead.
    pub fn check_no_leader(&self) -> Result<(), Failure> {
        for i in (0..self.n).filter(|&i| self.connected[i]) {
            ensure!(
                self.state(i).is_none_or(|(_, leader)| !leader),
                "expected no leader among connected servers, but {i} claims to be leader"
            );
        }
        Ok(())
    }

    /// How many peers have applied `index`, and the command there.
    pub fn n_committed(&self, index: u64) -> Result<(usize, Option<Vec<u8>>), Failure> {
        if let Some(failure) = self.world.failure() {
            return Err(failure);
        }
        let record = self.record();
        let mut count = 0;
        let mut value: Option<Vec<u8>> = None;
        for log in &record.logs {
            if let Some(v) = log.get(&index) {
                if let Some(seen) = &value {
                    ensure!(seen == v, "committed values do not match: index {index}");
                }
                count += 1;
                value = Some(v.clone());
            }
        }
        Ok((count, value))
    }

    /// Waits for `n` peers to apply `index`, as the classic `wait`; returns
    /// `None` if some peer moved past `start_term` (the index may never
    /// commit then).
    pub async fn wait(
        &self,
        index: u64,
        n: usize,
        start_term: Option<u64>,
    ) -> Result<Option<Vec<u8>>, Failure> {
        let mut pause = Duration::from_millis(10);
        for _ in 0..30 {
            let (count, _) = self.n_committed(index)?;
            if count >= n {
                break;
            }
            sleep(pause).await;
            if pause < Duration::from_secs(1) {
                pause *= 2;
            }
            if let Some(term) = start_term {
                let moved_on = (0..self.n).any(|i| self.state(i).is_some_and(|(t, _)| t > term));
                if moved_on {
                    return Ok(None);
                }
            }
        }
        let (count, value) = self.n_committed(index)?;
        ensure!(
            count >= n,
            "only {count} decided for index {index}; wanted {n}"
        );
        Ok(value)
    }

    /// Gets `command` committed on at least `expected` peers, as the classic
    /// `one()`: up to 10 s of trying leaders, 2 s of waiting per try.
    pub async fn one(
        &self,
        command: Vec<u8>,
        expected: usize,
        retry: bool,
    ) -> Result<u64, Failure> {
        let began = Instant::now();
        let mut next = 0;
        while began.elapsed() < Duration::from_secs(10) {
            let mut index = None;
            for _ in 0..self.n {
                let i = next;
                next = (next + 1) % self.n;
                if !self.connected[i] {
                    continue;
                }
                if let Some((at, _)) = self.start_command(i, command.clone()) {
                    index = Some(at);
                    break;
                }
            }
            if let Some(index) = index {
                let waited = Instant::now();
                while waited.elapsed() < Duration::from_secs(2) {
                    let (count, value) = self.n_committed(index)?;
                    if count >= expected && value.as_ref() == Some(&command) {
                        return Ok(index);
                    }
                    sleep(Duration::from_millis(20)).await;
                }
                ensure!(retry, "one({command:?}) failed to reach agreement");
            } else {
                sleep(Duration::from_millis(50)).await;
            }
        }
        fail!("one({command:?}) failed to reach agreement")
    }

    /// The largest saved Raft state of any peer, in bytes.
    pub fn max_raft_state_size(&self) -> usize {
        self.persisters
            .iter()
            .map(Persister::raft_state_size)
            .max()
            .unwrap_or(0)
    }

    /// How many snapshots peer `i` has received through its apply channel.
    pub fn snapshots_installed(&self, i: usize) -> usize {
        self.record().snapshots_installed[i]
    }

    /// What peer `i` has applied, from `from` on, in index order.
    pub fn applied(&self, i: usize, from: u64) -> Vec<(u64, Vec<u8>)> {
        let record = self.record();
        record.logs[i]
            .range(from..)
            .map(|(k, v)| (*k, v.clone()))
            .collect()
    }

    /// The highest index any peer has applied.
    pub fn max_index(&self) -> u64 {
        self.record().max_index
    }

    /// Requests that reached peer `i`'s current server.
    pub fn incoming(&self, i: usize) -> u64 {
        self.world.net().incoming(&server_name(i))
    }
}

/// The service's snapshot in snapshot mode: the last index it covers and
/// every command up to it.
fn encode_snapshot(index: u64, log: &BTreeMap<u64, Vec<u8>>) -> Vec<u8> {
    postcard::to_allocvec(&(index, log)).unwrap()
}

fn decode_snapshot(bytes: &[u8]) -> (u64, BTreeMap<u64, Vec<u8>>) {
    postcard::from_bytes(bytes).expect("a snapshot the service wrote")
}

/// Peer `i`'s service: takes what Raft applies, checks it (in order, the
/// same as every other peer at each index) and, in snapshot mode,
/// snapshots every [`SNAPSHOT_INTERVAL`] entries from this very task, as
/// the classic tester does.
async fn consume(
    world: World,
    i: usize,
    mut applied: mpsc::Receiver<ApplyMsg>,
    raft: Arc<Raft>,
    record: Arc<Mutex<Record>>,
    snapshots: bool,
) {
    while let Some(message) = applied.recv().await {
        let mut r = record.lock().unwrap();
        match message {
            ApplyMsg::Command { index, command, .. } => {
                if index != r.last_applied[i] + 1 {
                    world.fail(Failure::new(format!(
                        "server {i} apply out of order: expected index {}, got {index}",
                        r.last_applied[i] + 1
                    )));
                    return;
                }
                for (j, log) in r.logs.iter().enumerate() {
                    if let Some(old) = log.get(&index) {
                        if *old != command {
                            world.fail(Failure::new(format!(
                                "commit index={index} server={i} {command:?} != server={j} {old:?}"
                            )));
                            return;
                        }
                    }
                }
                r.logs[i].insert(index, command);
                r.last_applied[i] = index;
                r.max_index = r.max_index.max(index);
                if snapshots && (index + 1) % SNAPSHOT_INTERVAL == 0 {
                    let snapshot = encode_snapshot(index, &r.logs[i]);
                    drop(r);
                    raft.snapshot(index, snapshot);
                }
            }
            ApplyMsg::Snapshot {
                index, snapshot, ..
            } => {
                let (covered, log) = decode_snapshot(&snapshot);
                if covered != index || index <= r.last_applied[i] {
                    world.fail(Failure::new(format!(
                        "server {i} got a snapshot for index {index} (covering {covered}) after applying {}",
                        r.last_applied[i]
                    )));
                    return;
                }
                r.logs[i] = log;
                r.last_applied[i] = index;
                r.snapshots_installed[i] += 1;
            }
        }
    }
}
