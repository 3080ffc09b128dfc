//! What the network needs from the world it runs in, and nothing more: the
//! network knows no simulator, only this narrow handle.

use std::sync::Weak;
use std::time::Duration;

use crate::sim::{EventKind, WorldRng};

/// The world as the network sees it: a clock, the one source of chance, the
/// trace, and a way to fail the test. The simulated world implements it;
/// the network holds it weakly, so a network outliving its test does
/// nothing.
pub trait Host: Send + Sync {
    /// Virtual time since the world began.
    fn now(&self) -> Duration;
    /// The world's random number generator.
    fn rng(&self) -> WorldRng;
    /// Records an event at the current virtual time.
    fn record(&self, event: EventKind);
    /// Fails the test with this message.
    fn fail(&self, message: String);
}

/// A weak handle on the host, upgraded for the length of one decision.
pub(crate) type WeakHost = Weak<dyn Host>;
