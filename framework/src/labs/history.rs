//! A test's history: every operation its recorded clients made, with
//! virtual call and return times, for the linearizability check.
//!
//! # Times
//!
//! Virtual time stands still while tasks run, so an operation that returns
//! and the one its client calls next would share one instant, and the
//! checker would take them as concurrent, which lets through orders that
//! never happened. So every event gets a stamp: its virtual time in
//! nanoseconds, or one nanosecond after the previous event's stamp if that
//! is later. The world runs on one thread, so the stamps are the order in
//! which events really happened, and differ from virtual time by a few
//! nanoseconds at most.

use std::sync::{Arc, Mutex};

use crate::linearizability::{CallHandle, HistoryBuilder, Operation};
use crate::sim::World;
use crate::sync::lock;

/// The history all clients of a test append to (cloning shares it). It also
/// keeps the world's `ops` statistic: how many operations were called.
pub struct History<I, O> {
    world: World,
    ops: Arc<Mutex<Events<I, O>>>,
}

/// The operations so far, and the latest stamp given.
struct Events<I, O> {
    builder: HistoryBuilder<I, O>,
    latest: i64,
}

impl<I, O> Events<I, O> {
    /// The next stamp (see the module documentation).
    fn stamp(&mut self, now: i64) -> i64 {
        self.latest = now.max(self.latest + 1);
        self.latest
    }
}

impl<I, O> Clone for History<I, O> {
    fn clone(&self) -> Self {
        History {
            world: self.world.clone(),
            ops: self.ops.clone(),
        }
    }
}

impl<I, O: Clone> History<I, O> {
    /// An empty history in `world`.
    pub fn new(world: &World) -> History<I, O> {
        History {
            world: world.clone(),
            ops: Arc::new(Mutex::new(Events {
                builder: HistoryBuilder::new(),
                latest: -1,
            })),
        }
    }

    fn now(&self) -> i64 {
        self.world.now().as_nanos() as i64
    }

    /// A stamp for an event that happens now, in the order of the
    /// history's own (see the module documentation): for a harness that
    /// orders what it sees around the operations.
    pub fn stamp(&self) -> i64 {
        let now = self.now();
        lock(&self.ops).stamp(now)
    }

    /// Client `client` calls an operation now.
    pub fn call(&self, client: usize, input: I) -> CallHandle {
        let now = self.now();
        let mut ops = lock(&self.ops);
        let at = ops.stamp(now);
        ops.builder.call(client, input, at)
    }

    /// The operation `call` returns `output` now.
    pub fn ret(&self, call: CallHandle, output: O) {
        let now = self.now();
        let mut ops = lock(&self.ops);
        let at = ops.stamp(now);
        ops.builder.ret(call, output, at);
        self.world.set_stat("ops", ops.builder.len() as u64);
    }

    /// Takes every operation so far, leaving the history empty; those still
    /// open get `pending` as their output (their outcome is unknown).
    pub fn take(&self, pending: O) -> Vec<Operation<I, O>> {
        std::mem::take(&mut lock(&self.ops).builder).finish(pending)
    }
}
