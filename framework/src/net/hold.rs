//! Holding chosen messages and releasing them later: how a test builds, on
//! purpose and on every seed, the late reply and the overtaken request that
//! random schedules reach only by luck.
//!
//! A hold is a rule ([`Hold`]) that catches matching messages as they
//! arrive at the far end of the wire; a caught message waits, and its call
//! with it, until the test releases or discards it through the rule's
//! handle ([`Held`]). A held message is a slow one, nothing more: released,
//! it goes on exactly as if it had been slow on the wire, through the same
//! checks (a request to a server that has crashed meanwhile fails).

use std::sync::Arc;

use tokio::sync::{Notify, oneshot};

use super::Network;

/// Which half of an RPC a hold catches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leg {
    /// The request, before it reaches the server's handler.
    Request,
    /// The reply, after the handler ran and before the caller gets it.
    Reply,
}

/// Which messages to hold: the requests, or the replies, of calls that
/// match every condition given.
///
/// ```
/// use framework::net::Hold;
///
/// // The first reply that raft-1 sends to a call of raft-0's.
/// let rule = Hold::replies().from("raft-0").to("raft-1").first(1);
/// # let _ = rule;
/// ```
#[derive(Clone, Debug)]
pub struct Hold {
    leg: Leg,
    from: Option<String>,
    to: Option<String>,
    method: Option<String>,
    min_bytes: usize,
    limit: Option<usize>,
}

impl Hold {
    /// Holds requests.
    pub fn requests() -> Hold {
        Hold::of(Leg::Request)
    }

    /// Holds replies.
    pub fn replies() -> Hold {
        Hold::of(Leg::Reply)
    }

    fn of(leg: Leg) -> Hold {
        Hold {
            leg,
            from: None,
            to: None,
            method: None,
            min_bytes: 0,
            limit: None,
        }
    }

    /// Only calls made by this node (the owner of the calling end), whichever
    /// leg is held.
    pub fn from(mut self, caller: &str) -> Hold {
        self.from = Some(caller.to_string());
        self
    }

    /// Only calls to this server, whichever leg is held.
    pub fn to(mut self, server: &str) -> Hold {
        self.to = Some(server.to_string());
        self
    }

    /// Only calls of this method (its full name, `Service.Method`).
    pub fn method(mut self, method: &str) -> Hold {
        self.method = Some(method.to_string());
        self
    }

    /// Only messages (of the held leg) of at least `bytes` serialized bytes:
    /// a way to pick out, say, a snapshot among heartbeats without knowing
    /// the student's method names.
    pub fn at_least(mut self, bytes: usize) -> Hold {
        self.min_bytes = bytes;
        self
    }

    /// Catches at most `n` messages; later ones pass.
    pub fn first(mut self, n: usize) -> Hold {
        self.limit = Some(n);
        self
    }

    fn matches(&self, message: &Message<'_>) -> bool {
        self.leg == message.leg
            && message.bytes >= self.min_bytes
            && self.from.as_deref().is_none_or(|f| f == message.from)
            && self.to.as_deref().is_none_or(|t| t == message.to)
            && self.method.as_deref().is_none_or(|m| m == message.method)
    }
}

/// A message on the wire, as hold rules see it.
pub(crate) struct Message<'a> {
    /// Which half of its call it is.
    pub(crate) leg: Leg,
    /// The calling host.
    pub(crate) from: &'a str,
    /// The server called.
    pub(crate) to: &'a str,
    /// The method called.
    pub(crate) method: &'a str,
    /// Its serialized size.
    pub(crate) bytes: usize,
}

/// One rule's state in the network.
pub(crate) struct HoldState {
    rule: Hold,
    catching: bool,
    caught: usize,
    /// The messages held now, oldest first: each one's call waits on the
    /// other side for `true` (go on) or `false` (lost).
    waiting: Vec<oneshot::Sender<bool>>,
    changed: Arc<Notify>,
}

impl HoldState {
    pub(crate) fn new(rule: Hold) -> HoldState {
        HoldState {
            rule,
            catching: true,
            caught: 0,
            waiting: Vec::new(),
            changed: Arc::new(Notify::new()),
        }
    }

    /// Catches the message if it matches and the rule has room: the call
    /// waits on the receiver returned.
    pub(crate) fn catch(&mut self, message: &Message<'_>) -> Option<oneshot::Receiver<bool>> {
        let room = self.rule.limit.is_none_or(|n| self.caught < n);
        if !(self.catching && room && self.rule.matches(message)) {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        self.caught += 1;
        self.waiting.push(tx);
        self.changed.notify_waiters();
        Some(rx)
    }

    fn end(&mut self, deliver: bool) {
        self.catching = false;
        for waiting in self.waiting.drain(..) {
            let _ = waiting.send(deliver);
        }
    }
}

/// The test's handle on one hold rule. Dropping it changes nothing: the
/// rule keeps catching, and what it holds stays held, until the test says.
#[derive(Clone)]
pub struct Held {
    net: Network,
    id: usize,
}

impl Held {
    pub(crate) fn new(net: Network, id: usize) -> Held {
        Held { net, id }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HoldState) -> T) -> T {
        f(&mut self.net.state().holds[self.id])
    }

    /// How many messages the rule has caught so far (released ones too).
    pub fn caught(&self) -> usize {
        self.with(|h| h.caught)
    }

    /// How many messages it holds now.
    pub fn holding(&self) -> usize {
        self.with(|h| h.waiting.len())
    }

    /// Waits up to `limit` for the rule to catch at least `n` messages;
    /// true if it did. The way a scenario waits for the message it builds
    /// on, without hanging when a solution never sends it.
    pub async fn caught_within(&self, n: usize, limit: std::time::Duration) -> bool {
        tokio::select! {
            biased;
            () = self.wait_caught(n) => true,
            () = tokio::time::sleep(limit) => false,
        }
    }

    /// Waits until the rule has caught at least `n` messages.
    pub async fn wait_caught(&self, n: usize) {
        loop {
            let changed = self.with(|h| h.changed.clone());
            let notified = changed.notified();
            if self.caught() >= n {
                return;
            }
            notified.await;
        }
    }

    /// Stops catching; what is held stays held.
    pub fn stop(&self) {
        self.with(|h| h.catching = false);
    }

    /// Stops catching and lets every held message go on, in the order they
    /// were caught.
    pub fn release(&self) {
        self.with(|h| h.end(true));
    }

    /// Stops catching and loses every held message, as an unreliable
    /// network would: their calls fail.
    pub fn discard(&self) {
        self.with(|h| h.end(false));
    }
}
