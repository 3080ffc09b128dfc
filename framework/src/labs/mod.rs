//! One module per lab: its contract (the traits a student implements) and
//! its harness (cluster control and checks), plus its test kinds.

mod hosts;
pub mod kv;
pub mod raft;
mod unimplemented;

pub use unimplemented::Unimplemented;

use crate::suite::Registry;

/// A student's submission: one type per lab trait. The framework is generic
/// over it and never names the student crate; the grader supplies it.
pub trait Student: 'static {
    /// The Raft peer (lab `raft`).
    type Raft: raft::Raft;
    /// The key/value server (lab `kv`).
    type KvServer: kv::KvServer;
    /// The key/value clerk (lab `kv`).
    type KvClerk: kv::KvClerk;
}

/// Every test kind of every lab, for the student bundle `S`.
pub fn registry<S: Student>() -> Registry {
    Registry::new(raft::kinds::<S>().into_iter().chain(kv::kinds::<S>()))
}
