use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

/// One thing that happened in the world, at a virtual time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Event {
    /// Virtual time since the world began.
    pub at: Duration,
    /// What happened.
    pub kind: EventKind,
}

/// The kinds of events the world records. RPC events share the `rpc` number
/// the network gave the call when it was sent.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A client end sent a request (counted whatever happens next).
    Send {
        rpc: u64,
        /// The end's owner, or the end's name when it has none.
        from: Arc<str>,
        /// The server the end is connected to, or "" if none.
        to: Arc<str>,
        method: &'static str,
        bytes: usize,
    },
    /// The request reached a handler on the server.
    Deliver { rpc: u64 },
    /// The caller got the reply.
    Reply { rpc: u64, bytes: usize },
    /// The unreliable network dropped the request; the handler never ran.
    DropRequest { rpc: u64 },
    /// The unreliable network dropped the reply; the handler did run.
    DropReply { rpc: u64 },
    /// A hold rule of the test caught the request or reply in flight.
    Held { rpc: u64 },
    /// The test released a held request or reply; it goes on.
    Released { rpc: u64 },
    /// The caller got a failure: the end was disabled, the server was missing,
    /// deleted, replaced or crashed, or the handler never finished.
    Fail { rpc: u64 },
    /// A node started (first start or restart).
    Start { node: Arc<str> },
    /// A node crashed: all its tasks were aborted.
    Crash { node: Arc<str> },
    /// The harness did something to the world (disconnected a server,
    /// started a command, ended a check), in words for the log.
    Step { what: Arc<str> },
    /// The harness saw a server in a new state: its term (or view) and
    /// whether it believes it leads there. Recorded only on a change.
    Observed {
        node: Arc<str>,
        term: u64,
        leads: bool,
    },
    /// The harness saw a server apply up to `index` (a command or a
    /// snapshot).
    Applied { node: Arc<str>, index: u64 },
}

/// The ordered events of a run and their running hash.
///
/// The hash folds in every event as it is recorded, so two runs agree on it
/// exactly when they saw the same events at the same virtual times.
#[derive(Debug)]
pub struct Trace {
    events: Vec<Event>,
    hasher: Fnv64,
}

impl Trace {
    pub(crate) fn new() -> Self {
        Trace {
            events: Vec::new(),
            hasher: Fnv64::new(),
        }
    }

    pub(crate) fn record(&mut self, event: Event) {
        event.hash(&mut self.hasher);
        self.events.push(event);
    }

    /// The events so far, oldest first.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub(crate) fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// The hash of every event so far; it identifies the run.
    pub fn hash(&self) -> u64 {
        self.hasher.finish()
    }
}

/// FNV-1a, 64 bits: tiny, fast on short inputs and, unlike std's default
/// hasher, specified, so trace hashes mean the same on every build.
#[derive(Debug)]
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv64 {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(at_ms: u64, node: &str) -> Event {
        Event {
            at: Duration::from_millis(at_ms),
            kind: EventKind::Start { node: node.into() },
        }
    }

    #[test]
    fn hash_depends_on_events_their_order_and_times() {
        let hash = |events: Vec<Event>| {
            let mut t = Trace::new();
            events.into_iter().for_each(|e| t.record(e));
            t.hash()
        };
        let base = hash(vec![start(0, "a"), start(5, "b")]);
        assert_eq!(base, hash(vec![start(0, "a"), start(5, "b")]));
        assert_ne!(base, hash(vec![start(5, "b"), start(0, "a")]));
        assert_ne!(base, hash(vec![start(0, "a"), start(6, "b")]));
        assert_ne!(base, hash(vec![start(0, "a"), start(5, "c")]));
    }
}
