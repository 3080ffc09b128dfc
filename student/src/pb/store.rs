//! The data every server keeps a copy of: the key/value store and the
//! duplicate table, which travel together in a state transfer.
//!
//! The primary and its backup apply the same requests in the same order
//! (the primary forwards each one and applies it once the backup has), so
//! applying must be deterministic: it looks at nothing but the store and
//! the request.
//!
//! # Duplicates
//!
//! A clerk sends an operation again whenever it hears no success, and the
//! first attempt may well have been applied (only its answer was lost, or
//! the primary died after its backup applied it). The duplicate table,
//! part of the store so that a new backup receives it with the data, lets
//! each Put and Append take effect once (see [`crate::rsm::Dedup`]). Gets
//! are not in it: reading twice changes nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rpc::{Op, Request};
use crate::rsm::Dedup;

/// A server's copy of the service's data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Store {
    /// The values, by key.
    values: BTreeMap<String, String>,
    /// The Puts and Appends that have taken effect.
    duplicates: Dedup,
}

impl Store {
    /// Applies `request` and returns what it yields: a Get's value ("" for
    /// a missing key), or "" for a write.
    pub fn apply(&mut self, request: &Request) -> String {
        match &request.op {
            Op::Get { key } => self.values.get(key).cloned().unwrap_or_default(),
            Op::Put { key, value } => {
                if self.duplicates.is_new(request) {
                    self.values.insert(key.clone(), value.clone());
                }
                String::new()
            }
            Op::Append { key, value } => {
                if self.duplicates.is_new(request) {
                    self.values.entry(key.clone()).or_default().push_str(value);
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
    fn a_write_sent_again_applies_once_even_in_a_transferred_copy() {
        let mut store = Store::default();
        store.apply(&request(7, 1, append("k", "a")));
        store.apply(&request(7, 1, append("k", "a")));
        // The backup's copy, after a state transfer, knows the write too.
        let mut copy = store.clone();
        copy.apply(&request(7, 1, append("k", "a")));
        copy.apply(&request(7, 2, append("k", "b")));
        assert_eq!(copy.apply(&request(9, 1, get("k"))), "ab");
        assert_eq!(store.apply(&request(9, 1, get("missing"))), "");
    }
}
