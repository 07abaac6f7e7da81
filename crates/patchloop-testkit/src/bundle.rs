//! A fluent builder of whole bundles.
use patchloop_model::{
    AccessEdge, Asset, Bundle, CvssFacts, Event, Exception, Finding, KevEntry, Policy, Privilege,
    Resource, Secret, merge_findings,
};

use crate::{grant, set_epss, set_kev, t, vid};

/// Assembles a [`Bundle`] record by record. [`build`](BundleBuilder::build) gives it as
/// the loader would: assets, secrets and resources sorted by id, findings merged per
/// (asset, vulnerability) and sorted, events in (time, line) order; exceptions, access
/// grants and discovery keep the order given. Every method takes a builder of the kit or
/// the record itself.
#[derive(Debug, Clone, Default)]
pub struct BundleBuilder(Bundle);

impl BundleBuilder {
    /// An empty bundle with the default policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an asset.
    pub fn asset(mut self, a: impl Into<Asset>) -> Self {
        self.0.assets.push(a.into());
        self
    }

    /// Adds assets.
    pub fn assets(mut self, xs: impl IntoIterator<Item = impl Into<Asset>>) -> Self {
        self.0.assets.extend(xs.into_iter().map(Into::into));
        self
    }

    /// Adds a finding row (rows of the same pair are merged on build).
    pub fn finding(mut self, f: impl Into<Finding>) -> Self {
        self.0.findings.push(f.into());
        self
    }

    /// Adds finding rows.
    pub fn findings(mut self, xs: impl IntoIterator<Item = impl Into<Finding>>) -> Self {
        self.0.findings.extend(xs.into_iter().map(Into::into));
        self
    }

    /// Adds an event.
    pub fn event(mut self, e: impl Into<Event>) -> Self {
        self.0.events.push(e.into());
        self
    }

    /// Adds events.
    pub fn events(mut self, xs: impl IntoIterator<Item = impl Into<Event>>) -> Self {
        self.0.events.extend(xs.into_iter().map(Into::into));
        self
    }

    /// Adds an exception.
    pub fn exception(mut self, x: impl Into<Exception>) -> Self {
        self.0.exceptions.push(x.into());
        self
    }

    /// Adds a secret.
    pub fn secret(mut self, s: impl Into<Secret>) -> Self {
        self.0.secrets.push(s.into());
        self
    }

    /// Adds secrets.
    pub fn secrets(mut self, xs: impl IntoIterator<Item = impl Into<Secret>>) -> Self {
        self.0.secrets.extend(xs.into_iter().map(Into::into));
        self
    }

    /// Adds an access grant ([`grant`]).
    pub fn grant(mut self, principal: &str, resource: &str, p: Privilege) -> Self {
        self.0.access.push(grant(principal, resource, p));
        self
    }

    /// Adds access grants.
    pub fn access(mut self, xs: impl IntoIterator<Item = AccessEdge>) -> Self {
        self.0.access.extend(xs);
        self
    }

    /// Adds a resource.
    pub fn resource(mut self, r: impl Into<Resource>) -> Self {
        self.0.resources.push(r.into());
        self
    }

    /// Adds resources.
    pub fn resources(mut self, xs: impl IntoIterator<Item = impl Into<Resource>>) -> Self {
        self.0.resources.extend(xs.into_iter().map(Into::into));
        self
    }

    /// Adds (or replaces) a KEV entry.
    pub fn kev(mut self, e: impl Into<KevEntry>) -> Self {
        set_kev(&mut self.0, e);
        self
    }

    /// Sets a vulnerability's EPSS probability.
    pub fn epss(mut self, vuln: &str, p: f64) -> Self {
        set_epss(&mut self.0, vuln, p);
        self
    }

    /// Sets a vulnerability's CVSS facts.
    pub fn cvss(mut self, vuln: &str, f: impl Into<CvssFacts>) -> Self {
        self.0.cvss.insert(vid(vuln), f.into());
        self
    }

    /// Sets `as_of`, as `patchloop.toml` would.
    pub fn as_of(mut self, at: &str) -> Self {
        self.0.as_of = Some(t(at));
        self
    }

    /// Sets the policy.
    pub fn policy(mut self, p: Policy) -> Self {
        self.0.policy = p;
        self
    }

    /// The bundle, sorted and merged as the loader gives it.
    pub fn build(self) -> Bundle {
        let mut b = self.0;
        b.assets.sort_by(|x, y| x.id.cmp(&y.id));
        b.secrets.sort_by(|x, y| x.id.cmp(&y.id));
        b.resources.sort_by(|x, y| x.id.cmp(&y.id));
        b.findings = merge_findings(std::mem::take(&mut b.findings));
        b.events.sort_by_key(|e| (e.at, e.line));
        b
    }
}

impl From<Bundle> for BundleBuilder {
    /// Continues from an existing bundle.
    fn from(b: Bundle) -> Self {
        BundleBuilder(b)
    }
}

impl From<BundleBuilder> for Bundle {
    fn from(b: BundleBuilder) -> Bundle {
        b.build()
    }
}

#[cfg(test)]
mod tests {
    use patchloop_model::{EventKind, FindingStatus};

    use crate::{BundleBuilder, aid, asset, event, finding, secret};

    #[test]
    fn build_sorts_and_merges_as_the_loader_does() {
        let b = BundleBuilder::new()
            .asset(asset("b"))
            .asset(asset("a"))
            .secret(secret("s2", "a"))
            .secret(secret("s1", "b"))
            .finding(finding("b", "CVE-2026-0002", "2026-02-01").fixed("2026-03-01"))
            .finding(finding("a", "CVE-2026-0001", "2026-01-05"))
            .finding(finding("a", "CVE-2026-0001", "2026-01-02"))
            .event(event(EventKind::DeploySucceeded, "2026-01-03").line(3))
            .event(event(EventKind::DeploySucceeded, "2026-01-03").line(2))
            .event(event(EventKind::DeployFailed, "2026-01-01").line(9))
            .build();
        let ids: Vec<&str> = b.assets.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        let ids: Vec<&str> = b.secrets.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["s1", "s2"]);
        assert_eq!(b.findings.len(), 2);
        assert_eq!(b.findings[0].asset_id, aid("a"));
        assert_eq!(b.findings[0].first_seen, crate::t("2026-01-02"));
        assert_eq!(b.findings[1].status, FindingStatus::Fixed);
        let lines: Vec<u64> = b.events.iter().map(|e| e.line).collect();
        assert_eq!(lines, [9, 2, 3]);
        // A failure the test gave no reason gets one, as the loader requires.
        assert!(b.events[0].reason.is_some());
        assert!(b.events[1].reason.is_none());
    }
}
