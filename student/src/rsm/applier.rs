//! The applier: the one task that reads Raft's apply channel, applies each
//! committed entry to the machine in log order, answers the handler waiting
//! for it, and takes a snapshot when Raft's saved state grows too large.
//!
//! One task applies everything, so entries are applied in exactly the order
//! Raft sends them, on every server alike. Handlers never touch the
//! machine; they only wait to hear from this task.

use std::sync::Arc;

use framework::labs::raft::{ApplyMsg, ApplyReceiver, Raft as _};

use super::replica::{Replica, State};
use super::{Error, StateMachine, snapshot};

impl<M: StateMachine> Replica<M> {
    /// The applier task: runs until Raft drops its end of the channel (or
    /// the node crashes).
    pub(super) async fn run_applier(self: Arc<Self>, mut applied: ApplyReceiver) {
        while let Some(message) = applied.recv().await {
            let mut state = self.lock();
            match message {
                ApplyMsg::Command {
                    index,
                    term,
                    command,
                } => {
                    apply_entry(&mut state, index, term, &command);
                    if snapshot::due(self.persister.raft_state_size(), self.max_raft_state) {
                        let snapshot = snapshot::encode(state.last_applied, &state.machine);
                        self.raft().snapshot(index, snapshot);
                    }
                }
                ApplyMsg::Snapshot {
                    index, snapshot, ..
                } => install_snapshot(&mut state, index, &snapshot),
            }
        }
    }
}

/// Applies the entry at `index` (appended in `term`) and answers the
/// handler waiting for that index, if any.
fn apply_entry<M: StateMachine>(state: &mut State<M>, index: u64, term: u64, entry: &[u8]) {
    let command: M::Command =
        postcard::from_bytes(entry).expect("every log entry is a command this service encoded");
    assert_eq!(
        index,
        state.last_applied + 1,
        "Raft must apply every index once, in order"
    );
    state.last_applied = index;
    let output = state.machine.apply(&command);
    if let Some(waiter) = state.waiters.remove(&index) {
        // Same index and same term: the very entry the handler started.
        // Otherwise its server lost leadership and another entry took the
        // index; the handler's command was not applied here.
        let answer = if waiter.term == term {
            Ok(output)
        } else {
            Err(Error::NotLeader)
        };
        // The handler may have stopped waiting (its clerk has moved on).
        let _ = waiter.reply.send(answer);
    }
}

/// Replaces the machine with the leader's snapshot, which covers every
/// entry up to `index`.
fn install_snapshot<M: StateMachine>(state: &mut State<M>, index: u64, snapshot: &[u8]) {
    let (last_applied, machine) =
        snapshot::decode(snapshot).expect("Raft hands over only snapshots it was given");
    assert!(
        index > state.last_applied && last_applied == index,
        "Raft hands over only snapshots newer than what was applied, at their own index"
    );
    state.last_applied = last_applied;
    state.machine = machine;
    // The entries up to `index` were applied elsewhere: what they yielded,
    // and whether they were the waiters' entries, is not known here.
    // Dropping those waiters tells their handlers to give up (the clerks
    // send the requests again; duplicates are recognised).
    state.waiters = state.waiters.split_off(&(index + 1));
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tokio::sync::oneshot;

    use super::*;
    use crate::rsm::replica::Waiter;
    use crate::rsm::tests::Counter;

    fn fresh() -> State<Counter> {
        State {
            last_applied: 0,
            machine: Counter::default(),
            waiters: BTreeMap::new(),
        }
    }

    /// A waiter at `index` for an entry started in `term`, and where it
    /// hears its outcome.
    fn wait_at(
        state: &mut State<Counter>,
        index: u64,
        term: u64,
    ) -> oneshot::Receiver<Result<u64, Error>> {
        let (reply, outcome) = oneshot::channel();
        state.waiters.insert(index, Waiter { term, reply });
        outcome
    }

    fn entry(n: u64) -> Vec<u8> {
        postcard::to_allocvec(&n).unwrap()
    }

    #[test]
    fn a_waiter_hears_its_entry_or_that_another_took_its_place() {
        let mut state = fresh();
        let mine = wait_at(&mut state, 1, 3);
        let replaced = wait_at(&mut state, 2, 3);
        apply_entry(&mut state, 1, 3, &entry(5));
        apply_entry(&mut state, 2, 4, &entry(1));
        assert_eq!(mine.blocking_recv(), Ok(Ok(5)));
        assert_eq!(replaced.blocking_recv(), Ok(Err(Error::NotLeader)));
        assert_eq!((state.last_applied, state.machine.total), (2, 6));
        assert!(state.waiters.is_empty());
    }

    #[test]
    fn a_snapshot_drops_the_waiters_it_covers() {
        let mut state = fresh();
        let covered = wait_at(&mut state, 2, 1);
        let after = wait_at(&mut state, 3, 1);
        apply_entry(&mut state, 1, 1, &entry(1));
        let snapshot = snapshot::encode(2, &Counter { total: 10 });
        install_snapshot(&mut state, 2, &snapshot);
        assert!(covered.blocking_recv().is_err(), "dropped unanswered");
        assert_eq!((state.last_applied, state.machine.total), (2, 10));
        apply_entry(&mut state, 3, 1, &entry(1));
        assert_eq!(after.blocking_recv(), Ok(Ok(11)));
    }

    #[test]
    #[should_panic(expected = "in order")]
    fn a_gap_in_the_log_is_a_bug() {
        apply_entry(&mut fresh(), 2, 1, &entry(1));
    }
}
