//! What each peer has applied, and the checks made as it applies: the same
//! command at an index on every peer, in order, no gaps.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A command as the harness shows it in messages: text when it is short
/// text (the tests' numbers), else its size.
pub struct Shown<'a>(pub &'a [u8]);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match std::str::from_utf8(self.0) {
            Ok(text) if text.len() <= 24 => f.write_str(text),
            _ => write!(f, "<{} bytes>", self.0.len()),
        }
    }
}

/// The harness's snapshot format: the last included index and every
/// applied command from index 0 (never applied, so `None`) to it.
#[derive(Serialize, Deserialize)]
struct SnapshotData {
    last_included: u64,
    commands: Vec<Option<Vec<u8>>>,
}

/// Every peer's applied commands by index.
pub(crate) struct Applied {
    logs: Vec<BTreeMap<u64, Vec<u8>>>,
    /// Per peer: the last index applied in snapshot mode (where applies must
    /// be exactly consecutive).
    last_applied: Vec<u64>,
    /// The highest index any peer has applied.
    pub(crate) max_index: u64,
}

impl Applied {
    pub(crate) fn new(n: usize) -> Applied {
        Applied {
            logs: vec![BTreeMap::new(); n],
            last_applied: vec![0; n],
            max_index: 0,
        }
    }

    /// Forgets peer `i`'s place in the apply order (it restarted).
    pub(crate) fn restart(&mut self, i: usize) {
        self.last_applied[i] = 0;
    }

    /// Records that peer `i` applied `command` at `index` (classic applier:
    /// the previous index must be there already). Returns what went wrong.
    pub(crate) fn apply(&mut self, i: usize, index: u64, command: Vec<u8>) -> Result<(), String> {
        let conflict = self.conflict(i, index, &command);
        let in_order = index <= 1 || self.logs[i].contains_key(&(index - 1));
        self.record(i, index, command);
        conflict?;
        if !in_order {
            return Err(format!(
                "server {i} applied index {index} out of order: index {} was never applied",
                index - 1
            ));
        }
        Ok(())
    }

    /// Like [`Applied::apply`], for peers that take snapshots: the index
    /// must follow the last applied one exactly.
    pub(crate) fn apply_exactly_next(
        &mut self,
        i: usize,
        index: u64,
        command: Vec<u8>,
    ) -> Result<(), String> {
        let expected = self.last_applied[i] + 1;
        if index != expected {
            return Err(format!(
                "server {i} applied index {index} out of order: expected index {expected}"
            ));
        }
        self.conflict(i, index, &command)?;
        self.record(i, index, command);
        self.last_applied[i] = index;
        Ok(())
    }

    fn record(&mut self, i: usize, index: u64, command: Vec<u8>) {
        self.logs[i].insert(index, command);
        self.max_index = self.max_index.max(index);
    }

    /// Another peer applied something else at this index.
    fn conflict(&self, i: usize, index: u64, command: &[u8]) -> Result<(), String> {
        for (j, log) in self.logs.iter().enumerate() {
            if let Some(other) = log.get(&index) {
                if other != command {
                    return Err(format!(
                        "commit index={index} server={i} {} != server={j} {}",
                        Shown(command),
                        Shown(other)
                    ));
                }
            }
        }
        Ok(())
    }

    /// The snapshot of peer `i`'s applied commands up to `index`.
    pub(crate) fn snapshot(&self, i: usize, index: u64) -> Vec<u8> {
        let commands = (0..=index).map(|k| self.logs[i].get(&k).cloned()).collect();
        postcard::to_allocvec(&SnapshotData {
            last_included: index,
            commands,
        })
        .expect("snapshots always serialize")
    }

    /// Makes peer `i`'s applied commands those of a snapshot it installed,
    /// which must end at `index` when that is given.
    pub(crate) fn ingest_snapshot(
        &mut self,
        i: usize,
        snapshot: &[u8],
        index: Option<u64>,
    ) -> Result<(), String> {
        let data: SnapshotData = postcard::from_bytes(snapshot).map_err(|e| {
            format!("server {i} installed a snapshot that is not one the harness made ({e})")
        })?;
        if let Some(index) = index {
            if index != data.last_included {
                return Err(format!(
                    "server {i} installed a snapshot of index {} as if it ended at index {index}",
                    data.last_included
                ));
            }
            // A service that installs this goes back in time: what it applied
            // after the snapshot's index is undone, and a client may read it
            // undone. Raft must drop an InstallSnapshot that covers no more
            // than it has already committed.
            if index < self.last_applied[i] {
                return Err(format!(
                    "server {i} handed its service a snapshot ending at index {index} after applying up to index {}: snapshots must only move the service forward (ignore an InstallSnapshot at or below the commit index)",
                    self.last_applied[i]
                ));
            }
        }
        let log: BTreeMap<u64, Vec<u8>> = data
            .commands
            .into_iter()
            .enumerate()
            .filter_map(|(k, c)| Some((k as u64, c?)))
            .collect();
        for (&k, command) in &log {
            self.conflict(i, k, command)?;
        }
        self.logs[i] = log;
        self.last_applied[i] = data.last_included;
        self.max_index = self.max_index.max(data.last_included);
        Ok(())
    }

    /// How many peers applied `index`, and what; fails if they disagree.
    pub(crate) fn committed(&self, index: u64) -> Result<(usize, Option<Vec<u8>>), String> {
        let mut count = 0;
        let mut value: Option<&Vec<u8>> = None;
        for (i, log) in self.logs.iter().enumerate() {
            if let Some(command) = log.get(&index) {
                if let Some(v) = value {
                    if v != command {
                        return Err(format!(
                            "committed values do not match: index {index}, {} != {} (server {i})",
                            Shown(v),
                            Shown(command)
                        ));
                    }
                }
                count += 1;
                value = Some(command);
            }
        }
        Ok((count, value.cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicting_and_out_of_order_applies_are_caught() {
        let mut a = Applied::new(3);
        a.apply(0, 1, b"10".to_vec()).unwrap();
        a.apply(1, 1, b"10".to_vec()).unwrap();
        assert_eq!(a.committed(1).unwrap(), (2, Some(b"10".to_vec())));
        assert_eq!(
            a.apply(2, 1, b"11".to_vec()).unwrap_err(),
            "commit index=1 server=2 11 != server=0 10"
        );
        assert_eq!(
            a.apply(0, 3, b"30".to_vec()).unwrap_err(),
            "server 0 applied index 3 out of order: index 2 was never applied"
        );
        let mut b = Applied::new(2);
        b.apply_exactly_next(0, 1, b"1".to_vec()).unwrap();
        assert_eq!(
            b.apply_exactly_next(0, 1, b"1".to_vec()).unwrap_err(),
            "server 0 applied index 1 out of order: expected index 2"
        );
    }

    #[test]
    fn snapshots_round_trip_and_are_checked() {
        let mut a = Applied::new(2);
        for k in 1..=9 {
            a.apply_exactly_next(0, k, k.to_string().into_bytes())
                .unwrap();
        }
        let snap = a.snapshot(0, 9);
        a.ingest_snapshot(1, &snap, Some(9)).unwrap();
        assert_eq!(a.committed(9).unwrap(), (2, Some(b"9".to_vec())));
        a.apply_exactly_next(1, 10, b"10".to_vec()).unwrap();
        assert!(
            a.ingest_snapshot(1, &snap, Some(8))
                .unwrap_err()
                .contains("index 9 as if it ended at index 8")
        );
        assert!(a.ingest_snapshot(1, b"junk", None).is_err());
    }
}
