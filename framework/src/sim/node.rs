use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location};
use std::sync::{Arc, Mutex, Once};

use futures::FutureExt;
use tokio::task::{AbortHandle, JoinHandle};
use tracing::Instrument;

use super::stuck::{self, Site};
use super::{EventKind, Failure, World, WorldRng};
use crate::sync::lock;

/// A node's number, unique within its world (a restart gets a new one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

/// One incarnation of a server or client: the owner of the tasks it spawns.
///
/// Crashing a node ([`Node::crash`]) aborts every task spawned through it,
/// RPC handlers in flight included, at once; nothing it spawned runs again.
/// A restarted server is a new `Node`. Cloning is cheap; clones are the same
/// node.
#[derive(Clone)]
pub struct Node(Arc<Inner>);

struct Inner {
    id: NodeId,
    name: Arc<str>,
    world: World,
    /// The node's live tasks; `None` once it has crashed.
    tasks: Mutex<Option<Vec<AbortHandle>>>,
    /// The span every task of the node runs in (see [`Node::spawn`]).
    span: tracing::Span,
}

impl Node {
    pub(crate) fn new(world: World, id: u32, name: String) -> Node {
        // A root span: a handler spawned from a caller's task belongs to
        // the server's node, not under the caller's. Made once per node and
        // shared by its tasks: a span per task (an RPC handler is one) cost
        // a tenth of a test's time in formatting and bookkeeping.
        let span = tracing::info_span!(parent: None, "node", name = %name);
        let name: Arc<str> = name.into();
        stuck::named(id, &name);
        Node(Arc::new(Inner {
            id: NodeId(id),
            name,
            world,
            tasks: Mutex::new(Some(Vec::new())),
            span,
        }))
    }

    /// This incarnation's number.
    pub fn id(&self) -> NodeId {
        self.0.id
    }

    /// The node's name, e.g. `raft-2`.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    pub(crate) fn name_arc(&self) -> Arc<str> {
        self.0.name.clone()
    }

    /// The world the node lives in.
    pub fn world(&self) -> &World {
        &self.0.world
    }

    /// The world's random number generator. Use it for every random choice
    /// (election timeouts, client ids): it is what makes a run replayable.
    pub fn rng(&self) -> WorldRng {
        self.0.world.rng()
    }

    /// False once the node has crashed.
    pub fn is_alive(&self) -> bool {
        lock(&self.0.tasks).is_some()
    }

    /// Spawns a task that belongs to this node.
    ///
    /// The task dies when the node crashes. A panic in it fails the test with
    /// the panic's message (the task then never completes). Spawning on a
    /// crashed node does nothing: the returned handle never completes.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_from(Site::Code(Location::caller()), future)
    }

    /// [`Node::spawn`] for the handler of RPC `method`: a handler that
    /// never awaits is reported by its method's name.
    pub(crate) fn spawn_handler<F>(&self, method: &'static str, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_from(Site::Handler(method), future)
    }

    fn spawn_from<F>(&self, site: Site, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let world = self.0.world.clone();
        let name = self.0.name.clone();
        let guarded = async move {
            match AssertUnwindSafe(future).catch_unwind().await {
                Ok(output) => output,
                Err(panic) => {
                    world.fail(panic_failure(&name, panic));
                    std::future::pending().await
                }
            }
        };
        // Every event a task logs carries its node's name, so a test's log
        // can be filtered by node (`[node{name=raft-1}]=debug`).
        let guarded = guarded.instrument(self.0.span.clone());
        // Each poll noted, so that a task that never awaits is named.
        let guarded = stuck::watched(self.0.id.0, site, guarded);
        // The task knows its node, so that code deep inside it can spawn
        // without the node passed down ([`spawn`], [`current_node`]).
        let guarded = CURRENT.scope(self.clone(), guarded);
        let mut tasks = lock(&self.0.tasks);
        let handle = tokio::spawn(guarded);
        match tasks.as_mut() {
            Some(live) => {
                // Forget finished tasks now and then, so a long-lived node's
                // list stays proportional to what is actually running.
                if live.len() >= 64 && live.len().is_power_of_two() {
                    live.retain(|t| !t.is_finished());
                }
                live.push(handle.abort_handle());
            }
            None => handle.abort(),
        }
        handle
    }

    /// Crashes the node: aborts all its tasks and refuses new ones.
    /// Crashing twice is harmless.
    pub fn crash(&self) {
        let tasks = lock(&self.0.tasks).take();
        if let Some(tasks) = tasks {
            for task in tasks {
                task.abort();
            }
            self.0.world.record(EventKind::Crash {
                node: self.name_arc(),
            });
        }
    }
}

tokio::task_local! {
    /// The node whose task is running.
    static CURRENT: Node;
}

/// The node whose task is running, if the caller runs in one (every task
/// spawned with [`Node::spawn`] or [`spawn`] does; the harness's own code,
/// such as the call of a server's `make`, does not).
pub fn current_node() -> Option<Node> {
    CURRENT.try_with(Node::clone).ok()
}

/// Spawns a task on the node whose task is running, as [`Node::spawn`]
/// does: code inside a node's tasks can spawn without the node passed down
/// to it.
///
/// # Panics
/// Outside a node's task (in a server's `make`, say, use the node it is
/// given).
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match current_node() {
        Some(node) => node.spawn(future),
        None => panic!(
            "framework::sim::spawn was called outside a node's task: use the Node that make() is given"
        ),
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Node({} #{})", self.0.name, self.0.id.0)
    }
}

thread_local! {
    /// Where the last panic on this thread happened, set by the hook that
    /// [`install_panic_hook`] installs: payloads carry no location.
    static LAST_PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once per process) a panic hook that remembers each panic's
/// location for [`panic_report`]. A panic inside a running world becomes a
/// failure that carries its message and location, so there the standard
/// hook's report is printed only when `RUST_BACKTRACE` asks for a
/// backtrace; elsewhere it is printed as usual.
pub(crate) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        let backtraces = std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0");
        std::panic::set_hook(Box::new(move |info| {
            if let Some(at) = info.location() {
                let at = format!("{}:{}:{}", at.file(), at.line(), at.column());
                LAST_PANIC_AT.with(|slot| *slot.borrow_mut() = Some(at));
            }
            if backtraces || super::virtual_now().is_none() {
                previous(info);
            }
        }));
    });
}

/// The failure that a panic caught in a running world makes: a [`Failure`]
/// that the panic carries as its payload (`std::panic::resume_unwind`, as
/// [`crate::labs::not_implemented`] does) as it is; any other panic as
/// "WHO panicked at FILE:LINE:COL: MESSAGE".
pub(crate) fn panic_failure(who: &str, payload: Box<dyn Any + Send>) -> Failure {
    match payload.downcast::<Failure>() {
        Ok(failure) => *failure,
        Err(payload) => Failure::new(format!("{who} {}", panic_report(&*payload))),
    }
}

/// "panicked at FILE:LINE:COL: MESSAGE" for a panic just caught on this thread.
fn panic_report(payload: &(dyn Any + Send)) -> String {
    let message = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic with a non-string payload)".to_string()
    };
    match LAST_PANIC_AT.with(|slot| slot.borrow_mut().take()) {
        Some(at) => format!("panicked at {at}: {message}"),
        None => format!("panicked: {message}"),
    }
}
