//! The clerk: finds the group that serves each key, and sends the
//! operation to that group's servers until one has applied it.
//!
//! The clerk keeps the latest config it knows. For each operation it takes
//! the group that config gives the key's shard and tries its servers one
//! after another, starting with the one that last answered for that group:
//! a server that is not the leader, times out or does not answer sends it
//! to the next. A "wrong group" answer, or a whole round of servers without
//! success, means the config may be stale: the clerk pauses, asks the shard
//! master for the latest config, and starts again.
//!
//! An operation keeps its client id and sequence number through every
//! retry, at every group: a shard moves with its duplicate table, so a
//! write applied by one group and sent again to the next takes effect once.
//!
//! The clerk sends one RPC at a time: the harness takes the last server
//! that answered before an operation returned as the one that served it.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use framework::labs::shardkv::{MakeEnd, ShardKvClerk, Status, key2shard};
use framework::labs::shardmaster::{Config, Gid, ShardMasterClerk};
use framework::net::ClientEnd;
use framework::sim::Node;
use rand::Rng;
use tokio::time::{Duration, sleep};

use super::rpc::{EXECUTE, Op, Request};
use crate::shardmaster;

/// How long the clerk pauses before it asks for a newer config (the
/// contract asks for about 100 ms): a config that is new to the clerk may
/// not have reached the groups yet.
const RETRY_PAUSE: Duration = Duration::from_millis(100);

/// A clerk of the sharded store.
pub struct Clerk {
    /// The shard master, for the latest config.
    master: shardmaster::Clerk,
    /// Ends to the groups' servers.
    ends: MakeEnd,
    /// This clerk's id, random so that clerks need not coordinate.
    client: u64,
    /// What changes from one operation to the next.
    known: Mutex<Known>,
}

/// A clerk's changing state.
struct Known {
    /// The sequence number of the latest operation begun.
    last_seq: u64,
    /// The latest config the clerk has heard of (config 0 before the
    /// first query).
    config: Config,
    /// Per group: the position (in its list of servers) of the server that
    /// last answered, most likely its leader.
    leaders: BTreeMap<Gid, usize>,
}

impl Clerk {
    /// Locks the clerk's changing state.
    fn lock(&self) -> MutexGuard<'_, Known> {
        self.known
            .lock()
            .expect("a task panicked while holding the clerk's lock")
    }

    /// Runs `op` to completion, however many attempts and configs it takes,
    /// and returns what it yielded (a Get's value, "" for a write).
    async fn execute(&self, op: Op) -> String {
        let shard = key2shard(op.key());
        let request = {
            let mut known = self.lock();
            known.last_seq += 1;
            Request {
                client: self.client,
                seq: known.last_seq,
                op,
            }
        };
        loop {
            let config = self.lock().config.clone();
            let gid = config.shards[shard];
            if let Some(servers) = config.groups.get(&gid)
                && let Some(value) = self.send_to_group(gid, servers, &request).await
            {
                return value;
            }
            // Config 0 is only the clerk's starting point: no pause before
            // its first query.
            if config.num > 0 {
                sleep(RETRY_PAUSE).await;
            }
            let latest = self.master.query(-1).await;
            self.lock().config = latest;
        }
    }

    /// Sends `request` to the servers of group `gid` in turn, until one
    /// applies it; `None` if the group is the wrong one, or none of its
    /// servers applied it.
    async fn send_to_group(
        &self,
        gid: Gid,
        servers: &[String],
        request: &Request,
    ) -> Option<String> {
        let first = self.lock().leaders.get(&gid).copied().unwrap_or(0);
        for i in 0..servers.len() {
            let server = (first + i) % servers.len();
            let Ok(reply) = self
                .ends
                .cached(&servers[server])
                .call(EXECUTE, request)
                .await
            else {
                continue;
            };
            match reply.status {
                Status::Success => {
                    self.lock().leaders.insert(gid, server);
                    return Some(reply.value);
                }
                Status::WrongGroup => return None,
                Status::NotLeader | Status::Timeout => {}
            }
        }
        None
    }
}

impl ShardKvClerk for Clerk {
    fn make(node: Node, masters: Vec<ClientEnd>, make_end: MakeEnd) -> Clerk {
        Clerk {
            client: node.rng().random(),
            master: shardmaster::Clerk::make(node, masters),
            ends: make_end,
            known: Mutex::new(Known {
                last_seq: 0,
                config: Config::default(),
                leaders: BTreeMap::new(),
            }),
        }
    }

    async fn get(&self, key: String) -> String {
        self.execute(Op::Get { key }).await
    }

    async fn put(&self, key: String, value: String) {
        self.execute(Op::Put { key, value }).await;
    }

    async fn append(&self, key: String, value: String) {
        self.execute(Op::Append { key, value }).await;
    }
}
