//! What the labs' harnesses share about hosting a group of servers: each
//! server's saved state across crashes (the crash protocol), fresh ends for
//! each incarnation, and the links between servers.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use crate::net::{ClientEnd, Server, Service};
use crate::persister::Persister;
use crate::sim::{Node, World};

/// A server that is up: the student's object and the node it runs on.
type Running<T> = (Arc<T>, Node);

/// `n` servers named `{prefix}-0` … `{prefix}-{n-1}`: what each saved and,
/// while it is up, the student's object and the node it runs on.
pub(crate) struct Hosts<T> {
    world: World,
    prefix: &'static str,
    /// What each server saved; replaced by a copy at every crash, so that
    /// nothing a dead incarnation still writes reaches the next one.
    saved: RefCell<Vec<Persister>>,
    running: RefCell<Vec<Option<Running<T>>>>,
    /// Names of the ends from server i to server j (current incarnation).
    links: RefCell<Vec<Option<Vec<String>>>>,
    incarnations: Cell<usize>,
}

impl<T> Hosts<T> {
    pub(crate) fn new(world: &World, prefix: &'static str, n: usize) -> Hosts<T> {
        Hosts {
            world: world.clone(),
            prefix,
            saved: RefCell::new((0..n).map(|_| Persister::new()).collect()),
            running: RefCell::new((0..n).map(|_| None).collect()),
            links: RefCell::new(vec![None; n]),
            incarnations: Cell::new(0),
        }
    }

    fn n(&self) -> usize {
        self.saved.borrow().len()
    }

    /// Server `i`'s name on the network.
    pub(crate) fn name(&self, i: usize) -> String {
        format!("{}-{i}", self.prefix)
    }

    /// Server `i`'s object, while it is up.
    pub(crate) fn get(&self, i: usize) -> Option<Arc<T>> {
        self.running.borrow()[i]
            .as_ref()
            .map(|(object, _)| object.clone())
    }

    /// Whether server `i` is up.
    pub(crate) fn is_up(&self, i: usize) -> bool {
        self.running.borrow()[i].is_some()
    }

    /// The crash protocol (see [`crate::persister`]), once the caller has
    /// cut the server's links: delete it from the network, so nothing it
    /// answers later is delivered; replace its persister by a copy; abort
    /// every task of its node.
    pub(crate) fn crash(&self, i: usize) {
        self.world.net().delete_server(&self.name(i));
        {
            let mut saved = self.saved.borrow_mut();
            saved[i] = saved[i].copy();
        }
        if let Some((_, node)) = self.running.borrow_mut()[i].take() {
            node.crash();
        }
    }

    /// Fresh, disabled ends from `owner` to every server, named
    /// `{label}->{server}` (labels must be unique for the whole run).
    pub(crate) fn ends_to_all(&self, owner: &str, label: &str) -> (Vec<String>, Vec<ClientEnd>) {
        let net = self.world.net();
        (0..self.n())
            .map(|j| {
                let name = format!("{label}->{}", self.name(j));
                let end = net.make_end(&name, owner);
                net.connect(&name, &self.name(j));
                (name, end)
            })
            .unzip()
    }

    /// What a new incarnation of server `i` starts from: a fresh node, its
    /// ends to every server (disabled, remembered as its links), and a copy
    /// of what it saved.
    pub(crate) fn prepare(&self, i: usize) -> (Node, Vec<ClientEnd>, Persister) {
        let incarnation = self.incarnations.get() + 1;
        self.incarnations.set(incarnation);
        let (names, ends) =
            self.ends_to_all(&self.name(i), &format!("{}#{incarnation}", self.name(i)));
        self.links.borrow_mut()[i] = Some(names);
        let persister = {
            let mut saved = self.saved.borrow_mut();
            saved[i] = saved[i].copy();
            saved[i].clone()
        };
        (self.world.node(self.name(i)), ends, persister)
    }

    /// Puts the new incarnation of server `i` on the network.
    pub(crate) fn host(&self, i: usize, object: Arc<T>, node: Node, services: Vec<Service>) {
        let server = services
            .into_iter()
            .fold(Server::new(node.clone()), Server::with);
        self.world.net().add_server(&self.name(i), server);
        self.running.borrow_mut()[i] = Some((object, node));
    }

    /// Enables or disables the ends between servers `i` and `j`, both ways.
    pub(crate) fn set_link(&self, i: usize, j: usize, enabled: bool) {
        let links = self.links.borrow();
        let net = self.world.net();
        if let Some(out) = &links[i] {
            net.enable(&out[j], enabled);
        }
        if let Some(out) = &links[j] {
            net.enable(&out[i], enabled);
        }
    }

    /// The largest Raft state any server has saved.
    pub(crate) fn max_raft_state_size(&self) -> usize {
        self.saved
            .borrow()
            .iter()
            .map(Persister::raft_state_size)
            .max()
            .unwrap_or(0)
    }

    /// The largest snapshot any server has saved.
    pub(crate) fn max_snapshot_size(&self) -> usize {
        self.saved
            .borrow()
            .iter()
            .map(Persister::snapshot_size)
            .max()
            .unwrap_or(0)
    }
}
