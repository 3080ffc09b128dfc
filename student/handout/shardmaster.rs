//! Your shard master, the shard lab's first part: a replicated service on
//! your Raft that decides which replica group serves each shard (the lab's
//! guide: `docs/labs/shard.md`).
//!
//! [`Server`] and [`Clerk`] implement the contract's
//! [`framework::labs::shardmaster::ShardMaster`] and
//! [`framework::labs::shardmaster::ShardMasterClerk`], whose documentation
//! has the rules. Every method below fails its test with "not implemented:
//! ShardMaster::..." or "not implemented: ShardMasterClerk::..." until you
//! replace its body. When the module grows, make it a folder
//! (`shardmaster/mod.rs` and its files).

use std::collections::BTreeMap;

use framework::labs::not_implemented;
use framework::labs::shardmaster::{Config, Gid, ShardMaster, ShardMasterClerk};
use framework::net::{ClientEnd, Service};
use framework::persister::Persister;
use framework::sim::Node;

/// A shard master server: one replica of the service, with its Raft peer.
pub struct Server {
    // Your server's state.
}

impl ShardMaster for Server {
    fn make(_node: Node, _servers: Vec<ClientEnd>, _me: usize, _persister: Persister) -> Server {
        not_implemented("ShardMaster::make")
    }

    fn services(&self) -> Vec<Service> {
        not_implemented("ShardMaster::services")
    }

    fn raft_state(&self) -> (u64, bool) {
        not_implemented("ShardMaster::raft_state")
    }
}

/// A clerk of the shard master.
pub struct Clerk {
    // Your clerk's state.
}

impl ShardMasterClerk for Clerk {
    fn make(_node: Node, _servers: Vec<ClientEnd>) -> Clerk {
        not_implemented("ShardMasterClerk::make")
    }

    async fn join(&self, _groups: BTreeMap<Gid, Vec<String>>) {
        not_implemented("ShardMasterClerk::join")
    }

    async fn leave(&self, _gids: Vec<Gid>) {
        not_implemented("ShardMasterClerk::leave")
    }

    async fn move_shard(&self, _shard: usize, _gid: Gid) {
        not_implemented("ShardMasterClerk::move_shard")
    }

    async fn query(&self, _num: i64) -> Config {
        not_implemented("ShardMasterClerk::query")
    }
}
