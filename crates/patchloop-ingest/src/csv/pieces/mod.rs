//! Cutting a bundle CSV file into pieces at record boundaries, so the pieces can be
//! parsed on rayon's threads with exactly the rows, line numbers and errors one pass of
//! the CSV reader gives; the parallel readers of `usage.csv`, `findings.csv` and
//! `events.csv` share it.
//!
//! The file's header line is taken off once; each piece is read with it in front (so
//! columns resolve as in the whole file) and starts on a known line. A piece ends after a
//! `\n` that RFC 4180 quoting puts outside a quoted field, so no record spans two pieces.
//! Where no such cut can be made (a line longer than the CSV line limit, a quote that
//! never closes) or the input fails to read, cutting stops and the rest of the input,
//! with the header in front, goes to the sequential reader, which then gives what it
//! would have given on the whole file from that record on.
//!
//! Memory: the uncut bytes (a piece or two) and two batches of pieces, a piece per
//! worker in each: the one being parsed and the next, cut meanwhile.
use std::io::{Cursor, Read};

use super::{CsvError, finish};
use crate::Parsed;

mod rows;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

pub(crate) use rows::{RowRules, read_rows};

/// Bytes per piece: large enough that a piece costs far more to parse than to cut and
/// hand over, small enough that the two batches [`run`] holds are a few tens of MB.
pub(crate) const PIECE: usize = 4 << 20;

/// One piece: its bytes (whole records) and the line of the file its first byte is on.
pub(crate) struct Piece {
    pub(crate) first_line: u64,
    pub(crate) bytes: Vec<u8>,
}

/// The end of the last record in `buf`, which starts at a record start: the offset just
/// after the last `\n` the CSV parser (RFC 4180 quoting, `""` escapes, a quote only
/// opening a field at its start) reads outside a quoted field.
#[cfg(test)]
fn last_boundary(buf: &[u8]) -> Option<usize> {
    let mut scan = Scan::default();
    scan.extend(buf);
    scan.last
}

/// The quoting state of a buffer that starts at a record start, scanned so far: a
/// window that grows is scanned once, not again from its start each time it grows.
struct Scan {
    /// Bytes scanned.
    pos: usize,
    quoted: bool,
    /// The previous byte closed a quoted field (a quote now is a `""` escape).
    closed: bool,
    field_start: bool,
    /// Just after the last `\n` outside a quoted field: the last record end.
    last: Option<usize>,
}

impl Default for Scan {
    fn default() -> Self {
        Scan {
            pos: 0,
            quoted: false,
            closed: false,
            field_start: true,
            last: None,
        }
    }
}

impl Scan {
    /// Scans `buf` from where the last call stopped (`buf` holds what it held then).
    fn extend(&mut self, buf: &[u8]) {
        let new = buf.get(self.pos..).unwrap_or_default();
        let from = self.pos;
        self.pos = buf.len().max(self.pos);
        if !self.quoted && memchr::memchr(b'"', new).is_none() {
            // No quote: every `\n` ends a record.
            if let Some(i) = memchr::memrchr(b'\n', new) {
                self.last = Some(from + i + 1);
            }
            if let Some(&b) = new.last() {
                self.closed = false;
                self.field_start = matches!(b, b',' | b'\r' | b'\n');
            }
            return;
        }
        for (i, &b) in new.iter().enumerate() {
            if self.quoted {
                if b == b'"' {
                    self.quoted = false;
                    self.closed = true;
                }
                continue;
            }
            if std::mem::take(&mut self.closed) && b == b'"' {
                self.quoted = true; // `""`: a quote inside the quoted field
                continue;
            }
            match b {
                b'"' if self.field_start => {
                    self.quoted = true;
                    self.field_start = false;
                }
                b',' | b'\r' => self.field_start = true,
                b'\n' => {
                    self.field_start = true;
                    self.last = Some(from + i + 1);
                }
                _ => self.field_start = false,
            }
        }
    }
}

