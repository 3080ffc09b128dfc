//! What a peer saves so that it can restart after a crash.
//!
//! Figure 2 lists the persistent state: the current term, the vote cast in
//! it, and the log. With snapshots the log includes its snapshot point, and
//! the snapshot itself is saved alongside, in the same atomic
//! [`Persister::save`], whenever it changes (the state alone otherwise,
//! with [`Persister::save_raft_state`], so that a large snapshot is not
//! copied again at every vote and entry). Everything else (commit index, leader progress) is
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

/// Encodes the state to save, keeping the log's entries encoded from one
/// save to the next. Encoding the whole log at every save made saving
/// quadratic in a test's length (most of the reference's time in the long
/// tests without snapshots); this encodes only the entries added since the
/// last save and copies the rest. What it encodes is exactly postcard's
/// encoding of the [`Durable`] state (tested), so [`restore`] reads it as
/// it is.
#[derive(Debug, Default)]
pub struct Saver {
    /// The index of the first entry encoded: the snapshot point's + 1.
    first: u64,
    /// The term of each entry encoded, from `first` on.
    terms: Vec<u64>,
    /// Where each entry's encoding ends in `bytes`.
    ends: Vec<usize>,
    /// The entries' encodings, one after another.
    bytes: Vec<u8>,
}

impl Saver {
    /// The bytes to save for `state`: postcard's encoding of it. Call it
    /// under the state lock and save the result at once, so that saves
    /// happen in the order of the changes they record.
    pub fn encode(&mut self, state: &Durable<&Log>) -> Vec<u8> {
        let log = state.log;
        self.follow(log);
        // The fields of `Durable` and of `Log` in their order, then the
        // length of the entries, as postcard encodes a sequence.
        let header = (
            state.current_term,
            state.voted_for,
            log.snapshot_index(),
            log.snapshot_term(),
            self.terms.len(),
        );
        let mut bytes = postcard::to_allocvec(&header).expect("the Raft state always serializes");
        bytes.extend_from_slice(&self.bytes);
        bytes
    }

    /// Brings the encoded entries in line with `log`.
    fn follow(&mut self, log: &Log) {
        if self.first != log.snapshot_index() + 1 {
            // A new snapshot point (rare): start over from it.
            *self = Saver {
                first: log.snapshot_index() + 1,
                ..Saver::default()
            };
        }
        // Two logs with an entry of the same index and term agree up to it
        // (the Log Matching Property), so the encoded entries that are
        // still in the log are a prefix: find where it ends by bisection.
        let (mut kept, mut beyond) = (0, self.terms.len());
        while kept < beyond {
            let mid = (kept + beyond) / 2;
            if log.term_at(self.first + mid as u64) == Some(self.terms[mid]) {
                kept = mid + 1;
            } else {
                beyond = mid;
            }
        }
        self.terms.truncate(kept);
        self.ends.truncate(kept);
        self.bytes.truncate(self.ends.last().copied().unwrap_or(0));
        for entry in log.entries_from(self.first + kept as u64) {
            self.bytes = postcard::to_extend(entry, std::mem::take(&mut self.bytes))
                .expect("a log entry always serializes");
            self.terms.push(entry.term);
            self.ends.push(self.bytes.len());
        }
    }
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
        persister.save(Saver::default().encode(&state), b"snap");
        let (restored, snapshot) = restore(&persister);
        assert_eq!((restored.current_term, restored.voted_for), (4, Some(2)));
        assert_eq!(restored.log, log);
        assert_eq!(snapshot, b"snap");
    }

    fn entry(term: u64, command: &str) -> Entry {
        Entry {
            term,
            command: command.as_bytes().to_vec(),
        }
    }

    /// Encodes `log` with `saver` and checks the bytes are postcard's
    /// encoding of the whole state, as an encoding from scratch gives.
    fn saves_as_postcard(saver: &mut Saver, log: &Log) {
        let state = Durable {
            current_term: 7,
            voted_for: Some(1),
            log,
        };
        assert_eq!(saver.encode(&state), postcard::to_allocvec(&state).unwrap());
    }

    #[test]
    fn a_saver_saves_what_encoding_the_whole_state_would() {
        let mut saver = Saver::default();
        let mut log = Log::default();
        saves_as_postcard(&mut saver, &log);
        for i in 0..5 {
            log.append(entry(1, &format!("a{i}")));
            saves_as_postcard(&mut saver, &log);
        }
        // A conflict replaces entries 3 to 5 with longer ones of term 2.
        log.merge(2, &[entry(2, "replaced-3"), entry(2, "replaced-4")]);
        saves_as_postcard(&mut saver, &log);
        // Repeated entries change nothing.
        log.merge(1, &[entry(1, "a1"), entry(2, "replaced-3")]);
        saves_as_postcard(&mut saver, &log);
        log.compact_through(3);
        saves_as_postcard(&mut saver, &log);
        log.append(entry(3, "after the snapshot"));
        saves_as_postcard(&mut saver, &log);
        // A leader's snapshot that supersedes the whole log.
        log.reset_to_snapshot(9, 4);
        saves_as_postcard(&mut saver, &log);
        log.append(entry(4, "x"));
        saves_as_postcard(&mut saver, &log);
    }
}
