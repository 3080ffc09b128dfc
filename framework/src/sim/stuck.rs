//! Noticing a task that runs without ever awaiting.
//!
//! The world runs on one thread, and virtual time moves only when every
//! task waits. A task that loops without awaiting (spinning on a flag or a
//! lock, retrying at once, a subtraction that wrapped into a huge count)
//! holds that thread for good: nothing else runs, no timeout of the test's
//! can fire, and only the grader's wall-clock limit would end the run,
//! without a word on where it was. So every poll of a node's task (and of
//! the test itself) notes whose it is, and a watchdog thread, started for a
//! run when the process has installed a handler ([`on_stuck`]), fails the
//! test once one poll has lasted [`STUCK_AFTER`] of wall time, naming the
//! node and where its task was spawned (or the RPC it handles).
//!
//! A loop that does await, but only on what is ready at once
//! (`tokio::task::yield_now()`, a channel it fills itself), keeps the
//! thread busy too, and virtual time stands still: the watchdog notices
//! polls going on while the virtual clock has not moved for
//! [`STUCK_AFTER`] of wall time, and names the task it saw last. (RPCs
//! trading at one instant are the network's to notice, sooner: see
//! `net::stall`.)

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use super::Failure;
use super::clock::virtual_now;
use crate::sync::lock;

/// How long one poll may run, in wall time, before its task is taken for a
/// task that never awaits. Far beyond any real poll (a few microseconds;
/// a large snapshot's encoding, milliseconds).
pub const STUCK_AFTER: Duration = Duration::from_secs(5);

/// How often the watchdog looks.
const LOOK_EVERY: Duration = Duration::from_millis(50);

/// One poll in this many reads the virtual clock for the watchdog.
const SAMPLE_EVERY: u64 = 1024;

/// The node number of the test's own code (the harness, not a node's task).
pub(crate) const THE_TEST: u32 = u32::MAX;

/// What the process does with a stuck test: report it and end the process
/// (the stuck thread can never be stopped). Only the grader's child process
/// installs one.
type Handler = Box<dyn Fn(Failure) + Send + Sync>;

static HANDLER: OnceLock<Handler> = OnceLock::new();

/// Installs what to do when a test is stuck in a task that never awaits
/// (see the module documentation): called once, from the watchdog's
/// thread, with the failure to report. Without one, nothing watches. A
/// second call is ignored.
pub fn on_stuck(handler: impl Fn(Failure) + Send + Sync + 'static) {
    let _ = HANDLER.set(Box::new(handler));
}

/// What the watchdog and the polls share.
#[derive(Default)]
pub(crate) struct Shared {
    /// Polls finished so far.
    polls: AtomicU64,
    /// Virtual time, in nanoseconds, as some recent poll saw it.
    virtual_ns: AtomicU64,
    /// Whether a poll is running now, and whose.
    busy: AtomicBool,
    node: AtomicU32,
    /// Where the task was spawned, unless it is an RPC handler.
    site: AtomicPtr<Location<'static>>,
    /// The RPC method an RPC handler's task serves (its name's bytes).
    method: AtomicPtr<u8>,
    method_len: AtomicUsize,
    /// Node names, by number.
    names: Mutex<BTreeMap<u32, Arc<str>>>,
    /// Set when the run is over.
    over: AtomicBool,
}

/// Who a task is, for the watchdog's message.
#[derive(Clone, Copy)]
pub(crate) enum Site {
    /// Spawned at this place in the code.
    Code(&'static Location<'static>),
    /// The handler of an RPC method.
    Handler(&'static str),
}

thread_local! {
    /// The run on this thread, while there is one.
    static CURRENT: RefCell<Option<Arc<Shared>>> = const { RefCell::new(None) };
}

/// The watch of one run: in place while it lives.
pub(crate) struct Watch(Arc<Shared>);

impl Watch {
    /// Watches the run about to start on this thread (with a watchdog
    /// thread only if the process installed a handler).
    pub(crate) fn start() -> Watch {
        let shared = Arc::new(Shared::default());
        CURRENT.with(|c| *c.borrow_mut() = Some(shared.clone()));
        if let Some(handler) = HANDLER.get() {
            let watched = shared.clone();
            std::thread::spawn(move || watchdog(&watched, handler));
        }
        Watch(shared)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.0.over.store(true, Ordering::Relaxed);
        CURRENT.with(|c| c.borrow_mut().take());
    }
}

/// Notes node `id`'s name, for the message.
pub(crate) fn named(id: u32, name: &Arc<str>) {
    CURRENT.with(|c| {
        if let Some(shared) = c.borrow().as_ref() {
            lock(&shared.names).insert(id, name.clone());
        }
    });
}

/// `future`, noting each of its polls as node `node`'s, from `site`.
pub(crate) fn watched<F: Future>(node: u32, site: Site, future: F) -> Watched<F> {
    Watched {
        future,
        node,
        site,
        shared: CURRENT.with(|c| c.borrow().clone()),
    }
}

/// A future whose polls the watchdog sees (see [`watched`]).
pub(crate) struct Watched<F> {
    future: F,
    node: u32,
    site: Site,
    shared: Option<Arc<Shared>>,
}

impl<F: Future> Future for Watched<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of
        // `self` nor accessed but through this pinned projection; the other
        // fields are plain data, never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        let Some(shared) = &this.shared else {
            return future.poll(cx);
        };
        shared.node.store(this.node, Ordering::Relaxed);
        match this.site {
            Site::Code(at) => {
                shared
                    .site
                    .store((at as *const Location).cast_mut(), Ordering::Relaxed);
            }
            Site::Handler(method) => {
                shared.site.store(std::ptr::null_mut(), Ordering::Relaxed);
                shared
                    .method
                    .store(method.as_ptr().cast_mut(), Ordering::Relaxed);
                shared.method_len.store(method.len(), Ordering::Relaxed);
            }
        }
        shared.busy.store(true, Ordering::Release);
        let result = future.poll(cx);
        shared.busy.store(false, Ordering::Relaxed);
        // Reading the clock costs more than the rest: one poll in
        // SAMPLE_EVERY does.
        if shared.polls.fetch_add(1, Ordering::Release) % SAMPLE_EVERY == 0 {
            if let Some(now) = virtual_now() {
                let ns = u64::try_from(now.as_nanos()).unwrap_or(u64::MAX);
                shared.virtual_ns.store(ns, Ordering::Relaxed);
            }
        }
        result
    }
}

