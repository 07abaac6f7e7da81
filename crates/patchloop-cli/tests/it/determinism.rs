//! Same bundle, same bytes out: every subcommand below runs on `examples/fleet` with
//! rayon on one thread and on two, and on a copy whose CSV data rows are shuffled (header
//! kept first, fixed seed); stdout must be identical byte for byte in every run.
//!
//! One allowance, for the shuffled copy only: outputs cite the input line a record came
//! from (`"line": 31`, `exception_line`, the "discovery.csv line" column of the HTML
//! report), and the shuffle moves the rows. Those citations are masked in both outputs
//! before the shuffled comparison; everything else, order included, must match.
use std::path::{Path, PathBuf};
use std::process::Command;

use patchloop_testkit::Rng;

use crate::{copy_dir, scratch, workspace};

/// The subcommands and formats compared. Add new subcommands here.
const RUNS: &[&[&str]] = &[
    &["queue", "--format", "json"],
    &["metrics", "--format", "json"],
    &["hosts", "--format", "json"],
    &["blast-radius", "--format", "json"],
    &["status", "--format", "json"],
    &["report", "--format", "json"],
    &["report", "--format", "md"],
    &["report", "--format", "html"],
];

/// Shuffles the data rows of every CSV file under `dir`; comment lines (`#`, EPSS) and
/// the header stay first. Returns how many files changed.
fn shuffle_csvs(dir: &Path, rng: &mut Rng) -> usize {
    let mut changed = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            changed += shuffle_csvs(&p, rng);
            continue;
        }
        if p.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        // Line-wise shuffling would tear a quoted field that spans lines.
        assert!(
            text.lines().all(|l| l.matches('"').count() % 2 == 0),
            "{}: a quoted field spans lines; shuffle it with a CSV parser",
            p.display()
        );
        let lines: Vec<&str> = text.lines().collect();
        let head = lines
            .iter()
            .position(|l| !l.starts_with('#'))
            .map_or(lines.len(), |h| h + 1);
        let (keep, rows) = lines.split_at(head);
        let mut rows: Vec<&str> = rows.to_vec();
        let before = rows.clone();
        rng.shuffle(&mut rows);
        if rows != before {
            changed += 1;
        }
        let mut out = keep.join("\n");
        for r in rows {
            out.push('\n');
            out.push_str(r);
        }
        out.push('\n');
        std::fs::write(&p, out).unwrap();
    }
    changed
}

/// Runs `patchloop <cmd> fleet <rest>` in `cwd` (the bundle is always called `fleet`, so
/// any path echoed in the output is the same in every copy).
fn run(cwd: &Path, args: &[&str], threads: &str) -> Vec<u8> {
    let (cmd, rest) = args.split_first().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_patchloop"))
        .arg(cmd)
        .arg("fleet")
        .args(rest)
        .current_dir(cwd)
        .env_remove("PATCHLOOP_LEAK_KEY")
        .env("NO_COLOR", "1")
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?} with {threads} thread(s) in {}: {}",
        cwd.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!o.stdout.is_empty(), "{args:?}: no output");
    o.stdout
}

/// Masks input line citations (see the module docs): the value of every JSON key `line`
/// or `*_line`, `file.csv:N`, `line N`, and HTML table cells under a header ending in
/// "line".
fn mask_lines(out: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(out.to_vec()).unwrap();
    let text = mask_html_line_columns(&text);
    let mut masked = String::with_capacity(text.len());
    let mut rest = text.as_str();
    // A citation is a marker followed by digits; the digits become `N`.
    let markers = ["line\": ", ".csv:", "line "];
    loop {
        let next = markers
            .iter()
            .filter_map(|m| rest.find(m).map(|i| (i + m.len(), m)))
            .min();
        let Some((end, marker)) = next else {
            masked.push_str(rest);
            break;
        };
        let (head, tail) = rest.split_at(end);
        masked.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        let is_json_key = *marker == "line\": "
            && head[..head.len() - marker.len()]
                .rsplit('"')
                .next()
                .is_some_and(|k| k.is_empty() || k.ends_with('_'));
        if digits > 0 && (*marker != "line\": " || is_json_key) {
            masked.push('N');
            rest = &tail[digits..];
        } else {
            rest = tail;
        }
    }
    masked.into_bytes()
}

/// Replaces the cells of every HTML table column whose header ends in "line" with `N`.
fn mask_html_line_columns(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<table") {
        let Some(len) = rest[start..].find("</table>") else {
            break;
        };
        let end = start + len;
        out.push_str(&rest[..start]);
        let table = &rest[start..end];
        let headers: Vec<&str> = cells(table, "<th").collect();
        let masked_cols: Vec<usize> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.trim_end().ends_with("line"))
            .map(|(i, _)| i)
            .collect();
        if masked_cols.is_empty() {
            out.push_str(table);
        } else {
            let mut t = String::new();
            for (i, row) in table.split("<tr>").enumerate() {
                if i > 0 {
                    t.push_str("<tr>");
                }
                let mut r = row.to_string();
                let tds: Vec<&str> = cells(row, "<td").collect();
                for &c in &masked_cols {
                    if let Some(v) = tds.get(c).filter(|v| !v.is_empty()) {
                        r = r.replacen(&format!(">{v}</td>"), ">N</td>", 1);
                    }
                }
                t.push_str(&r);
            }
            out.push_str(&t);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The text of each `<th …>…</th>` or `<td …>…</td>` cell in `html`.
fn cells<'a>(html: &'a str, open: &'static str) -> impl Iterator<Item = &'a str> {
    let close = if open == "<th" { "</th>" } else { "</td>" };
    html.match_indices(open).filter_map(move |(i, _)| {
        let body = &html[i..];
        // `<th` also starts `<thead>`.
        if !matches!(body.as_bytes().get(open.len()), Some(b'>' | b' ')) {
            return None;
        }
        let gt = body.find('>')?;
        let end = body.find(close)?;
        body.get(gt + 1..end)
    })
}

/// Where two outputs first differ, for the failure message.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let show = |s: &[u8]| {
        String::from_utf8_lossy(&s[at.saturating_sub(80)..(at + 80).min(s.len())]).into_owned()
    };
    format!(
        "byte {at} (lengths {} and {}):\n  {:?}\n  {:?}",
        a.len(),
        b.len(),
        show(a),
        show(b)
    )
}

#[test]
fn outputs_do_not_depend_on_threads_or_row_order() {
    let root = scratch("determinism");
    let fleet = workspace().join("examples/fleet");
    let plain = root.join("plain");
    let shuffled = root.join("shuffled");
    copy_dir(&fleet, &plain.join("fleet"));
    copy_dir(&fleet, &shuffled.join("fleet"));
    let changed = shuffle_csvs(&shuffled.join("fleet"), &mut Rng::new(0x5EED_D1CE));
    assert!(changed >= 5, "only {changed} CSV files were reordered");

    for args in RUNS {
        let reference = run(&plain, args, "1");
        for (cwd, threads, what) in [
            (&plain, "2", "2 threads"),
            (&shuffled, "1", "shuffled rows, 1 thread"),
            (&shuffled, "2", "shuffled rows, 2 threads"),
        ] {
            let mut out = run(cwd, args, threads);
            let mut reference = reference.clone();
            if cwd == &shuffled {
                out = mask_lines(&out);
                reference = mask_lines(&reference);
            }
            assert!(
                out == reference,
                "{args:?}: {what} differs from 1 thread at {}",
                first_difference(&reference, &out)
            );
        }
    }
}
