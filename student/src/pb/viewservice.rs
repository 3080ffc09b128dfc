//! The view service: the rules of `views.rs` behind a lock, on the world's
//! virtual clock.
//!
//! The harness carries the `Ping` and `Get` RPCs to it and calls `tick`
//! every ping interval, so all it does is answer: no tasks, no RPCs of its
//! own.

use std::sync::{Mutex, MutexGuard};

use framework::labs::pb::{View, ViewService};
use tokio::time::Instant;

use super::views::Views;

/// The reference view service.
pub struct ViewServer {
    /// The current view and what the pings said; every call takes the lock
    /// for its whole (short, synchronous) run.
    views: Mutex<Views>,
}

impl ViewServer {
    /// Locks the service's state.
    fn lock(&self) -> MutexGuard<'_, Views> {
        self.views
            .lock()
            .expect("a call panicked while holding the view service's lock")
    }
}

impl ViewService for ViewServer {
    fn make() -> ViewServer {
        ViewServer {
            views: Mutex::new(Views::new()),
        }
    }

    fn ping(&self, me: &str, viewnum: u64) -> View {
        self.lock().ping(me, viewnum, Instant::now())
    }

    fn get(&self) -> View {
        self.lock().view().clone()
    }

    fn tick(&self) {
        self.lock().tick(Instant::now());
    }
}
