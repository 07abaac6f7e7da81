//! Trivy JSON (SchemaVersion 2): `Results[].Vulnerabilities[]`.
use serde_json::Value;

use super::{Builder, Entry, arr, s};

pub(super) fn read(doc: &Value, b: &mut Builder<'_>) -> Result<(), String> {
    match doc.get("SchemaVersion").and_then(Value::as_i64) {
        Some(2) => {}
        Some(v) => return Err(format!("Trivy SchemaVersion {v} is not supported (only 2)")),
        None => return Err("Trivy report without a numeric SchemaVersion".to_string()),
    }
    let seen = b.first_seen(s(doc, "CreatedAt"), "CreatedAt")?;
    for (ri, result) in arr(doc, "Results").iter().enumerate() {
        if s(result, "Class") == Some("secret") {
            continue;
        }
        for (vi, v) in arr(result, "Vulnerabilities").iter().enumerate() {
            let base = format!("Results[{ri}].Vulnerabilities[{vi}]");
            if s(v, "Status").is_some_and(|st| st.eq_ignore_ascii_case("not_affected")) {
                b.not_affected += 1;
                continue;
            }
            let mut vectors = Vec::new();
            if let Some(cvss) = v.get("CVSS").and_then(Value::as_object) {
                for (source, m) in cvss {
                    for key in ["V3Vector", "V40Vector", "V2Vector"] {
                        if let Some(vec) = s(m, key) {
                            vectors.push((source.clone(), vec.to_string()));
                        }
                    }
                }
            }
            b.push(
                Entry {
                    id: s(v, "VulnerabilityID"),
                    id_path: format!("{base}.VulnerabilityID"),
                    package: s(v, "PkgName"),
                    installed: s(v, "InstalledVersion"),
                    fixed: s(v, "FixedVersion").map(str::to_string),
                    severity: s(v, "Severity"),
                    vectors,
                },
                seen,
                "trivy",
            );
        }
    }
    Ok(())
}