/// The length of the longest line in `buf`, its line end excluded (a lone `\r` ends a
/// line for the CSV reader too).
pub(crate) fn longest_line(buf: &[u8]) -> u64 {
    let mut longest = 0usize;
    let mut start = 0usize;
    for end in memchr::memchr2_iter(b'\n', b'\r', buf) {
        longest = longest.max(end - start);
        start = end + 1;
    }
    longest.max(buf.len() - start.min(buf.len())) as u64
}

/// The header line to put in front of every piece, when the file's first line is one
/// plain header record: no quotes, a `\r` only before its `\n`, not blank. `None` sends
/// the file to the sequential reader.
pub(crate) fn header_line(buf: &[u8]) -> Option<&[u8]> {
    let end = memchr::memchr(b'\n', buf)?;
    let line = buf.get(..=end)?;
    let body = line.strip_suffix(b"\n")?;
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    let plain = !body.contains(&b'"') && !body.contains(&b'\r');
    let blank = body.iter().all(|b| b.is_ascii_whitespace());
    (plain && !blank).then_some(line)
}

/// The number of `\n` in `buf`: counted in runs of 255 bytes into a byte-sized count,
/// which compiles to wide compares (a count per line found, or a 64-bit count per byte,
/// costs several times more on a piece of megabytes).
fn newlines(buf: &[u8]) -> u64 {
    buf.chunks(255)
        .map(|c| {
            let n = c
                .iter()
                .fold(0u8, |n, &b| n.wrapping_add(u8::from(b == b'\n')));
            u64::from(n)
        })
        .sum()
}

/// Reads into `buf` until it holds at least `want` bytes or the input ends; `Ok(false)`
/// at the end. Any read error, `Interrupted` too, is returned: the CSV reader does not
/// retry one either, and the error is handed on to it (see [`Tail`]).
fn fill<R: Read>(r: &mut R, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    while buf.len() < want {
        // Straight into `buf`, at most 1 MiB a call.
        let len = buf.len();
        let chunk = (want - len).clamp(4 << 10, 1 << 20);
        buf.resize(len + chunk, 0);
        let read = r.read(buf.get_mut(len..).unwrap_or_default());
        buf.truncate(len + read.as_ref().map_or(0, |&n| n.min(chunk)));
        if read? == 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// What follows the bytes already read: the rest of the input, or the read error that
/// ended it, handed to the CSV reader at the same byte it would have met it at, so it
/// reports it on the same line as when reading the whole file.
pub(crate) enum Tail<R> {
    Reader(R),
    Broke(Option<std::io::Error>),
}

impl<R: Read> Read for Tail<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Tail::Reader(r) => r.read(buf),
            Tail::Broke(e) => e.take().map_or(Ok(0), Err),
        }
    }
}

/// How a file is read, decided from its first bytes.
pub(crate) enum Start<R> {
    /// Sequentially: the whole input again (what was read, then the rest). A file whose
    /// first line is not a plain header, or smaller than two pieces.
    Whole(std::io::Chain<Cursor<Vec<u8>>, Tail<R>>),
    /// In pieces.
    Pieces(Cutter<R>),
}

/// Cuts the input after its header line into [`Piece`]s.
pub(crate) struct Cutter<R> {
    reader: R,
    piece: usize,
    header: Vec<u8>,
    /// Read, not yet cut; starts at a record start, on line `line`.
    pending: Vec<u8>,
    line: u64,
    /// Whether the input may hold more than `pending`.
    more: bool,
    /// Cutting stopped before the end (see the module docs); `broke` is the read error
    /// that stopped it, if one did.
    stopped: bool,
    broke: Option<std::io::Error>,
    /// Buffers of parsed pieces, read into again: a fresh buffer per piece costs the
    /// faults and zeroing of its pages on this thread, the one the workers wait for.
    spare: Vec<Vec<u8>>,
}

