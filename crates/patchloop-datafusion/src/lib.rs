//! patchloop on Apache DataFusion: the score kernel as SQL functions, a bundle's
//! findings as a table of facts, and the queue as a SQL view that gives the rows of
//! `patchloop queue`, in its order (docs/distributed.md).
//!
//! ```no_run
//! # async fn run(session: &patchloop::Session) -> datafusion::common::Result<()> {
//! let ctx = datafusion::prelude::SessionContext::new();
//! patchloop_datafusion::register_session(&ctx, session).await?;
//! let top = ctx.sql("SELECT * FROM patchloop_queue ORDER BY rank LIMIT 10").await?;
//! top.show().await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod udf;

use std::sync::Arc;

use datafusion::common::{DataFusionError, Result};
use datafusion::prelude::SessionContext;
use patchloop::Session;
use patchloop::model::Policy;
use patchloop::score::arrow::INPUT_COLUMNS;

pub use udf::{KernelUdf, Output};

/// The table [`register_session`] registers: one row per finding, `asset_id`,
/// `vuln_id`, `in_queue` and the kernel's input columns (`Session::finding_facts`).
pub const FACTS_TABLE: &str = "patchloop_finding_facts";

/// The view [`register_session`] creates: the queue.
pub const QUEUE_VIEW: &str = "patchloop_queue";

/// Registers `patchloop_decision`, `patchloop_score`, `patchloop_due_at` and
/// `patchloop_exploitation_probability` under `policy`. Each takes one struct whose
/// fields are named as the kernel's input columns ([`facts_struct_sql`] writes it for
/// a table that has them).
pub fn register_functions(ctx: &SessionContext, policy: &Policy) {
    let policy = Arc::new(policy.clone());
    for output in Output::ALL {
        ctx.register_udf(KernelUdf::udf(output, Arc::clone(&policy)));
    }
}

/// `named_struct('first_seen', first_seen, …)` over every kernel input column a table
/// named as [`FACTS_TABLE`] has: the argument of the functions.
pub fn facts_struct_sql() -> String {
    let fields: Vec<String> = INPUT_COLUMNS
        .iter()
        .map(|c| format!("'{0}', \"{0}\"", c.name))
        .collect();
    format!("named_struct({})", fields.join(", "))
}

/// The queue as SQL over [`FACTS_TABLE`]: the findings in the queue with their
/// decision, score, due date and exploitation probability from the functions, and
/// `rank` in the spec's order (decision, immediate first; score descending; due date
/// ascending; asset id; vulnerability id), as `patchloop queue` lists them.
pub fn queue_view_sql() -> String {
    let f = facts_struct_sql();
    format!(
        "SELECT ROW_NUMBER() OVER (ORDER BY decision_order, score DESC, due_at, asset_id, vuln_id) AS rank, \
                asset_id, vuln_id, decision, score, due_at, exploitation_probability \
         FROM (SELECT asset_id, vuln_id, decision, score, due_at, exploitation_probability, \
                      CASE decision WHEN 'immediate' THEN 0 WHEN 'out_of_cycle' THEN 1 \
                                    WHEN 'scheduled' THEN 2 ELSE 3 END AS decision_order \
               FROM (SELECT asset_id, vuln_id, \
                            patchloop_decision(facts) AS decision, \
                            patchloop_score(facts) AS score, \
                            patchloop_due_at(facts) AS due_at, \
                            patchloop_exploitation_probability(facts) AS exploitation_probability \
                     FROM (SELECT asset_id, vuln_id, {f} AS facts FROM {FACTS_TABLE} WHERE in_queue)))"
    )
}

/// Registers the functions under the session's policy, the session's findings as
/// [`FACTS_TABLE`] (computed once, in this process: the identity graph, the closed
/// loop's verdict and the exception selection need the whole bundle) and the view
/// [`QUEUE_VIEW`].
pub async fn register_session(ctx: &SessionContext, session: &Session) -> Result<()> {
    register_functions(ctx, session.policy());
    let facts = session
        .finding_facts()
        .map_err(|e| DataFusionError::External(Box::new(e)))?;
    ctx.register_batch(FACTS_TABLE, facts)?;
    ctx.sql(&format!("CREATE VIEW {QUEUE_VIEW} AS {}", queue_view_sql()))
        .await?;
    Ok(())
}
