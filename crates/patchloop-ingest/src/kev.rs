//! CISA Known Exploited Vulnerabilities catalog, in its JSON and CSV forms.
//!
//! Fields used: `cveID`, `dateAdded`, `dueDate`, `knownRansomwareCampaignUse` (`Known`
//! means ransomware use), `vendorProject`, `product`; `catalogVersion` and `dateReleased`
//! (JSON only) are provenance. Values are trimmed (real entries carry trailing spaces).
//! Each entry is read on its own, so one bad entry is reported with its JSON path or CSV
//! line and the rest of the catalog still loads.
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use chrono::NaiveDate;
use patchloop_model::{KevCatalog, KevEntry, VulnId, parse_timestamp};
use serde::Deserialize;

use crate::Parsed;

/// An error reading a KEV catalog.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KevError {
    /// The whole input is unusable (not JSON, truncated, not a catalog, no CSV header).
    #[error("{file}: {message}")]
    Unusable {
        /// File name as given by the caller.
        file: String,
        /// What is wrong, with line and column when known.
        message: String,
    },
    /// One entry has a bad field; the entry is skipped.
    #[error("{file}: {location}: field `{field}`: {problem}: {value:?}")]
    BadEntry {
        /// File.
        file: String,
        /// JSON path (`vulnerabilities[17]`) or CSV line (`line 18`).
        location: String,
        /// The field.
        field: &'static str,
        /// The value (clipped).
        value: String,
        /// What was expected.
        problem: String,
    },
}

#[derive(Deserialize)]
struct RawCatalog {
    #[serde(rename = "catalogVersion")]
    catalog_version: Option<String>,
    #[serde(rename = "dateReleased")]
    date_released: Option<String>,
    vulnerabilities: Option<Vec<serde_json::Value>>,
}

/// One entry as text, whatever the form; every field optional so that a bad entry can be
/// reported field by field instead of failing the whole catalog.
#[derive(Deserialize, Default)]
struct RawEntry {
    #[serde(rename = "cveID")]
    cve: Option<String>,
    #[serde(rename = "vendorProject")]
    vendor_project: Option<String>,
    product: Option<String>,
    #[serde(rename = "dateAdded")]
    date_added: Option<String>,
    #[serde(rename = "dueDate")]
    due_date: Option<String>,
    #[serde(rename = "knownRansomwareCampaignUse")]
    ransomware: Option<String>,
}

fn text(s: Option<&String>) -> Option<&str> {
    s.map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| "expected a YYYY-MM-DD date".to_string())
}

/// Turns one raw entry into a KEV entry, or reports its first bad field.
fn entry(raw: &RawEntry, file: &str, location: &str) -> Result<KevEntry, KevError> {
    let bad = |field: &'static str, value: &str, problem: String| KevError::BadEntry {
        file: file.to_string(),
        location: location.to_string(),
        field,
        value: crate::clip(value),
        problem,
    };
    let cve_raw = text(raw.cve.as_ref()).ok_or_else(|| bad("cveID", "", "required".into()))?;
    let cve = VulnId::new(cve_raw).map_err(|e| bad("cveID", cve_raw, e.to_string()))?;
    if !cve.is_cve() {
        return Err(bad("cveID", cve_raw, "expected a CVE id".into()));
    }
    let added_raw =
        text(raw.date_added.as_ref()).ok_or_else(|| bad("dateAdded", "", "required".into()))?;
    let date_added = date(added_raw).map_err(|p| bad("dateAdded", added_raw, p))?;
    let due_date = match text(raw.due_date.as_ref()) {
        None => None,
        Some(d) => Some(date(d).map_err(|p| bad("dueDate", d, p))?),
    };
    let ransomware = text(raw.ransomware.as_ref()).is_some_and(|s| s.eq_ignore_ascii_case("known"));
    Ok(KevEntry {
        cve,
        vendor_project: text(raw.vendor_project.as_ref()).map(Arc::from),
        product: text(raw.product.as_ref()).map(Arc::from),
        date_added,
        due_date,
        ransomware,
    })
}

fn insert(
    cat: &mut KevCatalog,
    seen: &mut BTreeMap<VulnId, String>,
    e: KevEntry,
    file: &str,
    loc: String,
    errors: &mut Vec<KevError>,
) {
    if let Some(first) = seen.get(&e.cve) {
        errors.push(KevError::BadEntry {
            file: file.to_string(),
            location: loc,
            field: "cveID",
            value: e.cve.to_string(),
            problem: format!("duplicate of {first}; entry skipped"),
        });
        return;
    }
    seen.insert(e.cve.clone(), loc);
    cat.entries.insert(e.cve.clone(), e);
}

