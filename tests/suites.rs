//! The kit's suites on the reference solution: every test passes on three
//! fixed seeds, and a seed replays to the same trace.

use std::path::{Path, PathBuf};

use framework::labs::registry;
use framework::suite::{Suite, load};

fn suite(file: &str) -> Suite {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("config")
        .join(file);
    load(&path, &registry::<student::Reference>()).unwrap_or_else(|e| panic!("{e}"))
}

fn artifacts(file: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(file)
}

fn passes_on_seed(file: &str, seed: u64) {
    let suite = suite(file);
    let failures: Vec<String> = suite
        .tests
        .iter()
        .filter_map(|case| {
            let outcome = case.run(seed, artifacts(file));
            outcome.result.err().map(|f| {
                format!(
                    "{file} TEST {} ({}) failed with seed {seed}: {f}",
                    case.number, case.name
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn replays(file: &str) {
    let suite = suite(file);
    for case in &suite.tests {
        let seed = suite.default_seed(case);
        let first = case.run(seed, artifacts(file));
        let second = case.run(seed, artifacts(file));
        // The figures too: among them the checker's `check_steps`, which
        // counts steps, not time, so that it replays like the rest.
        assert_eq!(
            (
                first.trace_hash,
                first.rpcs,
                first.virtual_time,
                first.stats
            ),
            (
                second.trace_hash,
                second.rpcs,
                second.virtual_time,
                second.stats
            ),
            "{file} TEST {} ({}) is not deterministic with seed {seed}",
            case.number,
            case.name
        );
    }
}

#[test]
fn raft_passes_on_seed_1() {
    passes_on_seed("raft_lab_test.yml", 1);
}

#[test]
fn raft_passes_on_seed_2() {
    passes_on_seed("raft_lab_test.yml", 2);
}

#[test]
fn raft_passes_on_seed_3() {
    passes_on_seed("raft_lab_test.yml", 3);
}

#[test]
fn raft_replays_from_its_seeds() {
    replays("raft_lab_test.yml");
}

#[test]
fn kv_passes_on_seed_1() {
    passes_on_seed("kv_lab_test.yml", 1);
}

#[test]
fn kv_passes_on_seed_2() {
    passes_on_seed("kv_lab_test.yml", 2);
}

#[test]
fn kv_passes_on_seed_3() {
    passes_on_seed("kv_lab_test.yml", 3);
}

#[test]
fn kv_replays_from_its_seeds() {
    replays("kv_lab_test.yml");
}

#[test]
fn shard_passes_on_seed_1() {
    passes_on_seed("shard_lab_test.yml", 1);
}

#[test]
fn shard_passes_on_seed_2() {
    passes_on_seed("shard_lab_test.yml", 2);
}

#[test]
fn shard_replays_from_its_seeds() {
    replays("shard_lab_test.yml");
}

#[test]
fn pb_passes_on_seed_1() {
    passes_on_seed("pb_lab_test.yml", 1);
}

#[test]
fn pb_passes_on_seed_2() {
    passes_on_seed("pb_lab_test.yml", 2);
}

#[test]
fn pb_replays_from_its_seeds() {
    replays("pb_lab_test.yml");
}
