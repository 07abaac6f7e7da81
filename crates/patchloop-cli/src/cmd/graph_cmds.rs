//! The identity-exposure graph subcommands: `blast-radius`, `paths`, `nhi` and `graph
//! export` (`closure-plan` is in `closure_plan.rs`).
use std::fmt::Write as _;

use patchloop::graph::{BlastRadius, HostBlast, NhiFinding, PathStep};
use patchloop::model::AssetId;
use patchloop::report::md_escape;

use super::closure_plan::ids;
use crate::columns::{self, Column};
use crate::common::{self, BundleArgs, EXIT_OK, ListFormat};
use crate::error::CliError;

pub(super) fn host_id(s: &str) -> Result<AssetId, String> {
    AssetId::new(s).map_err(|e| e.to_string())
}

/// Flags of `patchloop blast-radius`.
#[derive(Debug, clap::Args)]
pub struct BlastArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Show one host in full: every resource, host and secret it reaches.
    #[arg(long, value_parser = host_id)]
    host: Option<AssetId>,
    /// Show the N hosts with the largest blast radius (default 25 for the table, all otherwise).
    #[arg(long)]
    top: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

fn fmt_b(b: f64) -> String {
    format!("{b:.3}")
}

/// Runs `patchloop blast-radius`.
pub fn blast(args: &BlastArgs) -> Result<u8, CliError> {
    let opened = common::open_for(&args.bundle, "blast-radius")?;
    let s = &opened.session;
    let b = s.bundle();
    if let Some(h) = &args.host {
        let r = s.blast_radius(h)?;
        let (head, jewels) = blast_head(&r.summary, b.policy.blast_cap);
        let rows = reached(&r);
        let cols = reached_columns();
        match args.format {
            ListFormat::Json => {
                outln!(
                    "{}",
                    common::envelope(s, "patchloop.blast-radius/v1", "host", &r)?
                )
            }
            ListFormat::Csv | ListFormat::Parquet | ListFormat::Arrow => {
                columns::emit(args.format, &cols, &rows)?
            }
            ListFormat::Md => out!(
                "**{}**\n\n{}\n\n{}",
                md_escape(&head),
                md_escape(&jewels),
                columns::markdown(&cols, &rows)
            ),
            ListFormat::Table => {
                let mut out = String::new();
                let _ = writeln!(out, "{head}");
                let _ = writeln!(out, "{jewels}");
                let list = |name: &str, v: Vec<String>, out: &mut String| {
                    let _ = writeln!(
                        out,
                        "{name} ({}): {}",
                        v.len(),
                        if v.is_empty() {
                            "-".to_string()
                        } else {
                            v.join(", ")
                        }
                    );
                };
                list(
                    "resources",
                    r.resources.iter().map(ToString::to_string).collect(),
                    &mut out,
                );
                list(
                    "  walked through (write/admin)",
                    r.expanded_resources
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                    &mut out,
                );
                list(
                    "hosts",
                    r.hosts.iter().map(ToString::to_string).collect(),
                    &mut out,
                );
                list(
                    "secrets",
                    r.secrets.iter().map(ToString::to_string).collect(),
                    &mut out,
                );
                out!("{out}");
            }
        }
        return Ok(EXIT_OK);
    }
    let mut all: Vec<HostBlast> = s.blast_radius_all()?;
    // Largest first; ties by weight, then host id, so the order is total.
    all.sort_by(|x, y| {
        y.blast
            .total_cmp(&x.blast)
            .then(y.weight.cmp(&x.weight))
            .then(x.asset_id.cmp(&y.asset_id))
    });
    let top = args.top.unwrap_or(if args.format == ListFormat::Table {
        25
    } else {
        usize::MAX
    });
    all.truncate(top);
    match args.format {
        ListFormat::Json => {
            #[derive(serde::Serialize)]
            struct Ranked<'a> {
                rank: usize,
                #[serde(flatten)]
                host: &'a HostBlast,
            }
            let items: Vec<Ranked> = all
                .iter()
                .enumerate()
                .map(|(i, host)| Ranked { rank: i + 1, host })
                .collect();
            outln!(
                "{}",
                common::envelope(s, "patchloop.blast-radius/v1", "hosts", &items)?
            );
        }
        ListFormat::Csv
        | ListFormat::Table
        | ListFormat::Md
        | ListFormat::Parquet
        | ListFormat::Arrow => {
            let ranked: Vec<(usize, &HostBlast)> =
                all.iter().enumerate().map(|(i, h)| (i + 1, h)).collect();
            let cols = blast_columns();
            match args.format {
                ListFormat::Csv | ListFormat::Parquet | ListFormat::Arrow => {
                    columns::emit(args.format, &cols, &ranked)?
                }
                ListFormat::Md => out!(
                    "**Blast radius as of {}** — {} host(s), largest first (cap {})\n\n{}",
                    common::ts(s.as_of()),
                    ranked.len(),
                    b.policy.blast_cap,
                    columns::markdown(&cols, &ranked)
                ),
                _ => out!("{}", columns::table(&cols, &ranked, &|_, _| None)),
            }
        }
    }
    Ok(EXIT_OK)
}

