//! The key/value lab: the [`KvServer`] and [`KvClerk`] contracts, the
//! harness that drives a replicated service and records every client
//! operation ([`KvCluster`], [`Client`]), the linearizability check that
//! ends every test with clients, and the test kinds of
//! `config/kv_lab_test.yml`.

mod check;
mod client;
mod cluster;
mod contract;
mod kinds;

pub use check::{HISTORY, REPORT, check_history};
pub use client::Client;
pub use cluster::KvCluster;
pub use contract::{KvClerk, KvServer, Status};
pub use kinds::kinds;
