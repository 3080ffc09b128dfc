//! One server's replica: its Raft peer, its copy of the machine, and the
//! handlers waiting for their entries.
//!
//! # Locks
//!
//! The machine and the waiters are behind one `std::sync::Mutex`, held
//! only in short synchronous sections, never across an `.await`. A handler
//! calls [`Raft::start`] and leaves its waiter under that lock, so that the
//! applier cannot apply the index before the waiter is there; the applier
//! calls [`Raft::snapshot`] under it too. Raft's own lock is therefore
//! always taken after this one, never before, and Raft never calls into
//! the service: the two cannot deadlock. Anything else that reads the
//! machine takes this lock as well.
//!
//! [`Raft::start`]: framework::labs::raft::Raft::start
//! [`Raft::snapshot`]: framework::labs::raft::Raft::snapshot

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use framework::labs::raft::{Raft as _, apply_channel};
use framework::net::ClientEnd;
use framework::persister::Persister;
use framework::sim::Node;
use tokio::sync::oneshot;

use super::{Error, StateMachine, snapshot};
use crate::raft::Raft;

/// One server of a replicated service: a Raft peer and the state machine
/// it drives. The handlers and the applier task share it (in an [`Arc`]).
pub struct Replica<M: StateMachine> {
    /// This server's Raft peer.
    raft: Raft,
    /// The machine and the waiting handlers.
    state: Mutex<State<M>>,
    /// The storage Raft saves into (a clone: clones share the storage),
    /// kept to watch the size of Raft's saved state.
    pub(super) persister: Persister,
    /// Snapshot when Raft's saved state reaches this many bytes; `None`:
    /// never.
    pub(super) max_raft_state: Option<usize>,
}

/// The state behind the server's lock.
pub(super) struct State<M: StateMachine> {
    /// The log index of the last entry applied to `machine` (0: none yet).
    pub(super) last_applied: u64,
    /// The replicated state machine.
    pub(super) machine: M,
    /// The handlers waiting for an entry, by the entry's log index.
    pub(super) waiters: BTreeMap<u64, Waiter<M::Output>>,
}

/// A handler waiting for the entry it started at some index.
pub(super) struct Waiter<T> {
    /// The term Raft started the entry in.
    pub(super) term: u64,
    /// Where the applier sends the outcome: what applying the command
    /// yielded, or why it was not applied here. Dropped without a message
    /// when the outcome cannot be known: an installed snapshot covered the
    /// index, or a later term's entry was started at the same index.
    pub(super) reply: oneshot::Sender<Result<T, Error>>,
}

impl<M: StateMachine> Replica<M> {
    /// Creates server `me` of `servers.len()`, its Raft peer, and its
    /// applier task. `servers[i]` reaches server `i`'s Raft peer;
    /// `persister` holds what this server saved before it last crashed.
    /// With `max_raft_state = Some(n)` it snapshots whenever Raft's saved
    /// state reaches `n` bytes; with `None`, never. `fresh` is the machine
    /// before any entry: where a server that has saved no snapshot starts.
    pub fn make(
        node: Node,
        servers: Vec<ClientEnd>,
        me: usize,
        persister: Persister,
        max_raft_state: Option<usize>,
        fresh: M,
    ) -> Arc<Replica<M>> {
        // Restore before Raft starts: Raft resumes applying from the entry
        // after its snapshot, which is the one this machine expects next.
        let (last_applied, machine) =
            snapshot::decode(&persister.read_snapshot()).unwrap_or((0, fresh));
        // Unbuffered: Raft's send completes when the applier has taken the
        // message.
        let (apply, applied) = apply_channel();
        let raft = Raft::make(node.clone(), servers, me, persister.clone(), apply);
        let replica = Arc::new(Replica {
            raft,
            state: Mutex::new(State {
                last_applied,
                machine,
                waiters: BTreeMap::new(),
            }),
            persister,
            max_raft_state,
        });
        node.spawn(replica.clone().run_applier(applied));
        replica
    }

    /// This server's Raft peer: for its RPC service, and to ask who leads.
    pub fn raft(&self) -> &Raft {
        &self.raft
    }

    /// What `f` reads from the machine, under the lock: for a server's own
    /// tasks, which look at the machine to decide what to submit next, and
    /// for answers that need not be current (whatever a client reads goes
    /// through the log instead). The machine may lag behind the log's
    /// committed entries, and changes as soon as the lock is released.
    pub fn read<T>(&self, f: impl FnOnce(&M) -> T) -> T {
        f(&self.lock().machine)
    }

    /// Locks the machine and the waiters.
    pub(super) fn lock(&self) -> MutexGuard<'_, State<M>> {
        self.state
            .lock()
            .expect("a task panicked while holding the server's lock")
    }
}
