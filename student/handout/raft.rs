//! Your Raft: leader election, log replication, persistence and snapshots
//! (the lab's guide: `docs/labs/raft.md`).
//!
//! [`Raft`] implements the contract [`framework::labs::raft::Raft`], whose
//! documentation has the rules. Every method below fails its test with
//! "not implemented: Raft::..." until you replace its body. When the module
//! grows, make it a folder (`raft/mod.rs` and its files).

use framework::labs::not_implemented;
use framework::labs::raft::{ApplySender, Raft as RaftContract};
use framework::net::{ClientEnd, Service};
use framework::persister::Persister;
use framework::sim::Node;

/// One Raft peer: the handle the tests and your services hold.
pub struct Raft {
    // Your peer's state, shared with the tasks it spawns on its node.
}

impl RaftContract for Raft {
    fn make(
        _node: Node,
        _peers: Vec<ClientEnd>,
        _me: usize,
        _persister: Persister,
        _apply: ApplySender,
    ) -> Raft {
        not_implemented("Raft::make")
    }

    fn service(&self) -> Service {
        not_implemented("Raft::service")
    }

    fn start(&self, _command: Vec<u8>) -> Option<(u64, u64)> {
        not_implemented("Raft::start")
    }

    fn state(&self) -> (u64, bool) {
        not_implemented("Raft::state")
    }

    fn snapshot(&self, _index: u64, _snapshot: Vec<u8>) {
        not_implemented("Raft::snapshot")
    }
}
