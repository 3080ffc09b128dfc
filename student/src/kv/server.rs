//! The server: its RPC handler, which puts each request into the Raft log
//! and waits until the entry is applied, and how a handler learns that it
//! waits in vain.
//!
//! # Waiting for an entry
//!
//! [`Raft::start`] returns the index and term the entry will have if it
//! commits. The handler leaves a [`Waiter`] at that index, holding the term
//! and the sending half of a oneshot channel, and waits on the receiving
//! half. When the applier applies that index it takes the waiter and
//! answers it: with the operation's result if the applied entry has the
//! waiter's term (same index and same term mean the same entry, by Raft's
//! Log Matching property), with [`Status::NotLeader`] if another entry took
//! the index because this server lost leadership before the entry
//! committed.
//!
//! The entry at the index may also never be applied here, or not soon: a
//! leader cut off in a minority keeps believing it leads and never
//! commits anything. So while it waits, the handler checks every
//! [`LEADERSHIP_CHECK`] that Raft still leads the waiter's term (a new term
//! means the entry may have been dropped; answering "not leader" then is
//! safe, as the clerk sends the operation again and duplicates are
//! recognised), and after [`GIVE_UP_AFTER`] it gives up with
//! [`Status::Timeout`]. Either way it removes its waiter, and the clerk
//! tries elsewhere.
//!
//! # Locks
//!
//! The machine and the waiters are behind one `std::sync::Mutex`, held
//! only in short synchronous sections, never across an `.await`. A handler
//! calls [`Raft::start`] and leaves its waiter under that lock, so that the
//! applier cannot apply the index before the waiter is there; the applier
//! calls [`Raft::snapshot`] under it too. Raft's own lock is therefore
//! always taken after this one, never before, and Raft never calls into
//! the service: the two cannot deadlock.
//!
//! [`Raft::start`]: framework::labs::raft::Raft::start
//! [`Raft::snapshot`]: framework::labs::raft::Raft::snapshot

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use framework::labs::kv::{KvServer, Status};
use framework::labs::raft::{Raft as _, apply_channel};
use framework::net::{ClientEnd, Service};
use framework::persister::Persister;
use framework::sim::Node;
use tokio::sync::oneshot;
use tokio::time::{Duration, Instant, sleep};

use super::machine::Machine;
use super::rpc::{EXECUTE, Reply, Request, SERVICE};
use super::snapshot;
use crate::raft::Raft;

/// How often a waiting handler checks that its server still leads the term
/// it started the entry in. A deposed leader usually learns of the new term
/// from the next heartbeat (every 100 ms); checking more often than that
/// lets the clerk move on soon after.
const LEADERSHIP_CHECK: Duration = Duration::from_millis(20);

/// How long a handler waits for its entry before it gives up. A commit
/// normally takes a round trip; on an unreliable network a lost
/// AppendEntries is resent after 300 ms. Longer than that, the server is
/// most likely a leader cut off from the majority.
const GIVE_UP_AFTER: Duration = Duration::from_millis(500);

/// A key/value server: a Raft peer and the state machine it drives.
pub struct Server {
    shared: Arc<Shared>,
}

/// What the handlers and the applier task share.
pub(super) struct Shared {
    /// This server's Raft peer.
    pub(super) raft: Raft,
    /// The machine and the waiting handlers.
    state: Mutex<State>,
    /// The storage Raft saves into (a clone: clones share the storage),
    /// kept to watch the size of Raft's saved state.
    pub(super) persister: Persister,
    /// Snapshot when Raft's saved state reaches this many bytes; `None`:
    /// never.
    pub(super) max_raft_state: Option<usize>,
}

/// The state behind the server's lock.
pub(super) struct State {
    /// The replicated state machine.
    pub(super) machine: Machine,
    /// The handlers waiting for an entry, by the entry's log index.
    pub(super) waiters: BTreeMap<u64, Waiter>,
}

/// A handler waiting for the entry it started at some index.
pub(super) struct Waiter {
    /// The term Raft started the entry in.
    pub(super) term: u64,
    /// Where the applier sends the outcome: the operation's result, or why
    /// it was not applied here. Dropped without a message when the outcome
    /// cannot be known: an installed snapshot covered the index, or a later
    /// term's entry was started at the same index.
    pub(super) reply: oneshot::Sender<Result<String, Status>>,
}

impl Shared {
    /// Locks the machine and the waiters.
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .expect("a task panicked while holding the server's lock")
    }

    /// The handler of [`EXECUTE`]: runs `request` through the log.
    async fn execute(self: Arc<Self>, request: Request) -> Reply {
        let command = postcard::to_allocvec(&request).expect("a request always serializes");
        let (index, term, outcome) = {
            let mut state = self.lock();
            let Some((index, term)) = self.raft.start(command) else {
                return Reply::failed(Status::NotLeader);
            };
            let (reply, outcome) = oneshot::channel();
            // A waiter already at this index started its entry in an
            // earlier term, and a new leader (this server, re-elected) has
            // since put another entry there: that operation lost its place.
            // Dropping its sender tells its handler to give up.
            state.waiters.insert(index, Waiter { term, reply });
            (index, term, outcome)
        };
        match self.wait(index, term, outcome).await {
            Ok(value) => Reply {
                status: Status::Success,
                value,
            },
            Err(status) => Reply::failed(status),
        }
    }

    /// Waits for the outcome of the entry started at `index` in `term`,
    /// unless leadership is lost or the wait lasts too long (see the module
    /// documentation).
    async fn wait(
        &self,
        index: u64,
        term: u64,
        mut outcome: oneshot::Receiver<Result<String, Status>>,
    ) -> Result<String, Status> {
        let give_up = Instant::now() + GIVE_UP_AFTER;
        loop {
            tokio::select! {
                biased;
                // A dropped sender: the outcome is unknown, try again.
                answer = &mut outcome => return answer.unwrap_or(Err(Status::Timeout)),
                () = sleep(LEADERSHIP_CHECK) => {}
            }
            let failure = if self.raft.state() != (term, true) {
                Status::NotLeader
            } else if Instant::now() >= give_up {
                Status::Timeout
            } else {
                continue;
            };
            self.forget(index, term);
            return Err(failure);
        }
    }

    /// Removes the waiter at `index`, if it is still the one from `term`.
    fn forget(&self, index: u64, term: u64) {
        let mut state = self.lock();
        if state.waiters.get(&index).is_some_and(|w| w.term == term) {
            state.waiters.remove(&index);
        }
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
        // Restore before Raft starts: Raft resumes applying from the entry
        // after its snapshot, which is the one this machine expects next.
        let machine = snapshot::decode(&persister.read_snapshot());
        // Unbuffered: Raft's send completes when the applier has taken the
        // message.
        let (apply, applied) = apply_channel();
        let raft = Raft::make(node.clone(), servers, me, persister.clone(), apply);
        let shared = Arc::new(Shared {
            raft,
            state: Mutex::new(State {
                machine,
                waiters: BTreeMap::new(),
            }),
            persister,
            max_raft_state,
        });
        node.spawn(shared.clone().run_applier(applied));
        Server { shared }
    }

    fn services(&self) -> Vec<Service> {
        let kv = Service::new(SERVICE, self.shared.clone())
            .method(EXECUTE, |shared, request| shared.execute(request))
            .build();
        vec![kv, self.shared.raft.service()]
    }

    fn raft_state(&self) -> (u64, bool) {
        self.shared.raft.state()
    }
}
