//! The shard master's one RPC: a clerk's [`Request`] carries a Join,
//! Leave, Move or Query, and the server answers once it is applied.

use framework::labs::kv::Status;
use framework::labs::shardmaster::Config;
use framework::net::Method;
use serde::{Deserialize, Serialize};

use super::configs::Op;
use crate::rsm::{self, Answer};

/// The name of the service every shard master server hosts.
pub const SERVICE: &str = "ShardMaster";

/// A clerk's request: the operation, tagged for duplicate detection.
pub type Request = rsm::Request<Op>;

/// Runs one operation through the service's log.
pub const EXECUTE: Method<Request, Reply> = Method::new("ShardMaster.Execute");

/// A server's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// [`Status::Success`] once the operation has been applied; otherwise
    /// the clerk should try again, perhaps at another server.
    pub status: Status,
    /// A Query's config (the latest, for a change; empty on failure).
    pub config: Config,
}

impl Answer for Reply {
    type Output = Config;

    fn into_output(self) -> Option<Config> {
        (self.status == Status::Success).then_some(self.config)
    }
}
