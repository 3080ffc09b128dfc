//! The key/value model of the KV and shard labs: `get`, `put` and `append`
//! on string keys and values, partitioned by key.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::linearizability::history::Operation;
use crate::linearizability::model::{Model, Partition};

/// A key/value store where a missing key reads as `""`. Each key is an
/// independent register of strings, so the history is checked key by key,
/// in key order.
#[derive(Clone, Copy, Debug, Default)]
pub struct KvModel;

/// The three operations of the KV labs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KvOp {
    /// Read a key's value.
    Get,
    /// Replace a key's value.
    Put,
    /// Add to the end of a key's value.
    Append,
}

/// What a client asked: an operation on a key, with the value to write
/// (empty for `get`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KvInput {
    /// Get, put or append.
    pub op: KvOp,
    /// The key.
    pub key: String,
    /// The argument of put and append; ignored for get.
    pub value: String,
}

impl KvInput {
    /// `get(key)`.
    pub fn get(key: impl Into<String>) -> Self {
        KvInput {
            op: KvOp::Get,
            key: key.into(),
            value: String::new(),
        }
    }

    /// `put(key, value)`.
    pub fn put(key: impl Into<String>, value: impl Into<String>) -> Self {
        KvInput {
            op: KvOp::Put,
            key: key.into(),
            value: value.into(),
        }
    }

    /// `append(key, value)`.
    pub fn append(key: impl Into<String>, value: impl Into<String>) -> Self {
        KvInput {
            op: KvOp::Append,
            key: key.into(),
            value: value.into(),
        }
    }
}

/// What a client got back.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KvOutput {
    /// The operation completed; for a get, with this value (put and append
    /// return `Value("")`, and the model ignores it).
    Value(String),
    /// The client never learned the outcome (it timed out or the history
    /// ended first): a get may have read anything, a put or append may or
    /// may not have taken effect.
    Unknown,
}

impl KvOutput {
    /// The output of a completed put or append.
    pub fn done() -> Self {
        KvOutput::Value(String::new())
    }
}

impl Model for KvModel {
    /// One key's value.
    type State = String;
    type Input = KvInput;
    type Output = KvOutput;

    fn init(&self) -> String {
        String::new()
    }

    fn step<'s>(
        &self,
        state: &'s String,
        input: &KvInput,
        output: &KvOutput,
    ) -> Option<Cow<'s, String>> {
        // A put or append of unknown outcome is taken as done: its return is
        // at the end of the history, so "never happened" is the same as
        // "happened after everything else".
        match (input.op, output) {
            (KvOp::Get, KvOutput::Value(read)) => (read == state).then_some(Cow::Borrowed(state)),
            (KvOp::Get, KvOutput::Unknown) => Some(Cow::Borrowed(state)),
            (KvOp::Put, _) => Some(Cow::Owned(input.value.clone())),
            (KvOp::Append, _) => {
                let mut next = String::with_capacity(state.len() + input.value.len());
                next.push_str(state);
                next.push_str(&input.value);
                Some(Cow::Owned(next))
            }
        }
    }

    fn partition(&self, history: &[Operation<KvInput, KvOutput>]) -> Vec<Partition> {
        let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, op) in history.iter().enumerate() {
            by_key.entry(&op.input.key).or_default().push(i);
        }
        by_key
            .into_iter()
            .map(|(key, ops)| Partition {
                label: format!("key {key:?}"),
                ops,
            })
            .collect()
    }

    fn state_heap_bytes(&self, state: &String) -> usize {
        state.capacity()
    }

    fn describe_operation(&self, input: &KvInput, output: &KvOutput) -> String {
        let key = &input.key;
        match (input.op, output) {
            (KvOp::Get, KvOutput::Value(v)) => format!("get({key:?}) → {v:?}"),
            (KvOp::Get, KvOutput::Unknown) => format!("get({key:?}) → ?"),
            (KvOp::Put, KvOutput::Value(_)) => format!("put({key:?}, {:?})", input.value),
            (KvOp::Append, KvOutput::Value(_)) => format!("append({key:?}, {:?})", input.value),
            (KvOp::Put, KvOutput::Unknown) => format!("put({key:?}, {:?}) → ?", input.value),
            (KvOp::Append, KvOutput::Unknown) => format!("append({key:?}, {:?}) → ?", input.value),
        }
    }

    fn describe_state(&self, state: &String) -> String {
        format!("{state:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_sees_the_value_and_writes_change_it() {
        let m = KvModel;
        let step = |s: &String, i: KvInput, o: KvOutput| m.step(s, &i, &o).map(Cow::into_owned);
        let s = m.init();
        assert_eq!(
            step(&s, KvInput::get("k"), KvOutput::Value(String::new())),
            Some(String::new())
        );
        assert_eq!(
            step(&s, KvInput::get("k"), KvOutput::Value("x".into())),
            None
        );
        let s = step(&s, KvInput::put("k", "a"), KvOutput::done()).unwrap();
        let s = step(&s, KvInput::append("k", "b"), KvOutput::Unknown).unwrap();
        assert_eq!(s, "ab");
        assert_eq!(
            step(&s, KvInput::get("k"), KvOutput::Unknown),
            Some("ab".into())
        );
    }
}
