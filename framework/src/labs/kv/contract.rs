//! The contract of the key/value lab: a replicated, linearizable key/value
//! service on Raft, and the clerk that clients use to reach it.

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::net::{ClientEnd, Service};
use crate::persister::Persister;
use crate::sim::Node;

/// What a server can answer a clerk's RPC, for students who want the
/// dslabs-style codes (`KV_SUCCESS`, `KV_NOTLEADER`, `KV_TIMEOUT`) in their
/// own reply types. The framework never looks inside a student's RPCs; this
/// is a convenience, not a requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// The operation was applied (a Get's value is in the reply).
    Success,
    /// This server is not the leader: try another.
    NotLeader,
    /// The server lost leadership or gave up waiting for agreement before
    /// the operation committed: try again (perhaps elsewhere).
    Timeout,
}

/// A key/value server: one replica of the service, which owns a Raft peer
/// (of the student's own Raft type) and applies operations in log order.
///
/// # Rules
/// - **Linearizable.** Every Get sees every Put/Append that completed before
///   it started; operations go through the Raft log (reads too) or are
///   otherwise proven current.
/// - **Exactly once.** A clerk retries an operation until it gets an answer,
///   perhaps at several servers and in several terms; each Put and Append
///   must take effect once. Append to a missing key acts as Put.
/// - **Snapshots.** With `max_raft_state = Some(n)`, snapshot (with the
///   duplicate-detection state) and tell Raft when its saved state nears
///   `n` bytes, and restore from the snapshot on restart; with `None`,
///   never snapshot.
/// - The Raft rules (tasks, time, randomness, ordered collections) apply
///   here too.
pub trait KvServer: Send + Sync + Sized + 'static {
    /// Creates server `me` of `servers.len()`. `servers[i]` reaches server
    /// `i` (its Raft peer and its key/value service). `persister` holds what
    /// this server saved before it last crashed.
    fn make(
        node: Node,
        servers: Vec<ClientEnd>,
        me: usize,
        persister: Persister,
        max_raft_state: Option<usize>,
    ) -> Self;

    /// The RPC services this server hosts: its key/value service and its
    /// Raft peer's service. Called once, right after `make`.
    fn services(&self) -> Vec<Service>;

    /// Its Raft peer's term and whether that peer believes it leads (the
    /// harness puts the leader in the minority of its partitions).
    fn raft_state(&self) -> (u64, bool);
}

/// A clerk: the client library. It finds the leader, retries through
/// failures and leader changes until each operation succeeds, and makes its
/// own client id (from the node's random number generator) for duplicate
/// detection. A clerk issues one operation at a time.
pub trait KvClerk: Send + Sync + Sized + 'static {
    /// A clerk that reaches the servers through `servers`, in an order that
    /// has nothing to do with the servers' numbers.
    fn make(node: Node, servers: Vec<ClientEnd>) -> Self;

    /// The value of `key`, or "" if it has none.
    fn get(&self, key: String) -> impl Future<Output = String> + Send;

    /// Sets `key` to `value`.
    fn put(&self, key: String, value: String) -> impl Future<Output = ()> + Send;

    /// Appends `value` to `key`'s value (or sets it, if it has none).
    fn append(&self, key: String, value: String) -> impl Future<Output = ()> + Send;
}
