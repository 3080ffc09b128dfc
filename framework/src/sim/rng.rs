use std::sync::{Arc, Mutex};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::sync::lock;

/// A handle to the world's one random number generator.
///
/// Every clone draws from the same ChaCha8 stream, seeded from the test's
/// seed, so the order of draws (which the deterministic scheduler fixes)
/// decides every value. It implements [`rand::RngCore`], so the whole
/// [`rand::Rng`] API works on it:
///
/// ```
/// use framework::sim::{RunSettings, run};
/// use rand::Rng;
///
/// run(&RunSettings::new(7), |world| async move {
///     let node = world.node("raft-0");
///     let timeout_ms = node.rng().random_range(300..600);
///     assert!((300..600).contains(&timeout_ms));
///     Ok(())
/// });
/// ```
#[derive(Clone)]
pub struct WorldRng(Arc<Mutex<ChaCha8Rng>>);

impl WorldRng {
    pub(crate) fn seeded(seed: u64) -> Self {
        WorldRng(Arc::new(Mutex::new(ChaCha8Rng::seed_from_u64(seed))))
    }

    fn with<T>(&self, f: impl FnOnce(&mut ChaCha8Rng) -> T) -> T {
        // A panic elsewhere while holding the lock cannot leave the generator
        // in a torn state, so a poisoned lock is still usable.
        let mut rng = lock(&self.0);
        f(&mut rng)
    }
}

impl RngCore for WorldRng {
    fn next_u32(&mut self) -> u32 {
        self.with(|r| r.next_u32())
    }

    fn next_u64(&mut self) -> u64 {
        self.with(|r| r.next_u64())
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.with(|r| r.fill_bytes(dst))
    }
}
