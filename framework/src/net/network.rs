use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::hold::{Hold, HoldState, Message};
use super::host::WeakHost;
use super::inbound::Inbound;
use super::stall::StallWatch;
use super::{ClientEnd, Contents, Faults, Held, Latency, Server};
use crate::sync::lock;

/// The harness's handle on the emulated network (one per world, at
/// [`crate::sim::World::net`]). Cloning is cheap; clones are the same network.
///
/// Ends and servers are addressed by name. A new end starts disabled and
/// unconnected; connecting it is allowed once in its lifetime.
#[derive(Clone)]
pub struct Network(Arc<Inner>);

struct Inner {
    host: WeakHost,
    state: Mutex<State>,
}

pub(crate) struct State {
    pub(crate) ends: Vec<EndEntry>,
    end_ids: BTreeMap<String, usize>,
    /// `None` once deleted: the name stays known, calls to it fail.
    pub(crate) servers: BTreeMap<Arc<str>, Option<Server>>,
    pub(crate) faults: Faults,
    /// Every message's time on the wire, unless its link has its own.
    latency: Latency,
    /// Latencies of particular links, by (calling node, server).
    link_latency: BTreeMap<(Arc<str>, Arc<str>), Latency>,
    /// Servers whose inbound side has faults of its own, by name.
    pub(crate) inbound: BTreeMap<Arc<str>, Inbound>,
    /// Every hold rule the test made, by the id its handle has.
    pub(crate) holds: Vec<HoldState>,
    pub(crate) stall: StallWatch,
    pub(crate) rpcs: u64,
    pub(crate) bytes: u64,
    pub(crate) next_rpc: u64,
    /// Per calling node: how many replies it has been delivered, and the
    /// server of the last one.
    pub(crate) answers: BTreeMap<Arc<str>, Answers>,
    /// The latest messages' bytes, for the timeline.
    pub(crate) contents: Contents,
}

/// The replies delivered to one calling node (see [`Network::answers`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answers {
    /// How many replies it has been delivered since the world began.
    pub count: u64,
    /// The server whose reply it was delivered last.
    pub last: Option<Arc<str>>,
}

pub(crate) struct EndEntry {
    pub(crate) enabled: bool,
    pub(crate) server: Option<Arc<str>>,
    /// Who sends through this end, for the trace.
    pub(crate) owner: Arc<str>,
}

impl State {
    /// The server end `end` reaches now, if it is enabled and connected to a
    /// live server.
    pub(crate) fn route(&self, end: usize) -> Option<(Arc<str>, Server)> {
        let entry = &self.ends[end];
        if !entry.enabled {
            return None;
        }
        let name = entry.server.as_ref()?;
        let server = self.servers.get(name)?.as_ref()?;
        Some((name.clone(), server.clone()))
    }

    /// True when a call on `end` that reached `server` can no longer be
    /// answered: the end was disabled, or the server deleted or replaced.
    pub(crate) fn is_dead(&self, end: usize, name: &str, server: &Server) -> bool {
        !self.ends[end].enabled
            || !matches!(self.servers.get(name), Some(Some(current)) if current.same(server))
    }

    /// The time on the wire of messages between `caller` and `server`.
    pub(crate) fn latency(&self, caller: &Arc<str>, server: &Arc<str>) -> Latency {
        self.link_latency
            .get(&(caller.clone(), server.clone()))
            .copied()
            .unwrap_or(self.latency)
    }

    /// The first hold rule that catches this message, if any: the message's
    /// call then waits on the receiver.
    pub(crate) fn catch(
        &mut self,
        message: &Message<'_>,
    ) -> Option<tokio::sync::oneshot::Receiver<bool>> {
        self.holds.iter_mut().find_map(|hold| hold.catch(message))
    }
}

