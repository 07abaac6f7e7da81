//! `patchloop report`: the whole closed loop in one document for people — HTML with
//! inline SVG charts, Markdown, or JSON — in the order of the loop, each section tagged
//! with its NIST CSF 2.0 subcategories (spec §7).
//!
//! The report itself — its model, its selection and its renderers — is the library's
//! (`patchloop::report`, built by `Session::report`); this module parses the flags,
//! picks the format and writes it.
use std::path::{Path, PathBuf};

use patchloop::ReportOptions;

use crate::common::{self, BundleArgs, EXIT_OK};
use crate::error::CliError;

/// Output formats of `patchloop report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML file with inline SVG charts (no network, no scripts).
    Html,
    /// Markdown, charts given as tables.
    Md,
    /// JSON (docs/spec.md §8 envelope).
    Json,
}

/// Flags of `patchloop report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Write the report to FILE (same as --output); the format follows its extension
    /// (.html, .md, .json) unless --format says otherwise. Without it, an HTML report
    /// asked for on a terminal goes to report.html (never replacing one that exists).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Output format (default: from the file's extension, else html).
    #[arg(long, value_enum)]
    format: Option<ReportFormat>,
    /// Queue items listed.
    #[arg(long, default_value_t = 15)]
    top: usize,
    /// Window length for the metrics, e.g. `90d` (default: the policy's window_days).
    #[arg(long, value_parser = crate::cmd::loop_cmds::parse_days)]
    window: Option<u32>,
    /// Windows in the trend charts.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=60))]
    trend: u32,
}

/// The format asked for: the flag, else the output file's extension, else HTML.
fn format_of(args: &Args, output: Option<&std::path::Path>) -> ReportFormat {
    if let Some(f) = args.format {
        return f;
    }
    match output
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("md" | "markdown") => ReportFormat::Md,
        Some("json") => ReportFormat::Json,
        _ => ReportFormat::Html,
    }
}

/// The file an HTML report goes to when none was named and standard output is a
/// terminal, where a page of HTML is of no use: `report.html` in the working directory.
/// An existing `report.html` is never replaced unasked: `Err` says how to replace it.
pub fn terminal_default(args: &Args, output: Option<&Path>) -> Result<Option<PathBuf>, String> {
    use std::io::IsTerminal;
    if output.is_some()
        || format_of(args, None) != ReportFormat::Html
        || !std::io::stdout().is_terminal()
    {
        return Ok(None);
    }
    let default = PathBuf::from("report.html");
    if default.symlink_metadata().is_ok() {
        return Err(
            "report.html exists here; give --out report.html to replace it, or another file name (standard output is a terminal, so the HTML report goes to a file)"
                .to_string(),
        );
    }
    Ok(Some(default))
}

/// Runs `patchloop report`.
pub fn run(args: &Args, output: Option<&std::path::Path>) -> Result<u8, CliError> {
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let opts = ReportOptions::new()
        .top(args.top)
        .window_days(args.window)
        .trend(args.trend)
        .bundle_label(common::show_path(&args.bundle.bundle))
        .as_of_source(opened.as_of_source);
    let report = s.report(&opts)?;
    match format_of(args, output) {
        ReportFormat::Json => outln!(
            "{}",
            common::envelope(s, "patchloop.report/v1", "report", &report)?
        ),
        ReportFormat::Md => out!("{}", report.to_markdown()),
        ReportFormat::Html => out!("{}", report.to_html()),
    }
    if let Some(p) = output
        && !crate::output::quiet()
    {
        // The file holds the report; the terminal gets its first line.
        let h = &report.headline;
        eprintln!(
            "wrote {}: {} findings in the queue ({} immediate, {} out of cycle), {} overdue, {} false confidence",
            p.display(),
            h.queue.in_queue,
            h.queue.immediate,
            h.queue.out_of_cycle,
            h.queue.overdue,
            h.false_confidence
        );
        if let Some(first) = report.queue.items.first() {
            eprintln!(
                "first in the queue: {} {} ({}): {}",
                first.hostname, first.vuln_id, first.decision, first.why
            );
        }
    }
    Ok(EXIT_OK)
}
