//! The sharded key/value store (the second part of the shard lab): the
//! [`ShardKvServer`] and [`ShardKvClerk`] contracts, the harness that
//! drives a shard master and three replica groups and records every client
//! operation, and the test kinds of `config/shard_lab_test.yml` that follow
//! the shard master's.

mod client;
mod cluster;
mod contract;
pub(crate) mod kinds;
mod ownership;

pub use client::{Client, Sharded};
pub use cluster::{Layout, ShardKvCluster};
pub use contract::{MakeEnd, Setup, ShardKvClerk, ShardKvServer, Status, key2shard};
