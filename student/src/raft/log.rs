//! The replicated log, which starts right after the last snapshot.
//!
//! Raft numbers log entries from 1. Once the service has taken a snapshot
//! up to some index, the entries up to it are gone from memory: the log
//! remembers only that index and its term (the "snapshot point"), which
//! stands in for every entry before it. The snapshot point doubles as the
//! empty start of the log: a fresh log has its snapshot point at index 0,
//! term 0, which matches every other log, so the consistency check of
//! AppendEntries needs no special case for "the very beginning".
//!
//! All index arithmetic lives here, so the rest of the code speaks only in
//! log indices and never in positions in the vector.

use serde::{Deserialize, Serialize};

/// One log entry: a command and the term in which a leader received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The term of the leader that appended the entry.
    pub term: u64,
    /// The service's command, opaque to Raft. Encoded as one block of bytes
    /// (`serde_bytes`): serde's default, a sequence of `u8`s one at a time,
    /// made saving the whole log the slowest thing the reference did.
    #[serde(with = "serde_bytes")]
    pub command: Vec<u8>,
}

/// The log after the snapshot point. Serialized as it is, as part of the
/// persisted state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Log {
    /// The index of the last entry the snapshot covers (0 for none).
    snapshot_index: u64,
    /// The term of that entry (0 for none).
    snapshot_term: u64,
    /// The entries after the snapshot point: `entries[0]` has index
    /// `snapshot_index + 1`.
    entries: Vec<Entry>,
}

impl Log {
    /// The index of the last entry the snapshot covers.
    pub fn snapshot_index(&self) -> u64 {
        self.snapshot_index
    }

    /// The term of the last entry the snapshot covers.
    pub fn snapshot_term(&self) -> u64 {
        self.snapshot_term
    }

    /// The index of the last entry (the snapshot point if there is none
    /// after it).
    pub fn last_index(&self) -> u64 {
        self.snapshot_index + self.entries.len() as u64
    }

