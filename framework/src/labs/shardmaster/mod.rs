//! The shard master (the first part of the shard lab): the
//! [`ShardMaster`] and [`ShardMasterClerk`] contracts, what makes a config
//! good ([`balance`]: placed, balanced, the fewest moves), the harness that
//! drives a replicated shard master and checks every config it answers
//! ([`ShardMasterCluster`], [`Admin`]), and the test kinds of
//! `config/shard_lab_test.yml`.

pub mod balance;
mod cluster;
mod contract;
pub(crate) mod kinds;

pub use cluster::{Admin, ShardMasterCluster};
pub use contract::{Config, Gid, NSHARDS, ShardMaster, ShardMasterClerk};
