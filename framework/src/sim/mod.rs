//! The deterministic world every test runs in.
//!
//! A test runs on its own single-threaded tokio runtime whose clock is paused:
//! time moves only when every task is waiting, and then jumps straight to the
//! next timer. All chance comes from one seeded generator ([`World::rng`]), so
//! a seed fixes everything that happens: which RPCs are dropped, which election
//! timer fires first, which server the harness crashes. The ordered events of
//! the network are folded into a trace hash that identifies the run.
//!
//! Student code reaches the world through its [`Node`]: tasks spawned there
//! belong to the node and die with it, and its RNG is the world's. Inside a
//! node's task, [`spawn`] and [`current_node`] find the node without it
//! being passed down.

mod clock;
mod cpu;
mod failure;
mod node;
mod rng;
mod run;
mod stuck;
mod trace;
mod world;

pub use clock::virtual_now;
pub use cpu::cpu_time;
pub use failure::Failure;
pub use node::{Node, NodeId, current_node, spawn};
pub use rng::WorldRng;
pub use run::{RunOutcome, RunSettings, run};
pub use stuck::{STUCK_AFTER, on_stuck};
pub use trace::{Event, EventKind, Trace};
pub use world::World;

/// Virtual time, re-exported so that student code never reaches for
/// `std::time`: these follow the world's paused clock.
pub mod time {
    pub use tokio::time::{
        Duration, Instant, Interval, MissedTickBehavior, interval, sleep, timeout,
    };
}
