//! True line numbers for CSV records.
//!
//! The `csv` crate's record positions point at where the parser *started* looking for a
//! record, which is the first of any blank lines skipped before it, and, in a CRLF file,
//! the `\n` left over from the previous line: every record of a Windows export was
//! reported one line too early (rust-csv issues 208 and 395). The byte offset it gives
//! is right for that line, and only line breaks lie between it and the record, so the
//! record's line is the line of the first byte after that offset that is not `\r` or
//! `\n`. [`LineReader`] sits under the CSV reader and remembers where such bytes are;
//! it only remembers what the CSV reader has read but not yet parsed (its buffer), so
//! memory stays bounded whatever the file's size.
use std::collections::VecDeque;
use std::io::Read;

/// A reader that remembers the byte offset and line of every line start it passes on.
pub(crate) struct LineReader<R> {
    inner: R,
    /// Bytes passed on so far.
    offset: u64,
    /// 1-based line of the next byte.
    line: u64,
    /// Whether the previous byte was `\r` or `\n` (true at the start).
    after_break: bool,
    /// (offset, line) of each byte that starts a line and is not itself a break, not yet
    /// asked about.
    starts: VecDeque<(u64, u64)>,
    /// Bytes since the last line break, and the most allowed
    /// ([`crate::MAX_CSV_LINE_BYTES`]).
    run: u64,
    max_line: u64,
}

impl<R: Read> LineReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineReader::at_line(inner, 1)
    }

    /// A reader whose first byte is on line `line`: a piece of a file read on its own
    /// (the parallel `usage.csv` reader) reports the lines of the whole file.
    pub(crate) fn at_line(inner: R, line: u64) -> Self {
        LineReader {
            inner,
            offset: 0,
            line,
            after_break: true,
            starts: VecDeque::new(),
            run: 0,
            max_line: crate::limits().csv_line_bytes,
        }
    }

    /// The same reader with another line-length limit (tests use small ones).
    #[cfg(test)]
    pub(crate) fn with_max_line(mut self, max_line: u64) -> Self {
        self.max_line = max_line;
        self
    }

    /// The line of the first non-break byte at or after `byte`; `None` when none has
    /// been read (the end of the input). Offsets must be asked in increasing order:
    /// earlier starts are forgotten.
    pub(crate) fn line_at(&mut self, byte: u64) -> Option<u64> {
        while let Some(&(o, l)) = self.starts.front() {
            if o >= byte {
                return Some(l);
            }
            self.starts.pop_front();
        }
        None
    }
}

impl<R> LineReader<R> {
    /// The line of the next byte to be read.
    pub(crate) fn current_line(&self) -> u64 {
        self.line
    }

    /// The error for a line longer than the limit: the CSV parser would buffer it whole,
    /// so reading stops there, located. The bytes before it were passed on, so the rows
    /// before it still count.
    fn too_long(&self) -> std::io::Error {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "line {} is longer than {} bytes; the rest of the file is not read",
                self.line, self.max_line
            ),
        )
    }
}

impl<R: Read> Read for LineReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.run > self.max_line {
            return Err(self.too_long());
        }
        let n = self.inner.read(buf)?;
        let n = self.note(buf.get(..n).unwrap_or_default());
        self.offset += n as u64;
        if n == 0 && self.run > self.max_line {
            // Nothing before the overflow to pass on: `Ok(0)` would read as the end.
            return Err(self.too_long());
        }
        Ok(n)
    }
}

impl<R> LineReader<R> {
    /// Notes the line starts and breaks of `data`, just read, and returns how many of its
    /// bytes to pass on: all, or those before the byte that makes a line too long (the
    /// next read reports it). A run of bytes between breaks at a time, found with
    /// `memchr`, not byte by byte: this sits under every CSV file read.
    fn note(&mut self, data: &[u8]) -> usize {
        let mut pos = 0;
        while pos < data.len() {
            let rest = data.get(pos..).unwrap_or_default();
            let brk = memchr::memchr2(b'\n', b'\r', rest).map(|i| pos + i);
            let end = brk.unwrap_or(data.len());
            if end > pos {
                // Bytes `pos..end` are no breaks: a line starts at `pos` after a break.
                if self.after_break {
                    self.starts.push_back((self.offset + pos as u64, self.line));
                }
                self.after_break = false;
                let len = (end - pos) as u64;
                if self.run + len > self.max_line {
                    // The byte that makes the run one too long is not passed on.
                    let room = self.max_line - self.run;
                    self.run = self.max_line + 1;
                    return pos + usize::try_from(room).unwrap_or(usize::MAX);
                }
                self.run += len;
            }
            let Some(b) = brk else { break };
            if data.get(b) == Some(&b'\n') {
                self.line += 1;
            }
            self.after_break = true;
            self.run = 0;
            pos = b + 1;
        }
        data.len()
    }
}

