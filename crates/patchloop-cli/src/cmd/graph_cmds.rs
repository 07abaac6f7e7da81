//! The identity-exposure graph subcommands: `blast-radius`, `paths`, `closure-plan`,
//! `nhi` and `graph export`.
use std::fmt::Write as _;

use patchloop::graph::{
    BlastRadius, ClosureAction, ClosurePlan, HostBlast, NhiFinding, PathStep, PlannedAction,
    SecretClosure,
};
use patchloop::model::{AssetId, VulnId};
use patchloop::report::md_escape;

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
            ListFormat::Csv => out!("{}", columns::csv(&cols, &rows)),
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
        ListFormat::Csv | ListFormat::Table | ListFormat::Md => {
            let ranked: Vec<(usize, &HostBlast)> =
                all.iter().enumerate().map(|(i, h)| (i + 1, h)).collect();
            let cols = blast_columns();
            match args.format {
                ListFormat::Csv => out!("{}", columns::csv(&cols, &ranked)),
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
        ListFormat::Csv => out!("{}", columns::csv(&cols, &steps)),
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
    let rows = plan_rows(&plan);
    let cols = plan_columns();
    match args.format {
        ListFormat::Json => outln!(
            "{}",
            common::envelope(s, "patchloop.closure-plan/v1", "plan", &plan)?
        ),
        ListFormat::Csv => out!("{}", columns::csv(&cols, &rows)),
        ListFormat::Md => {
            outln!(
                "**Closure plan of {} as of {}**\n",
                md_escape(plan.asset_id.as_str()),
                common::ts(s.as_of())
            );
            for n in plan_notes(&plan) {
                outln!("{}\n", md_escape(&n));
            }
            out!("{}", columns::markdown(&cols, &rows));
        }
        ListFormat::Table => {
            for n in plan_notes(&plan) {
                outln!("{n}");
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
                    if !s.within_reach.is_empty() {
                        outln!(
                            "    within its reach, stored elsewhere: {} (taken with it if the host was compromised; each closes in the plan of the host that stores it)",
                            s.within_reach
                                .iter()
                                .map(|x| common::term(x.as_str()).into_owned())
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
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

/// What the plan says before its batches: the reviews to record first, and why there is
/// nothing (more) to do when that is so.
fn plan_notes(plan: &ClosurePlan) -> Vec<String> {
    let mut notes: Vec<String> = plan
        .reviews
        .iter()
        .map(|v| {
            format!("review {v} first: record identity_reviewed (exposed or not_exposed) for it")
        })
        .collect();
    let open = !plan.reviews.is_empty()
        || plan
            .batches
            .iter()
            .flat_map(|b| &b.secrets)
            .any(|s| !s.actions.is_empty() || !s.accepted.is_empty());
    if plan.batches.is_empty() {
        notes.push(format!(
            "{} stores no secrets: nothing to close",
            plan.asset_id
        ));
    } else if plan.no_closure_needed {
        notes.push(format!(
            "{}: no finding on this host requires identity closure (identity decision not_required, or a review found no exposure)",
            plan.asset_id
        ));
    } else if !open {
        notes.push(format!(
            "{}: identity exposure closed — every action is recorded after the patch",
            plan.asset_id
        ));
    } else if plan.reviews.is_empty()
        && plan
            .batches
            .iter()
            .flat_map(|b| &b.secrets)
            .all(|s| s.actions.is_empty())
    {
        notes.push(format!(
            "{}: nothing to do while the identity exception holds; the exposure is accepted, not closed",
            plan.asset_id
        ));
    }
    notes
}

/// Where an action of a closure plan stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PlanStatus {
    /// Still to do.
    Missing,
    /// Missing, but accepted under an identity exception until `accepted_until`.
    Accepted,
    /// Recorded done after the patch.
    Done,
}

impl PlanStatus {
    fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Missing => "missing",
            PlanStatus::Accepted => "accepted",
            PlanStatus::Done => "done",
        }
    }
}

/// One row of a closure plan as CSV and Markdown list it: a review to record first
/// (batch 0, `vuln_id` set), or one action of one secret with where it stands.
struct PlanRow<'a> {
    batch: u32,
    cycle: bool,
    secret: Option<&'a SecretClosure>,
    vuln_id: Option<&'a VulnId>,
    status: PlanStatus,
    action: PlannedAction,
}

/// Every row of the plan: reviews, then per batch and secret the missing, accepted and
/// done actions, in the plan's order.
fn plan_rows(plan: &ClosurePlan) -> Vec<PlanRow<'_>> {
    let mut rows: Vec<PlanRow> = plan
        .reviews
        .iter()
        .map(|v| PlanRow {
            batch: 0,
            cycle: false,
            secret: None,
            vuln_id: Some(v),
            status: PlanStatus::Missing,
            action: PlannedAction::of(ClosureAction::IdentityReviewed),
        })
        .collect();
    for batch in &plan.batches {
        for s in &batch.secrets {
            let of = |status: PlanStatus, list: &[PlannedAction]| -> Vec<PlanRow<'_>> {
                list.iter()
                    .map(|a| PlanRow {
                        batch: batch.order,
                        cycle: batch.cycle,
                        secret: Some(s),
                        vuln_id: None,
                        status,
                        action: a.clone(),
                    })
                    .collect()
            };
            rows.extend(of(PlanStatus::Missing, &s.actions));
            rows.extend(of(PlanStatus::Accepted, &s.accepted));
            rows.extend(of(PlanStatus::Done, &s.done));
        }
    }
    rows
}

fn ids<T: ToString>(v: &[T]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(";")
}

/// The columns of `closure-plan` as CSV and Markdown: every field of the JSON's actions,
/// one value each (lists `;`-separated); Markdown shows the batch, the secret, the status
/// and the action in words.
fn plan_columns<'a>() -> [Column<PlanRow<'a>>; 20] {
    type C<'a> = Column<PlanRow<'a>>;
    let secret = |r: &PlanRow| {
        r.secret
            .map(|s| s.secret_id.to_string())
            .unwrap_or_default()
    };
    [
        C::shown("batch", "BATCH", |r| r.batch.to_string()).numeric(),
        C::csv("cycle", |r| r.cycle.to_string()),
        C::shown("secret_id", "SECRET", secret),
        C::csv("kind", |r| {
            r.secret
                .and_then(|s| s.kind)
                .map(|k| k.to_string())
                .unwrap_or_default()
        }),
        C::csv("identity", |r| {
            r.secret
                .and_then(|s| s.identity.as_ref())
                .map(ToString::to_string)
                .unwrap_or_default()
        }),
        // A leaked credential: where the scanner found it (never its value).
        C::csv("found_in", |r| {
            r.secret
                .and_then(|s| s.found_in.clone())
                .unwrap_or_default()
        }),
        C::csv("within_reach", |r| {
            r.secret.map(|s| ids(&s.within_reach)).unwrap_or_default()
        }),
        C::shown("vuln_id", "VULN", |r| {
            r.vuln_id.map(ToString::to_string).unwrap_or_default()
        }),
        C::shown("status", "STATUS", |r| r.status.as_str().to_string()),
        // The closure action in the model's vocabulary, as the JSON names it; people read
        // it in words.
        C::shown("action", "ACTION", |r| r.action.action.to_string()).brief(|r| {
            match (r.status, &r.action.evidence) {
                (PlanStatus::Done, Some(e)) => e.clone(),
                (PlanStatus::Accepted, _) => format!(
                    "accepted until {}: {}",
                    r.secret
                        .and_then(|s| s.accepted_until)
                        .map(common::last_day)
                        .unwrap_or_default(),
                    action_text(&r.action)
                ),
                _ => action_text(&r.action),
            }
        }),
        C::csv("event_kind", |r| {
            r.action
                .event_kind()
                .map_or_else(String::new, |k| k.to_string())
        }),
        C::csv("resource_id", |r| {
            r.action
                .resource_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        }),
        C::csv("privilege", |r| {
            r.action
                .privilege
                .map(|p| p.to_string())
                .unwrap_or_default()
        }),
        C::csv("admin_on", |r| ids(&r.action.admin_on)),
        C::csv("until", |r| {
            r.action.until.map(common::ts).unwrap_or_default()
        }),
        C::csv("accepted_until", |r| {
            match r.status {
                PlanStatus::Accepted => r.secret.and_then(|s| s.accepted_until),
                _ => None,
            }
            .map(common::ts)
            .unwrap_or_default()
        }),
        C::csv("other_holders", |r| {
            r.secret.map(|s| ids(&s.other_holders)).unwrap_or_default()
        }),
        C::csv("ephemeral_ttl", |r| {
            r.secret
                .and_then(|s| s.ephemeral_ttl)
                .map(|t| t.to_string())
                .unwrap_or_default()
        }),
        C::csv("description", |r| match r.vuln_id {
            Some(v) => format!("review {v} first: {}", action_text(&r.action)),
            None => action_text(&r.action),
        }),
        C::csv("evidence", |r| {
            r.action.evidence.clone().unwrap_or_default()
        }),
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
        ListFormat::Csv => out!("{}", columns::csv(&cols, &report.findings)),
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
