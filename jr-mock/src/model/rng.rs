//! A small deterministic random source (SplitMix64) for retry delays and
//! delivery identifiers, so a seeded fake replays the same run.

use std::hash::{BuildHasher, Hasher};

/// SplitMix64: tiny, fast, good enough for jitter and identifiers.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator from `seed`, or from the process's random hasher keys when `None`.
    pub fn new(seed: Option<u64>) -> Self {
        let state = seed.unwrap_or_else(|| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(0x006a_722d_6d6f_636b);
            h.finish()
        });
        Self { state }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `lo..=hi` (returns `lo` when `hi < lo`).
    pub fn in_range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        let span = hi - lo;
        if span == u64::MAX {
            return self.next_u64();
        }
        lo + self.next_u64() % (span + 1)
    }

    /// A random version-4 UUID in its usual lower-case text form.
    pub fn uuid(&mut self) -> String {
        let hi = (self.next_u64() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
        let lo = (self.next_u64() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xFFFF,
            hi & 0xFFFF,
            lo >> 48,
            lo & 0xFFFF_FFFF_FFFF
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_generators_repeat_and_stay_in_range() {
        let (mut a, mut b) = (Rng::new(Some(7)), Rng::new(Some(7)));
        for _ in 0..100 {
            let x = a.in_range(300_000, 900_000);
            assert_eq!(x, b.in_range(300_000, 900_000));
            assert!((300_000..=900_000).contains(&x));
        }
    }

    #[test]
    fn uuids_have_the_v4_shape() {
        let id = Rng::new(Some(1)).uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_eq!(id.matches('-').count(), 4);
    }
}
