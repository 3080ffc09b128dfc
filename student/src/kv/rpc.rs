//! The key/value service's one RPC, and the operations it carries.
//!
//! Get, Put and Append travel the same way: a clerk sends a [`Request`]
//! (the operation, tagged with the clerk's id and a sequence number), the
//! server puts that very request into the Raft log, and answers with a
//! [`Reply`] once the log entry is applied. One method for all three keeps
//! that path in one place on both sides; the operation itself says what
//! to do.
//!
//! Everything here is plain data, serialized on every call (and, for a
//! request, into the log), so servers and clerks never share memory.

use framework::labs::kv::Status;
use framework::net::Method;
use serde::{Deserialize, Serialize};

use crate::rsm;

/// The name of the key/value service every server hosts.
pub const SERVICE: &str = "KvServer";

/// Runs one operation through the service's log.
pub const EXECUTE: Method<Request, Reply> = Method::new("KvServer.Execute");

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

/// A clerk's request, which is also the command a leader puts into the log:
/// the operation, tagged with the clerk's id and sequence number for
/// duplicate detection.
pub type Request = rsm::Request<Op>;

/// A server's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// [`Status::Success`] once the operation has been applied; otherwise
    /// the clerk should try again, perhaps at another server.
    pub status: Status,
    /// A Get's value (empty for anything else, and on failure).
    pub value: String,
}

/// The clerk's reading of a reply: the value, if the operation was applied.
impl rsm::Answer for Reply {
    type Output = String;

    fn into_output(self) -> Option<String> {
        (self.status == Status::Success).then_some(self.value)
    }
}

impl Reply {
    /// A failure, for a request whose outcome the server could not report:
    /// the clerk must try again.
    pub fn failed(error: rsm::Error) -> Reply {
        Reply {
            status: error.into(),
            value: String::new(),
        }
    }
}
