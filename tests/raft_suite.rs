//! The Raft suite on the reference solution: every test passes on three
//! fixed seeds, and a seed replays to the same trace.

use std::path::{Path, PathBuf};

use framework::labs::registry;
use framework::suite::{Suite, load};

fn suite() -> Suite {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/raft_lab_test.yml");
    load(&path, &registry::<student::Reference>()).unwrap_or_else(|e| panic!("{e}"))
}

fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("raft-suite")
}

fn passes_on_seed(seed: u64) {
    let suite = suite();
    let failures: Vec<String> = suite
        .tests
        .iter()
        .filter_map(|case| {
            let outcome = case.run(seed, artifacts());
            outcome.result.err().map(|f| {
                format!(
                    "TEST {} ({}) failed with seed {seed}: {f}",
                    case.number, case.name
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_test_passes_on_seed_1() {
    passes_on_seed(1);
}

#[test]
fn every_test_passes_on_seed_2() {
    passes_on_seed(2);
}

#[test]
fn every_test_passes_on_seed_3() {
    passes_on_seed(3);
}

#[test]
fn the_same_seed_gives_the_same_trace_for_every_test() {
    let suite = suite();
    for case in &suite.tests {
        let seed = suite.default_seed(case);
        let first = case.run(seed, artifacts());
        let second = case.run(seed, artifacts());
        assert_eq!(
            (first.trace_hash, first.rpcs, first.virtual_time),
            (second.trace_hash, second.rpcs, second.virtual_time),
            "TEST {} ({}) is not deterministic with seed {seed}",
            case.number,
            case.name
        );
    }
}
