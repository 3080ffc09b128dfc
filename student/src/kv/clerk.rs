//! The clerk: the key/value operations, each run to completion by an
//! [`rsm::Clerk`] (which finds the leader and retries).

use framework::labs::kv::KvClerk;
use framework::net::ClientEnd;
use framework::sim::Node;

use super::rpc::{EXECUTE, Op, Reply};
use crate::rsm;

/// A clerk of the key/value service.
pub struct Clerk {
    /// Sends each operation until some server has applied it.
    rsm: rsm::Clerk<Op, Reply>,
}

impl KvClerk for Clerk {
    fn make(node: Node, servers: Vec<ClientEnd>) -> Clerk {
        Clerk {
            rsm: rsm::Clerk::new(&node, servers, EXECUTE),
        }
    }

    async fn get(&self, key: String) -> String {
        self.rsm.execute(Op::Get { key }).await
    }

    async fn put(&self, key: String, value: String) {
        self.rsm.execute(Op::Put { key, value }).await;
    }

    async fn append(&self, key: String, value: String) {
        self.rsm.execute(Op::Append { key, value }).await;
    }
}
