//! The network emulator: RPC-level, with the classic labs' fault model.
//!
//! Named client ends ([`ClientEnd`]) are connected, once, to named servers
//! ([`Server`]); a server hosts services ([`Service`]) whose methods are
//! typed on both sides by a shared [`Method`] descriptor. Arguments and
//! replies travel as serialized bytes, so nodes never share memory.
//!
//! The harness controls the network through [`Network`]: it enables and
//! disables ends, adds, replaces and deletes servers, sets the [`Faults`]
//! and the [`Latency`], holds chosen messages ([`Hold`]) and reads the
//! counters. What a call can meet, in order:
//!
//! | situation | what happens |
//! |---|---|
//! | end disabled, or no server (never added or deleted) | fails after U[0,7000) ms with long delays on, else U[0,100) ms |
//! | the wire | the request takes the link's latency (by default 1–5 ms, drawn per message), so messages between one pair can overtake each other |
//! | unreliable | a further 0–26 ms, then 10 % of requests are dropped (the handler never runs) |
//! | a hold rule matches | the request waits until the test releases it (or discards it: lost) |
//! | the server's queue | with an inbound delay set for the server, the request waits its turn in a serial queue, then the delay |
//! | arrival | a disabled end, or a server deleted or replaced meanwhile, fails the call |
//! | an unreliable server | 10 % of the requests that reach it are dropped; 20 % of the rest run with the reply lost, the caller told at once |
//! | handler running | every 100 ms the end and the server are checked: a disabled end, or a server deleted or replaced by a restart, fails the call |
//! | the wire back | the reply takes the link's latency too, and may be held like a request |
//! | handler returned | the same check again, so a superseded server never answers with success |
//! | unreliable | 10 % of replies are dropped (the handler did run) |
//! | long reordering | about 2/3 of replies arrive 200 ms to ~2.2 s late |
//!
//! Counters: the total RPC count and request bytes are taken at send time,
//! dropped calls included; reply bytes are added on delivery; each server
//! counts the requests that reached one of its handlers; each calling node
//! counts the replies delivered to it, and knows whose was last
//! ([`Network::answers`]). A network whose
//! virtual clock stands still while RPCs keep flowing fails its test
//! (see `stall`), since no timeout could ever end it.
//!
//! The latest requests and replies are kept, as the bytes they already
//! were, with a reader per method (see [`Contents`]), so that a failure's
//! timeline can show what each message said.
//!
//! The network knows nothing of the simulator above it: it reaches its
//! world only through the narrow [`Host`] handle (clock, randomness, trace,
//! failure).

mod contents;
mod end;
mod faults;
mod hold;
mod host;
mod inbound;
mod latency;
mod network;
mod server;
mod service;
mod stall;

pub use contents::{Contents, Index};
pub use end::{ClientEnd, RpcError};
pub use faults::Faults;
pub use hold::{Held, Hold, Leg};
pub use host::Host;
pub use latency::Latency;
pub use network::{Answers, Network};
pub use server::Server;
pub use service::{Method, Service};
