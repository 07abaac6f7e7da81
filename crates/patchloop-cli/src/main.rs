//! The `patchloop` command: a thin layer over the libraries. Only this crate knows
//! flags, stdout, exit codes, the environment and the clock.
//!
//! Exit codes: 0 ok, 1 row errors (unless `--lenient`), 2 unusable input, 3 `--fail-on`
//! tripped.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// Prints to the subcommand's output (stdout or `--output`), like `print!`.
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write_fmt(format_args!($($arg)*)) };
}

/// Prints a line to the subcommand's output (stdout or `--output`), like `println!`.
macro_rules! outln {
    () => { $crate::output::write_fmt(format_args!("\n")) };
    ($($arg:tt)*) => {{
        $crate::output::write_fmt(format_args!($($arg)*));
        $crate::output::write_fmt(format_args!("\n"));
    }};
}

mod cmd;
mod columns;
mod common;
mod error;
mod json_list;
mod output;
mod report;

/// patchloop: measure the patch loop and rank the work by real risk — a remediation is
/// complete only when the flaw is verified fixed and the identity exposure it created is closed.
#[derive(Parser)]
#[command(name = "patchloop", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Write the output to FILE instead of stdout (replaced only when the command succeeds).
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// No progress spinner and no notes on stderr; errors are still printed.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Load a bundle and report what was read: files, counts, feed versions, assumed
    /// defaults, and every row error with its location.
    #[command(
        after_help = "Examples:\n  patchloop validate examples/fleet\n  patchloop validate examples/fleet --format json"
    )]
    Validate(cmd::validate::Args),
    /// Generate a deterministic synthetic fleet bundle.
    #[command(
        after_help = "Examples:\n  patchloop gen --hosts 1000 --seed 7 --out /tmp/fleet\n  patchloop validate /tmp/fleet"
    )]
    Gen(cmd::gen_fleet::Args),
    /// Copy a bundle with its big tables (assets, findings, events) as Apache Parquet,
    /// the form data tools read and the fastest to load (docs/columnar.md).
    #[command(
        after_help = "Examples:\n  patchloop convert examples/fleet --to parquet --out /tmp/fleet-parquet\n  patchloop queue /tmp/fleet-parquet --top 10"
    )]
    Convert(cmd::convert::Args),
    /// Blast radius B(h) of every host: what an attacker on it reaches through stored
    /// credentials, and how close it is to a crown jewel.
    #[command(
        name = "blast-radius",
        after_help = "Examples:\n  patchloop blast-radius examples/fleet --top 5\n  patchloop blast-radius examples/fleet --host ci-runner-01"
    )]
    BlastRadius(cmd::graph_cmds::BlastArgs),
    /// The shortest path from a host to its nearest crown jewel, step by step.
    #[command(after_help = "Example:\n  patchloop paths examples/fleet --host ci-runner-01")]
    Paths(cmd::graph_cmds::PathArgs),
    /// What closing a host's identity exposure takes: secrets to rotate, in order, with
    /// every action each needs.
    #[command(
        name = "closure-plan",
        after_help = "Example:\n  patchloop closure-plan examples/fleet --host web-01"
    )]
    ClosurePlan(cmd::closure_plan::ClosureArgs),
    /// Non-human-identity hygiene: reused, cross-environment, long-lived and
    /// over-privileged credentials (OWASP NHI Top 10).
    #[command(
        after_help = "Examples:\n  patchloop nhi examples/fleet\n  patchloop nhi examples/fleet --format md > nhi.md"
    )]
    Nhi(cmd::graph_cmds::NhiArgs),
    /// The prioritised queue: every finding not remediated, with its SSVC decision,
    /// score, due date and a one-line why; of a bundle, or of one scanner report
    /// (--scan) scored against an intel folder.
    #[command(
        override_usage = "patchloop queue [OPTIONS] <BUNDLE | --scan <FILE|->>",
        after_help = "Examples:\n  patchloop queue examples/fleet --top 10\n  patchloop queue examples/fleet --format json --top 100 > queue.json\n  patchloop queue examples/fleet --fail-on immediate   # exit 3 when anything is immediate\n  patchloop queue examples/fleet --format sarif --output patchloop.sarif   # for code scanning\n\nWithout a bundle, one scanner report (CI):\n  patchloop queue --scan examples/fleet/scans/2026-08-28/app-payments-01.json --intel examples/fleet/intel\n  trivy image --format json --quiet IMAGE | patchloop queue --scan - --intel intel/ --fail-on out-of-cycle"
    )]
    Queue(cmd::score_cmds::QueueArgs),
    /// Everything behind one finding's decision, score and due date.
    #[command(
        after_help = "Example:\n  patchloop explain examples/fleet --asset ci-runner-01 --vuln CVE-2024-23897"
    )]
    Explain(cmd::score_cmds::ExplainArgs),
    /// Hosts ranked by their immediate work, exploitation probability and blast radius.
    #[command(
        after_help = "Examples:\n  patchloop hosts examples/fleet --top 10\n  patchloop hosts examples/fleet --format csv > hosts.csv"
    )]
    Hosts(cmd::score_cmds::HostsArgs),
    /// The closed loop per finding: open, deployed, failed, remediated, closed or false
    /// confidence, with the identity actions still missing.
    #[command(
        after_help = "Examples:\n  patchloop status examples/fleet\n  patchloop status examples/fleet --state false_confidence\n  patchloop status examples/fleet --asset web-01 --format json"
    )]
    Status(cmd::loop_cmds::StatusArgs),
    /// Programme metrics (docs/spec.md §6), each with numerator and denominator.
    #[command(
        after_help = "Examples:\n  patchloop metrics examples/fleet\n  patchloop metrics examples/fleet --window 30d --trend 6\n  patchloop metrics examples/fleet --trend 6 --format csv > metrics.csv   # one row per figure and window"
    )]
    Metrics(cmd::loop_cmds::MetricsArgs),
    /// CMDB against discovery: accuracy, completeness, shadow, stale, unmanaged, unscanned.
    #[command(
        after_help = "Examples:\n  patchloop coverage examples/fleet\n  patchloop coverage examples/fleet --format csv   # the hosts behind the figures"
    )]
    Coverage(cmd::loop_cmds::SimpleArgs),
    /// Exception health: valid, invalid, expiring, expired with open findings.
    #[command(after_help = "Example:\n  patchloop exceptions examples/fleet")]
    Exceptions(cmd::loop_cmds::SimpleArgs),
    /// Old-credential reuse (docs/spec.md §9.4): a credential identifier presented after
    /// it was rotated away or revoked, from CloudTrail and identity/usage.csv.
    #[command(
        after_help = "Examples:\n  patchloop alerts examples/fleet\n  patchloop alerts examples/fleet --format json"
    )]
    Alerts(cmd::loop_cmds::SimpleArgs),
    /// The events the loop replays: recorded in events.csv, and derived from the scan
    /// history (verifications) and deployment tools (Ansible), each with its source.
    #[command(
        after_help = "Examples:\n  patchloop events examples/fleet --asset staging-web-01\n  patchloop events examples/fleet --derived --format csv"
    )]
    Events(cmd::events::EventsArgs),
    /// The whole closed loop in one document for people: HTML with charts, Markdown or
    /// JSON, every section tagged with its NIST CSF 2.0 subcategory.
    #[command(
        after_help = "Examples:\n  patchloop report examples/fleet --out report.html\n  patchloop report examples/fleet --format md --out report.md\n  patchloop report examples/fleet --format json --top 50 > report.json"
    )]
    Report(report::Args),
    /// The identity-exposure graph itself.
    #[command(subcommand)]
    Graph(GraphCommand),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  patchloop completions bash > ~/.local/share/bash-completion/completions/patchloop\n  patchloop completions zsh > ~/.zfunc/_patchloop\n  patchloop completions fish > ~/.config/fish/completions/patchloop.fish"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum GraphCommand {
    /// Export as Graphviz DOT or BloodHound OpenGraph JSON.
    #[command(
        after_help = "Examples:\n  patchloop graph export examples/fleet --format dot --host ci-runner-01 | dot -Tsvg > ci.svg\n  patchloop graph export examples/fleet --format opengraph > patchloop-opengraph.json"
    )]
    Export(cmd::graph_cmds::ExportArgs),
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    let output = match &cli.command {
        Command::Report(a) => match (a.out.as_deref(), cli.output.as_deref()) {
            // Two files asked for: writing one and naming the other is worse than no run.
            (Some(o), Some(p)) if o != p => {
                eprintln!(
                    "error: --out {} and --output {} name two files; give one",
                    o.display(),
                    p.display()
                );
                return ExitCode::from(common::EXIT_UNUSABLE);
            }
            (o, p) => match report::terminal_default(a, o.or(p)) {
                Ok(None) => o.or(p),
                Ok(Some(default)) => {
                    cli.output = Some(default);
                    cli.output.as_deref()
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(common::EXIT_UNUSABLE);
                }
            },
        },
        _ => cli.output.as_deref(),
    };
    if let Err(e) = output::init(output, cli.quiet) {
        eprintln!("error: {e}");
        return ExitCode::from(common::EXIT_UNUSABLE);
    }
    let result = match cli.command {
        Command::Validate(a) => cmd::validate::run(&a),
        Command::Gen(a) => cmd::gen_fleet::run(&a),
        Command::Convert(a) => cmd::convert::run(&a),
        Command::Queue(a) => cmd::score_cmds::queue(&a),
        Command::Explain(a) => cmd::score_cmds::explain(&a),
        Command::Hosts(a) => cmd::score_cmds::hosts(&a),
        Command::Status(a) => cmd::loop_cmds::status(&a),
        Command::Metrics(a) => cmd::loop_cmds::metrics(&a),
        Command::Coverage(a) => cmd::loop_cmds::coverage(&a),
        Command::Exceptions(a) => cmd::loop_cmds::exceptions(&a),
        Command::Alerts(a) => cmd::loop_cmds::alerts(&a),
        Command::Events(a) => cmd::events::events(&a),
        Command::BlastRadius(a) => cmd::graph_cmds::blast(&a),
        Command::Paths(a) => cmd::graph_cmds::paths(&a),
        Command::ClosurePlan(a) => cmd::closure_plan::closure(&a),
        Command::Nhi(a) => cmd::graph_cmds::nhi(&a),
        Command::Graph(GraphCommand::Export(a)) => cmd::graph_cmds::export(&a),
        Command::Report(a) => {
            let out = a.out.clone().or(cli.output.clone());
            report::run(&a, out.as_deref())
        }
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "patchloop", &mut buf);
            out!("{}", String::from_utf8_lossy(&buf));
            Ok(common::EXIT_OK)
        }
    };
    // Only a command that ran to its end wrote a whole output: exit 0, `validate`'s 1 (its
    // output is the list of row errors), `--fail-on`'s 3. One that stopped with an error
    // (row errors without `--lenient`, unusable input) leaves an existing file as it was.
    let ok = result.is_ok();
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            error::print(&e);
            e.code
        }
    };
    if let Err(e) = output::finish(ok) {
        eprintln!("error: {e}");
        return ExitCode::from(common::EXIT_UNUSABLE);
    }
    ExitCode::from(code)
}
