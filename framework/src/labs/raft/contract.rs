//! The contract between a student's Raft and everything that uses it (the
//! test harness, and later the student's own key/value service).

use crate::net::{ClientEnd, Service};
use crate::persister::Persister;
use crate::sim::Node;

use super::ApplySender;

/// What a peer sends on its apply channel, in log order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyMsg {
    /// A newly committed log entry.
    Command {
        /// Its log index; the first entry has index 1.
        index: u64,
        /// The term in which it was appended.
        term: u64,
        /// The command, as given to [`Raft::start`].
        command: Vec<u8>,
    },
    /// A snapshot received from the leader (through InstallSnapshot) that the
    /// service should now install.
    Snapshot {
        /// The last log index the snapshot includes.
        index: u64,
        /// The term of that entry.
        term: u64,
        /// The service's snapshot bytes.
        snapshot: Vec<u8>,
    },
}

/// A Raft peer, as the tests and the key/value service use it.
///
/// # Rules
/// - **Return at once.** `make`, `start`, `state` and `snapshot` must not
///   wait for the network or for time to pass: spawn long-running work with
///   [`Node::spawn`] (or, inside a task of the node, [`crate::sim::spawn`],
///   which needs no node in hand). They are synchronous so that they cannot.
/// - **Ends are opaque**: `peers[i]` reaches peer `i`, but nothing about an
///   end says so; a clerk's ends come shuffled, and a clerk cannot tell
///   which server each reaches.
/// - **Log indices start at 1.** Index 0 is the empty start of the log.
/// - **Apply in order, each index once**: committed entries go to the apply
///   channel in index order, with no gaps. Send from one task: sending from
///   many reorders messages.
/// - **Snapshots only move forward.** A snapshot sent on the channel skips
///   ahead: it must cover more than everything sent before it (its index
///   above the last one sent), and the entries after it follow from the
///   next index on. A leader's snapshot that arrives late, covering no
///   more than this peer already has, is dropped, never handed to the
///   service. (A Raft
///   written for a `CondInstallSnapshot` API, which lets the service refuse
///   a stale snapshot, makes that decision itself here: install and send a
///   snapshot only if its index is past the peer's commit index, and the
///   service never needs to refuse one.)
/// - **Never hold a lock while waiting to send on the apply channel** that
///   [`Raft::snapshot`] needs: the channel is unbuffered (a send completes
///   when the service has taken the message), and the service calls
///   `snapshot` from the task that reads the channel, so the two would wait
///   for each other.
/// - **Persist before you answer**: save term, vote and log through the
///   [`Persister`] at every change, before replying to an RPC or sending one
///   that depends on the change ([`Persister::save_raft_state`] keeps the
///   snapshot saved before; [`Persister::save`] replaces both, atomically,
///   when the snapshot changes).
/// - **Encode one type per purpose.** The kit's RPCs and the examples use
///   postcard, which is not self-describing: bytes encoded as one type often
///   decode as another without error, into garbage. Decode a log entry (or a
///   saved state) only as the type that encoded it; where a log holds
///   several kinds of command, make them one enum.
/// - **Use the framework for time, tasks and chance**: `tokio::time` (or
///   [`crate::sim::time`]) for timers, [`Node::spawn`] for tasks,
///   [`Node::rng`] for randomness, `BTreeMap` where iteration order matters,
///   and `biased;` in `tokio::select!`. Threads, `std::time`, `thread_rng`
///   and `HashMap` iteration make a failing run impossible to replay.
/// - **A crash is sudden**: the harness aborts every task of the peer's node
///   and drops the peer; only what was saved in the persister survives.
pub trait Raft: Send + Sync + Sized + 'static {
    /// Creates peer `me` of `peers.len()` peers. `peers[i]` reaches peer `i`
    /// (and `peers[me]` this one); every peer's list is in the same order.
    /// `persister` holds what this peer saved before it last crashed (empty
    /// on a first start). Committed entries go to `apply`.
    fn make(
        node: Node,
        peers: Vec<ClientEnd>,
        me: usize,
        persister: Persister,
        apply: ApplySender,
    ) -> Self;

    /// The RPC service this peer hosts, for its server on the network.
    /// Called once, right after `make`.
    fn service(&self) -> Service;

    /// Asks the peer to append `command` to the log. A leader returns the
    /// index the command will have if it is ever committed, and the current
    /// term; anyone else returns `None`. There is no promise that the command
    /// will ever commit.
    fn start(&self, command: Vec<u8>) -> Option<(u64, u64)>;

    /// The current term, and whether this peer believes it is the leader.
    fn state(&self) -> (u64, bool);

    /// The service has saved everything up to and including `index` in
    /// `snapshot`: the peer should keep the snapshot (persist it with its
    /// state) and drop the log up to `index`.
    fn snapshot(&self, index: u64, snapshot: Vec<u8>);
}
