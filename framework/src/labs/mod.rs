//! One module per lab: its contract (the traits a student implements), its
//! harness (cluster control and checks) and its test kinds; and what every
//! lab's harness is built on.
//!
//! # The shared harness
//!
//! - [`group`]: a replica group of servers, with one vocabulary for every
//!   lab (start, crash, connect, disconnect, partition, heal, client ends),
//!   leader detection through the lab's [`group::Leadership`], counters and
//!   size bounds; [`links`]: which host reaches which server, shared by
//!   every group of a world, so ends can cross groups.
//! - [`recorded`] and [`history`]: any clerk's operations, recorded with
//!   virtual call and return times; [`check`]: the linearizability check of
//!   such a history against the lab's model, with the Illegal / Unknown
//!   policy and the report files.
//! - [`params`]: the parameters many kinds share, typed
//!   ([`crate::suite::Param`]); [`wait`]: bounds in virtual time.
//! - Registration: a [`Submission`] lists the labs it implements through
//!   [`Labs`]; the tests of a lab it does not list fail at once with "lab …
//!   is not implemented". A lab it lists but has not written yet (a
//!   handout's skeleton, see `grader handout`) fails each test with "not
//!   implemented: Raft::make", through [`not_implemented`].
//!
//! # How to add a lab
//!
//! The key/value lab (`kv`) is the example throughout.
//!
//! 1. **Contract** (`labs/<lab>/contract.rs`): the traits the student
//!    implements, documented with their rules (what returns at once, what
//!    persists, what the harness calls and when). `kv`: [`kv::KvServer`],
//!    [`kv::KvClerk`].
//! 2. **Fixture** (`labs/<lab>/cluster.rs`): the lab's cluster on one or
//!    more [`group::Group`]s sharing one [`links::Links`]; it says how to
//!    start a server (`Group::start_with`) and how to read its leadership,
//!    and makes recorded clients ([`recorded::Recorded`] into a
//!    [`history::History`]). `kv`: [`kv::KvCluster`] derefs to its group, so
//!    kinds write `c.crash(i)`, `c.partition(&[&a, &b])`.
//! 3. **Model**: if clients are checked, a [`crate::linearizability::Model`]
//!    and its [`check::CheckedModel`] (the output of a pending operation,
//!    the history's JSON form). `kv`: the checker's `KvModel`.
//! 4. **Kinds** (`labs/<lab>/kinds/`): async test functions generic over
//!    the lab's traits, their parameters as [`crate::suite::Param`]
//!    constants (shared ones from [`params`]), and one
//!    `lab_kinds! { lab: "kv", types: <S: KvServer, C: KvClerk>, … }` table
//!    (see `labs/declare.rs`) that defines `kinds::<S, C>()` and `missing()`.
//! 5. **Registration**: a method on [`Labs`] (`Labs::kv::<S, C>()`) and a
//!    row in `LABS` below. Existing submissions keep compiling: they simply
//!    do not call the new method, and its tests fail as not implemented.
//! 6. **Suite** (`config/<lab>_lab_test.yml`): the classic tests by name and
//!    in order, with points; load it in the root crate's `tests/suites.rs`
//!    so that a bad parameter fails CI.
//! 7. **Reference solution** in `student/`, registered in its
//!    `Submission`; it must pass the suite on every seed.
//! 8. **Mutants** (`tests/fixtures/mutants`): one-bug copies of the
//!    reference, each with a test that it fails with its symptom.
//! 9. **Student guide**: what to implement, each test and what it checks,
//!    how to replay and read a failure.
//! 10. **Skeleton** (`student/handout/<part>.rs`): the types and the trait
//!     impls a handout gives students, every body [`not_implemented`], and
//!     the part's row in `grader/src/handout.rs` (its registration, suite
//!     and guide); the grader's `tests/handout.rs` builds a handout of
//!     every part and runs every suite on it.

pub mod check;
pub(crate) mod declare;
pub mod group;
pub mod history;
pub mod kv;
mod leaders;
pub mod links;
pub mod params;
pub mod pb;
pub mod raft;
pub mod recorded;
pub mod shardkv;
pub mod shardmaster;
pub mod wait;

use std::collections::BTreeMap;

use crate::sim::Failure;
use crate::suite::{Kind, Registry};

/// A student's submission: it lists the labs it implements, with its types
/// for each. The framework is generic over it and never names the student
/// crate; the grader supplies it.
///
/// ```ignore
/// impl Submission for Reference {
///     fn labs(labs: &mut Labs) {
///         labs.raft::<raft::Raft>().kv::<kv::Server, kv::Clerk>();
///     }
/// }
/// ```
pub trait Submission: 'static {
    /// Registers every lab the submission implements.
    fn labs(labs: &mut Labs);
}

