//! The search's memory of configurations already tried: a set of
//! (linearized operations, state) pairs, stored compactly.
//!
//! Each entry is a 16-byte slot in an open-addressing table (the pair's
//! 64-bit hash, the interned state id, the entry's number) plus the bitset's
//! words in one flat arena, so an entry costs `16 / load + 8 * words` bytes
//! and no allocation of its own. Entries are never removed: a configuration
//! that failed once fails again.

/// A slot of the open-addressing table; `state == EMPTY` marks a free slot.
#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    state: u32,
    entry: u32,
}

const EMPTY: u32 = u32::MAX;
const FREE: Slot = Slot {
    hash: 0,
    state: EMPTY,
    entry: 0,
};

/// The set of configurations seen by one partition's search.
pub(crate) struct Cache {
    slots: Vec<Slot>,
    len: usize,
    words: usize,
    arena: Vec<u64>,
}

impl Cache {
    /// An empty set for bitsets of `words` 64-bit words.
    pub(crate) fn new(words: usize) -> Self {
        Cache {
            slots: vec![FREE; 64],
            len: 0,
            words,
            arena: Vec::new(),
        }
    }

    /// Adds the configuration (`bits`, `state`) whose combined hash is
    /// `hash`; returns `false` if it was already there.
    #[inline]
    pub(crate) fn insert(&mut self, hash: u64, state: u32, bits: &[u64]) -> bool {
        debug_assert_eq!(bits.len(), self.words);
        let mask = self.slots.len() - 1;
        let mut i = (hash as usize) & mask;
        loop {
            let slot = self.slots[i];
            if slot.state == EMPTY {
                break;
            }
            if slot.hash == hash
                && slot.state == state
                && same_words(self.entry_bits(slot.entry), bits)
            {
                return false;
            }
            i = (i + 1) & mask;
        }
        let entry = u32::try_from(self.len).expect("fewer than 2^32 cache entries");
        self.slots[i] = Slot { hash, state, entry };
        self.arena.extend_from_slice(bits);
        self.len += 1;
        // Keep the table at most half full so probe runs stay short.
        if self.len * 2 > self.slots.len() {
            self.grow();
        }
        true
    }

    /// How many configurations are stored.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The heap bytes held, as allocated (capacity, not length).
    pub(crate) fn bytes(&self) -> usize {
        self.slots.capacity() * size_of::<Slot>() + self.arena.capacity() * size_of::<u64>()
    }

    #[inline]
    fn entry_bits(&self, entry: u32) -> &[u64] {
        let start = entry as usize * self.words;
        &self.arena[start..start + self.words]
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![FREE; size]);
        let mask = size - 1;
        for slot in old.into_iter().filter(|s| s.state != EMPTY) {
            let mut i = (slot.hash as usize) & mask;
            while self.slots[i].state != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
        }
    }
}

/// Word-by-word equality: bitsets are a few words long, where a call to
/// `memcmp` (what slice equality compiles to) costs more than the compare.
#[inline]
fn same_words(a: &[u64], b: &[u64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_it_stored_and_only_that() {
        let mut cache = Cache::new(2);
        assert!(cache.insert(7, 1, &[1, 2]));
        assert!(!cache.insert(7, 1, &[1, 2]));
        // Same hash, different state or bits: a different configuration.
        assert!(cache.insert(7, 2, &[1, 2]));
        assert!(cache.insert(7, 1, &[1, 3]));
        for i in 0..1000u64 {
            assert!(cache.insert(i * 31, 0, &[i, 0]));
        }
        for i in 0..1000u64 {
            assert!(!cache.insert(i * 31, 0, &[i, 0]));
        }
        assert_eq!(cache.len(), 1003);
    }
}
