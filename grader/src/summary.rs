//! The end of a run's output: a per-test table (for many seeds), the
//! failing runs and those that warned, with their replay commands, and the
//! verdict line.

use std::path::Path;

use crate::output::say;
use crate::progress::replay_command;
use crate::report::{SuiteReport, TestReport, points};

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
    if table {
        let failed: Vec<_> = report.tests.iter().filter(|t| !t.passed).collect();
        list_runs("Failed runs", &failed, suite, |run| {
            run.failure.clone().unwrap_or_default()
        });
        // A warning says a run checked less than it should (an undecided
        // history, say): with many seeds there is no per-run line to show it.
        let warned: Vec<_> = report
            .tests
            .iter()
            .filter(|t| t.passed && !t.warnings.is_empty())
            .collect();
        list_runs("Runs that passed with a warning", &warned, suite, |run| {
            format!("warning: {}", run.warnings.join("; "))
        });
    }
    let failed_tests = report.scores.iter().filter(|s| s.passed < s.runs).count();
    let extra: f64 = report
        .scores
        .iter()
        .filter(|s| s.extra_credit)
        .map(|s| s.points)
        .sum();
    let mut score = format!(
        "score {}/{}",
        points(report.score),
        points(report.max_score)
    );
    if extra > 0.0 {
        score += &format!(", {} of them extra credit", points(extra));
    }
    if failed_tests == 0 {
        say!("ALL TESTS PASSED  ({score})");
    } else {
        say!(
            "{failed_tests} OF {} TESTS FAILED  ({score})",
            report.scores.len()
        );
    }
}

/// Lists up to [`LISTED_FAILURES`] of `runs` under `heading`, each with
/// what `says` of it and its replay command; nothing if there are none.
fn list_runs(
    heading: &str,
    runs: &[&TestReport],
    suite: &Path,
    says: impl Fn(&TestReport) -> String,
) {
    if runs.is_empty() {
        return;
    }
    say!("\n{heading} (each replays exactly):");
    for run in runs.iter().take(LISTED_FAILURES) {
        say!(
            "  TEST {} seed {}: {}\n    replay: {}",
            run.number,
            run.seed,
            says(run),
            replay_command(suite, run)
        );
    }
    if runs.len() > LISTED_FAILURES {
        say!(
            "  ... and {} more (see the JSON report)",
            runs.len() - LISTED_FAILURES
        );
    }
}
