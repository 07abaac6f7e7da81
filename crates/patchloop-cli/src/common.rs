//! What every subcommand shares: loading a bundle with the CLI's options, the clock and
//! the environment (read here and nowhere else), output formats and exit codes.
use std::borrow::Cow;
use std::path::{Path, PathBuf};

use chrono::Utc;
use patchloop::ingest::leaks::LeakKey;
use patchloop::ingest::{Inputs, LoadOptions, Loaded, load_bundle};
use patchloop::model::{Policy, Timestamp, parse_timestamp};
use patchloop::{Envelope, Session};

use crate::error::CliError;

/// Everything fine.
pub const EXIT_OK: u8 = 0;
/// Row errors in the input (the good rows were still used).
pub const EXIT_ROW_ERRORS: u8 = 1;
/// The input is unusable.
pub const EXIT_UNUSABLE: u8 = 2;

/// Environment variable holding the key for leak ids when `patchloop.toml` has none.
pub const LEAK_KEY_ENV: &str = "PATCHLOOP_LEAK_KEY";

/// Output format shared by the subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// One JSON object (spec §8).
    Json,
}

/// Options every bundle-reading subcommand takes.
#[derive(Debug, Clone, clap::Args)]
pub struct BundleArgs {
    /// The bundle directory.
    pub bundle: PathBuf,
    /// How to load it.
    #[command(flatten)]
    pub load: LoadArgs,
}

/// How to load the input, whether a bundle or (`queue --scan`) one report.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// Evaluation time (RFC 3339 or YYYY-MM-DD); default: patchloop.toml's as_of, else now.
    #[arg(long, value_parser = parse_as_of)]
    pub as_of: Option<Timestamp>,
    /// Do not fail on row errors: report them and go on with the good rows.
    #[arg(long)]
    pub lenient: bool,
    /// A policy file overriding the bundle's (`[policy]` of a patchloop.toml, or bare keys).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// A patchloop.toml kept outside the bundle (one policy for many bundles): each
    /// top-level key it sets (as_of, [policy], [columns], [scans], [leaks]) replaces the
    /// bundle's. Default: $PATCHLOOP_CONFIG when set. --policy still overrides [policy].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Read inputs whose symbolic links lead outside the bundle directory (refused by
    /// default: docs/hardening.md).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Most bytes read from one input after decompression [default: 2147483648]
    /// (docs/hardening.md, "Bounded inputs").
    #[arg(long, value_name = "BYTES", help_heading = "Limits")]
    pub max_input_bytes: Option<u64>,
    /// Longest line of a bundle CSV file [default: 67108864].
    #[arg(long, value_name = "BYTES", help_heading = "Limits")]
    pub max_csv_line_bytes: Option<u64>,
    /// Longest line of an EPSS file or of CloudTrail JSON lines [default: 1048576].
    #[arg(long, value_name = "BYTES", help_heading = "Limits")]
    pub max_line_bytes: Option<usize>,
    /// Most row errors kept per file; the rest are counted [default: 1000].
    #[arg(long, value_name = "N", help_heading = "Limits")]
    pub max_row_errors: Option<usize>,
}

/// Applies the `--max-*` flags as the process's input limits (once, before anything is
/// read; `patchloop_ingest::set_limits`). A limit of 0 is refused.
pub fn apply_limits(load: &LoadArgs) -> Result<(), CliError> {
    let mut l = patchloop::ingest::Limits::DEFAULT;
    if let Some(n) = load.max_input_bytes {
        l.input_bytes = n;
    }
    if let Some(n) = load.max_csv_line_bytes {
        l.csv_line_bytes = n;
    }
    if let Some(n) = load.max_line_bytes {
        l.line_bytes = n;
    }
    if let Some(n) = load.max_row_errors {
        l.row_errors = n;
    }
    // Defaults asked for: nothing to set (asking `limits()` here would fix them).
    if l == patchloop::ingest::Limits::DEFAULT {
        return Ok(());
    }
    match patchloop::ingest::set_limits(l) {
        Ok(()) => Ok(()),
        // Set already by an earlier load of this run, to the same values.
        Err(current) if current == l => Ok(()),
        Err(_) => Err(CliError::unusable(
            "every --max-* limit must be at least 1".to_string(),
        )),
    }
}

fn parse_as_of(s: &str) -> Result<Timestamp, String> {
    parse_timestamp(s).map_err(|e| format!("{e}: {s:?}"))
}

