//! The three Raft RPCs: their arguments, their replies and their names on
//! the network.
//!
//! Each [`Method`] constant ties a name (`Raft.RequestVote`, ...) to its
//! argument and reply types, and is used on both sides, so the caller and
//! the handler cannot disagree on what travels. Everything here is plain
//! data: it is serialized on every call, so peers never share memory.

use framework::net::Method;
use serde::{Deserialize, Serialize};

use super::log::Entry;

/// The name of the service every peer hosts.
pub const SERVICE: &str = "Raft";

/// Asks for a peer's vote (Figure 2, RequestVote).
pub const REQUEST_VOTE: Method<RequestVoteArgs, RequestVoteReply> = Method::new("Raft.RequestVote");

/// Replicates log entries and serves as the leader's heartbeat (Figure 2,
/// AppendEntries).
pub const APPEND_ENTRIES: Method<AppendEntriesArgs, AppendEntriesReply> =
    Method::new("Raft.AppendEntries");

/// Sends the leader's snapshot to a follower that needs entries the leader
/// has already discarded (Figure 13, InstallSnapshot).
pub const INSTALL_SNAPSHOT: Method<InstallSnapshotArgs, InstallSnapshotReply> =
    Method::new("Raft.InstallSnapshot");

/// A candidate's request for a vote.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestVoteArgs {
    /// The candidate's term.
    pub term: u64,
    /// The candidate's peer number.
    pub candidate: usize,
    /// The index of the candidate's last log entry.
    pub last_log_index: u64,
    /// The term of the candidate's last log entry.
    pub last_log_term: u64,
}

/// A peer's answer to a vote request.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestVoteReply {
    /// The voter's current term, so that a stale candidate learns it is.
    pub term: u64,
    /// Whether the voter voted for the candidate.
    pub vote_granted: bool,
}

/// A leader's request to append entries (none for a heartbeat).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AppendEntriesArgs {
    /// The leader's term.
    pub term: u64,
    /// The leader's peer number.
    pub leader: usize,
    /// The index of the entry just before `entries`.
    pub prev_log_index: u64,
    /// The term of that entry: the follower must have it for the request
    /// to apply (the consistency check).
    pub prev_log_term: u64,
    /// The entries to store, in order, starting at `prev_log_index + 1`.
    pub entries: Vec<Entry>,
    /// The leader's commit index.
    pub leader_commit: u64,
}

/// A follower's answer to AppendEntries.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AppendEntriesReply {
    /// The follower's current term, so that a stale leader learns it is.
    pub term: u64,
    /// What the follower did with the request.
    pub outcome: AppendOutcome,
}

/// What a follower did with an AppendEntries request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppendOutcome {
    /// The follower's log now matches the leader's up to and including
    /// `prev_log_index + entries.len()` of the request.
    Success,
    /// The request came from an older term and was ignored.
    StaleTerm,
    /// The follower lacks the entry at `prev_log_index`, or has one from
    /// another term there. The two fields let the leader back up over a
    /// whole term per round trip instead of one entry (the "fast backup").
    Mismatch {
        /// The term of the follower's conflicting entry at `prev_log_index`,
        /// or `None` if the follower's log is too short to have one.
        conflict_term: Option<u64>,
        /// The first index the follower has with `conflict_term`, or, when
        /// the log is too short, the index just past its end.
        conflict_index: u64,
    },
}

/// A leader's snapshot, sent whole to a follower that lags behind it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InstallSnapshotArgs {
    /// The leader's term.
    pub term: u64,
    /// The leader's peer number.
    pub leader: usize,
    /// The last log index the snapshot covers.
    pub last_included_index: u64,
    /// The term of that entry.
    pub last_included_term: u64,
    /// The service's snapshot bytes, encoded as one block.
    #[serde(with = "serde_bytes")]
    pub snapshot: Vec<u8>,
}

/// A follower's answer to InstallSnapshot.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InstallSnapshotReply {
    /// The follower's current term, so that a stale leader learns it is.
    pub term: u64,
}
