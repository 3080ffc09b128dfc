//! The end of every test with clients: is what they saw linearizable? Any
//! lab's history, checked against the lab's [`CheckedModel`].

use std::path::Path;

use super::history::History;
use crate::linearizability::report::Report;
use crate::linearizability::{CheckOptions, Model, Operation, Verdict, check};
use crate::sim::{Failure, World};
use crate::{ensure, fail};

/// The checker's report of a failing history, in the test's artifacts.
pub const REPORT: &str = "linearizability.html";
/// The failing history itself, for `grader check-history --format json`.
pub const HISTORY: &str = "history.json";

/// The most memory the checker's tables may take before it gives up
/// (Unknown). Well below a test's default 2 GiB memory limit: the budget
/// counts only the search's tables, and the test's process holds the world,
/// its trace and the history besides. With the checker's own default (also
/// 2 GiB) a history it cannot decide got the test killed for memory
/// instead of reported as undecided.
const MEMORY_BUDGET: usize = 512 << 20;

/// What a lab's model adds for the harness: the output of an operation that
/// never returned, and (if the checker's JSON format has the model) the
/// history as JSON, written beside the report of a failing check.
pub trait CheckedModel: Model {
    /// The output an operation gets when its client stopped waiting.
    fn pending(&self) -> Self::Output;

    /// The history in `grader check-history`'s JSON format, if it has one
    /// for this model.
    fn history_json(&self, _history: &[Operation<Self::Input, Self::Output>]) -> Option<String> {
        None
    }
}

/// How the check treats a history it cannot decide, and what it may spend.
#[derive(Clone, Copy, Debug)]
pub struct CheckPolicy {
    /// Search steps the checker may take. Steps, not wall-clock time, so
    /// that whether a history is decided does not depend on the machine or
    /// its load, and a run replays exactly from its seed.
    pub steps: u64,
    /// Fail the test (rather than warn) when the checker cannot decide.
    pub fail_on_unknown: bool,
}

/// Checks every operation of `history` against `model`. An illegal history
/// fails the test, with the checker's HTML report (and the history, where
/// the model has a JSON form) written to `artifacts`. A check that cannot
/// decide fails the test when the policy says so, else passes with a
/// warning: never silently. The steps the check took go in the run's
/// figures as `check_steps`.
pub fn check_history<M: CheckedModel>(
    model: &M,
    world: &World,
    history: &History<M::Input, M::Output>,
    artifacts: &Path,
    policy: CheckPolicy,
) -> Result<(), Failure>
where
    M::Output: Clone,
{
    let operations = history.take(model.pending());
    let options = CheckOptions::default()
        .step_budget(policy.steps)
        .no_timeout()
        .memory_budget(MEMORY_BUDGET);
    let result = check(model, &operations, &options);
    world.set_stat("check_steps", result.steps);
    match &result.verdict {
        Verdict::Ok => Ok(()),
        Verdict::Illegal(violation) => {
            let report = artifacts.join(REPORT);
            let saved = std::fs::create_dir_all(artifacts)
                .and_then(|()| match model.history_json(&operations) {
                    Some(json) => std::fs::write(artifacts.join(HISTORY), json),
                    None => Ok(()),
                })
                .and_then(|()| {
                    Report::new(model, &operations, violation)
                        .write_html("the test's history", &report)
                });
            ensure!(
                saved.is_ok(),
                "history is not linearizable ({}), and the report could not be written to {}: {:?}",
                violation.label,
                artifacts.display(),
                saved.err()
            );
            // The partition's own count: the whole history's would send a
            // reader looking for a needle among thousands of operations.
            fail!(
                "history is not linearizable ({}: no order of its {} operations, of the history's {}, explains what clients saw); report: {}",
                violation.label,
                violation.ops.len(),
                operations.len(),
                report.display()
            )
        }
        Verdict::Unknown(why) => {
            let message = format!(
                "linearizability of the {} operations not decided: {why}",
                operations.len()
            );
            ensure!(!policy.fail_on_unknown, "{message}");
            world.warn(message);
            Ok(())
        }
    }
}
