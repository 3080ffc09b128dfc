//! A test's client: a student's clerk whose every operation is recorded,
//! with virtual call and return times, in the test's history.

use std::future::Future;

use super::KvClerk;
use crate::labs::recorded::Recorded;
use crate::linearizability::models::kv::{KvInput, KvOutput};

/// A key/value clerk, recorded (see [`Recorded`]), and the host name its
/// ends belong to.
pub struct Client<C> {
    recorded: Recorded<C, KvInput, KvOutput>,
    host: String,
}

/// The key/value operations a recorded client calls: those of the key/value
/// lab's clerk, or of any lab's clerk with the same three operations (the
/// sharded store's).
pub trait KvOperations: 'static {
    /// The value of `key`, or "" if it has none.
    fn get(&self, key: String) -> impl Future<Output = String>;
    /// Sets `key` to `value`.
    fn put(&self, key: String, value: String) -> impl Future<Output = ()>;
    /// Appends `value` to `key`'s value.
    fn append(&self, key: String, value: String) -> impl Future<Output = ()>;
}

impl<C: KvClerk> KvOperations for C {
    fn get(&self, key: String) -> impl Future<Output = String> {
        KvClerk::get(self, key)
    }

    fn put(&self, key: String, value: String) -> impl Future<Output = ()> {
        KvClerk::put(self, key, value)
    }

    fn append(&self, key: String, value: String) -> impl Future<Output = ()> {
        KvClerk::append(self, key, value)
    }
}

impl<C: KvOperations> Client<C> {
    /// `recorded`, whose calls come from host `host`.
    pub(crate) fn new(recorded: Recorded<C, KvInput, KvOutput>, host: String) -> Client<C> {
        Client { recorded, host }
    }

    /// The client id its operations have in the history.
    pub fn id(&self) -> usize {
        self.recorded.id()
    }

    /// The host its calls come from (`client-N`).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `Get(key)`, recorded.
    pub async fn get(&self, key: &str) -> String {
        let clerk = self.recorded.clerk();
        let output = self
            .recorded
            .call(KvInput::get(key), async {
                KvOutput::Value(clerk.get(key.to_string()).await)
            })
            .await;
        match output {
            KvOutput::Value(value) => value,
            _ => unreachable!("a get's output is its value"),
        }
    }

    /// `Put(key, value)`, recorded.
    pub async fn put(&self, key: &str, value: &str) {
        let clerk = self.recorded.clerk();
        self.recorded
            .call(KvInput::put(key, value), async {
                clerk.put(key.to_string(), value.to_string()).await;
                KvOutput::done()
            })
            .await;
    }

    /// `Append(key, value)`, recorded.
    pub async fn append(&self, key: &str, value: &str) {
        let clerk = self.recorded.clerk();
        self.recorded
            .call(KvInput::append(key, value), async {
                clerk.append(key.to_string(), value.to_string()).await;
                KvOutput::done()
            })
            .await;
    }
}
