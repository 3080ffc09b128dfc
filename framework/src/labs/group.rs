//! A replica group: `n` servers of one lab under the harness's control,
//! lab-neutral. Every lab's harness is built on groups: the Raft lab hosts
//! one group of peers, the key/value lab one group of servers, a sharded
//! store several groups and a shard master's.
//!
//! One vocabulary for every lab:
//!
//! | act | what it does |
//! |---|---|
//! | [`Group::start_with`] | a new incarnation of a server from what it saved (crashing the old one first) |
//! | [`Group::crash`] | the crash protocol: cut off, deleted from the network, persister copied, tasks aborted |
//! | [`Group::connect`] / [`Group::disconnect`] | a server joins the connected servers / is cut off from all |
//! | [`Group::link`] / [`Group::cut`] / [`Group::cut_one_way`] | one pair of servers, both ways or one |
//! | [`Group::partition`] / [`Group::heal`] | servers talk only within their part / everyone talks again |
//! | [`Group::set_link_latency`] | a slow link between two servers |
//! | [`Group::client_ends`] / [`Group::connect_client`] | a client's ends, and which servers it reaches |
//!
//! Links (see [`Links`]) are shared between groups, so a server's ends can
//! reach another group's servers (shard migration) with the same rules.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::Duration;

use rand::seq::SliceRandom;
use tokio::time::sleep;

use super::leaders::Leaders;
use super::links::Links;
use crate::fail;
use crate::net::{ClientEnd, Latency, Server, Service};
use crate::persister::Persister;
use crate::sim::{Failure, Node, World};

/// How a lab reads a server's leadership: the term (or view) it is in, and
/// whether it believes it leads (or is primary) there. A function rather
/// than a trait, because the server type is the student's: the lab's
/// harness supplies, say, `|kv| kv.raft_state()`.
pub type Leadership<T> = fn(&T) -> (u64, bool);

/// A server that is up: the student's object and the node it runs on.
type Running<T> = (Arc<T>, Node);

/// `n` servers named `{name}-0` … `{name}-{n-1}`, each with its persister.
///
/// Every method takes `&self`, so a test can drive several clients at once
/// with `join!` on one task.
pub struct Group<T> {
    links: Links,
    name: String,
    /// What each server saved; replaced by a copy at every crash, so that
    /// nothing a dead incarnation still writes reaches the next one.
    saved: RefCell<Vec<Persister>>,
    running: RefCell<Vec<Option<Running<T>>>>,
    /// Which servers are connected (see [`Group::connect`]).
    connected: RefCell<Vec<bool>>,
    incarnations: Cell<usize>,
    /// How to read a server's leadership, for a lab that has one.
    leadership: Option<Leadership<T>>,
    leaders: Leaders,
}

impl<T> Group<T> {
    /// A group of `n` servers, none started yet, all disconnected, whose
    /// leadership the harness reads with `leadership`: every look, and a
    /// watcher beside each server, check that no term ever has two leaders.
    pub fn new(links: &Links, name: &str, n: usize, leadership: Leadership<T>) -> Group<T> {
        Group::with_leadership(links, name, n, Some(leadership))
    }

    /// A group of servers that have no leadership the harness can read
    /// (primary/backup servers, whose roles the view service assigns).
    pub fn without_leadership(links: &Links, name: &str, n: usize) -> Group<T> {
        Group::with_leadership(links, name, n, None)
    }

    fn with_leadership(
        links: &Links,
        name: &str,
        n: usize,
        leadership: Option<Leadership<T>>,
    ) -> Group<T> {
        let names = (0..n).map(|i| format!("{name}-{i}")).collect();
        Group {
            links: links.clone(),
            name: name.to_string(),
            saved: RefCell::new((0..n).map(|_| Persister::new()).collect()),
            running: RefCell::new((0..n).map(|_| None).collect()),
            connected: RefCell::new(vec![false; n]),
            incarnations: Cell::new(0),
            leadership,
            leaders: Leaders::new(links.world(), names),
        }
    }

    fn world(&self) -> &World {
        self.links.world()
    }

    /// The links the group's servers use (shared with every group and
    /// client of the world).
    pub fn links(&self) -> &Links {
        &self.links
    }

