//! The reports for CI and course platforms: JSON (the kit's own), JUnit XML,
//! Gradescope's results.json and a Markdown table.

use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestRerun, TestSuite};
use serde_json::json;

use crate::cli::Formats;
use crate::report::{SuiteReport, TestReport, TestScore, points};

/// Renders a report in one format.
type Render = fn(&SuiteReport) -> String;

/// Writes every report asked for; returns the first error as a message.
pub fn write_all(
    report: &SuiteReport,
    json: Option<&Path>,
    formats: &Formats,
) -> Result<(), String> {
    let outputs: [(Option<&Path>, Render); 4] = [
        (json, to_json),
        (formats.junit.as_deref(), junit),
        (formats.gradescope.as_deref(), gradescope),
        (formats.markdown.as_deref(), markdown),
    ];
    for (path, render) in outputs {
        if let Some(path) = path {
            std::fs::write(path, render(report))
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// The kit's JSON report.
pub fn to_json(report: &SuiteReport) -> String {
    serde_json::to_string_pretty(report).expect("reports always serialize") + "\n"
}

/// Runs of each test, in order.
fn by_test(report: &SuiteReport) -> Vec<Vec<&TestReport>> {
    report
        .scores
        .iter()
        .map(|s| {
            report
                .tests
                .iter()
                .filter(|t| t.number == s.number)
                .collect()
        })
        .collect()
}

/// `CPU 0.04 s`: the CPU time of these runs together.
fn cpu_text(runs: &[&TestReport]) -> String {
    let ms: u64 = runs.iter().map(|r| r.cpu_ms).sum();
    format!("CPU {:.2} s", ms as f64 / 1000.0)
}

fn failure_text(run: &TestReport) -> String {
    format!(
        "seed {}: {}",
        run.seed,
        run.failure.as_deref().unwrap_or("failed")
    )
}

/// JUnit XML: a test case per test; its other runs (seeds) are reruns, so
/// a test that failed on some seeds shows every failure.
pub fn junit(report: &SuiteReport) -> String {
    let mut suite = TestSuite::new(report.lab.clone());
    for runs in by_test(report) {
        let first = runs[0];
        let failures: Vec<&&TestReport> = runs.iter().filter(|r| !r.passed).collect();
        let status = match failures.split_first() {
            None => TestCaseStatus::success(),
            Some((main, rest)) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(failure_text(main));
                status.set_type("test failure");
                status.add_reruns(rest.iter().map(|r| {
                    let mut rerun = TestRerun::new(NonSuccessKind::Failure);
                    rerun.set_message(failure_text(r));
                    rerun.set_time(Duration::from_millis(r.wall_ms));
                    rerun
                }));
                status
            }
        };
        let mut case = TestCase::new(format!("TEST {}: {}", first.number, first.name), status);
        case.set_classname(format!("{}.{}", report.lab, first.kind));
        case.set_time(Duration::from_millis(runs.iter().map(|r| r.wall_ms).sum()));
        case.set_system_out(format!(
            "{} of {} runs passed (seeds {}; {})",
            runs.iter().filter(|r| r.passed).count(),
            runs.len(),
            runs.iter()
                .map(|r| r.seed.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            cpu_text(&runs)
        ));
        suite.add_test_case(case);
    }
    let mut junit = Report::new(format!("labkit {}", report.suite));
    junit.add_test_suite(suite);
    junit.to_string().expect("JUnit reports always serialize")
}

/// Gradescope's autograder results.json.
pub fn gradescope(report: &SuiteReport) -> String {
    let tests: Vec<_> = by_test(report)
        .into_iter()
        .zip(&report.scores)
        .map(|(runs, score)| {
            let failures: Vec<String> = runs
                .iter()
                .filter(|r| !r.passed)
                .map(|r| failure_text(r))
                .collect();
            let passed = format!(
                "Passed on {} of {} runs ({}).",
                score.passed,
                score.runs,
                cpu_text(&runs)
            );
            let output = if failures.is_empty() {
                passed
            } else {
                format!("{passed}\n{}", failures.join("\n"))
            };
            json!({
                "name": format!("TEST {}: {}{}", score.number, score.name, extra_note(score)),
                "number": score.number.to_string(),
                "score": score.points,
                // Gradescope counts a score above the maximum as extra credit.
                "max_score": if score.extra_credit { 0.0 } else { f64::from(score.max_points) },
                "status": if failures.is_empty() { "passed" } else { "failed" },
                "output": output,
                "visibility": "visible",
            })
        })
        .collect();
    let total_ms: u64 = report.tests.iter().map(|t| t.wall_ms).sum();
    let results = json!({
        "score": report.score,
        "execution_time": total_ms.div_ceil(1000),
        "output": format!("{}: score {}/{}", report.suite, points(report.score), points(report.max_score)),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    });
    serde_json::to_string_pretty(&results).expect("results always serialize") + "\n"
}

/// A Markdown table for a CI job summary.
pub fn markdown(report: &SuiteReport) -> String {
    let mut out = format!(
        "### {} — score {}/{}\n\n| # | Test | Result | Runs passed | CPU | Points |\n|---:|---|---|---:|---:|---:|\n",
        report.suite,
        points(report.score),
        points(report.max_score)
    );
    for (runs, score) in by_test(report).into_iter().zip(&report.scores) {
        let result = if score.passed == score.runs {
            "✅ passed"
        } else {
            "❌ failed"
        };
        out.push_str(&format!(
            "| {} | {}{} | {result} | {}/{} | {} | {}/{} |\n",
            score.number,
            score.name.replace('|', "\\|"),
            extra_note(score),
            score.passed,
            score.runs,
            cpu_text(&runs).trim_start_matches("CPU "),
            points(score.points),
            score.max_points
        ));
    }
    let failures: Vec<&TestReport> = report.tests.iter().filter(|t| !t.passed).collect();
    if !failures.is_empty() {
        out.push_str("\n**Failures**\n\n");
        for f in failures {
            out.push_str(&format!(
                "- TEST {} seed {}: {}\n",
                f.number,
                f.seed,
                f.failure.as_deref().unwrap_or("").replace('\n', " ")
            ));
        }
    }
    out
}

/// What follows an extra-credit test's name in a report.
fn extra_note(score: &TestScore) -> &'static str {
    if score.extra_credit {
        " (extra credit)"
    } else {
        ""
    }
}
