//! `findings.csv`: the hot path of a big bundle (millions of rows), so ids, vectors and
//! repeated strings are parsed once and shared.
use std::io::Read;

use patchloop_model::{AssetId, Finding, FindingStatus, Severity, Text, VulnId, parse_timestamp};

use super::{opt, req};
use crate::Parsed;
use crate::csv::{Col, ColumnMap, CsvError, CsvKind, IdCache, Interner, RowSource, Table, finish};

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
    findings_rows_with(t, errors, &mut FindingCaches::default())
}

/// What [`findings_rows_with`] parses once and shares: ids repeat across millions of
/// rows, so one allocation per distinct id, vector and string. A parallel reader keeps
/// one per worker across the pieces it parses; the findings are the same either way.
#[derive(Default)]
pub(crate) struct FindingCaches {
    interner: Interner,
    asset_ids: IdCache<AssetId>,
    vuln_ids: IdCache<VulnId>,
    /// Vectors that parsed, as shared text.
    vectors: IdCache<Text>,
}

/// [`findings_rows`] with caches kept by the caller.
pub(crate) fn findings_rows_with(
    t: &mut impl RowSource,
    errors: &mut Vec<CsvError>,
    caches: &mut FindingCaches,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let FindingCaches {
        interner,
        asset_ids,
        vuln_ids,
        vectors,
    } = caches;
    t.for_each_row(errors, |r| {
        let asset_id = r.req(0, |s| asset_ids.get(s, AssetId::new));
        let vuln_id = r.req(1, |s| vuln_ids.get(s, VulnId::new));
        let package = r.text(2, interner);
        let installed_version = r.text(3, interner);
        let fixed_version = r.text(4, interner);
        let first_seen = r.req(5, parse_timestamp);
        let last_seen = r.opt(6, parse_timestamp);
        let status = r.opt(7, |s| match s.to_ascii_lowercase().as_str() {
            "open" => Ok(FindingStatus::Open),
            "fixed" => Ok(FindingStatus::Fixed),
            _ => Err("expected open or fixed"),
        });
        let fixed_at = r.opt(8, parse_timestamp);
        let scanner = r.text(9, interner);
        let cvss_vector = r.opt(10, |s| {
            vectors.get(s, |s| crate::cvss::parse_vector(s).map(|_| Text::from(s)))
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
