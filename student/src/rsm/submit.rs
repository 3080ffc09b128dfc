//! Submitting a command: putting it into the Raft log and waiting until
//! the entry is applied, and how the waiting side learns that it waits in
//! vain.
//!
//! # Waiting for an entry
//!
//! [`Raft::start`] returns the index and term the entry will have if it
//! commits. The handler leaves a [`Waiter`] at that index, holding the term
//! and the sending half of a oneshot channel, and waits on the receiving
//! half. When the applier applies that index it takes the waiter and
//! answers it: with what applying the command yielded if the applied entry
//! has the waiter's term (same index and same term mean the same entry, by
//! Raft's Log Matching property), with [`Error::NotLeader`] if another
//! entry took the index because this server lost leadership before the
//! entry committed.
//!
//! The entry at the index may also never be applied here, or not soon: a
//! leader cut off in a minority keeps believing it leads and never
//! commits anything. So while it waits, the handler checks every
//! [`LEADERSHIP_CHECK`] that Raft still leads the waiter's term (a new term
//! means the entry may have been dropped; answering "not leader" then is
//! safe, as the clerk sends the request again and duplicates are
//! recognised), and after [`GIVE_UP_AFTER`] it gives up with
//! [`Error::TimedOut`]. Either way it removes its waiter, and the clerk
//! tries elsewhere.
//!
//! [`Raft::start`]: framework::labs::raft::Raft::start

use framework::labs::raft::Raft as _;
use tokio::sync::oneshot;
use tokio::time::{Duration, Instant, sleep};

use super::replica::{Replica, Waiter};
use super::{Error, StateMachine};

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

impl<M: StateMachine> Replica<M> {
    /// Runs `command` through the log: returns what applying it yielded,
    /// once this server has applied it as the entry it started, or why it
    /// could not tell (see the module documentation of `submit.rs`).
    pub async fn submit(&self, command: M::Command) -> Result<M::Output, Error> {
        let entry = postcard::to_allocvec(&command).expect("a command always serializes");
        let (index, term, outcome) = {
            let mut state = self.lock();
            let Some((index, term)) = self.raft().start(entry) else {
                return Err(Error::NotLeader);
            };
            let (reply, outcome) = oneshot::channel();
            // A waiter already at this index started its entry in an
            // earlier term, and a new leader (this server, re-elected) has
            // since put another entry there: that command lost its place.
            // Dropping its sender tells its handler to give up.
            state.waiters.insert(index, Waiter { term, reply });
            (index, term, outcome)
        };
        self.wait(index, term, outcome).await
    }

    /// Waits for the outcome of the entry started at `index` in `term`,
    /// unless leadership is lost or the wait lasts too long (see the module
    /// documentation).
    async fn wait(
        &self,
        index: u64,
        term: u64,
        mut outcome: oneshot::Receiver<Result<M::Output, Error>>,
    ) -> Result<M::Output, Error> {
        let give_up = Instant::now() + GIVE_UP_AFTER;
        loop {
            tokio::select! {
                biased;
                // A dropped sender: the outcome is unknown, try again.
                answer = &mut outcome => return answer.unwrap_or(Err(Error::OutcomeUnknown)),
                () = sleep(LEADERSHIP_CHECK) => {}
            }
            let failure = if self.raft().state() != (term, true) {
                Error::NotLeader
            } else if Instant::now() >= give_up {
                Error::TimedOut
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
