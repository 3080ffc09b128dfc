//! The report of a failing check: one self-contained HTML page (inline CSS
//! and JavaScript, no fonts or scripts from elsewhere) that a student can
//! read.
//!
//! It shows, for the partition that has no legal order:
//! - the smallest set of its operations found that still has none (see
//!   `minimize`), drawn on its own;
//! - every operation as a box from call to return, one row per client, with
//!   times replaced by their rank so that short and long gaps read alike;
//! - the longest partial linearizations the search found, step by step with
//!   the state after each, and the point where it got stuck: the return by
//!   which one of the remaining operations had to take effect (a red line),
//!   and why each of those candidates could not go next.
//!
//! The same history gives a byte-identical page (no wall-clock time in it;
//! shrinking is bounded in search steps, not seconds).
//!
//! Checking how it looks, in a real browser (Debian's `chromium`):
//!
//! ```text
//! chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
//!   --disable-background-networking --disable-component-update --disable-sync \
//!   --user-data-dir=$(mktemp -d) --screenshot=/tmp/report.png \
//!   --window-size=1400,900 file:///path/to/report.html
//! ```
//!
//! The test `report_renders_in_chromium` in `framework/tests/linearizability_report.rs`
//! does this and keeps the screenshot in `target/` (it skips, saying so,
//! where chromium is absent).

mod html;

use std::path::Path;

use super::history::Operation;
use super::minimize::{Budget, minimal_failing_set};
use super::model::Model;
use super::search::{Progress, Search};
use super::verdict::Violation;

/// Everything the page shows, already described in words: building it
/// needs the model, rendering it does not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    label: String,
    initial_state: String,
    /// The partition's operations.
    ops: Vec<OpView>,
    full: Analysis,
    minimal: Analysis,
}

/// One operation as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
struct OpView {
    /// Index in the checked history.
    index: usize,
    client: usize,
    call: i64,
    ret: i64,
    description: String,
}

/// A set of operations and the longest orders found for it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Analysis {
    /// Positions in `Report::ops`, in history order.
    members: Vec<usize>,
    /// Longest first; at most `SHOWN_LINEARIZATIONS`.
    linearizations: Vec<Linearization>,
}

/// A partial linearization and where it got stuck.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Linearization {
    /// (position in `Report::ops`, state after it), in order.
    steps: Vec<(usize, String)>,
    /// The earliest-returning operation not linearized: one of the
    /// candidates had to take effect before its return.
    deadline: Option<usize>,
    /// Operations that could have gone next by real time, and whether the
    /// model allowed them in the state reached (if it did, every order
    /// continuing with them failed further on).
    candidates: Vec<(usize, bool)>,
}

/// How many partial linearizations the page shows per set.
const SHOWN_LINEARIZATIONS: usize = 3;

impl Report {
    /// Builds the report of `violation`, which a check of `history` under
    /// `model` returned.
    ///
    /// # Panics
    /// If the violation's partition turns out linearizable: it was not
    /// produced by checking this history with this model.
    pub fn new<M: Model>(
        model: &M,
        history: &[Operation<M::Input, M::Output>],
        violation: &Violation,
    ) -> Report {
        let ops: Vec<OpView> = violation
            .ops
            .iter()
            .map(|&index| {
                let op = &history[index];
                OpView {
                    index,
                    client: op.client,
                    call: op.call,
                    ret: op.ret,
                    description: model.describe_operation(&op.input, &op.output),
                }
            })
            .collect();
        let full = analyse(model, history, &ops, &violation.ops, violation.steps);
        let stuck_on = full
            .linearizations
            .first()
            .and_then(|l| l.deadline)
            .map(|p| ops[p].index);
        let budget = Budget {
            per_check: violation.steps.max(1 << 16) * 2,
            total: 1 << 23,
        };
        let members = minimal_failing_set(model, history, &violation.ops, stuck_on, &budget);
        let minimal = analyse(model, history, &ops, &members, u64::MAX);
        Report {
            label: violation.label.clone(),
            initial_state: model.describe_state(&model.init()),
            ops,
            full,
            minimal,
        }
    }

    /// The smallest set of operations found that has no legal order, as
    /// indices into the checked history.
    pub fn minimal_failing_set(&self) -> Vec<usize> {
        self.minimal
            .members
            .iter()
            .map(|&p| self.ops[p].index)
            .collect()
    }

    /// The page, titled `title` (say, the test's or the file's name).
    pub fn to_html(&self, title: &str) -> String {
        html::render(self, title)
    }

    /// Writes the page to `path`.
    pub fn write_html(&self, title: &str, path: impl AsRef<Path>) -> std::io::Result<()> {
        std::fs::write(path, self.to_html(title))
    }
}

/// Searches `members` (history indices) with the recorder on and describes
/// the longest partial linearizations.
fn analyse<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    ops: &[OpView],
    members: &[usize],
    max_steps: u64,
) -> Analysis {
    let position = |index: usize| {
        ops.iter()
            .position(|o| o.index == index)
            .expect("a member of the partition")
    };
    let mut search = Search::new(model, history, members).record();
    let progress = search.run(max_steps);
    assert_eq!(
        progress,
        Progress::Illegal,
        "the report's operations must have no legal order"
    );
    let mut orders = search.partial_linearizations();
    if orders.is_empty() {
        // Not even a first operation was possible: show the empty order.
        orders.push(Vec::new());
    }
    let linearizations = orders
        .into_iter()
        .take(SHOWN_LINEARIZATIONS)
        .map(|order| {
            let mut state = model.init();
            let mut steps = Vec::with_capacity(order.len());
            let mut done = vec![false; members.len()];
            for &local in &order {
                let op = &history[members[local as usize]];
                state = model
                    .step(&state, &op.input, &op.output)
                    .expect("a recorded linearization replays legally")
                    .into_owned();
                done[local as usize] = true;
                steps.push((
                    position(members[local as usize]),
                    model.describe_state(&state),
                ));
            }
            let rest: Vec<usize> = (0..members.len())
                .filter(|&l| !done[l])
                .map(|l| members[l])
                .collect();
            let deadline = rest.iter().copied().min_by_key(|&i| (history[i].ret, i));
            let candidates = match deadline {
                None => Vec::new(),
                Some(d) => rest
                    .iter()
                    .filter(|&&i| history[i].call <= history[d].ret)
                    .map(|&i| {
                        (
                            position(i),
                            model
                                .step(&state, &history[i].input, &history[i].output)
                                .is_some(),
                        )
                    })
                    .collect(),
            };
            Linearization {
                steps,
                deadline: deadline.map(position),
                candidates,
            }
        })
        .collect();
    Analysis {
        members: members.iter().map(|&i| position(i)).collect(),
        linearizations,
    }
}
