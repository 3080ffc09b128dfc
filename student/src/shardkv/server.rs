//! The server: a [`Replica`] of its group's [`Machine`], the RPC handlers
//! that clerks and other groups call, and the background tasks that move
//! the group from config to config.
//!
//! # Background tasks
//!
//! Every server runs the same four tasks; each wakes up periodically and
//! does its work only while this server leads its group (the others' tasks
//! sleep on), so that each step is taken by one server and put into the
//! group's log:
//!
//! - the **config poller** asks the shard master for the next config once
//!   every shard has settled, and submits it;
//! - the **puller** fetches the shards that are Pulling from their previous
//!   owners, and submits them;
//! - the **garbage collector** tells the previous owners of the shards in
//!   Gc that they may delete their copies, and then submits that the move
//!   is complete;
//! - the **no-op submitter** commits an entry of each new leader's term:
//!   until one commits, the entries of earlier terms (a config, shards that
//!   arrived) are not known to be committed, so not applied, and a group
//!   whose clerks are all waiting elsewhere might submit nothing at all.
//!
//! The tasks read the machine to decide what to do, and submit commands
//! that the machine applies only if they still fit (see `machine.rs`): a
//! step a deposed leader took late, or that two leaders both took, changes
//! nothing.

use std::sync::Arc;

use framework::labs::raft::Raft as _;
use framework::labs::shardkv::{MakeEnd, Setup, ShardKvServer, Status, key2shard};
use framework::labs::shardmaster::ShardMasterClerk as _;
use framework::net::Service;
use framework::sim::Node;
use tokio::time::{Duration, sleep};

use super::machine::{Command, Machine, ShardStatus, Transfer};
use super::rpc::{DELETE_SHARDS, EXECUTE, FETCH_SHARDS, Reply, Request, SERVICE, Shards, ShardsAt};
use crate::rsm::Replica;
use crate::shardmaster;

/// How often the config poller asks for the next config (the contract asks
/// for about 100 ms).
const POLL_CONFIG: Duration = Duration::from_millis(100);

/// How often the puller and the garbage collector look for work: shards in
/// transit are not served, so they move without waiting for the next poll.
const MOVE_SHARDS: Duration = Duration::from_millis(50);

/// How often the no-op submitter checks for a new term.
const CHECK_TERM: Duration = Duration::from_millis(50);

/// A sharded key/value server: one replica of its group.
pub struct Server {
    member: Arc<Member>,
}

/// What the handlers and the background tasks share.
struct Member {
    /// The node the server runs on, for the tasks it spawns.
    node: Node,
    /// The Raft peer and the group's machine.
    replica: Arc<Replica<Machine>>,
    /// The shard master, for the next config.
    master: shardmaster::Clerk,
    /// Ends to other groups' servers.
    ends: MakeEnd,
}

/// The handler of [`EXECUTE`]: runs a clerk's operation through the log,
/// if this group serves its key.
async fn execute(member: Arc<Member>, request: Request) -> Reply {
    // A shortcut: an operation this group does not serve now would only be
    // refused when applied. The machine checks again then, since the
    // config may change before the operation's entry is applied.
    let shard = key2shard(request.op.key());
    if !member.replica.read(|machine| machine.serves(shard)) {
        return Reply::failed(Status::WrongGroup);
    }
    match member.replica.submit(Command::Client(request)).await {
        Ok(Some(value)) => Reply {
            status: Status::Success,
            value,
        },
        Ok(None) => Reply::failed(Status::WrongGroup),
        Err(error) => Reply::failed(error.into()),
    }
}

/// The handler of [`FETCH_SHARDS`]: copies of the shards this group offers
/// under the config that moves them.
///
/// Only the leader answers. Any server that has applied that config would
/// give the same copies (an offered shard never changes), but the leader
/// is the one most likely to have reached it.
async fn fetch_shards(member: Arc<Member>, wanted: ShardsAt) -> Option<Shards> {
    if !member.leads() {
        return None;
    }
    member.replica.read(|machine| machine.offered(&wanted))
}

/// The handler of [`DELETE_SHARDS`]: deletes shards that their new owner
/// now holds, through the log.
///
/// Success once the command is applied: the new owner fetched the shards
/// from a leader that had applied the config that moved them, so that
/// config precedes this entry in the log. Either the group is still at it
/// and deletes them now, or it has moved past it and deleted them then.
async fn delete_shards(member: Arc<Member>, done: ShardsAt) -> bool {
    member
        .replica
        .submit(Command::DeleteShards(done))
        .await
        .is_ok()
}

impl Member {
    /// Whether this server believes it leads its group.
    fn leads(&self) -> bool {
        self.replica.raft().state().1
    }