    /// The number of servers.
    pub fn n(&self) -> usize {
        self.saved.borrow().len()
    }

    /// Every server's number.
    pub fn all(&self) -> Vec<usize> {
        (0..self.n()).collect()
    }

    /// What every server's name starts with (`kv` for `kv-0` …).
    pub fn prefix(&self) -> &str {
        &self.name
    }

    /// Server `i`'s name on the network (the node its calls come from).
    pub fn name(&self, i: usize) -> String {
        format!("{}-{i}", self.name)
    }

    /// Every server's name, in order.
    pub fn names(&self) -> Vec<String> {
        (0..self.n()).map(|i| self.name(i)).collect()
    }

    /// Server `i`'s object, while it is up.
    pub fn get(&self, i: usize) -> Option<Arc<T>> {
        self.running.borrow()[i]
            .as_ref()
            .map(|(object, _)| object.clone())
    }

    /// Whether server `i` is up (started and not crashed).
    pub fn is_up(&self, i: usize) -> bool {
        self.running.borrow()[i].is_some()
    }

    /// Whether server `i` is connected (see [`Group::connect`]).
    pub fn is_connected(&self, i: usize) -> bool {
        self.connected.borrow()[i]
    }

    /// Starts a new incarnation of server `i`, crashing the old one first:
    /// `make` gets a fresh node, ends to every server of the group (`ends[j]`
    /// reaches server `j`; each enabled as its link is, so a server that was
    /// cut off stays so until connected) and a copy of what the server saved,
    /// and returns the object and the services to host.
    pub fn start_with(
        &self,
        i: usize,
        make: impl FnOnce(Node, Vec<ClientEnd>, Persister) -> (Arc<T>, Vec<Service>),
    ) -> Arc<T>
    where
        T: Send + Sync + 'static,
    {
        let me = self.name(i);
        self.world().step(format!("start {me}"));
        self.crash_quietly(i);
        let incarnation = self.incarnations.get() + 1;
        self.incarnations.set(incarnation);
        let ends = self.ends_from(&me, &format!("{me}#{incarnation}"));
        let persister = {
            let mut saved = self.saved.borrow_mut();
            saved[i] = saved[i].copy();
            saved[i].clone()
        };
        let node = self.world().node(me.clone());
        let (object, services) = make(node.clone(), ends, persister);
        let server = services
            .into_iter()
            .fold(Server::new(node.clone()), Server::with);
        self.world().net().add_server(&me, server);
        if let Some(leadership) = self.leadership {
            node.spawn(self.leaders.clone().watch(i, object.clone(), leadership));
        }
        self.running.borrow_mut()[i] = Some((object.clone(), node));
        object
    }

    /// Crashes server `i` by the crash protocol (see [`crate::persister`]):
    /// cut off from every server, deleted from the network (nothing it
    /// answers later is delivered), its ends retired, its persister
    /// replaced by a copy, its node's tasks aborted. Its saved state
    /// survives for the next [`Group::start_with`]. Nothing happens to a
    /// server that is down, beyond cutting it off.
    pub fn crash(&self, i: usize) {
        self.world().step(format!("crash {}", self.name(i)));
        self.crash_quietly(i);
    }

    /// [`Group::crash`], without a step in the log (a restart logs its own).
    fn crash_quietly(&self, i: usize) {
        self.cut_off(i);
        let me = self.name(i);
        self.world().net().delete_server(&me);
        {
            let mut saved = self.saved.borrow_mut();
            saved[i] = saved[i].copy();
        }
        self.links.retire(&me);
        if let Some((_, node)) = self.running.borrow_mut()[i].take() {
            node.crash();
        }
        self.leaders.down(i);
    }

    /// Fresh ends from host `owner` to every server of the group, named
    /// `{label}->{server}` (labels must be unique for the whole run), each
    /// enabled as its link is.
    pub fn ends_from(&self, owner: &str, label: &str) -> Vec<ClientEnd> {
        self.names()
            .into_iter()
            .map(|server| self.links.end(format!("{label}->{server}"), owner, &server))
            .collect()
    }

