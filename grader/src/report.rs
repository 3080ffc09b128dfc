//! The machine-readable report of a run (`--json`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The report of one run of a suite.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SuiteReport {
    /// The suite file, as given.
    pub suite: String,
    /// The lab it tests.
    pub lab: String,
    /// Points scored.
    pub score: u32,
    /// Points available in the tests that ran.
    pub max_score: u32,
    /// One entry per test run, in order.
    pub tests: Vec<TestReport>,
}

/// The result of one test run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TestReport {
    /// Its number in the suite, from 1.
    pub number: usize,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// Whether it passed.
    pub passed: bool,
    /// What broke, when it failed.
    pub failure: Option<String>,
    /// Points scored.
    pub points: u32,
    /// Points available.
    pub max_points: u32,
    /// The seed it ran with: `--seed` with this replays it exactly.
    pub seed: u64,
    /// Virtual time it took, in milliseconds.
    pub virtual_ms: u64,
    /// Wall-clock time it took, in milliseconds.
    pub wall_ms: u64,
    /// RPCs sent.
    pub rpcs: u64,
    /// Bytes sent (requests and delivered replies).
    pub bytes: u64,
    /// The trace hash (16 hex digits): same seed, same hash.
    pub trace_hash: String,
    /// Figures the test reported (servers, commands, ...).
    pub stats: BTreeMap<String, u64>,
    /// Warnings that did not fail the test.
    pub warnings: Vec<String>,
}
