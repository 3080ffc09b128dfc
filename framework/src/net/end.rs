use std::fmt;
use std::time::Duration;

use rand::Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;
use tokio::time::sleep;

use super::hold::{Leg, Message};
use super::host::Host;
use super::inbound::Fate;
use super::{Method, Network};
use crate::sim::EventKind;

/// The calling side of a connection to one server, as held by a node.
///
/// Cloning is cheap; clones are the same end. Several calls may be in flight
/// on one end at once, and their replies may arrive in any order. An end is
/// opaque: nothing about it says which server it reaches.
#[derive(Clone)]
pub struct ClientEnd {
    net: Network,
    id: usize,
}

/// A call that did not produce a reply: the request or the reply was lost,
/// the server was unreachable, crashed or restarted. As in the classic labs,
/// the handler may or may not have run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RpcError(Reason);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reason {
    Unreachable,
    RequestLost,
    ReplyLost,
    ServerGone,
    Refused,
    TestOver,
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Reason::Unreachable => "RPC failed: server unreachable",
            Reason::RequestLost => "RPC failed: request lost",
            Reason::ReplyLost => "RPC failed: reply lost",
            Reason::ServerGone => "RPC failed: server crashed, restarted or cut off",
            Reason::Refused => "RPC failed: the server cannot handle it",
            Reason::TestOver => "RPC failed: the test is over",
        })
    }
}

impl std::error::Error for RpcError {}

/// How often a caller checks whether the server it waits on is still there.
const DEAD_CHECK: Duration = Duration::from_millis(100);

impl ClientEnd {
    pub(crate) fn new(net: Network, id: usize) -> Self {
        ClientEnd { net, id }
    }

    /// Calls `method` on the server this end is connected to and waits for
    /// its reply or its failure. It always returns, unless the handler never
    /// does (and the server stays reachable).
    pub async fn call<A, R>(&self, method: Method<A, R>, args: &A) -> Result<R, RpcError>
    where
        A: Serialize,
        R: DeserializeOwned,
    {
        let request = postcard::to_allocvec(args).expect("RPC arguments always serialize");
        let (rpc, reply) = self.call_bytes(method.name(), request).await?;
        let decoded = postcard::from_bytes(&reply);
        self.net.state().contents.keep(rpc, Leg::Reply, reply);
        match decoded {
            Ok(reply) => Ok(reply),
            Err(e) => {
                self.fail_world(format!(
                    "the reply of {} does not decode: {e}",
                    method.name()
                ));
                Err(RpcError(Reason::Refused))
            }
        }
    }

    fn fail_world(&self, message: String) {
        if let Some(host) = self.net.host().upgrade() {
            host.fail(message);
        }
    }

