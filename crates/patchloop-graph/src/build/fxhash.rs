//! The fast id-joining hash map the build uses: a hand-written Fx hasher, since the
//! crate takes no hashing dependency.

use std::collections::HashMap;

/// A fast non-cryptographic hasher (the Fx multiply-rotate scheme) for joining ids during
/// the build. Map iteration order never reaches any output, and the keys are the
/// estate's own ids, so flooding resistance buys nothing here while SipHash costs a
/// third of the build.
#[derive(Default, Clone, Copy)]
pub(super) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w.get_mut(..rest.len())
                .map(|d| d.copy_from_slice(rest))
                .unwrap_or_default();
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, b: u8) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }

    fn finish(&self) -> u64 {
        // A multiply only carries entropy upwards, and the table indexes by the low
        // bits: without this finaliser (murmur3's fmix64) ids that differ only in their
        // last digits all land in one bucket.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// A hash map keyed through [`FxHasher`].
pub(super) type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

/// An empty [`FxMap`] with room for `capacity` entries.
pub(super) fn fx_map<K, V>(capacity: usize) -> FxMap<K, V> {
    FxMap::with_capacity_and_hasher(capacity, Default::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fx_hasher_spreads_ids_that_differ_only_at_the_end() {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let b = BuildHasherDefault::<FxHasher>::default();
        let mut low: Vec<u64> = (0..1000)
            .map(|i| b.hash_one(format!("h{i:06}").as_str()) & 0x3ff)
            .collect();
        low.sort_unstable();
        low.dedup();
        // 1000 keys into 1024 buckets: a good hash fills well over half of them.
        assert!(low.len() > 550, "{} distinct low bits", low.len());
    }
}
