//! A reader that decodes UTF-8 lossily as it streams, so a JSON document with one invalid
//! byte in a free-text field is parsed without first being read whole (and then copied
//! by `String::from_utf8_lossy`), and that refuses input past a size limit.
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

/// Skips a UTF-8 byte-order mark at the start of `reader` (a file saved from PowerShell
/// or a Windows editor has one, which serde_json refuses as "expected value at line 1
/// column 1", a confusing message for a file that looks fine in any editor); a UTF-16
/// one is `Err` with the words to finish "the report …" or "the catalog …".
pub(crate) fn skip_bom<R: io::Read>(
    reader: &mut io::BufReader<R>,
) -> io::Result<Result<(), &'static str>> {
    let head = io::BufRead::fill_buf(reader)?;
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Ok(Err("is UTF-16 encoded; save it as UTF-8 JSON"));
    }
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        io::BufRead::consume(reader, 3);
    }
    Ok(Ok(()))
}

/// Read size from the inner reader.
const CHUNK: usize = 64 << 10;

/// Yields the inner reader's bytes with each maximal invalid UTF-8 sequence replaced by
/// U+FFFD, exactly as [`String::from_utf8_lossy`] would, however the input arrives in
/// pieces. Reading past `limit` input bytes is an error ([`LossyUtf8::over_limit`] then
/// says so).
pub(crate) struct LossyUtf8<R> {
    inner: R,
    /// Raw bytes not yet decoded: at most an incomplete sequence carried between reads.
    pending: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    replaced: Rc<Cell<u64>>,
    read_bytes: u64,
    limit: u64,
    over: bool,
    eof: bool,
}

impl<R: Read> LossyUtf8<R> {
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        LossyUtf8 {
            inner,
            pending: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            replaced: Rc::new(Cell::new(0)),
            read_bytes: 0,
            limit,
            over: false,
            eof: false,
        }
    }

    /// How many invalid sequences were replaced so far.
    pub(crate) fn replaced(&self) -> u64 {
        self.replaced.get()
    }

    /// A handle on the count of replaced sequences that stays readable while the reader
    /// itself is lent to a parser.
    pub(crate) fn replacements(&self) -> Rc<Cell<u64>> {
        Rc::clone(&self.replaced)
    }

    /// Whether the input went past the limit (the read that found it failed).
    pub(crate) fn over_limit(&self) -> bool {
        self.over
    }

    fn fill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        let start = self.pending.len();
        self.pending.resize(start + CHUNK, 0);
        let n = loop {
            match self
                .inner
                .read(self.pending.get_mut(start..).unwrap_or_default())
            {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.pending.truncate(start);
                    return Err(e);
                }
            }
        };
        self.pending.truncate(start + n);
        self.read_bytes += n as u64;
        if self.read_bytes > self.limit {
            self.over = true;
            return Err(io::Error::other(format!(
                "larger than {} bytes; refused",
                self.limit
            )));
        }
        if n == 0 {
            self.eof = true;
        }
        self.decode();
        Ok(())
    }

    /// Moves every decodable byte of `pending` to `out`, keeping an incomplete sequence
    /// at the end for the next read (or replacing it at the end of the input).
    fn decode(&mut self) {
        let mut i = 0;
        while let Some(rest) = self.pending.get(i..).filter(|r| !r.is_empty()) {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    self.out.extend_from_slice(s.as_bytes());
                    i = self.pending.len();
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    self.out
                        .extend_from_slice(rest.get(..valid).unwrap_or_default());
                    match e.error_len() {
                        Some(bad) => {
                            self.out.extend_from_slice("\u{FFFD}".as_bytes());
                            self.replaced.set(self.replaced.get() + 1);
                            i += valid + bad;
                        }
                        None if self.eof => {
                            self.out.extend_from_slice("\u{FFFD}".as_bytes());
                            self.replaced.set(self.replaced.get() + 1);
                            i = self.pending.len();
                        }
                        None => {
                            i += valid;
                            break;
                        }
                    }
                }
            }
        }
        self.pending.drain(..i.min(self.pending.len()));
    }
}

impl<R: Read> Read for LossyUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos >= self.out.len() {
            if self.eof {
                return Ok(0);
            }
            self.fill()?;
        }
        let avail = self.out.get(self.out_pos..).unwrap_or_default();
        let n = avail.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Hands out its bytes in pieces of the given sizes (cycled).
    struct Pieces<'a> {
        data: &'a [u8],
        sizes: Vec<usize>,
        k: usize,
    }

    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let size = self.sizes.get(self.k % self.sizes.len().max(1)).copied();
            self.k += 1;
            let n = size
                .unwrap_or(usize::MAX)
                .max(1)
                .min(buf.len())
                .min(self.data.len());
            let (head, tail) = self.data.split_at(n);
            buf.get_mut(..n).unwrap_or_default().copy_from_slice(head);
            self.data = tail;
            Ok(n)
        }
    }

    fn decode(data: &[u8], sizes: Vec<usize>, limit: u64) -> (io::Result<Vec<u8>>, u64, bool) {
        let mut r = LossyUtf8::new(Pieces { data, sizes, k: 0 }, limit);
        let mut out = Vec::new();
        let res = r.read_to_end(&mut out).map(|_| out);
        (res, r.replaced(), r.over_limit())
    }

    #[test]
    fn invalid_sequences_become_one_replacement_each() {
        let data = b"caf\xe9 \xf0\x9f\x98 ok \xff\xfe\xe2\x82";
        let (out, replaced, _) = decode(data, vec![1], u64::MAX);
        let out = out.expect("decoded");
        assert_eq!(out, String::from_utf8_lossy(data).as_bytes());
        assert_eq!(replaced, 5);
    }

    #[test]
    fn input_past_the_limit_is_refused() {
        let (out, _, over) = decode(&[b'a'; 100], vec![7], 99);
        assert!(out.is_err());
        assert!(over);
        let (out, _, over) = decode(&[b'a'; 100], vec![7], 100);
        assert_eq!(out.expect("at the limit").len(), 100);
        assert!(!over);
    }

    proptest! {
        #[test]
        fn equals_from_utf8_lossy_in_any_pieces(
            data in proptest::collection::vec(
                prop_oneof![any::<u8>(), Just(0xE2u8), Just(0x82u8), Just(0xACu8), Just(0xF0u8)],
                0..300,
            ),
            sizes in proptest::collection::vec(1usize..9, 1..5),
        ) {
            let (out, replaced, over) = decode(&data, sizes, u64::MAX);
            let expected = String::from_utf8_lossy(&data);
            prop_assert_eq!(out.expect("decoded"), expected.as_bytes());
            prop_assert_eq!(replaced == 0, std::str::from_utf8(&data).is_ok());
            prop_assert!(!over);
        }
    }
}
