//! AWS CloudTrail logs to usage: every record whose `userIdentity.accessKeyId` is set is
//! one presentation of that key (by `userIdentity.arn`, from `sourceIPAddress`, to
//! `eventSource`, at `eventTime`, its outcome read from `errorCode`); every record whose
//! `responseElements.credentials.accessKeyId` is set (`AssumeRole`,
//! `AssumeRoleWithWebIdentity`, `AssumeRoleWithSAML`, `GetSessionToken`,
//! `GetFederationToken`) issued an ephemeral STS session, kept as a
//! [`ProviderCredential`] with its expiry.
//!
//! Read: a `{"Records": […]}` log file as delivered (gzip detected by its magic bytes),
//! an `aws cloudtrail lookup-events` response (`{"Events": […]}`, each event's record
//! in its `CloudTrailEvent` string), a bare array of records, a single record, and,
//! when `line_mode` is set (files named `*.jsonl`, `*.ndjson`), one record or
//! lookup-events entry per line. Arrays are streamed record by record and usage is
//! summarised as it is read ([`UsageSummary`]), so memory follows the number of
//! distinct credentials and consumers, not of records.
use std::io::{BufRead, Read};

use patchloop_model::{ProviderCredential, Text};
use serde::de::DeserializeSeed;

use super::json;
use super::usage::UsageSummary;
use super::{Errors, EvidenceError, unusable};
use crate::Parsed;

mod classify;
mod record;
mod sink;

use record::RawRecord;
use sink::{Loc, Sink};

/// What one CloudTrail file gave.
#[derive(Debug)]
pub struct CloudtrailEvidence {
    /// `cloudtrail-json`, `cloudtrail-json-gz`, `cloudtrail-jsonl` or `cloudtrail-jsonl-gz`.
    pub format: &'static str,
    /// Records read (with or without an access key).
    pub records: u64,
    /// Presentations of access keys, summarised.
    pub usage: UsageSummary,
    /// STS sessions issued, in file order.
    pub sessions: Vec<ProviderCredential>,
}

/// Reads one CloudTrail file (see the module docs). `line_mode` reads one JSON value per
/// line (JSON lines); otherwise the file is one JSON document.
pub fn read_cloudtrail<R: Read>(
    reader: R,
    file: &str,
    line_mode: bool,
) -> Result<Parsed<CloudtrailEvidence, EvidenceError>, EvidenceError> {
    read_limited(reader, file, line_mode, crate::limits())
}

pub(crate) fn read_limited<R: Read>(
    reader: R,
    file: &str,
    line_mode: bool,
    limits: crate::Limits,
) -> Result<Parsed<CloudtrailEvidence, EvidenceError>, EvidenceError> {
    let (stream, gz) = json::open(reader, limits.input_bytes)
        .map_err(|e| unusable(file, format!("cannot read: {e}")))?;
    let mut sink = Sink {
        file,
        origin_file: Text::from(file),
        usage: UsageSummary::new(),
        sessions: Vec::new(),
        errors: Errors::new(file),
        records: 0,
        arrays: 0,
        not_cloudtrail: None,
    };
    if line_mode {
        read_lines(stream, &mut sink, limits.line_bytes)?;
    } else {
        if let Err(e) = document(stream, &mut sink) {
            if sink.records == 0 {
                return Err(unusable(file, json::describe(&e)));
            }
            let kept = sink.records;
            sink.errors.record(
                "reading stopped",
                format!(
                    "{}; the {kept} records before it were read",
                    json::describe(&e)
                ),
            );
        }
        if let Some(message) = sink.not_cloudtrail.take() {
            return Err(unusable(file, message));
        }
    }
    let format = match (line_mode, gz) {
        (false, false) => "cloudtrail-json",
        (false, true) => "cloudtrail-json-gz",
        (true, false) => "cloudtrail-jsonl",
        (true, true) => "cloudtrail-jsonl-gz",
    };
    Ok(Parsed {
        value: CloudtrailEvidence {
            format,
            records: sink.records,
            usage: sink.usage,
            sessions: sink.sessions,
        },
        errors: sink.errors.finish(),
    })
}

/// Most bytes of a document parsed from memory (16 MiB; a delivered CloudTrail file is
/// a few MB at most): serde_json parses a slice two to three times faster than a
/// reader. A larger document is streamed, so memory stays bounded per worker.
const IN_MEMORY: u64 = 16 << 20;

/// One JSON document, from memory when it is small, else streamed.
fn document<R: Read>(mut stream: R, sink: &mut Sink<'_>) -> Result<(), serde_json::Error> {
    let mut head = Vec::new();
    (&mut stream)
        .take(IN_MEMORY + 1)
        .read_to_end(&mut head)
        .map_err(serde_json::Error::io)?;
    if head.len() as u64 <= IN_MEMORY {
        // Valid UTF-8 checked once for the whole text is cheaper than string by string;
        // a document with an invalid byte is read as bytes, up to that byte.
        if let Ok(text) = std::str::from_utf8(&head) {
            let mut de = serde_json::Deserializer::from_str(text);
            record::Document(sink).deserialize(&mut de)?;
            return de.end();
        }
        let mut de = serde_json::Deserializer::from_slice(&head);
        record::Document(sink).deserialize(&mut de)?;
        return de.end();
    }
    let reader =
        std::io::BufReader::with_capacity(1 << 16, std::io::Cursor::new(head).chain(stream));
    let mut de = serde_json::Deserializer::from_reader(reader);
    record::Document(sink).deserialize(&mut de)?;
    de.end()
}

/// JSON lines: each line one record or lookup-events entry; a bad line is an error and
/// the next is read. A line longer than `max` makes the file unusable.
fn read_lines<R: BufRead>(mut r: R, sink: &mut Sink<'_>, max: usize) -> Result<(), EvidenceError> {
    let mut buf = Vec::with_capacity(4096);
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = (&mut r)
            .take(max as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| unusable(sink.file, format!("line {}: {e}", line + 1)))?;
        if n == 0 {
            return Ok(());
        }
        line += 1;
        if n > max {
            return Err(unusable(
                sink.file,
                format!("line {line}: longer than {max} bytes; refused"),
            ));
        }
        let text = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<RawRecord>(text) {
            Ok(raw) => sink.record(raw, &Loc::Line(line)),
            Err(e) => {
                sink.records += 1;
                sink.errors.record(
                    &format!("line {line}"),
                    format!("{}; line skipped", json::describe(&e)),
                );
            }
        }
    }
}
