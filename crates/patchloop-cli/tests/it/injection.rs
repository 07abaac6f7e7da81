//! Injection into what readers open (issue 17, items 3, 10, 11, 12, 18): hostile values in
//! a bundle reach Markdown, CSV, the terminal and the report's reproduce command as
//! text, never as markup, formulas, escape sequences or shell syntax.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{copy_dir, scratch, workspace};

/// The example bundle copied to a scratch directory `name/fleet`.
fn bundle(name: &str) -> PathBuf {
    let d = scratch(name).join("fleet");
    copy_dir(&workspace().join("examples/fleet"), &d);
    d
}

/// Runs `patchloop` on `args` in `cwd`, no colour, no leak key from the environment.
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_patchloop"))
        .args(args)
        .current_dir(cwd)
        .env_remove("PATCHLOOP_LEAK_KEY")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Runs `patchloop` on `args`, expects exit 0, returns stdout as text.
fn ok_in(cwd: &Path, args: &[&str]) -> String {
    let o = run_in(cwd, args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Replaces `from` by `to` in the files of `bundle` named in `files`.
fn replace(bundle: &Path, files: &[&str], from: &str, to: &str) {
    for f in files {
        let p = bundle.join(f);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{f} has no {from:?}");
        std::fs::write(&p, text.replace(from, to)).unwrap();
    }
}

/// Sets the `owner` column of `assets.csv` for each `(asset_id, owner)`, quoting it as
/// RFC 4180 wants (the loader reads it back as it was).
fn set_owners(bundle: &Path, owners: &[(&str, &str)]) {
    let p = bundle.join("assets.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        if let Some((_, owner)) = owners.iter().find(|(id, _)| cells[0] == *id) {
            cells[10] = format!("\"{}\"", owner.replace('"', "\"\""));
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    std::fs::write(&p, out).unwrap();
}

/// The number of cells of a GFM table row, splitting where the renderers do: on a `|`
/// not escaped by a backslash (a `\\` pair escapes nothing after it).
fn cells(row: &str) -> usize {
    let mut n = 0;
    let mut chars = row.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '|' => n += 1,
            _ => {}
        }
    }
    n
}

/// Asserts that every row of every table in `md` has as many cells as its header: no
/// value moved a column or forged a row.
fn tables_hold(md: &str) {
    let lines: Vec<&str> = md.lines().collect();
    let mut width = None;
    for (i, l) in lines.iter().enumerate() {
        if !l.starts_with('|') {
            width = None;
            continue;
        }
        match width {
            None => width = Some(cells(l)),
            Some(w) => assert_eq!(cells(l), w, "line {}: {l:?}\n{md}", i + 1),
        }
    }
}

/// The payloads that ran script in a browser through Python-Markdown and markdown-it.
const HTML_PAYLOADS: [&str; 3] = [
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "<script>alert(1)</script>",
];

/// No raw HTML, no link, no carriage return: only the escaped text.
fn inert(md: &str) {
    for raw in ["<img", "<script", "</script"] {
        assert!(!md.contains(raw), "raw {raw:?} in\n{md}");
    }
    assert!(
        !md.replace("\\]", "").contains("]("),
        "a link survived:\n{md}"
    );
    assert!(!md.contains('\r'), "a carriage return survived");
    assert!(!md.contains('\x1b'), "an escape character survived");
}

#[test]
fn markdown_report_shows_hostile_owners_as_text() {
    let b = bundle("inj-report-md");
    set_owners(
        &b,
        &[
            ("ci-runner-01", HTML_PAYLOADS[0]),
            ("gw-01", HTML_PAYLOADS[1]),
            ("app-payments-01", HTML_PAYLOADS[2]),
            ("idp-01", "a\\|b\rc"),
        ],
    );
    let md = ok_in(&b, &["report", ".", "--format", "md"]);
    inert(&md);
    tables_hold(&md);
    // Each owner appears in the queue and in the SLA table (app-payments-01's also in the
    // deployments awaiting verification), as the text it is.
    for (owner, times) in [
        ("| &lt;img src=x onerror=alert(1)&gt; |", 2),
        ("| \\[x\\](javascript:alert(1)) |", 2),
        ("| &lt;script&gt;alert(1)&lt;/script&gt; |", 3),
        ("| a\\\\\\|b c |", 2),
    ] {
        assert_eq!(md.matches(owner).count(), times, "{owner:?} in\n{md}");
    }
}

#[test]
fn queue_markdown_shows_hostile_ids_as_text() {
    let b = bundle("inj-queue-md");
    // The Nessus exports name these two hosts too; a hostile id cannot be spelled in
    // XML unescaped, so the exports are left out of this case.
    for day in ["2026-08-20", "2026-09-13"] {
        std::fs::remove_file(b.join(format!("scans/{day}/nessus-internal.nessus"))).unwrap();
    }
    let files = ["assets.csv", "findings.csv", "discovery.csv"];
    replace(&b, &files, "mail-01", HTML_PAYLOADS[0]);
    replace(&b, &files, "dns-01", "dns\\|01");
    let md = ok_in(&b, &["queue", ".", "--format", "md"]);
    inert(&md);
    tables_hold(&md);
    assert!(
        md.contains("| &lt;img src=x onerror=alert(1)&gt; |"),
        "{md}"
    );
    assert!(md.contains("| dns\\\\\\|01 |"), "{md}");
}

#[test]
fn a_backslash_pipe_and_carriage_return_stay_in_their_cell() {
    let b = bundle("inj-cr-pipe");
    replace(
        &b,
        &["exceptions.csv"],
        "broker port firewalled to app subnet",
        "\"a\\|b\rc\"",
    );
    let md = ok_in(&b, &["report", ".", "--format", "md"]);
    tables_hold(&md);
    assert!(md.contains("| a\\\\\\|b c |"), "{md}");
    assert!(!md.contains('\r'));
}

#[test]
fn csv_cells_never_start_a_formula() {
    let b = bundle("inj-csv");
    set_owners(
        &b,
        &[
            ("ci-runner-01", "=HYPERLINK(\"http://evil.example\",\"x\")"),
            ("gw-01", "@SUM(1+1)"),
            ("app-payments-01", "-2+3"),
            ("idp-01", "+1"),
            ("mail-01", "x;=1+2"),
        ],
    );
    let text = ok_in(&b, &["queue", ".", "--format", "csv"]);
    let mut r = csv_crate::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().clone();
    let owner = header.iter().position(|h| h == "owner").unwrap();
    let mut owners = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        for cell in &rec {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} starts a formula"
            );
        }
        owners.push(rec[owner].to_string());
    }
    for want in [
        "'=HYPERLINK(\"http://evil.example\",\"x\")",
        "'@SUM(1+1)",
        "'-2+3",
        "'+1",
    ] {
        assert!(
            owners.iter().any(|o| o == want),
            "{want:?} not in {owners:?}"
        );
    }
    // Quoted, so a spreadsheet splitting on `;` keeps it one cell.
    assert!(text.contains(",\"x;=1+2\""), "{text}");
}

