//! The contract of the shard master: a replicated service, on the
//! student's Raft, that decides which replica group serves each shard, and
//! the clerk that the harness (and later the sharded store) uses to reach
//! it.

use std::collections::BTreeMap;
use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::net::{ClientEnd, Service};
use crate::persister::Persister;
use crate::sim::Node;

/// The number of shards the keys are split into.
pub const NSHARDS: usize = 10;

/// A replica group's id. Gid 0 is no group: the owner of every shard in
/// config 0, and of every shard once all groups have left.
pub type Gid = u64;

/// One configuration: which group serves each shard, and the servers of
/// each group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The config's number: 0 for the first (no groups, every shard on gid
    /// 0), and one more for each Join, Leave and Move since.
    pub num: u64,
    /// `shards[s]` is the gid that serves shard `s`.
    pub shards: [Gid; NSHARDS],
    /// Each group's servers, by name, exactly as they joined.
    pub groups: BTreeMap<Gid, Vec<String>>,
}

/// A shard master server: one replica of the service, which owns a Raft
/// peer (of the student's own Raft type) and applies Join, Leave, Move and
/// Query in log order.
///
/// # Rules
/// - **Every change is a new config.** Config 0 has no groups and every
///   shard on gid 0. Each Join, Leave and Move makes config `num + 1` from
///   the latest; older configs never change, and a Query of one returns it
///   as it was made.
/// - **Balanced, with as few moves as possible.** After a Join or Leave,
///   every shard is on a group of the config (gid 0 only when there is no
///   group), the groups' shard counts differ by at most one, and no shard
///   changes group unless the balance needs it: a shard moves only off a
///   group that left, or off a group with more shards than its share. The
///   kit counts the shards that changed group and fails any config that
///   moved more than the fewest a balanced assignment needs.
/// - **Deterministic.** Every replica computes the same config from the
///   same log: no iteration over a `HashMap`, no randomness, no clock in
///   the rebalancing. A tie (which group gets the extra shard, which shard
///   moves) is broken by something all replicas share, such as gid order.
/// - **Move(shard, gid)** changes exactly that one assignment (the groups
///   stay); a later Join or Leave may rebalance it away.
/// - **Exactly once.** As in the key/value lab, the clerk retries an
///   operation until a server answers, so each Join, Leave and Move must
///   take effect once (with a client id and sequence number); a Query goes
///   through the log too, so that it reflects every change that completed
///   before it began.
/// - **A gid may join again** after it left, with the same or other
///   servers.
/// - The Raft rules (tasks, time, randomness, ordered collections) apply
///   here too; [`crate::labs::kv::Status`] holds the reply codes, for a
///   server that wants them.
pub trait ShardMaster: Send + Sync + Sized + 'static {
    /// Creates server `me` of `servers.len()`. `servers[i]` reaches server
    /// `i` (its Raft peer and its shard master service). `persister` holds
    /// what this server saved before it last crashed.
    fn make(node: Node, servers: Vec<ClientEnd>, me: usize, persister: Persister) -> Self;

    /// The RPC services this server hosts: its shard master service and its
    /// Raft peer's service. Called once, right after `make`.
    fn services(&self) -> Vec<Service>;

    /// Its Raft peer's term and whether that peer believes it leads.
    fn raft_state(&self) -> (u64, bool);
}

/// The shard master's clerk: it finds the leader and retries through
/// failures and leader changes until each operation succeeds, with its own
/// client id for duplicate detection. A clerk issues one operation at a
/// time.
pub trait ShardMasterClerk: Send + Sync + Sized + 'static {
    /// A clerk that reaches the servers through `servers`, in an order that
    /// has nothing to do with the servers' numbers.
    fn make(node: Node, servers: Vec<ClientEnd>) -> Self;

    /// Adds the groups (gid → its servers' names) and rebalances.
    fn join(&self, groups: BTreeMap<Gid, Vec<String>>) -> impl Future<Output = ()> + Send;

    /// Removes the groups and gives their shards to the others.
    fn leave(&self, gids: Vec<Gid>) -> impl Future<Output = ()> + Send;

    /// Assigns `shard` to group `gid`, changing nothing else.
    fn move_shard(&self, shard: usize, gid: Gid) -> impl Future<Output = ()> + Send;

    /// Config `num`; with `num` -1, or past the latest, the latest config,
    /// which reflects every change that completed before the query began.
    fn query(&self, num: i64) -> impl Future<Output = Config> + Send;
}
