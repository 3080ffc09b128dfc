//! Your sharded key/value store, the shard lab's second part: replica
//! groups on your Raft that split the keys by shard as your shard master's
//! configs say, and move shards between them (the lab's guide:
//! `docs/labs/shard.md`).
//!
//! [`Server`] and [`Clerk`] implement the contract's
//! [`framework::labs::shardkv::ShardKvServer`] and
//! [`framework::labs::shardkv::ShardKvClerk`], whose documentation has the
//! rules. Every method below fails its test with "not implemented:
//! ShardKvServer::..." or "not implemented: ShardKvClerk::..." until you
//! replace its body. When the module grows, make it a folder
//! (`shardkv/mod.rs` and its files).

use framework::labs::not_implemented;
use framework::labs::shardkv::{MakeEnd, Setup, ShardKvClerk, ShardKvServer};
use framework::net::{ClientEnd, Service};
use framework::sim::Node;

/// A sharded key/value server: one replica of one group.
pub struct Server {
    // Your server's state.
}

impl ShardKvServer for Server {
    fn make(_setup: Setup) -> Server {
        not_implemented("ShardKvServer::make")
    }

    fn services(&self) -> Vec<Service> {
        not_implemented("ShardKvServer::services")
    }

    fn raft_state(&self) -> (u64, bool) {
        not_implemented("ShardKvServer::raft_state")
    }
}

/// A clerk of the sharded store: finds the group that serves each key.
pub struct Clerk {
    // Your clerk's state.
}

impl ShardKvClerk for Clerk {
    fn make(_node: Node, _masters: Vec<ClientEnd>, _make_end: MakeEnd) -> Clerk {
        not_implemented("ShardKvClerk::make")
    }

    async fn get(&self, _key: String) -> String {
        not_implemented("ShardKvClerk::get")
    }

    async fn put(&self, _key: String, _value: String) {
        not_implemented("ShardKvClerk::put")
    }

    async fn append(&self, _key: String, _value: String) {
        not_implemented("ShardKvClerk::append")
    }
}
