//! How much `--jobs 2` saves: the Raft and key/value suites, ten seeds
//! each, run with one worker and with two, three times each; medians and
//! their ratio.
//!
//! Run: `cargo bench -p grader --bench jobs` (on an otherwise idle machine:
//! the figure is wall time). A benchmark, not a test: nothing is asserted.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn run(suite: &str, jobs: u32) -> Duration {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["run", suite, "--repeat", "10", "--jobs", &jobs.to_string()])
        .current_dir(root)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("the grader runs");
    assert!(status.success(), "{suite} failed with --jobs {jobs}");
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    for suite in ["config/raft_lab_test.yml", "config/kv_lab_test.yml"] {
        let one = median((0..3).map(|_| run(suite, 1)).collect());
        let two = median((0..3).map(|_| run(suite, 2)).collect());
        println!(
            "{suite} --repeat 10: --jobs 1 {:.2} s, --jobs 2 {:.2} s ({:.0} % of --jobs 1)",
            one.as_secs_f64(),
            two.as_secs_f64(),
            100.0 * two.as_secs_f64() / one.as_secs_f64()
        );
    }
}
