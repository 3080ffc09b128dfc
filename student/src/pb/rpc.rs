//! The servers' RPCs: the clerks' one, which carries every Get, Put and
//! Append, and the two a primary calls on its backup (forward one
//! operation, or transfer the whole store).
//!
//! Everything here is plain data, serialized on every call, so servers and
//! clerks never share memory.

use framework::labs::pb::View;
use framework::net::Method;
use serde::{Deserialize, Serialize};

use super::store::Store;
use crate::rsm;

/// The name of the service every primary/backup server hosts.
pub const SERVICE: &str = "PbServer";

/// A clerk's operation, to the server it takes for the primary.
pub const EXECUTE: Method<Request, Reply> = Method::new("PbServer.Execute");

/// The primary hands its backup one operation, to apply before the
/// primary does.
pub const FORWARD: Method<Forward, Verdict> = Method::new("PbServer.Forward");

/// The primary gives its backup a copy of the whole store.
pub const TRANSFER: Method<Transfer, Verdict> = Method::new("PbServer.Transfer");

/// What a clerk asks the service to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Read a key's value ("" if it has none).
    Get {
        /// The key to read.
        key: String,
    },
    /// Set a key's value.
    Put {
        /// The key to set.
        key: String,
        /// Its new value.
        value: String,
    },
    /// Append to a key's value (a missing key counts as "").
    Append {
        /// The key to append to.
        key: String,
        /// What to append.
        value: String,
    },
}

/// A clerk's request: the operation, tagged with the clerk's id and
/// sequence number for duplicate detection. The primary forwards the
/// request itself, so the backup's duplicate table records the same tags.
pub type Request = rsm::Request<Op>;

/// A server's answer to a clerk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    /// Done, by the primary of view `view` (and its backup).
    Served {
        /// A Get's value (empty for a write).
        value: String,
        /// The view the primary served the operation in.
        view: u64,
    },
    /// This server is not the primary of the newest view it knows (or
    /// does not hold the data): ask the view service who is.
    WrongServer,
    /// The backup did not take the operation (it is gone, or no longer
    /// takes this server for its primary), so it was not applied: try
    /// again, perhaps at another primary.
    BackupFailed,
}

/// Which copy of the primary's store a backup holds: the one the
/// primary's transfer number `transfer` gave it in view `view`.
///
/// Forwards name the copy they extend, and a backup takes only those that
/// name its own. A transfer or a forward that arrives late (its sender
/// gave up on it and moved on) then names an older copy, and is refused:
/// the backup never applies an operation the primary does not apply too,
/// nor in another order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CopyId {
    /// The view it was made in (first, so that later views order later).
    pub view: u64,
    /// The primary's count of transfers, which never goes back.
    pub transfer: u64,
}

/// One operation, forwarded by the primary to its backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forward {
    /// The copy the primary believes its backup holds.
    pub copy: CopyId,
    /// The clerk's request, as the primary got it.
    pub request: Request,
}

/// The primary's whole store, for its backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// The view the primary sends it in; it lists the receiver as backup.
    pub view: View,
    /// The primary's number for this transfer.
    pub transfer: u64,
    /// The data and the duplicate table.
    pub store: Store,
}

impl Transfer {
    /// The copy this transfer makes.
    pub fn copy(&self) -> CopyId {
        CopyId {
            view: self.view.num,
            transfer: self.transfer,
        }
    }
}

/// A backup's answer to a forward or a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// Applied (a forward) or installed (a transfer).
    Accepted,
    /// Refused: the sender is not this server's primary in its newest view,
    /// or the message is older than the copy this server holds.
    Rejected,
}
