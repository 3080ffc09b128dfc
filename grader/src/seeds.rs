//! Where a run's seeds come from: `--seed`, the suite's `seed:`, or fresh
//! from the operating system.
//!
//! A graded run must not be the run a student already saw pass (and could
//! have tuned a solution for), so unless a seed is pinned every `grader run`
//! draws a new one. It is printed, so the run still replays exactly.

use framework::suite::{Suite, TestCase};
use rand::Rng;

/// Fresh seeds stay below this, short enough to type in a replay command.
const FRESH_BELOW: u64 = 1_000_000_000;

/// How this run's seeds were chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seeds {
    /// `--seed N`: every test starts from N.
    Flag(u64),
    /// The suite's `seed:`: each test starts from its own seed, derived
    /// from the suite's and its name.
    Suite(u64),
    /// Drawn for this run: every test starts from it.
    Fresh(u64),
}

impl Seeds {
    /// The seeds for a run given `--seed` (if any) of `suite`: pinned by the
    /// flag, else by the suite, else fresh.
    pub fn choose(flag: Option<u64>, suite: &Suite) -> Seeds {
        match (flag, suite.seed) {
            (Some(seed), _) => Seeds::Flag(seed),
            (None, Some(seed)) => Seeds::Suite(seed),
            (None, None) => Seeds::Fresh(rand::rng().random_range(0..FRESH_BELOW)),
        }
    }

    /// The first seed of `case` (further runs take the seeds after it).
    pub fn first(self, suite: &Suite, case: &TestCase) -> u64 {
        match self {
            Seeds::Flag(seed) | Seeds::Fresh(seed) => seed,
            Seeds::Suite(_) => suite.default_seed(case),
        }
    }

    /// For the run's header: `seed 42 (fresh: --seed 42 replays this run)`.
    pub fn describe(self) -> String {
        match self {
            Seeds::Flag(seed) => format!("seed {seed} (from --seed)"),
            Seeds::Suite(seed) => format!("seeds pinned by the suite's seed: {seed}"),
            Seeds::Fresh(seed) => format!("seed {seed} (fresh: --seed {seed} replays this run)"),
        }
    }
}
