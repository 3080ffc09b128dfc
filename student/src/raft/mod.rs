//! The reference Raft: leader election, log replication, persistence and
//! snapshots, after the extended Raft paper (Ongaro and Ousterhout), whose
//! Figure 2 the comments cite.
//!
//! # How a peer is organised
//!
//! All of a peer's knowledge is one `State` (`state.rs`) behind one
//! mutex, in `Shared` with what never changes (its node, the ends to the
//! other peers). A handful of tasks, all spawned on the peer's node so that
//! a crash stops them at once, share it:
//!
//! - the **election timer** (`election.rs`): starts an election when the
//!   leader has been silent for a random timeout;
//! - one **replicator per other peer** (`replication.rs`): while this peer
//!   leads, sends that peer its missing entries (or the snapshot) and a
//!   heartbeat when it has sent nothing for a while. Each peer has its own
//!   task because an RPC to an unreachable peer can take seconds to fail;
//!   one slow peer must never hold up the others;
//! - the **applier** (`apply.rs`): the one task that sends committed entries
//!   and installed snapshots to the service, in order;
//! - the **RPC handlers**, run by the network as tasks of the node.
//!
//! Tasks wake each other with [`Notify`]: `start()` wakes the replicators
//! (so that a new entry goes out at once, not at the next heartbeat), a
//! higher commit index wakes the applier.
//!
//! The rest is data: `log.rs` holds the log and all its index arithmetic,
//! `rpc.rs` the messages, `persist.rs` what survives a crash.
//!
//! # The lock
//!
//! The state lock is a `std::sync::Mutex`, held only in short synchronous
//! sections and never across an `.await` (the compiler enforces it: a held
//! guard would make the task's future not `Send`). In particular, nothing
//! holds it while waiting for the service to take a message from the apply
//! channel, because the service calls [`Raft::snapshot`] (which takes the
//! lock) from the very task that reads that channel.

mod apply;
mod election;
mod log;
mod persist;
mod replication;
mod rpc;
mod state;

use std::sync::{Arc, Mutex, MutexGuard};

use framework::labs::raft::{ApplySender, Raft as RaftContract};
use framework::net::{ClientEnd, Service};
use framework::persister::Persister;
use framework::sim::Node;
use tokio::sync::Notify;
use tracing::debug;

use log::Entry;
use rpc::{APPEND_ENTRIES, INSTALL_SNAPSHOT, REQUEST_VOTE};
use state::State;

/// One Raft peer: the handle the tests and the service hold.
pub struct Raft {
    shared: Arc<Shared>,
}

/// What a peer's tasks share.
struct Shared {
    /// The node this peer runs on: its tasks are spawned there.
    node: Node,
    /// Ends to every peer, in the same order on every peer.
    peers: Vec<ClientEnd>,
    /// This peer's number (its index in `peers`).
    me: usize,
    /// The peer's state.
    state: Mutex<State>,
    /// Wakes the applier when there is something to apply.
    applier_wakeup: Notify,
    /// Wakes the replicator of each peer (the entry for `me` is unused)
    /// when there is something to send.
    replicator_wakeups: Vec<Notify>,
}

impl Shared {
    /// Locks the state.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .expect("a task panicked while holding the Raft state lock")
    }

    /// The peers other than this one.
    fn others(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.peers.len()).filter(|&peer| peer != self.me)
    }

    /// Wakes every replicator: there are new entries, or a new leader
    /// must announce itself.
    fn wake_replicators(&self) {
        for peer in self.others() {
            self.replicator_wakeups[peer].notify_one();
        }
    }
}

impl RaftContract for Raft {
    fn make(
        node: Node,
        peers: Vec<ClientEnd>,
        me: usize,
        persister: Persister,
        apply: ApplySender,
    ) -> Raft {
        let state = State::restore(
            me,
            peers.len(),
            node.name().to_string(),
            persister,
            node.rng(),
        );
        debug!(
            node = %node.name(),
            term = state.current_term,
            last_index = state.log.last_index(),
            snapshot_index = state.log.snapshot_index(),
            "started"
        );
        let shared = Arc::new(Shared {
            replicator_wakeups: peers.iter().map(|_| Notify::new()).collect(),
            node: node.clone(),
            peers,
            me,
            state: Mutex::new(state),
            applier_wakeup: Notify::new(),
        });
        node.spawn(shared.clone().run_election_timer());
        for peer in shared.others() {
            node.spawn(shared.clone().run_replicator(peer));
        }
        node.spawn(shared.clone().run_applier(apply));
        Raft { shared }
    }

    fn service(&self) -> Service {
        Service::new(rpc::SERVICE, self.shared.clone())
            .method(REQUEST_VOTE, |shared, args| async move {
                shared.handle_request_vote(args)
            })
            .method(APPEND_ENTRIES, |shared, args| async move {
                shared.handle_append_entries(args)
            })
            .method(INSTALL_SNAPSHOT, |shared, args| async move {
                shared.handle_install_snapshot(args)
            })
            .build()
    }

    fn start(&self, command: Vec<u8>) -> Option<(u64, u64)> {
        let shared = &self.shared;
        let (index, term, committed) = {
            let mut state = shared.lock();
            if !state.is_leader() {
                return None;
            }
            let term = state.current_term;
            let index = state.log.append(Entry { term, command });
            state.persist();
            // Only matters when this peer alone is a majority.
            let committed = state.advance_leader_commit();
            (index, term, committed)
        };
        if committed {
            shared.applier_wakeup.notify_one();
        }
        // Send the entry now rather than at the next heartbeat: a client
        // waiting for its command should not wait for a timer.
        shared.wake_replicators();
        Some((index, term))
    }

    fn state(&self) -> (u64, bool) {
        let state = self.shared.lock();
        (state.current_term, state.is_leader())
    }

    fn snapshot(&self, index: u64, snapshot: Vec<u8>) {
        let mut state = self.shared.lock();
        // A snapshot at or before the snapshot point is old news: it can
        // happen when the leader's snapshot was installed while the service
        // was still applying older entries. The service can only snapshot
        // what it has been given.
        if index <= state.log.snapshot_index() || index > state.last_applied {
            return;
        }
        state.log.compact_through(index);
        state.persist_with_snapshot(snapshot);
        debug!(node = %state.name, index, "took a snapshot");
    }
}
