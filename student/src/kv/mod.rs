//! The reference key/value service: a linearizable store of string keys
//! and values, replicated with Raft, with exactly-once Puts and Appends and
//! snapshots.
//!
//! # The path of an operation
//!
//! 1. A [`Clerk`] tags the operation with its random id and a sequence
//!    number, and sends it (one `KvServer.Execute` RPC, `rpc.rs`) to the
//!    server it believes leads.
//! 2. The server's handler (`server.rs`) hands the request to its Raft peer
//!    with `start`. A server that does not lead answers "not leader" at
//!    once; a leader leaves a waiter at the index Raft returned and waits.
//! 3. Raft replicates the entry; once a majority holds it, it is committed
//!    and every server's Raft sends it, in log order, on the apply channel.
//! 4. Each server's applier task (`apply.rs`) applies it to its `Machine`
//!    (`machine.rs`): the store plus the duplicate table that skips a
//!    write already applied. On the leader it also answers the waiting
//!    handler, which replies to the clerk.
//! 5. If anything goes wrong (a lost message, a leader deposed or cut off
//!    in a minority, its entry replaced by another), the handler answers a
//!    failure or the clerk hears nothing, and the clerk sends the same
//!    request to the next server, until one answers with success.
//!
//! Reads go through the log like writes: a leader cut off in a minority
//! still believes it leads, and answering a Get from its own store could
//! return a value that a newer leader has already overwritten.
//!
//! # Snapshots
//!
//! When Raft's saved state reaches `max_raft_state` bytes, the applier
//! encodes the machine (`snapshot.rs`) and gives it to Raft, which drops
//! the log entries it covers. A restarted server decodes its saved
//! snapshot before Raft starts applying the entries after it; a follower
//! that lags behind the leader's snapshot receives it on the apply channel
//! and swaps its machine for it.

mod apply;
mod clerk;
mod machine;
mod rpc;
mod server;
mod snapshot;

pub use clerk::Clerk;
pub use server::Server;
