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
//! A clerk sends an operation again whenever it gets no answer, so the
//! same Put or Append may reach the log twice (see [`rsm::Dedup`]). The
//! machine lets a write take effect only if its duplicate table has not
//! seen the request before.
//!
//! Gets are not in the table: reading twice changes nothing, and a Get sent
//! again returns the value at its later place in the log, which is still
//! within the operation's lifetime.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rpc::{Op, Request};
use crate::rsm;

/// The state every server replicates: exactly what a snapshot holds.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// The log index of the last entry applied (0: none yet).
    last_applied: u64,
    /// The key/value store.
    store: BTreeMap<String, String>,
    /// The Puts and Appends that have taken effect.
    duplicates: rsm::Dedup,
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
                if self.duplicates.is_new(request) {
                    self.store.insert(key.clone(), value.clone());
                }
                String::new()
            }
            Op::Append { key, value } => {
                if self.duplicates.is_new(request) {
                    self.store.entry(key.clone()).or_default().push_str(value);
                }
                String::new()
            }
        }
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
