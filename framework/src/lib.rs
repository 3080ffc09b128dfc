//! The lab kit's framework: everything a test needs and nothing a student
//! writes.
//!
//! - [`sim`]: the deterministic world (virtual time, one seeded RNG,
//!   node-scoped tasks, the trace).
//! - [`net`]: the RPC-level network emulator with the classic fault model.
//! - [`persister`]: what survives a crash.
//! - [`linearizability`]: the checker of what clients saw, its models and
//!   its HTML report.

pub mod labs;
pub mod linearizability;
pub mod net;
pub mod persister;
pub mod sim;
pub mod suite;
mod sync;
pub mod timeline;
