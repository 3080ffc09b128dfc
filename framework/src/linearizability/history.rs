//! Histories: what clients saw, as operations with call and return times, or
//! as a sequence of call and return events.

use std::collections::BTreeMap;
use std::fmt;

/// One operation as a client saw it: what it asked (`input`), what it got
/// back (`output`), and when it called and when the answer came back.
///
/// The interval `[call, ret]` is closed: two operations whose intervals share
/// an end point (say `[10, 20]` and `[20, 30]`) are concurrent, and either may
/// be linearized first. Times are in any unit, as long as one history uses
/// one clock (the kit's harnesses use nanoseconds of virtual time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation<I, O> {
    /// Which client issued the operation; the report draws one row per client.
    pub client: usize,
    /// What the client asked for.
    pub input: I,
    /// When the client called.
    pub call: i64,
    /// What the client got back (for a pending operation, the model's
    /// "unknown" output).
    pub output: O,
    /// When the answer came back (for a pending operation, the end of the
    /// history: see [`HistoryBuilder`]).
    pub ret: i64,
}

/// One event of a history in event form: the order of a slice of events is
/// the real-time order, and `id` pairs a call with its return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event<I, O> {
    /// Which client the event belongs to.
    pub client: usize,
    /// A call (with the input) or a return (with the output).
    pub kind: EventKind<I, O>,
    /// Pairs a call with its return; unique per operation.
    pub id: u64,
}

/// Whether an [`Event`] is a call or a return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind<I, O> {
    /// The client called with this input.
    Call(I),
    /// The client got this output back.
    Return(O),
}

/// Why a sequence of events is not a history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventError {
    /// Two calls share an id.
    DuplicateCall {
        /// The id used twice.
        id: u64,
        /// The index of the second call in the event slice.
        index: usize,
    },
    /// A return has no earlier call with its id (or a second return).
    UnmatchedReturn {
        /// The return's id.
        id: u64,
        /// Its index in the event slice.
        index: usize,
    },
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::DuplicateCall { id, index } => {
                write!(f, "event {index}: a second call with id {id}")
            }
            EventError::UnmatchedReturn { id, index } => {
                write!(f, "event {index}: a return with id {id} has no open call")
            }
        }
    }
}

impl std::error::Error for EventError {}

/// Converts events to operations: an event's time is its index in the slice.
/// A call without a return is pending: it gets `pending_output` and a return
/// after every event, as if the answer arrived at the end of the history
/// (which lets the checker linearize it anywhere after its call, or in effect
/// not at all). Operations come out in call order.
pub fn operations_from_events<I, O: Clone>(
    events: Vec<Event<I, O>>,
    pending_output: O,
) -> Result<Vec<Operation<I, O>>, EventError> {
    let end = events.len() as i64;
    let mut builder = HistoryBuilder::new();
    // Maps an open call's id to the builder's handle for it.
    let mut open = BTreeMap::new();
    for (index, event) in events.into_iter().enumerate() {
        let time = index as i64;
        match event.kind {
            EventKind::Call(input) => {
                let handle = builder.call(event.client, input, time);
                if open.insert(event.id, handle).is_some() {
                    return Err(EventError::DuplicateCall {
                        id: event.id,
                        index,
                    });
                }
            }
            EventKind::Return(output) => match open.remove(&event.id) {
                Some(handle) => builder.ret(handle, output, time),
                None => {
                    return Err(EventError::UnmatchedReturn {
                        id: event.id,
                        index,
                    });
                }
            },
        }
    }
    Ok(builder.finish_at(end, pending_output))
}

/// A handle on a call recorded in a [`HistoryBuilder`], to record its return.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CallHandle(usize);

/// Records a history as it happens: calls, then returns, some never.
///
/// ```
/// use framework::linearizability::HistoryBuilder;
/// let mut h = HistoryBuilder::new();
/// let a = h.call(0, "put x", 10);
/// let _b = h.call(1, "get x", 15); // never returns
/// h.ret(a, "ok", 20);
/// let ops = h.finish("unknown");
/// assert_eq!(ops[1].ret, 21); // pending: returns at the end of the history
/// ```
#[derive(Clone, Debug)]
pub struct HistoryBuilder<I, O> {
    calls: Vec<Recorded<I, O>>,
    latest: i64,
}

/// A call and, once it came, its answer with its time.
#[derive(Clone, Debug)]
struct Recorded<I, O> {
    client: usize,
    input: I,
    call: i64,
    answer: Option<(O, i64)>,
}

impl<I, O> Default for HistoryBuilder<I, O> {
    fn default() -> Self {
        HistoryBuilder {
            calls: Vec::new(),
            latest: i64::MIN,
        }
    }
}

impl<I, O: Clone> HistoryBuilder<I, O> {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many calls were recorded.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// Whether no call was recorded.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// Records that `client` called with `input` at `time`.
    pub fn call(&mut self, client: usize, input: I, time: i64) -> CallHandle {
        self.latest = self.latest.max(time);
        self.calls.push(Recorded {
            client,
            input,
            call: time,
            answer: None,
        });
        CallHandle(self.calls.len() - 1)
    }

    /// Records that the call `handle` returned `output` at `time`.
    ///
    /// # Panics
    /// If that call already returned: a harness bug, not a history.
    pub fn ret(&mut self, handle: CallHandle, output: O, time: i64) {
        self.latest = self.latest.max(time);
        let slot = &mut self.calls[handle.0].answer;
        assert!(slot.is_none(), "call {} returned twice", handle.0);
        *slot = Some((output, time));
    }

    /// The operations, in call order. Pending calls get `pending_output` and
    /// return one tick after the latest time recorded.
    pub fn finish(self, pending_output: O) -> Vec<Operation<I, O>> {
        let end = self.latest.saturating_add(1);
        self.finish_at(end, pending_output)
    }

    fn finish_at(self, end: i64, pending_output: O) -> Vec<Operation<I, O>> {
        self.calls
            .into_iter()
            .map(
                |Recorded {
                     client,
                     input,
                     call,
                     answer,
                 }| {
                    let (output, ret) = answer.unwrap_or_else(|| (pending_output.clone(), end));
                    Operation {
                        client,
                        input,
                        call,
                        output,
                        ret,
                    }
                },
            )
            .collect()
    }
}
