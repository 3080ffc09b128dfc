//! What survives a crash: a server's Raft state and snapshot, as bytes.
//!
//! The crash protocol (what the harnesses do, in this order, and why):
//! 1. cut the server off and delete it from the network, so nothing it
//!    answers later is delivered;
//! 2. replace the harness's persister for that server with a [`Persister::copy`],
//!    so the dead instance, if anything of it still runs, writes only into
//!    the old one;
//! 3. crash its node, aborting all its tasks;
//! 4. on restart, hand the new instance another copy.
//!
//! A restarted server therefore sees exactly what was last saved before the
//! crash, and nothing the old instance wrote afterwards.

use std::sync::{Arc, Mutex};

use crate::sync::lock;

/// A server's durable storage. Cloning is cheap; clones share the storage
/// (use [`Persister::copy`] for an independent one).
#[derive(Clone, Default)]
pub struct Persister(Arc<Mutex<Saved>>);

/// Behind `Arc`s, so that [`Persister::copy`] shares the bytes rather than
/// copying them, and a `Vec` given to [`Persister::save`] is kept as it is.
#[derive(Clone, Default)]
struct Saved {
    raft_state: Arc<Vec<u8>>,
    snapshot: Arc<Vec<u8>>,
}

impl Persister {
    /// An empty persister: no Raft state, no snapshot.
    pub fn new() -> Self {
        Persister::default()
    }

    /// Saves the Raft state and the snapshot together, in one atomic step.
    /// Both are replaced (`&[]` for no snapshot); when only the Raft state
    /// changed, [`Persister::save_raft_state`] keeps the snapshot. Each is a byte slice
    /// (copied) or a `Vec<u8>` (kept without a copy: a peer that saves its
    /// whole log at every change saves a copy per save this way).
    pub fn save(&self, raft_state: impl Into<Vec<u8>>, snapshot: impl Into<Vec<u8>>) {
        let (raft_state, snapshot) = (Arc::new(raft_state.into()), Arc::new(snapshot.into()));
        let mut saved = lock(&self.0);
        saved.raft_state = raft_state;
        saved.snapshot = snapshot;
    }

    /// Saves the Raft state alone, keeping the snapshot saved before: what
    /// a peer calls when its term, vote or log changed but its snapshot did
    /// not, so that a large snapshot is not copied again at every save.
    pub fn save_raft_state(&self, raft_state: impl Into<Vec<u8>>) {
        let raft_state = Arc::new(raft_state.into());
        lock(&self.0).raft_state = raft_state;
    }

    /// A copy of the saved Raft state (empty if none was saved).
    pub fn read_raft_state(&self) -> Vec<u8> {
        lock(&self.0).raft_state.to_vec()
    }

    /// A copy of the saved snapshot (empty if none was saved).
    pub fn read_snapshot(&self) -> Vec<u8> {
        lock(&self.0).snapshot.to_vec()
    }

    /// The size in bytes of the saved Raft state.
    pub fn raft_state_size(&self) -> usize {
        lock(&self.0).raft_state.len()
    }

    /// The size in bytes of the saved snapshot.
    pub fn snapshot_size(&self) -> usize {
        lock(&self.0).snapshot.len()
    }

    /// A new, independent persister holding what this one holds now.
    pub fn copy(&self) -> Persister {
        Persister(Arc::new(Mutex::new(lock(&self.0).clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_replace_what_they_name_and_reads_are_copies() {
        let p = Persister::new();
        assert_eq!((p.raft_state_size(), p.snapshot_size()), (0, 0));
        p.save(b"state-1", b"snap-1");
        let mut read = p.read_raft_state();
        read[0] = b'X';
        assert_eq!(p.read_raft_state(), b"state-1");
        p.save_raft_state(b"state-1b");
        assert_eq!(p.read_raft_state(), b"state-1b");
        assert_eq!(p.read_snapshot(), b"snap-1", "the snapshot is kept");
        p.save(b"state-2", []);
        assert_eq!(p.read_raft_state(), b"state-2");
        assert_eq!(p.read_snapshot(), b"");
        assert_eq!(p.raft_state_size(), 7);
    }

    #[test]
    fn a_copy_is_independent_of_later_writes() {
        let old = Persister::new();
        old.save(b"before", b"snap");
        let copy = old.copy();
        old.save(b"zombie write", b"");
        assert_eq!(copy.read_raft_state(), b"before");
        assert_eq!(copy.read_snapshot(), b"snap");
        copy.save(b"new instance", b"s2");
        assert_eq!(old.read_raft_state(), b"zombie write");
    }
}
