//! `patchloop events`: the events the closed loop replays, recorded (`events.csv`) and
//! derived (verifications from the scan history, deployments from Ansible runs), each
//! derived one with the file it comes from (docs/spec.md §5, "Verification by rescan").
use patchloop::model::Event;

use crate::columns::{self, Column};
use crate::common::{self, BundleArgs, EXIT_OK, ListFormat};
use crate::error::CliError;

/// Flags of `patchloop events`.
#[derive(Debug, clap::Args)]
pub struct EventsArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Only the events derived from reports and tool runs (not from `events.csv`).
    #[arg(long)]
    derived: bool,
    /// Only this asset.
    #[arg(long)]
    asset: Option<String>,
    /// Only this vulnerability.
    #[arg(long)]
    vuln: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// The columns: `events.csv`'s, then `line` and `derived_from`.
pub(crate) fn event_columns<'a>() -> [Column<&'a Event>; 13] {
    type C<'a> = Column<&'a Event>;
    [
        C::shown("at", "AT", |e| common::ts(e.at)),
        C::shown("kind", "KIND", |e| e.kind.to_string()),
        C::shown("asset_id", "HOST", |e| opt(&e.asset_id)),
        C::shown("vuln_id", "VULN", |e| opt(&e.vuln_id)),
        C::shown("secret_id", "SECRET", |e| opt(&e.secret_id)),
        C::csv("resource_id", |e| opt(&e.resource_id)),
        C::shown("reason", "REASON", |e| opt(&e.reason)),
        C::csv("actor", |e| opt(&e.actor)),
        C::csv("note", |e| opt(&e.note)),
        C::csv("outcome", |e| opt(&e.outcome)),
        C::csv("external_id", |e| opt(&e.external_id)),
        C::csv("line", |e| e.line.to_string()),
        C::shown("derived_from", "SOURCE", |e| opt(&e.derived_from)).brief(|e| {
            match &e.derived_from {
                Some(src) => format!("derived from {src}"),
                None => format!("events.csv:{}", e.line),
            }
        }),
    ]
}

/// Runs `patchloop events`.
pub fn events(args: &EventsArgs) -> Result<u8, CliError> {
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let rows: Vec<&Event> = s
        .bundle()
        .events
        .iter()
        .filter(|e| !args.derived || e.derived_from.is_some())
        .filter(|e| {
            args.asset
                .as_deref()
                .is_none_or(|a| e.asset_id.as_ref().is_some_and(|x| x.as_str() == a))
        })
        .filter(|e| {
            args.vuln
                .as_deref()
                .is_none_or(|v| e.vuln_id.as_ref().is_some_and(|x| x.as_str() == v))
        })
        .collect();
    let cols = event_columns();
    match args.format {
        ListFormat::Json => outln!(
            "{}",
            common::envelope(s, "patchloop.events/v1", "events", &rows)?
        ),
        ListFormat::Csv | ListFormat::Parquet | ListFormat::Arrow => {
            columns::emit(args.format, &cols, &rows)?
        }
        ListFormat::Md => out!(
            "**Events as of {}** — {}\n\n{}",
            common::ts(s.as_of()),
            counts(&rows),
            columns::markdown(&cols, &rows)
        ),
        ListFormat::Table => {
            outln!("{}", counts(&rows));
            out!("{}", columns::table(&cols, &rows, &|_, _| None));
        }
    }
    Ok(EXIT_OK)
}

/// `N events (R recorded, D derived from reports and tool runs)`.
fn counts(rows: &[&Event]) -> String {
    let derived = rows.iter().filter(|e| e.derived_from.is_some()).count();
    format!(
        "{} events ({} recorded, {} derived from reports and tool runs)",
        rows.len(),
        rows.len() - derived,
        derived
    )
}
