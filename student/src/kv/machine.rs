//! The replicated state machine: the key/value store, and the duplicate
//! table that makes every Put and Append take effect once.
//!
//! Every server applies the same log entries in the same order to its own
//! [`Machine`], so all machines pass through the same states. That only
//! holds if applying is deterministic and depends on nothing but the
//! machine and the entry: no clock, no randomness, no knowledge of who
//! leads.
//!
//! # Duplicates
//!
//! A clerk sends an operation again whenever it gets no answer, and the
//! first attempt may well have been applied (only its reply was lost, or
//! the leader committed it and then lost leadership before answering). Both
//! copies then reach the log. The machine remembers, per client, the
//! sequence number of the latest Put or Append it applied, and skips any
//! write whose number is not higher: a clerk issues one operation at a time
//! with increasing numbers, so a lower or equal number can only be an old
//! operation sent again (or one the clerk gave up on, whose outcome nobody
//! waits for). One number per client is all the table keeps; it must be in
//! the snapshot, or a server restored from a snapshot would apply again a
//! write the snapshot already holds.
//!
//! Gets are not in the table: reading twice changes nothing, and a Get sent
//! again returns the value at its later place in the log, which is still
//! within the operation's lifetime.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rpc::{Op, Request};

/// The state every server replicates: exactly what a snapshot holds.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// The log index of the last entry applied (0: none yet).
    last_applied: u64,
    /// The key/value store.
    store: BTreeMap<String, String>,
    /// Per client id: the sequence number of its latest applied write.
    last_write: BTreeMap<u64, u64>,
}

impl Machine {
    /// The log index of the last entry applied.
    pub fn last_applied(&self) -> u64 {
        self.last_applied
    }

    /// Applies the entry at `index` (the next one: Raft hands over every
    /// index once, in order) and returns what the operation yields: a Get's
    /// value, or "" for a write.
    pub fn apply(&mut self, index: u64, request: &Request) -> String {
        assert_eq!(
            index,
            self.last_applied + 1,
            "Raft must apply every index once, in order"
        );
        self.last_applied = index;
        match &request.op {
            Op::Get { key } => self.store.get(key).cloned().unwrap_or_default(),
            Op::Put { key, value } => {
                if self.is_new_write(request) {
                    self.store.insert(key.clone(), value.clone());
                }
                String::new()
            }
            Op::Append { key, value } => {
                if self.is_new_write(request) {
                    self.store.entry(key.clone()).or_default().push_str(value);
                }
                String::new()
            }
        }
    }

    /// True, and recorded, if `request` is a write not applied before.
    fn is_new_write(&mut self, request: &Request) -> bool {
        let last = self.last_write.entry(request.client).or_default();
        if request.seq <= *last {
            return false;
        }
        *last = request.seq;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(client: u64, seq: u64, op: Op) -> Request {
        Request { client, seq, op }
    }

    fn append(key: &str, value: &str) -> Op {
        Op::Append {
            key: key.into(),
            value: value.into(),
        }
    }

    fn get(key: &str) -> Op {
        Op::Get { key: key.into() }
    }

    #[test]
    fn a_write_sent_again_applies_once() {
        let mut m = Machine::default();
        m.apply(1, &request(7, 1, append("k", "a")));
        m.apply(2, &request(7, 1, append("k", "a")));
        m.apply(3, &request(9, 1, append("k", "b")));
        m.apply(4, &request(7, 2, append("k", "c")));
        // A stale copy of an older write, after a newer one.
        m.apply(5, &request(7, 1, append("k", "a")));
        assert_eq!(m.apply(6, &request(9, 2, get("k"))), "abc");
        assert_eq!(m.last_applied(), 6);
    }

    #[test]
    fn gets_read_and_missing_keys_are_empty() {
        let mut m = Machine::default();
        assert_eq!(m.apply(1, &request(1, 1, get("k"))), "");
        let put = Op::Put {
            key: "k".into(),
            value: "v".into(),
        };
        assert_eq!(m.apply(2, &request(1, 2, put)), "");
        // The same Get sent again reads again.
        assert_eq!(m.apply(3, &request(1, 1, get("k"))), "v");
    }

    #[test]
    #[should_panic(expected = "in order")]
    fn a_gap_in_the_log_is_a_bug() {
        Machine::default().apply(2, &request(1, 1, get("k")));
    }
}
