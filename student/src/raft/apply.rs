//! The applier: the one task that hands committed entries and installed
//! snapshots to the service.
//!
//! Sending from a single task keeps the messages in log order (tasks that
//! each sent one message could overtake each other). The applier takes the
//! next message under the lock and sends it with the lock released: the
//! channel holds one message, so `send` waits until the service has taken
//! the previous one, and the service may call [`Raft::snapshot`] meanwhile,
//! which needs the lock.
//!
//! A snapshot from the leader jumps ahead: once it is installed, the
//! applier's next message is that snapshot, and it resumes with the entry
//! after it. Entries the snapshot covers are never sent.
//!
//! [`Raft::snapshot`]: framework::labs::raft::Raft::snapshot

use std::sync::Arc;

use framework::labs::raft::{ApplyMsg, ApplySender};

use super::Shared;
use super::state::State;

impl Shared {
    /// The applier task: sends the next message whenever there is one and
    /// otherwise waits to be woken. Ends if the service has gone.
    pub(super) async fn run_applier(self: Arc<Self>, apply: ApplySender) {
        loop {
            let next = self.lock().next_to_apply();
            match next {
                Some(message) => {
                    if apply.send(message).await.is_err() {
                        return;
                    }
                }
                None => self.applier_wakeup.notified().await,
            }
        }
    }
}

impl State {
    /// The next message for the service, counted as applied: a snapshot
    /// installed from the leader, else the next committed entry.
    fn next_to_apply(&mut self) -> Option<ApplyMsg> {
        if self.snapshot_pending {
            self.snapshot_pending = false;
            self.last_applied = self.log.snapshot_index();
            return Some(ApplyMsg::Snapshot {
                index: self.log.snapshot_index(),
                term: self.log.snapshot_term(),
                snapshot: self.snapshot.clone(),
            });
        }
        if self.last_applied >= self.commit_index {
            return None;
        }
        self.last_applied += 1;
        let entry = self
            .log
            .get(self.last_applied)
            .expect("entries after the last applied one are in the log");
        Some(ApplyMsg::Command {
            index: self.last_applied,
            term: entry.term,
            command: entry.command.clone(),
        })
    }
}
