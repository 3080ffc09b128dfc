//! The running world's virtual clock, for code that has no `World` at hand
//! (log timestamps).

use std::cell::Cell;
use std::time::Duration;

use tokio::time::Instant;

use super::World;

thread_local! {
    /// When the world running on this thread began.
    static ORIGIN: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Marks `world` as running on this thread until the guard is dropped.
pub(crate) fn enter(world: &World) -> Guard {
    ORIGIN.with(|o| o.set(Some(Instant::now() - world.now())));
    Guard
}

/// Clears the running world when dropped.
pub(crate) struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        ORIGIN.with(|o| o.set(None));
    }
}

/// Virtual time since the world running on this thread began, if one is.
pub fn virtual_now() -> Option<Duration> {
    ORIGIN.with(Cell::get).map(|origin| Instant::now() - origin)
}
