//! The KEV catalog's CSV form: the same fields as the JSON form, columns in any order,
//! no provenance; each row read on its own, so one bad row is reported with its line and
//! column and the rest still loads.
use std::collections::BTreeMap;
use std::io::Read;

use patchloop_model::{KevCatalog, VulnId};

use super::{KevError, Key, Raw, entry};
use crate::Parsed;

impl Raw {
    /// A CSV field: the csv crate hands over bytes, so invalid UTF-8 is caught here, per
    /// field, instead of failing the whole row.
    fn from_bytes(b: &[u8]) -> Raw {
        match std::str::from_utf8(b) {
            Ok(s) => Raw::from_str(s),
            Err(_) => Raw::Bad {
                shown: crate::clip(&String::from_utf8_lossy(b)),
                why: "not valid UTF-8",
            },
        }
    }
}

/// Reads the CSV form of the catalog (the same 11 columns, in any order; no
/// catalogVersion). `cwes` is one comma-separated string in this form; it is not read.
///
/// No header, a header without `cveID` or `dateAdded`, or an I/O error is `Err`.
pub fn read_kev_csv<R: Read>(
    reader: R,
    source: &str,
) -> Result<Parsed<KevCatalog, KevError>, KevError> {
    let unusable = |message: String| KevError::Unusable {
        file: source.to_string(),
        message,
    };
    // Flexible so that a row with the wrong field count is reported here with its
    // content, instead of as a bare csv-crate error.
    let mut rdr = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(crate::lines::LineReader::new(reader));
    let header = rdr
        .byte_headers()
        .map_err(|e| unusable(format!("unreadable CSV header: {e}")))?;
    let names: Vec<String> = header
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    if names.iter().all(String::is_empty) {
        return Err(unusable(
            "empty file; expected the KEV CSV header (cveID,vendorProject,…)".into(),
        ));
    }
    let column = |key: Key| names.iter().position(|h| h == key.name());
    let cols = Key::ALL.map(column);
    let col_of = |key: Key| {
        Key::ALL
            .iter()
            .position(|&k| k == key)
            .and_then(|i| cols.get(i).copied().flatten())
    };
    for required in [Key::Cve, Key::DateAdded] {
        if col_of(required).is_none() {
            return Err(unusable(format!(
                "not a KEV CSV: no `{}` column in the header; the header has: {}",
                required.name(),
                crate::clip(&names.join(","))
            )));
        }
    }
    let mut cat = KevCatalog::default();
    // Kept up to MAX_ROW_ERRORS (the last place taken by the count of the rest), so a
    // file of millions of bad rows costs a thousand errors.
    let mut errors = crate::RowErrors::new(crate::limits().row_errors.saturating_sub(1));
    let mut first_line: BTreeMap<VulnId, u64> = BTreeMap::new();
    let mut rec = ::csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = crate::lines::record_line(&mut rdr, e.position());
                return Err(unusable(format!("line {line}: unreadable CSV: {e}")));
            }
        }
        let line = crate::lines::record_line(&mut rdr, rec.position());
        if rec.iter().all(|f| f.trim_ascii().is_empty()) {
            continue; // a blank line, or one of bare commas
        }
        if rec.len() != names.len() {
            let row: Vec<String> = rec
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            errors.push(KevError::FieldCount {
                file: source.to_string(),
                line,
                found: rec.len(),
                expected: names.len(),
                value: crate::clip(&row.join(",")),
            });
            continue;
        }
        let (e, problems) = entry(|key| {
            col_of(key)
                .and_then(|c| rec.get(c))
                .map_or(Raw::Missing, Raw::from_bytes)
        });
        let bad = |key: Key, value: String, problem: String| KevError::BadCsv {
            file: source.to_string(),
            line,
            column: col_of(key).map_or(0, |c| c as u64 + 1),
            field: key.name(),
            value,
            problem,
        };
        errors.extend(problems.into_iter().map(|p| bad(p.key, p.value, p.problem)));
        let Some(e) = e else { continue };
        if let Some(first) = first_line.get(&e.cve) {
            errors.push(bad(
                Key::Cve,
                e.cve.to_string(),
                format!("duplicate of line {first}; row skipped"),
            ));
            continue;
        }
        first_line.insert(e.cve.clone(), line);
        cat.entries.insert(e.cve.clone(), e);
    }
    let (mut errors, more) = errors.finish();
    if more > 0 {
        errors.push(KevError::More {
            file: source.to_string(),
            count: more,
        });
    }
    Ok(Parsed { value: cat, errors })
}
