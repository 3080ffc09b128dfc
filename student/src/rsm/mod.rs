//! A replicated state machine on Raft: the plumbing that every replicated
//! service of the labs shares, whatever its state.
//!
//! A service is a deterministic [`StateMachine`] (a key/value store, a list
//! of shard configurations, ...) of which every server keeps a copy. The
//! servers agree, through Raft, on one log of commands, and each applies
//! the log in order to its own copy, so all copies pass through the same
//! states. This module does everything but the machine itself:
//!
//! - [`Replica`] (`replica.rs`): one server's side, which owns its Raft
//!   peer and its copy of the machine. [`Replica::submit`] (`submit.rs`)
//!   puts a command into the log and waits until it is applied;
//! - the applier (`applier.rs`): the one task that applies committed
//!   entries to the machine and answers the waiting handlers;
//! - snapshots (`snapshot.rs`): what they hold, and when to take one;
//! - [`Request`] and [`Dedup`] (`dedup.rs`): the tag that names every
//!   clerk request, and the table that makes each take effect once;
//! - [`Clerk`] (`clerk.rs`): the client side, which tags each operation
//!   and sends it from server to server until one has applied it.
//!
//! # The path of a command
//!
//! 1. A [`Clerk`] tags an operation with its random id and a sequence number
//!    ([`Request`]), and sends it to the server it believes leads.
//! 2. The server's RPC handler (the service's own) hands it, as a command
//!    of its machine, to [`Replica::submit`], which hands it to the Raft
//!    peer with `start`. A server that does not lead answers
//!    [`Error::NotLeader`] at once; a leader leaves a waiter at the index
//!    Raft returned and waits.
//! 3. Raft replicates the entry; once a majority holds it, it is committed
//!    and every server's Raft sends it, in log order, on the apply channel.
//! 4. Each server's applier task applies it to its machine. On the leader
//!    it also answers the waiting handler, which replies to the clerk.
//! 5. If anything goes wrong (a lost message, a leader deposed or cut off
//!    in a minority, its entry replaced by another), the handler answers a
//!    failure or the clerk hears nothing, and the clerk sends the same
//!    request to the next server, until one answers with success.
//!
//! A command need not come from a clerk: anything that holds the
//! [`Replica`] can submit one, from a task of its own.
//!
//! # Snapshots
//!
//! When Raft's saved state reaches `max_raft_state` bytes, the applier
//! encodes the machine and gives it to Raft, which drops the log entries
//! it covers. A restarted server decodes its saved snapshot before Raft
//! starts applying the entries after it; a follower that lags behind the
//! leader's snapshot receives it on the apply channel and swaps its
//! machine for it.

mod applier;
mod clerk;
mod dedup;
mod replica;
// Visible to the services, whose tests check what their machines' snapshots
// look like.
pub(crate) mod snapshot;
mod submit;

use framework::labs::{kv, shardkv};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use clerk::{Answer, Clerk};
pub use dedup::{Dedup, Request};
pub use replica::Replica;

/// A deterministic state machine that a service replicates: the state
/// every server keeps a copy of, and the commands that change it.
///
/// Every server applies the same commands in the same order to its own
/// copy, so all copies pass through the same states. That only holds if
/// applying is deterministic and depends on nothing but the machine and
/// the command: no clock, no randomness, no knowledge of who leads.
///
/// The whole machine is what a snapshot holds (with the index of the last
/// entry applied, which the [`Replica`] keeps): everything that applying
/// depends on, such as a duplicate table, must be part of it.
///
/// A server that has saved no snapshot starts from the fresh machine its
/// service gives [`Replica::make`]: usually `Default::default()`, but a
/// machine may need to know something from the start (a sharded store's
/// group knows its own id).
pub trait StateMachine: Serialize + DeserializeOwned + Send + 'static {
    /// What one log entry holds.
    type Command: Serialize + DeserializeOwned + Send + 'static;
    /// What applying a command yields, for the handler that submitted it.
    type Output: Send + 'static;

    /// Applies `command`, the next entry of the log, and returns what it
    /// yields.
    fn apply(&mut self, command: &Self::Command) -> Self::Output;
}

/// Why [`Replica::submit`] returned without the command's outcome. In
/// every case the caller should send the command again, perhaps to another
/// server. It may have been applied all the same, so a command that must
/// take effect once has to be recognisable when sent again (see
/// [`Dedup`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// This server does not lead, or lost leadership (or its entry's place
    /// in the log) before the entry was applied.
    NotLeader,
    /// This server still believes it leads, but its entry was not applied
    /// in time: most likely it is cut off from the majority.
    TimedOut,
    /// What became of the entry cannot be known here: a snapshot from the
    /// leader covered its index, or a later term's entry was started at the
    /// same index.
    OutcomeUnknown,
}

/// The reply code a service's RPC carries for a failed submit. Status has
/// no code of its own for an unknown outcome; to a clerk it means the same
/// as a timeout: try again.
impl From<Error> for kv::Status {
    fn from(error: Error) -> kv::Status {
        match error {
            Error::NotLeader => kv::Status::NotLeader,
            Error::TimedOut | Error::OutcomeUnknown => kv::Status::Timeout,
        }
    }
}

/// The same codes, for the sharded store's replies.
impl From<Error> for shardkv::Status {
    fn from(error: Error) -> shardkv::Status {
        match error {
            Error::NotLeader => shardkv::Status::NotLeader,
            Error::TimedOut | Error::OutcomeUnknown => shardkv::Status::Timeout,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! A machine for the tests of the module's parts.

    use serde::{Deserialize, Serialize};

    use super::StateMachine;

    /// Adds up the numbers in the log, and yields the running total.
    #[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub(crate) struct Counter {
        pub(crate) total: u64,
    }

    impl StateMachine for Counter {
        type Command = u64;
        type Output = u64;

        fn apply(&mut self, command: &u64) -> u64 {
            self.total += command;
            self.total
        }
    }
}
