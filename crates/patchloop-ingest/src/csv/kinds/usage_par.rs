//! `identity/usage.csv` read in parallel: the file is cut into pieces of about
//! [`PIECE`] bytes at record boundaries (`csv/pieces.rs`), each piece is parsed on its
//! own with the header in front of it (so columns resolve as in the whole file) and its
//! line numbers set to the file's, and each worker folds its pieces into its own
//! summary. The summaries merge to exactly what [`read_usage_summary`] gives: a group's
//! first and last presentation are the least and greatest (time, origin), whatever order
//! pieces come in, and errors are reported in file order.
//!
//! Each piece's lines go through the fast row path of `usage_fast` (a line whose group
//! was seen before skips validation), the rest through the sequential row code.
//!
//! Memory: two batches of pieces (a piece per worker in each, see `pieces::run`) and
//! one summary per worker with the raw bytes of its groups, each bounded by the
//! distinct groups, never by the rows. A quoted field that never closes makes the rest
//! of the file one record, read by the CSV reader, as in the sequential reader.
use std::io::Read;

use rayon::prelude::*;

use super::usage::{fold_rows, read_usage_summary};
use super::usage_fast::{Layout, Worker};
use crate::Parsed;
use crate::csv::pieces::{self, Errors, PIECE, Start};
use crate::csv::{ColumnMap, CsvError, CsvKind, Table};
use crate::evidence::UsageSummary;

/// Reads `identity/usage.csv` as [`read_usage_summary`] does, with the same result,
/// parsing pieces of it on rayon's threads (see the module docs). A file whose first
/// line is not a plain header, or that is smaller than two pieces, is read sequentially.
pub fn read_usage_parallel<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<UsageSummary, CsvError>, CsvError> {
    read_in_pieces(reader, file, map, PIECE)
}

