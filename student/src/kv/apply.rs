//! The applier: the one task that reads Raft's apply channel, applies each
//! committed entry to the machine in log order, answers the handler waiting
//! for it, and takes a snapshot when Raft's saved state grows too large.
//!
//! One task applies everything, so entries are applied in exactly the order
//! Raft sends them, on every server alike. Handlers never touch the
//! machine; they only wait to hear from this task.

use std::sync::Arc;

use framework::labs::kv::Status;
use framework::labs::raft::{ApplyMsg, ApplyReceiver, Raft as _};

use super::rpc::Request;
use super::server::{Shared, State};
use super::snapshot;

impl Shared {
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
                        self.raft.snapshot(index, snapshot::encode(&state.machine));
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
fn apply_entry(state: &mut State, index: u64, term: u64, command: &[u8]) {
    let request: Request =
        postcard::from_bytes(command).expect("every log entry is a request this service encoded");
    let result = state.machine.apply(index, &request);
    if let Some(waiter) = state.waiters.remove(&index) {
        // Same index and same term: the very entry the handler started.
        // Otherwise its server lost leadership and another entry took the
        // index; the handler's operation was not applied here.
        let answer = if waiter.term == term {
            Ok(result)
        } else {
            Err(Status::NotLeader)
        };
        // The handler may have stopped waiting (its clerk has moved on).
        let _ = waiter.reply.send(answer);
    }
}

/// Replaces the machine with the leader's snapshot, which covers every
/// entry up to `index`.
fn install_snapshot(state: &mut State, index: u64, snapshot: &[u8]) {
    let machine = snapshot::decode(snapshot);
    assert!(
        index > state.machine.last_applied() && machine.last_applied() == index,
        "Raft hands over only snapshots newer than what was applied, at their own index"
    );
    state.machine = machine;
    // The entries up to `index` were applied elsewhere: what they yielded,
    // and whether they were the waiters' entries, is not known here.
    // Dropping those waiters tells their handlers to give up (the clerks
    // send the operations again; duplicates are recognised).
    state.waiters = state.waiters.split_off(&(index + 1));
}
