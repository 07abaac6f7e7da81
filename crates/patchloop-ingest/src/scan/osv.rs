//! OSV-Scanner JSON: `results[].packages[].vulnerabilities[]`, each an OSV record.
use serde_json::Value;

use super::{Builder, Entry, arr, s};

pub(super) fn read(doc: &Value, b: &mut Builder<'_>) -> Result<(), String> {
    // OSV-Scanner output carries no scan timestamp of its own.
    let seen = b.first_seen(None, "(no timestamp in OSV-Scanner output)")?;
    for (ri, result) in arr(doc, "results").iter().enumerate() {
        for (pi, p) in arr(result, "packages").iter().enumerate() {
            let pkg = p.get("package").unwrap_or(&Value::Null);
            let name = s(pkg, "name");
            for (vi, v) in arr(p, "vulnerabilities").iter().enumerate() {
                let own = s(v, "id");
                let cve = arr(v, "aliases")
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|a| a.starts_with("CVE-"));
                let id = match own {
                    Some(o) if o.starts_with("CVE-") => Some(o),
                    _ => cve.or(own),
                };
                let vectors = arr(v, "severity")
                    .iter()
                    .filter_map(|sev| {
                        s(sev, "score")
                            .map(|sc| (s(sev, "type").unwrap_or("").to_string(), sc.to_string()))
                    })
                    .filter(|(_, sc)| sc.starts_with("CVSS:") || sc.contains("AV:"))
                    .collect();
                // The fixed version from the affected range of this package.
                let fixed = arr(v, "affected")
                    .iter()
                    .filter(|a| a.get("package").and_then(|p| s(p, "name")) == name)
                    .flat_map(|a| arr(a, "ranges"))
                    .flat_map(|r| arr(r, "events"))
                    .filter_map(|e| s(e, "fixed"))
                    .next()
                    .map(str::to_string);
                let severity = v.get("database_specific").and_then(|d| s(d, "severity"));
                b.push(
                    Entry {
                        id,
                        id_path: format!("results[{ri}].packages[{pi}].vulnerabilities[{vi}].id"),
                        package: name,
                        installed: s(pkg, "version"),
                        fixed,
                        severity,
                        vectors,
                    },
                    seen,
                    "osv-scanner",
                );
            }
        }
    }
    Ok(())
}
