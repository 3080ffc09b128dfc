//! The end of a run's output: a per-test table (for many seeds), the
//! failing runs and those that warned, with their replay commands, and the
//! verdict line.

use std::path::Path;

use crate::output::say;
use crate::progress::replay_command;
use crate::report::{SuiteReport, points};

/// At most this many failing runs are listed one by one.
const LISTED_FAILURES: usize = 20;

/// Prints the summary; `table` adds the per-test table of runs.
pub fn print_summary(report: &SuiteReport, suite: &Path, table: bool) {
    if table {
        let width = report
            .scores
            .iter()
            .map(|s| s.name.len())
            .max()
            .unwrap_or(0);
        say!();
        for s in &report.scores {
            let warned = report
                .tests
                .iter()
                .filter(|t| t.number == s.number && t.passed && !t.warnings.is_empty())
                .count();
            let verdict = match (s.passed == s.runs, warned) {
                (false, _) => "FAILED".to_string(),
                (true, 0) => "ok".to_string(),
                (true, n) => format!("ok, {n} warned"),
            };
            say!(
                "{:>4}  {:<width$}  {:>5}/{:<5} passed  {verdict}",
                s.number,
                s.name,
                s.passed,
                s.runs
            );
        }
    }
    let failed: Vec<_> = report.tests.iter().filter(|t| !t.passed).collect();
    if table && !failed.is_empty() {
        say!("\nFailed runs (each replays exactly):");
        for run in failed.iter().take(LISTED_FAILURES) {
            say!(
                "  TEST {} seed {}: {}\n    replay: {}",
                run.number,
                run.seed,
                run.failure.as_deref().unwrap_or(""),
                replay_command(suite, run)
            );
        }
        if failed.len() > LISTED_FAILURES {
            say!(
                "  ... and {} more (see the JSON report)",
                failed.len() - LISTED_FAILURES
            );
        }
    }
    // A warning says a run checked less than it should (an undecided
    // history, say): with many seeds there is no per-run line to show it.
    let warned: Vec<_> = report
        .tests
        .iter()
        .filter(|t| t.passed && !t.warnings.is_empty())
        .collect();
    if table && !warned.is_empty() {
        say!("\nRuns that passed with a warning (each replays exactly):");
        for run in warned.iter().take(LISTED_FAILURES) {
            say!(
                "  TEST {} seed {}: warning: {}\n    replay: {}",
                run.number,
                run.seed,
                run.warnings.join("; "),
                replay_command(suite, run)
            );
        }
        if warned.len() > LISTED_FAILURES {
            say!(
                "  ... and {} more (see the JSON report)",
                warned.len() - LISTED_FAILURES
            );
        }
    }
    let failed_tests = report.scores.iter().filter(|s| s.passed < s.runs).count();
    let score = format!(
        "score {}/{}",
        points(report.score),
        points(report.max_score)
    );
    if failed_tests == 0 {
        say!("ALL TESTS PASSED  ({score})");
    } else {
        say!(
            "{failed_tests} OF {} TESTS FAILED  ({score})",
            report.scores.len()
        );
    }
}