/// Loads the bundle with the CLI's options, resolving the leak key from the environment.
///
/// A `PATCHLOOP_LEAK_KEY` that is set but unusable (shorter than 16 bytes) is an error,
/// never silently ignored: leak ids made without it would not match the ones the user
/// expects. The key itself is never printed.
pub fn load(args: &BundleArgs) -> Result<Loaded, CliError> {
    load_inputs(args, Inputs::ALL)
}

/// What each subcommand reads of the bundle, in one place (docs/user-guide.md, "What
/// each command reads"). The graph commands need the identity inputs only, `nhi` adds
/// the renewals in `events.csv` and the identity evidence, `coverage` needs the
/// inventory and discovery; every other command reads the whole bundle (the closure
/// plan too: it says which reviews a host's open findings still owe).
pub fn inputs_of(command: &str) -> Inputs {
    match command {
        "blast-radius" | "paths" | "graph export" => Inputs::GRAPH,
        "nhi" => Inputs::NHI,
        "coverage" => Inputs::COVERAGE,
        _ => Inputs::ALL,
    }
}

fn load_inputs(args: &BundleArgs, inputs: Inputs) -> Result<Loaded, CliError> {
    let load = &args.load;
    apply_limits(load)?;
    let leak_key = match std::env::var_os(LEAK_KEY_ENV) {
        None => None,
        Some(k) => Some(
            LeakKey::new(std::os::unix::ffi::OsStrExt::as_bytes(k.as_os_str())).map_err(|e| {
                CliError::unusable(LeakKeyEnvError {
                    message: e.to_string(),
                })
            })?,
        ),
    };
    let config = match config_path(load) {
        None => None,
        Some(p) => Some(read_config(&p)?),
    };
    let loaded = load_bundle(
        &args.bundle,
        &LoadOptions {
            as_of: load.as_of,
            leak_key,
            follow_symlinks: load.follow_symlinks,
            config,
            inputs,
        },
    );
    loaded.map_err(CliError::unusable)
}

/// The environment variable naming a configuration file for every bundle, as
/// `--config` does (the flag wins).
pub const CONFIG_ENV: &str = "PATCHLOOP_CONFIG";

