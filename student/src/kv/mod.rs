//! The reference key/value service: a linearizable store of string keys
//! and values, replicated with Raft, with exactly-once Puts and Appends and
//! snapshots.
//!
//! Everything that is not about keys and values (putting a request into
//! the log and waiting for it, applying the log, snapshots, the clerk's
//! retries) is the replicated state machine of [`crate::rsm`]. What is the
//! key/value service's own is here: its one RPC and the operations it
//! carries (`rpc.rs`), its state machine (`machine.rs`), and the
//! [`Server`] and [`Clerk`] that put them together.
//!
//! # The path of an operation
//!
//! 1. A [`Clerk`] tags the operation with its random id and a sequence
//!    number, and sends it (one `KvServer.Execute` RPC, `rpc.rs`) to the
//!    server it believes leads.
//! 2. The server's handler (`server.rs`) submits the request to its
//!    [`Replica`](crate::rsm::Replica), which puts it into the Raft log and
//!    waits until it is applied. A server that does not lead answers "not
//!    leader" at once.
//! 3. Once the entry is committed, every server applies it to its
//!    `Machine` (`machine.rs`): the store plus the duplicate table that
//!    skips a write already applied. On the leader the handler then replies
//!    to the clerk with the result.
//! 4. If anything goes wrong (a lost message, a leader deposed or cut off
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
//! The replica snapshots the whole `Machine`, store and duplicate table,
//! when Raft's saved state reaches `max_raft_state` bytes, and restores it
//! on a restart (see [`crate::rsm`]).

mod clerk;
mod machine;
mod rpc;
mod server;

pub use clerk::Clerk;
pub use server::Server;