/// Reads the JSON catalog as CISA publishes it (either the cisa.gov form with `\/`
/// escapes or the GitHub copy).
pub fn read_kev_json<R: Read>(
    reader: R,
    source: &str,
) -> Result<Parsed<KevCatalog, KevError>, KevError> {
    let unusable = |message: String| KevError::Unusable {
        file: source.to_string(),
        message,
    };
    let raw: RawCatalog = serde_json::from_reader(std::io::BufReader::new(reader))
        .map_err(|e| unusable(format!("not a KEV JSON catalog: {e}")))?;
    let vulns = raw
        .vulnerabilities
        .ok_or_else(|| unusable("not a KEV JSON catalog: no `vulnerabilities` array".into()))?;
    let mut cat = KevCatalog {
        catalog_version: text(raw.catalog_version.as_ref()).map(Arc::from),
        date_released: None,
        entries: BTreeMap::new(),
    };
    let mut errors = Vec::new();
    if let Some(d) = text(raw.date_released.as_ref()) {
        match parse_timestamp(d) {
            Ok(t) => cat.date_released = Some(t),
            Err(e) => errors.push(KevError::BadEntry {
                file: source.to_string(),
                location: "dateReleased".into(),
                field: "dateReleased",
                value: crate::clip(d),
                problem: e.to_string(),
            }),
        }
    }
    let mut seen = BTreeMap::new();
    for (i, v) in vulns.into_iter().enumerate() {
        let loc = format!("vulnerabilities[{i}]");
        let raw: RawEntry = match serde_json::from_value(v) {
            Ok(r) => r,
            Err(e) => {
                errors.push(KevError::BadEntry {
                    file: source.to_string(),
                    location: loc,
                    field: "entry",
                    value: String::new(),
                    problem: format!("not a KEV entry object: {e}"),
                });
                continue;
            }
        };
        match entry(&raw, source, &loc) {
            Ok(e) => insert(&mut cat, &mut seen, e, source, loc, &mut errors),
            Err(e) => errors.push(e),
        }
    }
    Ok(Parsed { value: cat, errors })
}

/// Reads the CSV form of the catalog (the same 11 columns; no catalogVersion).
pub fn read_kev_csv<R: Read>(
    reader: R,
    source: &str,
) -> Result<Parsed<KevCatalog, KevError>, KevError> {
    let unusable = |message: String| KevError::Unusable {
        file: source.to_string(),
        message,
    };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let header = rdr.headers().map_err(|e| unusable(e.to_string()))?.clone();
    let pos = |n: &str| {
        header
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == n)
    };
    let Some(cve_col) = pos("cveID") else {
        return Err(unusable(
            "not a KEV CSV: no cveID column in the header".into(),
        ));
    };
    let cols = [
        pos("vendorProject"),
        pos("product"),
        pos("dateAdded"),
        pos("dueDate"),
        pos("knownRansomwareCampaignUse"),
    ];
    let mut cat = KevCatalog::default();
    let mut errors = Vec::new();
    let mut seen = BTreeMap::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                errors.push(KevError::BadEntry {
                    file: source.to_string(),
                    location: format!("line {line}"),
                    field: "row",
                    value: String::new(),
                    problem: e.to_string(),
                });
                if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    continue;
                }
                break;
            }
        };
        let line = rec.position().map_or(0, csv::Position::line);
        let loc = format!("line {line}");
        let get = |c: Option<usize>| c.and_then(|i| rec.get(i)).map(str::to_string);
        let raw = RawEntry {
            cve: get(Some(cve_col)),
            vendor_project: get(cols[0]),
            product: get(cols[1]),
            date_added: get(cols[2]),
            due_date: get(cols[3]),
            ransomware: get(cols[4]),
        };
        match entry(&raw, source, &loc) {
            Ok(e) => insert(&mut cat, &mut seen, e, source, loc, &mut errors),
            Err(e) => errors.push(e),
        }
    }
    Ok(Parsed { value: cat, errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_entry_errors_name_their_path() {
        let p = read_kev_json(
            r#"{"catalogVersion":"1","dateReleased":"2026-07-23T16:21:10.8082Z","vulnerabilities":[
            {"cveID":"CVE-2021-44228 ","dateAdded":"2021-12-10","dueDate":"2021-12-24","knownRansomwareCampaignUse":"Known"},
            {"cveID":"CVE-2022-1","dateAdded":"2022-13-01"},
            {"cveID":"CVE-2021-44228","dateAdded":"2021-12-10"},
            7]}"#
                .as_bytes(),
            "kev.json",
        )
        .unwrap();
        assert_eq!(p.value.entries.len(), 1);
        assert!(p.value.entries.values().all(|e| e.ransomware));
        let m: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            m[0],
            "kev.json: vulnerabilities[1]: field `dateAdded`: expected a YYYY-MM-DD date: \"2022-13-01\""
        );
        assert_eq!(
            m[1],
            "kev.json: vulnerabilities[2]: field `cveID`: duplicate of vulnerabilities[0]; entry skipped: \"CVE-2021-44228\""
        );
        assert!(
            m[2].starts_with("kev.json: vulnerabilities[3]: field `entry`: not a KEV entry object")
        );
    }

    #[test]
    fn truncated_json_is_unusable_with_line_and_column() {
        let e = read_kev_json(
            r#"{"vulnerabilities":[{"cveID":"CVE-"#.as_bytes(),
            "kev.json",
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with(
                "kev.json: not a KEV JSON catalog: EOF while parsing a string at line 1 column"
            ),
            "{e}"
        );
        assert!(read_kev_json("{}".as_bytes(), "kev.json").is_err());
    }

    #[test]
    fn csv_form() {
        let p = read_kev_csv(
            "cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes\n\
             CVE-2024-1,V,P,N,2024-01-02,d,a,2024-01-23,Unknown,n,\"CWE-59, CWE-436\"\n\
             CVE-2024-2,V,P,N,yesterday,d,a,2024-01-23,Unknown,n,\n"
                .as_bytes(),
            "kev.csv",
        )
        .unwrap();
        assert_eq!(p.value.entries.len(), 1);
        assert_eq!(
            p.errors[0].to_string(),
            "kev.csv: line 3: field `dateAdded`: expected a YYYY-MM-DD date: \"yesterday\""
        );
    }
}
