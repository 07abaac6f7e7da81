//! `patchloop gen --usage N`: N presentations of the fleet's secrets written to
//! `identity/usage.csv`, streamed (one row in memory at a time), every draw from the seed.
//!
//! The rules:
//!
//! - **What is presented.** A secret's identifier is its `external_id`, else its
//!   `fingerprint`. With `--usage`, each generated `secret_rotated` event names the
//!   identifier it retired in its `external_id`: the current one with `-old` appended
//!   ([`retired_id`]), so `patchloop alerts` can see the old one used.
//! - **Who presents it.** Each record draws a secret uniformly, then one of the secret's
//!   1 to 4 consumers: the first is the host the secret lives on, the others addresses
//!   `10.x.y.z`; the principal is the secret's identity, the resource one of those that
//!   trust it (none when none does).
//! - **When.** Uniform over the 180 days before as_of, to the second. Before its
//!   secret's rotation a consumer presents the retired identifier (it was current
//!   then), after it the current one, except on one rotated secret in ten, whose last
//!   consumer is a straggler still presenting the retired identifier: refused
//!   (`rejected`) on most such secrets, accepted (`success`) on three in ten — the
//!   `old_credential_used` alerts a real rotation leaves behind.
//! - **Outcome** otherwise: `success` 97 %, `denied` 2 %, `error` 1 %.
use std::fmt::Write as _;

use chrono::Duration;
use patchloop_ingest::write::{self, UsageRow, WriteError};
use patchloop_model::{Secret, Text, Timestamp, UsageOutcome};

use crate::estate::Estate;
use crate::rng::{Rng, purpose};

/// Where the records go, relative to the bundle.
pub(crate) const USAGE_FILE: &str = "identity/usage.csv";

/// How far back presentations go.
const WINDOW_SECS: u64 = 180 * 24 * 3600;

/// The identifier a secret presented before a rotation (see the module docs).
pub(crate) fn retired_id(s: &Secret) -> Option<Text> {
    current_id(s).map(|c| Text::from(format!("{c}-old")))
}

/// The identifier a secret presents now.
fn current_id(s: &Secret) -> Option<&str> {
    s.external_id.as_deref().or(s.fingerprint.as_deref())
}

/// What one secret's consumers are like, drawn from its own stream so that a record
/// costs a few draws and no memory per secret is kept.
struct Profile {
    consumers: u64,
    straggler: bool,
    straggler_accepted: bool,
}

fn profile(seed: u64, s: usize) -> Profile {
    let mut p = Rng::stream(seed, purpose::USAGE_PROFILE, s as u64);
    Profile {
        consumers: 1 + p.below(4),
        straggler: p.chance(0.1),
        straggler_accepted: p.chance(0.3),
    }
}

/// Writes `n` records for `estate`'s secrets to `dir/identity/usage.csv`; `rotated[s]`
/// is when secret `s` was rotated by a generated event, if it was. Returns the number
/// of records that present a retired identifier after its rotation.
pub(crate) fn write_usage(
    seed: u64,
    as_of: Timestamp,
    n: u64,
    estate: &Estate,
    rotated: &[Option<Timestamp>],
    dir: &std::path::Path,
) -> Result<u64, WriteError> {
    let err = |source| WriteError::Io {
        path: dir.join(USAGE_FILE).display().to_string(),
        source,
    };
    let mut w = write::csv_writer(write::create(dir, USAGE_FILE)?);
    write::write_header(&mut w, &write::USAGE_HEADER).map_err(err)?;
    let secrets = &estate.secrets;
    let mut reuse = 0u64;
    if !secrets.is_empty() {
        let mut r = Rng::stream(seed, purpose::USAGE, 0);
        let (mut source, mut old) = (String::new(), String::new());
        for _ in 0..n {
            let si = r.below(secrets.len() as u64) as usize;
            let Some(s) = secrets.get(si) else { continue };
            let p = profile(seed, si);
            let k = r.below(p.consumers);
            let at = as_of - Duration::seconds(1 + r.below(WINDOW_SECS) as i64);
            let resource = estate
                .trusting
                .get(si)
                .and_then(|v| r.pick(v))
                .map(|x| x.as_str());
            let mut outcome = match r.below(100) {
                0..=96 => UsageOutcome::Success,
                97..=98 => UsageOutcome::Denied,
                _ => UsageOutcome::Error,
            };
            let current = current_id(s).unwrap_or(s.id.as_str());
            let credential = match rotated.get(si).copied().flatten() {
                Some(t) if at < t => {
                    old.clear();
                    let _ = write!(old, "{current}-old");
                    old.as_str()
                }
                Some(_) if p.straggler && k + 1 == p.consumers => {
                    reuse += 1;
                    outcome = if p.straggler_accepted {
                        UsageOutcome::Success
                    } else {
                        UsageOutcome::Rejected
                    };
                    old.clear();
                    let _ = write!(old, "{current}-old");
                    old.as_str()
                }
                _ => current,
            };
            source.clear();
            if k == 0 {
                source.push_str(s.asset_id.as_str());
            } else {
                let h = (si as u64).wrapping_mul(4) + k;
                let _ = write!(
                    source,
                    "10.{}.{}.{}",
                    (h >> 16) & 255,
                    (h >> 8) & 255,
                    h & 255
                );
            }
            let row = UsageRow {
                at,
                credential,
                source: Some(&source),
                principal: s.identity.as_ref().map(|i| i.as_str()),
                resource_id: resource,
                outcome,
            };
            write::write_usage_row(&mut w, &row).map_err(err)?;
        }
    }
    w.flush().map_err(err)?;
    Ok(reuse)
}
