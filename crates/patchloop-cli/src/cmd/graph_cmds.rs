//! The identity-exposure graph subcommands: `blast-radius`, `paths`, `closure-plan`,
//! `nhi` and `graph export`.
use std::fmt::Write as _;

use patchloop::graph::{ClosureAction, HostBlast, PlannedAction};
use patchloop::model::AssetId;

use crate::columns::{self, Column};
use crate::common::{self, BundleArgs, EXIT_OK, ListFormat};
use crate::error::CliError;

fn host_id(s: &str) -> Result<AssetId, String> {
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
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let b = s.bundle();
    if let Some(h) = &args.host {
        let r = s.blast_radius(h)?;
        match args.format {
            ListFormat::Json => {
                outln!(
                    "{}",
                    common::envelope(s, "patchloop.blast-radius/v1", "host", &r)?
                )
            }
            _ => {
                let s = &r.summary;
                let mut out = String::new();
                let _ = writeln!(
                    out,
                    "{}: B = {} (weight {}, cap {})",
                    s.asset_id,
                    fmt_b(s.blast),
                    s.weight,
                    b.policy.blast_cap
                );
                let _ = writeln!(
                    out,
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
        ListFormat::Csv | ListFormat::Table => {
            let ranked: Vec<(usize, &HostBlast)> =
                all.iter().enumerate().map(|(i, h)| (i + 1, h)).collect();
            let cols = blast_columns();
            if args.format == ListFormat::Csv {
                out!("{}", columns::csv(&cols, &ranked));
            } else {
                out!("{}", columns::table(&cols, &ranked, &|_, _| None));
            }
        }
    }
    Ok(EXIT_OK)
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
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let p = s.path(&args.host)?;
    match args.format {
        ListFormat::Json => outln!("{}", common::envelope(s, "patchloop.path/v1", "path", &p)?),
        ListFormat::Csv => {
            let rows: Vec<Vec<String>> = p
                .iter()
                .flat_map(|p| p.steps.iter().enumerate())
                .map(|(i, s)| {
                    vec![
                        (i + 1).to_string(),
                        s.edge.to_string(),
                        s.privilege.map(|x| x.to_string()).unwrap_or_default(),
                        s.node.kind().to_string(),
                        s.node.id().to_string(),
                    ]
                })
                .collect();
            out!(
                "{}",
                common::csv_text(
                    &["step", "edge", "privilege", "node_kind", "node_id"],
                    &rows
                )
            );
        }
        ListFormat::Table => match p {
            None => outln!("{} reaches no crown jewel", args.host),
            Some(p) => {
                outln!(
                    "{} reaches crown jewel {} in {} hops:",
                    p.asset_id,
                    p.crown_jewel,
                    p.hops
                );
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

/// Flags of `patchloop closure-plan`.
#[derive(Debug, clap::Args)]
pub struct ClosureArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// The host whose exposed credentials to close.
    #[arg(long, value_parser = host_id)]
    host: AssetId,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

fn action_text(a: &PlannedAction) -> String {
    let list = |v: &[patchloop::model::ResourceId]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match a.action {
        ClosureAction::SecretRotated => {
            "rotate: issue a new credential and invalidate the old one at its issuer".into()
        }
        ClosureAction::SessionsRevoked => "revoke sessions and tokens derived from it".into(),
        ClosureAction::TrustVerified => format!(
            "verify {} ({}) no longer accepts the old credential",
            a.resource_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            a.privilege.map(|p| p.to_string()).unwrap_or_default()
        ),
        ClosureAction::PrivilegeReviewed => {
            format!("review privilege: admin on {}", list(&a.admin_on))
        }
        ClosureAction::DetectionEnabled => {
            "enable detection for reuse of the old credential".into()
        }
        ClosureAction::IdentityReviewed => {
            "review whether the flaw exposed the host's secrets (identity_reviewed: exposed or not_exposed)".into()
        }
        ClosureAction::TokensExpired => match a.until {
            Some(u) => format!(
                "wait until {} for every token issued before the patch to expire",
                patchloop::ts(u)
            ),
            None => "wait, after the patch, for every token issued before it to expire (max_ttl)".into(),
        },
    }
}

/// Runs `patchloop closure-plan`.
pub fn closure(args: &ClosureArgs) -> Result<u8, CliError> {
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let plan = s.closure_plan(&args.host)?;
    match args.format {
        ListFormat::Json => outln!(
            "{}",
            common::envelope(s, "patchloop.closure-plan/v1", "plan", &plan)?
        ),
        ListFormat::Csv => {
            let mut rows = Vec::new();
            for v in &plan.reviews {
                rows.push(vec![
                    "0".to_string(),
                    "false".to_string(),
                    String::new(),
                    "identity_reviewed".to_string(),
                    format!("review {v}"),
                    String::new(),
                ]);
            }
            for batch in &plan.batches {
                for s in &batch.secrets {
                    let holders: Vec<String> =
                        s.other_holders.iter().map(ToString::to_string).collect();
                    for a in &s.actions {
                        rows.push(vec![
                            batch.order.to_string(),
                            batch.cycle.to_string(),
                            s.secret_id.to_string(),
                            a.event_kind().map_or_else(String::new, |k| k.to_string()),
                            action_text(a),
                            holders.join(";"),
                        ]);
                    }
                }
            }
            out!(
                "{}",
                common::csv_text(
                    &[
                        "batch",
                        "cycle",
                        "secret_id",
                        "event_kind",
                        "action",
                        "other_holders"
                    ],
                    &rows
                )
            );
        }
        ListFormat::Table => {
            let open = !plan.reviews.is_empty()
                || plan
                    .batches
                    .iter()
                    .flat_map(|b| &b.secrets)
                    .any(|s| !s.actions.is_empty() || !s.accepted.is_empty());
            for v in &plan.reviews {
                outln!(
                    "review {v} first: record identity_reviewed (exposed or not_exposed) for it"
                );
            }
            if plan.batches.is_empty() {
                outln!("{} stores no secrets: nothing to close", plan.asset_id);
            } else if plan.no_closure_needed {
                outln!(
                    "{}: no finding on this host requires identity closure (identity decision not_required, or a review found no exposure)",
                    plan.asset_id
                );
            } else if !open {
                outln!(
                    "{}: identity exposure closed — every action is recorded after the patch",
                    plan.asset_id
                );
            } else if plan.reviews.is_empty()
                && plan
                    .batches
                    .iter()
                    .flat_map(|b| &b.secrets)
                    .all(|s| s.actions.is_empty())
            {
                outln!(
                    "{}: nothing to do while the identity exception holds; the exposure is accepted, not closed",
                    plan.asset_id
                );
            }
            for batch in &plan.batches {
                outln!(
                    "batch {}{}:",
                    batch.order,
                    if batch.cycle {
                        " (these secrets can obtain each other: rotate together)"
                    } else {
                        ""
                    }
                );
                for s in &batch.secrets {
                    let kind = s
                        .kind
                        .map(|k| k.to_string())
                        .unwrap_or_else(|| "secret".into());
                    let ident = s
                        .identity
                        .as_ref()
                        .map(|i| format!(" as {i}"))
                        .unwrap_or_default();
                    let ttl = s
                        .ephemeral_ttl
                        .map(|t| format!(", ephemeral: tokens live {t} s, nothing to rotate"))
                        .unwrap_or_default();
                    outln!("  {} ({kind}{ident}{ttl})", s.secret_id);
                    if let Some(found) = &s.found_in {
                        // A leak's id is a keyed hash: where it was found is what a person
                        // can act on. File names come from the report: escaped.
                        outln!("    {}", common::term(found));
                    }
                    if !s.other_holders.is_empty() {
                        let h: Vec<String> =
                            s.other_holders.iter().map(ToString::to_string).collect();
                        outln!(
                            "    shared credential: also held by {} — one rotation; deliver the new value there too",
                            h.join(", ")
                        );
                    }
                    for a in &s.actions {
                        outln!("    - {}", action_text(a));
                    }
                    for a in &s.accepted {
                        outln!(
                            "    ~ accepted until {}: {}",
                            s.accepted_until.map(common::last_day).unwrap_or_default(),
                            action_text(a)
                        );
                    }
                    for a in &s.done {
                        let text = a.evidence.clone().unwrap_or_else(|| action_text(a));
                        outln!("    ✓ done: {}", common::term(&text));
                    }
                }
            }
        }
    }
    Ok(EXIT_OK)
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
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let report = s.nhi()?;
    match args.format {
        ListFormat::Json => outln!(
            "{}",
            common::envelope(s, "patchloop.nhi/v1", "report", &report)?
        ),
        ListFormat::Csv | ListFormat::Table => {
            let rows: Vec<Vec<String>> = report
                .findings
                .iter()
                .map(|f| {
                    vec![
                        f.code.as_str().to_string(),
                        f.title.clone(),
                        f.secrets
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(";"),
                        f.hosts
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(";"),
                        f.message.clone(),
                    ]
                })
                .collect();
            if args.format == ListFormat::Csv {
                out!(
                    "{}",
                    common::csv_text(&["code", "title", "secrets", "hosts", "message"], &rows)
                );
            } else if rows.is_empty() {
                outln!("no NHI hygiene findings");
            } else {
                let rows: Vec<Vec<String>> = rows
                    .into_iter()
                    .map(|r| vec![r[0].clone(), r[4].clone()])
                    .collect();
                out!("{}", common::table(&["OWASP", "FINDING"], &rows, &[]));
            }
        }
    }
    Ok(EXIT_OK)
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
    let opened = common::open(&args.bundle)?;
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
