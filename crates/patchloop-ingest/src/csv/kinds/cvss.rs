//! `intel/cvss.csv`: one CVSS vector per vulnerability, for flaws no scanner scored.
use std::collections::BTreeMap;
use std::io::Read;

use patchloop_model::{CvssFacts, VulnId};

use super::req;
use crate::Parsed;
use crate::csv::{Col, ColumnMap, CsvError, CsvKind, RowSource, Table, finish};

/// `intel/cvss.csv`; the loader reads each column by its index here, so order matters.
pub(super) const CVSS: &[Col] = &[req("vuln_id"), req("vector")];

/// Reads `intel/cvss.csv` (`vuln_id,vector`) into CVSS facts computed from each vector.
pub fn read_cvss<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<BTreeMap<VulnId, CvssFacts>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Cvss, map, &mut errors)?;
    let mut out: BTreeMap<VulnId, CvssFacts> = BTreeMap::new();
    let mut lines: BTreeMap<VulnId, u64> = BTreeMap::new();
    t.for_each_row(&mut errors, |r| {
        let id = r.req(0, VulnId::new);
        let facts = r.req(1, |s| crate::cvss::parse_vector(s).map_err(|e| e.reason));
        let (Some(id), Some(facts)) = (id, facts) else {
            return;
        };
        if r.failed() {
            return;
        }
        if let Some(first) = lines.get(&id) {
            r.row_error(format!(
                "duplicate vuln_id {:?} (first on line {first}); row skipped",
                id.as_str()
            ));
            return;
        }
        lines.insert(id.clone(), r.line());
        out.insert(id, facts);
    });
    Ok(finish(out, errors))
}
