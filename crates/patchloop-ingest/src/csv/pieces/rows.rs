//! The parallel reader of a kind whose rows become a list of records (`findings.csv`,
//! `events.csv`): pieces cut by the parent module, each parsed with the kind's row rules
//! and a worker's caches, records and errors joined in file order.
use std::io::Read;

use super::{Errors, Start, run, start};
use crate::Parsed;
use crate::csv::{ColumnMap, CsvError, CsvKind, RowSource, Table, finish};

/// A kind whose rows become a list of records: its row rules, over any [`RowSource`],
/// with caches one worker keeps across the pieces it parses.
pub(crate) trait RowRules {
    const KIND: CsvKind;
    type Caches: Default + Send;
    type Out: Send;
    fn rows(
        t: &mut impl RowSource,
        errors: &mut Vec<CsvError>,
        caches: &mut Self::Caches,
    ) -> Vec<Self::Out>;
}

/// Reads a file of kind `K` in pieces of about `piece` bytes: its records in file order
/// and its errors, exactly what `Table::open`, `K::rows` and [`finish`] give on the whole
/// file in one pass.
pub(crate) fn read_rows<K: RowRules, R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
    piece: usize,
) -> Result<Parsed<Vec<K::Out>, CsvError>, CsvError> {
    let mut cutter = match start(reader, piece) {
        Start::Pieces(c) => c,
        Start::Whole(input) => {
            let mut errors = Vec::new();
            let mut t = Table::open(input, file, K::KIND, map, &mut errors)?;
            let out = K::rows(&mut t, &mut errors, &mut K::Caches::default());
            return Ok(finish(out, errors));
        }
    };
    // The header, resolved once; its problems are the file's first errors.
    let mut errors = Vec::new();
    Table::open(cutter.header(), file, K::KIND, map, &mut errors)?;
    let mut all = Errors::new();
    all.extend(errors);
    let header = cutter.header().to_vec();
    let mut workers: Vec<K::Caches> = (0..rayon::current_num_threads().max(1))
        .map(|_| K::Caches::default())
        .collect();
    let mut out = Vec::new();
    run(
        &mut cutter,
        &mut workers,
        |caches, p| {
            // The header's own problems were reported once, above.
            let mut ignored = Vec::new();
            let input = header.as_slice().chain(p.bytes.as_slice());
            let mut t = Table::open_at(
                input,
                file,
                K::KIND,
                map,
                &mut ignored,
                p.first_line.saturating_sub(1),
            )?;
            let mut errors = Vec::new();
            let rows = K::rows(&mut t, &mut errors, caches);
            Ok((rows, errors))
        },
        |(mut rows, errors)| {
            out.append(&mut rows);
            all.extend(errors);
        },
    )?;
    // Cutting stopped early (an overlong line, an unclosed quote, a read error): the
    // CSV reader reads the rest, as the sequential reader does.
    if let Some((line, input)) = cutter.rest() {
        let mut ignored = Vec::new();
        let mut t = Table::open_at(input, file, K::KIND, map, &mut ignored, line)?;
        let mut fresh = K::Caches::default();
        let caches = workers.first_mut().unwrap_or(&mut fresh);
        let mut errors = Vec::new();
        out.append(&mut K::rows(&mut t, &mut errors, caches));
        all.extend(errors);
    }
    Ok(all.finish(out))
}
