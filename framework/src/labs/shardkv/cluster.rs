//! The sharded store under the harness's control: a shard master, replica
//! groups of servers that start, crash and restart with their persisted
//! state, the admin that joins and leaves them, and clients recorded in the
//! test's history.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use rand::seq::SliceRandom;

use super::client::{Client, Sharded};
use super::ownership::Ownership;
use super::{MakeEnd, Setup, ShardKvClerk, ShardKvServer};
use crate::labs::group::Group;
use crate::labs::history::History;
use crate::labs::kv;
use crate::labs::links::Links;
use crate::labs::recorded::Recorded;
use crate::labs::shardmaster::{Admin, Gid, ShardMaster, ShardMasterClerk, ShardMasterCluster};
use crate::linearizability::models::kv::{KvInput, KvOutput};
use crate::net::ClientEnd;
use crate::sim::{Failure, World};

/// How the harness builds a sharded store.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The groups' ids (the classic 100, 101, 102).
    pub gids: Vec<Gid>,
    /// Servers per group.
    pub servers: usize,
    /// Shard master servers.
    pub masters: usize,
    /// What the group servers get as `max_raft_state`.
    pub max_raft_state: Option<usize>,
    /// How long each admin operation may take.
    pub op_timeout: Duration,
}

/// A shard master and the replica groups, named `server-<gid>-<i>`, with
/// every server able to reach every other and the shard master's servers.
///
/// Every method takes `&self`, so a test can run several clients at once
/// with `join!` on one task.
pub struct ShardKvCluster<M: ShardMaster, MC: ShardMasterClerk, S: ShardKvServer, C: ShardKvClerk> {
    world: World,
    links: Links,
    master: ShardMasterCluster<M, MC>,
    /// The harness's own shard master client: every Join and Leave.
    admin: Admin<MC>,
    groups: BTreeMap<Gid, Group<S>>,
    /// Every group server's name, and its group.
    gids: Rc<BTreeMap<String, Gid>>,
    max_raft_state: Option<usize>,
    /// Numbers the ends' labels, so that end names never repeat.
    labels: Cell<usize>,
    /// How many clerks have been made (each is host `client-N`).
    clerks: Cell<usize>,
    pub(crate) history: History<KvInput, KvOutput>,
    ownership: Rc<Ownership>,
    clerk_type: std::marker::PhantomData<C>,
}

