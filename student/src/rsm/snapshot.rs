//! Snapshots: what they hold, how they are encoded, and when to take one.
//!
//! Raft's saved state grows with every log entry. When it nears
//! `max_raft_state` bytes, the applier encodes the whole machine (with the
//! index of the last entry applied to it) and hands it to Raft, which
//! saves it and drops the log entries it covers. On a restart the server
//! decodes the saved snapshot and Raft resumes applying from the entry
//! after it; a follower that has fallen behind the leader's snapshot
//! receives it whole (InstallSnapshot) and swaps it in.
//!
//! The encoding is postcard, a compact binary format: a string costs its
//! length plus a byte or so, a number only the bytes it needs, and a
//! snapshot is the index followed by the machine's fields, in order.

use super::StateMachine;

/// The encoded snapshot of `machine`, in which the last entry applied is
/// at `last_applied`: for [`framework::labs::raft::Raft::snapshot`].
pub(crate) fn encode<M: StateMachine>(last_applied: u64, machine: &M) -> Vec<u8> {
    postcard::to_allocvec(&(last_applied, machine)).expect("the machine always serializes")
}

/// The index of the last entry applied and the machine a snapshot holds;
/// `None` if there is none (a server that has never snapshotted saves an
/// empty one).
pub(crate) fn decode<M: StateMachine>(snapshot: &[u8]) -> Option<(u64, M)> {
    if snapshot.is_empty() {
        return None;
    }
    Some(postcard::from_bytes(snapshot).expect("a saved snapshot decodes"))
}

/// Whether to snapshot now, with Raft's saved state at `raft_state_size`
/// bytes and the limit at `max_raft_state` (`None`: never snapshot).
///
/// Taking it once the state reaches the limit keeps the state within about
/// one entry of it: the applier checks after every entry it applies.
/// Entries Raft holds that are not yet applied (or not yet committed) can
/// still push it higher for a while, which is why the tests allow a
/// multiple of the limit.
pub(super) fn due(raft_state_size: usize, max_raft_state: Option<usize>) -> bool {
    max_raft_state.is_some_and(|max| raft_state_size >= max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rsm::tests::Counter;

    #[test]
    fn a_machine_survives_its_snapshot() {
        let machine = Counter { total: 300 };
        assert_eq!(decode(&encode(7, &machine)), Some((7, machine)));
        assert_eq!(decode::<Counter>(&[]), None);
    }

    #[test]
    fn due_only_with_a_limit_once_reached() {
        assert!(!due(10_000, None));
        assert!(!due(999, Some(1000)));
        assert!(due(1000, Some(1000)));
    }
}
