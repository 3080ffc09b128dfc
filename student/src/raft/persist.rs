//! What a peer saves so that it can restart after a crash.
//!
//! Figure 2 lists the persistent state: the current term, the vote cast in
//! it, and the log. With snapshots the log includes its snapshot point, and
//! the snapshot itself is saved alongside, in the same atomic
//! [`Persister::save`]. Everything else (commit index, leader progress) is
//! volatile: it is rebuilt from the log and from other peers.
//!
//! The state is encoded with postcard, a compact binary format, so the
//! saved state stays small (the snapshot tests bound its size).

use framework::persister::Persister;
use serde::{Deserialize, Serialize};

use super::log::Log;

/// The persistent state. The log is a type parameter so that saving can
/// borrow it (`Durable<&Log>`) while restoring owns it (`Durable<Log>`):
/// one definition, so the two cannot drift apart.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Durable<L> {
    /// The latest term this peer has seen.
    pub current_term: u64,
    /// The peer this one voted for in `current_term`, if any.
    pub voted_for: Option<usize>,
    /// The log, from its snapshot point on.
    pub log: L,
}

/// Saves `state` and `snapshot` together, replacing what was saved before.
/// Call it under the state lock, so that saves happen in the order of the
/// changes they record.
pub fn save(persister: &Persister, state: &Durable<&Log>, snapshot: &[u8]) {
    let bytes = postcard::to_allocvec(state).expect("the Raft state always serializes");
    persister.save(bytes, snapshot);
}

/// What `persister` holds: the saved state (a fresh one if nothing was
/// saved) and the snapshot (empty if none).
pub fn restore(persister: &Persister) -> (Durable<Log>, Vec<u8>) {
    let bytes = persister.read_raft_state();
    let state = if bytes.is_empty() {
        Durable::default()
    } else {
        postcard::from_bytes(&bytes).expect("the saved Raft state decodes")
    };
    (state, persister.read_snapshot())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::log::Entry;

    #[test]
    fn what_is_saved_is_restored() {
        let persister = Persister::new();
        let (fresh, snapshot) = restore(&persister);
        assert_eq!((fresh.current_term, fresh.voted_for), (0, None));
        assert_eq!(fresh.log, Log::default());
        assert!(snapshot.is_empty());

        let mut log = Log::default();
        log.append(Entry {
            term: 3,
            command: b"x".to_vec(),
        });
        let state = Durable {
            current_term: 4,
            voted_for: Some(2),
            log: &log,
        };
        save(&persister, &state, b"snap");
        let (restored, snapshot) = restore(&persister);
        assert_eq!((restored.current_term, restored.voted_for), (4, Some(2)));
        assert_eq!(restored.log, log);
        assert_eq!(snapshot, b"snap");
    }
}
