//! A replicated key/value service under the harness's control: servers
//! that start, shut down and restart with their persisted state, partitions
//! of the network, and clerks with their own ends.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use rand::seq::SliceRandom;

use super::client::Client;
use super::{KvClerk, KvServer};
use crate::labs::hosts::Hosts;
use crate::linearizability::HistoryBuilder;
use crate::linearizability::models::kv::{KvInput, KvOutput};
use crate::sim::World;

/// The history every client of a test appends its operations to.
pub(crate) type SharedHistory = Arc<Mutex<HistoryBuilder<KvInput, KvOutput>>>;

/// `n` key/value servers named `kv-0` … `kv-{n-1}`, and their clerks.
///
/// Every method takes `&self`, so a test can run several clients at once
/// with `join!` on one task.
pub struct KvCluster<S: KvServer, C: KvClerk> {
    world: World,
    n: usize,
    max_raft_state: Option<usize>,
    hosts: Hosts<S>,
    /// Per clerk: the names of its ends to each server.
    clerk_ends: RefCell<Vec<Vec<String>>>,
    pub(crate) history: SharedHistory,
    clerk_type: std::marker::PhantomData<C>,
}

impl<S: KvServer, C: KvClerk> KvCluster<S, C> {
    /// Starts and connects `n` servers; the network is reliable or not.
    pub fn new(
        world: &World,
        n: usize,
        unreliable: bool,
        max_raft_state: Option<usize>,
    ) -> KvCluster<S, C> {
        world.net().set_unreliable(unreliable);
        world.net().set_long_delays(false);
        world.set_stat("servers", n as u64);
        let cluster = KvCluster {
            world: world.clone(),
            n,
            max_raft_state,
            hosts: Hosts::new(world, "kv", n),
            clerk_ends: RefCell::new(Vec::new()),
            history: Arc::new(Mutex::new(HistoryBuilder::new())),
            clerk_type: std::marker::PhantomData,
        };
        for i in 0..n {
            cluster.start_server(i);
        }
        cluster.connect_all();
        cluster
    }

    /// The number of servers.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The world the cluster lives in.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Every server's number.
    pub fn all(&self) -> Vec<usize> {
        (0..self.n).collect()
    }

    /// Enables the ends between server `i` and the servers in `to`, both
    /// ways.
    pub fn connect(&self, i: usize, to: &[usize]) {
        self.set_links(i, to, true);
    }

    /// Disables the ends between server `i` and the servers in `from`, both
    /// ways.
    pub fn disconnect(&self, i: usize, from: &[usize]) {
        self.set_links(i, from, false);
    }

    fn set_links(&self, i: usize, others: &[usize], enabled: bool) {
        for &j in others {
            self.hosts.set_link(i, j, enabled);
        }
    }

    /// Connects every server to every other.
    pub fn connect_all(&self) {
        let all = self.all();
        for i in 0..self.n {
            self.connect(i, &all);
        }
    }

    /// Splits the servers into two groups that can talk only among
    /// themselves.
    pub fn partition(&self, p1: &[usize], p2: &[usize]) {
        for &i in p1 {
            self.disconnect(i, p2);
            self.connect(i, p1);
        }
        for &i in p2 {
            self.disconnect(i, p1);
            self.connect(i, p2);
        }
    }

    /// A majority of `n/2 + 1` servers without the current leader, and the
    /// rest (the leader among them), so that the leader is in the minority.
    pub fn make_partition(&self) -> (Vec<usize>, Vec<usize>) {
        let leader = self.leader().unwrap_or(0);
        let mut others: Vec<usize> = (0..self.n).filter(|&i| i != leader).collect();
        let minority = others.split_off(self.n / 2 + 1);
        let mut p2 = minority;
        p2.push(leader);
        (others, p2)
    }

    /// A server whose Raft peer believes it leads, if any.
    pub fn leader(&self) -> Option<usize> {
        (0..self.n).find(|&i| self.is_leader(i))
    }

    /// Whether server `i` is running and its Raft peer believes it leads.
    pub fn is_leader(&self, i: usize) -> bool {
        self.hosts
            .get(i)
            .is_some_and(|server| server.raft_state().1)
    }

    /// The servers that believe they lead the latest term any server
    /// leads.
    pub fn leaders_of_latest_term(&self) -> Vec<usize> {
        let leading: Vec<(u64, usize)> = (0..self.n)
            .filter_map(|i| {
                let (term, leads) = self.hosts.get(i)?.raft_state();
                leads.then_some((term, i))
            })
            .collect();
        let latest = leading.iter().map(|(t, _)| *t).max();
        leading
            .into_iter()
            .filter(|(t, _)| Some(*t) == latest)
            .map(|(_, i)| i)
            .collect()
    }

    /// Shuts server `i` down as a crash: cut off, deleted from the network,
    /// its persister replaced by a copy, its node's tasks aborted.
    pub fn shutdown_server(&self, i: usize) {
        self.disconnect(i, &self.all());
        self.hosts.crash(i);
    }

    /// Starts a new incarnation of server `i` with fresh ends and a copy of
    /// what it saved (crashing the old one first). Its ends start disabled:
    /// connect it (e.g. [`KvCluster::connect_all`]).
    pub fn start_server(&self, i: usize) {
        self.shutdown_server(i);
        let (node, ends, persister) = self.hosts.prepare(i);
        let server = Arc::new(S::make(
            node.clone(),
            ends,
            i,
            persister,
            self.max_raft_state,
        ));
        let services = server.services();
        self.hosts.host(i, server, node, services);
    }

    /// Shuts down every server, then restarts and reconnects them all.
    pub fn restart_all(&self) {
        for i in 0..self.n {
            self.shutdown_server(i);
        }
        for i in 0..self.n {
            self.start_server(i);
        }
        self.connect_all();
    }

    /// A new client: a clerk with fresh ends to every server, in shuffled
    /// order, enabled only to the servers in `to`. Its operations go into
    /// the test's history as client `id`.
    pub fn make_client(&self, id: usize, to: &[usize]) -> Client<C> {
        let number = self.clerk_ends.borrow().len();
        let owner = format!("client-{number}");
        let (names, mut ends) = self.hosts.ends_to_all(&owner, &owner);
        // The clerk must not assume that end i reaches server i.
        ends.shuffle(&mut self.world.rng());
        self.clerk_ends.borrow_mut().push(names);
        let node = self.world.node(owner);
        let client = Client::new(
            C::make(node, ends),
            id,
            number,
            self.history.clone(),
            self.world.clone(),
        );
        self.connect_client(&client, to);
        client
    }

    /// Enables exactly the clerk's ends to the servers in `to`.
    pub fn connect_client(&self, client: &Client<C>, to: &[usize]) {
        let ends = self.clerk_ends.borrow();
        let net = self.world.net();
        for (j, name) in ends[client.number()].iter().enumerate() {
            net.enable(name, to.contains(&j));
        }
    }

    /// The largest Raft state any server has saved.
    pub fn log_size(&self) -> usize {
        self.hosts.max_raft_state_size()
    }

    /// The largest snapshot any server has saved.
    pub fn snapshot_size(&self) -> usize {
        self.hosts.max_snapshot_size()
    }
}
