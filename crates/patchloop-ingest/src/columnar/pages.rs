//! The page headers of a Parquet column chunk, checked before the decoder reads them:
//! the decoder allocates a page's declared decompressed size up front, so a 5 KB file
//! whose page header claims 2 GB would take 2 GB (found by the `parquet` fuzz target).
//! Each header is read with a small reader of Thrift's compact protocol, for the two
//! sizes it declares; a page larger than its column chunk declares, or running past the
//! chunk, is refused before any page is decoded.
use std::io::Read;

/// Deepest nesting of Thrift structs and lists skipped in a header (a real page header
/// nests three deep).
const MAX_DEPTH: u32 = 16;

/// What a page header declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageSizes {
    /// Bytes once decompressed.
    pub unpacked: i64,
    /// Bytes in the file after the header.
    pub packed: i64,
}

struct Compact<'r, R: Read> {
    r: &'r mut R,
    read: u64,
}

impl<R: Read> Compact<'_, R> {
    fn byte(&mut self) -> Result<u8, String> {
        let mut b = [0u8; 1];
        self.r
            .read_exact(&mut b)
            .map_err(|_| "a page header runs past the column chunk".to_string())?;
        self.read += 1;
        Ok(b[0])
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("a page header holds an over-long number".into())
    }

    fn zigzag(&mut self) -> Result<i64, String> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    fn skip_bytes(&mut self, n: u64) -> Result<(), String> {
        let got = std::io::copy(&mut (&mut *self.r).take(n), &mut std::io::sink())
            .map_err(|e| e.to_string())?;
        self.read += got;
        if got == n {
            Ok(())
        } else {
            Err("a page header runs past the column chunk".into())
        }
    }

    /// Skips one value of compact type `t`.
    fn skip(&mut self, t: u8, depth: u32) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("a page header nests too deep".into());
        }
        match t {
            1 | 2 => Ok(()), // a boolean field carries its value in its type
            3 => self.byte().map(drop),
            4..=6 => self.varint().map(drop),
            7 => self.skip_bytes(8),
            8 => {
                let n = self.varint()?;
                self.skip_bytes(n)
            }
            9 | 10 => {
                let h = self.byte()?;
                let n = match h >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                let et = h & 0x0f;
                for _ in 0..n {
                    // A list of booleans holds a byte per element.
                    if matches!(et, 1 | 2) {
                        self.byte()?;
                    } else {
                        self.skip(et, depth + 1)?;
                    }
                }
                Ok(())
            }
            11 => {
                let n = self.varint()?;
                if n > 0 {
                    let kv = self.byte()?;
                    for _ in 0..n {
                        self.skip(kv >> 4, depth + 1)?;
                        self.skip(kv & 0x0f, depth + 1)?;
                    }
                }
                Ok(())
            }
            12 => self.strukt(depth + 1, |_, _, _| Ok(false)),
            t => Err(format!("a page header holds an unknown Thrift type {t}")),
        }
    }

    /// Reads a struct's fields; `field(id, type, self)` reads a field it wants and says
    /// so, every other field is skipped.
    fn strukt(
        &mut self,
        depth: u32,
        mut field: impl FnMut(i16, u8, &mut Self) -> Result<bool, String>,
    ) -> Result<(), String> {
        let mut last = 0i16;
        loop {
            let h = self.byte()?;
            if h == 0 {
                return Ok(());
            }
            let t = h & 0x0f;
            let id = match h >> 4 {
                0 => i16::try_from(self.zigzag()?).map_err(|_| "a bad field id".to_string())?,
                d => last.saturating_add(i16::from(d)),
            };
            last = id;
            if !field(id, t, self)? {
                self.skip(t, depth)?;
            }
        }
    }
}

/// Reads one page header from `r`: its declared sizes and its own length in bytes.
pub(crate) fn read_header<R: Read>(r: &mut R) -> Result<(PageSizes, u64), String> {
    let mut c = Compact { r, read: 0 };
    let (mut unpacked, mut packed) = (None, None);
    c.strukt(0, |id, t, c| match (id, t) {
        (2, 5) => {
            unpacked = Some(c.zigzag()?);
            Ok(true)
        }
        (3, 5) => {
            packed = Some(c.zigzag()?);
            Ok(true)
        }
        _ => Ok(false),
    })?;
    match (unpacked, packed) {
        (Some(unpacked), Some(packed)) => Ok((PageSizes { unpacked, packed }, c.read)),
        _ => Err("a page header without its sizes".into()),
    }
}

/// Walks the pages of a column chunk of `len` bytes read from `r`, each header checked:
/// sizes not negative, the page inside the chunk, and no page larger decompressed than
/// `max_unpacked` (what the chunk declares for all its pages).
pub(crate) fn check_chunk<R: Read>(r: &mut R, len: u64, max_unpacked: u64) -> Result<(), String> {
    let mut pos = 0u64;
    while pos < len {
        let mut left = (&mut *r).take(len - pos);
        let (sizes, header_len) = read_header(&mut left)?;
        pos += header_len;
        let (Ok(unpacked), Ok(packed)) =
            (u64::try_from(sizes.unpacked), u64::try_from(sizes.packed))
        else {
            return Err("a page header declares a negative size".into());
        };
        if unpacked > max_unpacked {
            return Err(format!(
                "a page declares {unpacked} bytes decompressed, more than its column chunk's {max_unpacked}"
            ));
        }
        if packed > len - pos {
            return Err(format!(
                "a page declares {packed} bytes, more than the {} left in its column chunk",
                len - pos
            ));
        }
        let skipped = std::io::copy(&mut (&mut *r).take(packed), &mut std::io::sink())
            .map_err(|e| e.to_string())?;
        if skipped != packed {
            return Err("a page runs past the end of the file".into());
        }
        pos += packed;
    }
    Ok(())
}
