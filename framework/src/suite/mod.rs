//! Test suites from YAML.
//!
//! A suite names its lab and lists its tests in order; each test has a name,
//! a kind (a registered test function, see [`Kind`]), points, and parameters
//! for the kind. Suite-wide `defaults` give parameters to every test whose
//! kind accepts them. Instructors compose suites without writing Rust:
//!
//! ```yaml
//! lab: raft
//! seed: 0              # pins every test's seed (optional; fresh by default)
//! repeat: 3            # seeds per test when the grader is not told (optional; 1)
//! time_limit: 120s     # virtual time per test (optional; 120s)
//! wall_timeout: 60s    # wall-clock time per test run (optional; 60s)
//! memory_limit: 2GiB   # resident memory per test run (optional; 2GiB)
//! scoring: all_or_nothing  # or per_run, for --repeat (optional)
//! defaults:
//!   servers: 3
//! tests:
//!   - name: Initial election
//!     kind: initial_election
//!     points: 5
//!   - name: Re-election after network failure
//!     kind: re_election
//!     points: 5
//!     params: { servers: 3 }
//!   - name: A challenge
//!     kind: initial_election
//!     points: 2
//!     extra_credit: true   # scored, not counted in the maximum (optional)
//! ```
//!
//! Loading validates everything and reports every problem with
//! `file:line:column` and what was expected.

mod kind;
mod load;
mod params;
mod positions;
mod select;

use std::path::PathBuf;
use std::time::Duration;

use crate::sim::{self, RunOutcome, RunSettings};

pub use kind::{Kind, Registry, TestEnv, TestFn};
pub use load::{LoadErrors, SuiteError, load, parse};
pub use params::{FromValue, Param, ParamSpec, ParamType, Params, Value};
pub use positions::{Position, Positions, Step};
pub use select::select;

/// A validated suite.
#[derive(Clone)]
pub struct Suite {
    /// The lab it tests.
    pub lab: String,
    /// A title for reports, if the file gives one.
    pub title: Option<String>,
    /// The suite's `seed:`, if it sets one: it pins every test's seed
    /// (see [`Suite::default_seed`]); without it, the grader draws fresh
    /// seeds for every run.
    pub seed: Option<u64>,
    /// Seeds per test when the grader is not given `--repeat` (`repeat:`,
    /// default 1).
    pub repeat: u32,
    /// How a test run on several seeds scores.
    pub scoring: Scoring,
    /// The tests, in order; test `n` is `tests[n - 1]`.
    pub tests: Vec<TestCase>,
}

/// One test of a suite.
#[derive(Clone)]
pub struct TestCase {
    /// Its number, from 1, in suite order.
    pub number: usize,
    /// Its name, as printed in `TEST n: name`.
    pub name: String,
    /// The test function and what it accepts.
    pub kind: Kind,
    /// Points for passing it.
    pub points: u32,
    /// Whether its points are extra credit: scored, but not counted in the
    /// suite's maximum (the classic labs' challenges).
    pub extra_credit: bool,
    /// Values for the kind's parameters.
    pub params: Params,
    /// What one run may take.
    pub limits: TestLimits,
}

/// What one run of a test may take before it fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestLimits {
    /// Virtual time (the classic labs' 120 s).
    pub time_limit: Duration,
    /// Wall-clock time, enforced by the grader's watchdog (catches busy
    /// loops and blocked threads, which stop virtual time).
    pub wall_timeout: Duration,
    /// Resident memory in bytes, enforced by the grader's watchdog.
    pub memory_limit: u64,
}

impl Default for TestLimits {
    fn default() -> Self {
        TestLimits {
            time_limit: Duration::from_secs(120),
            wall_timeout: Duration::from_secs(60),
            memory_limit: 2 << 30,
        }
    }
}

/// How a test that runs on several seeds (`repeat:`, `--repeat`) scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scoring {
    /// Its points only if every run passed (the default).
    AllOrNothing,
    /// Its points in proportion to the runs that passed.
    PerRun,
}

impl Suite {
    /// The points of every test but the extra-credit ones: the score a
    /// solution must reach for full marks.
    pub fn max_points(&self) -> u32 {
        let counted = self.tests.iter().filter(|t| !t.extra_credit);
        counted.map(|t| t.points).sum()
    }

    /// A deterministic seed for a test: derived from the suite's lab, its
    /// `seed:` (0 without one) and the test's name, so it is stable when
    /// tests are added, removed or reordered. The grader uses it when the
    /// suite sets `seed:`; the kit's own tests use it to pin their runs.
    pub fn default_seed(&self, test: &TestCase) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let seed = self.seed.unwrap_or(0);
        let text = format!("{}\u{0}{seed}\u{0}{}", self.lab, test.name);
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // Keep seeds short enough to type in a replay command.
        h % 1_000_000_000
    }
}

impl TestCase {
    /// Runs the test once in a fresh world with this seed; `artifacts` is
    /// where it may write reports (such as a linearizability report).
    pub fn run(&self, seed: u64, artifacts: PathBuf) -> RunOutcome {
        let settings = RunSettings {
            seed,
            time_limit: self.limits.time_limit,
        };
        let params = self.params.clone();
        let run = self.kind.run;
        sim::run(&settings, move |world| {
            run(TestEnv {
                world,
                params,
                artifacts,
            })
        })
    }
}