#[test]
fn nhi_prints_no_raw_escape_sequence() {
    let b = bundle("inj-nhi");
    let hostile = "key\x1b[31mRED\x1b]0;owned\x07\u{9b}2J";
    replace(&b, &["identity/secrets.csv"], "key-id-web-0001", hostile);
    for format in ["table", "csv"] {
        let out = ok_in(&b, &["nhi", ".", "--format", format]);
        assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
        assert!(!out.contains('\u{9b}'), "{out:?}");
        assert!(
            out.contains("key\\x1b[31mRED\\x1b]0;owned\\x07\\u{9b}2J"),
            "{format}: {out}"
        );
    }
    let md = ok_in(&b, &["report", ".", "--format", "md"]);
    assert!(!md.contains('\x1b') && !md.contains('\u{9b}'));
    // JSON keeps the value exactly, escaped as JSON.
    let json = ok_in(&b, &["nhi", ".", "--format", "json"]);
    assert!(!json.contains('\x1b') && json.contains("\\u001b[31mRED"));
}

#[test]
fn validate_and_errors_print_no_raw_escape_sequence() {
    let b = bundle("inj-validate");
    replace(
        &b,
        &["intel/kev.json"],
        "\"catalogVersion\": \"2026.07.23\"",
        "\"catalogVersion\": \"\\u001b[2J2026\"",
    );
    let out = ok_in(&b, &["validate", "."]);
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(out.contains("\\x1b[2J2026"), "{out}");

    // A CSV header naming a column with an escape sequence: the error quotes the header.
    let b = bundle("inj-header");
    replace(&b, &["findings.csv"], "asset_id,", "asset_id\x1b[2J,");
    for cmd in ["validate", "queue"] {
        let o = run_in(&b, &[cmd, "."]);
        assert_ne!(o.status.code(), Some(0), "{cmd}");
        assert!(
            !o.stdout.contains(&0x1b) && !o.stderr.contains(&0x1b),
            "{cmd}"
        );
    }

    // A TOML error quotes the offending line.
    let b = bundle("inj-toml");
    let toml = b.join("patchloop.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\nowner = \"\x1b[2Jx\n");
    std::fs::write(&toml, text).unwrap();
    let o = run_in(&b, &["queue", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        !o.stderr.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The footer's command, pasted into a shell, runs patchloop on the bundle and nothing
/// else, whatever the bundle's directory is called.
#[test]
fn the_reproduce_command_is_shell_quoted() {
    let d = scratch("inj-shell");
    let name = "it's $(touch pwned) `touch pwned2`; x";
    copy_dir(&workspace().join("examples/fleet"), &d.join(name));
    let html = ok_in(&d, &["report", name, "--format", "html"]);
    let start = html.find("reproducible with <code>").unwrap() + 24;
    let len = html[start..].find("</code>").unwrap();
    let cmd = html[start..start + len]
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert!(
        cmd.starts_with("patchloop report 'it'\\''s $(touch pwned) `touch pwned2`; x' --as-of "),
        "{cmd}"
    );
    let bin = env!("CARGO_BIN_EXE_patchloop");
    let line = format!(
        "'{}'{} > out.html",
        bin.replace('\'', "'\\''"),
        &cmd["patchloop".len()..]
    );
    let o = Command::new("sh")
        .args(["-c", &line])
        .current_dir(&d)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{line}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!d.join("pwned").exists() && !d.join("pwned2").exists());
    let pasted = std::fs::read_to_string(d.join("out.html")).unwrap();
    assert!(
        pasted.contains(&html[start..start + len]),
        "another bundle was read"
    );
}
