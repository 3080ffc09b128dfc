//! The Raft lab: the [`Raft`] contract a student implements, the cluster
//! harness that drives and checks it, and the test kinds of
//! `config/raft_lab_test.yml`.

mod contract;

pub use contract::{ApplyMsg, ApplySender, Raft};
