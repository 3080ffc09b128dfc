//! The key/value lab: the [`KvServer`] and [`KvClerk`] contracts, the
//! harness that drives a replicated service and records every client
//! operation ([`KvCluster`], [`Client`]), and the test kinds of
//! `config/kv_lab_test.yml`, which end with the kit's linearizability check
//! ([`crate::labs::check`]).

mod client;
mod cluster;
mod contract;
pub(crate) mod kinds;

pub use client::{Client, KvOperations};
pub use cluster::KvCluster;
pub use contract::{KvClerk, KvServer, Status};