    /// Connects server `i` to every connected server, both ways (the
    /// classic `connect(i)`), and marks it connected.
    pub fn connect(&self, i: usize) {
        self.world().step(format!("connect {}", self.name(i)));
        let mut connected = self.connected.borrow_mut();
        connected[i] = true;
        for j in (0..self.n()).filter(|&j| connected[j]) {
            self.set_pair(i, j, true);
        }
    }

    /// Cuts server `i` off from every server, both ways (itself included),
    /// and marks it disconnected.
    pub fn disconnect(&self, i: usize) {
        self.world().step(format!("disconnect {}", self.name(i)));
        self.cut_off(i);
    }

    /// [`Group::disconnect`], without a step in the log.
    fn cut_off(&self, i: usize) {
        self.connected.borrow_mut()[i] = false;
        for j in 0..self.n() {
            self.set_pair(i, j, false);
        }
    }

    /// Brings up the links between servers `i` and `j`, both ways.
    pub fn link(&self, i: usize, j: usize) {
        let (a, b) = (self.name(i), self.name(j));
        self.world().step(format!("link {a} <-> {b}"));
        self.set_pair(i, j, true);
    }

    /// Cuts the links between servers `i` and `j`, both ways, leaving their
    /// other links as they are.
    pub fn cut(&self, i: usize, j: usize) {
        let (a, b) = (self.name(i), self.name(j));
        self.world().step(format!("cut {a} <-> {b}"));
        self.set_pair(i, j, false);
    }

    /// The links between servers `i` and `j`, both ways, up or down.
    fn set_pair(&self, i: usize, j: usize, up: bool) {
        self.links.set_both(&self.name(i), &self.name(j), up);
    }

    /// Cuts only what server `from` sends to server `to`: `to`'s requests
    /// (and the replies to them) still go through.
    pub fn cut_one_way(&self, from: usize, to: usize) {
        let (a, b) = (self.name(from), self.name(to));
        self.world().step(format!("cut {a} -> {b}"));
        self.links.set(&a, &b, false);
    }

    /// Gives the links between servers `i` and `j` (both ways) their own
    /// latency, or the network's again with `None`: a slow or distant
    /// server, as a per-server fault profile.
    pub fn set_link_latency(&self, i: usize, j: usize, latency: Option<Latency>) {
        let (a, b) = (self.name(i), self.name(j));
        self.world().step(match latency {
            Some(latency) => format!("latency {a} <-> {b}: {latency:?}"),
            None => format!("latency {a} <-> {b}: the network's"),
        });
        let net = self.world().net();
        net.set_link_latency(&self.name(i), &self.name(j), latency);
        net.set_link_latency(&self.name(j), &self.name(i), latency);
    }

    /// Splits the servers into parts that can talk only among themselves
    /// (each listed server is marked connected; unlisted ones keep their
    /// links).
    pub fn partition(&self, parts: &[&[usize]]) {
        let shown: Vec<String> = parts
            .iter()
            .map(|part| {
                let names: Vec<String> = part.iter().map(|&i| self.name(i)).collect();
                format!("[{}]", names.join(" "))
            })
            .collect();
        self.world().step(format!("partition {}", shown.join(" ")));
        self.split(parts);
    }

    /// [`Group::partition`], without a step in the log.
    fn split(&self, parts: &[&[usize]]) {
        for (p, part) in parts.iter().enumerate() {
            for &i in *part {
                self.connected.borrow_mut()[i] = true;
                for (q, other) in parts.iter().enumerate() {
                    for &j in *other {
                        self.set_pair(i, j, p == q);
                    }
                }
            }
        }
    }

    /// Connects every server to every other, both ways.
    pub fn heal(&self) {
        self.world().step("heal");
        self.split(&[&self.all()]);
    }

    /// Fresh ends for client `owner` to every server, in server order,
    /// named `{owner}->{server}`, each enabled as its link is (a new client's
    /// links are down: see [`Group::connect_client`]).
    pub fn client_ends(&self, owner: &str) -> Vec<ClientEnd> {
        self.ends_from(owner, owner)
    }

