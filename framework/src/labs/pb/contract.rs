//! The contract of the primary/backup lab: a view service that decides, from
//! the servers' pings, which server is primary and which is backup; the
//! primary/backup key/value servers that follow its views; and the clerk.

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use crate::labs::links::MakeEnd;
use crate::net::{ClientEnd, Method, RpcError, Service};
use crate::sim::Node;

/// How often servers ping the view service, and how often the harness
/// calls [`ViewService::tick`].
pub const PING_INTERVAL: Duration = Duration::from_millis(100);

/// A server that has not pinged for this many intervals is dead.
pub const DEAD_PINGS: u64 = 5;

/// The view service's name on the network: servers and clerks reach it
/// through a [`ViewClerk`].
pub const VIEW_SERVICE: &str = "viewservice";

/// One view: its number, and which server is primary and which backup (an
/// empty name: none). View 0 is `{0, "", ""}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// The view's number: 0 at first, one more at every change.
    pub num: u64,
    /// The primary's name, or "".
    pub primary: String,
    /// The backup's name, or "".
    pub backup: String,
}

/// The view service, which the harness runs and never crashes. It hosts no
/// RPCs itself: the kit carries `Ping` and `Get` to it over the network (so
/// that it can watch every view it hands out, see the lab's guide) and
/// calls [`ViewService::tick`] every [`PING_INTERVAL`] of virtual time.
///
/// # Rules
/// - **First primary.** The first server to ping view 0 becomes the primary
///   of view 1, with no backup.
/// - **Acknowledgement.** The primary of view X acknowledges it with
///   `ping(primary, X)`. The service must not move from view X to X+1 until
///   it has, even if it believes the primary or the backup is dead (if the
///   primary dies before acknowledging, the service is stuck for good, by
///   design).
/// - **One step at a time.** Each change makes view `num + 1`.
/// - **Dead servers.** A server that has not pinged for [`DEAD_PINGS`]
///   intervals is dead; one that pings on time never is. `ping(me, 0)`
///   after pings with a view number means `me` restarted with empty state:
///   a primary that sends it is treated as dead, a backup that sends it
///   must be given the state again (dropped and added back, say). A server
///   that has only ever pinged 0 has simply not learnt a view yet (it may
///   have been made backup meanwhile): its further `ping(me, 0)` are not
///   restarts.
/// - **New views** (subject to acknowledgement): when the primary is dead
///   or restarted, the backup becomes primary; when the backup is, it is
///   removed; when there is no backup and an idle server (one that pings
///   but is neither) is alive, it becomes backup. When the primary fails
///   and an idle server exists, the backup is promoted and the idle server
///   made backup in one change.
/// - **Succession.** The primary of view X+1 is the primary or the backup
///   of view X: an idle server never becomes primary (except in view 1),
///   so a primary that dies with no backup ends the service.
/// - **`get` changes nothing**; `ping` returns the view after the ping is
///   taken into account (a change may also wait for the next `tick`).
/// - No tasks, no randomness: the service reacts to pings and ticks, and
///   reads time, if it wants to, from `tokio::time::Instant::now()` (the
///   world's virtual clock).
pub trait ViewService: Send + Sync + Sized + 'static {
    /// A view service in view 0.
    fn make() -> Self;

    /// Server `me` says it is alive and that `viewnum` is the newest view
    /// it knows (0 after a restart); returns the current view.
    fn ping(&self, me: &str, viewnum: u64) -> View;

    /// The current view, without any effect.
    fn get(&self) -> View;

    /// One [`PING_INTERVAL`] has passed: notice the dead servers.
    fn tick(&self);
}

/// `Ping`'s arguments on the wire.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PingArgs {
    /// Who pings.
    pub me: String,
    /// The newest view it knows.
    pub viewnum: u64,
}

/// The view service's `Ping`, as the kit carries it.
pub const PING: Method<PingArgs, View> = Method::new("ViewService.Ping");
/// The view service's `Get`, as the kit carries it.
pub const GET_VIEW: Method<(), View> = Method::new("ViewService.Get");

