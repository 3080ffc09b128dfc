//! The clerk: sends each operation to the primary it knows, and retries,
//! asking the view service for the primary, until one serves it.
//!
//! The clerk keeps the primary it last found and asks the view service
//! only when that one fails (an RPC error, or an answer that is not
//! success): asking on every operation would load the view service with
//! every client's traffic. Before asking it pauses one ping interval, the
//! time the servers need to hear of a new view.
//!
//! An operation keeps its client id and sequence number through every
//! retry, so a write that some primary applied (its answer lost) takes
//! effect once. The clerk sends one RPC at a time: the harness takes the
//! last server that answered before an operation returned as the one that
//! served it.

use std::sync::{Mutex, MutexGuard};

use framework::labs::pb::{MakeEnd, PING_INTERVAL, PbClerk, Served, ViewClerk};
use framework::sim::Node;
use rand::Rng;
use tokio::time::sleep;

use super::rpc::{EXECUTE, Op, Reply, Request};

/// A clerk of the primary/backup service.
pub struct Clerk {
    /// The view service, for the current primary.
    vs: ViewClerk,
    /// Ends to the servers.
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
    /// The primary that served last, if it has not failed since.
    primary: Option<String>,
}

impl Clerk {
    /// Locks the clerk's changing state.
    fn lock(&self) -> MutexGuard<'_, Known> {
        self.known
            .lock()
            .expect("a task panicked while holding the clerk's lock")
    }

    /// Runs `op` to completion, however many attempts it takes, and
    /// returns what it yielded (a Get's value, "" for a write) and the view
    /// it was served in.
    async fn execute(&self, op: Op) -> Served<String> {
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
            let primary = self.lock().primary.clone();
            let primary = match primary {
                Some(primary) => primary,
                None => match self.vs.primary().await {
                    Some(primary) => primary,
                    // No primary yet, or the view service did not answer.
                    None => {
                        sleep(PING_INTERVAL).await;
                        continue;
                    }
                },
            };
            let reply = self.ends.cached(&primary).call(EXECUTE, &request).await;
            if let Ok(Reply::Served { value, view }) = reply {
                self.lock().primary = Some(primary);
                return Served { value, view };
            }
            // Dead, not the primary, or its backup failed: after a pause,
            // ask the view service again.
            self.lock().primary = None;
            sleep(PING_INTERVAL).await;
        }
    }
}

impl PbClerk for Clerk {
    fn make(node: Node, vs: ViewClerk, make_end: MakeEnd) -> Clerk {
        Clerk {
            vs,
            ends: make_end,
            client: node.rng().random(),
            known: Mutex::new(Known {
                last_seq: 0,
                primary: None,
            }),
        }
    }

    async fn get(&self, key: String) -> Served<String> {
        self.execute(Op::Get { key }).await
    }

    async fn put(&self, key: String, value: String) -> Served<()> {
        let served = self.execute(Op::Put { key, value }).await;
        Served {
            value: (),
            view: served.view,
        }
    }

    async fn append(&self, key: String, value: String) -> Served<()> {
        let served = self.execute(Op::Append { key, value }).await;
        Served {
            value: (),
            view: served.view,
        }
    }
}
