//! The closed-loop subcommands: `coverage`, `exceptions` and `alerts` here; `status` and
//! `metrics` in their own modules (`loop_status`, `loop_metrics`), re-exported.

use crate::columns;
use crate::common::{self, BundleArgs, EXIT_OK, ListFormat};
use crate::error::CliError;
use patchloop::report::md_escape;

use super::loop_lists;
pub(crate) use super::loop_metrics::parse_days;
pub use super::loop_metrics::{MetricsArgs, metrics};
pub use super::loop_status::{StatusArgs, status};

/// Flags of `patchloop coverage`, `patchloop exceptions` and `patchloop alerts`.
#[derive(Debug, clap::Args)]
pub struct SimpleArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Output format (CSV and Markdown list the hosts, exceptions or alerts behind the
    /// figures).
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

/// The hosts behind a coverage figure, the first 20 by id (JSON lists them all).
fn host_list(ids: &[patchloop::model::AssetId]) {
    if ids.is_empty() {
        return;
    }
    let shown: Vec<&str> = ids.iter().take(20).map(|i| i.as_str()).collect();
    let more = ids.len().saturating_sub(shown.len());
    outln!(
        "    {}{}",
        common::term(&shown.join(", ")),
        if more > 0 {
            format!(" and {more} more (--format json lists them all)")
        } else {
            String::new()
        }
    );
}

/// Runs `patchloop coverage`.
pub fn coverage(args: &SimpleArgs) -> Result<u8, CliError> {
    let opened = common::open_for(&args.bundle, "coverage")?;
    let s = &opened.session;
    let as_of = s.as_of();
    let c = s.coverage()?;
    let rows = loop_lists::coverage_rows(&c);
    let cols = loop_lists::coverage_columns();
    match args.format {
        ListFormat::Json => {
            outln!(
                "{}",
                common::envelope(s, "patchloop.coverage/v1", "coverage", &c)?
            );
            return Ok(EXIT_OK);
        }
        ListFormat::Csv | ListFormat::Parquet | ListFormat::Arrow => {
            columns::emit(args.format, &cols, &rows)?;
            return Ok(EXIT_OK);
        }
        ListFormat::Md => {
            outln!(
                "**Coverage as of {}** [{}]\n",
                common::ts(as_of),
                c.csf.join(", ")
            );
            outln!(
                "- inventory {} assets; discovery {} rows",
                c.inventory,
                c.discovered
            );
            for (label, value, _) in loop_lists::coverage_figures(&c) {
                outln!("- {}", md_escape(&format!("{label} {value}")));
            }
            outln!();
            out!("{}", columns::markdown(&cols, &rows));
            return Ok(EXIT_OK);
        }
        ListFormat::Table => {}
    }
    outln!(
        "coverage as of {} [{}]",
        common::ts(as_of),
        c.csf.join(", ")
    );
    outln!(
        "  inventory {} assets; discovery {} rows",
        c.inventory,
        c.discovered
    );
    for (label, value, list) in loop_lists::coverage_figures(&c) {
        outln!("  {label:<38}{value}");
        match list {
            loop_lists::CoverageList::Shadow => {
                for sh in &c.shadow_hosts {
                    let name = sh
                        .hostname
                        .as_ref()
                        .or(sh.fqdn.as_ref())
                        .map_or("(no name)", |h| h.as_str());
                    outln!(
                        "    {} {}{} (discovery.csv line {})",
                        common::term(name),
                        common::term(sh.ip.as_deref().unwrap_or("")),
                        sh.source
                            .as_deref()
                            .map(|s| format!(", seen by {}", common::term(s)))
                            .unwrap_or_default(),
                        sh.line
                    );
                }
            }
            loop_lists::CoverageList::Stale => host_list(&c.stale_hosts),
            loop_lists::CoverageList::Unmanaged => host_list(&c.unmanaged_hosts),
            loop_lists::CoverageList::Unscanned => host_list(&c.unscanned_hosts),
            loop_lists::CoverageList::None => {}
        }
    }
    for a in &c.ambiguous {
        let ids: Vec<&str> = a.asset_ids.iter().map(|i| i.as_str()).collect();
        outln!(
            "  ambiguous: discovery.csv line {} matches {}",
            a.line,
            common::term(&ids.join(", "))
        );
    }
    Ok(EXIT_OK)
}

/// Runs `patchloop exceptions`.
pub fn exceptions(args: &SimpleArgs) -> Result<u8, CliError> {
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let view = s.exceptions()?;
    let x = &view.health;
    let rows: Vec<&patchloop::ExceptionRow> = view.rows.iter().collect();
    let cols = loop_lists::exception_columns();
    match args.format {
        ListFormat::Json => {
            outln!(
                "{}",
                common::envelope_with(
                    s,
                    "patchloop.exceptions/v1",
                    "exceptions",
                    x,
                    &[("rows", serde_json::to_value(&view.rows)?)],
                )?
            );
            return Ok(EXIT_OK);
        }
        ListFormat::Csv | ListFormat::Parquet | ListFormat::Arrow => {
            columns::emit(args.format, &cols, &rows)?;
            return Ok(EXIT_OK);
        }
        ListFormat::Md => {
            outln!(
                "**Exceptions as of {}** [{}]\n",
                common::ts(s.as_of()),
                x.csf.join(", ")
            );
            for l in loop_lists::exception_figures(x) {
                outln!("- {}", md_escape(&l));
            }
            outln!(
                "- identity exceptions active and valid (they accept a secret's missing closure actions; never close it): {}\n",
                x.identity_active_valid
            );
            out!("{}", columns::markdown(&cols, &rows));
            return Ok(EXIT_OK);
        }
        ListFormat::Table => {}
    }
    outln!(
        "exceptions as of {} [{}]",
        common::ts(s.as_of()),
        x.csf.join(", ")
    );
    for l in loop_lists::exception_figures(x) {
        outln!("  {l}");
    }
    // The finding exceptions themselves, each with its state and what it rests on.
    let findings: Vec<_> = view.rows.iter().filter(|r| r.secret_id.is_none()).collect();
    if !findings.is_empty() {
        outln!("finding exceptions:");
        for r in findings {
            let when = if r.expires_at <= s.as_of() {
                format!("ended {}", common::last_day(r.expires_at))
            } else {
                format!("through {}", common::last_day(r.expires_at))
            };
            outln!(
                "  {} {}: {}, {}; control: {}; approver: {} (exceptions.csv line {})",
                common::term(r.asset_id.as_str()),
                common::term(&r.scope),
                r.state,
                when,
                common::term(r.compensating_control.as_deref().unwrap_or("none")),
                common::term(r.approver.as_deref().unwrap_or("none")),
                r.line
            );
        }
    }
    // Identity exceptions accept a secret's missing closure actions and nothing else, so
    // they are listed apart from the figures above (docs/spec.md §5).
    let identity: Vec<_> = view.rows.iter().filter(|r| r.secret_id.is_some()).collect();
    if !identity.is_empty() {
        outln!(
            "identity exceptions (accept a secret's missing closure actions; never close it): {} active and valid",
            x.identity_active_valid
        );
        for r in identity {
            outln!(
                "  {} {} secret {}: {} until {} (exceptions.csv line {})",
                common::term(r.asset_id.as_str()),
                common::term(&r.scope),
                common::term(r.secret_id.as_ref().map_or("", |s| s.as_str())),
                r.state,
                common::last_day(r.expires_at),
                r.line
            );
        }
    }
    Ok(EXIT_OK)
}

/// One alert in a line: what was used, where it was held, when, from where, to what.
pub(crate) fn alert_line(a: &patchloop::metrics::ReuseAlert) -> String {
    let hosts: Vec<&str> = a.hosts.iter().map(|h| h.as_str()).collect();
    format!(
        "old_credential_used: {} (secret {}, held on {}) retired {} and presented {}{} from {} to {} by {}: {}{} [{}{}]",
        a.credential,
        a.secret_id,
        hosts.join(", "),
        common::ts(a.retired_at),
        if a.exact_first { "" } else { "by " },
        common::ts(a.used_at),
        a.source.as_deref().unwrap_or("?"),
        a.resource_id.as_ref().map_or("?", |r| r.as_str()),
        a.principal.as_ref().map_or("?", |p| p.as_str()),
        a.outcome,
        if a.accepted {
            " — the old credential still works; identity closure reopened"
        } else {
            ""
        },
        a.origin.file,
        a.origin
            .line
            .map(|l| format!(":{l}"))
            .or_else(|| a.origin.index.map(|i| format!(" record {i}")))
            .unwrap_or_default()
    )
}

/// Runs `patchloop alerts`.
pub fn alerts(args: &SimpleArgs) -> Result<u8, CliError> {
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let alerts = s.alerts()?;
    let switches = s.consumer_switches()?;
    let rows: Vec<&patchloop::metrics::ReuseAlert> = alerts.iter().collect();
    let cols = loop_lists::alert_columns();
    match args.format {
        ListFormat::Json => {
            outln!(
                "{}",
                common::envelope_with(
                    s,
                    "patchloop.alerts/v1",
                    "alerts",
                    &alerts,
                    &[("consumer_switches", serde_json::to_value(&switches)?)],
                )?
            );
            return Ok(EXIT_OK);
        }
        ListFormat::Csv | ListFormat::Parquet | ListFormat::Arrow => {
            columns::emit(args.format, &cols, &rows)?;
            return Ok(EXIT_OK);
        }
        ListFormat::Md => {
            outln!(
                "**Alerts as of {}** [DE.CM-01, DE.CM-09] — {} old-credential use(s)\n",
                common::ts(s.as_of()),
                alerts.len()
            );
            out!("{}", columns::markdown(&cols, &rows));
            if !switches.is_empty() {
                let consumers: Vec<loop_lists::SwitchRow> = switches
                    .iter()
                    .flat_map(|w| w.consumers.iter().map(move |c| (w, c)))
                    .collect();
                outln!(
                    "\n**Consumers of rotated credentials** [DE.CM-01, PR.AA-05]: seen with the new identifier since the rotation?\n"
                );
                out!(
                    "{}",
                    columns::markdown(&loop_lists::switch_columns(), &consumers)
                );
            }
            return Ok(EXIT_OK);
        }
        ListFormat::Table => {}
    }
    outln!(
        "alerts as of {} [DE.CM-01, DE.CM-09]: {} old-credential use(s)",
        common::ts(s.as_of()),
        alerts.len()
    );
    for a in &alerts {
        outln!("  {}", common::term(&alert_line(a)));
    }
    if !switches.is_empty() {
        outln!(
            "consumers of rotated credentials [DE.CM-01, PR.AA-05]: seen with the new identifier since the rotation?"
        );
        for w in &switches {
            let pending = w.consumers.iter().filter(|c| !c.switched).count();
            outln!(
                "  {} ({} retired {} -> {}): {}",
                common::term(w.secret_id.as_str()),
                common::term(&w.old_credential),
                common::ts(w.retired_at),
                common::term(
                    w.new_credential
                        .as_deref()
                        .unwrap_or("new identifier unknown")
                ),
                if w.all_switched {
                    "every consumer switched".to_string()
                } else {
                    format!(
                        "{pending} of {} consumer(s) not seen with the new identifier",
                        w.consumers.len()
                    )
                }
            );
            for c in &w.consumers {
                outln!(
                    "    {} last used the old one {}; {}",
                    common::term(&c.name),
                    common::ts(c.last_old_use),
                    match c.first_new_use {
                        Some(t) => format!("switched, first seen with the new one {}", common::ts(t)),
                        None => "NOT SEEN with the new one: still configured with the old credential, or broken".to_string(),
                    }
                );
            }
        }
    }
    Ok(EXIT_OK)
}
