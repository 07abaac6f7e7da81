//! What the caller hands in besides the bundle: per-host identity facts from the graph
//! (as plain numbers, so this crate does not depend on the graph crate) and the rule that
//! says which findings are already remediated.
use std::collections::{BTreeSet, HashMap, HashSet};

use patchloop_model::{AssetId, FindingIdx, FindingSet, VulnId};

/// Which findings are remediated at `as_of` and so leave the queue (spec §3:
/// the queue holds every finding not remediated; deployed-but-unverified ones stay).
///
/// The closed-loop crate knows the real answer (verify_passed after deploy_succeeded, or
/// fixed_at), which `patchloop::Session` hands in as a [`FindingSet`]; alone,
/// [`ScannerStatus`] uses the scanner's `fixed` status. Implemented for closures
/// `Fn(&AssetId, &VulnId) -> bool`, for [`RemediatedSet`] and for [`FindingSet`].
pub trait Remediated: Sync {
    /// Whether the rule looks at the ids. When false, the hot path calls
    /// [`Remediated::is_remediated_by_status`] and skips fetching the ids, which is one
    /// random memory read per finding less.
    const USES_IDS: bool = true;

    /// Whether the rule answers by the finding's position in `Bundle::findings`
    /// ([`Remediated::is_remediated_at`]): a bit test instead of two hashed lookups.
    /// Takes precedence over [`Remediated::USES_IDS`].
    const USES_INDEX: bool = false;

    /// The answer for the finding at `index` in `Bundle::findings`, for rules with
    /// `USES_INDEX = true`; never called otherwise.
    fn is_remediated_at(&self, index: FindingIdx, scanner_fixed: bool) -> bool {
        let _ = index;
        scanner_fixed
    }

    /// Whether the finding on `asset` for `vuln` is remediated. `scanner_fixed` is the
    /// finding's `status == fixed`, for rules that want it.
    fn is_remediated(&self, asset: &AssetId, vuln: &VulnId, scanner_fixed: bool) -> bool;

    /// The answer from the scanner status alone, for rules with `USES_IDS = false`;
    /// never called otherwise.
    fn is_remediated_by_status(&self, scanner_fixed: bool) -> bool {
        scanner_fixed
    }
}

/// The default rule: a finding is remediated exactly when the scanner reports it fixed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScannerStatus;

impl Remediated for ScannerStatus {
    const USES_IDS: bool = false;

    #[inline]
    fn is_remediated(&self, _: &AssetId, _: &VulnId, scanner_fixed: bool) -> bool {
        scanner_fixed
    }
}

impl<F> Remediated for F
where
    F: Fn(&AssetId, &VulnId) -> bool + Sync,
{
    #[inline]
    fn is_remediated(&self, asset: &AssetId, vuln: &VulnId, _: bool) -> bool {
        self(asset, vuln)
    }
}

/// An explicit set of remediated (asset, vulnerability) pairs, looked up without cloning
/// ids. The scanner's status is ignored: the set is the whole answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemediatedSet {
    by_asset: HashMap<AssetId, HashSet<VulnId>>,
}

impl RemediatedSet {
    /// An empty set: nothing is remediated.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks one pair remediated.
    pub fn insert(&mut self, asset: AssetId, vuln: VulnId) {
        self.by_asset.entry(asset).or_default().insert(vuln);
    }

    /// Whether the pair is in the set.
    pub fn contains(&self, asset: &AssetId, vuln: &VulnId) -> bool {
        self.by_asset.get(asset).is_some_and(|v| v.contains(vuln))
    }
}

impl FromIterator<(AssetId, VulnId)> for RemediatedSet {
    fn from_iter<I: IntoIterator<Item = (AssetId, VulnId)>>(iter: I) -> Self {
        let mut s = RemediatedSet::new();
        for (a, v) in iter {
            s.insert(a, v);
        }
        s
    }
}

impl From<&BTreeSet<(AssetId, VulnId)>> for RemediatedSet {
    fn from(set: &BTreeSet<(AssetId, VulnId)>) -> Self {
        set.iter().cloned().collect()
    }
}

/// The closed loop's answer as a bit per finding of the bundle (the session's form).
impl Remediated for FindingSet {
    const USES_IDS: bool = false;
    const USES_INDEX: bool = true;

    /// Not called for this rule (`USES_INDEX`); answers with the scanner status.
    fn is_remediated(&self, _: &AssetId, _: &VulnId, scanner_fixed: bool) -> bool {
        scanner_fixed
    }

    #[inline]
    fn is_remediated_at(&self, index: FindingIdx, _: bool) -> bool {
        self.contains(index)
    }
}

/// Asks `rule` about one finding the way its flags say: by position, by ids, or by the
/// scanner status alone. Every caller in the crate goes through here.
#[inline]
pub(crate) fn decide<'a, R: Remediated>(
    rule: &R,
    ids: impl FnOnce() -> Option<(&'a AssetId, &'a VulnId)>,
    index: impl FnOnce() -> Option<FindingIdx>,
    scanner_fixed: bool,
) -> bool {
    if R::USES_INDEX {
        match index() {
            Some(i) => rule.is_remediated_at(i, scanner_fixed),
            None => scanner_fixed,
        }
    } else if R::USES_IDS {
        match ids() {
            Some((a, v)) => rule.is_remediated(a, v, scanner_fixed),
            None => scanner_fixed,
        }
    } else {
        rule.is_remediated_by_status(scanner_fixed)
    }
}

impl Remediated for RemediatedSet {
    #[inline]
    fn is_remediated(&self, asset: &AssetId, vuln: &VulnId, _: bool) -> bool {
        self.contains(asset, vuln)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(a: &str, v: &str) -> (AssetId, VulnId) {
        (AssetId::new(a).unwrap(), VulnId::new(v).unwrap())
    }

    #[test]
    fn rules_answer_as_documented() {
        let (a, v) = ids("web-01", "CVE-2024-1");
        assert!(ScannerStatus.is_remediated(&a, &v, true));
        assert!(!ScannerStatus.is_remediated(&a, &v, false));
        let set: RemediatedSet = [ids("web-01", "CVE-2024-1")].into_iter().collect();
        assert!(set.is_remediated(&a, &v, false));
        let (b, w) = ids("web-02", "CVE-2024-1");
        assert!(!set.is_remediated(&b, &w, true));
        let f = |x: &AssetId, _: &VulnId| x.as_str() == "web-02";
        assert!(f.is_remediated(&b, &w, false));
    }
}