/// `--config`, else a non-empty `PATCHLOOP_CONFIG`.
pub fn config_path(load: &LoadArgs) -> Option<PathBuf> {
    load.config.clone().or_else(|| {
        std::env::var_os(CONFIG_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// Reads a `--config` file as [`read_policy`] reads a policy: bounded, regular files
/// and pipes only, UTF-8.
fn read_config(p: &Path) -> Result<patchloop::ingest::ExternalConfig, CliError> {
    Ok(patchloop::ingest::ExternalConfig {
        name: p.display().to_string(),
        text: read_settings(p, "configuration")?,
    })
}

/// A `--policy` or `--config` file's text: at most [`MAX_POLICY_BYTES`], UTF-8; `what`
/// names the file in errors.
fn read_settings(p: &Path, what: &'static str) -> Result<String, CliError> {
    use std::io::{Error, ErrorKind};
    let fail = |source: Error| {
        CliError::unusable(PolicyFileError {
            what,
            path: p.display().to_string(),
            source,
        })
    };
    let bytes = read_bounded(p, MAX_POLICY_BYTES).map_err(fail)?;
    String::from_utf8(bytes)
        .map_err(|_| fail(Error::new(ErrorKind::InvalidData, "not valid UTF-8")))
}

/// `PATCHLOOP_LEAK_KEY` is set but cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{LEAK_KEY_ENV} is set but unusable ({message}); unset it or give at least 16 bytes")]
pub struct LeakKeyEnvError {
    message: String,
}

/// The evaluation time: the flag, else the bundle's, else the clock (the only place the
/// clock is read). Returns where it came from too.
pub fn resolve_as_of(
    flag: Option<Timestamp>,
    bundle: Option<Timestamp>,
) -> (Timestamp, &'static str) {
    match (flag, bundle) {
        (Some(t), _) => (t, "--as-of"),
        (None, Some(t)) => (t, "patchloop.toml"),
        (None, None) => (Utc::now(), "clock"),
    }
}

pub use patchloop::ts;

/// A due instant as the last day on time (spec §9.1): the date of the last second
/// before it, so a due_at of 2026-07-26T00:00:00Z reads "2026-07-25".
pub fn last_day(t: patchloop::model::Timestamp) -> String {
    let before = t
        .checked_sub_signed(chrono::TimeDelta::seconds(1))
        .unwrap_or(t);
    before.format("%Y-%m-%d").to_string()
}

/// A path for display, `/`-separated.
pub fn show_path(p: &Path) -> String {
    p.display().to_string()
}

/// `s` safe to print on a terminal: control characters (escape sequences, carriage
/// returns, C1 codes) shown as visible escapes like `\x1b`, line feeds too. A value from
/// the bundle (an `external_id`, a KEV catalog version, a file name) is data, and data
/// must not drive the reader's terminal. One implementation, the facade's
/// [`patchloop::report::escape_controls`].
pub fn term(s: &str) -> Cow<'_, str> {
    patchloop::report::escape_controls(s, false)
}

/// [`term`] for text meant to span lines (an error and its causes): line feeds kept.
pub fn term_lines(s: &str) -> Cow<'_, str> {
    patchloop::report::escape_controls(s, true)
}

/// Renders rows as an aligned text table. The last column is left unpadded.
pub fn table(header: &[&str], rows: &[Vec<String>], right_align: &[usize]) -> String {
    table_styled(header, rows, right_align, &|_, _| None)
}

/// [`table`] with an ANSI style per cell (`style(column, text)`), applied around the
/// text after padding is measured, so colour never breaks alignment. Styles are dropped
/// unless [`crate::output::colour`] says a terminal wants them. Every cell is passed
/// through [`term`] first: the table's own colours are the only escape sequences in it.
pub fn table_styled(
    header: &[&str],
    rows: &[Vec<String>],
    right_align: &[usize],
    style: &dyn Fn(usize, &str) -> Option<&'static str>,
) -> String {
    let escaped: Vec<Cow<'_, str>> = header.iter().map(|h| term(h)).collect();
    let header: Vec<&str> = escaped.iter().map(AsRef::as_ref).collect();
    let rows: Vec<Vec<Cow<'_, str>>> = rows
        .iter()
        .map(|r| r.iter().map(|c| term(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String, styled: bool| {
        let n = cells.len();
        for (i, c) in cells.into_iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            let pad = w.saturating_sub(c.chars().count());
            let text = if styled {
                crate::output::paint(c, style(i, c))
            } else {
                c.to_string()
            };
            if right_align.contains(&i) {
                out.push_str(&" ".repeat(pad));
                out.push_str(&text);
            } else {
                out.push_str(&text);
                if i + 1 < n {
                    out.push_str(&" ".repeat(pad));
                }
            }
            if i + 1 < n {
                out.push_str("  ");
            }
        }
        out.push('\n');
    };
    line(header.clone(), &mut out, false);
    for r in &rows {
        line(r.iter().map(AsRef::as_ref).collect(), &mut out, true);
    }
    out
}

/// Output format of every list view (`queue` has these and SARIF): the same six
/// everywhere, so a script or a wiki page can take any view (docs/user-guide.md §10 lists
/// each view's CSV columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// Aligned text for a terminal.
    Table,
    /// One JSON object (spec §8).
    Json,
    /// CSV with a header row, one value per field.
    Csv,
    /// Markdown for a wiki page or a ticket: the view's table, every cell escaped.
    Md,
    /// Apache Parquet: the CSV's columns, typed (docs/columnar.md). Binary: to a file
    /// (`--output`) or a pipe, never a terminal.
    Parquet,
    /// Arrow IPC file (Feather v2): the CSV's columns, typed, for Arrow-based tools.
    Arrow,
}

/// The spec's JSON envelope (`schema`, `as_of`, `provenance`, then the body), pretty.
pub fn envelope<T: serde::Serialize>(
    session: &Session,
    schema: &str,
    key: &str,
    body: T,
) -> Result<String, CliError> {
    Ok(Envelope::new(
        schema,
        session.as_of(),
        &session.bundle().provenance,
        key,
        body,
    )
    .to_json()?)
}

/// [`envelope`] with more top-level keys after the body (`counts`, `issues` …).
pub fn envelope_with<T: serde::Serialize>(
    session: &Session,
    schema: &str,
    key: &str,
    body: T,
    extra: &[(&str, serde_json::Value)],
) -> Result<String, CliError> {
    let env = Envelope::new(
        schema,
        session.as_of(),
        &session.bundle().provenance,
        key,
        body,
    );
    let mut v = serde_json::to_value(&env)?;
    if let Some(o) = v.as_object_mut() {
        for (k, x) in extra {
            o.insert((*k).to_string(), x.clone());
        }
    }
    Ok(serde_json::to_string_pretty(&v)?)
}

/// One CSV line, every cell through [`csv_cell`] (quoted where needed, never starting
/// a spreadsheet formula, no terminal control characters): every CSV line the CLI writes
/// comes through here (`columns::RowWriter`). RFC 4180 with `\n` line ends, as the
/// `csv` crate writes it (a record of one empty field, or of none, is `""`, so it is not
/// read as a blank line). Written here rather than by the `csv` crate because some cells
/// must be quoted that the crate would not quote (see [`csv_cell`]).
pub fn csv_record<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    let cells: Vec<(String, bool)> = cells.map(csv_cell).collect();
    let lone_empty = match cells.as_slice() {
        [] => true,
        [(only, _)] => only.is_empty(),
        _ => false,
    };
    if lone_empty {
        out.push_str("\"\"\n");
        return;
    }
    for (i, (cell, quote)) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if *quote {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push('\n');
}

/// Characters that make a spreadsheet read a cell beginning with them as a formula
/// (OWASP, "CSV Injection"): `= + - @`, tab and carriage return.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One CSV cell and whether it must be quoted.
///
/// - Control characters other than line feed are shown as visible escapes ([`term`]'s
///   form), since CSV is often read on a terminal. (So a tab or carriage return never
///   survives to start a cell; they stay in the formula list as OWASP gives it.)
/// - A cell beginning with `= + - @`, tab or carriage return gets a leading `'`, as OWASP
///   recommends, so Excel, LibreOffice and Google Sheets show it as text instead of
///   evaluating it (`=HYPERLINK(…)`, `@SUM(…)`, `-2+3`). No column patchloop writes
///   holds a number that can be negative, so no legitimate number is turned into text.
/// - It is quoted when it holds `,`, `"`, CR or LF (RFC 4180), and also when a part after
///   a `;` begins with a formula character: spreadsheets in locales whose separator is
///   `;` would otherwise split the cell there and evaluate the second half.
pub fn csv_cell(s: &str) -> (String, bool) {
    let mut cell = patchloop::report::escape_controls(s, true).into_owned();
    if cell.starts_with(FORMULA_START) {
        cell.insert(0, '\'');
    }
    let quote = cell.contains([',', '"', '\r', '\n'])
        || cell
            .split(';')
            .skip(1)
            .any(|p| p.starts_with(FORMULA_START));
    (cell, quote)
}

/// Loads a bundle for a subcommand, printing row errors to stderr, and applies
/// `--policy`. Fails with exit 2 when the bundle or the policy is unusable, and with
/// exit 1 on row errors unless `--lenient`.
pub fn load_checked(args: &BundleArgs, command: &str) -> Result<Loaded, CliError> {
    let progress = crate::output::Progress::start(format!("loading {}", args.bundle.display()));
    let loaded = load_inputs(args, inputs_of(command));
    drop(progress);
    checked(loaded?, &args.load, "the bundle")
}

/// What every command does with what it loaded (`what`: "the bundle", "the report"):
/// prints the row errors to stderr, stops with exit 1 on them unless `--lenient`, and
/// applies `--policy`.
pub fn checked(mut l: Loaded, args: &LoadArgs, what: &str) -> Result<Loaded, CliError> {
    for e in &l.errors {
        eprintln!("error: {}", term_lines(&e.to_string()));
    }
    if !l.errors.is_empty() && !args.lenient {
        eprintln!(
            "{} row error(s) in {what}; fix them, or pass --lenient to go on with the good rows",
            l.errors.len()
        );
        return Err(CliError::reported(EXIT_ROW_ERRORS));
    }
    if let Some(p) = &args.policy {
        l.bundle.policy = read_policy(p)?;
    }
    Ok(l)
}

/// The largest `--policy` file read (1 MiB; a real one is a few hundred bytes): a
/// larger one is refused (exit 2) instead of read whole (docs/hardening.md, "Bounded
/// inputs").
pub const MAX_POLICY_BYTES: u64 = 1 << 20;

/// Reads a `--policy` file (`[policy]` of a patchloop.toml, or bare keys).
///
/// At most [`MAX_POLICY_BYTES`] are read; a larger file, a directory or a device
/// (`/dev/zero`) is refused (exit 2). A pipe (`--policy <(…)`) is read up to the limit.
pub fn read_policy(p: &Path) -> Result<Policy, CliError> {
    let text = read_settings(p, "policy")?;
    patchloop::ingest::config::parse_policy(&text, &p.display().to_string())
        .map_err(CliError::unusable)
}

/// Reads a file named on the command line, at most `max` bytes: a larger file, a
/// directory or a device (`/dev/zero`, which would never end) is refused with an
/// `io::Error` saying so. A pipe (`<(…)`) is read up to the limit.
pub fn read_bounded(p: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind};
    let refuse_kind = |t: std::fs::FileType| -> std::io::Result<()> {
        #[cfg(unix)]
        let device = {
            use std::os::unix::fs::FileTypeExt;
            t.is_char_device() || t.is_block_device() || t.is_socket()
        };
        #[cfg(not(unix))]
        let device = false;
        if t.is_dir() || device {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "not a regular file; refused",
            ));
        }
        Ok(())
    };
    // Checked before opening too: opening some devices has effects of its own.
    refuse_kind(std::fs::metadata(p)?.file_type())?;
    let file = std::fs::File::open(p)?;
    refuse_kind(file.metadata()?.file_type())?;
    read_limited(file, max)
}

