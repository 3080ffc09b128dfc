//! The state one peer keeps under its lock, and the changes of role.
//!
//! Everything a peer knows lives in one [`State`] behind one mutex. Every
//! task (timers, replicators, RPC handlers, the applier) locks it, looks or
//! changes, and unlocks before it waits for anything: the lock is never held
//! across an `.await`. The rules of Figure 2 that apply to every server
//! ("if a message carries a higher term, adopt it and become a follower")
//! and the persistence of every change are methods here, so no caller can
//! forget them.

use std::collections::{BTreeMap, BTreeSet};

use framework::persister::Persister;
use framework::sim::WorldRng;
use rand::Rng;
use tokio::time::{Duration, Instant};
use tracing::debug;

use super::log::Log;
use super::persist::{self, Durable};

/// How long a follower waits without hearing from a leader before it starts
/// an election: a fresh random value in this range (in milliseconds) each
/// time, so that peers rarely time out together and split the vote. The
/// lower end is four heartbeats, so a leader keeps its followers quiet even
/// if a couple of heartbeats are lost; the upper end keeps a failover well
/// within the tests' allowance (an election within 1 s, a new leader within
/// 5 s of a failure).
const ELECTION_TIMEOUT_MS: std::ops::Range<u64> = 400..700;

/// A peer's role, with what only that role needs.
#[derive(Debug)]
pub enum Role {
    /// Follows whoever leads the current term (or waits for one).
    Follower,
    /// Asks for votes in the current term.
    Candidate {
        /// The peers that voted for this candidate, itself included. A set,
        /// so a vote counted twice still counts once.
        votes: BTreeSet<usize>,
    },
    /// Leads the current term.
    Leader {
        /// What the leader knows about each follower's log.
        followers: BTreeMap<usize, Progress>,
    },
}

/// A leader's view of one follower (Figure 2's nextIndex and matchIndex),
/// plus the bookkeeping that paces what is sent to it.
#[derive(Debug)]
pub struct Progress {
    /// The index of the next entry to send.
    pub next_index: u64,
    /// The highest index known to be replicated on the follower.
    pub match_index: u64,
    /// When anything was last sent, to space the heartbeats.
    pub last_sent: Option<Instant>,
    /// When the entries or snapshot now in flight were sent, if any. While
    /// they are in flight the leader sends only heartbeats, so that each
    /// entry normally travels to each follower once.
    pub in_flight: Option<Instant>,
}

/// Everything one peer knows, guarded by its lock.
pub struct State {
    /// This peer's number.
    pub me: usize,
    /// How many peers there are, this one included.
    pub peer_count: usize,
    /// The node's name, for the debug log.
    pub name: String,
    persister: Persister,
    /// The log's entries as last saved, so that a save encodes only what
    /// changed (see [`persist::Saver`]).
    saver: persist::Saver,
    rng: WorldRng,

    // Persistent state (Figure 2): saved before it is acted on.
    /// The latest term this peer has seen.
    pub current_term: u64,
    /// Whom this peer voted for in `current_term`.
    pub voted_for: Option<usize>,
    /// The log after the snapshot point.
    pub log: Log,
    /// The service's latest snapshot (covering the log up to its snapshot
    /// point). Saved with the state, sent to followers that lag behind.
    pub snapshot: Vec<u8>,

    // Volatile state.
    /// What this peer does now.
    pub role: Role,
    /// The highest index known to be committed.
    pub commit_index: u64,
    /// The highest index handed to the applier.
    pub last_applied: u64,
    /// A snapshot received from the leader that the applier has yet to
    /// hand to the service.
    pub snapshot_pending: bool,
    /// When this peer starts an election unless it hears from a leader or
    /// grants a vote first.
    pub election_deadline: Instant,
}

impl State {
    /// The state of peer `me` of `peer_count` after a (re)start: what was
    /// saved in `persister`, and everything volatile at its initial value.
    /// Whatever the snapshot covers counts as committed and applied: the
    /// service reloads the snapshot itself when it restarts.
    pub fn restore(
        me: usize,
        peer_count: usize,
        name: String,
        persister: Persister,
        rng: WorldRng,
    ) -> State {
        let (durable, snapshot) = persist::restore(&persister);
        let snapshot_index = durable.log.snapshot_index();
        let mut state = State {
            me,
            peer_count,
            name,
            persister,
            saver: persist::Saver::default(),
            rng,
            current_term: durable.current_term,
            voted_for: durable.voted_for,
            log: durable.log,
            snapshot,
            role: Role::Follower,
            commit_index: snapshot_index,
            last_applied: snapshot_index,
            snapshot_pending: false,
            election_deadline: Instant::now(),
        };
        state.reset_election_timer();
        state
    }

