//! Generated scanner reports, well formed or not, and arbitrary bytes: no panic, the
//! same output for the same input, and every error named after its file.
use patchloop_model::FindingStatus;
use proptest::prelude::*;
use serde_json::Value;

use crate::scans::{AS_OF, host, scan};

/// Any JSON, small: what a wrongly typed field might hold.
fn arb_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..5).prop_map(Value::from),
        prop_oneof![
            Just("CVE-2024-1".to_string()),
            Just("2026-01-01T00:00:00Z".to_string()),
            Just("CVSS:3.1/AV:N".to_string()),
            ".{0,6}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,3}", inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A field that is usually well formed (one of `good`), sometimes anything, sometimes
/// absent.
fn field(good: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        4 => good.prop_map(Some),
        1 => arb_json().prop_map(Some),
        1 => Just(None),
    ]
    .boxed()
}

fn text_of(words: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop::sample::select(words).prop_map(Value::from).boxed()
}

fn list_of(item: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop::collection::vec(item, 0..4)
        .prop_map(Value::Array)
        .boxed()
}

/// An object with the given fields, each present or not, well typed or not.
fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let (keys, values): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
    values
        .into_iter()
        .map(field)
        .collect::<Vec<_>>()
        .prop_map(move |vs| {
            let map = keys
                .iter()
                .zip(vs)
                .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                .collect();
            Value::Object(map)
        })
        .boxed()
}

const IDS: &[&str] = &[
    "CVE-2024-1",
    "GHSA-aaaa-bbbb-cccc",
    "PYSEC-2024-1",
    "cve-2024-2",
    "",
];
const VECTORS: &[&str] = &[
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    "AV:N/AC:L/Au:N/C:P/I:P/A:P",
    "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "",
];
const TIMES: &[&str] = &["2026-01-01T00:00:00Z", "2026-01-01", "garbage", ""];

fn trivy_doc() -> BoxedStrategy<Value> {
    let cvss = prop::collection::btree_map(
        prop::sample::select(vec!["nvd", "ghsa", "redhat", "bitnami"]).prop_map(String::from),
        object(vec![
            ("V3Vector", text_of(VECTORS)),
            ("V40Vector", text_of(VECTORS)),
            ("V2Vector", text_of(VECTORS)),
        ]),
        0..3,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()))
    .boxed();
    let vuln = object(vec![
        ("VulnerabilityID", text_of(IDS)),
        ("PkgName", text_of(&["p", " q ", ""])),
        ("InstalledVersion", text_of(&["1.0"])),
        ("FixedVersion", text_of(&["1.1", "1.1, 2.0", ""])),
        (
            "Status",
            text_of(&["fixed", "affected", "not_affected", "will_not_fix"]),
        ),
        ("Severity", text_of(&["HIGH", "UNKNOWN", "weird"])),
        ("CVSS", cvss),
    ]);
    let result = object(vec![
        ("Class", text_of(&["os-pkgs", "lang-pkgs", "secret"])),
        ("Vulnerabilities", list_of(vuln)),
    ]);
    object(vec![
        ("SchemaVersion", (1i64..=2).prop_map(Value::from).boxed()),
        ("CreatedAt", text_of(TIMES)),
        ("Results", list_of(result)),
    ])
}

fn grype_doc() -> BoxedStrategy<Value> {
    let cvss = list_of(object(vec![
        ("source", text_of(&["nvd@nist.gov", "cve@mitre.org", ""])),
        ("version", text_of(&["2.0", "3.1", "4.0"])),
        ("vector", text_of(VECTORS)),
    ]));
    let vulnerability = object(vec![
        ("id", text_of(IDS)),
        ("namespace", text_of(&["nvd", "github:python", "debian:10"])),
        ("severity", text_of(&["High", "Negligible"])),
        (
            "fix",
            object(vec![("versions", list_of(text_of(&["1.0", " 2.0 ", ""])))]),
        ),
        ("cvss", cvss.clone()),
    ]);
    let related = list_of(object(vec![
        ("id", text_of(IDS)),
        ("namespace", text_of(&["nvd"])),
        ("cvss", cvss),
    ]));
    let m = object(vec![
        ("vulnerability", vulnerability),
        ("relatedVulnerabilities", related),
        (
            "artifact",
            object(vec![
                ("name", text_of(&["busybox"])),
                ("version", text_of(&["1"])),
            ]),
        ),
    ]);
    object(vec![
        ("matches", list_of(m)),
        ("descriptor", object(vec![("timestamp", text_of(TIMES))])),
    ])
}

fn osv_doc() -> BoxedStrategy<Value> {
    let package = object(vec![
        ("name", text_of(&["django", "Django", ""])),
        ("version", text_of(&["3.2.4"])),
        ("ecosystem", text_of(&["PyPI", "Debian:11", "Go"])),
    ]);
    let severity = list_of(object(vec![
        (
            "type",
            text_of(&["CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu"]),
        ),
        ("score", text_of(VECTORS)),
    ]));
    let range = object(vec![
        ("type", text_of(&["ECOSYSTEM", "SEMVER", "GIT"])),
        (
            "events",
            list_of(object(vec![
                ("introduced", text_of(&["0"])),
                ("fixed", text_of(&["3.2.5", "4.0.1", "abc123", ""])),
            ])),
        ),
    ]);
    let affected = object(vec![
        ("package", package.clone()),
        ("ranges", list_of(range)),
        ("severity", severity.clone()),
    ]);
    let vuln = object(vec![
        ("id", text_of(IDS)),
        ("aliases", list_of(text_of(IDS))),
        ("severity", severity),
        ("affected", list_of(affected)),
        (
            "database_specific",
            object(vec![("severity", text_of(&["HIGH", "MODERATE"]))]),
        ),
    ]);
    let pkg = object(vec![
        ("package", package),
        ("vulnerabilities", list_of(vuln)),
    ]);
    object(vec![(
        "results",
        list_of(object(vec![("packages", list_of(pkg))])),
    )])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_reports_never_panic(
        doc in prop_oneof![trivy_doc(), grype_doc(), osv_doc()],
        with_as_of in any::<bool>(),
    ) {
        let bytes = serde_json::to_vec(&doc).unwrap();
        let as_of = with_as_of.then_some(AS_OF);
        let first = scan("p.json", &bytes, as_of);
        prop_assert_eq!(&first, &scan("p.json", &bytes, as_of), "deterministic");
        if let Ok(p) = first {
            for f in &p.value.findings {
                prop_assert_eq!(&f.asset_id, &host());
                prop_assert!(!f.vuln_id.as_str().is_empty());
                prop_assert_eq!(f.status, FindingStatus::Open);
            }
            for e in &p.errors {
                prop_assert!(e.to_string().starts_with("p.json: "));
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = scan("b.json", &bytes, Some(AS_OF));
    }
}
