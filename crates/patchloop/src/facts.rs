//! Every finding's scoring facts as one Arrow batch: what a query engine reads to run
//! the score kernel where the data is (`patchloop_score::arrow`, docs/columnar.md),
//! with the ids and the closed loop's verdict beside them.
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use patchloop_score::Engine;
use patchloop_score::arrow::{KernelError, facts_batch};

use crate::session::{Session, SessionError};

/// The columns [`Session::finding_facts`] puts before the kernel's inputs.
pub const FACT_ID_COLUMNS: [&str; 3] = ["asset_id", "vuln_id", "in_queue"];

impl Session {
    /// One row per scored finding, in the queue's tie-break order (asset id, then
    /// vulnerability id): `asset_id`, `vuln_id`, `in_queue` (not remediated and first
    /// seen by `as_of`: what the queue lists), then the score kernel's input columns
    /// (`patchloop_score::arrow::INPUT_COLUMNS`) with each finding's facts at `as_of`,
    /// its exception already selected. Evaluating those columns with the kernel gives
    /// the queue's decision, score and due date for every row.
    pub fn finding_facts(&self) -> Result<RecordBatch, SessionError> {
        let engine = Engine::new(self.bundle(), self.host_identities()?)?;
        let scoring = engine.score(self.as_of(), self.remediated()?);
        let n = u32::try_from(scoring.len()).unwrap_or(u32::MAX);
        let rows: Vec<u32> = (0..n).collect();
        let facts = facts_batch(&scoring, &rows)?;
        let asset: ArrayRef = Arc::new(
            rows.iter()
                .map(|&i| engine.ids(i).map(|(a, _)| a.as_str()))
                .collect::<StringArray>(),
        );
        let vuln: ArrayRef = Arc::new(
            rows.iter()
                .map(|&i| engine.ids(i).map(|(_, v)| v.as_str()))
                .collect::<StringArray>(),
        );
        let in_queue: ArrayRef = Arc::new(
            rows.iter()
                .map(|&i| scoring.in_queue(i))
                .collect::<BooleanArray>(),
        );
        let mut fields = vec![
            Field::new("asset_id", DataType::Utf8, false),
            Field::new("vuln_id", DataType::Utf8, false),
            Field::new("in_queue", DataType::Boolean, false),
        ];
        fields.extend(facts.schema().fields().iter().map(|f| f.as_ref().clone()));
        let mut columns = vec![asset, vuln, in_queue];
        columns.extend(facts.columns().iter().cloned());
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| {
            SessionError::Columns(KernelError::Arrow {
                column: "output",
                message: e.to_string(),
            })
        })
    }
}
