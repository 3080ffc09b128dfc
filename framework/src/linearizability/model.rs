//! The [`Model`] trait: what a checked object is supposed to do, as a pure
//! state machine.

use std::borrow::Cow;
use std::hash::Hash;

use super::history::Operation;

/// A sequential specification: the state an object starts in, and what each
/// operation may return from each state and what state it leaves behind.
///
/// The checker asks whether the operations of a history can be put in one
/// order that respects real time (an operation that returned before another
/// was called comes first) and in which every step is legal in this model.
///
/// States must be `Eq + Hash`: the search remembers every (set of linearized
/// operations, state) pair it has tried, and two states that compare equal
/// must behave the same from then on. `step` must be pure (no interior
/// mutability, no randomness): the checker may reuse an earlier answer for
/// the same state and operation, or ask again.
///
/// See the [module documentation](super) for a worked example of adding a
/// model for a lab.
pub trait Model: Sync {
    /// The object's state between operations.
    type State: Clone + Eq + Hash + Send + Sync;
    /// What a client asks for.
    type Input: Sync;
    /// What a client gets back (include an "unknown" value if operations
    /// can be pending).
    type Output: Sync;

    /// The state before any operation.
    fn init(&self) -> Self::State;

    /// If an operation with this input can return this output in `state`,
    /// the state after it; `None` if that answer is impossible there.
    ///
    /// Return `Cow::Borrowed(state)` when the state does not change (reads):
    /// the checker then builds and looks up no new state, which matters
    /// when states are large (a key/value store's strings).
    fn step<'s>(
        &self,
        state: &'s Self::State,
        input: &Self::Input,
        output: &Self::Output,
    ) -> Option<Cow<'s, Self::State>>;

    /// Splits a history into independent parts that can be checked apart
    /// (for a key/value store: one part per key). The history is
    /// linearizable iff every part is. Only split where the model's
    /// operations on different parts really never interact.
    ///
    /// The default is one part holding everything.
    fn partition(&self, history: &[Operation<Self::Input, Self::Output>]) -> Vec<Partition> {
        vec![Partition {
            label: String::from("whole history"),
            ops: (0..history.len()).collect(),
        }]
    }

    /// Heap bytes a state owns beyond its inline size (a `String`'s
    /// buffer), so that the memory budget counts them. The default, 0,
    /// suits states without heap data.
    fn state_heap_bytes(&self, _state: &Self::State) -> usize {
        0
    }

    /// A short description of an operation for the report, such as
    /// `put("a", "x 1 0 y")` or `read() -> 3`.
    fn describe_operation(&self, input: &Self::Input, output: &Self::Output) -> String;

    /// A short description of a state for the report.
    fn describe_state(&self, state: &Self::State) -> String;
}

/// One independent part of a history: a name to show and the indices of its
/// operations in the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    /// What the part is, for people: `key "3"`, `whole history`.
    pub label: String,
    /// Indices into the history, each in exactly one partition.
    pub ops: Vec<usize>,
}
