//! A single integer register with read, write and compare-and-set, whose
//! operations may have unknown outcomes: the model of the Jepsen etcd
//! histories.

use std::borrow::Cow;

use crate::linearizability::model::Model;

/// A register holding an integer or nothing (never written). One register,
/// so one partition.
#[derive(Clone, Copy, Debug, Default)]
pub struct RegisterModel;

/// What a client asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegisterInput {
    /// Read the value.
    Read,
    /// Set the value.
    Write(i64),
    /// Set the value to `to` if it is `from`.
    Cas {
        /// The expected value.
        from: i64,
        /// The new value.
        to: i64,
    },
}

/// What a client got back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegisterOutput {
    /// A read's answer: the value, or `None` if never written.
    Read(Option<i64>),
    /// A write completed.
    Written,
    /// A compare-and-set completed: whether it swapped.
    Cas(bool),
    /// The client never learned the outcome (timed out, or the history
    /// ended first).
    Unknown,
}

impl RegisterModel {
    /// The etcd register's rules; the trait's `step` wraps this.
    fn next_state(
        state: Option<i64>,
        input: &RegisterInput,
        output: &RegisterOutput,
    ) -> Option<Option<i64>> {
        use RegisterOutput::{Cas, Read, Unknown, Written};
        // Writes and swaps of unknown outcome are taken as done: their return
        // is at the end of the history, so "never happened" is the same as
        // "happened after everything else".
        match (*input, *output) {
            (RegisterInput::Read, Read(seen)) => (seen == state).then_some(state),
            (RegisterInput::Read, Unknown) => Some(state),
            (RegisterInput::Write(v), Written | Unknown) => Some(Some(v)),
            (RegisterInput::Cas { from, to }, Cas(swapped)) => {
                let matches = state == Some(from);
                (matches == swapped).then_some(if matches { Some(to) } else { state })
            }
            (RegisterInput::Cas { from, to }, Unknown) => {
                Some(if state == Some(from) { Some(to) } else { state })
            }
            // An answer of the wrong kind (a read answered "written") can
            // never happen.
            _ => None,
        }
    }
}

impl Model for RegisterModel {
    /// The value, `None` before any write.
    type State = Option<i64>;
    type Input = RegisterInput;
    type Output = RegisterOutput;

    fn init(&self) -> Option<i64> {
        None
    }

    fn step<'s>(
        &self,
        state: &'s Option<i64>,
        input: &RegisterInput,
        output: &RegisterOutput,
    ) -> Option<Cow<'s, Option<i64>>> {
        Self::next_state(*state, input, output).map(Cow::Owned)
    }

    fn describe_operation(&self, input: &RegisterInput, output: &RegisterOutput) -> String {
        let answer = match output {
            RegisterOutput::Read(Some(v)) => v.to_string(),
            RegisterOutput::Read(None) => String::from("nil"),
            RegisterOutput::Written => String::from("ok"),
            RegisterOutput::Cas(true) => String::from("ok"),
            RegisterOutput::Cas(false) => String::from("failed"),
            RegisterOutput::Unknown => String::from("?"),
        };
        match input {
            RegisterInput::Read => format!("read() → {answer}"),
            RegisterInput::Write(v) => format!("write({v}) → {answer}"),
            RegisterInput::Cas { from, to } => format!("cas({from}, {to}) → {answer}"),
        }
    }

    fn describe_state(&self, state: &Option<i64>) -> String {
        state.map_or_else(|| String::from("nil"), |v| v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RegisterInput::*;

    #[test]
    fn steps_follow_the_etcd_rules() {
        assert_eq!(
            RegisterModel::next_state(None, &Read, &RegisterOutput::Read(None)),
            Some(None)
        );
        assert_eq!(
            RegisterModel::next_state(Some(1), &Read, &RegisterOutput::Read(None)),
            None
        );
        assert_eq!(
            RegisterModel::next_state(Some(1), &Read, &RegisterOutput::Unknown),
            Some(Some(1))
        );
        assert_eq!(
            RegisterModel::next_state(None, &Write(3), &RegisterOutput::Unknown),
            Some(Some(3))
        );
        assert_eq!(
            RegisterModel::next_state(Some(1), &Cas { from: 1, to: 2 }, &RegisterOutput::Cas(true)),
            Some(Some(2))
        );
        assert_eq!(
            RegisterModel::next_state(
                Some(1),
                &Cas { from: 1, to: 2 },
                &RegisterOutput::Cas(false)
            ),
            None
        );
        assert_eq!(
            RegisterModel::next_state(
                Some(0),
                &Cas { from: 1, to: 2 },
                &RegisterOutput::Cas(false)
            ),
            Some(Some(0))
        );
        assert_eq!(
            RegisterModel::next_state(Some(0), &Cas { from: 1, to: 2 }, &RegisterOutput::Unknown),
            Some(Some(0))
        );
        assert_eq!(
            RegisterModel::next_state(None, &Read, &RegisterOutput::Written),
            None
        );
    }
}
