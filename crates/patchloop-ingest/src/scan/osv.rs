//! OSV-Scanner JSON: `results[].packages[].vulnerabilities[]`, each a full OSV record.
//!
//! Fields read: `package.{name, version, ecosystem}` of each scanned package, and per
//! OSV record `id`, `aliases[]`, `severity[].score` (a vector string), the matching
//! `affected[]` entry's `ranges[].events[].fixed` and `severity[]`, and
//! `database_specific.severity`. OSV-Scanner writes no scan timestamp, so first_seen is
//! always the bundle's as_of.
use serde_json::Value;

use super::{Builder, Entry, SourcedVector, is_cve, join, top_list};

pub(super) fn read(doc: &Value, b: &mut Builder<'_>) -> Result<(), String> {
    let results = top_list(doc, "results")?;
    let seen = b.fallback("OSV-Scanner output carries none")?;
    b.cover("osv-scanner");
    for (ri, result) in results.iter().enumerate() {
        let at = format!("results[{ri}]");
        if !b.object(result, &at) {
            continue;
        }
        for (pi, p) in b.list(result, "packages", &at).iter().enumerate() {
            let pat = format!("{at}.packages[{pi}]");
            if !b.object(p, &pat) {
                continue;
            }
            let pkg = p.get("package").unwrap_or(&Value::Null);
            let kat = join(&pat, "package");
            let name = b.text(pkg, "name", &kat);
            let version = b.text(pkg, "version", &kat);
            let ecosystem = b.text(pkg, "ecosystem", &kat);
            for (vi, v) in b.list(p, "vulnerabilities", &pat).iter().enumerate() {
                let vat = format!("{pat}.vulnerabilities[{vi}]");
                if !b.object(v, &vat) {
                    continue;
                }
                let entry = record(v, &vat, (name, version, ecosystem), b);
                b.push(entry, seen, "osv-scanner");
            }
        }
    }
    Ok(())
}

/// One OSV record about one scanned package (name, version, ecosystem).
fn record<'v>(
    v: &'v Value,
    at: &str,
    (name, version, ecosystem): (Option<&'v str>, Option<&'v str>, Option<&'v str>),
    b: &mut Builder<'_>,
) -> Entry<'v> {
    let own = b.text(v, "id", at);
    let aliases = b.texts(v, "aliases", at);
    // KEV and EPSS are keyed by CVE; OSV puts it among the aliases of GHSA, Go, PyPI and
    // RustSec records.
    let id = match own {
        Some(o) if is_cve(o.trim()) => Some(o),
        _ => aliases.iter().copied().find(|a| is_cve(a.trim())).or(own),
    };
    let source = own.map(database).unwrap_or_default();
    let mut vectors = Vec::new();
    push_vectors(v, at, &source, b, &mut vectors);
    let mut fixed: Vec<&str> = Vec::new();
    for (ai, a) in b.list(v, "affected", at).iter().enumerate() {
        let aat = format!("{at}.affected[{ai}]");
        let apkg = a.get("package").unwrap_or(&Value::Null);
        let pat = join(&aat, "package");
        let same_name = match (b.text(apkg, "name", &pat), name) {
            (Some(x), Some(y)) => x.trim().eq_ignore_ascii_case(y.trim()),
            (x, y) => x.is_none() && y.is_none(),
        };
        let same_ecosystem = match (b.text(apkg, "ecosystem", &pat), ecosystem) {
            (Some(x), Some(y)) => ecosystem_base(x).eq_ignore_ascii_case(ecosystem_base(y)),
            _ => true,
        };
        if !(same_name && same_ecosystem) {
            continue;
        }
        push_vectors(a, &aat, &source, b, &mut vectors);
        for (gi, range) in b.list(a, "ranges", &aat).iter().enumerate() {
            let gat = format!("{aat}.ranges[{gi}]");
            // A GIT range's `fixed` is a commit hash, not a version anyone can install.
            if b.text(range, "type", &gat)
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("GIT"))
            {
                continue;
            }
            for (ei, event) in b.list(range, "events", &gat).iter().enumerate() {
                let eat = format!("{gat}.events[{ei}]");
                if let Some(f) = b.text(event, "fixed", &eat).map(str::trim)
                    && !f.is_empty()
                    && !fixed.contains(&f)
                {
                    fixed.push(f);
                }
            }
        }
    }
    let dat = join(at, "database_specific");
    let severity = b.text(
        v.get("database_specific").unwrap_or(&Value::Null),
        "severity",
        &dat,
    );
    Entry {
        id,
        id_path: join(at, "id"),
        package: name,
        installed: version,
        fixed: (!fixed.is_empty()).then(|| fixed.join(", ")),
        severity,
        vectors,
    }
}

/// The database that published a record, from its id prefix, as a vector source:
/// `GHSA-…` is GitHub's (`ghsa`); OSV's `CVE-…` records are converted from NVD (`nvd`);
/// any other prefix (`GO`, `PYSEC`, `RUSTSEC`) names itself.
fn database(id: &str) -> String {
    let prefix = id.trim().split('-').next().unwrap_or_default();
    match prefix.to_ascii_lowercase().as_str() {
        "ghsa" => "ghsa".to_string(),
        "cve" => "nvd".to_string(),
        other => other.to_string(),
    }
}

/// `Debian` of `Debian:11`: scanned packages and records may differ in the release.
fn ecosystem_base(e: &str) -> &str {
    e.split(':').next().unwrap_or(e).trim()
}

/// The `severity[]` scores of a record or an `affected[]` entry that are CVSS vectors
/// (`CVSS_V2`, `CVSS_V3`, `CVSS_V4`); other types (`Ubuntu`: a word) are not vectors.
fn push_vectors(
    v: &Value,
    at: &str,
    source: &str,
    b: &mut Builder<'_>,
    out: &mut Vec<SourcedVector>,
) {
    for (si, sev) in b.list(v, "severity", at).iter().enumerate() {
        let sat = format!("{}[{si}]", join(at, "severity"));
        let Some(score) = b.text(sev, "score", &sat).map(str::trim) else {
            continue;
        };
        let looks_like_vector = score
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("CVSS:"))
            || score.contains("AV:");
        if looks_like_vector {
            out.push(SourcedVector {
                source: source.to_string(),
                vector: score.to_string(),
            });
        }
    }
}