/// Reads `r` to its end, at most `max` bytes; more is refused ("larger than N bytes").
pub fn read_limited(r: impl std::io::Read, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let mut bytes = Vec::new();
    r.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("larger than {max} bytes; refused"),
        ));
    }
    Ok(bytes)
}

/// A `--policy` or `--config` file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{what} file {path}")]
pub struct PolicyFileError {
    what: &'static str,
    path: String,
    #[source]
    source: std::io::Error,
}

/// A bundle opened for a subcommand: the session, and where its `as_of` came from.
pub struct Opened {
    /// The session at the resolved `as_of`.
    pub session: Session,
    /// `--as-of`, `patchloop.toml` or `clock`.
    pub as_of_source: &'static str,
}

/// Loads the bundle (see [`load_checked`]), resolves `as_of` once (the flag, the
/// bundle's, else the clock) and opens the session every subcommand asks.
pub fn open(args: &BundleArgs) -> Result<Opened, CliError> {
    open_for(args, "")
}

/// [`open`] for `command`, reading only the inputs it needs ([`inputs_of`]).
pub fn open_for(args: &BundleArgs, command: &str) -> Result<Opened, CliError> {
    let loaded = load_checked(args, command)?;
    let (as_of, mut as_of_source) = resolve_as_of(args.load.as_of, loaded.bundle.as_of);
    if as_of_source == "patchloop.toml" && config_path(&args.load).is_some() {
        as_of_source = "--config";
    }
    let session = Session::builder(loaded.bundle).as_of(as_of).build()?;
    Ok(Opened {
        session,
        as_of_source,
    })
}

