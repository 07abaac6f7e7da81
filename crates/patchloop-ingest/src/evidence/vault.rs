//! Vault / OpenBao KV v2 metadata: the rotation history of one secret path.
//!
//! Read: the `GET /<mount>/metadata/<path>` response (`bao`/`vault kv metadata get
//! -format=json` wraps the same `data` in an envelope whose other fields are ignored):
//! `data.created_time`, `data.current_version` and `data.versions`, a map from version
//! number to `{created_time, deletion_time, destroyed}`. Every version after the first
//! was a rotation at its `created_time`; a version that is not current was retired
//! (replaced at the next version's `created_time`, or deleted at its `deletion_time`,
//! or destroyed). `custom_metadata` is not read.
//!
//! Also read: one version's response (`GET /<mount>/data/<path>`), whose
//! `data.metadata.{version, created_time, deletion_time, destroyed}` says the version now
//! current and when it was written. Its `data.data` **is the secret** and is never read:
//! it is not a field of any type here, so serde skips it unread.
//!
//! The response does not name the path; the caller gives it (the bundle loader uses the
//! file's path under `identity/vault/`, without `.json`).
use std::collections::BTreeMap;
use std::io::Read;

use patchloop_model::{
    EvidenceFormat, EvidenceOrigin, Provider, ProviderCredential, RetiredId, Retirement, Text,
    Timestamp,
};
use serde::Deserialize;

use super::json::{describe, read_all};
use super::{Errors, EvidenceError, provider_time, unusable};
use crate::Parsed;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Envelope {
    data: Option<Data>,
}

/// `data` of a metadata response, or of a version response (whose own `data` field,
/// the secret, is deliberately absent here).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Data {
    created_time: Option<String>,
    current_version: Option<u64>,
    versions: Option<BTreeMap<String, Version>>,
    metadata: Option<Version>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Version {
    created_time: Option<String>,
    deletion_time: Option<String>,
    destroyed: Option<bool>,
    version: Option<u64>,
}

/// One version, read.
struct Read1 {
    n: u64,
    created: Option<Timestamp>,
    deleted: Option<Timestamp>,
    destroyed: bool,
}

/// Reads one KV v2 metadata (or version) response about the secret at `path`.
/// `vault-kv-metadata` or `vault-kv-version` is the format read.
pub fn read_vault<R: Read>(
    reader: R,
    file: &str,
    path: &str,
) -> Result<Parsed<(ProviderCredential, &'static str), EvidenceError>, EvidenceError> {
    let bytes = read_all(reader, crate::limits().input_bytes).map_err(|m| unusable(file, m))?;
    let env: Envelope = serde_json::from_slice(&bytes)
        .map_err(|e| unusable(file, format!("not a KV v2 response: {}", describe(&e))))?;
    let Some(data) = env.data else {
        return Err(unusable(
            file,
            "no `data` object: not a KV v2 metadata response",
        ));
    };
    if path.trim().is_empty() || path.chars().any(char::is_control) {
        return Err(unusable(
            file,
            "the secret's path (from the file name) is empty or has a control character",
        ));
    }
    let origin = EvidenceOrigin {
        file: Text::from(file),
        line: None,
        index: None,
        format: EvidenceFormat::VaultKv,
    };
    let mut c = ProviderCredential::new(Provider::Vault, Text::from(path.trim()), origin);
    let mut errors = Errors::new(file);
    let mut time = |at: &str, field: &str, raw: &Option<String>| {
        let raw = raw.as_deref().unwrap_or_default();
        provider_time(raw).unwrap_or_else(|e| {
            errors.field(at, field, raw, &format!("{e}; left empty"));
            None
        })
    };
    let (versions, current, format) = match (data.versions, data.metadata) {
        (Some(map), _) => {
            let mut vs = Vec::new();
            for (k, v) in &map {
                let at = format!("versions.{k:?}");
                let Ok(n) = k.trim().parse::<u64>() else {
                    // A key that is not a number names no version: say so, skip it.
                    vs.push(Err(at));
                    continue;
                };
                vs.push(Ok(Read1 {
                    n,
                    created: time(&at, "created_time", &v.created_time),
                    deleted: time(&at, "deletion_time", &v.deletion_time),
                    destroyed: v.destroyed.unwrap_or(false),
                }));
            }
            c.created_at = time("data", "created_time", &data.created_time);
            (vs, data.current_version, "vault-kv-metadata")
        }
        (None, Some(m)) => {
            let v = Read1 {
                n: m.version.unwrap_or(0),
                created: time("data.metadata", "created_time", &m.created_time),
                deleted: time("data.metadata", "deletion_time", &m.deletion_time),
                destroyed: m.destroyed.unwrap_or(false),
            };
            let current = m.version;
            (vec![Ok(v)], current, "vault-kv-version")
        }
        (None, None) => {
            return Err(unusable(
                file,
                "no `data.versions` or `data.metadata`: not a KV v2 metadata or version response",
            ));
        }
    };
    let mut vs: Vec<Read1> = Vec::new();
    for v in versions {
        match v {
            Ok(v) => vs.push(v),
            Err(at) => errors.record(&at, "not a version number; skipped"),
        }
    }
    vs.sort_by_key(|v| v.n);
    history(&mut c, &vs, current);
    Ok(Parsed {
        value: (c, format),
        errors: errors.finish(),
    })
}

/// Fills rotations, retired versions and `active` from the versions, sorted by number.
/// A version that is not current retired at the earlier of its replacement (the next
/// version's creation) and its deletion; destroyed wins over deleted over replaced.
fn history(c: &mut ProviderCredential, vs: &[Read1], current: Option<u64>) {
    let current = current.or(vs.last().map(|v| v.n));
    for (i, v) in vs.iter().enumerate() {
        if v.n > 1 {
            c.rotations.extend(v.created);
        }
        if v.n == 1 && c.created_at.is_none() {
            c.created_at = v.created;
        }
        let is_current = Some(v.n) == current;
        let replaced = if is_current {
            None
        } else {
            vs.get(i + 1).and_then(|n| n.created)
        };
        let at = match (replaced, v.deleted) {
            (Some(r), Some(d)) => Some(r.min(d)),
            (r, d) => r.or(d),
        };
        let how = if v.destroyed {
            Some(Retirement::Destroyed)
        } else if v.deleted.is_some() && (replaced.is_none() || v.deleted < replaced) {
            Some(Retirement::Deleted)
        } else if !is_current {
            Some(Retirement::Replaced)
        } else {
            None
        };
        if let Some(how) = how {
            c.retired.push(RetiredId {
                id: Text::from(v.n.to_string()),
                at,
                how,
            });
        }
        if is_current {
            c.active = Some(!v.destroyed && v.deleted.is_none());
        }
    }
    // Versions before the first listed one (trimmed by `max_versions`, or a single
    // version's response): the one just before was replaced when the first was written.
    if let Some(first) = vs.first().filter(|v| v.n > 1) {
        c.retired.push(RetiredId {
            id: Text::from((first.n - 1).to_string()),
            at: first.created,
            how: Retirement::Replaced,
        });
    }
    c.rotations.sort();
    c.rotations.dedup();
    c.retired.sort();
}
