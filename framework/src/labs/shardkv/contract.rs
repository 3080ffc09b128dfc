//! The contract of the sharded key/value store: replica groups, each a
//! replicated key/value service on the student's Raft, that split the keys
//! by shard as the shard master's configs say, and move shards between
//! them when the configs change; and the clerk that finds the right group
//! for each key.

use std::future::Future;

use serde::{Deserialize, Serialize};

pub use crate::labs::links::MakeEnd;
use crate::labs::shardmaster::{Gid, NSHARDS};
use crate::net::{ClientEnd, Service};
use crate::persister::Persister;
use crate::sim::Node;

/// The shard a key belongs to: its first byte mod [`NSHARDS`] (the empty
/// key is in shard 0). Keys "0" … "9" land on ten different shards.
pub fn key2shard(key: &str) -> usize {
    key.bytes().next().map_or(0, |b| b as usize % NSHARDS)
}

/// What a server can answer a clerk, for students who want the classic
/// codes (`OK`, `ErrWrongGroup`, `ErrWrongLeader`) in their own reply
/// types. The framework never looks inside a student's RPCs; this is a
/// convenience, not a requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// The operation was applied (a Get's value is in the reply).
    Success,
    /// This group does not serve the key's shard (now, or not yet): the
    /// clerk should ask the shard master for a newer config.
    WrongGroup,
    /// This server is not its group's leader: try another of the group.
    NotLeader,
    /// The server gave up waiting for agreement: try again.
    Timeout,
}

/// Everything a sharded key/value server starts with.
pub struct Setup {
    /// The node the server runs on.
    pub node: Node,
    /// Ends to every server of its own group: `servers[i]` reaches server
    /// `i` (its Raft peer and its key/value service).
    pub servers: Vec<ClientEnd>,
    /// This server's number in its group.
    pub me: usize,
    /// What this server saved before it last crashed.
    pub persister: Persister,
    /// Snapshot when Raft's saved state nears this many bytes; `None`:
    /// never snapshot.
    pub max_raft_state: Option<usize>,
    /// The group's id, as the shard master's configs name it.
    pub gid: Gid,
    /// Ends to every shard master server, in no particular order (for the
    /// student's own shard master clerk).
    pub masters: Vec<ClientEnd>,
    /// Ends to other groups' servers, by the names the configs list.
    pub make_end: MakeEnd,
}

/// A sharded key/value server: one replica of one group. It owns a Raft
/// peer (of the student's own Raft type), applies its group's log in order,
/// and serves the shards that the shard master's configs give its group.
///
/// # Rules
/// - **Configs in order, through the log.** Every server polls the shard
///   master about every 100 ms and its group takes each new config, one
///   after another, as an entry of its log, so all its replicas switch at
///   the same point of the log. The harness counts nothing else: a group
///   that polls much less often is too slow for the tests.
/// - **One group per shard at a time.** A group serves a key (answers a
///   Get, applies a Put or Append) only while the config it has reached
///   gives it the key's shard, and only once it holds the shard's data; it
///   stops at once when a config takes the shard away. A key in a shard it
///   does not serve gets "wrong group". The harness notes which group
///   answered each operation for which shard, and fails a group that
///   answers for a shard after the group that took it over did, unless a
///   later config gave it back.
/// - **Shards move with their history.** When a config moves a shard, the
///   gaining group fetches its data from the losing group (by RPC, with
///   [`Setup::make_end`]), with the duplicate-detection state, so a write
///   retried after the move still takes effect once.
/// - **Linearizable, exactly once**, as in the key/value lab, across all
///   groups: every test with clients ends with a check of the whole
///   history.
/// - **Snapshots** as in the key/value lab, with the group's shards and
///   whatever the reconfiguration needs in them.
/// - The Raft rules (tasks, time, randomness, ordered collections) apply
///   here too.
pub trait ShardKvServer: Send + Sync + Sized + 'static {
    /// Creates a server from its [`Setup`].
    fn make(setup: Setup) -> Self;

    /// The RPC services this server hosts: its key/value service (with
    /// whatever other groups call to move shards) and its Raft peer's
    /// service. Called once, right after `make`.
    fn services(&self) -> Vec<Service>;

    /// Its Raft peer's term and whether that peer believes it leads.
    fn raft_state(&self) -> (u64, bool);
}

/// The clerk: it asks the shard master which group serves each key's
/// shard, sends the operation to that group's servers until one applies
/// it, and asks for a newer config when the group says "wrong group" (or
/// none of its servers answers), pausing about 100 ms before it does. It
/// makes its own client id for duplicate detection, and issues one
/// operation at a time.
///
/// It sends an operation to **one group at a time**, and returns as soon
/// as a server of the group says it applied it: the harness takes the
/// last server that answered the clerk before an operation returned as
/// the one that served it.
pub trait ShardKvClerk: Send + Sync + Sized + 'static {
    /// A clerk that reaches the shard master through `masters` (in no
    /// particular order) and the groups' servers through `make_end`.
    fn make(node: Node, masters: Vec<ClientEnd>, make_end: MakeEnd) -> Self;

    /// The value of `key`, or "" if it has none.
    fn get(&self, key: String) -> impl Future<Output = String> + Send;

    /// Sets `key` to `value`.
    fn put(&self, key: String, value: String) -> impl Future<Output = ()> + Send;

    /// Appends `value` to `key`'s value (or sets it, if it has none).
    fn append(&self, key: String, value: String) -> impl Future<Output = ()> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_by_their_first_byte() {
        let shards: Vec<usize> = (0..10).map(|i| key2shard(&i.to_string())).collect();
        let mut distinct = shards.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 10, "{shards:?}");
        assert_eq!(key2shard(""), 0);
        assert_eq!(key2shard("a"), b'a' as usize % 10);
        assert_eq!(key2shard("abc"), key2shard("a"));
    }
}
