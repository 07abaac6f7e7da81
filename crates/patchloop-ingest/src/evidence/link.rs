//! Provider credentials put together: the same credential listed by several inputs is
//! merged into one, and each is matched to the rows of `identity/secrets.csv` it is
//! (docs/identity-evidence.md, "Matching"). A credential that matches no row is
//! returned in [`IdentityEvidence::unmatched`], never dropped.
use std::collections::{BTreeMap, HashMap};

use patchloop_model::{
    IdentityEvidence, IdentityName, Provider, ProviderCredential, Secret, SecretId, SecretKind,
    Text, Timestamp, UnmatchedCredential,
};

/// One credential per (provider, scope, key), sorted by that triple. Where several
/// inputs list it, the first by origin is kept and completed from the others: unknown
/// fields filled in, the earliest creation, the latest use and expiry, every rotation
/// and retired identifier.
pub fn merge_credentials(mut all: Vec<ProviderCredential>) -> Vec<ProviderCredential> {
    all.sort_by(|a, b| {
        (a.provider, &a.scope, &a.key, &a.origin).cmp(&(b.provider, &b.scope, &b.key, &b.origin))
    });
    let mut out: Vec<ProviderCredential> = Vec::with_capacity(all.len());
    for c in all {
        match out.last_mut() {
            Some(last)
                if (last.provider, &last.scope, &last.key) == (c.provider, &c.scope, &c.key) =>
            {
                absorb(last, c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn absorb(into: &mut ProviderCredential, c: ProviderCredential) {
    into.identity = into.identity.take().or(c.identity);
    into.kind = into.kind.or(c.kind);
    into.created_at = earliest(into.created_at, c.created_at);
    into.rotations.extend(c.rotations);
    into.rotations.sort();
    into.rotations.dedup();
    into.retired.extend(c.retired);
    into.retired.sort();
    into.retired.dedup();
    if c.last_used_at > into.last_used_at {
        into.last_used_at = c.last_used_at;
        into.last_used_service = c.last_used_service.or(into.last_used_service.take());
    }
    into.active = into.active.or(c.active);
    into.expires_at = into.expires_at.max(c.expires_at);
    into.ephemeral |= c.ephemeral;
}

/// The IAM user name in a user ARN (`arn:aws:iam::1:user/team/alice` → `alice`), and
/// the credential report's `<root_account>` for a root ARN.
fn user_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    if resource == "root" {
        return Some("<root_account>");
    }
    resource.strip_prefix("user/")?.rsplit('/').next()
}

/// Fills each credential's `matched` with the secrets it is, and `unmatched` with the
/// credentials that are none:
/// - any provider: a secret whose `external_id` is the credential's key (a GitHub
///   Actions secret's name compares case-insensitively, as GitHub does);
/// - a credential-report key slot (`aws_iam`): also a `cloud_access_key` secret (or one
///   of unknown kind) whose `identity` is the user's ARN or name — the report gives no
///   key id, so both slots of a user match the user's key secrets;
/// - an STS session (`aws_sts`): also a secret whose `identity` is the role's ARN.
///
/// Unmatched ephemeral sessions are counted per (provider, scope, identity) instead of
/// listed one by one.
pub fn link_credentials(evidence: &mut IdentityEvidence, secrets: &[Secret]) {
    let mut by_external: HashMap<&str, Vec<&SecretId>> = HashMap::new();
    let mut by_name_ci: HashMap<String, Vec<&SecretId>> = HashMap::new();
    let mut by_identity: HashMap<&str, Vec<(&SecretId, Option<SecretKind>)>> = HashMap::new();
    for s in secrets {
        if let Some(e) = &s.external_id {
            by_external.entry(e.as_str()).or_default().push(&s.id);
            by_name_ci
                .entry(e.to_ascii_lowercase())
                .or_default()
                .push(&s.id);
        }
        if let Some(i) = &s.identity {
            by_identity
                .entry(i.as_str())
                .or_default()
                .push((&s.id, s.kind));
        }
    }
    let mut unmatched = Vec::new();
    let mut sessions: BTreeMap<
        (Provider, Option<Text>, Option<IdentityName>),
        UnmatchedCredential,
    > = BTreeMap::new();
    for c in &mut evidence.credentials {
        let mut m: Vec<SecretId> = match c.provider {
            Provider::GithubActions => by_name_ci.get(&c.key.to_ascii_lowercase()),
            _ => by_external.get(c.key.as_str()),
        }
        .into_iter()
        .flatten()
        .map(|s| (*s).clone())
        .collect();
        let identity = c.identity.as_ref().map(IdentityName::as_str);
        let names: Vec<&str> = match c.provider {
            Provider::AwsIam => identity
                .into_iter()
                .chain(identity.and_then(user_name))
                .collect(),
            Provider::AwsSts => identity.into_iter().collect(),
            _ => Vec::new(),
        };
        for n in names {
            for (id, kind) in by_identity.get(n).into_iter().flatten() {
                let fits = c.provider == Provider::AwsSts
                    || matches!(kind, None | Some(SecretKind::CloudAccessKey));
                if fits {
                    m.push((*id).clone());
                }
            }
        }
        m.sort();
        m.dedup();
        c.matched = m;
        if !c.matched.is_empty() {
            continue;
        }
        if c.ephemeral {
            let group = (c.provider, c.scope.clone(), c.identity.clone());
            let entry = sessions
                .entry(group)
                .or_insert_with(|| UnmatchedCredential {
                    provider: c.provider,
                    key: c
                        .identity
                        .as_ref()
                        .map_or_else(|| Text::from("-"), |i| i.text().clone()),
                    scope: c.scope.clone(),
                    identity: c.identity.clone(),
                    ephemeral: true,
                    count: 0,
                    origin: c.origin.clone(),
                });
            entry.count += 1;
            if c.origin < entry.origin {
                entry.origin = c.origin.clone();
            }
        } else {
            unmatched.push(UnmatchedCredential {
                provider: c.provider,
                key: c.key.clone(),
                scope: c.scope.clone(),
                identity: c.identity.clone(),
                ephemeral: false,
                count: 1,
                origin: c.origin.clone(),
            });
        }
    }
    unmatched.extend(sessions.into_values());
    unmatched.sort_by(|a, b| (a.provider, &a.scope, &a.key).cmp(&(b.provider, &b.scope, &b.key)));
    evidence.unmatched = unmatched;
}

#[cfg(test)]
mod tests {
    use super::user_name;

    #[test]
    fn user_names_from_arns() {
        assert_eq!(user_name("arn:aws:iam::1:user/team/alice"), Some("alice"));
        assert_eq!(user_name("arn:aws:iam::1:user/bob"), Some("bob"));
        assert_eq!(user_name("arn:aws:iam::1:root"), Some("<root_account>"));
        assert_eq!(user_name("arn:aws:iam::1:role/r"), None);
        assert_eq!(user_name("bob"), None);
    }
}
