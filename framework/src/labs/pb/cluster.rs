//! The primary/backup lab under the harness's control: the student's view
//! service, carried and watched by the kit, and a [`Group`] of servers that
//! are killed and restarted (empty) under their names, with clerks whose
//! every operation is recorded and attributed to the server and view that
//! answered it.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::sleep;

use super::client::Client;
use super::monitor::Monitor;
use super::{
    GET_VIEW, MakeEnd, PING, PING_INTERVAL, PbClerk, PbServer, PbSetup, VIEW_SERVICE, View,
    ViewClerk, ViewService,
};
use crate::labs::group::Group;
use crate::labs::history::History;
use crate::labs::links::Links;
use crate::linearizability::models::kv::{KvInput, KvOutput};
use crate::net::{Server, Service};
use crate::sim::World;

/// The view service (host `viewservice`), `n` primary/backup servers named
/// `pb-0` … `pb-{n-1}` (none started at first), and their clients.
///
/// The group's vocabulary (crash, cut, …) is the cluster's too, through
/// `Deref`; [`PbCluster::kill`] and [`PbCluster::start`] are the lab's own
/// words for a server's life.
pub struct PbCluster<V: ViewService, S: PbServer, C: PbClerk> {
    world: World,
    links: Links,
    vs: Arc<V>,
    monitor: Arc<Monitor>,
    group: Group<S>,
    /// Servers made unreliable by the test, and whether their restarts
    /// stay so.
    unreliable: RefCell<BTreeMap<usize, bool>>,
    /// How many clients have been made (each is host `client-N`).
    clients: Cell<usize>,
    /// How many end labels have been given out.
    labels: Cell<usize>,
    pub(crate) history: History<KvInput, KvOutput>,
    clerk_type: std::marker::PhantomData<C>,
}

impl<V: ViewService, S: PbServer, C: PbClerk> Deref for PbCluster<V, S, C> {
    type Target = Group<S>;

    fn deref(&self) -> &Group<S> {
        &self.group
    }
}

impl<V: ViewService, S: PbServer, C: PbClerk> PbCluster<V, S, C> {
    /// Starts the view service (and its ticks) with room for `n` servers,
    /// none of them started yet.
    pub fn new(world: &World, n: usize) -> PbCluster<V, S, C> {
        world.set_stat("servers", n as u64);
        let links = Links::new(world);
        let vs = Arc::new(V::make());
        let monitor = Arc::new(Monitor::new(world));
        let node = world.node(VIEW_SERVICE);
        let service = view_service(&vs, &monitor);
        world
            .net()
            .add_server(VIEW_SERVICE, Server::new(node.clone()).with(service));
        let (ticked, watched) = (vs.clone(), monitor.clone());
        node.spawn(async move {
            loop {
                sleep(PING_INTERVAL).await;
                ticked.tick();
                watched.ticked(&ticked.get());
            }
        });
        PbCluster {
            world: world.clone(),
            group: Group::without_leadership(&links, "pb", n),
            links,
            vs,
            monitor,
            unreliable: RefCell::default(),
            clients: Cell::new(0),
            labels: Cell::new(0),
            history: History::new(world),
            clerk_type: std::marker::PhantomData,
        }
    }

    /// The world the cluster lives in.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The monitor of the view service, which knows every view so far.
    pub fn monitor(&self) -> &Monitor {
        &self.monitor
    }

    /// The current view, read from the view service directly (not counted
    /// as one of its RPCs).
    pub fn view(&self) -> View {
        let view = self.vs.get();
        self.monitor.got(&view);
        view
    }

    /// The number of the server called `name`, if it is one of the group's.
    pub fn number(&self, name: &str) -> Option<usize> {
        (0..self.n()).find(|&i| self.name(i) == name)
    }

