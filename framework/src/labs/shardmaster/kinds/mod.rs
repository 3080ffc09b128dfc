//! The shard master's test kinds: the dslabs shard list's first four and
//! the classic shardmaster / shardctrler tests, each ending with the check
//! of every config the test made ([`ShardMasterCluster::check_configs`]).
//!
//! [`ShardMasterCluster::check_configs`]: crate::labs::shardmaster::ShardMasterCluster::check_configs

mod common;
mod scenarios;

use crate::labs::declare::lab_kinds;
use crate::labs::shardmaster::{ShardMaster, ShardMasterClerk};
use crate::suite::ParamSpec;
use common::*;

const BASIC: &[ParamSpec] = &[
    SERVERS.spec(),
    MULTI.spec(),
    OP_TIMEOUT.spec(),
    ELECTION_TIMEOUT.spec(),
];
const CONCURRENT: &[ParamSpec] = &[
    SERVERS.spec(),
    CLIENTS.with_default(10).spec(),
    MULTI.spec(),
    UNRELIABLE.spec(),
    OP_TIMEOUT.spec(),
    ELECTION_TIMEOUT.spec(),
];

lab_kinds! {
    lab: "shard", types: (M: ShardMaster, C: ShardMasterClerk),
    "join_leave" => scenarios::join_leave, BASIC,
        "joins and leaves, each reflected at once by the latest config";
    "historical" => scenarios::historical, BASIC,
        "every replica answers every old config as it was made, across restarts";
    "move" => scenarios::move_shards, BASIC,
        "Move assigns exactly the one shard";
    "concurrent" => scenarios::concurrent, CONCURRENT,
        "clients join and leave at once; the end config has exactly the groups that stayed";
    "minimal_joins" => scenarios::minimal_joins, BASIC,
        "joins move only the shards the balance needs";
    "minimal_leaves" => scenarios::minimal_leaves, BASIC,
        "leaves move only the leaving groups' shards";
    "minimal_again" => scenarios::minimal_again, BASIC,
        "the classic MinimalAgain: a join and a leave after earlier ones move no more than needed";
    "minority_query" => scenarios::minority_query, BASIC,
        "a leader cut off in a minority does not answer a query from its own state";
    "lost_replies" => scenarios::lost_replies, BASIC,
        "changes whose replies are lost, retried at every server, each make exactly one config";
    "agree_config" => scenarios::agree_config, BASIC,
        "a new leader answers the config the old one did";
}
