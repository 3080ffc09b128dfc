//! A replicated key/value service under the harness's control: one
//! [`Group`] of servers that start, crash and restart with their persisted
//! state, and clerks with their own ends, recorded in the test's history.

use std::cell::Cell;
use std::ops::Deref;
use std::sync::Arc;

use super::client::Client;
use super::{KvClerk, KvServer};
use crate::labs::check::CheckedModel;
use crate::labs::group::Group;
use crate::labs::history::History;
use crate::labs::links::Links;
use crate::labs::recorded::Recorded;
use crate::linearizability::Operation;
use crate::linearizability::formats::json::kv_to_json;
use crate::linearizability::models::kv::{KvInput, KvModel, KvOutput};
use crate::sim::World;

/// `n` key/value servers named `kv-0` … `kv-{n-1}`, and their clerks.
///
/// Every method takes `&self`, so a test can run several clients at once
/// with `join!` on one task. The group's vocabulary (connect, disconnect,
/// partition, heal, crash, …) is the cluster's too, through `Deref`.
pub struct KvCluster<S: KvServer, C: KvClerk> {
    world: World,
    max_raft_state: Option<usize>,
    group: Group<S>,
    /// How many clerks have been made (each is host `client-N`).
    clerks: Cell<usize>,
    pub(crate) history: History<KvInput, KvOutput>,
    clerk_type: std::marker::PhantomData<C>,
}

impl<S: KvServer, C: KvClerk> Deref for KvCluster<S, C> {
    type Target = Group<S>;

    fn deref(&self) -> &Group<S> {
        &self.group
    }
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
            max_raft_state,
            group: Group::new(&Links::new(world), "kv", n, S::raft_state),
            clerks: Cell::new(0),
            history: History::new(world),
            clerk_type: std::marker::PhantomData,
        };
        for i in 0..n {
            cluster.start(i);
        }
        cluster.heal();
        cluster
    }

    /// The world the cluster lives in.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// A majority of `n/2 + 1` servers without the current leader, and the
    /// rest (the leader among them), so that the leader is in the minority.
    pub fn make_partition(&self) -> (Vec<usize>, Vec<usize>) {
        let n = self.n();
        let leader = self.leader().unwrap_or(0);
        let mut others: Vec<usize> = (0..n).filter(|&i| i != leader).collect();
        let minority = others.split_off(n / 2 + 1);
        let mut p2 = minority;
        p2.push(leader);
        (others, p2)
    }

    /// Starts a new incarnation of server `i` with fresh ends and a copy of
    /// what it saved (crashing the old one first). Its ends start as its
    /// links are: connect it (e.g. [`Group::heal`]).
    pub fn start(&self, i: usize) {
        self.group.start_with(i, |node, ends, persister| {
            let server = Arc::new(S::make(node, ends, i, persister, self.max_raft_state));
            let services = server.services();
            (server, services)
        });
    }

    /// Crashes every server, then restarts and reconnects them all.
    pub fn restart_all(&self) {
        for i in 0..self.n() {
            self.crash(i);
        }
        for i in 0..self.n() {
            self.start(i);
        }
        self.heal();
    }

    /// A new client: a clerk with fresh ends to every server, in shuffled
    /// order, reaching only the servers in `to`. Its operations go into the
    /// test's history as client `id`.
    pub fn make_client(&self, id: usize, to: &[usize]) -> Client<C> {
        let number = self.clerks.get();
        self.clerks.set(number + 1);
        let host = format!("client-{number}");
        let ends = self.group.shuffled_client_ends(&host);
        let clerk = C::make(self.world.node(host.clone()), ends);
        let client = Client::new(Recorded::new(clerk, id, &self.history), host);
        self.connect_client(&client, to);
        client
    }

    /// Lets the clerk reach exactly the servers in `to`.
    pub fn connect_client(&self, client: &Client<C>, to: &[usize]) {
        self.group.connect_client(client.host(), to);
    }

    /// The largest Raft state any server has saved.
    pub fn log_size(&self) -> usize {
        self.group.max_raft_state_size()
    }

    /// The largest snapshot any server has saved.
    pub fn snapshot_size(&self) -> usize {
        self.group.max_snapshot_size()
    }
}

impl CheckedModel for KvModel {
    fn pending(&self) -> KvOutput {
        KvOutput::Unknown
    }

    fn history_json(&self, history: &[Operation<KvInput, KvOutput>]) -> Option<String> {
        Some(kv_to_json(history))
    }
}