impl<M, MC, S, C> ShardKvCluster<M, MC, S, C>
where
    M: ShardMaster,
    MC: ShardMasterClerk,
    S: ShardKvServer,
    C: ShardKvClerk,
{
    /// Starts the shard master and every group's servers, all connected;
    /// no group has joined yet.
    pub fn new(world: &World, layout: &Layout) -> Self {
        let links = Links::new(world);
        let master = ShardMasterCluster::new(&links, layout.masters, layout.op_timeout);
        let admin = master.admin();
        let groups: BTreeMap<Gid, Group<S>> = layout
            .gids
            .iter()
            .map(|&gid| {
                let name = format!("server-{gid}");
                (
                    gid,
                    Group::new(&links, &name, layout.servers, S::raft_state),
                )
            })
            .collect();
        let gids = groups
            .iter()
            .flat_map(|(&gid, group)| group.names().into_iter().map(move |name| (name, gid)))
            .collect();
        let cluster = ShardKvCluster {
            world: world.clone(),
            links,
            master,
            admin,
            groups,
            gids: Rc::new(gids),
            max_raft_state: layout.max_raft_state,
            labels: Cell::new(0),
            clerks: Cell::new(0),
            history: History::new(world),
            ownership: Rc::default(),
            clerk_type: std::marker::PhantomData,
        };
        cluster.link_groups();
        for &gid in cluster.groups.keys() {
            cluster.start_group(gid);
        }
        cluster
    }

    /// Brings up the links from every group server to every server of the
    /// other groups and of the shard master (a group's own links are the
    /// group's business: see [`ShardKvCluster::start`]).
    fn link_groups(&self) {
        let servers: Vec<&String> = self.gids.keys().collect();
        for &from in &servers {
            for &to in &servers {
                if self.gids[from] != self.gids[to] {
                    self.links.set(from, to, true);
                }
            }
            self.master.connect_client(from, &self.master.all());
        }
    }

    /// The world the cluster lives in.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The shard master.
    pub fn master(&self) -> &ShardMasterCluster<M, MC> {
        &self.master
    }

    /// Group `gid`.
    pub fn group(&self, gid: Gid) -> &Group<S> {
        &self.groups[&gid]
    }

    /// Every group's id.
    pub fn gids(&self) -> Vec<Gid> {
        self.groups.keys().copied().collect()
    }

    /// A fresh label for a host's ends (unique for the run).
    fn label(&self, host: &str) -> String {
        let n = self.labels.get();
        self.labels.set(n + 1);
        format!("{host}@{n}")
    }

    /// Ends from `host` to every server of `master`, shuffled.
    fn master_ends(&self, master: &ShardMasterCluster<M, MC>, host: &str) -> Vec<ClientEnd> {
        let mut ends = master.ends_from(host, &self.label(host));
        ends.shuffle(&mut self.world.rng());
        ends
    }

    /// Starts a new incarnation of server `i` of group `gid` from what it
    /// saved (crashing the old one first), connected to its group.
    pub fn start(&self, gid: Gid, i: usize) {
        let group = self.group(gid);
        let me = group.name(i);
        group.start_with(i, |node, servers, persister| {
            // Made here, once the old incarnation (and every end it owned)
            // is gone.
            let masters = self.master_ends(&self.master, &me);
            let make_end = MakeEnd::new(&self.links, &me, &self.label(&me));
            let server = Arc::new(S::make(Setup {
                node,
                servers,
                me: i,
                persister,
                max_raft_state: self.max_raft_state,
                gid,
                masters,
                make_end,
            }));
            let services = server.services();
            (server, services)
        });
        group.connect(i);
    }

    /// Crashes server `i` of group `gid` (see [`Group::crash`]).
    pub fn crash(&self, gid: Gid, i: usize) {
        self.group(gid).crash(i);
    }

    /// Crashes every server of group `gid`.
    pub fn shutdown_group(&self, gid: Gid) {
        let group = self.group(gid);
        for i in group.all() {
            group.crash(i);
        }
    }

    /// Starts every server of group `gid` from what it saved.
    pub fn start_group(&self, gid: Gid) {
        for i in self.group(gid).all() {
            self.start(gid, i);
        }
    }

    /// Crashes and restarts every server of every group.
    pub fn restart_all(&self) {
        for gid in self.gids() {
            self.shutdown_group(gid);
        }
        for gid in self.gids() {
            self.start_group(gid);
        }
    }

    /// Joins groups `gids` (each with its servers), in one Join.
    pub async fn join(&self, gids: &[Gid]) -> Result<(), Failure> {
        let groups: Vec<(Gid, Vec<String>)> = gids
            .iter()
            .map(|&gid| (gid, self.group(gid).names()))
            .collect();
        self.admin.join(&groups).await
    }

    /// Groups `gids` leave, in one Leave.
    pub async fn leave(&self, gids: &[Gid]) -> Result<(), Failure> {
        self.admin.leave(gids).await
    }

    /// The latest config's owner of each shard.
    pub async fn owners(&self) -> Result<[Gid; crate::labs::shardmaster::NSHARDS], Failure> {
        Ok(self.admin.query(-1).await?.shards)
    }

    /// A new client of the shard master: a clerk with fresh ends to every
    /// shard master server and a [`MakeEnd`] for the groups' servers, all
    /// reachable. Its operations go into the test's history as client `id`.
    pub fn make_client(&self, id: usize) -> Client<C> {
        self.make_client_of(&self.master, id)
    }

    /// [`ShardKvCluster::make_client`], with the clerk asking `master` for
    /// configs (a second shard master, say).
    pub fn make_client_of(&self, master: &ShardMasterCluster<M, MC>, id: usize) -> Client<C> {
        let number = self.clerks.get();
        self.clerks.set(number + 1);
        let host = format!("client-{number}");
        let masters = self.master_ends(master, &host);
        master.connect_client(&host, &master.all());
        for group in self.groups.values() {
            group.connect_client(&host, &group.all());
        }
        let make_end = MakeEnd::new(&self.links, &host, &self.label(&host));
        let clerk = C::make(self.world.node(host.clone()), masters, make_end);
        let recorded = Recorded::new(Sharded(clerk), id, &self.history);
        Client::new(
            kv::Client::new(recorded, host),
            &self.world,
            &self.history,
            &self.ownership,
            &self.gids,
        )
    }

    /// The largest Raft state any group server has saved.
    pub fn max_raft_state_size(&self) -> usize {
        let sizes = self.groups.values().map(Group::max_raft_state_size);
        sizes.max().unwrap_or(0)
    }

    /// The largest snapshot any group server has saved.
    pub fn max_snapshot_size(&self) -> usize {
        let sizes = self.groups.values().map(Group::max_snapshot_size);
        sizes.max().unwrap_or(0)
    }

    /// Everything every group server has saved, Raft state and snapshots,
    /// in bytes.
    pub fn total_saved(&self) -> usize {
        self.groups.values().map(Group::total_saved).sum()
    }

    /// Checks the configs (as the shard master's tests do) and that no two
    /// groups served one shard at once (see [`super::ownership`]).
    pub async fn check_ownership(&self) -> Result<(), Failure> {
        self.master.check_configs().await?;
        let configs = self.master.configs().await?;
        self.ownership
            .check(&configs, |at| self.master.configs_possible_at(at))
    }
}
