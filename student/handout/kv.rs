//! Your key/value service: a linearizable store replicated with your Raft,
//! with exactly-once Puts and Appends and snapshots (the lab's guide:
//! `docs/labs/kv.md`).
//!
//! [`Server`] and [`Clerk`] implement the contract's
//! [`framework::labs::kv::KvServer`] and [`framework::labs::kv::KvClerk`],
//! whose documentation has the rules. Every method below fails its test
//! with "not implemented: KvServer::..." or "not implemented:
//! KvClerk::..." until you replace its body. When the module grows, make
//! it a folder (`kv/mod.rs` and its files).

use framework::labs::kv::{KvClerk, KvServer};
use framework::labs::not_implemented;
use framework::net::{ClientEnd, Service};
use framework::persister::Persister;
use framework::sim::Node;

/// A key/value server: one replica of the service, with its Raft peer.
pub struct Server {
    // Your server's state.
}

impl KvServer for Server {
    fn make(
        _node: Node,
        _servers: Vec<ClientEnd>,
        _me: usize,
        _persister: Persister,
        _max_raft_state: Option<usize>,
    ) -> Server {
        not_implemented("KvServer::make")
    }

    fn services(&self) -> Vec<Service> {
        not_implemented("KvServer::services")
    }

    fn raft_state(&self) -> (u64, bool) {
        not_implemented("KvServer::raft_state")
    }
}

/// A clerk of the key/value service: the client library.
pub struct Clerk {
    // Your clerk's state.
}

impl KvClerk for Clerk {
    fn make(_node: Node, _servers: Vec<ClientEnd>) -> Clerk {
        not_implemented("KvClerk::make")
    }

    async fn get(&self, _key: String) -> String {
        not_implemented("KvClerk::get")
    }

    async fn put(&self, _key: String, _value: String) {
        not_implemented("KvClerk::put")
    }

    async fn append(&self, _key: String, _value: String) {
        not_implemented("KvClerk::append")
    }
}
