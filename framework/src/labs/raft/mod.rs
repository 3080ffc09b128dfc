//! The Raft lab: the [`Raft`] contract a student implements, the cluster
//! harness that drives and checks it, and the test kinds of
//! `config/raft_lab_test.yml`.

mod applied;
mod apply_channel;
mod checks;
mod cluster;
mod contract;
pub(crate) mod kinds;

pub use apply_channel::{ApplyClosed, ApplyReceiver, ApplySender, apply_channel};
pub use cluster::{ApplyMode, Cluster, Limits, SNAPSHOT_INTERVAL};
pub use contract::{ApplyMsg, Raft};
