//! The server: a [`Replica`] of the shard master's [`Machine`], and its
//! RPC handler, which runs each request through the replica's log.

use std::sync::Arc;

use framework::labs::kv::Status;
use framework::labs::raft::Raft as _;
use framework::labs::shardmaster::{Config, ShardMaster};
use framework::net::{ClientEnd, Service};
use framework::persister::Persister;
use framework::sim::Node;

use super::machine::Machine;
use super::rpc::{EXECUTE, Reply, Request, SERVICE};
use crate::rsm::Replica;

/// A shard master server: a Raft peer and the configs it replicates.
pub struct Server {
    replica: Arc<Replica<Machine>>,
}

/// The handler of [`EXECUTE`]: runs `request` through the log.
async fn execute(replica: Arc<Replica<Machine>>, request: Request) -> Reply {
    match replica.submit(request).await {
        Ok(config) => Reply {
            status: Status::Success,
            config,
        },
        Err(error) => Reply {
            status: error.into(),
            config: Config::default(),
        },
    }
}

impl ShardMaster for Server {
    fn make(node: Node, servers: Vec<ClientEnd>, me: usize, persister: Persister) -> Server {
        // The configs stay small (a few hundred bytes each): no snapshots,
        // as in the classic lab.
        Server {
            replica: Replica::make(node, servers, me, persister, None, Machine::default()),
        }
    }

    fn services(&self) -> Vec<Service> {
        let master = Service::new(SERVICE, self.replica.clone())
            .method(EXECUTE, execute)
            .build();
        vec![master, self.replica.raft().service()]
    }

    fn raft_state(&self) -> (u64, bool) {
        self.replica.raft().state()
    }
}
