//! Grype JSON: `matches[].{vulnerability, relatedVulnerabilities, artifact}` to findings.
//!
//! Fields read per match: `vulnerability.{id, namespace, severity, fix.versions,
//! cvss[]}`, `relatedVulnerabilities[].{id, namespace, cvss[]}` and
//! `artifact.{name, version}`; the report's time is `descriptor.timestamp`, what it
//! scanned `source.target` (a path, or an image's `userInput`).
//! `fix.state` is not read: `fixed`, `not-fixed`, `wont-fix` and `unknown` all describe
//! the vendor, and in every case the package on the host is affected.
use serde_json::Value;

use super::{Builder, Entry, SourcedVector, is_cve, join, top_list};

pub(super) fn read(doc: &Value, b: &mut Builder<'_>) -> Result<(), String> {
    let matches = top_list(doc, "matches")?;
    let ts = doc.get("descriptor").and_then(|d| d.get("timestamp"));
    let seen = b.first_seen(ts, "descriptor.timestamp")?;
    b.artifact = artifact(doc);
    b.cover("grype");
    for (i, m) in matches.iter().enumerate() {
        let at = format!("matches[{i}]");
        if !b.object(m, &at) {
            continue;
        }
        let vuln = m.get("vulnerability").unwrap_or(&Value::Null);
        let vat = join(&at, "vulnerability");
        if !vuln.is_null() && !b.object(vuln, &vat) {
            continue;
        }
        let own = b.text(vuln, "id", &vat);
        let related = b.list(m, "relatedVulnerabilities", &at);
        let mut related_ids = Vec::with_capacity(related.len());
        for (ri, r) in related.iter().enumerate() {
            let rat = format!("{at}.relatedVulnerabilities[{ri}]");
            related_ids.push(b.text(r, "id", &rat));
        }
        // KEV and EPSS are keyed by CVE: a GHSA or distro advisory is filed under the
        // CVE it relates to, when it names one.
        let id = match own {
            Some(id) if is_cve(id.trim()) => Some(id),
            _ => related_ids
                .iter()
                .flatten()
                .copied()
                .find(|id| is_cve(id.trim()))
                .or(own),
        };
        let mut vectors = Vec::new();
        push_vectors(vuln, &vat, b, &mut vectors);
        // Only the related record of the chosen id: a second CVE's score is not this
        // one's.
        for (ri, (r, rid)) in related.iter().zip(&related_ids).enumerate() {
            if rid.map(str::trim) == id.map(str::trim) {
                let rat = format!("{at}.relatedVulnerabilities[{ri}]");
                push_vectors(r, &rat, b, &mut vectors);
            }
        }
        let artifact = m.get("artifact").unwrap_or(&Value::Null);
        let aat = join(&at, "artifact");
        let fix = vuln.get("fix").unwrap_or(&Value::Null);
        let fixed = b.texts(fix, "versions", &join(&vat, "fix"));
        let fixed: Vec<&str> = fixed
            .into_iter()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect();
        let entry = Entry {
            id,
            id_path: join(&vat, "id"),
            package: b.text(artifact, "name", &aat),
            installed: b.text(artifact, "version", &aat),
            fixed: (!fixed.is_empty()).then(|| fixed.join(", ")),
            severity: b.text(vuln, "severity", &vat),
            vectors,
        };
        b.push(entry, seen, "grype");
    }
    Ok(())
}

/// The `cvss[]` vectors of one vulnerability record. A vector without a `source` is
/// named after the record's `namespace`; a v3 vector that lacks its `CVSS:3.x/` prefix
/// gets it back from `version`, since without it the vector reads as v2.
fn push_vectors(record: &Value, at: &str, b: &mut Builder<'_>, out: &mut Vec<SourcedVector>) {
    let namespace = b.text(record, "namespace", at).unwrap_or("");
    for (ci, c) in b.list(record, "cvss", at).iter().enumerate() {
        let cat = format!("{}[{ci}]", join(at, "cvss"));
        let Some(vector) = b.text(c, "vector", &cat).map(str::trim) else {
            continue;
        };
        let source = b
            .text(c, "source", &cat)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(namespace);
        let has_prefix = vector
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("CVSS:"));
        let vector = match b.text(c, "version", &cat).map(str::trim) {
            Some(ver @ ("3.0" | "3.1")) if !has_prefix => format!("CVSS:{ver}/{vector}"),
            _ => vector.to_string(),
        };
        out.push(SourcedVector {
            source: source.to_string(),
            vector,
        });
    }
}

/// What the report scanned: `source.target` when it is a path, the image's
/// `source.target.userInput` (older Grype) or `source.metadata.userInput` (newer). Only
/// names a host, so a field of another type is passed over rather than reported.
fn artifact(doc: &Value) -> Option<String> {
    let source = doc.get("source")?;
    let named = match source.get("target") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(t) => t.get("userInput").and_then(Value::as_str),
        None => None,
    };
    named
        .or_else(|| {
            source
                .get("metadata")
                .and_then(|m| m.get("userInput"))
                .and_then(Value::as_str)
        })
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
