//! `findings.csv` read in parallel: the file is cut into pieces at record boundaries
//! (`csv/pieces.rs`), each piece goes through the row rules of `findings.rs` on a rayon
//! thread, with that thread's own caches, and the findings and errors are joined in file
//! order: exactly what [`read_findings`](super::read_findings) gives, whatever the number
//! of threads or the size of the pieces.
use std::io::Read;

use patchloop_model::Finding;

use super::findings::{FindingCaches, findings_rows_with};
use crate::Parsed;
use crate::csv::pieces::{self, PIECE, RowRules};
use crate::csv::{ColumnMap, CsvError, CsvKind, RowSource};

/// The row rules of `findings.csv`, for the piece reader.
struct Findings;

impl RowRules for Findings {
    const KIND: CsvKind = CsvKind::Findings;
    type Caches = FindingCaches;
    type Out = Finding;
    fn rows(
        t: &mut impl RowSource,
        errors: &mut Vec<CsvError>,
        caches: &mut FindingCaches,
    ) -> Vec<Finding> {
        findings_rows_with(t, errors, caches)
    }
}

/// Reads `findings.csv` as [`read_findings`](super::read_findings) does, with the same
/// result, parsing pieces of it on rayon's threads. A file whose first line is not a
/// plain header, or that is smaller than two pieces, is read sequentially.
pub fn read_findings_parallel<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<Finding>, CsvError>, CsvError> {
    read_in_pieces(reader, file, map, PIECE)
}