/// The true line of a record (or error) the `csv` reader placed at `pos`.
pub(crate) fn record_line<R: Read>(
    rdr: &mut csv::Reader<LineReader<R>>,
    pos: Option<&csv::Position>,
) -> u64 {
    let Some(pos) = pos else { return 0 };
    rdr.get_mut().line_at(pos.byte()).unwrap_or(pos.line())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(String, u64)> {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(LineReader::new(input));
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while rdr.read_byte_record(&mut rec).unwrap() {
            let line = record_line(&mut rdr, rec.position());
            out.push((String::from_utf8_lossy(&rec[0]).into_owned(), line));
        }
        out
    }

    fn expect(input: &[u8]) {
        // Each record's first field is its true line.
        for (first, line) in lines(input) {
            assert_eq!(
                first,
                line.to_string(),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn an_overlong_line_stops_the_reading_with_its_line() {
        let input = b"h,x\n2,a\n3,aaaaaaaaaaaaaaaaaaaaaaaa\n4,a\n";
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(LineReader::new(&input[..]).with_max_line(10));
        let mut rec = csv::ByteRecord::new();
        assert!(rdr.read_byte_record(&mut rec).unwrap());
        let e = loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => continue,
                Ok(false) => panic!("the long line was read"),
                Err(e) => break e.to_string(),
            }
        };
        assert!(e.contains("line 3 is longer than 10 bytes"), "{e}");
        // The limit met at the first byte of a read is an error too, never an end.
        let long = [b'a'; 64];
        let mut r = LineReader::new(&long[..]).with_max_line(10);
        let mut buf = [0u8; 11];
        assert_eq!(r.read(&mut buf).unwrap(), 10);
        assert!(r.read(&mut buf).is_err());
        assert!(r.read(&mut buf).is_err());
    }

    #[test]
    fn lf_crlf_blank_lines_and_multiline_fields() {
        expect(b"h,x\n2,a\n\n4,a\n5,a\n\n\n8,a\n");
        expect(b"h,x\r\n2,a\r\n\r\n4,a\r\n5,a\r\n\r\n\r\n8,a\r\n");
        expect(b"h,x\n2,\"a\nb\"\n\n5,a\n6,\"\r\n\r\n\"\n9,a");
        expect(b"\n\nh,x\n4,a\n");
        expect(b"\xef\xbb\xbfh,x\r\n2,a");
    }

    /// The byte-by-byte loop `note` replaced: the reference it must agree with.
    fn note_bytewise<R>(r: &mut LineReader<R>, data: &[u8]) -> usize {
        for (i, &b) in data.iter().enumerate() {
            let is_break = b == b'\n' || b == b'\r';
            if !is_break && r.after_break {
                r.starts.push_back((r.offset + i as u64, r.line));
            }
            if b == b'\n' {
                r.line += 1;
            }
            r.after_break = is_break;
            if is_break {
                r.run = 0;
            } else {
                r.run += 1;
                if r.run > r.max_line {
                    return i;
                }
            }
        }
        data.len()
    }

    proptest::proptest! {
        /// Reads of any sizes note the same starts, lines and runs, and pass on the same
        /// bytes, as the byte-by-byte loop.
        #[test]
        fn runs_of_bytes_note_what_bytes_one_by_one_note(
            data in proptest::collection::vec(
                proptest::sample::select(&b"ab\r\n,"[..]), 0..300),
            reads in proptest::collection::vec(1usize..50, 1..20),
            max_line in 1u64..30,
        ) {
            let mut fast = LineReader::new(&b""[..]).with_max_line(max_line);
            let mut slow = LineReader::new(&b""[..]).with_max_line(max_line);
            let mut at = 0;
            for step in reads.iter().cycle().take(data.len() + 1) {
                if at >= data.len() || fast.run > max_line {
                    break;
                }
                let chunk = &data[at..(at + step).min(data.len())];
                let n = fast.note(chunk);
                proptest::prop_assert_eq!(n, note_bytewise(&mut slow, chunk));
                fast.offset += n as u64;
                slow.offset += n as u64;
                proptest::prop_assert_eq!(&fast.starts, &slow.starts);
                proptest::prop_assert_eq!(
                    (fast.line, fast.run, fast.after_break),
                    (slow.line, slow.run, slow.after_break)
                );
                at += chunk.len();
            }
        }
    }

    #[test]
    fn a_long_file_keeps_few_starts() {
        let mut input = b"h,x\n".to_vec();
        for i in 2..50_000 {
            input.extend_from_slice(format!("{i},a\n").as_bytes());
        }
        let mut rdr = csv::ReaderBuilder::new().from_reader(LineReader::new(&input[..]));
        let mut rec = csv::ByteRecord::new();
        let mut most = 0;
        while rdr.read_byte_record(&mut rec).unwrap() {
            let line = record_line(&mut rdr, rec.position());
            assert_eq!(&rec[0], line.to_string().as_bytes());
            most = most.max(rdr.get_ref().starts.len());
        }
        assert!(most < 10_000, "{most}");
    }
}
