//! The sharded store's RPCs: the clerks' one, which carries every Get, Put
//! and Append, and the two that a group calls on another's servers to move
//! shards.
//!
//! Everything here is plain data, serialized on every call (and, for a
//! clerk's request, into the log), so servers and clerks never share
//! memory.

use std::collections::BTreeMap;

use framework::labs::shardkv::Status;
use framework::net::Method;
use serde::{Deserialize, Serialize};

use super::machine::ShardData;
use crate::rsm;

/// The name of the sharded store's service every server hosts.
pub const SERVICE: &str = "ShardKv";

/// Runs a clerk's operation through the log of the group it asks.
pub const EXECUTE: Method<Request, Reply> = Method::new("ShardKv.Execute");

/// The new owner of some shards asks their old owner for them (their data
/// and their duplicate tables). The answer is `None` from a server that
/// cannot give them now: one that does not lead, or whose group has not yet
/// reached the config that moves them.
pub const FETCH_SHARDS: Method<ShardsAt, Option<Shards>> = Method::new("ShardKv.FetchShards");

/// The new owner of some shards, which holds them now, tells their old
/// owner that it may delete its copy. The answer is true once the old
/// owner's group has deleted it (or had already).
pub const DELETE_SHARDS: Method<ShardsAt, bool> = Method::new("ShardKv.DeleteShards");

/// What a clerk asks a group to do.
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

impl Op {
    /// The key the operation reads or writes: its shard says which group
    /// serves it.
    pub fn key(&self) -> &str {
        match self {
            Op::Get { key } | Op::Put { key, .. } | Op::Append { key, .. } => key,
        }
    }
}

/// A clerk's request: the operation, tagged with the clerk's id and
/// sequence number for duplicate detection.
pub type Request = rsm::Request<Op>;

/// A server's answer to a clerk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// [`Status::Success`] once the operation has been applied;
    /// [`Status::WrongGroup`] if the group does not serve the key's shard
    /// (the clerk should ask for a newer config); otherwise the clerk
    /// should try another server of the group.
    pub status: Status,
    /// A Get's value (empty for anything else, and on failure).
    pub value: String,
}

impl Reply {
    /// A failure: the operation was not applied here, and the clerk must
    /// try again, at another server or another group.
    pub fn failed(status: Status) -> Reply {
        Reply {
            status,
            value: String::new(),
        }
    }
}

/// Some shards, as the config numbered `config_num` moves them: which
/// shards a group asks another for, or tells it to delete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardsAt {
    /// The config that moved the shards.
    pub config_num: u64,
    /// The shards.
    pub shards: Vec<usize>,
}

/// Shards handed from one group to another: each one's data and duplicate
/// table, by shard number.
pub type Shards = BTreeMap<usize, ShardData>;
