//! The server: a [`Replica`] of the key/value [`Machine`], and its RPC
//! handler, which runs each request through the replica's log.

use std::sync::Arc;

use framework::labs::kv::{KvServer, Status};
use framework::labs::raft::Raft as _;
use framework::net::{ClientEnd, Service};
use framework::persister::Persister;
use framework::sim::Node;

use super::machine::Machine;
use super::rpc::{EXECUTE, Reply, Request, SERVICE};
use crate::rsm::Replica;

/// A key/value server: a Raft peer and the key/value machine it drives.
pub struct Server {
    replica: Arc<Replica<Machine>>,
}

/// The handler of [`EXECUTE`]: runs `request` through the log.
async fn execute(replica: Arc<Replica<Machine>>, request: Request) -> Reply {
    match replica.submit(request).await {
        Ok(value) => Reply {
            status: Status::Success,
            value,
        },
        Err(error) => Reply::failed(error),
    }
}

impl KvServer for Server {
    fn make(
        node: Node,
        servers: Vec<ClientEnd>,
        me: usize,
        persister: Persister,
        max_raft_state: Option<usize>,
    ) -> Server {
        Server {
            replica: Replica::make(
                node,
                servers,
                me,
                persister,
                max_raft_state,
                Machine::default(),
            ),
        }
    }

    fn services(&self) -> Vec<Service> {
        let kv = Service::new(SERVICE, self.replica.clone())
            .method(EXECUTE, execute)
            .build();
        vec![kv, self.replica.raft().service()]
    }

    fn raft_state(&self) -> (u64, bool) {
        self.replica.raft().state()
    }
}