    /// The term of the last entry.
    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(self.snapshot_term, |e| e.term)
    }

    /// The term of the entry at `index`: known for the snapshot point and
    /// every entry after it, unknown (`None`) before it or past the end.
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if index == self.snapshot_index {
            Some(self.snapshot_term)
        } else {
            self.get(index).map(|e| e.term)
        }
    }

    /// The entry at `index`, if it is in the log (after the snapshot point).
    pub fn get(&self, index: u64) -> Option<&Entry> {
        self.position(index).and_then(|p| self.entries.get(p))
    }

    /// The entries from `index` to the end. `index` must be after the
    /// snapshot point.
    pub fn entries_from(&self, index: u64) -> &[Entry] {
        let start = self
            .position(index)
            .expect("entries before the snapshot point are gone");
        &self.entries[start.min(self.entries.len())..]
    }

    /// Appends an entry and returns its index.
    pub fn append(&mut self, entry: Entry) -> u64 {
        self.entries.push(entry);
        self.last_index()
    }

    /// Stores the leader's `entries`, which follow `prev_index` in the
    /// leader's log, and reports whether the log changed.
    ///
    /// Entries already present with the same term are kept: a delayed or
    /// repeated AppendEntries must not cut off entries that a later one
    /// added. At the first entry whose term differs, the rest of this log
    /// is wrong and is replaced (Figure 2, AppendEntries rules 3 and 4).
    /// `prev_index` must not be before the snapshot point.
    pub fn merge(&mut self, prev_index: u64, entries: &[Entry]) -> bool {
        for (offset, entry) in entries.iter().enumerate() {
            let index = prev_index + 1 + offset as u64;
            match self.term_at(index) {
                Some(term) if term == entry.term => continue,
                Some(_) => self.truncate_after(index - 1),
                None => {}
            }
            self.entries.extend_from_slice(&entries[offset..]);
            return true;
        }
        false
    }

    /// The first index of the run of entries that share the term of the
    /// entry at `index`, looking no further back than the snapshot point.
    /// A follower reports it on a mismatch, so that the leader can skip
    /// the whole term in one step.
    pub fn first_index_of_term_at(&self, index: u64) -> u64 {
        let term = self.term_at(index).expect("index is in the log");
        let mut first = index;
        while first > self.snapshot_index + 1 && self.term_at(first - 1) == Some(term) {
            first -= 1;
        }
        first
    }

    /// The index of the last entry with term `term` after the snapshot
    /// point, if there is one.
    pub fn last_index_of_term(&self, term: u64) -> Option<u64> {
        let position = self.entries.iter().rposition(|e| e.term == term)?;
        Some(self.snapshot_index + 1 + position as u64)
    }

    /// Moves the snapshot point forward to `index`, dropping the entries up
    /// to it. `index` must be in the log.
    pub fn compact_through(&mut self, index: u64) {
        let term = self
            .term_at(index)
            .expect("compacting through an entry the log has");
        let position = self
            .position(index)
            .expect("index is after the snapshot point");
        self.entries.drain(..=position);
        self.snapshot_index = index;
        self.snapshot_term = term;
    }

    /// Makes `(index, term)` the snapshot point, as a follower does when it
    /// installs a leader's snapshot. If this log has that very entry, the
    /// entries after it are still valid (Log Matching) and are kept;
    /// otherwise the whole log is superseded by the snapshot.
    pub fn reset_to_snapshot(&mut self, index: u64, term: u64) {
        let has_entry = index > self.snapshot_index && index <= self.last_index();
        if has_entry && self.term_at(index) == Some(term) {
            self.compact_through(index);
        } else {
            self.entries.clear();
            self.snapshot_index = index;
            self.snapshot_term = term;
        }
    }

    /// Drops every entry after `index`.
    fn truncate_after(&mut self, index: u64) {
        let keep = index.saturating_sub(self.snapshot_index) as usize;
        self.entries.truncate(keep);
    }

    /// Where the entry at `index` is (or would be) in `entries`; `None` for
    /// the snapshot point and before.
    fn position(&self, index: u64) -> Option<usize> {
        index
            .checked_sub(self.snapshot_index + 1)
            .map(|p| p as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(term: u64) -> Entry {
        Entry {
            term,
            command: vec![term as u8],
        }
    }

    /// A log whose entries 1..=terms.len() have these terms.
    fn log_of(terms: &[u64]) -> Log {
        let mut log = Log::default();
        for &t in terms {
            log.append(entry(t));
        }
        log
    }

    #[test]
    fn a_fresh_log_starts_at_index_zero_term_zero() {
        let log = Log::default();
        assert_eq!((log.last_index(), log.last_term()), (0, 0));
        assert_eq!(log.term_at(0), Some(0));
        assert_eq!(log.term_at(1), None);
    }

    #[test]
    fn merge_keeps_matching_entries_and_replaces_from_the_first_conflict() {
        let mut log = log_of(&[1, 1, 2, 2]);
        // A stale, shorter request that matches changes nothing.
        assert!(!log.merge(1, &[entry(1), entry(2)]));
        assert_eq!(log.last_index(), 4);
        // A conflict at index 3 replaces 3 and everything after it.
        assert!(log.merge(2, &[entry(3)]));
        assert_eq!(log, log_of(&[1, 1, 3]));
        // New entries past the end are appended.
        assert!(log.merge(3, &[entry(3), entry(3)]));
        assert_eq!(log.last_index(), 5);
    }

    #[test]
    fn term_boundaries_for_the_fast_backup() {
        let log = log_of(&[1, 1, 4, 4, 4, 5]);
        assert_eq!(log.first_index_of_term_at(5), 3);
        assert_eq!(log.first_index_of_term_at(2), 1);
        assert_eq!(log.last_index_of_term(4), Some(5));
        assert_eq!(log.last_index_of_term(2), None);
    }

    #[test]
    fn compaction_keeps_indices_and_terms() {
        let mut log = log_of(&[1, 1, 2, 3, 3]);
        log.compact_through(3);
        assert_eq!((log.snapshot_index(), log.snapshot_term()), (3, 2));
        assert_eq!(log.last_index(), 5);
        assert_eq!(log.term_at(3), Some(2));
        assert_eq!(log.term_at(2), None);
        assert_eq!(log.get(4), Some(&entry(3)));
        assert_eq!(log.entries_from(5), &[entry(3)]);
        assert_eq!(log.entries_from(6), &[]);
        assert_eq!(log.first_index_of_term_at(5), 4);
        // The fast backup never looks back past the snapshot point.
        log.compact_through(4);
        assert_eq!(log.first_index_of_term_at(5), 5);
    }

    #[test]
    fn installing_a_snapshot_keeps_a_matching_suffix_only() {
        let mut log = log_of(&[1, 1, 2, 2]);
        log.reset_to_snapshot(2, 1);
        assert_eq!((log.snapshot_index(), log.last_index()), (2, 4));

        let mut log = log_of(&[1, 1, 2, 2]);
        log.reset_to_snapshot(3, 7);
        assert_eq!((log.snapshot_index(), log.last_index()), (3, 3));
        assert_eq!(log.last_term(), 7);

        let mut log = log_of(&[1]);
        log.reset_to_snapshot(9, 3);
        assert_eq!((log.last_index(), log.last_term()), (9, 3));
    }
}
