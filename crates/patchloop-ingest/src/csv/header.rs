//! What every tabular file shares, whatever carries its rows (a CSV file, a piece of one,
//! a Parquet file): resolving its column names against a kind's canonical columns, and
//! [`RowSource`], what a kind's row loader reads its rows from.
use super::{ColumnMap, CsvError, CsvKind, Row, SECRET_VALUE_COLUMNS};

/// A CSV header's column names as every reader matches them: lossy UTF-8, trimmed, a
/// byte-order mark dropped.
pub(crate) fn names(header: &csv::ByteRecord) -> Vec<String> {
    header
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect()
}

/// Whether a CSV header is empty (no file, or one blank name).
pub(crate) fn is_empty(header: &csv::ByteRecord) -> bool {
    header.is_empty()
        || (header.len() == 1 && header.get(0).is_some_and(|h| h.trim_ascii().is_empty()))
}

/// For each canonical column of `kind`, its index in `names` (the file's column names,
/// trimmed). `Err` when a required column is missing; a column named twice and a column
/// that would hold secret values are reported into `errors`.
pub(crate) fn resolve(
    names: &[String],
    file: &str,
    kind: CsvKind,
    map: &ColumnMap,
    errors: &mut Vec<CsvError>,
) -> Result<Vec<Option<usize>>, CsvError> {
    let cols = kind.columns();
    let mut idx = Vec::with_capacity(cols.len());
    for col in cols {
        let wanted = map.get(col.name).map_or(col.name, String::as_str);
        let pos = names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(wanted.trim()));
        if pos.is_none() && col.required {
            let mapped = map
                .get(col.name)
                .map(|m| format!(" (mapped to {m:?})"))
                .unwrap_or_default();
            return Err(CsvError::MissingColumn {
                file: file.to_string(),
                column: col.name.to_string(),
                mapped,
                // A header can be one 10 MB line: name it, do not echo it.
                found: crate::clip(&names.join(", ")),
            });
        }
        if let Some(first) = pos
            && let Some(again) = names
                .iter()
                .skip(first + 1)
                .position(|n| n.eq_ignore_ascii_case(wanted.trim()))
        {
            errors.push(CsvError::DuplicateColumn {
                file: file.to_string(),
                column: (first + 2 + again) as u64,
                first: first as u64 + 1,
                name: crate::clip(names.get(first + 1 + again).map_or("", String::as_str)),
            });
        }
        idx.push(pos);
    }
    if matches!(kind, CsvKind::Secrets | CsvKind::Usage) {
        for (i, n) in names.iter().enumerate() {
            if SECRET_VALUE_COLUMNS
                .iter()
                .any(|s| n.eq_ignore_ascii_case(s))
            {
                errors.push(CsvError::SecretColumn {
                    file: file.to_string(),
                    column: i as u64 + 1,
                    name: n.clone(),
                });
            }
        }
    }
    Ok(idx)
}

/// Where a kind's row loader reads rows from: it calls `f` once per well-formed row, in
/// file order, and reports what is wrong with the others (a row of the wrong width, a
/// syntax error) into `errors`. A CSV [`super::Table`] and a Parquet table both are one,
/// so every format runs the same row checks and gives the same errors.
pub(crate) trait RowSource {
    /// Calls `f` for each well-formed row.
    fn for_each_row(&mut self, errors: &mut Vec<CsvError>, f: impl FnMut(&mut Row<'_>));
}
