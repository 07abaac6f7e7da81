//! Grype JSON: `matches[].{vulnerability, relatedVulnerabilities, artifact}`.
use serde_json::Value;

use super::{Builder, Entry, arr, s};

fn is_cve(id: &str) -> bool {
    id.len() > 4 && id.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("CVE-"))
}

fn vectors(v: &Value, out: &mut Vec<(String, String)>) {
    for c in arr(v, "cvss") {
        if let Some(vec) = s(c, "vector") {
            let source = s(c, "source").unwrap_or("");
            // Old Grype versions give v3 vectors without their `CVSS:3.x/` prefix.
            let vec = match s(c, "version") {
                Some(ver @ ("3.0" | "3.1")) if !vec.starts_with("CVSS:") => {
                    format!("CVSS:{ver}/{vec}")
                }
                _ => vec.to_string(),
            };
            out.push((source.to_string(), vec));
        }
    }
}

pub(super) fn read(doc: &Value, b: &mut Builder<'_>) -> Result<(), String> {
    let ts = doc.get("descriptor").and_then(|d| s(d, "timestamp"));
    let seen = b.first_seen(ts, "descriptor.timestamp")?;
    let Some(matches) = doc.get("matches").and_then(Value::as_array) else {
        return Err("Grype report whose `matches` is not an array".to_string());
    };
    for (i, m) in matches.iter().enumerate() {
        let vuln = m.get("vulnerability").unwrap_or(&Value::Null);
        let artifact = m.get("artifact").unwrap_or(&Value::Null);
        let related = arr(m, "relatedVulnerabilities");
        let own = s(vuln, "id");
        let id = match own {
            Some(id) if is_cve(id) => Some(id),
            _ => related
                .iter()
                .filter_map(|r| s(r, "id"))
                .find(|id| is_cve(id))
                .or(own),
        };
        let mut vs = Vec::new();
        vectors(vuln, &mut vs);
        for r in related {
            vectors(r, &mut vs);
        }
        let fix = vuln.get("fix").unwrap_or(&Value::Null);
        let fixed: Vec<&str> = arr(fix, "versions")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        b.push(
            Entry {
                id,
                id_path: format!("matches[{i}].vulnerability.id"),
                package: s(artifact, "name"),
                installed: s(artifact, "version"),
                fixed: (!fixed.is_empty()).then(|| fixed.join(", ")),
                severity: s(vuln, "severity"),
                vectors: vs,
            },
            seen,
            "grype",
        );
    }
    Ok(())
}