/// A connection to the view service, for servers and clerks. Cloning is
/// cheap. Calls go over the network and can fail like any RPC.
#[derive(Clone, Debug)]
pub struct ViewClerk {
    end: ClientEnd,
}

impl ViewClerk {
    /// A clerk that calls the view service through `end`.
    pub fn new(end: ClientEnd) -> ViewClerk {
        ViewClerk { end }
    }

    /// Pings as server `me`, which knows view `viewnum`.
    pub async fn ping(&self, me: &str, viewnum: u64) -> Result<View, RpcError> {
        let args = PingArgs {
            me: me.to_string(),
            viewnum,
        };
        self.end.call(PING, &args).await
    }

    /// The current view.
    pub async fn get(&self) -> Result<View, RpcError> {
        self.end.call(GET_VIEW, &()).await
    }

    /// The current primary, or `None` if there is none or the call failed.
    pub async fn primary(&self) -> Option<String> {
        let view = self.get().await.ok()?;
        (!view.primary.is_empty()).then_some(view.primary)
    }
}

/// What a primary/backup server is made with.
pub struct PbSetup {
    /// The node its tasks run on.
    pub node: Node,
    /// Its name, as views list it.
    pub me: String,
    /// Its connection to the view service.
    pub vs: ViewClerk,
    /// Ends to other servers, by the names views list.
    pub make_end: MakeEnd,
}

/// A primary/backup key/value server.
///
/// # Rules
/// - **Pings.** It pings the view service every [`PING_INTERVAL`] (a task
///   of its own) with the newest view number it knows, 0 on a fresh start.
///   Its data lives in memory only: a restart starts empty.
/// - **Only the primary answers.** A server that is not the primary of its
///   current view never answers a client's operation with success.
/// - **Everything through the backup.** The primary forwards every client
///   operation, Gets included, to the backup, and answers only after the
///   backup accepted it. The backup rejects a forward from a server it does
///   not take for its primary (then the old primary must fail the
///   operation, never apply it alone and answer).
/// - **State transfer.** When a view has a new backup, the primary sends it
///   the whole database and the duplicate table before acknowledging the
///   view: then an uninitialised backup can never be promoted.
/// - **At most once.** Each Put and Append takes effect once, however often
///   the clerk retries it, across failovers too: the duplicate table is
///   replicated with the data.
/// - **Whom it answers in.** Every successful answer says the view number
///   the server serves it in (see [`Served`]); the harness checks that, per
///   view, only that view's primary ever answers.
pub trait PbServer: Send + Sync + Sized + 'static {
    /// Starts a server with empty state (and its ping task).
    fn make(setup: PbSetup) -> Self;

    /// The RPC services it hosts (its clients' and its peers'). Called once,
    /// right after `make`.
    fn services(&self) -> Vec<Service>;
}

/// A successful operation's result, and the view number of the server that
/// answered it (the view it served it in).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served<T> {
    /// The operation's result (a Get's value).
    pub value: T,
    /// The view the answering primary served it in.
    pub view: u64,
}

/// The primary/backup clerk: it finds the primary (asking the view service
/// only when the one it knows seems dead or wrong), retries until an
/// operation succeeds (with the same request id, sleeping about one
/// [`PING_INTERVAL`] between rounds), and issues one operation at a time.
pub trait PbClerk: Send + Sync + Sized + 'static {
    /// A clerk on `node`, with its view service connection and ends to the
    /// servers by name.
    fn make(node: Node, vs: ViewClerk, make_end: MakeEnd) -> Self;

    /// The value of `key`, or "" if it has none.
    fn get(&self, key: String) -> impl Future<Output = Served<String>> + Send;

    /// Sets `key` to `value`.
    fn put(&self, key: String, value: String) -> impl Future<Output = Served<()>> + Send;

    /// Appends `value` to `key`'s value (a missing key counts as "").
    fn append(&self, key: String, value: String) -> impl Future<Output = Served<()>> + Send;
}
