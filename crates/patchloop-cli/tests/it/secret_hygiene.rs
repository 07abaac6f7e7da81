//! Secret hygiene end to end: a bundle whose leak reports (gitleaks, trufflehog), Trivy
//! secret results and CSV files carry known secret strings goes through every subcommand
//! in every output format, to stdout and to `--output` files; none of those strings may
//! appear in stdout, stderr or any file written.
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{copy_dir, scratch, workspace};

/// The planted secrets. Each is unique enough that finding it anywhere is a leak.
const SECRETS: &[&str] = &[
    "AKIAPLSECRETGITLEAK1",
    "plsecret-gitleaks-match-line-0001",
    "AKIAPLSECRETTRUFFLE2",
    "plsecret-trufflehog-rawv2-0002",
    "plsecret-trivy-secret-0003",
    "plsecret-csv-value-column-0004",
    "plsecret-csv-private-key-0005",
];

/// examples/fleet plus leak reports, a Trivy secret result and CSV cells holding secrets.
fn poisoned_bundle() -> PathBuf {
    let root = scratch("secret-hygiene");
    let b = root.join("bundle");
    copy_dir(&workspace().join("examples/fleet"), &b);
    std::fs::write(
        b.join("identity/leaks/web-01.json"),
        r#"[{"RuleID":"aws-access-token","Description":"AWS","StartLine":3,"EndLine":3,"StartColumn":1,"EndColumn":40,
"Match":"aws_key = AKIAPLSECRETGITLEAK1 # plsecret-gitleaks-match-line-0001","Secret":"AKIAPLSECRETGITLEAK1",
"File":"deploy/.env","SymlinkFile":"","Commit":"1111111111111111111111111111111111111111","Entropy":3.9,
"Author":"dev","Email":"dev@example.com","Date":"2026-08-01T10:00:00Z","Message":"add env","Tags":[],
"Fingerprint":"1111111111111111111111111111111111111111:deploy/.env:aws-access-token:3"}]"#,
    )
    .unwrap();
    std::fs::write(
        b.join("identity/leaks/batch-01.jsonl"),
        concat!(
            r#"{"SourceMetadata":{"Data":{"Git":{"commit":"2222222222222222222222222222222222222222","file":"keys","line":4}}},"#,
            r#""SourceID":0,"SourceType":16,"SourceName":"trufflehog - git","DetectorType":2,"DetectorName":"AWS","#,
            r#""DecoderName":"PLAIN","Verified":true,"Raw":"AKIAPLSECRETTRUFFLE2","RawV2":"AKIAPLSECRETTRUFFLE2plsecret-trufflehog-rawv2-0002","#,
            r#""Redacted":"AKIAPLSECRETTRUFFLE2","ExtraData":{"account":"123456789012"},"StructuredData":null}"#,
            "\n"
        ),
    )
    .unwrap();
    std::fs::write(
        b.join("scans/mq-01.json"),
        r#"{"SchemaVersion":2,"ArtifactName":"mq-01","ArtifactType":"filesystem","Results":[
{"Target":"/srv/app/.env","Class":"secret","Secrets":[{"RuleID":"generic-api-key","Category":"Generic",
"Severity":"HIGH","Title":"Generic API key","StartLine":1,"EndLine":1,
"Code":{"Lines":[{"Number":1,"Content":"API_KEY=plsecret-trivy-secret-0003","IsCause":true,
"Highlighted":"API_KEY=plsecret-trivy-secret-0003","FirstCause":true,"LastCause":true}]},
"Match":"API_KEY=plsecret-trivy-secret-0003","Layer":{}}]}]}"#,
    )
    .unwrap();
    // A CMDB export that carries a secret-value column: refused by name, never echoed.
    let secrets = b.join("identity/secrets.csv");
    let text = std::fs::read_to_string(&secrets).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        out.push_str(line);
        out.push_str(match i {
            0 => ",value,private_key",
            1 => ",plsecret-csv-value-column-0004,",
            2 => ",,plsecret-csv-private-key-0005",
            _ => ",,",
        });
        out.push('\n');
    }
    std::fs::write(&secrets, out).unwrap();
    // An export with a column patchloop does not know: ignored, never echoed.
    let assets = b.join("assets.csv");
    let text = std::fs::read_to_string(&assets).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        out.push_str(line);
        out.push_str(if i == 0 {
            ",api_token"
        } else {
            ",plsecret-csv-value-column-0004"
        });
        out.push('\n');
    }
    std::fs::write(&assets, out).unwrap();
    b
}