/// [`read_findings_parallel`] with pieces of about `piece` bytes (tests cut small ones).
fn read_in_pieces<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
    piece: usize,
) -> Result<Parsed<Vec<Finding>, CsvError>, CsvError> {
    pieces::read_rows::<Findings, R>(reader, file, map, piece)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::read_findings;
    use super::*;
    use crate::csv::pieces::testing::{Trickle, cuts, measure, on_threads, show};

    const HEADER: &str = "asset_id,vuln_id,package,installed_version,fixed_version,first_seen,last_seen,status,fixed_at,scanner,cvss_vector,severity";
    const VECTOR: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

    /// Row `i` of a hostile file: good rows among quoted fields across lines and with
    /// `""` and commas, CRLF, blank lines, rows too short and too long, a bad value in
    /// every column, invalid UTF-8, a quote inside a field and a lone `\r`.
    fn row(i: usize) -> Vec<u8> {
        let a = format!("host-{}", i % 17);
        let v = format!("CVE-2024-{}", 1000 + i % 23);
        let ok = |pkg: &str| {
            format!(
                "{a},{v},{pkg},1.0,1.1,2026-01-0{}T00:00:00Z,,open,,trivy,{VECTOR},high\n",
                1 + i % 9
            )
        };
        let s = match i % 24 {
            0 => ok("openssl"),
            1 => format!(
                "{a},{v},zlib,1.2,1.3,2026-02-01,2026-03-01,Fixed,2026-02-10T00:00:00Z,grype,,critical\n"
            ),
            2 => ok("\"pkg, \"\"quoted\"\"\nsecond line\""),
            3 => ok("crlf").replace('\n', "\r\n"),
            4 => "\n\r\n   \n".to_string(),
            5 => format!("{a},{v},short\n"),
            6 => ok("extra").replace('\n', ",surplus\n"),
            7 => format!("bad\u{1}id,{v},p,,,2026-01-01,,,,,,\n"),
            8 => format!("{a},,p,,,2026-01-01,,,,,,\n"),
            9 => format!("{a},{v},p,,,yesterday,,,,,,\n"),
            10 => format!("{a},{v},p,,,2026-01-01,2026-13-01,,,,,\n"),
            11 => format!("{a},{v},p,,,2026-01-01,,closed,,,,\n"),
            12 => format!("{a},{v},p,,,2026-01-01,,fixed,soon,,,\n"),
            13 => format!("{a},{v},p,,,2026-05-01,,fixed,2026-04-01,,,\n"),
            14 => format!("{a},{v},p,,,2026-01-01,,,,,CVSS:3.1/AV:X,\n"),
            15 => format!("{a},{v},p,,,2026-01-01,,,,,,dire\n"),
            16 => return b"h,CVE-1,\xff\xfe,,,2026-01-01,,,,,,\n".to_vec(),
            17 => format!("{a},{v},p,,,2026-01-01,,,,,{VECTOR},Moderate\n"),
            18 => ok("a\"b"),
            19 => ok("lone\rcr"),
            20 => format!(",{v},p,,,,,,,,,\n"),
            21 => format!("{a},{v},\"\",\"1,0\",,\"2026-01-01\",,\"open\",,\"sc,an\",,\n"),
            22 => format!("{a},{v},{},,,2026-01-01,,,,,,\n", "x".repeat(i % 300)),
            _ => ok("curl"),
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
    fn same(input: &[u8], map: &ColumnMap, piece: usize, step: usize, threads: usize) {
        let want = show(read_findings(input, "f.csv", map));
        let got = on_threads(threads, || {
            let reader = Trickle {
                data: input,
                step,
                fail_at: None,
            };
            show(read_in_pieces(reader, "f.csv", map, piece))
        });
        assert_eq!(
            got, want,
            "pieces of {piece}, reads of {step}, {threads} threads"
        );
    }

    #[test]
    fn pieces_give_what_the_sequential_reader_gives() {
        let map = ColumnMap::new();
        let bom = format!("\u{feff}{HEADER}");
        for n in [0, 1, 5, 24, 100, 500] {
            for header in [HEADER, &bom] {
                let input = file(header, 0..n);
                for (piece, step) in [(1, 1), (7, 5), (64, 64), (500, 1000), (1 << 20, 1 << 20)] {
                    same(&input, &map, piece, step, 2);
                }
            }
        }
        let input = file(HEADER, 0..300);
        let want = show(read_findings(&input[..], "f.csv", &map));
        assert!(want.contains("row skipped") && want.contains("not valid UTF-8"));
        assert!(
            cuts(&input, 64) > 100,
            "the input is cut: {}",
            cuts(&input, 64)
        );
        for threads in [1, 3] {
            same(&input, &map, 64, 13, threads);
        }
    }

    /// Columns in another order, renamed by a mapping, one unknown and one named twice:
    /// the header's own error comes once, first.
    #[test]
    fn a_mapped_reordered_header_resolves_as_in_the_sequential_reader() {
        let mut map = ColumnMap::new();
        map.insert("asset_id".into(), "Host".into());
        let header = "severity,cvss_vector,scanner,fixed_at,status,last_seen,first_seen,fixed_version,installed_version,package,vuln_id,HOST,note,package";
        let mut input = format!("{header}\n").into_bytes();
        for i in 0..200 {
            let a = format!("h{}", i % 5);
            let line = match i % 4 {
                0 => format!("high,,trivy,,open,,2026-01-01,,,pkg{i},CVE-1-{i},{a},n,p\n"),
                1 => format!("bad,,,,,,2026-01-01,,,,CVE-2,{a},,\n"),
                2 => "low,,,,,,2026-01-01,,,,CVE-3\n".to_string(),
                _ => format!("low,,,,,,2026-01-01,,,,CVE-4,{a},\"n\nn\",\n"),
            };
            input.extend(line.bytes());
        }
        let want = show(read_findings(&input[..], "f.csv", &map));
        assert!(want.contains("appears again"), "{want}");
        for piece in [1, 64, 4096] {
            same(&input, &map, piece, 7, 2);
        }
    }

    /// A quote that never closes makes the rest of the file one record in both readers.
    #[test]
    fn an_unclosed_quote_reads_as_in_the_sequential_reader() {
        let map = ColumnMap::new();
        let mut input = file(HEADER, 0..60);
        input.extend(b"h,CVE-1,\"never closed,,,2026-01-01,,,,,,\n");
        input.extend(file(HEADER, 0..60));
        for piece in [1, 50, 1 << 20] {
            same(&input, &map, piece, 11, 2);
        }
    }

    #[test]
    fn empty_and_header_only_files_read_as_in_the_sequential_reader() {
        let map = ColumnMap::new();
        let header_only = format!("{HEADER}\n");
        let short = "asset_id,package\nh,p\nh,q\nh,r\nh,s\n";
        let no_newline = format!("{HEADER}\nh,CVE-1,p,,,2026-01-01,,,,,,");
        for input in [
            "",
            "\n",
            "   \n\n",
            HEADER,
            &header_only,
            short,
            &no_newline,
            "\u{feff}",
        ] {
            assert!(!show(read_findings(input.as_bytes(), "f.csv", &map)).is_empty());
            for piece in [1, 3, 64] {
                same(input.as_bytes(), &map, piece, 2, 2);
            }
        }
        // UTF-16 and NUL bytes in the header: the same fatal error.
        let utf16 = [&b"\xff\xfea\0,\0b\0\n\0"[..], &[b'x'; 300]].concat();
        same(&utf16, &map, 4, 9, 2);
    }

    /// More bad rows than are kept: the same first errors and the same final count.
    #[test]
    fn more_errors_than_the_cap_count_the_same() {
        let map = ColumnMap::new();
        let max = crate::limits().row_errors;
        let mut input = format!("{HEADER}\n").into_bytes();
        for i in 0..(3 * max + 11) {
            input.extend(format!("h{i},CVE-1,p,,,never,,,,,,\n").bytes());
            if i % 10 == 0 {
                input.extend(row(0));
            }
        }
        let want = show(read_findings(&input[..], "f.csv", &map));
        assert!(want.contains(&format!("and {} more row errors", 2 * max + 11)));
        for piece in [64, 4096] {
            same(&input, &map, piece, 1000, 2);
        }
    }

    /// A read that fails part-way: the rows before it and the error on the same line.
    #[test]
    fn a_read_error_reads_as_in_the_sequential_reader() {
        let map = ColumnMap::new();
        let input = file(HEADER, 0..120);
        for fail_at in [0, 10, 200, 201, 1000, 4321, input.len() / 2, input.len()] {
            for piece in [64, 1000] {
                let read = |step| Trickle {
                    data: &input,
                    step,
                    fail_at: Some(fail_at),
                };
                let want = show(read_findings(read(37), "f.csv", &map));
                let got = on_threads(2, || show(read_in_pieces(read(13), "f.csv", &map, piece)));
                assert_eq!(got, want, "failing at {fail_at}, pieces of {piece}");
            }
        }
    }

    /// A line longer than any CSV line may be: both readers keep the rows before it and
    /// stop there with the same error.
    #[test]
    fn an_overlong_line_ends_the_file_as_in_the_sequential_reader() {
        let map = ColumnMap::new();
        let mut input = file(HEADER, 0..50);
        input.extend_from_slice(b"h,CVE-1,");
        let long = usize::try_from(crate::MAX_CSV_LINE_BYTES).unwrap() + 1024;
        input.resize(input.len() + long, b'x');
        input.extend_from_slice(b",,,2026-01-01,,,,,,\nafter,CVE-2,,,,2026-01-01,,,,,,\n");
        let want = show(read_findings(&input[..], "f.csv", &map));
        assert!(want.contains("longer than") && !want.contains("after"));
        let got = show(read_in_pieces(&input[..], "f.csv", &map, 1 << 20));
        assert_eq!(got, want);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Random rows (hostile ones included) cut at random piece sizes and read in
        /// random steps: the same findings and errors.
        #[test]
        fn random_cuts_give_what_the_sequential_reader_gives(
            rows in proptest::collection::vec(0usize..240, 0..120),
            junk in proptest::collection::vec(any::<u8>(), 0..40),
            at in any::<proptest::sample::Index>(),
            piece in 1usize..400,
            step in 1usize..300,
        ) {
            let mut input = file(HEADER, rows);
            // Arbitrary bytes somewhere after the header.
            let cut = HEADER.len() + 1 + at.index(input.len() - HEADER.len());
            input.splice(cut..cut, junk);
            let map = ColumnMap::new();
            let want = show(read_findings(&input[..], "f.csv", &map));
            let reader = Trickle { data: &input, step, fail_at: None };
            let got = show(read_in_pieces(reader, "f.csv", &map, piece));
            prop_assert_eq!(got, want);
        }
    }

    /// Rows a second of both readers on a real file (`PATCHLOOP_FINDINGS_CSV`); no timing is asserted.
    #[test]
    #[ignore = "a measurement: needs PATCHLOOP_FINDINGS_CSV and a release build"]
    fn measure_on_a_real_file() {
        let map = ColumnMap::new();
        measure(
            "PATCHLOOP_FINDINGS_CSV",
            |r| read_findings(r, "x.csv", &map),
            |r| read_findings_parallel(r, "x.csv", &map),
        );
    }
}