    /// Starts a new incarnation of server `i`, with empty state, under its
    /// name (killing the old one first), and connects it to everyone. A
    /// server the test made unreliable stays so unless it was made so for
    /// its first incarnation only.
    pub fn start(&self, i: usize) {
        let me = self.name(i);
        self.group.start_with(i, |node, _, _| {
            let label = self.label(&me);
            let vs = ViewClerk::new(self.links.end(format!("{label}->vs"), &me, VIEW_SERVICE));
            let make_end = MakeEnd::new(&self.links, &me, &self.label(&me));
            let server = Arc::new(S::make(PbSetup {
                node,
                me: me.clone(),
                vs,
                make_end,
            }));
            let services = server.services();
            (server, services)
        });
        self.links.set(&me, VIEW_SERVICE, true);
        self.group.connect(i);
        if self.unreliable.borrow().get(&i) == Some(&false) {
            self.set_unreliable(i, false, false);
        }
    }

    /// Kills server `i`: it is cut off, its tasks stop and nothing it still
    /// sends or answers is delivered.
    pub fn kill(&self, i: usize) {
        self.group.crash(i);
    }

    /// Makes server `i` unreliable (see
    /// [`crate::net::Network::set_server_unreliable`]) or reliable again;
    /// with `after_restart` false, its next incarnation starts reliable (the
    /// classic tests' way).
    pub fn set_unreliable(&self, i: usize, unreliable: bool, after_restart: bool) {
        let name = self.name(i);
        self.world.net().set_server_unreliable(&name, unreliable);
        let mut flags = self.unreliable.borrow_mut();
        if unreliable {
            flags.insert(i, after_restart);
        } else {
            flags.remove(&i);
        }
    }

    /// A unique label for a host's ends (hosts restart, labels never repeat).
    fn label(&self, host: &str) -> String {
        let n = self.labels.get();
        self.labels.set(n + 1);
        format!("{host}~{n}")
    }

    /// A new client `client-N`, reaching the view service and every server,
    /// recorded in the test's history as client `id`.
    pub fn client(&self, id: usize) -> Client<C> {
        let number = self.clients.get();
        self.clients.set(number + 1);
        let host = format!("client-{number}");
        let vs = self.view_clerk(&host);
        let make_end = MakeEnd::new(&self.links, &host, &self.label(&host));
        for server in self.names() {
            self.links.set(&host, &server, true);
        }
        let clerk = C::make(self.world.node(host.clone()), vs, make_end);
        Client::new(clerk, id, host, &self.world, &self.history, &self.monitor)
    }

    /// A connection to the view service from test host `host` (a test's own
    /// "server" that pings, or the pb tests' `vck`).
    pub fn view_clerk(&self, host: &str) -> ViewClerk {
        self.links.set(host, VIEW_SERVICE, true);
        let label = self.label(host);
        ViewClerk::new(self.links.end(format!("{label}->vs"), host, VIEW_SERVICE))
    }

    /// Cuts (or restores) only what server `i` sends to the view service:
    /// its pings fail, everything else goes through.
    pub fn cut_from_view_service(&self, i: usize, cut: bool) {
        self.links.set(&self.name(i), VIEW_SERVICE, !cut);
    }

    /// Puts the classic tests' proxy in front of server `i`: every request
    /// to it waits in a serial queue, then `delay` (zero: no proxy).
    pub fn set_inbound_delay(&self, i: usize, delay: Duration) {
        self.world.net().set_inbound_delay(&self.name(i), delay);
    }

    /// RPCs that reached the view service (pings and gets, from anyone).
    pub fn view_service_rpcs(&self) -> u64 {
        self.world.net().incoming(VIEW_SERVICE)
    }
}

/// The view service's RPCs, carried to the student's service through the
/// monitor.
fn view_service<V: ViewService>(vs: &Arc<V>, monitor: &Arc<Monitor>) -> Service {
    Service::new(PING.service(), (vs.clone(), monitor.clone()))
        .method(PING, |(vs, monitor), args| async move {
            monitor.ping(&args.me, args.viewnum);
            let view = vs.ping(&args.me, args.viewnum);
            monitor.answered(
                &view,
                &format!("its reply to Ping({}) from {}", args.viewnum, args.me),
            );
            view
        })
        .method(GET_VIEW, |(vs, monitor), ()| async move {
            let view = vs.get();
            monitor.got(&view);
            view
        })
        .build()
}