fn run(args: &[&str], cwd: &Path) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_patchloop"))
        .args(args)
        .current_dir(cwd)
        .env_remove("PATCHLOOP_LEAK_KEY")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

fn assert_clean(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} printed the planted secret {s:?}");
        // A 12-character window catches a secret that was cut or re-encoded around it.
        let chars: Vec<char> = s.chars().collect();
        for w in chars.windows(12) {
            let part: String = w.iter().collect();
            assert!(
                !text.contains(&part),
                "{what} printed {part:?}, part of {s:?}"
            );
        }
    }
}

#[test]
fn no_subcommand_prints_or_writes_a_planted_secret() {
    let b = poisoned_bundle();
    let dir = b.parent().unwrap().to_path_buf();
    let bs = b.to_str().unwrap();
    let mut runs: Vec<Vec<&str>> = vec![
        vec!["validate", bs],
        vec!["validate", bs, "--format", "json"],
        vec![
            "explain",
            bs,
            "--asset",
            "web-01",
            "--vuln",
            "CVE-2021-44228",
        ],
        vec![
            "explain",
            bs,
            "--asset",
            "web-01",
            "--vuln",
            "CVE-2021-44228",
            "--format",
            "json",
        ],
        vec!["blast-radius", bs, "--host", "web-01"],
        vec!["paths", bs, "--host", "ci-runner-01"],
        vec!["closure-plan", bs, "--host", "web-01"],
        vec!["closure-plan", bs, "--host", "batch-01", "--format", "json"],
        vec!["graph", "export", bs, "--format", "dot"],
        vec!["graph", "export", bs, "--format", "opengraph"],
        vec!["graph", "export", bs, "--format", "dot", "--host", "web-01"],
        vec!["coverage", bs],
        vec!["coverage", bs, "--format", "json"],
        vec!["exceptions", bs],
        vec!["exceptions", bs, "--format", "json"],
        vec!["metrics", bs, "--trend", "3"],
        vec!["metrics", bs, "--format", "json", "--trend", "3"],
        vec!["metrics", bs, "--format", "md"],
    ];
    // Every list view in every format (issue 16 item 18).
    let list = &["table", "json", "csv", "md"][..];
    for (cmd, formats) in [
        ("queue", list),
        ("hosts", list),
        ("blast-radius", list),
        ("nhi", list),
        ("status", list),
        ("coverage", list),
        ("exceptions", list),
        ("alerts", list),
        ("events", list),
        ("metrics", list),
        ("report", &["html", "md", "json"][..]),
    ] {
        for f in formats {
            runs.push(vec![cmd, bs, "--format", f]);
        }
    }
    for f in list {
        runs.push(vec!["closure-plan", bs, "--host", "web-01", "--format", f]);
        runs.push(vec!["paths", bs, "--host", "ci-runner-01", "--format", f]);
        runs.push(vec!["blast-radius", bs, "--host", "web-01", "--format", f]);
    }
    let mut files = 0;
    for (i, args) in runs.iter().enumerate() {
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        // The secrets.csv value column is a row error: go on with the good rows.
        if args[0] != "validate" {
            args.push("--lenient".into());
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, printed) = run(&argv, &dir);
        assert!(
            matches!(code, Some(0 | 1)),
            "{argv:?} exited {code:?}: {printed}"
        );
        assert_clean(&format!("{argv:?}"), &printed);
        // The same run into a file.
        let out = dir.join(format!("out-{i}"));
        let mut with_file = argv.clone();
        with_file.extend(["--output", out.to_str().unwrap()]);
        let (_, printed) = run(&with_file, &dir);
        assert_clean(&format!("{with_file:?}"), &printed);
        if out.exists() {
            assert_clean(
                &format!("{with_file:?} (file)"),
                &String::from_utf8_lossy(&std::fs::read(&out).unwrap()),
            );
            files += 1;
        }
    }
    assert!(files >= 30, "only {files} output files were written");
    // The refusal names the column, so the user knows what to fix.
    let (_, printed) = run(&["validate", bs], &dir);
    assert!(printed.contains("value"), "{printed}");
    // The planted leaks were read (as secrets with keyed ids), not silently skipped.
    let (_, printed) = run(&["validate", bs, "--format", "json"], &dir);
    assert!(printed.contains("web-01.json") && printed.contains("batch-01.jsonl"));
}
