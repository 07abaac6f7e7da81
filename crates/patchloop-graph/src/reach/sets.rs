//! Component sets as the index stores them: bitsets (one bit per component) and sorted,
//! duplicate-free lists of component or resource numbers.

/// Whether bit `i` is set.
pub(super) fn bit(bits: &[u64], i: u32) -> bool {
    bits.get((i / 64) as usize)
        .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
}

/// Sets bit `i`.
pub(super) fn set_bit(bits: &mut [u64], i: u32) {
    if let Some(w) = bits.get_mut((i / 64) as usize) {
        *w |= 1u64 << (i % 64);
    }
}

/// Calls `f` for every set bit.
pub(super) fn for_each_bit(bits: &[u64], mut f: impl FnMut(u32)) {
    for (wi, &w) in bits.iter().enumerate() {
        let mut w = w;
        while w != 0 {
            let b = w.trailing_zeros();
            f((wi as u32) * 64 + b);
            w &= w - 1;
        }
    }
}

/// Merges two sorted, disjoint lists.
pub(super) fn merge_sorted(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        if x <= y {
            out.push(x);
            i += 1;
            if x == y {
                j += 1;
            }
        } else {
            out.push(y);
            j += 1;
        }
    }
    out.extend_from_slice(a.get(i..).unwrap_or_default());
    out.extend_from_slice(b.get(j..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sorted_dedups_equal_heads() {
        assert_eq!(merge_sorted(&[1, 3, 5], &[2, 3, 6]), vec![1, 2, 3, 5, 6]);
        assert_eq!(merge_sorted(&[], &[4]), vec![4]);
    }
}
