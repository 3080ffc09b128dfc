//! `grader merge`: one result from the JSON reports of partitioned runs.

use std::collections::BTreeSet;

use crate::cli::MergeArgs;
use crate::formats::write_all;
use crate::report::SuiteReport;
use crate::summary::print_summary;
use crate::{EXIT_BAD_INPUT, EXIT_FAILED, EXIT_PASSED};

/// Merges the reports; returns the exit status (of the merged result).
pub fn merge(args: &MergeArgs) -> u8 {
    let mut parts = Vec::new();
    for path in &args.reports {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("{}: cannot read: {e}", path.display());
                return EXIT_BAD_INPUT;
            }
        };
        match serde_json::from_str::<SuiteReport>(&text) {
            Ok(report) => parts.push(report),
            Err(e) => {
                eprintln!(
                    "{}:{}:{}: expected a grader JSON report: {e}",
                    path.display(),
                    e.line(),
                    e.column()
                );
                return EXIT_BAD_INPUT;
            }
        }
    }
    let suites: BTreeSet<(&str, &str, &str)> = parts
        .iter()
        .map(|p| (p.suite.as_str(), p.lab.as_str(), p.scoring.as_str()))
        .collect();
    if suites.len() > 1 {
        eprintln!("grader merge: the reports are of different suites: {suites:?}");
        return EXIT_BAD_INPUT;
    }
    let first = &parts[0];
    let (suite, lab, scoring) = (
        first.suite.clone(),
        first.lab.clone(),
        first.scoring.clone(),
    );
    let mut runs: Vec<_> = parts.into_iter().flat_map(|p| p.tests).collect();
    runs.sort_by_key(|t| (t.number, t.seed));
    let before = runs.len();
    runs.dedup_by_key(|t| (t.number, t.seed));
    if runs.len() != before {
        eprintln!(
            "grader merge: {} runs appear in more than one report; keeping one of each",
            before - runs.len()
        );
    }
    let report = SuiteReport::new(suite, lab, &scoring, runs);
    print_summary(&report, std::path::Path::new(&report.suite), true);
    if let Err(e) = write_all(&report, args.json.as_deref(), &args.formats) {
        eprintln!("grader: {e}");
        return EXIT_BAD_INPUT;
    }
    if report.all_passed() {
        EXIT_PASSED
    } else {
        EXIT_FAILED
    }
}
