//! What a run produced, per test run and per test, and its scoring.
//!
//! A run of the grader executes *runs*: one test with one seed. The report
//! lists every run (the `--json` report's `tests`) and, per test, the
//! aggregate that scores it (`scores`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The report of one run of a suite (`--json`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SuiteReport {
    /// The suite file, as given.
    pub suite: String,
    /// The lab it tests.
    pub lab: String,
    /// How tests with several runs score: `all_or_nothing` or `per_run`.
    pub scoring: String,
    /// Points scored.
    pub score: f64,
    /// Points available in the tests that ran.
    pub max_score: f64,
    /// Every run, by test number then seed.
    pub tests: Vec<TestReport>,
    /// Per test: its runs and its score.
    pub scores: Vec<TestScore>,
}

/// The result of one run: one test with one seed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TestReport {
    /// The test's number in the suite, from 1.
    pub number: usize,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// Whether it passed.
    pub passed: bool,
    /// What broke, when it failed.
    pub failure: Option<String>,
    /// Points this run would score alone.
    pub points: u32,
    /// The test's points.
    pub max_points: u32,
    /// Whether they are extra credit (not counted in the suite's maximum).
    #[serde(default)]
    pub extra_credit: bool,
    /// The seed it ran with: `--seed` with this replays it exactly.
    pub seed: u64,
    /// Virtual time it took, in milliseconds.
    pub virtual_ms: u64,
    /// Wall-clock time it took, in milliseconds.
    pub wall_ms: u64,
    /// CPU time the test's world used, in milliseconds (0 when the run
    /// ended without a result of its own). Virtual time hides computation;
    /// this shows it.
    #[serde(default)]
    pub cpu_ms: u64,
    /// RPCs sent.
    pub rpcs: u64,
    /// Bytes sent (requests and delivered replies).
    pub bytes: u64,
    /// The trace hash (16 hex digits): same seed, same hash. Empty when the
    /// run ended before producing one (a crash, a timeout).
    pub trace_hash: String,
    /// Figures the test reported (servers, commands, ...).
    #[serde(default)]
    pub stats: BTreeMap<String, u64>,
    /// Warnings that did not fail the test.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Files left for this run (log, timeline, checker report), relative to
    /// the report directory.
    #[serde(default)]
    pub artifacts: Vec<String>,
}

/// One test's runs, summed up and scored.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TestScore {
    /// The test's number.
    pub number: usize,
    /// Its name.
    pub name: String,
    /// Runs made.
    pub runs: usize,
    /// Runs that passed.
    pub passed: usize,
    /// Points scored.
    pub points: f64,
    /// Points available.
    pub max_points: u32,
    /// Whether they are extra credit (not counted in the suite's maximum).
    pub extra_credit: bool,
    /// The seeds of the runs that failed.
    pub failed_seeds: Vec<u64>,
}

impl TestReport {
    /// A run that ended without a result of its own (killed, crashed): the
    /// parent's reason is the failure.
    pub fn failed_without_result(
        number: usize,
        name: &str,
        kind: &str,
        max_points: u32,
        seed: u64,
        reason: String,
        wall_ms: u64,
    ) -> Self {
        TestReport {
            number,
            name: name.to_string(),
            kind: kind.to_string(),
            passed: false,
            failure: Some(reason),
            points: 0,
            max_points,
            extra_credit: false,
            seed,
            virtual_ms: 0,
            wall_ms,
            cpu_ms: 0,
            rpcs: 0,
            bytes: 0,
            trace_hash: String::new(),
            stats: BTreeMap::new(),
            warnings: Vec::new(),
            artifacts: Vec::new(),
        }
    }
}

impl SuiteReport {
    /// Puts runs in order and scores them: `all_or_nothing` gives a test its
    /// points only if every run passed; `per_run` in proportion.
    pub fn new(
        suite: String,
        lab: String,
        scoring: &str,
        mut tests: Vec<TestReport>,
    ) -> SuiteReport {
        tests.sort_by_key(|t| (t.number, t.seed));
        let mut by_test: BTreeMap<usize, Vec<&TestReport>> = BTreeMap::new();
        for t in &tests {
            by_test.entry(t.number).or_default().push(t);
        }
        let scores: Vec<TestScore> = by_test
            .values()
            .map(|runs| {
                let first = runs[0];
                let passed = runs.iter().filter(|r| r.passed).count();
                let max = first.max_points;
                let points = match scoring {
                    "per_run" => f64::from(max) * passed as f64 / runs.len() as f64,
                    _ if passed == runs.len() => f64::from(max),
                    _ => 0.0,
                };
                let mut failed_seeds: Vec<u64> =
                    runs.iter().filter(|r| !r.passed).map(|r| r.seed).collect();
                failed_seeds.dedup();
                TestScore {
                    number: first.number,
                    name: first.name.clone(),
                    runs: runs.len(),
                    passed,
                    points,
                    max_points: max,
                    extra_credit: first.extra_credit,
                    failed_seeds,
                }
            })
            .collect();
        SuiteReport {
            suite,
            lab,
            scoring: scoring.to_string(),
            score: scores.iter().map(|s| s.points).sum(),
            max_score: scores
                .iter()
                .filter(|s| !s.extra_credit)
                .map(|s| f64::from(s.max_points))
                .sum(),
            tests,
            scores,
        }
    }

    /// True when every run passed.
    pub fn all_passed(&self) -> bool {
        self.tests.iter().all(|t| t.passed)
    }
}

/// A score for people: `70` or `66.5`.
pub fn points(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p:.1}")
    }
}