impl Network {
    /// A network in the world `host`, reliable, with the default latency.
    pub(crate) fn new(host: WeakHost) -> Network {
        Network(Arc::new(Inner {
            host,
            state: Mutex::new(State {
                ends: Vec::new(),
                end_ids: BTreeMap::new(),
                servers: BTreeMap::new(),
                faults: Faults::default(),
                latency: Latency::DEFAULT,
                link_latency: BTreeMap::new(),
                inbound: BTreeMap::new(),
                holds: Vec::new(),
                stall: StallWatch::default(),
                rpcs: 0,
                bytes: 0,
                next_rpc: 0,
                answers: BTreeMap::new(),
                contents: Contents::default(),
            }),
        }))
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.0.state)
    }

    pub(crate) fn host(&self) -> &WeakHost {
        &self.0.host
    }

    /// Makes a new, disabled, unconnected end. `owner` names the node that
    /// will call through it (the trace shows calls as from the owner).
    /// Panics if the name is taken: end names are unique for the whole run.
    pub fn make_end(&self, name: impl Into<String>, owner: &str) -> ClientEnd {
        let name = name.into();
        let mut state = self.state();
        let id = state.ends.len();
        assert!(
            state.end_ids.insert(name.clone(), id).is_none(),
            "end name {name} is already used"
        );
        state.ends.push(EndEntry {
            enabled: false,
            server: None,
            owner: owner.into(),
        });
        ClientEnd::new(self.clone(), id)
    }

    fn end_id(state: &State, end: &str) -> usize {
        *state
            .end_ids
            .get(end)
            .unwrap_or_else(|| panic!("no end named {end}"))
    }

    /// Connects an end to a server name (the server may come later).
    /// Panics if the end is already connected.
    pub fn connect(&self, end: &str, server: &str) {
        let mut state = self.state();
        let id = Self::end_id(&state, end);
        let entry = &mut state.ends[id];
        assert!(entry.server.is_none(), "end {end} is already connected");
        entry.server = Some(server.into());
    }

    /// Enables or disables an end.
    pub fn enable(&self, end: &str, enabled: bool) {
        let mut state = self.state();
        let id = Self::end_id(&state, end);
        state.ends[id].enabled = enabled;
    }

    /// Puts a server on the network under `name`, replacing (and so cutting
    /// off) any server of that name.
    pub fn add_server(&self, name: &str, server: Server) {
        let mut state = self.state();
        for (method, readers) in server.readers() {
            state.contents.learn(method, readers);
        }
        state.servers.insert(name.into(), Some(server));
    }

    /// What the latest messages said (see [`Contents`]), taken from the
    /// network once its run is over.
    pub fn take_contents(&self) -> Contents {
        std::mem::take(&mut self.state().contents)
    }

    /// Takes a server off the network: calls to it fail, and the replies of
    /// calls in flight are never delivered.
    pub fn delete_server(&self, name: &str) {
        if let Some(slot) = self.state().servers.get_mut(name) {
            *slot = None;
        }
    }

    /// The server now on the network under `name`.
    pub fn server(&self, name: &str) -> Option<Server> {
        self.state().servers.get(name).cloned().flatten()
    }

    /// Requests that reached a handler of the server now called `name`
    /// (0 if there is none).
    pub fn incoming(&self, name: &str) -> u64 {
        self.server(name).map_or(0, |s| s.incoming())
    }

    /// The replies delivered so far to the calls node `caller` made: a
    /// harness that knows a client sends one request at a time learns from
    /// it which server answered an operation.
    pub fn answers(&self, caller: &str) -> Answers {
        self.state()
            .answers
            .get(caller)
            .cloned()
            .unwrap_or_default()
    }

    /// The fault settings.
    pub fn faults(&self) -> Faults {
        self.state().faults
    }

    /// Replaces the fault settings; calls already past a decision keep it.
    pub fn set_faults(&self, faults: Faults) {
        self.state().faults = faults;
    }

    /// Turns the unreliable network on or off, keeping the other settings.
    pub fn set_unreliable(&self, unreliable: bool) {
        self.state().faults.unreliable = unreliable;
    }

    /// Turns long delays on or off, keeping the other settings.
    pub fn set_long_delays(&self, on: bool) {
        self.state().faults.long_delays = on;
    }

    /// Turns long reordering on or off, keeping the other settings.
    pub fn set_long_reordering(&self, on: bool) {
        self.state().faults.long_reordering = on;
    }

    /// Sets every message's time on the wire (links with a latency of their
    /// own keep it).
    pub fn set_latency(&self, latency: Latency) {
        self.state().latency = latency;
    }

    /// The time on the wire of links without one of their own.
    pub fn latency(&self) -> Latency {
        self.state().latency
    }

    /// Sets the time on the wire of the calls that node `caller` makes to
    /// `server`, and of their replies; `None` gives the link the network's
    /// latency again.
    pub fn set_link_latency(&self, caller: &str, server: &str, latency: Option<Latency>) {
        let key = (caller.into(), server.into());
        let mut state = self.state();
        match latency {
            Some(latency) => state.link_latency.insert(key, latency),
            None => state.link_latency.remove(&key),
        };
    }

    /// Makes the server called `name` unreliable, or reliable again: of the
    /// requests that reach it, 10 % are dropped before its handler runs and
    /// 20 % of the others run with their reply lost (the caller learns of
    /// the failure at once, possibly before the handler finishes), as in
    /// the classic primary/backup lab. The setting belongs to the name, so
    /// it stays across restarts; it adds to the network's own faults.
    pub fn set_server_unreliable(&self, name: &str, unreliable: bool) {
        self.state()
            .inbound
            .entry(name.into())
            .or_default()
            .unreliable = unreliable;
    }

    /// Whether the server called `name` is unreliable (see
    /// [`Network::set_server_unreliable`]).
    pub fn server_unreliable(&self, name: &str) -> bool {
        self.state()
            .inbound
            .get(name)
            .is_some_and(|inbound| inbound.unreliable)
    }

    /// Puts a serial queue in front of the server called `name`: each
    /// request that reaches it waits until the one before it has been let
    /// through, then `delay` more (zero removes the queue for requests
    /// that arrive from now on). Replies are not delayed. The classic
    /// primary/backup tests' proxy, which holds a partitioned primary's
    /// requests for seconds, one after another.
    pub fn set_inbound_delay(&self, name: &str, delay: Duration) {
        self.state().inbound.entry(name.into()).or_default().delay = delay;
    }

    /// Starts holding the messages that `rule` matches (see [`Hold`]); the
    /// handle releases or discards them.
    pub fn hold(&self, rule: Hold) -> Held {
        let mut state = self.state();
        state.holds.push(HoldState::new(rule));
        Held::new(self.clone(), state.holds.len() - 1)
    }

    /// Total RPCs sent and total bytes (requests at send time, replies on
    /// delivery) since the world began.
    pub fn totals(&self) -> (u64, u64) {
        let state = self.state();
        (state.rpcs, state.bytes)
    }
}
