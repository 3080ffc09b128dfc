//! The replicated state machine: the key/value store, and the duplicate
//! table that makes every Put and Append take effect once.
//!
//! Every server applies the same log entries in the same order to its own
//! [`Machine`] (through [`rsm::Replica`]), so applying must be
//! deterministic: it looks at nothing but the machine and the request.
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
//!
//! # Snapshots
//!
//! The whole machine is the snapshot (after the index of the last entry
//! applied). Encoded with postcard, a store of one short key with one
//! client in the duplicate table takes a few dozen bytes, well within the
//! classic 500-byte bound.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rpc::{Op, Request};
use crate::rsm::{self, StateMachine};

/// The state every server replicates: exactly what a snapshot holds.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// The key/value store.
    store: BTreeMap<String, String>,
    /// The Puts and Appends that have taken effect.
    duplicates: rsm::Dedup,
}

impl StateMachine for Machine {
    type Command = Request;
    /// A Get's value, or "" for a write.
    type Output = String;

    fn apply(&mut self, request: &Request) -> String {
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
        m.apply(&request(7, 1, append("k", "a")));
        m.apply(&request(7, 1, append("k", "a")));
        m.apply(&request(9, 1, append("k", "b")));
        m.apply(&request(7, 2, append("k", "c")));
        // A stale copy of an older write, after a newer one.
        m.apply(&request(7, 1, append("k", "a")));
        assert_eq!(m.apply(&request(9, 2, get("k"))), "abc");
    }

    #[test]
    fn gets_read_and_missing_keys_are_empty() {
        let mut m = Machine::default();
        assert_eq!(m.apply(&request(1, 1, get("k"))), "");
        let put = Op::Put {
            key: "k".into(),
            value: "v".into(),
        };
        assert_eq!(m.apply(&request(1, 2, put)), "");
        // The same Get sent again reads again.
        assert_eq!(m.apply(&request(1, 1, get("k"))), "v");
    }

    #[test]
    fn a_machine_survives_its_small_snapshot() {
        let mut machine = Machine::default();
        let put = Op::Put {
            key: "x".into(),
            value: "1".into(),
        };
        machine.apply(&request(u64::MAX, 400, put));
        let bytes = rsm::snapshot::encode(1, &machine);
        assert_eq!(rsm::snapshot::decode(&bytes), Some((1, machine)));
        // The classic snapshot-size test allows 500 bytes for this.
        assert!(bytes.len() < 30, "{} bytes", bytes.len());
    }
}