/// Reads the start of `reader` and decides how to read it; pieces are about `piece`
/// bytes (tests cut small ones).
pub(crate) fn start<R: Read>(mut reader: R, piece: usize) -> Start<R> {
    let piece = piece.max(1);
    // More than 3 bytes: the CSV parser strips a UTF-8 BOM only when its first read holds
    // all of it and more, as a whole-file read does.
    let mut want = piece.saturating_mul(2).max(4);
    let mut pending = Vec::with_capacity(want.min(PIECE * 2));
    let mut read = fill(&mut reader, &mut pending, want);
    // The whole header line, however small the pieces (tests cut tiny ones).
    while matches!(read, Ok(true))
        && memchr::memchr(b'\n', &pending).is_none()
        && pending.len() < (64 << 10)
    {
        want = pending.len() * 2;
        read = fill(&mut reader, &mut pending, want);
    }
    let header = match (&read, header_line(&pending)) {
        (Ok(true), Some(h)) => h.to_vec(),
        _ => {
            let tail = match read {
                Err(e) => Tail::Broke(Some(e)),
                Ok(_) => Tail::Reader(reader),
            };
            return Start::Whole(Cursor::new(pending).chain(tail));
        }
    };
    pending.drain(..header.len());
    Start::Pieces(Cutter {
        reader,
        piece,
        header,
        pending,
        line: 2,
        more: true,
        stopped: false,
        broke: None,
        spare: Vec::new(),
    })
}

impl<R: Read> Cutter<R> {
    /// The header line, its line end included.
    pub(crate) fn header(&self) -> &[u8] {
        &self.header
    }

    /// Up to `n` next pieces, in file order; none at the end of the input or once
    /// cutting has stopped.
    pub(crate) fn batch(&mut self, n: usize) -> Vec<Piece> {
        let mut batch = Vec::with_capacity(n);
        let limit = crate::limits().csv_line_bytes;
        while batch.len() < n && !self.stopped && (!self.pending.is_empty() || self.more) {
            let Some(cut) = self.cut(limit) else {
                self.stopped = true;
                break;
            };
            if cut == 0 {
                break; // the input ended with the last piece
            }
            // A piece no longer than the line limit holds no line longer than it.
            if cut as u64 > limit
                && longest_line(self.pending.get(..cut).unwrap_or_default()) > limit
            {
                // The piece holds a line the CSV reader refuses: it and the rest go to it.
                self.stopped = true;
                break;
            }
            // The piece keeps the buffer; what follows it (usually far less) moves to a new one.
            let rest = self.pending.get(cut..).unwrap_or_default();
            let mut next = self.spare.pop().unwrap_or_else(|| {
                // Room for a piece and the last read past it (`fill` reads up to 1 MiB).
                Vec::with_capacity(rest.len() + self.piece.min(PIECE) + (1 << 20))
            });
            next.clear();
            next.extend_from_slice(rest);
            self.pending.truncate(cut);
            let bytes = std::mem::replace(&mut self.pending, next);
            let first_line = self.line;
            self.line += newlines(&bytes);
            batch.push(Piece { first_line, bytes });
        }
        batch
    }

    /// Takes back the buffers of a parsed batch: the next batch is cut into them, so
    /// there are never more buffers than two batches and the uncut bytes.
    fn recycle(&mut self, batch: Vec<Piece>) {
        self.spare.extend(batch.into_iter().map(|p| p.bytes));
    }