/// The first two lines about one host: `web-01: B = 0.651 (weight 36, cap 200)` and
/// the crown jewels it reaches.
fn blast_head(s: &HostBlast, cap: f64) -> (String, String) {
    let head = format!(
        "{}: B = {} (weight {}, cap {cap})",
        s.asset_id,
        fmt_b(s.blast),
        s.weight
    );
    let jewels = format!(
        "crown jewels reached: {}{}",
        if s.crown_jewels.is_empty() {
            "none".to_string()
        } else {
            s.crown_jewels
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        },
        s.hops_to_crown_jewel
            .map(|h| format!(" (nearest in {h} hops)"))
            .unwrap_or_default()
    );
    (head, jewels)
}

/// One node a host reaches (`blast-radius --host` as CSV and Markdown).
struct Reached<'a> {
    kind: patchloop::graph::NodeKind,
    id: &'a str,
    walked_through: bool,
    crown_jewel: bool,
}

/// Every node `r` reaches: resources, hosts, then secrets, each sorted by id.
fn reached(r: &BlastRadius) -> Vec<Reached<'_>> {
    use patchloop::graph::NodeKind;
    let jewel = |id: &str| r.summary.crown_jewels.iter().any(|c| c.as_str() == id);
    let resources = r.resources.iter().map(|x| Reached {
        kind: NodeKind::Resource,
        id: x.as_str(),
        walked_through: r.expanded_resources.contains(x),
        crown_jewel: jewel(x.as_str()),
    });
    let hosts = r.hosts.iter().map(|x| Reached {
        kind: NodeKind::Host,
        id: x.as_str(),
        walked_through: false,
        crown_jewel: false,
    });
    let secrets = r.secrets.iter().map(|x| Reached {
        kind: NodeKind::Secret,
        id: x.as_str(),
        walked_through: false,
        crown_jewel: false,
    });
    resources.chain(hosts).chain(secrets).collect()
}

/// The columns of `blast-radius --host` as CSV and Markdown: one row per node reached.
fn reached_columns<'a>() -> [Column<Reached<'a>>; 4] {
    type C<'a> = Column<Reached<'a>>;
    [
        C::shown("node_kind", "KIND", |n| n.kind.to_string()),
        C::shown("node_id", "NODE", |n| n.id.to_string()),
        // A resource reached over write or admin is walked through to what it holds.
        C::shown("walked_through", "WALKED THROUGH", |n| {
            n.walked_through.to_string()
        }),
        C::shown("crown_jewel", "CROWN JEWEL", |n| n.crown_jewel.to_string()),
    ]
}

