//! Fixed, fast hashing for the search's tables: the same history gives the
//! same table layout on every run (the report must not depend on a random
//! seed), and hashing a small key costs a multiply.

use std::hash::{BuildHasherDefault, Hasher};

/// A multiply-rotate hasher in the style of rustc's Fx hash: not resistant
/// to adversarial keys (none here), deterministic, and cheap on integers.
#[derive(Clone, Copy, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8-byte chunk")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits depending on the low input bits
        // only, and tables index by low bits: a key `state << 32 | op` would
        // put every state of one operation in one bucket. Mixing fixes that.
        mix64(self.hash)
    }
}

/// A hasher builder with no random state.
pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

/// Scrambles a 64-bit value so that every input bit affects every output bit
/// (splitmix64's finaliser). Used for the per-operation keys of the bitset
/// hash and for state ids.
#[inline]
pub(crate) fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
