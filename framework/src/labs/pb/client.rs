//! A test's client of the primary/backup service: the student's clerk,
//! recorded in the test's history like a key/value client, with every
//! answer checked against the views: only the primary of the view a server
//! says it answers in may answer, and only in a view the view service
//! handed out (the split-brain check).

use std::sync::Arc;

use super::monitor::{Monitor, show};
use super::{PbClerk, Served};
use crate::labs::history::History;
use crate::linearizability::models::kv::{KvInput, KvOutput};
use crate::sim::{Failure, World};

/// A primary/backup clerk, recorded, whose answers are attributed.
pub struct Client<C> {
    clerk: C,
    id: usize,
    host: String,
    world: World,
    history: History<KvInput, KvOutput>,
    monitor: Arc<Monitor>,
}

impl<C: PbClerk> Client<C> {
    pub(crate) fn new(
        clerk: C,
        id: usize,
        host: String,
        world: &World,
        history: &History<KvInput, KvOutput>,
        monitor: &Arc<Monitor>,
    ) -> Client<C> {
        Client {
            clerk,
            id,
            host,
            world: world.clone(),
            history: history.clone(),
            monitor: monitor.clone(),
        }
    }

    /// The client id its operations have in the history.
    pub fn id(&self) -> usize {
        self.id
    }

    /// The host its calls come from (`client-N`).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `Get(key)`, recorded and attributed.
    pub async fn get(&self, key: &str) -> String {
        let input = KvInput::get(key);
        let what = format!("get({key:?})");
        let served = self.run(input, what, self.clerk.get(key.to_string()), |v| {
            KvOutput::Value(v.clone())
        });
        served.await
    }

    /// `Put(key, value)`, recorded and attributed.
    pub async fn put(&self, key: &str, value: &str) {
        let input = KvInput::put(key, value);
        let what = format!("put({key:?}, {value:?})");
        let op = self.clerk.put(key.to_string(), value.to_string());
        self.run(input, what, op, |()| KvOutput::done()).await
    }

    /// `Append(key, value)`, recorded and attributed.
    pub async fn append(&self, key: &str, value: &str) {
        let input = KvInput::append(key, value);
        let what = format!("append({key:?}, {value:?})");
        let op = self.clerk.append(key.to_string(), value.to_string());
        self.run(input, what, op, |()| KvOutput::done()).await
    }

    /// Records `op`, then checks who answered it: the server whose reply
    /// reached the clerk last before it returned (a clerk has one operation
    /// out at a time and returns on the primary's answer).
    async fn run<T>(
        &self,
        input: KvInput,
        what: String,
        op: impl Future<Output = Served<T>>,
        output: impl Fn(&T) -> KvOutput,
    ) -> T {
        let net = self.world.net();
        let before = net.answers(&self.host).count;
        let call = self.history.call(self.id, input);
        let served = op.await;
        self.history.ret(call, output(&served.value));
        let answers = net.answers(&self.host);
        if let Some(server) = answers.last.filter(|_| answers.count > before) {
            if let Err(failure) = self.check_answer(&server, served.view, &what) {
                self.world.fail(failure);
            }
        }
        served.value
    }

    /// Only the primary of view `view` answers in it.
    fn check_answer(&self, server: &str, view: u64, what: &str) -> Result<(), Failure> {
        if server == super::VIEW_SERVICE {
            return Ok(());
        }
        let Some(known) = self.monitor.view(view) else {
            crate::fail!(
                "{server} answered {what} (client {}) saying it serves view {view}, which the view service never handed out (the latest is {})",
                self.id,
                show(&self.monitor.latest())
            );
        };
        crate::ensure!(
            known.primary == server,
            "{server} answered {what} (client {}) in {}, whose primary is {}: only a view's primary may answer a client (split brain?)",
            self.id,
            show(&known),
            known.primary
        );
        Ok(())
    }
}