/// The columns of `blast-radius`.
fn blast_columns<'a>() -> [Column<(usize, &'a HostBlast)>; 10] {
    type C<'a> = Column<(usize, &'a HostBlast)>;
    [
        C::shown("rank", "RANK", |(r, _)| r.to_string()).numeric(),
        C::shown("asset_id", "HOST", |(_, h)| h.asset_id.to_string()),
        C::shown("blast", "B(h)", |(_, h)| fmt_b(h.blast)).numeric(),
        C::shown("weight", "WEIGHT", |(_, h)| h.weight.to_string()).numeric(),
        C::shown("resources", "RES", |(_, h)| h.reached_resources.to_string()).numeric(),
        C::shown("hosts", "HOSTS", |(_, h)| h.reached_hosts.to_string()).numeric(),
        C::shown("secrets", "SECRETS", |(_, h)| h.reached_secrets.to_string()).numeric(),
        C::shown("crown_jewels", "CROWN JEWELS", |(_, h)| {
            h.crown_jewels
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(";")
        }),
        C::shown("hops_to_crown_jewel", "HOPS", |(_, h)| {
            h.hops_to_crown_jewel
                .map(|x| x.to_string())
                .unwrap_or_default()
        })
        .numeric(),
        C::csv("in_inventory", |(_, h)| h.in_inventory.to_string()),
    ]
}

/// Flags of `patchloop paths`.
#[derive(Debug, clap::Args)]
pub struct PathArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// The host to start from.
    #[arg(long, value_parser = host_id)]
    host: AssetId,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

/// Runs `patchloop paths`.
pub fn paths(args: &PathArgs) -> Result<u8, CliError> {
    let opened = common::open_for(&args.bundle, "paths")?;
    let s = &opened.session;
    let p = s.path(&args.host)?;
    let steps: Vec<(usize, &PathStep)> = p
        .iter()
        .flat_map(|p| p.steps.iter().enumerate())
        .map(|(i, st)| (i + 1, st))
        .collect();
    let cols = path_columns();
    let head = match &p {
        None => format!("{} reaches no crown jewel", args.host),
        Some(p) => format!(
            "{} reaches crown jewel {} in {} hops",
            p.asset_id, p.crown_jewel, p.hops
        ),
    };
    match args.format {
        ListFormat::Json => outln!("{}", common::envelope(s, "patchloop.path/v1", "path", &p)?),
        ListFormat::Csv | ListFormat::Parquet | ListFormat::Arrow => {
            columns::emit(args.format, &cols, &steps)?
        }
        ListFormat::Md => out!(
            "**{}**\n\n{}",
            md_escape(&head),
            columns::markdown(&cols, &steps)
        ),
        ListFormat::Table => match p {
            None => outln!("{head}"),
            Some(p) => {
                outln!("{head}:");
                outln!("  host      {}", p.asset_id);
                for s in &p.steps {
                    let edge = match s.privilege {
                        Some(pr) => format!("{} ({pr})", s.edge),
                        None => s.edge.to_string(),
                    };
                    outln!("  ─{edge}→ {:<8}  {}", s.node.kind().as_str(), s.node.id());
                }
            }
        },
    }
    Ok(EXIT_OK)
}

/// The columns of `paths` as CSV and Markdown: one row per step from the host.
fn path_columns<'a>() -> [Column<(usize, &'a PathStep)>; 5] {
    type C<'a> = Column<(usize, &'a PathStep)>;
    [
        C::shown("step", "STEP", |(i, _)| i.to_string()).numeric(),
        C::shown("edge", "EDGE", |(_, st)| st.edge.to_string()),
        C::shown("privilege", "PRIVILEGE", |(_, st)| {
            st.privilege.map(|x| x.to_string()).unwrap_or_default()
        }),
        C::shown("node_kind", "KIND", |(_, st)| st.node.kind().to_string()),
        C::shown("node_id", "NODE", |(_, st)| st.node.id().to_string()),
    ]
}

/// Flags of `patchloop nhi`.
#[derive(Debug, clap::Args)]
pub struct NhiArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

