//! trufflehog JSON lines: one finding per line, trufflehog 3 (`DetectorName`,
//! `SourceMetadata`) or the legacy trufflehog 2 form (`reason`, `stringsFound`).
use patchloop_model::IdentityName;
use serde::de::DeserializeSeed;

use super::LeakError;
use super::project::{Material, Node, Project, Shape, category};
use super::sink::{Finding, Sink, describe};

/// What is read of `SourceMetadata.Data.<source>`: where the finding is. `email`,
/// `repository`, `link` and the rest are skipped.
static SOURCE: Shape = Shape::Fields(&[
    ("file", Shape::Keep),
    ("path", Shape::Keep),
    ("line", Shape::Keep),
    ("commit", Shape::Keep),
    ("timestamp", Shape::Keep),
]);

/// The fields read from a line. `Redacted` (a masked or partial secret), `SecretParts`,
/// `StructuredData`, every `ExtraData` entry but `arn`, and legacy `diff` and
/// `printDiff` are skipped unread.
static FINDING: Shape = Shape::Fields(&[
    ("DetectorName", Shape::Keep),
    ("Verified", Shape::Keep),
    (
        "SourceMetadata",
        Shape::Fields(&[("Data", Shape::AnyKey(&SOURCE))]),
    ),
    ("ExtraData", Shape::Fields(&[("arn", Shape::Keep)])),
    ("Raw", Shape::Hash),
    ("RawV2", Shape::Hash),
    // trufflehog 2
    ("reason", Shape::Keep),
    ("path", Shape::Keep),
    ("commitHash", Shape::Keep),
    ("date", Shape::Keep),
    ("stringsFound", Shape::List(&Shape::Hash)),
]);

/// Reads every line. A line that is not JSON is skipped with an error; when no line is
/// JSON at all (a truncated single-line report, say) the report is unusable.
pub(super) fn read(bytes: &[u8], sink: &mut Sink<'_>) -> Result<(), LeakError> {
    let mut any_json = false;
    let mut first_problem = None;
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let location = format!("line {}", i + 1);
        let mut de = serde_json::Deserializer::from_slice(line);
        let parsed = Project {
            shape: &FINDING,
            key: sink.key,
        }
        .deserialize(&mut de)
        .and_then(|n| de.end().map(|()| n));
        match parsed {
            Ok(node) => {
                any_json = true;
                entry(&node, location, sink);
            }
            Err(e) => {
                // Each line is parsed on its own, so serde_json's line is always 1.
                let problem = format!(
                    "not a JSON object: {} at column {}",
                    category(&e),
                    e.column()
                );
                first_problem.get_or_insert_with(|| format!("{location}: {problem}"));
                sink.bad_entry(&location, problem);
            }
        }
    }
    match first_problem {
        Some(p) if !any_json => {
            Err(sink.unusable(format!("not a trufflehog JSON-lines report: {p}")))
        }
        _ => Ok(()),
    }
}

fn entry(node: &Node, location: String, sink: &mut Sink<'_>) {
    if !matches!(node, Node::Map(_)) {
        sink.bad_entry(
            &location,
            format!(
                "expected a trufflehog finding (an object), found {}",
                describe(node)
            ),
        );
    } else if ["DetectorName", "SourceMetadata", "Raw", "RawV2"]
        .iter()
        .any(|k| node.get(k).is_some())
    {
        v3(node, location, sink);
    } else if ["stringsFound", "reason"]
        .iter()
        .any(|k| node.get(k).is_some())
    {
        v2(node, location, sink);
    } else {
        sink.bad_entry(
            &location,
            "none of `DetectorName`, `SourceMetadata`, `Raw` or `stringsFound` is present: not a trufflehog finding",
        );
    }
}

/// trufflehog 3: `Raw` is hashed as given (base64 in the 2022 format), `RawV2` only
/// when `Raw` has nothing usable.
fn v3(node: &Node, location: String, sink: &mut Sink<'_>) {
    let mut f = sink.entry(location.clone());
    let mut material = Material::Empty;
    for field in ["Raw", "RawV2"] {
        if let Some(Node::Material(m)) = node.get(field) {
            let m = f.material(field, *m);
            if !matches!(material, Material::Digest(_)) && m != Material::Empty {
                material = m;
            }
        }
    }
    // `Data` holds one entry named after the source (`Git`, `Github`, `Filesystem`…).
    let meta = f.object("SourceMetadata", node.get("SourceMetadata"));
    let data = meta.and_then(|m| f.object("SourceMetadata.Data", m.get("Data")));
    let (name, source) = match data {
        Some(Node::Map(m)) => match m.iter().next() {
            Some((name, src)) => {
                let path = format!("SourceMetadata.Data.{name}");
                (path.clone(), f.object(&path, Some(src)))
            }
            None => (String::new(), None),
        },
        _ => (String::new(), None),
    };
    let at = |field: &str| source.and_then(|s| s.get(field));
    let path = |field: &str| format!("{name}.{field}");
    let file = f
        .text(&path("file"), at("file"))
        .or_else(|| f.text(&path("path"), at("path")));
    let extra = f.object("ExtraData", node.get("ExtraData"));
    let arn = extra.and_then(|e| f.text("ExtraData.arn", e.get("arn")));
    let finding = Finding {
        scanner: "trufflehog",
        material,
        rule: f.text("DetectorName", node.get("DetectorName")),
        line: f.line(&path("line"), at("line")),
        commit: f.text(&path("commit"), at("commit")),
        created_at: f.date(&path("timestamp"), at("timestamp")),
        identity: arn
            .filter(|a| a.starts_with("arn:"))
            .and_then(|a| IdentityName::new(&a).ok()),
        verified: f.boolean("Verified", node.get("Verified")),
        file,
        location,
    };
    sink.add(finding);
}

/// trufflehog 2: every string in `stringsFound` is a credential of its own.
fn v2(node: &Node, location: String, sink: &mut Sink<'_>) {
    let mut f = sink.entry(location.clone());
    let mut materials = Vec::new();
    match node.get("stringsFound") {
        Some(Node::List(items)) => {
            for (i, item) in items.iter().enumerate() {
                if let Node::Material(m) = item {
                    materials.push(f.material(&format!("stringsFound[{i}]"), *m));
                }
            }
        }
        Some(Node::Mismatch("null")) | None => {}
        Some(other) => f.bad(
            "stringsFound",
            format!("expected an array, found {}", describe(other)),
        ),
    }
    let usable: Vec<Material> = materials
        .iter()
        .copied()
        .filter(|m| matches!(m, Material::Digest(_)))
        .collect();
    let rule = f.text("reason", node.get("reason"));
    let file = f.text("path", node.get("path"));
    let commit = f.text("commitHash", node.get("commitHash"));
    let created_at = f.date("date", node.get("date"));
    let each = if usable.is_empty() {
        vec![Material::Empty]
    } else {
        usable
    };
    for material in each {
        sink.add(Finding {
            scanner: "trufflehog",
            location: location.clone(),
            material,
            rule: rule.clone(),
            file: file.clone(),
            line: None,
            commit: commit.clone(),
            created_at,
            identity: None,
            verified: None,
        });
    }
}
