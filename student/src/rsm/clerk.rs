//! The clerk: finds the leader, and sends each request until some server
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

use framework::net::{ClientEnd, Method};
use framework::sim::Node;
use rand::Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::{Duration, sleep};

use super::Request;

/// How long the clerk pauses after every server has failed it once: a
/// fraction of an election, so a new leader is found soon after it wins.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// A server's reply to a [`Request`], as the clerk reads it.
pub trait Answer {
    /// What a successful reply carries (a Get's value, say).
    type Output;

    /// What the request yielded, if the server applied it; `None` if the
    /// clerk must try again.
    fn into_output(self) -> Option<Self::Output>;
}

/// A clerk of a replicated service whose servers run each [`Request`]
/// through their log with one RPC, `method`.
pub struct Clerk<Op, R> {
    /// Ends to every server, in no particular order.
    servers: Vec<ClientEnd>,
    /// The RPC that runs a request.
    method: Method<Request<Op>, R>,
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

impl<Op: Serialize, R: Answer + DeserializeOwned> Clerk<Op, R> {
    /// A clerk that reaches the servers through `servers` and calls
    /// `method` on them. Its id is drawn from `node`'s random number
    /// generator.
    pub fn new(node: &Node, servers: Vec<ClientEnd>, method: Method<Request<Op>, R>) -> Self {
        Clerk {
            servers,
            method,
            client: node.rng().random(),
            progress: Mutex::new(Progress {
                last_seq: 0,
                leader: 0,
            }),
        }
    }

    /// Locks the clerk's changing state.
    fn lock(&self) -> MutexGuard<'_, Progress> {
        self.progress
            .lock()
            .expect("a task panicked while holding the clerk's lock")
    }

    /// Runs `op` to completion, however many attempts it takes, and
    /// returns what it yielded.
    pub async fn execute(&self, op: Op) -> R::Output {
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
            let reply = self.servers[server].call(self.method, &request).await;
            if let Some(output) = reply.ok().and_then(R::into_output) {
                self.lock().leader = server;
                return output;
            }
            server = (server + 1) % self.servers.len();
            failures += 1;
            if failures % self.servers.len() == 0 {
                sleep(RETRY_PAUSE).await;
            }
        }
    }
}