    /// The config poller's task.
    async fn poll_configs(self: Arc<Self>) {
        loop {
            sleep(POLL_CONFIG).await;
            if self.leads() {
                self.take_next_config().await;
            }
        }
    }

    /// Submits the config after the current one, if every shard has
    /// settled and the shard master has made it.
    async fn take_next_config(&self) {
        let (settled, num) = self
            .replica
            .read(|machine| (machine.settled(), machine.config_num()));
        if !settled {
            return;
        }
        let next = self.master.query((num + 1) as i64).await;
        // A query past the latest config answers the latest.
        if next.num == num + 1 {
            // If it fails, the next poll asks again.
            let _ = self.replica.submit(Command::Config(next)).await;
        }
    }

    /// The puller's task.
    async fn pull_shards(self: Arc<Self>) {
        loop {
            sleep(MOVE_SHARDS).await;
            if self.leads() {
                self.each_transfer(ShardStatus::Pulling, Member::pull).await;
            }
        }
    }

    /// Fetches the shards of `transfer` from any server of their previous
    /// owner, and submits them.
    async fn pull(self: Arc<Self>, transfer: Transfer) {
        for server in &transfer.servers {
            let end = self.ends.cached(server);
            if let Ok(Some(shards)) = end.call(FETCH_SHARDS, &transfer.shards).await {
                let config_num = transfer.shards.config_num;
                // If it fails, the next round pulls again.
                let _ = self
                    .replica
                    .submit(Command::InsertShards { config_num, shards })
                    .await;
                return;
            }
        }
    }

    /// The garbage collector's task.
    async fn collect_garbage(self: Arc<Self>) {
        loop {
            sleep(MOVE_SHARDS).await;
            if self.leads() {
                self.each_transfer(ShardStatus::Gc, Member::release).await;
            }
        }
    }

    /// Has any server of the previous owner of `transfer`'s shards delete
    /// them, then submits that their move is complete.
    async fn release(self: Arc<Self>, transfer: Transfer) {
        for server in &transfer.servers {
            let end = self.ends.cached(server);
            if let Ok(true) = end.call(DELETE_SHARDS, &transfer.shards).await {
                // If it fails, the next round asks again.
                let _ = self
                    .replica
                    .submit(Command::DeleteShards(transfer.shards))
                    .await;
                return;
            }
        }
    }

    /// Runs `step` on every transfer of the shards in `status`, one task
    /// per group they wait on, and waits for them all: a group that does
    /// not answer holds up only its own transfer.
    async fn each_transfer<F, Fut>(self: &Arc<Self>, status: ShardStatus, step: F)
    where
        F: Fn(Arc<Self>, Transfer) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let transfers = self.replica.read(|machine| machine.transfers(status));
        let tasks: Vec<_> = transfers
            .into_iter()
            .map(|transfer| self.node.spawn(step(self.clone(), transfer)))
            .collect();
        for task in tasks {
            // The only error is a task aborted by a crash of the node,
            // which aborts this task too.
            let _ = task.await;
        }
    }

    /// The no-op submitter's task.
    async fn commit_each_term(self: Arc<Self>) {
        // The latest term in which this server committed a no-op.
        let mut committed = 0;
        loop {
            sleep(CHECK_TERM).await;
            let (term, leads) = self.replica.raft().state();
            if leads && term > committed && self.replica.submit(Command::Noop).await.is_ok() {
                committed = term;
            }
        }
    }
}

impl ShardKvServer for Server {
    fn make(setup: Setup) -> Server {
        let node = setup.node;
        let replica = Replica::make(
            node.clone(),
            setup.servers,
            setup.me,
            setup.persister,
            setup.max_raft_state,
            Machine::new(setup.gid),
        );
        let member = Arc::new(Member {
            node: node.clone(),
            replica,
            master: shardmaster::Clerk::make(node.clone(), setup.masters),
            ends: setup.make_end,
        });
        node.spawn(member.clone().poll_configs());
        node.spawn(member.clone().pull_shards());
        node.spawn(member.clone().collect_garbage());
        node.spawn(member.clone().commit_each_term());
        Server { member }
    }

    fn services(&self) -> Vec<Service> {
        let shardkv = Service::new(SERVICE, self.member.clone())
            .method(EXECUTE, execute)
            .method(FETCH_SHARDS, fetch_shards)
            .method(DELETE_SHARDS, delete_shards)
            .build();
        vec![shardkv, self.member.replica.raft().service()]
    }

    fn raft_state(&self) -> (u64, bool) {
        self.member.replica.raft().state()
    }
}
