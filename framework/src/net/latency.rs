//! How long a message takes on the wire.

use std::time::Duration;

use rand::Rng;

use crate::sim::WorldRng;

/// The time one message (a request, or a reply) spends on the wire: drawn
/// uniformly from `min..=max` for each message, from the world's
/// randomness. With `min < max`, two messages between the same pair of
/// servers can overtake each other, as on a real network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Latency {
    /// The shortest time on the wire.
    pub min: Duration,
    /// The longest time on the wire.
    pub max: Duration,
}

impl Latency {
    /// The default: 1 to 5 ms per message, a local network's order of
    /// magnitude. Every RPC takes time, so a loop that retries without
    /// sleeping still lets virtual time move, and operations of different
    /// clients overlap as they would on a real network.
    pub const DEFAULT: Latency =
        Latency::between(Duration::from_millis(1), Duration::from_millis(5));

    /// No time at all: every message arrives in the instant it was sent.
    pub const ZERO: Latency = Latency::between(Duration::ZERO, Duration::ZERO);

    /// A latency drawn from `min..=max` (they are swapped if `min > max`).
    pub const fn between(min: Duration, max: Duration) -> Latency {
        if min.as_nanos() > max.as_nanos() {
            Latency { min: max, max: min }
        } else {
            Latency { min, max }
        }
    }

    /// One message's time on the wire, to the microsecond.
    pub(crate) fn draw(&self, rng: &mut WorldRng) -> Duration {
        let (min, max) = (micros(self.min), micros(self.max));
        if min == max {
            return Duration::from_micros(min);
        }
        Duration::from_micros(rng.random_range(min..=max))
    }
}

impl Default for Latency {
    fn default() -> Self {
        Latency::DEFAULT
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
