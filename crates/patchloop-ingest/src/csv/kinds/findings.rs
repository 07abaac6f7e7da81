//! `findings.csv`: the hot path of a big bundle (millions of rows), so ids, vectors and
//! repeated strings are parsed once and shared.
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use patchloop_model::{AssetId, Finding, FindingStatus, Severity, VulnId, parse_timestamp};

use super::{opt, req};
use crate::Parsed;
use crate::csv::{Col, ColumnMap, CsvError, CsvKind, Interner, RowSource, Table, finish};

/// `findings.csv`; the loader reads each column by its index here, so order matters.
pub(super) const FINDINGS: &[Col] = &[
    req("asset_id"),
    req("vuln_id"),
    opt("package"),
    opt("installed_version"),
    opt("fixed_version"),
    req("first_seen"),
    opt("last_seen"),
    opt("status"),
    opt("fixed_at"),
    opt("scanner"),
    opt("cvss_vector"),
    opt("severity"),
];

/// Reads `findings.csv` rows, unmerged (the bundle merges them with CSV and scan rows
/// together). A `cvss_vector` must parse; `status` defaults to open.
pub fn read_findings<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<Finding>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Findings, map, &mut errors)?;
    let out = findings_rows(&mut t, &mut errors);
    Ok(finish(out, errors))
}

/// The findings of every row `t` gives, the bad rows reported into `errors`: the row
/// rules of `findings.csv`, whatever format or piece of a file the rows come from.
pub(crate) fn findings_rows(t: &mut impl RowSource, errors: &mut Vec<CsvError>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut interner = Interner::default();
    let mut vectors_ok: BTreeSet<String> = BTreeSet::new();
    let mut asset_ids: BTreeMap<String, AssetId> = BTreeMap::new();
    let mut vuln_ids: BTreeMap<String, VulnId> = BTreeMap::new();
    t.for_each_row(errors, |r| {
        // Ids repeat across millions of rows: share one allocation per distinct id.
        let asset_id = r.req(0, |s| match asset_ids.get(s) {
            Some(a) => Ok(a.clone()),
            None => AssetId::new(s).inspect(|a| {
                asset_ids.insert(s.to_string(), a.clone());
            }),
        });
        let vuln_id = r.req(1, |s| match vuln_ids.get(s) {
            Some(v) => Ok(v.clone()),
            None => VulnId::new(s).inspect(|v| {
                vuln_ids.insert(s.to_string(), v.clone());
            }),
        });
        let package = r.text(2, &mut interner);
        let installed_version = r.text(3, &mut interner);
        let fixed_version = r.text(4, &mut interner);
        let first_seen = r.req(5, parse_timestamp);
        let last_seen = r.opt(6, parse_timestamp);
        let status = r.opt(7, |s| match s.to_ascii_lowercase().as_str() {
            "open" => Ok(FindingStatus::Open),
            "fixed" => Ok(FindingStatus::Fixed),
            _ => Err("expected open or fixed"),
        });
        let fixed_at = r.opt(8, parse_timestamp);
        let scanner = r.text(9, &mut interner);
        let cvss_vector = r.opt(10, |s| {
            if vectors_ok.contains(s) {
                return Ok(interner.intern(s));
            }
            crate::cvss::parse_vector(s).map(|_| {
                vectors_ok.insert(s.to_string());
                interner.intern(s)
            })
        });
        let severity = r.opt(11, |s| {
            if s.eq_ignore_ascii_case("moderate") {
                Ok(Severity::Medium)
            } else {
                s.parse::<Severity>()
            }
        });
        let (Some(asset_id), Some(vuln_id), Some(first_seen)) = (asset_id, vuln_id, first_seen)
        else {
            return;
        };
        if r.failed() {
            return;
        }
        let status = status.unwrap_or_default();
        if let Some(fx) = fixed_at.filter(|fx| *fx < first_seen) {
            r.row_error(format!(
                "fixed_at {fx} is before first_seen {first_seen}; row skipped"
            ));
            return;
        }
        out.push(Finding {
            asset_id,
            vuln_id,
            package,
            installed_version,
            fixed_version,
            first_seen,
            last_seen,
            status,
            fixed_at: if status == FindingStatus::Fixed {
                fixed_at
            } else {
                None
            },
            scanner,
            cvss_vector,
            severity,
        });
    });
    out
}
