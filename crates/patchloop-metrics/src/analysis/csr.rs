//! A grouping of items by a dense key in one flat array (compressed sparse rows): how the
//! events of millions of findings are stored without one vector per finding.
use std::ops::Range;

use rayon::prelude::*;

/// Items grouped by a dense key: `items[offsets[g]..offsets[g + 1]]` is group `g`.
#[derive(Debug, Default)]
pub(crate) struct Csr {
    offsets: Vec<u32>,
    pub(super) items: Vec<u32>,
}

impl Csr {
    /// Groups `order` (already in the wanted in-group order) by `key`, dropping `None`s.
    /// A sort of (group, position) pairs rather than a counting scatter: millions of
    /// random increments into a per-finding array cost more than sorting the pairs.
    pub(super) fn build(
        groups: usize,
        order: &[u32],
        key: impl Fn(u32) -> Option<u32> + Sync,
    ) -> Csr {
        let mut pairs: Vec<u64> = order
            .par_iter()
            .enumerate()
            .filter_map(|(pos, &i)| key(i).map(|g| (u64::from(g) << 32) | pos as u64))
            .collect();
        pairs.par_sort_unstable();
        let items: Vec<u32> = pairs
            .iter()
            .filter_map(|p| order.get((p & 0xffff_ffff) as usize).copied())
            .collect();
        let mut offsets = Vec::with_capacity(groups + 1);
        let mut k = 0usize;
        for g in 0..groups as u64 {
            offsets.push(k as u32);
            while pairs.get(k).is_some_and(|p| p >> 32 == g) {
                k += 1;
            }
        }
        offsets.push(k as u32);
        Csr { offsets, items }
    }

    /// The positions in `items` of group `g` (empty when out of range).
    pub(crate) fn range(&self, g: usize) -> Range<usize> {
        match (self.offsets.get(g), self.offsets.get(g + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// The items of group `g` (empty when out of range).
    pub(crate) fn group(&self, g: usize) -> &[u32] {
        match (self.offsets.get(g), self.offsets.get(g + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}
