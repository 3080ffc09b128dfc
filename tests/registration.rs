//! A submission lists the labs it implements. One that implements only
//! Raft is graded on Raft and fails every other lab's tests at once with
//! "not implemented", and it needs no change when the kit gains a lab:
//! it names no lab but its own.

use std::path::Path;

use framework::labs::{Labs, Submission, registry};
use framework::suite::{Suite, load};

/// A course's Raft-only submission: the reference Raft, nothing else.
struct RaftOnly;

impl Submission for RaftOnly {
    fn labs(labs: &mut Labs) {
        labs.raft::<student::raft::Raft>();
    }
}

fn suite(file: &str) -> Suite {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("config")
        .join(file);
    load(&path, &registry::<RaftOnly>()).unwrap_or_else(|e| panic!("{e}"))
}

fn artifacts() -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("registration")
}

#[test]
fn its_raft_tests_pass() {
    let suite = suite("raft_lab_test.yml");
    for case in suite.tests.iter().take(6) {
        let outcome = case.run(1, artifacts());
        assert!(
            outcome.result.is_ok(),
            "TEST {} ({}) failed: {:?}",
            case.number,
            case.name,
            outcome.result
        );
    }
}

/// Every test of `file` fails at once with "lab `lab` is not implemented".
fn every_test_fails_as_not_implemented_at_once(file: &str, lab: &str) {
    let suite = suite(file);
    assert!(!suite.tests.is_empty());
    for case in &suite.tests {
        let outcome = case.run(1, artifacts());
        let failure = outcome
            .result
            .expect_err("a lab the submission does not list cannot pass");
        assert!(
            failure
                .message()
                .contains(&format!("lab {lab} is not implemented by this submission")),
            "TEST {} ({}): {}",
            case.number,
            case.name,
            failure.message()
        );
        assert_eq!(
            (outcome.virtual_time.as_nanos(), outcome.rpcs),
            (0, 0),
            "TEST {} ({}) ran before failing",
            case.number,
            case.name
        );
    }
}

#[test]
fn every_kv_test_fails_as_not_implemented_at_once() {
    every_test_fails_as_not_implemented_at_once("kv_lab_test.yml", "kv");
}

#[test]
fn every_shard_test_fails_as_not_implemented_at_once() {
    every_test_fails_as_not_implemented_at_once("shard_lab_test.yml", "shard");
}

#[test]
fn every_pb_test_fails_as_not_implemented_at_once() {
    every_test_fails_as_not_implemented_at_once("pb_lab_test.yml", "pb");
}
