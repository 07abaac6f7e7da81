//! The identity rules of spec §9 that more than one crate applies, written once: why a
//! flaw needs identity closure, the identity decision of a finding (review trigger),
//! ephemeral credentials, shared credentials and the identity SLA's days.
use std::collections::HashMap;

use crate::{Asset, CvssFacts, Exposure, Policy, Secret, SecretKind, Text};

crate::vocab!(
    /// Why identity closure applies to a finding (spec §5).
    ClosureBasis, "closure basis", "kev|confidentiality_high|assumed_no_vector|review_exposed" {
        /// The vulnerability is in KEV.
        Kev = "kev",
        /// Its confidentiality impact is High (v4 VC:H, v2 C:C).
        ConfidentialityHigh = "confidentiality_high",
        /// No vector is known and `assume_secret_exposure` is set.
        AssumedNoVector = "assumed_no_vector",
        /// An identity review of the finding concluded `exposed` (spec §9).
        ReviewExposed = "review_exposed",
    }
);

crate::vocab!(
    /// What a finding requires of the identities its host holds (spec §9).
    IdentityDecision, "identity decision", "closure_required|review_required|not_required" {
        /// The flaw could have exposed the host's secrets: every closure action.
        ClosureRequired = "closure_required",
        /// The flaw does not meet the exposure rule, but the host is internet-facing or
        /// has a privileged role: one `identity_reviewed` event decides.
        ReviewRequired = "review_required",
        /// Neither: no identity step.
        NotRequired = "not_required",
    }
);

/// Whether a flaw could have exposed secrets (spec §5), and why: KEV, then a High
/// confidentiality impact, then no vector under `assume_secret_exposure`. `cvss` is the
/// facts the loader parsed; a vector it could not parse counts as none.
pub fn closure_basis(policy: &Policy, kev: bool, cvss: Option<&CvssFacts>) -> Option<ClosureBasis> {
    if kev {
        return Some(ClosureBasis::Kev);
    }
    match cvss.map(|c| c.confidentiality_high) {
        Some(true) => Some(ClosureBasis::ConfidentialityHigh),
        Some(false) => None,
        None => policy
            .assume_secret_exposure
            .then_some(ClosureBasis::AssumedNoVector),
    }
}

/// Whether a host's flaws that do not meet the exposure rule still trigger an identity
/// review: internet-facing (after any exposure override), or a privileged role, or a
/// role the policy adds (`review_roles`).
pub fn triggers_review(policy: &Policy, asset: Option<&Asset>, exposure: Option<Exposure>) -> bool {
    let Some(a) = asset else {
        return exposure == Some(Exposure::Internet);
    };
    exposure.unwrap_or(a.exposure) == Exposure::Internet
        || a.is_privileged()
        || a.role.is_some_and(|r| policy.review_roles.contains(&r))
}

/// The identity decision of a finding (spec §9): `None` when its host stores no secret
/// (no identity step at all), else closure when the flaw meets the exposure rule, else a
/// review when the host triggers one, else not required.
pub fn identity_decision(
    stores_secrets: bool,
    basis: Option<ClosureBasis>,
    triggers_review: bool,
) -> Option<IdentityDecision> {
    if !stores_secrets {
        None
    } else if basis.is_some() {
        Some(IdentityDecision::ClosureRequired)
    } else if triggers_review {
        Some(IdentityDecision::ReviewRequired)
    } else {
        Some(IdentityDecision::NotRequired)
    }
}

/// The token lifetime of an ephemeral credential (zero standing privilege, spec §9), or
/// `None` when it is long-lived. Ephemeral: `max_ttl` at most `ephemeral_max_ttl`, or an
/// `ephemeral_token` with no `max_ttl` (then the policy's limit is its lifetime). A
/// `workload_identity` with no known `max_ttl`, and any credential whose `max_ttl` is
/// above the limit, is long-lived.
pub fn ephemeral_ttl(secret: &Secret, policy: &Policy) -> Option<u32> {
    let limit = policy.ephemeral_max_ttl;
    match (secret.max_ttl, secret.kind) {
        (Some(t), _) => (t <= limit).then_some(t),
        (None, Some(SecretKind::EphemeralToken)) => Some(limit),
        (None, _) => None,
    }
}

/// A credential that claims short lifetimes but is over the limit (its `max_ttl` above
/// `ephemeral_max_ttl`): treated as long-lived, and NHI7 flags it whatever its age.
pub fn over_ttl_limit(secret: &Secret, policy: &Policy) -> bool {
    secret.max_ttl.is_some_and(|t| t > policy.ephemeral_max_ttl)
}

