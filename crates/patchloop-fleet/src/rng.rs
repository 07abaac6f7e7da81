//! The generator's randomness: a hand-written splitmix64 stream per (seed, purpose,
//! position), a stable string hash, and the stream purposes. [`Rng`] is public: it is
//! the workspace's one generator (tests, examples and benches draw from it too).

/// splitmix64: tiny, fast and well distributed; enough for synthetic data, and
/// hand-written so the bytes cannot change under a dependency upgrade.
///
/// The workspace's one random number generator: the fleet generator draws from one
/// stream per (seed, purpose, position) ([`Rng::stream`]); tests, examples and benches
/// draw from a plain seeded stream ([`Rng::new`]). Every draw is a pure function of the
/// seed and the draws before it.
///
/// ```
/// use patchloop_fleet::Rng;
///
/// let mut a = Rng::new(7);
/// let mut b = Rng::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The stream whose state starts at `seed`: its first draw is splitmix64's output
    /// for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The generator's stream for (`seed`, `purpose`, `position`): the three are mixed
    /// into one state and the first output is discarded, so neighbouring positions and
    /// purposes do not start correlated. `patchloop gen` output depends on this exact
    /// mixing; changing it changes every generated bundle.
    pub fn stream(seed: u64, purpose: u64, position: u64) -> Self {
        let mut r = Rng(seed
            ^ purpose.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ position.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n) (multiply-shift, one draw); 0 when n is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in [lo, hi); lo when the range is empty.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo) as u64) as i64
        }
    }

    /// True with probability `p` (one draw: `unit() < p`).
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index drawn with the given weights (0 when they are all zero).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut x = self.below(total.max(1));
        for (i, w) in weights.iter().enumerate() {
            if x < u64::from(*w) {
                return i;
            }
            x -= u64::from(*w);
        }
        0
    }

    /// One of `xs`, drawn with the weights beside it.
    pub fn choose<T: Copy>(&mut self, xs: &[(T, u32)]) -> Option<T> {
        let total: u64 = xs.iter().map(|x| u64::from(x.1)).sum();
        let mut at = self.below(total.max(1));
        for x in xs {
            if at < u64::from(x.1) {
                return Some(x.0);
            }
            at -= u64::from(x.1);
        }
        xs.first().map(|x| x.0)
    }

    /// One element of `xs`, uniformly; `None` when it is empty.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> Option<&'a T> {
        xs.get(self.below(xs.len() as u64) as usize)
    }

    /// Shuffles `xs` in place (Fisher–Yates, from the end).
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            xs.swap(i, j);
        }
    }
}

/// A stable hash of a string, so a CVE's vector and package do not depend on the seed.
pub(crate) fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Stream purposes: each kind of draw has its own stream, so adding a draw of one kind
/// does not shift every other.
pub(crate) mod purpose {
    pub(crate) const ASSET: u64 = 1;
    pub(crate) const DISCOVERY: u64 = 2;
    pub(crate) const SHADOW: u64 = 3;
    pub(crate) const RESOURCE: u64 = 4;
    pub(crate) const SECRET: u64 = 5;
    pub(crate) const IDENTITY: u64 = 6;
    pub(crate) const DIRECT: u64 = 7;
    pub(crate) const HOST: u64 = 8;
    /// The dates of a host's scan reports (`--scans-per-host`).
    pub(crate) const SCANS: u64 = 9;
    /// The presentations of `--usage`, one stream for the whole file.
    pub(crate) const USAGE: u64 = 10;
    /// One secret's consumers under `--usage`, a stream per secret.
    pub(crate) const USAGE_PROFILE: u64 = 11;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_uniform_enough() {
        let mut r = Rng::stream(1, 2, 3);
        let mut buckets = [0u32; 10];
        for _ in 0..10_000 {
            buckets[r.below(10) as usize] += 1;
        }
        assert!(
            buckets.iter().all(|b| (800..1200).contains(b)),
            "{buckets:?}"
        );
    }
}
