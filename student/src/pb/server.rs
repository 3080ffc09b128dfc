//! The server: its state, its RPC service, and its two tasks, which ping
//! the view service and keep the backup in step. What it does as primary
//! is in `primary.rs`, as backup in `backup.rs`.

use std::sync::{Arc, Mutex, MutexGuard};

use framework::labs::pb::{MakeEnd, PING_INTERVAL, PbServer, PbSetup, ViewClerk};
use framework::net::Service;
use tokio::time::{Duration, sleep};

use super::rpc::{EXECUTE, FORWARD, SERVICE, TRANSFER};
use super::state::State;

/// How often a primary whose backup may not hold the data sends it a copy.
/// Well within a ping interval: until the backup has it, the primary cannot
/// acknowledge the view, and the view service cannot move on (for good, if
/// the primary dies first).
const SYNC_RETRY: Duration = Duration::from_millis(20);

/// A primary/backup key/value server.
pub struct Server {
    member: Arc<Member>,
}

/// What the RPC handlers and the two tasks share.
pub struct Member {
    /// This server's name, as views list it.
    me: String,
    /// The view service, for the pings.
    vs: ViewClerk,
    /// Ends to the other servers (the backup), by name.
    pub ends: MakeEnd,
    /// The view, the data and the copies.
    state: Mutex<State>,
    /// The primary's turn (see `primary.rs`): held by each client
    /// operation and each transfer from start to end, RPCs included.
    pub turn: tokio::sync::Mutex<()>,
}

impl Member {
    /// Locks the server's state. Never held across an `.await`.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .expect("a task panicked while holding the server's lock")
    }

    /// The ping task: every interval, tells the view service that this
    /// server is alive and which view it acknowledges, and takes in the
    /// view it answers.
    async fn ping_forever(self: Arc<Self>) {
        loop {
            let acked = self.lock().acked;
            // A failed ping changes nothing: the next one tries again.
            if let Ok(view) = self.vs.ping(&self.me, acked).await {
                self.lock().learn(view);
            }
            sleep(PING_INTERVAL).await;
        }
    }

    /// The sync task: while this server is a primary whose backup may not
    /// hold its data (a new view, or a forward that failed), sends it a
    /// copy. A task of its own, so that the pings keep their pace however
    /// long a transfer takes.
    async fn sync_forever(self: Arc<Self>) {
        loop {
            self.sync_backup().await;
            sleep(SYNC_RETRY).await;
        }
    }
}

impl PbServer for Server {
    fn make(setup: PbSetup) -> Server {
        let PbSetup {
            node,
            me,
            vs,
            make_end,
        } = setup;
        let member = Arc::new(Member {
            state: Mutex::new(State::new(me.clone())),
            me,
            vs,
            ends: make_end,
            turn: tokio::sync::Mutex::new(()),
        });
        node.spawn(member.clone().ping_forever());
        node.spawn(member.clone().sync_forever());
        Server { member }
    }

    fn services(&self) -> Vec<Service> {
        let service = Service::new(SERVICE, self.member.clone())
            .method(EXECUTE, |member: Arc<Member>, request| async move {
                member.execute(request).await
            })
            .method(FORWARD, |member: Arc<Member>, forward| async move {
                member.forwarded(forward)
            })
            .method(TRANSFER, |member: Arc<Member>, transfer| async move {
                member.transferred(transfer)
            })
            .build();
        vec![service]
    }
}
