//! Snapshots: what they hold, how they are encoded, and when to take one.
//!
//! Raft's saved state grows with every log entry. When it nears
//! `max_raft_state` bytes, the server encodes its whole [`Machine`] (the
//! store, the duplicate table and the index of the last entry applied) and
//! hands it to Raft, which saves it and drops the log entries it covers.
//! On a restart the server decodes the saved snapshot and Raft resumes
//! applying from the entry after it; a follower that has fallen behind the
//! leader's snapshot receives it whole (InstallSnapshot) and swaps it in.
//!
//! The encoding is postcard, a compact binary format: a string costs its
//! length plus a byte or so, a number only the bytes it needs. A store of
//! one short key with one client in the duplicate table encodes in a few
//! dozen bytes, well within the classic 500-byte bound.

use super::machine::Machine;

/// The encoded machine, for [`framework::labs::raft::Raft::snapshot`].
pub fn encode(machine: &Machine) -> Vec<u8> {
    postcard::to_allocvec(machine).expect("the machine always serializes")
}

/// The machine a snapshot holds; a fresh machine if there is none (a
/// server that has never snapshotted saves an empty one).
pub fn decode(snapshot: &[u8]) -> Machine {
    if snapshot.is_empty() {
        return Machine::default();
    }
    postcard::from_bytes(snapshot).expect("a saved snapshot decodes")
}

/// Whether to snapshot now, with Raft's saved state at `raft_state_size`
/// bytes and the limit at `max_raft_state` (`None`: never snapshot).
///
/// Taking it once the state reaches the limit keeps the state within about
/// one entry of it: the server checks after every entry it applies.
/// Entries Raft holds that are not yet applied (or not yet committed) can
/// still push it higher for a while, which is why the tests allow a
/// multiple of the limit.
pub fn due(raft_state_size: usize, max_raft_state: Option<usize>) -> bool {
    max_raft_state.is_some_and(|max| raft_state_size >= max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::rpc::{Op, Request};

    #[test]
    fn a_machine_survives_its_snapshot() {
        let mut machine = Machine::default();
        let put = Op::Put {
            key: "x".into(),
            value: "1".into(),
        };
        machine.apply(
            1,
            &Request {
                client: u64::MAX,
                seq: 400,
                op: put,
            },
        );
        let bytes = encode(&machine);
        assert_eq!(decode(&bytes), machine);
        // The classic snapshot-size test allows 500 bytes for this.
        assert!(bytes.len() < 30, "{} bytes", bytes.len());
        assert_eq!(decode(&[]), Machine::default());
    }

    #[test]
    fn due_only_with_a_limit_once_reached() {
        assert!(!due(10_000, None));
        assert!(!due(999, Some(1000)));
        assert!(due(1000, Some(1000)));
    }
}
