use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::{Event, EventKind, Failure, Node, Trace, WorldRng};
use crate::net::{Host, Network};
use crate::sync::lock;

/// The shared state of one test's world: seed, RNG, clock origin, network,
/// trace, and the first failure anything in it reported.
///
/// Cloning is cheap; every clone is the same world.
#[derive(Clone)]
pub struct World(Arc<Inner>);

struct Inner {
    seed: u64,
    rng: WorldRng,
    origin: Instant,
    trace: Mutex<Trace>,
    failure: Mutex<Option<Failure>>,
    failed: Notify,
    net: Network,
    next_node: Mutex<u32>,
    stats: Mutex<BTreeMap<&'static str, u64>>,
    warnings: Mutex<Vec<String>>,
}

impl World {
    /// A new world with this seed. Must be called inside the paused runtime
    /// that [`super::run`] builds, since it reads the virtual clock.
    pub(crate) fn new(seed: u64) -> World {
        World(Arc::new_cyclic(|weak: &Weak<Inner>| Inner {
            seed,
            rng: WorldRng::seeded(seed),
            origin: Instant::now(),
            trace: Mutex::new(Trace::new()),
            failure: Mutex::new(None),
            failed: Notify::new(),
            net: Network::new(weak.clone() as Weak<dyn Host>),
            next_node: Mutex::new(0),
            stats: Mutex::new(BTreeMap::new()),
            warnings: Mutex::new(Vec::new()),
        }))
    }

    /// The seed this world was made from.
    pub fn seed(&self) -> u64 {
        self.0.seed
    }

    /// Virtual time since the world began.
    pub fn now(&self) -> Duration {
        Host::now(&*self.0)
    }

    /// The world's random number generator (see [`WorldRng`]).
    pub fn rng(&self) -> WorldRng {
        self.0.rng.clone()
    }

    /// The world's network.
    pub fn net(&self) -> &Network {
        &self.0.net
    }

    /// A new node with a fresh task set. Names need not be unique; a restarted
    /// server gets a new node with the same name.
    pub fn node(&self, name: impl Into<String>) -> Node {
        let id = {
            let mut next = lock(&self.0.next_node);
            *next += 1;
            *next
        };
        let node = Node::new(self.clone(), id, name.into());
        self.record(EventKind::Start {
            node: node.name_arc(),
        });
        node
    }

    /// Records an event at the current virtual time.
    pub fn record(&self, kind: EventKind) {
        Host::record(&*self.0, kind);
    }

    /// Records a step of the harness (`disconnect(raft-2)`, `one(…) → index
    /// 7`) in the trace, for the timeline, and in the log, where it sits in
    /// virtual time among the student's own lines.
    pub fn step(&self, what: impl Into<Arc<str>>) {
        let what = what.into();
        tracing::info!(target: "harness", "{what}");
        self.record(EventKind::Step { what });
    }

    /// The trace so far.
    pub fn trace(&self) -> MutexGuard<'_, Trace> {
        lock(&self.0.trace)
    }

    /// Sets a figure that describes the run for its report, such as
    /// `servers` or `commands` (the highest index committed).
    pub fn set_stat(&self, name: &'static str, value: u64) {
        lock(&self.0.stats).insert(name, value);
    }

    /// The figures set with [`World::set_stat`].
    pub fn stats(&self) -> BTreeMap<&'static str, u64> {
        lock(&self.0.stats).clone()
    }

    /// Notes something the student should know that does not fail the
    /// test (e.g. "term changed even though there were no failures").
    pub fn warn(&self, warning: impl Into<String>) {
        lock(&self.0.warnings).push(warning.into());
    }

    /// The warnings noted so far.
    pub fn warnings(&self) -> Vec<String> {
        lock(&self.0.warnings).clone()
    }

    /// Reports that the test has failed. The first report wins; the run ends
    /// as soon as the test's task next yields.
    pub fn fail(&self, failure: Failure) {
        self.0.fail(failure);
    }

    /// The first failure reported, if any.
    pub fn failure(&self) -> Option<Failure> {
        lock(&self.0.failure).clone()
    }

    /// Completes when some part of the world has reported a failure.
    pub async fn failed(&self) -> Failure {
        loop {
            let notified = self.0.failed.notified();
            if let Some(f) = self.failure() {
                return f;
            }
            notified.await;
        }
    }
}

/// The world as its network sees it.
impl Host for Inner {
    fn now(&self) -> Duration {
        Instant::now() - self.origin
    }

    fn rng(&self) -> WorldRng {
        self.rng.clone()
    }

    fn record(&self, kind: EventKind) {
        let at = self.now();
        lock(&self.trace).record(Event { at, kind });
    }

    fn fail(&self, message: String) {
        self.fail(Failure::new(message));
    }
}

impl Inner {
    fn fail(&self, failure: Failure) {
        let mut slot = lock(&self.failure);
        if slot.is_none() {
            *slot = Some(failure);
            self.failed.notify_waiters();
        }
    }
}
