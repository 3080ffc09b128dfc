//! Which runs (test, seed) a `grader run` makes, and where each one's
//! artifacts go.

use std::path::{Path, PathBuf};

use framework::suite::{Suite, TestCase};

use crate::seeds::Seeds;

/// One run to make: a test with a seed (and, with --check-determinism, which
/// of the two runs of that seed it is).
pub struct Run<'a> {
    /// The test.
    pub case: &'a TestCase,
    /// The seed.
    pub seed: u64,
    /// 0, or 1 for the second run of a seed under --check-determinism.
    pub again: bool,
}

/// The runs for `selected`: `repeat` consecutive seeds per test, starting
/// from the test's first seed in `seeds`, keeping only share `k` of `n`
/// (round robin over the (test, seed) pairs) when partitioned; each seed
/// twice when checking determinism.
pub fn plan<'a>(
    suite: &Suite,
    selected: &[&'a TestCase],
    seeds: Seeds,
    repeat: u32,
    partition: Option<(u32, u32)>,
    twice: bool,
) -> Vec<Run<'a>> {
    let pairs = selected.iter().flat_map(|case| {
        let first = seeds.first(suite, case);
        (0..u64::from(repeat)).map(move |k| (*case, first.wrapping_add(k)))
    });
    let (k, n) = partition.unwrap_or((1, 1));
    pairs
        .enumerate()
        .filter(|(i, _)| *i as u64 % u64::from(n) == u64::from(k - 1))
        .flat_map(|(_, (case, seed))| {
            let again = if twice {
                vec![false, true]
            } else {
                vec![false]
            };
            again
                .into_iter()
                .map(move |again| Run { case, seed, again })
        })
        .collect()
}

/// The folder for one run's log and reports: `DIR/03-basic_agree/seed-42`.
pub fn artifacts(dir: &Path, run: &Run<'_>) -> PathBuf {
    let again = if run.again { "-again" } else { "" };
    dir.join(format!("{:02}-{}", run.case.number, run.case.kind.name))
        .join(format!("seed-{}{again}", run.seed))
}