/// The labs a submission implements, each with its kinds run on the
/// submission's types. A lab may come in parts that register on their own
/// (the shard lab's shard master before its sharded store), so a course can
/// grade the first part before students write the second; the map is keyed
/// by part.
#[derive(Default)]
pub struct Labs {
    kinds: BTreeMap<&'static str, Vec<Kind>>,
}

impl Labs {
    /// The Raft lab, implemented by `R`.
    pub fn raft<R: raft::Raft>(&mut self) -> &mut Self {
        self.kinds.insert("raft", raft::kinds::kinds::<R>());
        self
    }

    /// The key/value lab, implemented by server `S` and clerk `C`.
    pub fn kv<S: kv::KvServer, C: kv::KvClerk>(&mut self) -> &mut Self {
        self.kinds.insert("kv", kv::kinds::kinds::<S, C>());
        self
    }

    /// The shard lab's first part, the shard master, implemented by server
    /// `M` and clerk `C`.
    pub fn shard_master<M: shardmaster::ShardMaster, C: shardmaster::ShardMasterClerk>(
        &mut self,
    ) -> &mut Self {
        self.kinds
            .insert("shardmaster", shardmaster::kinds::kinds::<M, C>());
        self
    }

    /// The shard lab's second part, the sharded key/value store: servers
    /// `S` and clerks `C`, on the submission's shard master (server `M`,
    /// clerk `MC`).
    pub fn shard_kv<M, MC, S, C>(&mut self) -> &mut Self
    where
        M: shardmaster::ShardMaster,
        MC: shardmaster::ShardMasterClerk,
        S: shardkv::ShardKvServer,
        C: shardkv::ShardKvClerk,
    {
        self.kinds
            .insert("shardkv", shardkv::kinds::kinds::<(M, MC, S, C)>());
        self
    }

    /// The primary/backup lab: view service `V`, servers `S` and clerks `C`.
    pub fn pb<V: pb::ViewService, S: pb::PbServer, C: pb::PbClerk>(&mut self) -> &mut Self {
        self.kinds.insert("pb", pb::kinds::kinds::<V, S, C>());
        self
    }

    /// The labs (or parts of labs) registered so far, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.kinds.keys().copied().collect()
    }
}

/// Fails the running test with "not implemented: WHAT" and nothing else:
/// the body of every method of a handout's skeletons (`grader handout`), so
/// that a suite run on a skeleton names the method to write next, in place
/// of a panic's location and message.
///
/// It unwinds as a panic does, but without the panic hook (so nothing is
/// printed), carrying a [`Failure`] that the world reports as it is,
/// whether it was called by the test itself (a `make` the harness calls) or
/// in one of a node's tasks. Outside a world it unwinds as any panic does,
/// silently.
///
/// ```
/// use framework::labs::not_implemented;
/// use framework::sim::{RunSettings, run};
///
/// fn start(_command: Vec<u8>) -> Option<(u64, u64)> {
///     not_implemented("Raft::start")
/// }
///
/// let outcome = run(&RunSettings::new(1), |_world| async {
///     start(b"x".to_vec());
///     Ok(())
/// });
/// let failure = outcome.result.unwrap_err();
/// assert_eq!(failure.message(), "not implemented: Raft::start");
/// ```
pub fn not_implemented(what: &str) -> ! {
    std::panic::resume_unwind(Box::new(Failure::new(format!("not implemented: {what}"))))
}

/// A lab's kinds for a submission that does not implement it.
type Missing = fn() -> Vec<Kind>;

/// Every lab of the kit, or part of a lab that registers on its own (the
/// shard lab's shard master), and its kinds for a submission that does not
/// implement it.
const LABS: &[(&str, Missing)] = &[
    ("raft", raft::kinds::missing),
    ("kv", kv::kinds::missing),
    ("shardmaster", shardmaster::kinds::missing),
    ("shardkv", shardkv::kinds::missing),
    ("pb", pb::kinds::missing),
];

/// The name of every lab of the kit, or part of a lab that registers on its
/// own, in order: the names [`Labs::names`] gives for a submission that
/// registers them all.
pub fn parts() -> Vec<&'static str> {
    LABS.iter().map(|&(lab, _)| lab).collect()
}

/// Every test kind of every lab, for submission `S`: its own labs' kinds
/// run on its types, the others fail as not implemented.
pub fn registry<S: Submission>() -> Registry {
    let mut labs = Labs::default();
    S::labs(&mut labs);
    Registry::new(
        LABS.iter()
            .flat_map(|&(lab, missing)| labs.kinds.remove(lab).unwrap_or_else(missing)),
    )
}