/// Runs `patchloop nhi`.
pub fn nhi(args: &NhiArgs) -> Result<u8, CliError> {
    let opened = common::open_for(&args.bundle, "nhi")?;
    let s = &opened.session;
    let report = s.nhi()?;
    let cols = nhi_columns();
    match args.format {
        ListFormat::Json => outln!(
            "{}",
            common::envelope(s, "patchloop.nhi/v1", "report", &report)?
        ),
        ListFormat::Csv | ListFormat::Parquet | ListFormat::Arrow => {
            columns::emit(args.format, &cols, &report.findings)?
        }
        ListFormat::Md => out!(
            "**NHI hygiene as of {}** — {} finding(s); long-lived: not renewed within {} days\n\n{}",
            common::ts(s.as_of()),
            report.findings.len(),
            report.max_secret_age_days,
            columns::markdown(&cols, &report.findings)
        ),
        ListFormat::Table if report.findings.is_empty() => outln!("no NHI hygiene findings"),
        ListFormat::Table => out!("{}", columns::table(&cols, &report.findings, &|_, _| None)),
    }
    Ok(EXIT_OK)
}

/// The columns of `nhi`: every field of the JSON's findings, one value each (lists
/// `;`-separated, the principal as kind and id); people see the code and the message.
fn nhi_columns() -> [Column<NhiFinding>; 14] {
    type C = Column<NhiFinding>;
    [
        C::shown("code", "OWASP", |f| f.code.as_str().to_string()),
        C::csv("title", |f| f.title.clone()),
        C::csv("principal_kind", |f| {
            f.principal
                .as_ref()
                .map(|p| p.kind().to_string())
                .unwrap_or_default()
        }),
        C::csv("principal_id", |f| {
            f.principal
                .as_ref()
                .map(|p| p.id().to_string())
                .unwrap_or_default()
        }),
        C::csv("matched_on", |f| {
            f.matched_on.map(|k| k.to_string()).unwrap_or_default()
        }),
        // An identifier (a fingerprint, a key id), never secret material.
        C::csv("shared_value", |f| {
            f.shared_value.as_deref().unwrap_or_default().to_string()
        }),
        // The other identifiers the same secrets share, `key=value`, `;`-separated.
        C::csv("also_shared", |f| {
            f.also_shared
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(";")
        }),
        // NHI2: where a leak scanner found the credential (never its value).
        C::csv("found_in", |f| f.found_in.clone().unwrap_or_default()),
        C::csv("secrets", |f| ids(&f.secrets)),
        C::csv("hosts", |f| ids(&f.hosts)),
        C::csv("environments", |f| ids(&f.environments)),
        C::csv("resources", |f| ids(&f.resources)),
        C::csv("age_days", |f| {
            f.age_days.map(|d| d.to_string()).unwrap_or_default()
        }),
        C::shown("message", "FINDING", |f| f.message.clone()),
    ]
}

/// Export formats of `patchloop graph export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Graphviz DOT.
    Dot,
    /// BloodHound OpenGraph JSON.
    Opengraph,
}

/// Flags of `patchloop graph export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Dot)]
    format: ExportFormat,
    /// Only the neighbourhood of this host (DOT only).
    #[arg(long, value_parser = host_id)]
    host: Option<AssetId>,
}

/// Runs `patchloop graph export`.
pub fn export(args: &ExportArgs) -> Result<u8, CliError> {
    if args.format == ExportFormat::Opengraph && args.host.is_some() {
        return Err(CliError::unusable(
            "--host applies to --format dot only; OpenGraph exports the whole graph for BloodHound",
        ));
    }
    let opened = common::open_for(&args.bundle, "graph export")?;
    let g = opened.session.graph()?;
    let text = match (args.format, &args.host) {
        (ExportFormat::Dot, None) => g.to_dot(),
        (ExportFormat::Dot, Some(h)) => g.neighbourhood_dot(h, None).map_err(CliError::unusable)?,
        (ExportFormat::Opengraph, _) => g.to_opengraph_json().map_err(CliError::unusable)?,
    };
    out!("{text}");
    if !text.ends_with('\n') {
        outln!();
    }
    Ok(EXIT_OK)
}
