//! `patchloop validate`: load a bundle and say what was read and what was wrong.
use std::fmt::Write as _;

use patchloop::ingest::Loaded;
use serde_json::json;

use crate::common::{self, BundleArgs, EXIT_OK, EXIT_ROW_ERRORS, EXIT_UNUSABLE, Format};
use crate::error::CliError;

/// Flags of `patchloop validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Runs the subcommand and returns the exit code: 0 clean, 1 row errors, 2 unusable.
///
/// `--policy` is read and checked like every other subcommand does: a missing or invalid
/// policy file makes the bundle unusable (exit 2), and the policy shown is the one in force.
pub fn run(args: &Args) -> Result<u8, CliError> {
    let loaded = common::load(&args.bundle).and_then(|mut l| {
        if let Some(p) = &args.bundle.load.policy {
            l.bundle.policy = common::read_policy(p)?;
        }
        Ok(l)
    });
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => {
            if args.format == Format::Json {
                let fatal = e
                    .error
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                outln!(
                    "{}",
                    json!({"schema": "patchloop.validate/v1", "bundle": common::show_path(&args.bundle.bundle), "usable": false, "fatal": fatal})
                );
            }
            return Err(CliError {
                code: EXIT_UNUSABLE,
                ..e
            });
        }
    };
    match args.format {
        Format::Json => outln!("{}", render_json(args, &loaded)?),
        Format::Table => out!("{}", render_table(args, &loaded)),
    }
    if loaded.errors.is_empty() || args.bundle.load.lenient {
        Ok(EXIT_OK)
    } else {
        Ok(EXIT_ROW_ERRORS)
    }
}

fn counts(l: &Loaded) -> serde_json::Value {
    let b = &l.bundle;
    json!({
        "assets": b.assets.len(),
        "discovery": b.discovery.len(),
        "findings": b.findings.len(),
        "events": b.events.len(),
        "exceptions": b.exceptions.len(),
        "secrets": b.secrets.len(),
        "access": b.access.len(),
        "resources": b.resources.len(),
        "kev_entries": b.kev.as_ref().map_or(0, |k| k.entries.len()),
        "epss_scores": b.epss.as_ref().map_or(0, |e| e.scores.len()),
        "cvss_vectors": b.cvss.len(),
    })
}

fn render_json(args: &Args, l: &Loaded) -> Result<String, serde_json::Error> {
    let v = json!({
        "schema": "patchloop.validate/v1",
        "bundle": common::show_path(&args.bundle.bundle),
        "usable": true,
        "as_of": l.bundle.as_of.map(common::ts),
        "provenance": l.bundle.provenance,
        "counts": counts(l),
        "policy": l.bundle.policy,
        "errors": l.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v)
}

fn render_table(args: &Args, l: &Loaded) -> String {
    let b = &l.bundle;
    let p = &b.provenance;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "bundle  {}",
        common::term(&common::show_path(&args.bundle.bundle))
    );
    let _ = writeln!(
        out,
        "as_of   {}",
        b.as_of.map_or_else(
            || "not set (commands that need it use --as-of or the clock)".to_string(),
            common::ts
        )
    );
    out.push('\n');
    let rows: Vec<Vec<String>> = p
        .inputs
        .iter()
        .map(|i| {
            vec![
                i.path.clone(),
                serde_json::to_value(i.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                i.format.clone(),
                i.rows.to_string(),
                i.errors.to_string(),
            ]
        })
        .collect();
    out.push_str(&common::table(
        &["FILE", "INPUT", "FORMAT", "RECORDS", "ERRORS"],
        &rows,
        &[3, 4],
    ));
    if !p.absent.is_empty() {
        let _ = writeln!(
            out,
            "\nabsent (no data, not zero): {}",
            common::term(&p.absent.join(", "))
        );
    }
    out.push('\n');
    match &p.kev {
        Some(k) => {
            let _ = writeln!(
                out,
                "KEV   catalogVersion {}, dateReleased {}, {} entries{}",
                common::term(k.catalog_version.as_deref().unwrap_or("-")),
                k.date_released.map_or("-".to_string(), common::ts),
                k.count,
                if k.synthetic {
                    format!(": {}", k.label())
                } else {
                    String::new()
                }
            );
        }
        None => out.push_str("KEV   none: no finding is treated as known-exploited\n"),
    }
    match &p.epss {
        Some(e) => {
            let _ = writeln!(
                out,
                "EPSS  model_version {}, score_date {}, {} scores",
                common::term(e.model_version.as_deref().unwrap_or("-")),
                e.score_date.map_or("-".to_string(), common::ts),
                e.count
            );
        }
        None => out.push_str("EPSS  none: every EPSS probability is missing and read as 0\n"),
    }
    if !p.assumed.is_empty() {
        out.push_str("\nassumed defaults:\n");
        for a in &p.assumed {
            let _ = writeln!(
                out,
                "  {} = {} for {} record(s)",
                common::term(&a.field),
                common::term(&a.value),
                a.count
            );
        }
    }
    let c = counts(l);
    let _ = writeln!(
        out,
        "\nloaded: {} assets, {} findings, {} events, {} exceptions, {} secrets, {} access edges, {} resources, {} discovery records",
        c["assets"],
        c["findings"],
        c["events"],
        c["exceptions"],
        c["secrets"],
        c["access"],
        c["resources"],
        c["discovery"]
    );
    if l.errors.is_empty() {
        out.push_str("no errors\n");
    } else {
        let _ = writeln!(out, "\n{} error(s):", l.errors.len());
        for e in &l.errors {
            let _ = writeln!(out, "  {}", common::term(&e.to_string()));
        }
    }
    out
}