    /// A clerk's ends: [`Group::client_ends`] in an order drawn from the
    /// world's generator, so that a clerk cannot take end `i` to reach
    /// server `i` (as in the classic labs, which shuffle them too).
    pub fn shuffled_client_ends(&self, owner: &str) -> Vec<ClientEnd> {
        let mut ends = self.client_ends(owner);
        ends.shuffle(&mut self.world().rng());
        ends
    }

    /// Lets client `owner` reach exactly the servers in `to`.
    pub fn connect_client(&self, owner: &str, to: &[usize]) {
        let names: Vec<String> = to.iter().map(|&j| self.name(j)).collect();
        self.world()
            .step(format!("connect {owner} to [{}]", names.join(" ")));
        for j in 0..self.n() {
            self.links.set(owner, &self.name(j), to.contains(&j));
        }
    }

    /// Server `i`'s leadership (see [`Leadership`]), while it is up; none
    /// for a group without leadership. A second leader of a term fails the
    /// test at once (see [`Group::new`]).
    pub fn leadership(&self, i: usize) -> Option<(u64, bool)> {
        let (leadership, server) = (self.leadership?, self.get(i)?);
        let state = leadership(&server);
        if let Err(failure) = self.leaders.saw(i, state) {
            self.world().fail(failure);
        }
        Some(state)
    }

    /// What the harness has seen of the group's leadership, for a lab's
    /// own looks at its servers (the Raft lab's checks and appliers, which
    /// read `state()` themselves).
    pub(crate) fn leaders(&self) -> &Leaders {
        &self.leaders
    }

    /// While a scripted test builds a scenario, says after the facts of a
    /// second leader of a term what the scenario was (`None` once over).
    pub fn explain_leaders(&self, context: Option<String>) {
        self.leaders.explain(context);
    }

    /// Whether server `i` is up and believes it leads.
    pub fn is_leader(&self, i: usize) -> bool {
        self.leadership(i).is_some_and(|(_, leads)| leads)
    }

    /// A server that believes it leads, if any (the lowest-numbered).
    pub fn leader(&self) -> Option<usize> {
        (0..self.n()).find(|&i| self.is_leader(i))
    }

    /// Waits until some server believes it leads, looking every 100 ms of
    /// virtual time for up to `limit`.
    pub async fn wait_for_leader(&self, limit: Duration) -> Result<usize, Failure> {
        const POLL: Duration = Duration::from_millis(100);
        for _ in 0..limit.div_duration_f64(POLL).ceil() as u64 {
            if let Some(leader) = self.leader() {
                return Ok(leader);
            }
            sleep(POLL).await;
        }
        fail!("no server became leader within {limit:?}")
    }

    /// The servers that believe they lead the latest term any server leads.
    pub fn leaders_of_latest_term(&self) -> Vec<usize> {
        let leading: Vec<(u64, usize)> = (0..self.n())
            .filter_map(|i| match self.leadership(i)? {
                (term, true) => Some((term, i)),
                _ => None,
            })
            .collect();
        let latest = leading.iter().map(|(t, _)| *t).max();
        leading
            .into_iter()
            .filter(|(t, _)| Some(*t) == latest)
            .map(|(_, i)| i)
            .collect()
    }

    /// RPCs that reached server `i`'s handlers (its current incarnation).
    pub fn rpc_count(&self, i: usize) -> u64 {
        self.world().net().incoming(&self.name(i))
    }

    /// The largest Raft state any server has saved.
    pub fn max_raft_state_size(&self) -> usize {
        self.saved
            .borrow()
            .iter()
            .map(Persister::raft_state_size)
            .max()
            .unwrap_or(0)
    }

    /// Everything every server has saved, Raft state and snapshot, in
    /// bytes.
    pub fn total_saved(&self) -> usize {
        let saved = self.saved.borrow();
        let each = saved
            .iter()
            .map(|p| p.raft_state_size() + p.snapshot_size());
        each.sum()
    }

    /// The largest snapshot any server has saved.
    pub fn max_snapshot_size(&self) -> usize {
        self.saved
            .borrow()
            .iter()
            .map(Persister::snapshot_size)
            .max()
            .unwrap_or(0)
    }
}
