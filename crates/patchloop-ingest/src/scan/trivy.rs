//! Trivy JSON (SchemaVersion 2): `Results[].Vulnerabilities[]` to findings.
//!
//! The report's `ArtifactName` is kept as [`super::ScanReport::artifact`]. Fields read
//! per vulnerability: `VulnerabilityID`, `PkgName`, `InstalledVersion`,
//! `FixedVersion`, `Status`, `Severity` and the `CVSS.{vendor}.{V3Vector, V40Vector,
//! V2Vector}` map. Results of `Class: secret` are skipped before any of their fields is
//! looked at (their `Match` and `Code.Lines` can hold credentials).
use patchloop_model::Timestamp;
use serde_json::Value;

use super::{Builder, Entry, SourcedVector, join, kind, shown, top_list};

/// The vector keys of one vendor's CVSS object; their order is irrelevant, since
/// [`super::pick_vector`] ranks versions itself.
const VECTOR_KEYS: [&str; 3] = ["V3Vector", "V40Vector", "V2Vector"];

pub(super) fn read(doc: &Value, b: &mut Builder<'_>) -> Result<(), String> {
    schema(doc)?;
    let results = top_list(doc, "Results")?;
    let seen = b.first_seen(doc.get("CreatedAt"), "CreatedAt")?;
    artifact(doc, b);
    for (ri, result) in results.iter().enumerate() {
        let Some(at) = result_head(ri, result, b) else {
            continue;
        };
        for (vi, v) in b.list(result, "Vulnerabilities", &at).iter().enumerate() {
            vulnerability(&at, vi, v, seen, b);
        }
    }
    Ok(())
}

/// Only SchemaVersion 2 is read.
pub(super) fn schema(doc: &Value) -> Result<(), String> {
    match doc.get("SchemaVersion") {
        Some(v) if v.as_i64() == Some(2) => Ok(()),
        None => Err(
            "a Trivy report (it has `Results`) without `SchemaVersion`; only \
             SchemaVersion 2 is supported"
                .to_string(),
        ),
        Some(v) => Err(format!(
            "Trivy SchemaVersion {} is not supported (only 2)",
            crate::clip(&v.to_string())
        )),
    }
}

/// `ArtifactName` as the report's artifact. Only names a host: a field of another type
/// is passed over, not reported.
pub(super) fn artifact(doc: &Value, b: &mut Builder<'_>) {
    b.artifact = doc
        .get("ArtifactName")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
}

/// Checks result `ri` (its fields but `Vulnerabilities`) and sets the coverage key its
/// vulnerabilities are listed under; `None` when it is skipped (not an object, or a
/// secret result). Returns its JSON path.
pub(super) fn result_head(ri: usize, result: &Value, b: &mut Builder<'_>) -> Option<String> {
    let at = format!("Results[{ri}]");
    if !b.object(result, &at) {
        return None;
    }
    if b.text(result, "Class", &at)
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("secret"))
    {
        return None;
    }
    // OS packages are one inventory whatever the target's name (which carries the
    // OS version and changes when the host is patched); a lockfile is its own.
    let class = b.text(result, "Class", &at).unwrap_or_default().trim();
    let ty = b.text(result, "Type", &at).unwrap_or_default().trim();
    let key = if class.eq_ignore_ascii_case("os-pkgs") || class.is_empty() {
        format!("trivy:{ty}")
    } else {
        let target = b.text(result, "Target", &at).unwrap_or_default().trim();
        format!("trivy:{ty}:{target}")
    };
    b.cover(&crate::clip(&key));
    Some(at)
}

/// Vulnerability `vi` of the result at `at`.
pub(super) fn vulnerability(at: &str, vi: usize, v: &Value, seen: Timestamp, b: &mut Builder<'_>) {
    let at = format!("{at}.Vulnerabilities[{vi}]");
    if !b.object(v, &at) {
        return;
    }
    let status = b.text(v, "Status", &at);
    if status.is_some_and(|s| s.trim().eq_ignore_ascii_case("not_affected")) {
        b.not_affected += 1;
        return;
    }
    let vectors = vectors(v, &at, b);
    let entry = Entry {
        id: b.text(v, "VulnerabilityID", &at),
        id_path: join(&at, "VulnerabilityID"),
        package: b.text(v, "PkgName", &at),
        installed: b.text(v, "InstalledVersion", &at),
        fixed: b.text(v, "FixedVersion", &at).map(str::to_string),
        severity: b.text(v, "Severity", &at),
        vectors,
    };
    b.push(entry, seen, "trivy");
}

/// Every vector of the `CVSS` map, named by its vendor key.
fn vectors(v: &Value, at: &str, b: &mut Builder<'_>) -> Vec<SourcedVector> {
    let mut out = Vec::new();
    let cvss = match v.get("CVSS") {
        None | Some(Value::Null) => return out,
        Some(Value::Object(m)) => m,
        Some(other) => {
            let problem = format!("expected an object, found {}; ignored", kind(other));
            b.bad(join(at, "CVSS"), &shown(other), &problem);
            return out;
        }
    };
    for (vendor, scores) in cvss {
        let at = format!("{}.{}", join(at, "CVSS"), crate::clip(vendor));
        for key in VECTOR_KEYS {
            if let Some(vector) = b.text(scores, key, &at) {
                out.push(SourcedVector {
                    source: vendor.clone(),
                    vector: vector.to_string(),
                });
            }
        }
    }
    out
}