/// Days from the anchoring patch to the identity due date (spec §9): the urgent count
/// for a finding decided `immediate` or in KEV, else `identity_days`.
pub fn identity_days(policy: &Policy, urgent: bool) -> u32 {
    if urgent {
        policy.identity_days_urgent
    } else {
        policy.identity_days
    }
}

/// Shared credentials (spec §9): rows with the same fingerprint, or the same identity and
/// external_id, are one credential. Returns, for each of `secrets` (by position), the
/// position of its credential's first member, so members share one number.
pub fn credential_groups(secrets: &[&Secret]) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..secrets.len() as u32).collect();
    fn root(p: &mut [u32], mut i: u32) -> u32 {
        while let Some(&up) = p.get(i as usize) {
            if up == i {
                break;
            }
            // Path halving keeps the walk short without recursion.
            let grand = p.get(up as usize).copied().unwrap_or(up);
            if let Some(slot) = p.get_mut(i as usize) {
                *slot = grand;
            }
            i = up;
        }
        i
    }
    let mut by_fp: HashMap<&Text, u32> = HashMap::new();
    let mut by_ext: HashMap<(&str, &Text), u32> = HashMap::new();
    for (i, s) in secrets.iter().enumerate() {
        let i = i as u32;
        let mut join = |first: u32| {
            let (a, b) = (root(&mut parent, first), root(&mut parent, i));
            // The smaller position is the root, so the result is independent of order.
            let (lo, hi) = (a.min(b), a.max(b));
            if let Some(slot) = parent.get_mut(hi as usize) {
                *slot = lo;
            }
        };
        if let Some(fp) = &s.fingerprint {
            join(*by_fp.entry(fp).or_insert(i));
        }
        if let (Some(id), Some(ext)) = (&s.identity, &s.external_id) {
            join(*by_ext.entry((id.as_str(), ext)).or_insert(i));
        }
    }
    (0..secrets.len() as u32)
        .map(|i| root(&mut parent, i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AssetId, IdentityName, SecretId};

    fn secret(id: &str, host: &str) -> Secret {
        Secret::new(SecretId::new(id).unwrap(), AssetId::new(host).unwrap())
    }

    #[test]
    fn one_credential_by_fingerprint_or_identity_and_external_id() {
        let mut a = secret("a", "h1");
        a.fingerprint = Some(Text::from("fp"));
        let mut b = secret("b", "h2");
        b.fingerprint = Some(Text::from("fp"));
        b.identity = Some(IdentityName::new("svc").unwrap());
        b.external_id = Some(Text::from("k1"));
        let mut c = secret("c", "h3");
        c.identity = Some(IdentityName::new("svc").unwrap());
        c.external_id = Some(Text::from("k1"));
        // Same external_id, another identity: another credential.
        let mut d = secret("d", "h4");
        d.identity = Some(IdentityName::new("other").unwrap());
        d.external_id = Some(Text::from("k1"));
        let all = [&a, &b, &c, &d];
        assert_eq!(credential_groups(&all), vec![0, 0, 0, 3]);
        let rev = [&d, &c, &b, &a];
        assert_eq!(credential_groups(&rev), vec![0, 1, 1, 1]);
    }

    #[test]
    fn ephemeral_by_kind_and_lifetime() {
        let p = Policy::default();
        let mut s = secret("s", "h");
        s.kind = Some(SecretKind::WorkloadIdentity);
        assert_eq!(ephemeral_ttl(&s, &p), None, "no known lifetime: long-lived");
        s.max_ttl = Some(900);
        assert_eq!(ephemeral_ttl(&s, &p), Some(900));
        s.max_ttl = Some(43_200);
        assert_eq!(ephemeral_ttl(&s, &p), None);
        assert!(over_ttl_limit(&s, &p));
        s.kind = Some(SecretKind::EphemeralToken);
        s.max_ttl = None;
        assert_eq!(ephemeral_ttl(&s, &p), Some(3600));
        s.kind = Some(SecretKind::ApiKey);
        s.max_ttl = Some(600);
        assert_eq!(ephemeral_ttl(&s, &p), Some(600));
    }

    #[test]
    fn decision_needs_a_secret_then_the_flaw_then_the_host() {
        use IdentityDecision::*;
        assert_eq!(
            identity_decision(false, Some(ClosureBasis::Kev), true),
            None
        );
        assert_eq!(
            identity_decision(true, Some(ClosureBasis::Kev), false),
            Some(ClosureRequired)
        );
        assert_eq!(identity_decision(true, None, true), Some(ReviewRequired));
        assert_eq!(identity_decision(true, None, false), Some(NotRequired));
    }
}
