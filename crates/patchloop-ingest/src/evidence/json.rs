//! What the JSON evidence readers share: bounded input with gzip detected by its magic
//! bytes, a byte-order mark skipped, serde_json errors described without quoting a
//! value, and loosely typed fields (any JSON type accepted, the wrong ones named) so one
//! odd record in a stream never stops the stream.
use std::io::{BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A reader that fails once more than `limit` bytes came through, so a gzip bomb or an
/// endless stream costs at most the limit. The failure says so, and is what serde_json
/// reports as its I/O error.
pub(crate) struct Bounded<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Bounded<R> {
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        Bounded {
            inner,
            left: limit,
            limit,
        }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let max = usize::try_from(self.left.saturating_add(1))
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(buf.get_mut(..max).unwrap_or_default())?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(format!(
                "the input expands to more than {} bytes; refused",
                self.limit
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// `reader` decompressed when it starts with the gzip magic bytes, bounded to `limit`
/// bytes after decompression, buffered, without a leading UTF-8 byte-order mark; and
/// whether it was gzip. The result is a `BufReader`, which serde_json's reader reads a
/// byte at a time from its buffer (through any other type, each byte costs a call).
pub(crate) fn open<'a, R: Read + 'a>(
    mut reader: R,
    limit: u64,
) -> std::io::Result<(BufReader<Box<dyn Read + 'a>>, bool)> {
    let mut magic = [0u8; 2];
    let mut got = 0;
    while let Some(rest) = magic.get_mut(got..).filter(|r| !r.is_empty()) {
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let gz = got == 2 && magic == [0x1f, 0x8b];
    let stream = std::io::Cursor::new(magic).take(got as u64).chain(reader);
    let inner: Box<dyn Read + 'a> = if gz {
        Box::new(Bounded::new(
            MultiGzDecoder::new(BufReader::with_capacity(1 << 16, stream)),
            limit,
        ))
    } else {
        Box::new(Bounded::new(stream, limit))
    };
    let mut out = BufReader::with_capacity(1 << 16, inner);
    if out.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        out.consume(3);
    }
    Ok((out, gz))
}

/// Reads a whole (small) document, bounded to `limit` bytes, without its UTF-8
/// byte-order mark; UTF-16 is refused with a message that says so.
pub(crate) fn read_all<R: Read>(reader: R, limit: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    Bounded::new(reader, limit)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, ..] => Ok(bytes.split_off(3)),
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => {
            Err("the file is UTF-16 encoded; save it as UTF-8".to_string())
        }
        _ => Ok(bytes),
    }
}

/// serde_json's error, located, without any value from the input: syntax and I/O
/// messages never quote input, but a "wrong type" message quotes the value found
/// (which could be a secret where a hostile file puts one), so only what was expected
/// is kept.
pub(crate) fn describe(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("line {} column {}", e.line(), e.column());
    match e.classify() {
        Category::Io => e.to_string(),
        Category::Eof => format!("truncated: the JSON ends early at {at}"),
        Category::Syntax => format!("invalid JSON: {}", crate::json_error(e)),
        Category::Data => {
            let full = e.to_string();
            let what = full.split(" at line ").next().unwrap_or_default();
            if what.starts_with("missing field") || what.starts_with("duplicate field") {
                format!("{what} at {at}")
            } else if let Some((_, expected)) = what.split_once(", expected ") {
                format!(
                    "a value of the wrong type at {at} (expected {})",
                    crate::clip(expected)
                )
            } else {
                format!("a value of the wrong type at {at}")
            }
        }
    }
}

/// A field expected to be a string: the string, or the JSON type found instead (whose
/// value was skipped unread). `null` is an absent field (`Option::None`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LStr {
    /// The string.
    Str(String),
    /// The JSON type found instead.
    Wrong(&'static str),
}

/// A field expected to be an object read as `T`, or the JSON type found instead.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LObj<T> {
    /// The object.
    Obj(T),
    /// The JSON type found instead.
    Wrong(&'static str),
}

/// Accepts every JSON type; `ok` turns a string or an object into the value wanted.
struct Loose<F>(F);

macro_rules! wrong_scalars {
    ($out:ty, $wrong:path) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$out, E> {
            Ok($wrong("a boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$out, E> {
            Ok($wrong("a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$out, E> {
            Ok($wrong("a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$out, E> {
            Ok($wrong("a number"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<$out, E> {
            Ok($wrong("null"))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$out, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($wrong("an array"))
        }
    };
}

impl<'de> Visitor<'de> for Loose<()> {
    type Value = LStr;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<LStr, E> {
        Ok(LStr::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<LStr, E> {
        Ok(LStr::Str(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LStr, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(LStr::Wrong("an object"))
    }
    wrong_scalars!(LStr, LStr::Wrong);
}

impl<'de> Deserialize<'de> for LStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<LStr, D::Error> {
        d.deserialize_any(Loose(()))
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Loose<std::marker::PhantomData<T>> {
    type Value = LObj<T>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<LObj<T>, E> {
        Ok(LObj::Wrong("a string"))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<LObj<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(LObj::Obj)
    }
    wrong_scalars!(LObj<T>, LObj::Wrong);
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for LObj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<LObj<T>, D::Error> {
        d.deserialize_any(Loose(std::marker::PhantomData))
    }
}

impl LStr {
    /// The string, trimmed, when it is one and not empty; `Err` with the type found.
    pub(crate) fn text(&self) -> Result<Option<&str>, &'static str> {
        match self {
            LStr::Str(s) => Ok(Some(s.trim()).filter(|s| !s.is_empty())),
            LStr::Wrong(k) => Err(k),
        }
    }
}

/// An optional loose string: `Ok(None)` when absent, null or blank.
pub(crate) fn opt_text(v: &Option<LStr>) -> Result<Option<&str>, &'static str> {
    v.as_ref().map_or(Ok(None), LStr::text)
}

/// An optional loose object: `Ok(None)` when absent or null.
pub(crate) fn opt_obj<T>(v: &Option<LObj<T>>) -> Result<Option<&T>, &'static str> {
    match v {
        None => Ok(None),
        Some(LObj::Obj(t)) => Ok(Some(t)),
        Some(LObj::Wrong(k)) => Err(k),
    }
}
