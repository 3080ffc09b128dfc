//! The reference shard master: a replicated list of shard configurations,
//! on the [`crate::rsm`] plumbing that the key/value service uses too.
//!
//! - `configs.rs`: the configs and how Join, Leave and Move make the next
//!   one (rebalancing with the fewest moves, deterministically);
//! - `machine.rs`: the replicated state, the configs and the duplicate
//!   table, as a [`crate::rsm::StateMachine`];
//! - `rpc.rs`: the one RPC, which carries every operation;
//! - [`Server`] and [`Clerk`]: the contract's two sides, thin users of the
//!   replica and of the generic clerk.
//!
//! Every operation goes through the log, Queries too: a leader cut off in
//! a minority would otherwise answer a config that a newer leader has
//! already replaced.

mod clerk;
mod configs;
mod machine;
mod rpc;
mod server;

pub use clerk::Clerk;
pub use server::Server;
