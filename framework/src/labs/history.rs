//! A test's history: every operation its recorded clients made, with
//! virtual call and return times, for the linearizability check.

use std::sync::{Arc, Mutex};

use crate::linearizability::{CallHandle, HistoryBuilder, Operation};
use crate::sim::World;
use crate::sync::lock;

/// The history all clients of a test append to (cloning shares it). It also
/// keeps the world's `ops` statistic: how many operations were called.
pub struct History<I, O> {
    world: World,
    ops: Arc<Mutex<HistoryBuilder<I, O>>>,
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
            ops: Arc::new(Mutex::new(HistoryBuilder::new())),
        }
    }

    fn now(&self) -> i64 {
        self.world.now().as_nanos() as i64
    }

    /// Client `client` calls an operation now.
    pub fn call(&self, client: usize, input: I) -> CallHandle {
        let now = self.now();
        lock(&self.ops).call(client, input, now)
    }

    /// The operation `call` returns `output` now.
    pub fn ret(&self, call: CallHandle, output: O) {
        let now = self.now();
        let mut ops = lock(&self.ops);
        ops.ret(call, output, now);
        self.world.set_stat("ops", ops.len() as u64);
    }

    /// Takes every operation so far, leaving the history empty; those still
    /// open get `pending` as their output (their outcome is unknown).
    pub fn take(&self, pending: O) -> Vec<Operation<I, O>> {
        std::mem::take(&mut *lock(&self.ops)).finish(pending)
    }
}