/// Looks every [`LOOK_EVERY`] until the run is over, and reports it stuck
/// once one poll has lasted [`STUCK_AFTER`], or once polls have gone on
/// that long with virtual time standing still.
fn watchdog(shared: &Shared, handler: &Handler) {
    let (mut last, mut same) = (u64::MAX, Duration::ZERO);
    let (mut last_time, mut frozen) = (u64::MAX, Duration::ZERO);
    while !shared.over.load(Ordering::Relaxed) {
        std::thread::sleep(LOOK_EVERY);
        let polls = shared.polls.load(Ordering::Acquire);
        let time = shared.virtual_ns.load(Ordering::Relaxed);
        if polls == last && shared.busy.load(Ordering::Acquire) {
            same += LOOK_EVERY;
        } else {
            same = Duration::ZERO;
        }
        // With this many polls since the last look, one of them read the
        // clock meanwhile: the time it read is no older than that look.
        if time == last_time && polls.wrapping_sub(last) >= SAMPLE_EVERY {
            frozen += LOOK_EVERY;
        } else {
            frozen = Duration::ZERO;
        }
        (last, last_time) = (polls, time);
        let message = if same >= STUCK_AFTER {
            stuck_message(shared)
        } else if frozen >= STUCK_AFTER {
            frozen_message(shared, time)
        } else {
            continue;
        };
        if !shared.over.load(Ordering::Relaxed) {
            handler(Failure::new(message));
        }
        return;
    }
}

/// What the failure says when tasks keep running at one instant.
fn frozen_message(shared: &Shared, ns: u64) -> String {
    format!(
        "stalled: virtual time has stood still at {:.3} s for {} s of wall time while tasks kept running (the last one seen: {}), so no timer can ever fire. Some loop awaits only what is ready at once: tokio::task::yield_now() does not let virtual time move, nor does a channel or lock that is always free; await something that takes time (a sleep, a reply)",
        Duration::from_nanos(ns).as_secs_f64(),
        STUCK_AFTER.as_secs(),
        whose(shared)
    )
}

/// What the failure says: whose task, spawned where, and what to do.
fn stuck_message(shared: &Shared) -> String {
    format!(
        "stuck: {} has run for {} s of wall time without awaiting, so virtual time cannot move and nothing else can run. A loop must await something that takes time (a sleep, a reply, a channel); tokio::task::yield_now() does not let virtual time move either. Look for a spin loop, a retry without a pause, or a count gone wrong (a subtraction that wrapped)",
        whose(shared),
        STUCK_AFTER.as_secs()
    )
}

/// The task the last poll was of: its node, and where it was spawned (or
/// the RPC it handles).
fn whose(shared: &Shared) -> String {
    let node = shared.node.load(Ordering::Relaxed);
    let who = if node == THE_TEST {
        "the test's own code".to_string()
    } else {
        let names = lock(&shared.names);
        match names.get(&node) {
            Some(name) => format!("a task of node {name}"),
            None => format!("a task of node #{node}"),
        }
    };
    let site = shared.site.load(Ordering::Relaxed);
    let whence = if !site.is_null() {
        // SAFETY: only `&'static Location`s are ever stored here.
        let at: &'static Location<'static> = unsafe { &*site };
        format!(" (spawned at {}:{}:{})", at.file(), at.line(), at.column())
    } else if node != THE_TEST {
        let (ptr, len) = (
            shared.method.load(Ordering::Relaxed),
            shared.method_len.load(Ordering::Relaxed),
        );
        // SAFETY: ptr and len are those of a `&'static str`, stored
        // together before the poll that is stuck began.
        let method = unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr, len)) };
        format!(" (the handler of an RPC {method})")
    } else {
        String::new()
    };
    format!("{who}{whence}")
}
