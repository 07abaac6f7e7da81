//! GitHub Actions secrets listings (`GET /orgs/{org}/actions/secrets`,
//! `GET /repos/{owner}/{repo}/actions/secrets`, and the single-secret responses):
//! `secrets[].{name, created_at, updated_at}`. GitHub never returns a value; any field
//! other than these (`visibility`, `selected_repositories_url`) is skipped unread.
//!
//! Each secret is one credential keyed by its name, scoped to the listing (the caller
//! gives the scope: the bundle loader uses the file stem, the organisation or
//! repository). An `updated_at` later than `created_at` is read as a rotation at
//! `updated_at`: GitHub sets it whenever the secret is written.
use std::io::Read;

use patchloop_model::{EvidenceFormat, EvidenceOrigin, Provider, ProviderCredential, Text};
use serde::Deserialize;

use super::json::{describe, read_all};
use super::{Errors, EvidenceError, provider_time, unusable};
use crate::Parsed;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Listing {
    total_count: Option<u64>,
    secrets: Option<Vec<Secret>>,
    // One secret's response: its fields at the top (not `flatten`ed, which would buffer
    // every other field).
    name: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Secret {
    name: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

/// Reads a secrets listing (or one secret) of `scope`; `github-actions-secrets` is the
/// format read.
pub fn read_github_secrets<R: Read>(
    reader: R,
    file: &str,
    scope: Option<&str>,
) -> Result<Parsed<Vec<ProviderCredential>, EvidenceError>, EvidenceError> {
    let bytes = read_all(reader, crate::limits().input_bytes).map_err(|m| unusable(file, m))?;
    let listing: Listing = serde_json::from_slice(&bytes).map_err(|e| {
        unusable(
            file,
            format!("not a GitHub Actions secrets listing: {}", describe(&e)),
        )
    })?;
    let (secrets, list) = match listing.secrets {
        Some(s) => (s, true),
        None if listing.name.is_some() => {
            let one = Secret {
                name: listing.name,
                created_at: listing.created_at,
                updated_at: listing.updated_at,
            };
            (vec![one], false)
        }
        None => {
            let what = if listing.total_count.is_some() {
                "no `secrets` array"
            } else {
                "no `secrets` or `name`"
            };
            return Err(unusable(
                file,
                format!("{what}: not a GitHub Actions secrets listing"),
            ));
        }
    };
    let origin_file = Text::from(file);
    let scope = scope
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Text::from);
    let mut errors = Errors::new(file);
    let mut out = Vec::new();
    for (i, s) in secrets.into_iter().enumerate() {
        let at = if list {
            format!("secrets[{i}]")
        } else {
            "the secret".to_string()
        };
        let Some(name) = s
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty() && !n.chars().any(char::is_control))
        else {
            errors.record(&at, "no usable `name`; skipped");
            continue;
        };
        let mut time = |field: &str, raw: &Option<String>| {
            let raw = raw.as_deref().unwrap_or_default();
            provider_time(raw).unwrap_or_else(|e| {
                errors.field(&at, field, raw, &format!("{e}; left empty"));
                None
            })
        };
        let created = time("created_at", &s.created_at);
        let updated = time("updated_at", &s.updated_at);
        let origin = EvidenceOrigin {
            file: origin_file.clone(),
            line: None,
            index: list.then_some(i as u64),
            format: EvidenceFormat::GithubActions,
        };
        let mut c = ProviderCredential::new(Provider::GithubActions, Text::from(name), origin);
        c.scope = scope.clone();
        c.created_at = created;
        if let (Some(u), Some(c0)) = (updated, created)
            && u > c0
        {
            c.rotations.push(u);
        }
        c.active = Some(true);
        out.push(c);
    }
    Ok(Parsed {
        value: out,
        errors: errors.finish(),
    })
}
