//! Who can reach whom: the state of every directed link between two hosts
//! (servers and clients) of one world, and the ends that use each link.
//!
//! The network knows only ends, each enabled or not. A harness thinks in
//! links: "cut server 2 off from server 0", "let this client reach servers 0
//! and 1". [`Links`] keeps the second view and applies it to the first: an
//! end is enabled exactly when the link from its owner to its server is up,
//! including ends made after the link changed (a restarted server's, or a
//! shard group's end to another group made mid-test). When a host's
//! incarnation ends, its ends are retired: disabled for good, so that
//! nothing a dead incarnation sent is delivered to anyone.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::net::ClientEnd;
use crate::sim::World;
use crate::sync::lock;

/// One directed link: whether it is up, and the live ends that use it.
#[derive(Default)]
struct Link {
    up: bool,
    ends: Vec<String>,
}

/// The links of one world, shared by every replica group and client of a
/// test (cloning shares them). Every link starts down.
#[derive(Clone)]
pub struct Links {
    world: World,
    /// By (from host, to server).
    table: Arc<Mutex<BTreeMap<(String, String), Link>>>,
}

impl Links {
    /// No links up yet, in `world`.
    pub fn new(world: &World) -> Links {
        Links {
            world: world.clone(),
            table: Arc::new(Mutex::new(BTreeMap::new())),
        }
    }

    /// The world the links belong to.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// A new end named `name` from host `from` to server `to`, enabled iff
    /// the link from `from` to `to` is up. End names are unique for the
    /// whole run.
    pub fn end(&self, name: String, from: &str, to: &str) -> ClientEnd {
        let net = self.world.net();
        let end = net.make_end(name.as_str(), from);
        net.connect(&name, to);
        let mut table = lock(&self.table);
        let link = table.entry((from.into(), to.into())).or_default();
        net.enable(&name, link.up);
        link.ends.push(name);
        end
    }

    /// Brings the link from `from` to `to` up or down (one direction only).
    pub fn set(&self, from: &str, to: &str, up: bool) {
        let net = self.world.net();
        let mut table = lock(&self.table);
        let link = table.entry((from.into(), to.into())).or_default();
        link.up = up;
        for end in &link.ends {
            net.enable(end, up);
        }
    }

    /// Brings the links between `a` and `b` up or down, both directions.
    pub fn set_both(&self, a: &str, b: &str, up: bool) {
        self.set(a, b, up);
        self.set(b, a, up);
    }

    /// Disables every end `host` owns, for good: its incarnation is over.
    /// Its links keep their state for the ends of its next incarnation.
    pub fn retire(&self, host: &str) {
        let net = self.world.net();
        let mut table = lock(&self.table);
        for ((from, _), link) in table.iter_mut() {
            if from == host {
                for end in link.ends.drain(..) {
                    net.enable(&end, false);
                }
            }
        }
    }
}

/// Makes ends to servers by name, the names a view or a config lists
/// (`pb-1`, `server-101-2`). [`MakeEnd::end`] gives a fresh end from this
/// host to that server, usable at once: it reaches the server whenever the
/// harness lets this host reach it. Clerks and servers call the same few
/// servers over and over: [`MakeEnd::cached`] keeps one end per name.
/// Cloning is cheap; clones make ends for the same host, and share the
/// kept ones.
#[derive(Clone)]
pub struct MakeEnd {
    links: Links,
    /// The host the ends belong to (their calls come from it).
    owner: String,
    /// Unique to this host's incarnation, so end names never repeat.
    label: String,
    made: Arc<AtomicUsize>,
    /// The ends [`MakeEnd::cached`] made, by server name.
    kept: Arc<Mutex<BTreeMap<String, ClientEnd>>>,
}

impl MakeEnd {
    /// Ends from `owner`, named after `label` (unique for the whole run).
    pub(crate) fn new(links: &Links, owner: &str, label: &str) -> MakeEnd {
        MakeEnd {
            links: links.clone(),
            owner: owner.to_string(),
            label: label.to_string(),
            made: Arc::default(),
            kept: Arc::default(),
        }
    }

    /// A new end to the server named `server`.
    pub fn end(&self, server: &str) -> ClientEnd {
        let n = self.made.fetch_add(1, Ordering::Relaxed);
        let name = format!("{}/{n}->{server}", self.label);
        self.links.end(name, &self.owner, server)
    }

    /// The end to the server named `server` that this host keeps: made on
    /// the first call for that name, the same end afterwards.
    pub fn cached(&self, server: &str) -> ClientEnd {
        lock(&self.kept)
            .entry(server.to_string())
            .or_insert_with(|| self.end(server))
            .clone()
    }
}