    /// Saves the persistent state. Called after every change to it, before
    /// the change is acted on (a vote granted, an RPC answered, an entry
    /// sent).
    pub fn persist(&mut self) {
        let bytes = self.encode_durable();
        self.persister.save_raft_state(bytes);
    }

    /// Replaces the snapshot and saves it with the persistent state, in one
    /// atomic save: the log has just been cut at the snapshot's point, and
    /// a crash between two saves would leave a log that no snapshot covers.
    pub fn persist_with_snapshot(&mut self, snapshot: Vec<u8>) {
        self.snapshot = snapshot;
        let bytes = self.encode_durable();
        self.persister.save(bytes, self.snapshot.as_slice());
    }

    /// The persistent state's encoding, as saved.
    fn encode_durable(&mut self) -> Vec<u8> {
        self.saver.encode(&Durable {
            current_term: self.current_term,
            voted_for: self.voted_for,
            log: &self.log,
        })
    }

    /// True if this peer believes it leads the current term.
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader { .. })
    }

    /// The number of peers that make a majority.
    pub fn majority(&self) -> usize {
        self.peer_count / 2 + 1
    }

    /// Picks a new random election deadline from now.
    pub fn reset_election_timer(&mut self) {
        let timeout = self.rng.random_range(ELECTION_TIMEOUT_MS);
        self.election_deadline = Instant::now() + Duration::from_millis(timeout);
    }

    /// Applies the rule for all servers: a message from a later term makes
    /// this peer adopt that term, forget its vote, and follow. Returns true
    /// if the term changed.
    pub fn observe_term(&mut self, term: u64) -> bool {
        if term <= self.current_term {
            return false;
        }
        debug!(node = %self.name, from = self.current_term, to = term, "term changed");
        if self.is_leader() {
            debug!(node = %self.name, term = self.current_term, "stepped down");
        }
        self.current_term = term;
        self.voted_for = None;
        self.role = Role::Follower;
        self.persist();
        true
    }

    /// Heard from the leader of the current term: follow it (a candidate of
    /// the same term has lost) and stay a follower for another timeout.
    pub fn follow_leader(&mut self) {
        debug_assert!(
            !self.is_leader(),
            "two leaders in term {}",
            self.current_term
        );
        self.role = Role::Follower;
        self.reset_election_timer();
    }

    /// Starts an election: a new term, a vote for itself, a new timeout
    /// (in case this election fails too).
    pub fn become_candidate(&mut self) {
        self.current_term += 1;
        self.voted_for = Some(self.me);
        self.role = Role::Candidate {
            votes: BTreeSet::from([self.me]),
        };
        self.persist();
        self.reset_election_timer();
        debug!(node = %self.name, term = self.current_term, "started an election");
    }

    /// Counts `voter`'s vote for this candidate in the current term.
    /// Returns true if it makes this peer the leader.
    pub fn count_vote(&mut self, voter: usize) -> bool {
        let majority = self.majority();
        let Role::Candidate { votes } = &mut self.role else {
            return false;
        };
        votes.insert(voter);
        if votes.len() < majority {
            return false;
        }
        self.become_leader();
        true
    }

    /// Takes over the current term. The leader knows nothing of the
    /// followers' logs yet: it assumes they match its own (next index just
    /// past its end) and learns otherwise from their replies.
    fn become_leader(&mut self) {
        let next_index = self.log.last_index() + 1;
        let followers = (0..self.peer_count)
            .filter(|&peer| peer != self.me)
            .map(|peer| {
                let progress = Progress {
                    next_index,
                    match_index: 0,
                    last_sent: None,
                    in_flight: None,
                };
                (peer, progress)
            })
            .collect();
        self.role = Role::Leader { followers };
        debug!(node = %self.name, term = self.current_term, "won the election");
    }

    /// Raises the commit index to `index` if that is higher. Returns true
    /// if it rose (the applier has work).
    pub fn commit_up_to(&mut self, index: u64) -> bool {
        if index <= self.commit_index {
            return false;
        }
        self.commit_index = index;
        true
    }
}
