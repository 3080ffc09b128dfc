//! The network emulator: RPC-level, with the classic labs' fault model.
//!
//! Named client ends ([`ClientEnd`]) are connected, once, to named servers
//! ([`Server`]); a server hosts services ([`Service`]) whose methods are
//! typed on both sides by a shared [`Method`] descriptor. Arguments and
//! replies travel as serialized bytes, so nodes never share memory.
//!
//! The harness controls the network through [`Network`]: it enables and
//! disables ends, adds, replaces and deletes servers, sets the [`Faults`],
//! and reads the counters. What a call can meet, per request:
//!
//! | situation | what happens |
//! |---|---|
//! | end disabled, or no server (never added or deleted) | fails after U[0,7000) ms with long delays on, else U[0,100) ms |
//! | unreliable | a 0–26 ms delay, then 10 % of requests are dropped (the handler never runs) |
//! | handler running | every 100 ms the end and the server are checked: a disabled end, or a server deleted or replaced by a restart, fails the call |
//! | handler returned | the same check again, so a superseded server never answers with success |
//! | unreliable | 10 % of replies are dropped (the handler did run) |
//! | long reordering | about 2/3 of replies arrive 200 ms to ~2.2 s late |
//!
//! Counters: the total RPC count and request bytes are taken at send time,
//! dropped calls included; reply bytes are added on delivery; each server
//! counts the requests that reached one of its handlers.

mod end;
mod faults;
mod network;
mod server;
mod service;

pub use end::{ClientEnd, RpcError};
pub use faults::Faults;
pub use network::Network;
pub use server::Server;
pub use service::{Method, Service};
