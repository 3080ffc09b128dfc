//! The clerk: finds the leader, and sends each operation until some server
//! answers that it has been applied.
//!
//! Each operation gets the clerk's id and the next sequence number, and
//! keeps them through every retry, so that the servers can recognise a
//! retry of an operation they have already applied. The number is taken
//! before the first attempt, so an operation the caller abandons halfway
//! (by dropping its future) has used its number up: the next operation
//! gets a higher one, and a late copy of the abandoned one can never be
//! mistaken for it, nor block it.
//!
//! The clerk does not know which server leads (its ends are in no
//! particular order), so it starts with the server that last answered and
//! moves to the next on any failure: a lost request or reply, an
//! unreachable server, a follower, or a leader that gave up waiting for its
//! entry. After a whole round of servers without an answer it pauses
//! briefly: during an election every server may answer "not leader" at
//! once, and without a pause the clerk would spin through them without
//! letting (virtual) time pass.

use std::sync::{Mutex, MutexGuard};

use framework::labs::kv::{KvClerk, Status};
use framework::net::ClientEnd;
use framework::sim::Node;
use rand::Rng;
use tokio::time::{Duration, sleep};

use super::rpc::{EXECUTE, Op, Reply, Request};

/// How long the clerk pauses after every server has failed it once: a
/// fraction of an election, so a new leader is found soon after it wins.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// A clerk of the key/value service.
pub struct Clerk {
    /// Ends to every server, in no particular order.
    servers: Vec<ClientEnd>,
    /// This clerk's id, random so that clerks need not coordinate.
    client: u64,
    /// What changes from one operation to the next.
    progress: Mutex<Progress>,
}

/// A clerk's changing state.
struct Progress {
    /// The sequence number of the latest operation begun.
    last_seq: u64,
    /// The position (in `servers`) of the server that last answered: most
    /// likely the leader.
    leader: usize,
}

impl Clerk {
    /// Locks the clerk's changing state.
    fn lock(&self) -> MutexGuard<'_, Progress> {
        self.progress
            .lock()
            .expect("a task panicked while holding the clerk's lock")
    }

    /// Runs `op` to completion, however many attempts it takes, and
    /// returns its result (a Get's value; "" for a write).
    async fn execute(&self, op: Op) -> String {
        let (request, mut server) = {
            let mut progress = self.lock();
            progress.last_seq += 1;
            let request = Request {
                client: self.client,
                seq: progress.last_seq,
                op,
            };
            (request, progress.leader)
        };
        let mut failures = 0;
        loop {
            let reply = self.servers[server].call(EXECUTE, &request).await;
            if let Ok(Reply {
                status: Status::Success,
                value,
            }) = reply
            {
                self.lock().leader = server;
                return value;
            }
            server = (server + 1) % self.servers.len();
            failures += 1;
            if failures % self.servers.len() == 0 {
                sleep(RETRY_PAUSE).await;
            }
        }
    }
}

impl KvClerk for Clerk {
    fn make(node: Node, servers: Vec<ClientEnd>) -> Clerk {
        Clerk {
            servers,
            client: node.rng().random(),
            progress: Mutex::new(Progress {
                last_seq: 0,
                leader: 0,
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
