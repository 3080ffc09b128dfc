//! A test's client: a student's clerk whose every operation is recorded,
//! with virtual call and return times, in the test's history.

use std::sync::Arc;

use super::KvClerk;
use super::cluster::SharedHistory;
use crate::linearizability::models::kv::{KvInput, KvOutput};
use crate::sim::World;
use crate::sync::lock;

/// A clerk, recorded. Operations that never return (the test stops waiting)
/// stay open in the history: their outcome is unknown.
pub struct Client<C> {
    clerk: Arc<C>,
    id: usize,
    number: usize,
    history: SharedHistory,
    world: World,
}

impl<C: KvClerk> Client<C> {
    pub(crate) fn new(
        clerk: C,
        id: usize,
        number: usize,
        history: SharedHistory,
        world: World,
    ) -> Client<C> {
        Client {
            clerk: Arc::new(clerk),
            id,
            number,
            history,
            world,
        }
    }

    /// The client id its operations have in the history.
    pub fn id(&self) -> usize {
        self.id
    }

    /// The clerk's number among the cluster's clerks (for its ends).
    pub(crate) fn number(&self) -> usize {
        self.number
    }

    fn now(&self) -> i64 {
        self.world.now().as_nanos() as i64
    }

    /// Records `input`, runs `op`, records its output.
    async fn recorded(&self, input: KvInput, op: impl Future<Output = KvOutput>) -> KvOutput {
        let call = lock(&self.history).call(self.id, input, self.now());
        let output = op.await;
        let mut history = lock(&self.history);
        history.ret(call, output.clone(), self.now());
        self.world.set_stat("ops", history.len() as u64);
        output
    }

    /// `Get(key)`, recorded.
    pub async fn get(&self, key: &str) -> String {
        let output = self
            .recorded(KvInput::get(key), async {
                KvOutput::Value(self.clerk.get(key.to_string()).await)
            })
            .await;
        match output {
            KvOutput::Value(value) => value,
            _ => unreachable!("a get's output is its value"),
        }
    }

    /// `Put(key, value)`, recorded.
    pub async fn put(&self, key: &str, value: &str) {
        self.recorded(KvInput::put(key, value), async {
            self.clerk.put(key.to_string(), value.to_string()).await;
            KvOutput::done()
        })
        .await;
    }

    /// `Append(key, value)`, recorded.
    pub async fn append(&self, key: &str, value: &str) {
        self.recorded(KvInput::append(key, value), async {
            self.clerk.append(key.to_string(), value.to_string()).await;
            KvOutput::done()
        })
        .await;
    }
}
