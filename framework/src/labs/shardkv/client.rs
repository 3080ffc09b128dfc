//! A test's client of the sharded store: the student's clerk, recorded in
//! the test's history like a key/value client, with every answer also
//! attributed to the group that gave it (see [`super::ownership`]).

use std::collections::BTreeMap;
use std::future::Future;
use std::rc::Rc;

use super::ownership::{Answer, Ownership};
use super::{ShardKvClerk, key2shard};
use crate::labs::history::History;
use crate::labs::kv::{self, KvOperations};
use crate::labs::shardmaster::Gid;
use crate::linearizability::models::kv::{KvInput, KvOutput};
use crate::sim::World;

/// A sharded-store clerk seen as a key/value clerk, for the recorded client.
pub struct Sharded<C>(pub(crate) C);

impl<C: ShardKvClerk> KvOperations for Sharded<C> {
    fn get(&self, key: String) -> impl Future<Output = String> {
        self.0.get(key)
    }

    fn put(&self, key: String, value: String) -> impl Future<Output = ()> {
        self.0.put(key, value)
    }

    fn append(&self, key: String, value: String) -> impl Future<Output = ()> {
        self.0.append(key, value)
    }
}

/// A sharded-store client: recorded operations, each attributed to the
/// group whose server answered it.
pub struct Client<C> {
    kv: kv::Client<Sharded<C>>,
    world: World,
    /// The test's history, for stamps in the order of its events.
    history: History<KvInput, KvOutput>,
    ownership: Rc<Ownership>,
    /// Every group server's name, and its group.
    gids: Rc<BTreeMap<String, Gid>>,
}

impl<C: ShardKvClerk> Client<C> {
    pub(crate) fn new(
        kv: kv::Client<Sharded<C>>,
        world: &World,
        history: &History<KvInput, KvOutput>,
        ownership: &Rc<Ownership>,
        gids: &Rc<BTreeMap<String, Gid>>,
    ) -> Client<C> {
        Client {
            kv,
            world: world.clone(),
            history: history.clone(),
            ownership: ownership.clone(),
            gids: gids.clone(),
        }
    }

    /// The client id its operations have in the history.
    pub fn id(&self) -> usize {
        self.kv.id()
    }

    /// The host its calls come from (`client-N`).
    pub fn host(&self) -> &str {
        self.kv.host()
    }

    /// `Get(key)`, recorded.
    pub async fn get(&self, key: &str) -> String {
        let what = format!("get({key:?})");
        self.attributed(key, what, self.kv.get(key)).await
    }

    /// `Put(key, value)`, recorded.
    pub async fn put(&self, key: &str, value: &str) {
        let what = format!("put({key:?}, {value:?})");
        self.attributed(key, what, self.kv.put(key, value)).await
    }

    /// `Append(key, value)`, recorded.
    pub async fn append(&self, key: &str, value: &str) {
        let what = format!("append({key:?}, {value:?})");
        self.attributed(key, what, self.kv.append(key, value)).await
    }

    /// Runs `op` on `key` and notes which group answered it: the server
    /// whose reply reached the clerk last before it returned (a clerk sends
    /// to one group at a time and returns once a server has applied the
    /// operation). An operation with no reply from a group server during it
    /// is not attributed.
    async fn attributed<T>(&self, key: &str, what: String, op: impl Future<Output = T>) -> T {
        let net = self.world.net();
        let before = net.answers(self.kv.host()).count;
        let call = self.history.stamp();
        let output = op.await;
        let answers = net.answers(self.kv.host());
        let server = answers.last.filter(|_| answers.count > before);
        if let Some(&gid) = server.and_then(|s| self.gids.get(&*s)) {
            self.ownership.answered(Answer {
                what: format!("{what} (client {})", self.id()),
                shard: key2shard(key),
                gid,
                call,
                ret: self.history.stamp(),
            });
        }
        output
    }
}
