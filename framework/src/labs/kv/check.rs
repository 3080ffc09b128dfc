//! The end of every test with clients: is what they saw linearizable?

use std::path::Path;
use std::time::Duration;

use super::cluster::SharedHistory;
use crate::linearizability::formats::json::kv_to_json;
use crate::linearizability::models::kv::{KvModel, KvOutput};
use crate::linearizability::report::Report;
use crate::linearizability::{CheckOptions, HistoryBuilder, Verdict, check};
use crate::sim::{Failure, World};
use crate::sync::lock;
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

/// Checks every operation the test's clients made. An illegal history fails
/// the test, with the checker's HTML report and the history written beside
/// it. A check that cannot decide in `timeout` fails the test when
/// `fail_on_unknown`, else passes with a warning: never silently.
pub fn check_history(
    world: &World,
    history: &SharedHistory,
    artifacts: &Path,
    timeout: Duration,
    fail_on_unknown: bool,
) -> Result<(), Failure> {
    let operations =
        std::mem::replace(&mut *lock(history), HistoryBuilder::new()).finish(KvOutput::Unknown);
    let options = CheckOptions::default()
        .timeout(timeout)
        .memory_budget(MEMORY_BUDGET);
    let result = check(&KvModel, &operations, &options);
    match &result.verdict {
        Verdict::Ok => Ok(()),
        Verdict::Illegal(violation) => {
            let report = artifacts.join(REPORT);
            let saved = std::fs::create_dir_all(artifacts)
                .and_then(|()| std::fs::write(artifacts.join(HISTORY), kv_to_json(&operations)))
                .and_then(|()| {
                    Report::new(&KvModel, &operations, violation)
                        .write_html("the test's history", &report)
                });
            ensure!(
                saved.is_ok(),
                "history is not linearizable ({}), and the report could not be written to {}: {:?}",
                violation.label,
                artifacts.display(),
                saved.err()
            );
            fail!(
                "history is not linearizable ({}: no order of its {} operations explains what clients saw); report: {}",
                violation.label,
                operations.len(),
                report.display()
            )
        }
        Verdict::Unknown(why) => {
            let message = format!(
                "linearizability of the {} operations not decided: {why}",
                operations.len()
            );
            ensure!(!fail_on_unknown, "{message}");
            world.warn(message);
            Ok(())
        }
    }
}
