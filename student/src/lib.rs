//! The reference solution of every lab: what a student submission replaces.
//!
//! The grader names [`Reference`], the bundle of this crate's
//! implementations of the framework's lab traits.
//!
// `grader handout` writes a student's `lib.rs` from its own first lines,
// the lines between the two `handout:` markers below (kept as they are),
// one module per lab it hands out (from `student/handout/`) and a
// `Reference` that registers them.
// handout: keep
//! # Determinism
//!
//! Every test runs in a deterministic world: one thread, a virtual clock,
//! one seeded random number generator. A failing seed replays exactly, as
//! long as the code under test draws on nothing else. So:
//!
//! - **tasks, not threads**: spawn with `Node::spawn` (a crash then stops
//!   them all), never `std::thread::spawn` or `tokio::spawn`; never block
//!   the thread (`std::thread::sleep`);
//! - **virtual time**: `tokio::time` (or `framework::sim::time`), never
//!   `std::time::Instant` or `SystemTime`;
//! - **the world's randomness**: `Node::rng()`, never `rand::rng()`,
//!   `thread_rng()` or `rand::random()`;
//! - **ordered collections**: `BTreeMap` and `BTreeSet`, never `HashMap` or
//!   `HashSet`, whose iteration order changes from run to run;
//! - **`biased;` in every `tokio::select!`**: without it, `select!` picks
//!   among ready branches at random. The kit seeds that choice from the
//!   world, so a run still replays, but which branch wins then depends on
//!   tokio's internals rather than on your code.
//!
//! The crate's `clippy.toml` flags all but the last of these
//! (`cargo clippy -p student`); clippy cannot see inside `select!`, so
//! check that one by hand.

#![warn(missing_docs)]
// handout: end

pub mod kv;
pub mod pb;
pub mod raft;
pub mod rsm;
pub mod shardkv;
pub mod shardmaster;

/// The reference implementations, as a bundle for the grader.
pub struct Reference;

impl framework::labs::Submission for Reference {
    fn labs(labs: &mut framework::labs::Labs) {
        labs.raft::<raft::Raft>();
        labs.kv::<kv::Server, kv::Clerk>();
        labs.shard_master::<shardmaster::Server, shardmaster::Clerk>();
        labs.shard_kv::<shardmaster::Server, shardmaster::Clerk, shardkv::Server, shardkv::Clerk>();
        labs.pb::<pb::ViewServer, pb::Server, pb::Clerk>();
    }
}

#[cfg(test)]
mod tests {
    /// The workspace turns overflow checks on for this crate in the release
    /// profile too (see the root `Cargo.toml`): under the grader, a log index
    /// taken below zero panics where it happens instead of wrapping.
    #[test]
    fn integer_overflow_panics_in_every_profile() {
        let zero: u64 = std::hint::black_box(0);
        assert!(std::panic::catch_unwind(|| zero - 1).is_err());
    }
}