#[cfg(test)]
mod read_policy_tests {
    use super::*;

    /// The error and its causes, as the CLI prints them.
    fn chain(e: &CliError) -> String {
        let mut out = e.to_string();
        // `CliError`'s own source is the error it wraps, whose message is `e`'s.
        let mut cause = e.error.as_deref().and_then(|e| e.source());
        while let Some(c) = cause {
            out = format!("{out}: {c}");
            cause = c.source();
        }
        out
    }

    fn temp(name: &str, bytes: &[u8]) -> PathBuf {
        let p = std::env::temp_dir().join(format!(
            "patchloop-read-policy-{}-{name}",
            std::process::id()
        ));
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn a_policy_file_is_read_up_to_its_limit() {
        let ok = temp("ok.toml", b"[policy]\n");
        assert!(read_policy(&ok).is_ok());
        let big = temp("big.toml", &vec![b'#'; MAX_POLICY_BYTES as usize + 1]);
        let e = read_policy(&big).unwrap_err();
        assert_eq!(e.code, EXIT_UNUSABLE);
        assert!(
            chain(&e).ends_with("larger than 1048576 bytes; refused"),
            "{}",
            chain(&e)
        );
        // Exactly at the limit is still read (and parsed: all comment).
        std::fs::write(&big, vec![b'#'; MAX_POLICY_BYTES as usize]).unwrap();
        assert!(read_policy(&big).is_ok());
        let _ = std::fs::remove_file(ok);
        let _ = std::fs::remove_file(big);
    }

    #[test]
    fn devices_and_directories_are_refused() {
        let e = read_policy(&std::env::temp_dir()).unwrap_err();
        assert_eq!(e.code, EXIT_UNUSABLE);
        assert!(
            chain(&e).ends_with("not a regular file; refused"),
            "{}",
            chain(&e)
        );
        #[cfg(unix)]
        {
            let e = read_policy(Path::new("/dev/zero")).unwrap_err();
            assert_eq!(e.code, EXIT_UNUSABLE);
            assert_eq!(
                chain(&e),
                "policy file /dev/zero: not a regular file; refused"
            );
        }
    }
}
