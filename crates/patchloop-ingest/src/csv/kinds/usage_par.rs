//! `identity/usage.csv` read in parallel: the file is cut into pieces of about
//! [`PIECE`] bytes at record boundaries, each piece is parsed on its own with the
//! header in front of it (so columns resolve as in the whole file) and its line numbers
//! set to the file's, and each worker folds its pieces into its own summary. The
//! summaries merge to exactly what [`read_usage_summary`] gives: a group's first and last
//! presentation are the least and greatest (time, origin), whatever order pieces come
//! in, and errors are reported in file order.
//!
//! Each piece's lines go through the fast row path of `usage_fast` (a line whose group
//! was seen before skips validation), the rest through the sequential row code.
//!
//! Memory: one batch of pieces (a piece per worker) and one summary per worker with the
//! raw bytes of its groups, each bounded by the distinct groups, never by the rows. A quoted field that never closes
//! makes the rest of the file one piece, as it makes it one record in the CSV parser.
use std::io::Read;

use rayon::prelude::*;

use super::usage::{fold_rows, read_usage_summary};
use super::usage_fast::{Layout, Worker};
use crate::Parsed;
use crate::csv::{ColumnMap, CsvError, CsvKind, Table, finish};
use crate::evidence::UsageSummary;

/// Bytes per piece: large enough that a piece costs far more to parse than to cut and
/// hand over, small enough that a batch of them is a few tens of MB.
pub(crate) const PIECE: usize = 8 << 20;

/// One piece: its bytes and the line its first byte is on.
struct Piece {
    first_line: u64,
    bytes: Vec<u8>,
}

/// The end of the last record in `buf`, which starts at a record start: the offset just
/// after the last `\n` the CSV parser (RFC 4180 quoting, `""` escapes, a quote only
/// opening a field at its start) reads outside a quoted field.
fn last_boundary(buf: &[u8]) -> Option<usize> {
    if memchr::memchr(b'"', buf).is_none() {
        return memchr::memrchr(b'\n', buf).map(|i| i + 1);
    }
    let (mut quoted, mut closed, mut field_start) = (false, false, true);
    let mut last = None;
    for (i, &b) in buf.iter().enumerate() {
        if quoted {
            if b == b'"' {
                quoted = false;
                closed = true;
            }
            continue;
        }
        if std::mem::take(&mut closed) && b == b'"' {
            quoted = true; // `""`: a quote inside the quoted field
            continue;
        }
        match b {
            b'"' if field_start => {
                quoted = true;
                field_start = false;
            }
            b',' | b'\r' => field_start = true,
            b'\n' => {
                field_start = true;
                last = Some(i + 1);
            }
            _ => field_start = false,
        }
    }
    last
}

/// The length of the longest line in `buf`, its line end excluded (a lone `\r` ends a
/// line for the CSV reader too).
fn longest_line(buf: &[u8]) -> u64 {
    let mut longest = 0usize;
    let mut start = 0usize;
    for end in memchr::memchr2_iter(b'\n', b'\r', buf) {
        longest = longest.max(end - start);
        start = end + 1;
    }
    longest.max(buf.len() - start.min(buf.len())) as u64
}

/// The header line to put in front of every piece but the first, when the file's
/// first line is one plain header record: no quotes, a `\r` only before its `\n`, not
/// blank. `None` sends the file to the sequential reader.
fn header_line(buf: &[u8]) -> Option<&[u8]> {
    let end = memchr::memchr(b'\n', buf)?;
    let line = buf.get(..=end)?;
    let body = line.strip_suffix(b"\n")?;
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    let plain = !body.contains(&b'"') && !body.contains(&b'\r');
    let blank = body.iter().all(|b| b.is_ascii_whitespace());
    (plain && !blank).then_some(line)
}

