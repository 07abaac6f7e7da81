//! `patchloop closure-plan`: the graph's order of actions for one host, with the closed
//! loop's done and missing actions, as text, JSON, CSV (one row per action) or Markdown.
use patchloop::graph::{ClosureAction, ClosurePlan, PlannedAction, SecretClosure};
use patchloop::model::{AssetId, VulnId};
use patchloop::report::md_escape;

use super::graph_cmds::host_id;
use crate::columns::{self, Column};
use crate::common::{self, BundleArgs, EXIT_OK, ListFormat};
use crate::error::CliError;

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
        ListFormat::Csv | ListFormat::Parquet | ListFormat::Arrow => {
            columns::emit(args.format, &cols, &rows)?
        }
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

pub(super) fn ids<T: ToString>(v: &[T]) -> String {
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
