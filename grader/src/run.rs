//! `grader run`: run a suite's tests in order and score them.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use framework::sim::RunOutcome;
use framework::suite::{Registry, Suite, TestCase, load, select};

use crate::cli::RunArgs;
use crate::report::{SuiteReport, TestReport};
use crate::{EXIT_BAD_INPUT, EXIT_FAILED, EXIT_PASSED};

/// Runs the suite; returns the exit status.
pub fn run(registry: &Registry, args: &RunArgs) -> u8 {
    let suite = match load(&args.file, registry) {
        Ok(suite) => suite,
        Err(errors) => {
            eprintln!("{errors}");
            return EXIT_BAD_INPUT;
        }
    };
    let selected: Vec<&TestCase> = match &args.options.test {
        None => suite.tests.iter().collect(),
        Some(selector) => match select(&suite.tests, selector) {
            Ok(tests) => tests,
            Err(e) => {
                eprintln!("grader: --test {selector}: {e}");
                return EXIT_BAD_INPUT;
            }
        },
    };

    let mut reports = Vec::new();
    for case in selected {
        println!("TEST {}: {}", case.number, case.name);
        let _ = std::io::stdout().flush();
        let seed = args
            .options
            .seed
            .unwrap_or_else(|| suite.default_seed(case));
        let artifacts = std::env::temp_dir().join(format!("labkit-test{}-seed{seed}", case.number));
        let started = Instant::now();
        let outcome = case.run(seed, artifacts);
        let report = test_report(case, seed, &outcome, started.elapsed());
        print_result(&report, &args.file);
        reports.push(report);
    }

    let report = SuiteReport {
        suite: args.file.display().to_string(),
        lab: suite.lab.clone(),
        score: reports.iter().map(|r| r.points).sum(),
        max_score: reports.iter().map(|r| r.max_points).sum(),
        tests: reports,
    };
    print_summary(&report);
    if let Some(path) = &args.options.json {
        if let Err(e) = write_json(path, &report) {
            eprintln!(
                "grader: cannot write the JSON report to {}: {e}",
                path.display()
            );
            return EXIT_BAD_INPUT;
        }
    }
    if report.tests.iter().all(|t| t.passed) {
        EXIT_PASSED
    } else {
        EXIT_FAILED
    }
}

fn test_report(case: &TestCase, seed: u64, outcome: &RunOutcome, wall: Duration) -> TestReport {
    let passed = outcome.result.is_ok();
    TestReport {
        number: case.number,
        name: case.name.clone(),
        kind: case.kind.name.to_string(),
        passed,
        failure: outcome
            .result
            .as_ref()
            .err()
            .map(|f| f.message().to_string()),
        points: if passed { case.points } else { 0 },
        max_points: case.points,
        seed,
        virtual_ms: outcome.virtual_time.as_millis() as u64,
        wall_ms: wall.as_millis() as u64,
        rpcs: outcome.rpcs,
        bytes: outcome.bytes,
        trace_hash: format!("{:016x}", outcome.trace_hash),
        stats: outcome
            .stats
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        warnings: outcome.warnings.clone(),
    }
}

/// `(virtual 3.1 s, wall 0.02 s, 3 servers, 58 RPCs, 17 KB)`
fn figures(report: &TestReport) -> String {
    let mut parts = vec![
        format!("virtual {:.1} s", report.virtual_ms as f64 / 1000.0),
        format!("wall {:.2} s", report.wall_ms as f64 / 1000.0),
    ];
    if let Some(servers) = report.stats.get("servers") {
        parts.push(format!("{servers} servers"));
    }
    parts.push(format!("{} RPCs", report.rpcs));
    parts.push(bytes(report.bytes));
    if let Some(commands) = report.stats.get("commands") {
        parts.push(format!("{commands} commands"));
    }
    format!("({})", parts.join(", "))
}

fn bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{} KB", n / 1_000),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

fn print_result(report: &TestReport, file: &Path) {
    match &report.failure {
        None => println!("TEST {} Passed  {}", report.number, figures(report)),
        Some(failure) => {
            println!("TEST {} Failed: {failure}", report.number);
            println!("  {}", figures(report));
            println!("  replay: {}", replay_command(file, report));
        }
    }
    for warning in &report.warnings {
        println!("  warning: {warning}");
    }
}

/// The command that reruns exactly this test with exactly this seed.
fn replay_command(file: &Path, report: &TestReport) -> String {
    let program = std::env::args()
        .next()
        .unwrap_or_else(|| "grader".to_string());
    format!(
        "{program} run {} --test {} --seed {}",
        file.display(),
        report.number,
        report.seed
    )
}

fn print_summary(report: &SuiteReport) {
    let failed = report.tests.iter().filter(|t| !t.passed).count();
    if failed == 0 {
        println!(
            "ALL TESTS PASSED  (score {}/{})",
            report.score, report.max_score
        );
    } else {
        println!(
            "{failed} OF {} TESTS FAILED  (score {}/{})",
            report.tests.len(),
            report.score,
            report.max_score
        );
    }
}

fn write_json(path: &Path, report: &SuiteReport) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(report).expect("reports always serialize");
    std::fs::write(path, text + "\n")
}

/// The suite's total points (for `list`).
pub fn max_points(suite: &Suite) -> u32 {
    suite.max_points()
}
