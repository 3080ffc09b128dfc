//! Running one test with one seed in this process, and turning its outcome
//! into a report (with a message timeline when it failed).

use std::path::Path;
use std::time::Instant;

use framework::suite::TestCase;
use framework::timeline::{Mark, Story};

use crate::report::TestReport;

/// The name of a failing run's timeline in its artifacts folder.
pub const TIMELINE: &str = "timeline.html";

/// Runs `case` with `seed`; its artifacts (a timeline if it fails, whatever
/// the test itself writes) go to `artifacts`.
pub fn run_case(case: &TestCase, seed: u64, artifacts: &Path) -> TestReport {
    let started = Instant::now();
    let outcome = case.run(seed, artifacts.to_path_buf());
    let wall = started.elapsed();
    let passed = outcome.result.is_ok();
    if let Err(failure) = &outcome.result {
        let story = Story {
            title: format!(
                "TEST {} ({}) failed with seed {seed}",
                case.number, case.name
            ),
            failure: Some(Mark {
                at: outcome.virtual_time,
                text: failure.message().to_string(),
            }),
            first_sign: failure.first_sign().map(|(at, text)| Mark {
                at,
                text: text.to_string(),
            }),
        };
        let page = framework::timeline::html(&outcome.events, &outcome.contents, &story);
        if std::fs::create_dir_all(artifacts).is_ok() {
            let _ = std::fs::write(artifacts.join(TIMELINE), page);
        }
    }
    let mut files: Vec<String> = std::fs::read_dir(artifacts)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
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
        extra_credit: case.extra_credit,
        seed,
        virtual_ms: outcome.virtual_time.as_millis() as u64,
        wall_ms: wall.as_millis() as u64,
        cpu_ms: outcome.cpu_time.as_millis() as u64,
        rpcs: outcome.rpcs,
        bytes: outcome.bytes,
        trace_hash: format!("{:016x}", outcome.trace_hash),
        stats: outcome
            .stats
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        warnings: outcome.warnings.clone(),
        artifacts: files,
    }
}
