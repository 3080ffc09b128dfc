//! The reference sharded key/value store: replica groups, each a
//! replicated store on [`crate::rsm`], that split the keys by shard as the
//! shard master's configs say, and hand shards over to each other when the
//! configs change.
//!
//! - `rpc.rs`: the clerks' RPC, and the two that groups call on each other
//!   to move shards;
//! - `machine.rs`: one group's replicated state, the config it has reached
//!   and what it holds of each shard, and how every command changes it;
//! - [`Server`] (`server.rs`): the RPC handlers, and the background tasks
//!   that take each new config and move the shards;
//! - [`Clerk`] (`clerk.rs`): finds the group that serves each key;
//!
//! # Design
//!
//! Everything that changes a group's state goes through its Raft log as a
//! command: the clerks' operations, each new config, the shards that
//! arrive and those that leave. The servers of a group therefore switch
//! configs, and start and stop serving each shard, at the same point of the
//! log. The group takes the configs one at a time, in order, and takes the
//! next only once every shard has settled under the current one.
//!
//! # The path of an operation
//!
//! 1. A [`Clerk`] tags the operation with its id and a sequence number,
//!    finds the key's shard ([`key2shard`]) and the group its latest
//!    config gives it, and sends the operation to that group's servers.
//! 2. The server's handler submits it to its replica, which puts it into
//!    the log and waits until it is applied (a server that does not lead
//!    answers "not leader" at once).
//! 3. Every server of the group applies it: if its shard is served here
//!    (owned under the group's current config, and its data here), to the
//!    shard's store, through the shard's duplicate table; if not, it
//!    yields "wrong group". The leader's handler replies with that.
//! 4. On "wrong group", or when no server of the group applies it, the
//!    clerk pauses, asks the shard master for the latest config, and tries
//!    again, with the same id and sequence number.
//!
//! # The path of a shard
//!
//! When config `n` moves a shard from group A to group B:
//!
//! 1. Each group's config poller gets config `n` from the shard master and
//!    submits it. Applying it, A stops serving the shard and keeps its data
//!    (Offering); B starts Pulling it.
//! 2. B's puller asks A's leader for the shard at config `n`; A answers
//!    once it has applied config `n`, with the shard's data and duplicate
//!    table. B submits them; applying them, B serves the shard (Gc).
//! 3. B's garbage collector tells A that it has the shard; A deletes it
//!    through its own log, and answers. B then submits that the move is
//!    complete: the shard is Serving, settled.
//!
//! Only then can either group take config `n + 1`. A shard no group owned
//! before (every shard, in config 1) starts Serving, empty, at once.
//!
//! [`key2shard`]: framework::labs::shardkv::key2shard

mod clerk;
mod machine;
mod rpc;
mod server;

pub use clerk::Clerk;
pub use server::Server;