    /// The emulator's per-request algorithm (see the module's fault table).
    async fn call_bytes(
        &self,
        method: &'static str,
        request: Vec<u8>,
    ) -> Result<(u64, Vec<u8>), RpcError> {
        let Some(host) = self.net.host().upgrade() else {
            return Err(RpcError(Reason::TestOver));
        };
        let (rpc, route, faults, caller, latency, stalled) = {
            let mut state = self.net.state();
            state.rpcs += 1;
            state.bytes += request.len() as u64;
            state.next_rpc += 1;
            let rpc = state.next_rpc;
            let route = state.route(self.id);
            let entry = &state.ends[self.id];
            let (caller, callee) = (
                entry.owner.clone(),
                entry.server.clone().unwrap_or_else(|| "".into()),
            );
            host.record(EventKind::Send {
                rpc,
                from: caller.clone(),
                to: callee.clone(),
                method,
                bytes: request.len(),
            });
            let latency = state.latency(&caller, &callee);
            let stalled = state.stall.sent(host.now(), &caller, method);
            (rpc, route, state.faults, caller, latency, stalled)
        };
        if let Some(message) = stalled {
            host.fail(message);
        }
        let mut rng = host.rng();
        let fail = |reason| {
            host.record(EventKind::Fail { rpc });
            Err(RpcError(reason))
        };

        let Some((server_name, server)) = route else {
            let ms = if faults.long_delays {
                rng.random_range(0..7000)
            } else {
                rng.random_range(0..100)
            };
            sleep(Duration::from_millis(ms)).await;
            return fail(Reason::Unreachable);
        };
        let is_dead = || self.net.state().is_dead(self.id, &server_name, &server);

        // The request's way to the server: the wire, then the unreliable
        // network's extra delay and loss, then any hold the test set.
        sleep(latency.draw(&mut rng)).await;
        if faults.unreliable {
            sleep(Duration::from_millis(rng.random_range(0..27))).await;
            if rng.random_range(0..1000) < 100 {
                host.record(EventKind::DropRequest { rpc });
                return Err(RpcError(Reason::RequestLost));
            }
        }
        if !self
            .held(
                &*host,
                rpc,
                Message {
                    leg: Leg::Request,
                    from: &caller,
                    to: &server_name,
                    method,
                    bytes: request.len(),
                },
            )
            .await
        {
            host.record(EventKind::DropRequest { rpc });
            return Err(RpcError(Reason::RequestLost));
        }
        // The server's own inbound faults: its queue, then its unreliability.
        let (wait, unreliable) = {
            let mut state = self.net.state();
            match state.inbound.get_mut(&server_name) {
                Some(inbound) => (inbound.queue(host.now()), inbound.unreliable),
                None => (Duration::ZERO, false),
            }
        };
        if !wait.is_zero() {
            sleep(wait).await;
        }
        let fate = if unreliable {
            Fate::of(rng.random_range(0..1000), rng.random_range(0..1000))
        } else {
            Fate::Served
        };
        if fate == Fate::RequestLost {
            host.record(EventKind::DropRequest { rpc });
            return Err(RpcError(Reason::RequestLost));
        }
        // Cut off or crashed while the request travelled: it never arrives.
        if is_dead() {
            return fail(Reason::ServerGone);
        }

        let handler = match server.dispatch(method) {
            Ok(handler) => handler,
            Err(what) => {
                host.fail(format!("RPC to server {server_name}: {what}"));
                return fail(Reason::Refused);
            }
        };
        let reply = match handler(&request) {
            Ok(reply) => reply,
            Err(what) => {
                host.fail(format!("RPC {method} to server {server_name}: {what}"));
                return fail(Reason::Refused);
            }
        };
        // Decoded: the bytes are the timeline's now.
        self.net.state().contents.keep(rpc, Leg::Request, request);
        host.record(EventKind::Deliver { rpc });
        if fate == Fate::ReplyLost {
            // The handler runs, but its reply goes nowhere and the caller
            // hears at once: a retry may race the original.
            server.node().spawn_handler(method, reply);
            host.record(EventKind::DropReply { rpc });
            return Err(RpcError(Reason::ReplyLost));
        }
        let (tx, mut rx) = oneshot::channel();
        server.node().spawn_handler(method, async move {
            let _ = tx.send(reply.await);
        });

        let reply = loop {
            tokio::select! {
                biased;
                reply = &mut rx => break reply,
                () = sleep(DEAD_CHECK) => if is_dead() {
                    return fail(Reason::ServerGone);
                },
            }
        };
        // An error here means the server crashed and its handler was aborted.
        let Ok(reply) = reply else {
            return fail(Reason::ServerGone);
        };

        // The reply's way back: the wire and any hold, then the checks that
        // keep a superseded server from ever answering with success.
        sleep(latency.draw(&mut rng)).await;
        if !self
            .held(
                &*host,
                rpc,
                Message {
                    leg: Leg::Reply,
                    from: &caller,
                    to: &server_name,
                    method,
                    bytes: reply.len(),
                },
            )
            .await
        {
            host.record(EventKind::DropReply { rpc });
            return Err(RpcError(Reason::ReplyLost));
        }
        if is_dead() {
            return fail(Reason::ServerGone);
        }
        if faults.unreliable && rng.random_range(0..1000) < 100 {
            host.record(EventKind::DropReply { rpc });
            return Err(RpcError(Reason::ReplyLost));
        }
        if faults.long_reordering && rng.random_range(0..900) < 600 {
            let spread = rng.random_range(0..2000);
            let ms = 200 + rng.random_range(0..=spread);
            sleep(Duration::from_millis(ms)).await;
        }
        {
            let mut state = self.net.state();
            state.bytes += reply.len() as u64;
            let answers = state.answers.entry(caller).or_default();
            answers.count += 1;
            answers.last = Some(server_name);
        }
        host.record(EventKind::Reply {
            rpc,
            bytes: reply.len(),
        });
        Ok((rpc, reply))
    }

    /// Waits while a hold rule holds this leg of the call; false if the test
    /// discarded it.
    async fn held(&self, host: &dyn Host, rpc: u64, message: Message<'_>) -> bool {
        let Some(release) = self.net.state().catch(&message) else {
            return true;
        };
        host.record(EventKind::Held { rpc });
        let deliver = release.await.unwrap_or(false);
        if deliver {
            host.record(EventKind::Released { rpc });
        }
        deliver
    }
}

/// Opaque, like the end itself: nothing about an end says which server it
/// reaches (a clerk's ends come shuffled, and must stay that way).
impl fmt::Debug for ClientEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientEnd { .. }")
    }
}
