//! `events.csv` read in parallel: the file is cut into pieces at record boundaries
//! (`csv/pieces.rs`), each piece goes through the row rules of `events.rs` on a rayon
//! thread, with that thread's own caches, the events and errors are joined in file order
//! and the events sorted by (at, line) as [`read_events`](super::read_events) sorts them:
//! exactly its result, whatever the number of threads or the size of the pieces.
use std::io::Read;

use patchloop_model::Event;
use rayon::slice::ParallelSliceMut;

use super::events::{EventCaches, events_rows_with};
use crate::Parsed;
use crate::csv::pieces::{self, PIECE, RowRules};
use crate::csv::{ColumnMap, CsvError, CsvKind, RowSource};

/// The row rules of `events.csv`, for the piece reader.
struct Events;

impl RowRules for Events {
    const KIND: CsvKind = CsvKind::Events;
    type Caches = EventCaches;
    type Out = Event;
    fn rows(
        t: &mut impl RowSource,
        errors: &mut Vec<CsvError>,
        caches: &mut EventCaches,
    ) -> Vec<Event> {
        events_rows_with(t, errors, caches)
    }
}

/// Reads `events.csv` as [`read_events`](super::read_events) does, with the same
/// result, parsing pieces of it on rayon's threads. A file whose first line is not a
/// plain header, or that is smaller than two pieces, is read sequentially.
pub fn read_events_parallel<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<Event>, CsvError>, CsvError> {
    read_in_pieces(reader, file, map, PIECE)
}

