//! The linearizability checker: is there one order of a history's
//! operations that respects real time and that a sequential model accepts?
//!
//! Porcupine-style (Wing & Gong's search with Lowe's memoisation, and
//! P-compositionality: a model may split a history into independent parts,
//! here searched interleaved so that one hard part cannot starve the
//! others). Three verdicts: [`Verdict::Ok`], [`Verdict::Illegal`] and
//! [`Verdict::Unknown`] (the step budget, a deadline or the memory budget
//! stopped the search; never a pass).
//!
//! # Checking a KV history
//!
//! ```
//! use std::time::Duration;
//! use framework::linearizability::{check, CheckOptions, HistoryBuilder, Verdict};
//! use framework::linearizability::models::kv::{KvInput, KvModel, KvOutput};
//!
//! let mut h = HistoryBuilder::new();
//! let put = h.call(0, KvInput::put("k", "x"), 0);
//! h.ret(put, KvOutput::done(), 10);
//! let get = h.call(1, KvInput::get("k"), 20);
//! h.ret(get, KvOutput::Value(String::new()), 30); // stale read
//! let _pending = h.call(2, KvInput::append("k", "y"), 25); // never returns
//! let history = h.finish(KvOutput::Unknown);
//!
//! let result = check(&KvModel, &history, &CheckOptions::default().timeout(Duration::from_secs(10)));
//! assert!(!result.is_linearizable());
//! if let Verdict::Illegal(violation) = &result.verdict {
//!     assert_eq!(violation.label, "key \"k\"");
//!     let report = framework::linearizability::report::Report::new(&KvModel, &history, violation);
//!     let html = report.to_html("stale read");
//!     assert!(html.contains("<svg"));
//!     // report.write_html("stale read", "failure.html") writes the file;
//!     // formats::json::kv_to_json(&history) gives the history to replay with
//!     // `grader check-history --format json`.
//! }
//! ```
//!
//! # Adding a model for a lab
//!
//! Implement [`Model`]: a state (`Clone + Eq + Hash`), a pure `step`
//! (returning `Cow::Borrowed` when the state stays as it is), and
//! descriptions for the report; override `partition` only where parts truly
//! never interact. Put it beside the lab's harness, build the history with
//! [`HistoryBuilder`], and call [`check`]. A counter that clients increment
//! and read:
//!
//! ```
//! use std::borrow::Cow;
//! use framework::linearizability::{check, CheckOptions, Model, Operation};
//!
//! struct Counter;
//! enum Op { Increment, Read }
//!
//! impl Model for Counter {
//!     type State = u64;
//!     type Input = Op;
//!     type Output = u64; // the value read (ignored for increments)
//!
//!     fn init(&self) -> u64 { 0 }
//!
//!     fn step<'s>(&self, state: &'s u64, input: &Op, output: &u64) -> Option<Cow<'s, u64>> {
//!         match input {
//!             Op::Increment => Some(Cow::Owned(state + 1)),
//!             Op::Read => (output == state).then_some(Cow::Borrowed(state)),
//!         }
//!     }
//!
//!     fn describe_operation(&self, input: &Op, output: &u64) -> String {
//!         match input {
//!             Op::Increment => String::from("increment()"),
//!             Op::Read => format!("read() → {output}"),
//!         }
//!     }
//!
//!     fn describe_state(&self, state: &u64) -> String { state.to_string() }
//! }
//!
//! let history = vec![
//!     Operation { client: 0, input: Op::Increment, call: 0, output: 0, ret: 10 },
//!     Operation { client: 1, input: Op::Read, call: 5, output: 1, ret: 15 },
//! ];
//! assert!(check(&Counter, &history, &CheckOptions::default()).is_linearizable());
//! ```
//!
//! # The search, and what makes it fast
//!
//! Dense operation numbers, the call/return list in flat arrays (lifted and
//! restored in O(1)), interned states (the hot loop moves `u32`s) with a
//! fixed-size memo of transitions, a Zobrist hash of the linearized set
//! updated in O(1) per step, and a cache of (bitset, state) pairs with
//! 16-byte slots and the bitsets in one arena. Partitions are searched in
//! rounds of doubling step budgets, on [`CheckOptions::threads`] threads
//! (default: one per core), and the first round that refutes one ends the
//! check: see [`check`].
//!
//! # Limits
//!
//! [`CheckOptions`] holds three limits; hitting any gives
//! [`Verdict::Unknown`] with the reason ([`StopReason`]), which
//! [`CheckResult::is_linearizable`] never counts as a pass:
//!
//! - a **step budget** ([`CheckOptions::step_budget`], default
//!   [`DEFAULT_STEP_BUDGET`]): search steps over all partitions. It is
//!   spent between the rounds, so where it runs out depends only on the
//!   history, never on the machine, its load or the number of threads;
//!   [`CheckResult::steps`] says how many were taken. This is the limit for
//!   checks inside a test, whose verdict must replay from the seed;
//! - a **wall-clock timeout** ([`CheckOptions::timeout`], default 60 s): for
//!   a person checking files (`grader check-history --timeout`). Where it
//!   stops depends on the machine, so tests turn it off
//!   ([`CheckOptions::no_timeout`]);
//! - a **memory budget** ([`CheckOptions::memory_budget`], default 2 GiB):
//!   the search tables' bytes, summed over partitions.

mod cache;
mod check;
pub mod formats;
mod hash;
mod history;
mod minimize;
mod model;
pub mod models;
pub mod report;
mod search;
mod verdict;

pub use check::{CheckOptions, DEFAULT_STEP_BUDGET, check};
pub use history::{
    CallHandle, Event, EventError, EventKind, HistoryBuilder, Operation, operations_from_events,
};
pub use model::{Model, Partition};
pub use verdict::{CheckResult, GaveUp, StopReason, Verdict, Violation};