/// [`read_usage_parallel`] with pieces of about `piece` bytes (tests cut small ones).
fn read_in_pieces<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
    piece: usize,
) -> Result<Parsed<UsageSummary, CsvError>, CsvError> {
    let mut cutter = match pieces::start(reader, piece) {
        Start::Pieces(c) => c,
        Start::Whole(input) => return read_usage_summary(input, file, map),
    };
    let header = cutter.header().to_vec();
    // The header, resolved once; its problems are the file's first errors.
    let mut errors = Vec::new();
    let (idx, fields) = Table::open(&header[..], file, CsvKind::Usage, map, &mut errors)?.layout();
    let mut all = Errors::new();
    all.extend(errors);
    let layout = Layout {
        header: &header,
        idx,
        fields,
        file,
        map,
    };
    let workers = rayon::current_num_threads().max(1);
    let mut accs: Vec<Worker> = (0..workers).map(|_| Worker::default()).collect();
    pieces::run(
        &mut cutter,
        &mut accs,
        |acc, p| acc.piece(&p.bytes, p.first_line, &layout),
        |e| all.extend(e),
    )?;
    // Cutting stopped early (an overlong line, an unclosed quote, a read error): the
    // CSV reader reads the rest, as the sequential reader does.
    if let Some((line, input)) = cutter.rest()
        && let Some(w) = accs.first_mut()
    {
        let mut ignored = Vec::new();
        let mut t = Table::open_at(input, file, CsvKind::Usage, map, &mut ignored, line)?;
        let mut errors = Vec::new();
        fold_rows(&mut t, file, &mut w.summary, &mut errors);
        all.extend(errors);
    }
    // Merge pairwise in parallel: the merge order never changes the result.
    let out = accs
        .into_par_iter()
        .map(|w| w.summary)
        .reduce(UsageSummary::new, |mut a, b| {
            a.merge(b);
            a
        });
    Ok(all.finish(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hostile rows: quoted fields across lines and with `""`, CRLF, blank lines, a
    /// quote inside an unquoted field, bad values, a control character, short rows.
    fn hostile(n: usize) -> String {
        let mut s = String::from("at,credential,source,principal,resource_id,outcome,value\r\n");
        for i in 0..n {
            let row = match i % 11 {
                0 => format!(
                    "2026-01-{:02}T00:00:00Z,key-{},\"10.0.0.1\nx\",,,success,\r\n",
                    1 + i % 28,
                    i % 7
                ),
                1 => format!("2026-02-01,key-{},a\"b,svc-1,res-1,rejected,\n", i % 5),
                2 => "\n\r\n   \n".to_string(),
                3 => format!("not-a-time,key-{},,,,,\n", i % 3),
                4 => "2026-03-01T00:00:00Z,\"key-\"\"q\"\"\",src,,,refused,\n".to_string(),
                5 => format!("2026-03-0{}T00:00:00Z,key-\u{1},src,,,,\n", 1 + i % 8),
                6 => "2026-03-01T00:00:00Z,key-1\n".to_string(),
                7 => format!(
                    "2026-04-01T00:00:00Z,key-{},h{},bad principal\u{7f},,denied,\n",
                    i % 4,
                    i % 3
                ),
                _ => format!(
                    "2026-05-{:02}T10:00:00Z,key-{},h{},svc-{},res-{},success,\n",
                    1 + i % 28,
                    i % 13,
                    i % 3,
                    i % 2,
                    i % 5
                ),
            };
            s.push_str(&row);
        }
        s
    }

    /// Lines the fast path must split as the CSV reader does, or leave to it: no quotes,
    /// but padding, a stray `\r`, invalid UTF-8, control characters, other spellings of
    /// one outcome, extra and missing fields, other timestamp forms, repeated groups.
    fn unquoted(n: usize) -> Vec<u8> {
        let mut s = b"at,credential,source,principal,resource_id,outcome\n".to_vec();
        for i in 0..n {
            let row: Vec<u8> = match i % 13 {
                0 => format!(
                    " 2026-01-0{}T00:00:00Z , key-{} ,src,,,success\n",
                    1 + i % 9,
                    i % 3
                )
                .into(),
                1 => format!("2026-01-02T00:00:00Z,key-{},src,,,SUCCESS\r\n", i % 3).into(),
                2 => b"2026-01-02T00:00:00Z,key-1,s\rrc,,,success\n".to_vec(),
                3 => b"2026-01-02T00:00:00Z,key-\xff,src,,,success\n".to_vec(),
                4 => format!("2026-01-03T00:00:00Z,key-{},s\u{1b}rc,,,\n", i % 2).into(),
                5 => b"2026-01-03T00:00:00Z,key-1,src,,,success,extra\n".to_vec(),
                6 => format!("2026-01-03,key-{},src,svc-{},,denied\n", i % 4, i % 2).into(),
                7 => format!("2026-01-03 10:00:0{},key-2,,,,\n", i % 10).into(),
                8 => b"2026-02-30T00:00:00Z,key-1,src,,,\n".to_vec(),
                9 => b"2026-03-01T00:00:00Z,,src,,,\n".to_vec(),
                10 => b"\n  \n".to_vec(),
                11 => format!("2026-03-01T00:00:00Z,key-{},src,svc 1,,\n", i % 2).into(),
                _ => format!(
                    "2026-05-{:02}T10:00:00Z,key-{},h{},svc-{},res-{},rejected\n",
                    1 + i % 28,
                    i % 5,
                    i % 3,
                    i % 2,
                    i % 4
                )
                .into(),
            };
            s.extend_from_slice(&row);
        }
        s.extend_from_slice(b"2026-06-01T00:00:00Z,key-last,src,,,success");
        s
    }

    #[test]
    fn the_fast_path_gives_what_the_sequential_reader_gives() {
        let map = ColumnMap::new();
        for n in [0, 1, 13, 100, 700] {
            let input = unquoted(n);
            let want = show(read_usage_summary(&input[..], "u.csv", &map).unwrap());
            assert!(n < 13 || !want.1.is_empty(), "the bad lines are reported");
            for piece in [1, 7, 64, 500, 1 << 20] {
                let got = show(read_in_pieces(&input[..], "u.csv", &map, piece).unwrap());
                assert_eq!(got, want, "{n} rows, pieces of {piece}");
            }
        }
        // A bare `\r` ends a record for the CSV reader, even in a column nobody reads.
        let mut noted = b"note,at,credential\n".to_vec();
        for i in 0..50 {
            let note = if i % 7 == 3 { "a\rb" } else { "ok" };
            noted
                .extend(format!("{note},2026-01-0{}T00:00:00Z,key-{}\n", 1 + i % 9, i % 4).bytes());
        }
        let want = show(read_usage_summary(&noted[..], "u.csv", &map).unwrap());
        assert!(!want.1.is_empty());
        for piece in [1, 64, 1 << 20] {
            let got = show(read_in_pieces(&noted[..], "u.csv", &map, piece).unwrap());
            assert_eq!(got, want, "pieces of {piece}");
        }
    }

    /// A line longer than any CSV line may be: both readers keep the rows before it and
    /// stop there with the same error, and neither buffers the line whole.
    #[test]
    fn an_overlong_line_ends_the_file_as_in_the_sequential_reader() {
        let map = ColumnMap::new();
        let mut input = unquoted(40);
        input.extend_from_slice(b"\n2026-07-01T00:00:00Z,key-");
        let long = usize::try_from(crate::MAX_CSV_LINE_BYTES).unwrap() + 1024;
        input.resize(input.len() + long, b'x');
        input.extend_from_slice(b",src,,,\n2026-07-02T00:00:00Z,key-after,src,,,\n");
        let want = show(read_usage_summary(&input[..], "u.csv", &map).unwrap());
        assert!(
            want.1.iter().any(|e| e.contains("longer than")),
            "{:?}",
            want.1
        );
        assert!(!want.0.contains("key-after"));
        let got = show(read_in_pieces(&input[..], "u.csv", &map, 1 << 20).unwrap());
        assert_eq!(got, want);
    }

    fn show(p: Parsed<UsageSummary, CsvError>) -> (String, Vec<String>) {
        let errors = p.errors.iter().map(ToString::to_string).collect();
        (format!("{:?}", p.value.into_records()), errors)
    }

    #[test]
    fn pieces_give_what_the_sequential_reader_gives() {
        let map = ColumnMap::new();
        for n in [0, 1, 5, 40, 400] {
            let input = hostile(n);
            let want = show(read_usage_summary(input.as_bytes(), "u.csv", &map).unwrap());
            for piece in [1, 7, 64, 500, 1 << 20] {
                let got = show(read_in_pieces(input.as_bytes(), "u.csv", &map, piece).unwrap());
                assert_eq!(got, want, "{n} rows, pieces of {piece}");
            }
        }
        // An unclosed quote: the rest of the file is one record, in both.
        let open = format!("{}2026-01-01,\"key\n{}", hostile(30), hostile(30));
        let want = show(read_usage_summary(open.as_bytes(), "u.csv", &map).unwrap());
        assert_eq!(
            show(read_in_pieces(open.as_bytes(), "u.csv", &map, 50).unwrap()),
            want
        );
    }
}