/// [`read_events_parallel`] with pieces of about `piece` bytes (tests cut small ones).
fn read_in_pieces<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
    piece: usize,
) -> Result<Parsed<Vec<Event>, CsvError>, CsvError> {
    let mut parsed = pieces::read_rows::<Events, R>(reader, file, map, piece)?;
    // Lines are unique, so any sort by (at, line) gives the sequential reader's order;
    // an unstable one needs no buffer of half the events.
    parsed.value.par_sort_unstable_by_key(|e| (e.at, e.line));
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::read_events;
    use super::*;
    use crate::csv::pieces::testing::{Trickle, cuts, measure, on_threads, show};

    const HEADER: &str =
        "at,kind,asset_id,vuln_id,secret_id,resource_id,reason,actor,note,outcome,external_id";

    /// Row `i` of a hostile file: good events of every kind among quoted fields across
    /// lines and with `""` and commas, CRLF, blank lines, rows too short and too long, a
    /// bad value in every column, a kind missing what it needs, invalid UTF-8, a quote
    /// inside a field and a lone `\r`. Times repeat, so the sort must break ties by line.
    fn row(i: usize) -> Vec<u8> {
        let at = format!("2026-0{}-0{}T00:00:00Z", 1 + i % 3, 1 + i % 4);
        let (a, v) = (format!("host-{}", i % 7), format!("CVE-2024-{}", i % 5));
        let s = match i % 24 {
            0 => format!("{at},deploy_succeeded,{a},{v},,,,bot,,,\n"),
            1 => format!(
                "{at},deploy_failed,{a},{v},,,disk,bot,\"note, with \"\"quotes\"\"\nand a line\",,x-{i}\n"
            ),
            2 => format!("{at},verify_passed,{a},{v},,,,,,,\r\n"),
            3 => "\n\r\n  \n".to_string(),
            4 => format!("{at},secret_rotated,,,sec-{},,,,,,\n", i % 3),
            5 => format!("{at},trust_verified,,,sec-1,res-{},,,,,\n", i % 2),
            6 => format!("{at},identity_reviewed,{a},{v},,,,,exposed,,\n"),
            7 => format!("{at},identity_reviewed,{a},{v},,,,,,not_exposed,\n"),
            8 => format!("{at},identity_reviewed,{a},{v},,,,,,,\n"),
            9 => format!("{at},deploy_failed,{a},{v},,,,,,,\n"),
            10 => format!("{at},trust_verified,,,sec-1,,,,,,\n"),
            11 => format!("{at},secret_revoked,,,,,,,,,\n"),
            12 => format!("whenever,deploy_succeeded,{a},{v},,,,,,,\n"),
            13 => format!("{at},exploded,{a},{v},,,,,,,\n"),
            14 => format!("{at},deploy_succeeded,bad\u{2}id,{v},,,,,,,\n"),
            15 => format!("{at},deploy_failed,{a},{v},,,gremlins,,,,\n"),
            16 => format!("{at},identity_reviewed,{a},{v},,,,,,maybe,\n"),
            17 => format!(",,{a},{v},,,,,,,\n"),
            18 => format!("{at},deploy_succeeded,{a}\n"),
            19 => format!("{at},deploy_succeeded,{a},{v},,,,,,,,extra\n"),
            20 => return b"2026-01-01,deploy_succeeded,h,CVE-1,,,,\xc3(,,,\n".to_vec(),
            21 => format!("{at},verify_failed,{a},{v},,,other,ac\"tor,n\rote,,\n"),
            22 => format!("\"{at}\",\"sessions_revoked\",,,\"sec,2\",,,,,,\n"),
            _ => format!("{at},detection_enabled,,,sec-{},,,,,,\n", i % 4),
        };
        s.into_bytes()
    }

    fn file(header: &str, rows: impl IntoIterator<Item = usize>) -> Vec<u8> {
        let mut s = format!("{header}\n").into_bytes();
        for i in rows {
            s.extend(row(i));
        }
        s
    }

    /// The parallel reader, on `threads` threads, pieces of `piece` bytes and reads of
    /// `step` bytes, against the sequential one.
    fn same(input: &[u8], piece: usize, step: usize, threads: usize) {
        let map = ColumnMap::new();
        let want = show(read_events(input, "e.csv", &map));
        let got = on_threads(threads, || {
            let reader = Trickle {
                data: input,
                step,
                fail_at: None,
            };
            show(read_in_pieces(reader, "e.csv", &map, piece))
        });
        assert_eq!(
            got, want,
            "pieces of {piece}, reads of {step}, {threads} threads"
        );
    }

    #[test]
    fn pieces_give_what_the_sequential_reader_gives() {
        let bom = format!("\u{feff}{HEADER}");
        for n in [0, 1, 5, 24, 100, 500] {
            for header in [HEADER, &bom] {
                let input = file(header, 0..n);
                for (piece, step) in [(1, 1), (7, 5), (64, 64), (500, 1000), (1 << 20, 1 << 20)] {
                    same(&input, piece, step, 2);
                }
            }
        }
        let input = file(HEADER, (0..300).rev());
        let want = show(read_events(&input[..], "e.csv", &ColumnMap::new()));
        assert!(want.contains("needs reason") && want.contains("not valid UTF-8"));
        assert!(cuts(&input, 64) > 100, "the input is cut");
        for threads in [1, 3] {
            same(&input, 64, 13, threads);
        }
    }

    #[test]
    fn odd_files_read_as_in_the_sequential_reader() {
        let header_only = format!("{HEADER}\r\n");
        let mut open = file(HEADER, 0..50);
        open.extend(b"2026-01-01,deploy_succeeded,h,\"CVE-1\n,,,,,,,\n");
        open.extend(file(HEADER, 0..50));
        let inputs: [&[u8]; 6] = [
            b"",
            b"\r\n",
            HEADER.as_bytes(),
            header_only.as_bytes(),
            b"at,asset_id\n2026-01-01,h\n2026-01-01,h\n2026-01-01,h\n",
            &open,
        ];
        for input in inputs {
            for piece in [1, 5, 64, 1 << 20] {
                same(input, piece, 3, 2);
            }
        }
    }

    /// More bad rows than are kept: the same first errors and the same final count.
    #[test]
    fn more_errors_than_the_cap_count_the_same() {
        let max = crate::limits().row_errors;
        let mut input = format!("{HEADER}\n").into_bytes();
        for i in 0..(2 * max + 5) {
            input.extend(format!("2026-01-01,deploy_failed,h{i},CVE-1,,,,,,,\n").bytes());
            input.extend(row(i));
        }
        let want = show(read_events(&input[..], "e.csv", &ColumnMap::new()));
        assert!(want.contains("more row errors"));
        for piece in [64, 4096] {
            same(&input, piece, 1000, 2);
        }
    }

    /// A read that fails part-way: the events before it and the error on the same line.
    #[test]
    fn a_read_error_reads_as_in_the_sequential_reader() {
        let map = ColumnMap::new();
        let input = file(HEADER, 0..120);
        for fail_at in [0, 30, 150, 999, input.len() / 3, input.len()] {
            let read = |step| Trickle {
                data: &input,
                step,
                fail_at: Some(fail_at),
            };
            let want = show(read_events(read(41), "e.csv", &map));
            let got = on_threads(2, || show(read_in_pieces(read(7), "e.csv", &map, 90)));
            assert_eq!(got, want, "failing at {fail_at}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Random rows (hostile ones included) cut at random piece sizes and read in
        /// random steps: the same events, in the same order, and the same errors.
        #[test]
        fn random_cuts_give_what_the_sequential_reader_gives(
            rows in proptest::collection::vec(0usize..240, 0..120),
            junk in proptest::collection::vec(any::<u8>(), 0..40),
            at in any::<proptest::sample::Index>(),
            piece in 1usize..400,
            step in 1usize..300,
        ) {
            let mut input = file(HEADER, rows);
            let cut = HEADER.len() + 1 + at.index(input.len() - HEADER.len());
            input.splice(cut..cut, junk);
            let map = ColumnMap::new();
            let want = show(read_events(&input[..], "e.csv", &map));
            let reader = Trickle { data: &input, step, fail_at: None };
            let got = show(read_in_pieces(reader, "e.csv", &map, piece));
            prop_assert_eq!(got, want);
        }
    }

    /// Rows a second of both readers on a real file (`PATCHLOOP_EVENTS_CSV`); no timing is asserted.
    #[test]
    #[ignore = "a measurement: needs PATCHLOOP_EVENTS_CSV and a release build"]
    fn measure_on_a_real_file() {
        let map = ColumnMap::new();
        measure(
            "PATCHLOOP_EVENTS_CSV",
            |r| read_events(r, "x.csv", &map),
            |r| read_events_parallel(r, "x.csv", &map),
        );
    }
}