    /// Where the next piece ends in `pending`: the last record end in its first `piece`
    /// bytes, else in the first `2 * piece`, and so on, reading more as needed. `None`
    /// when no cut can be made (a read error, or `limit` bytes without a record end).
    fn cut(&mut self, limit: u64) -> Option<usize> {
        let mut want = self.piece;
        let mut scan = Scan::default();
        loop {
            if self.more && self.pending.len() < want {
                match fill(&mut self.reader, &mut self.pending, want) {
                    Ok(m) => self.more = m,
                    Err(e) => {
                        self.broke = Some(e);
                        return None;
                    }
                }
            }
            let window = self.pending.get(..want).unwrap_or(&self.pending);
            let all = !self.more && window.len() == self.pending.len();
            scan.extend(window);
            match scan.last {
                None if window.len() as u64 > limit => return None,
                _ if all => return Some(self.pending.len()),
                Some(c) => return Some(c),
                // Grow until a record ends in the window, or the input ends.
                None => want = want.saturating_add(self.piece),
            }
        }
    }

    /// When cutting stopped before the end: the line the header goes on and the input
    /// from the first record no piece holds, the header in front, for the sequential
    /// reader. `None` when the pieces hold the whole input.
    pub(crate) fn rest(self) -> Option<(u64, impl Read)> {
        if !self.stopped {
            return None;
        }
        let tail = match self.broke {
            Some(e) => Tail::Broke(Some(e)),
            None => Tail::Reader(self.reader),
        };
        let input = Cursor::new(self.header)
            .chain(Cursor::new(self.pending))
            .chain(tail);
        Some((self.line - 1, input))
    }
}

/// Runs `work` on every piece `cutter` cuts, a batch at a time, a piece of a batch per
/// worker (each worker its own state, so nothing is shared while rows are parsed), and
/// hands the results to `take` in file order. Stops at the first `Err`.
///
/// While the workers parse a batch, this thread hands over the results of the one
/// before and cuts the next: reading, cutting and joining results then cost no
/// parsing time. So two batches are in memory at once, each of pieces half the size
/// they would be otherwise ([`PIECE`]).
pub(crate) fn run<R: Read, W: Send, O: Send>(
    cutter: &mut Cutter<R>,
    workers: &mut [W],
    work: impl Fn(&mut W, &Piece) -> Result<O, CsvError> + Sync,
    mut take: impl FnMut(O),
) -> Result<(), CsvError> {
    let n = workers.len().max(1);
    let mut batch = cutter.batch(n);
    let mut done: Vec<O> = Vec::new();
    while !batch.is_empty() {
        let mut slots: Vec<Option<Result<O, CsvError>>> = batch.iter().map(|_| None).collect();
        let mut next = Vec::new();
        // Runs its closure on this thread, the spawned work on the pool's; returns when
        // both are done.
        rayon::in_place_scope(|s| {
            let work = &work;
            for ((w, p), slot) in workers.iter_mut().zip(&batch).zip(slots.iter_mut()) {
                s.spawn(move |_| *slot = Some(work(w, p)));
            }
            done.drain(..).for_each(&mut take);
            next = cutter.batch(n);
        });
        for r in slots.into_iter().flatten() {
            done.push(r?);
        }
        cutter.recycle(std::mem::replace(&mut batch, next));
    }
    done.into_iter().for_each(take);
    Ok(())
}

/// A file's errors in file order, kept only as far as [`finish`] shows them: the first
/// `max` and the one after (whose file names the final count), the rest only counted.
/// So a file of millions of bad rows holds a thousand errors, not millions, and the
/// result is what [`finish`] makes of the full list.
pub(crate) struct Errors {
    kept: Vec<CsvError>,
    dropped: u64,
    max: usize,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Errors {
            kept: Vec::new(),
            dropped: 0,
            max: crate::limits().row_errors,
        }
    }

    pub(crate) fn extend(&mut self, errors: impl IntoIterator<Item = CsvError>) {
        for e in errors {
            if self.kept.len() <= self.max {
                self.kept.push(e);
            } else {
                self.dropped += 1;
            }
        }
    }

    /// [`finish`] on the full list.
    pub(crate) fn finish<T>(self, value: T) -> Parsed<T, CsvError> {
        let mut p = finish(value, self.kept);
        if let Some(CsvError::More { count, .. }) = p.errors.last_mut() {
            *count += self.dropped;
        }
        p
    }
}
