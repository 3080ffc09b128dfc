//! The clerk: each operation is one [`Request`](super::rpc::Request) that
//! the generic [`rsm::Clerk`] sends until a server has applied it.

use std::collections::BTreeMap;

use framework::labs::shardmaster::{Config, Gid, ShardMasterClerk};
use framework::net::ClientEnd;
use framework::sim::Node;

use super::configs::Op;
use super::rpc::{EXECUTE, Reply};
use crate::rsm;

/// A clerk of the shard master.
pub struct Clerk(rsm::Clerk<Op, Reply>);

impl ShardMasterClerk for Clerk {
    fn make(node: Node, servers: Vec<ClientEnd>) -> Clerk {
        Clerk(rsm::Clerk::new(&node, servers, EXECUTE))
    }

    async fn join(&self, groups: BTreeMap<Gid, Vec<String>>) {
        self.0.execute(Op::Join(groups)).await;
    }

    async fn leave(&self, gids: Vec<Gid>) {
        self.0.execute(Op::Leave(gids)).await;
    }

    async fn move_shard(&self, shard: usize, gid: Gid) {
        self.0.execute(Op::Move { shard, gid }).await;
    }

    async fn query(&self, num: i64) -> Config {
        self.0.execute(Op::Query(num)).await
    }
}
