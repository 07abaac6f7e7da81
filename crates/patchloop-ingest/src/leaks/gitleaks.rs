//! gitleaks JSON reports: one array of findings, each read through the allow-list.
use serde::de::DeserializeSeed;

use super::LeakError;
use super::project::{Material, Node, Project, Shape, syntax};
use super::sink::{Finding, Sink, describe};

/// The fields read from a finding. `Match` and `Line` (the matched text and the whole
/// source line, both holding the secret), `Author`, `Email`, `Message` and everything
/// else are skipped unread.
static FINDING: Shape = Shape::Fields(&[
    ("RuleID", Shape::Keep),
    ("File", Shape::Keep),
    ("StartLine", Shape::Keep),
    ("Commit", Shape::Keep),
    ("Date", Shape::Keep),
    ("Secret", Shape::Hash),
]);

static REPORT: Shape = Shape::List(&FINDING);

/// Reads a whole report. Invalid or truncated JSON makes it unusable; an element that
/// is not a finding is skipped with an error.
pub(super) fn read(bytes: &[u8], sink: &mut Sink<'_>) -> Result<(), LeakError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let report = Project {
        shape: &REPORT,
        key: sink.key,
    }
    .deserialize(&mut de)
    .and_then(|n| de.end().map(|()| n))
    .map_err(|e| sink.unusable(format!("not a gitleaks JSON array: {}", syntax(&e))))?;
    let Node::List(entries) = report else {
        return Err(sink.unusable(format!(
            "not a gitleaks JSON array: found {}",
            describe(&report)
        )));
    };
    for (i, entry) in entries.iter().enumerate() {
        let location = format!("[{i}]");
        if !matches!(entry, Node::Map(_)) {
            sink.bad_entry(
                &location,
                format!(
                    "expected a gitleaks finding (an object), found {}",
                    describe(entry)
                ),
            );
            continue;
        }
        if entry.get("RuleID").is_none() && entry.get("Secret").is_none() {
            sink.bad_entry(
                &location,
                "neither `RuleID` nor `Secret` is present: not a gitleaks finding",
            );
            continue;
        }
        let mut f = sink.entry(location.clone());
        let material = match entry.get("Secret") {
            Some(Node::Material(m)) => f.material("Secret", *m),
            _ => Material::Empty,
        };
        let finding = Finding {
            scanner: "gitleaks",
            material,
            rule: f.text("RuleID", entry.get("RuleID")),
            file: f.text("File", entry.get("File")),
            line: f.line("StartLine", entry.get("StartLine")),
            commit: f.text("Commit", entry.get("Commit")),
            created_at: f.date("Date", entry.get("Date")),
            identity: None,
            verified: None,
            location,
        };
        sink.add(finding);
    }
    Ok(())
}