/// Reads into `buf` until it holds at least `want` bytes or the input ends; `Ok(false)`
/// at the end.
fn fill<R: Read>(r: &mut R, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    let mut chunk = vec![0u8; 1 << 20];
    while buf.len() < want {
        match r.read(&mut chunk) {
            Ok(0) => return Ok(false),
            Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

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
    mut reader: R,
    file: &str,
    map: &ColumnMap,
    piece: usize,
) -> Result<Parsed<UsageSummary, CsvError>, CsvError> {
    let mut pending = Vec::with_capacity(piece * 2);
    let io = |e: std::io::Error, line: u64| CsvError::Syntax {
        file: file.to_string(),
        line,
        message: format!("I/O error: {e}"),
    };
    let mut more = fill(&mut reader, &mut pending, piece * 2).map_err(|e| io(e, 1))?;
    let header = match header_line(&pending) {
        Some(h) if more => h.to_vec(),
        _ => return read_usage_summary(std::io::Cursor::new(pending).chain(reader), file, map),
    };
    // The header, resolved once; its problems are the file's first errors.
    let mut errors = Vec::new();
    let (idx, fields) = Table::open(&header[..], file, CsvKind::Usage, map, &mut errors)?.layout();
    let layout = Layout {
        header: &header,
        idx,
        fields,
        file,
        map,
    };
    let workers = rayon::current_num_threads().max(1);
    let mut accs: Vec<Worker> = (0..workers).map(|_| Worker::default()).collect();
    let mut line = 1u64;
    let mut broke: Option<CsvError> = None;
    // A line longer than any CSV line may be (`MAX_CSV_LINE_BYTES`) has no boundary to
    // cut at: the rest of the file goes to the CSV reader, which stops at that line with
    // its error, as the sequential reader does, instead of this buffer growing with it.
    let mut overlong = false;
    while (!pending.is_empty() || more) && !overlong {
        let mut batch = Vec::with_capacity(workers);
        while batch.len() < workers && (!pending.is_empty() || more) {
            // Grow until a record ends in the buffer, or the input ends.
            let cut = loop {
                if more && pending.len() < piece {
                    match fill(&mut reader, &mut pending, piece) {
                        Ok(m) => more = m,
                        Err(e) => {
                            broke = Some(io(e, line));
                            more = false;
                        }
                    }
                }
                match last_boundary(&pending) {
                    None if pending.len() as u64 > crate::limits().csv_line_bytes => {
                        overlong = true;
                        break 0;
                    }
                    _ if !more => break pending.len(),
                    Some(c) => break c,
                    None => {
                        let want = pending.len() + piece;
                        match fill(&mut reader, &mut pending, want) {
                            Ok(m) => more = m,
                            Err(e) => {
                                broke = Some(io(e, line));
                                more = false;
                            }
                        }
                    }
                }
            };
            if overlong {
                break;
            }
            let rest = pending.split_off(cut);
            let bytes = std::mem::replace(&mut pending, rest);
            if longest_line(&bytes) > crate::limits().csv_line_bytes {
                // The piece holds the overlong line: it and the rest go to the CSV reader.
                let mut whole = bytes;
                whole.append(&mut pending);
                pending = whole;
                overlong = true;
                break;
            }
            let first_line = line;
            line += memchr::memchr_iter(b'\n', &bytes).count() as u64;
            batch.push(Piece { first_line, bytes });
        }
        let results: Vec<Result<Vec<CsvError>, CsvError>> = accs
            .par_iter_mut()
            .zip(batch.par_iter())
            .map(|(acc, p)| acc.piece(&p.bytes, p.first_line, &layout))
            .collect();
        for r in results {
            errors.extend(r?);
        }
    }
    if overlong && let Some(w) = accs.first_mut() {
        let mut ignored = Vec::new();
        let rest = std::mem::take(&mut pending);
        let input = header
            .as_slice()
            .chain(std::io::Cursor::new(rest))
            .chain(reader);
        let mut t = Table::open_at(input, file, CsvKind::Usage, map, &mut ignored, line - 1)?;
        fold_rows(&mut t, file, &mut w.summary, &mut errors);
    }
    errors.extend(broke);
    // Merge pairwise in parallel: the merge order never changes the result.
    let out = accs
        .into_par_iter()
        .map(|w| w.summary)
        .reduce(UsageSummary::new, |mut a, b| {
            a.merge(b);
            a
        });
    Ok(finish(out, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_skip_quoted_line_breaks() {
        assert_eq!(last_boundary(b"a,b\nc,d"), Some(4));
        assert_eq!(last_boundary(b"a,\"b\nc\"\nd"), Some(8));
        assert_eq!(last_boundary(b"a,\"b\"\"\nc"), None);
        assert_eq!(last_boundary(b"a,b\"\nc"), Some(5));
        assert_eq!(last_boundary(b"x\n\"open\n"), Some(2));
        assert_eq!(
            header_line(b"at,credential\r\nx"),
            Some(&b"at,credential\r\n"[..])
        );
        assert_eq!(header_line(b"\"at\",credential\n"), None);
        assert_eq!(header_line(b"  \nat\n"), None);
    }

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
