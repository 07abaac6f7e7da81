//! The score kernel as DataFusion scalar functions: each takes one struct of a
//! finding's facts (fields named as the kernel's input columns) and returns one of the
//! kernel's outputs, computed by `patchloop_score::arrow::evaluate_batch`, the code the
//! CLI's queue runs.
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, RecordBatch, StructArray};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{DataFusionError, Result, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use patchloop::model::Policy;
use patchloop::score::Evaluator;
use patchloop::score::arrow::evaluate_batch;

/// One output of the kernel, as a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    /// `patchloop_decision(facts)`: the SSVC decision word.
    Decision,
    /// `patchloop_score(facts)`: the risk score, 0–100, unrounded.
    Score,
    /// `patchloop_due_at(facts)`: the due date, timestamp (ms, UTC).
    DueAt,
    /// `patchloop_exploitation_probability(facts)`: 1 for KEV, else EPSS.
    ExploitationProbability,
}

impl Output {
    /// Every output, in the order [`crate::register_functions`] registers them.
    pub const ALL: [Output; 4] = [
        Output::Decision,
        Output::Score,
        Output::DueAt,
        Output::ExploitationProbability,
    ];

    /// The SQL function's name.
    pub fn function(self) -> &'static str {
        match self {
            Output::Decision => "patchloop_decision",
            Output::Score => "patchloop_score",
            Output::DueAt => "patchloop_due_at",
            Output::ExploitationProbability => "patchloop_exploitation_probability",
        }
    }

    /// The kernel's output column it returns.
    fn column(self) -> &'static str {
        match self {
            Output::Decision => "decision",
            Output::Score => "score",
            Output::DueAt => "due_at",
            Output::ExploitationProbability => "exploitation_probability",
        }
    }

    fn data_type(self) -> DataType {
        match self {
            Output::Decision => DataType::Utf8,
            Output::Score | Output::ExploitationProbability => DataType::Float64,
            Output::DueAt => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        }
    }
}

/// A kernel output bound to a policy, as a DataFusion scalar function.
#[derive(Debug)]
pub struct KernelUdf {
    output: Output,
    policy: Arc<Policy>,
    signature: Signature,
}

impl KernelUdf {
    /// The function for `output` under `policy` (checked when the function runs, with
    /// the CLI's checks).
    pub fn new(output: Output, policy: Arc<Policy>) -> Self {
        KernelUdf {
            output,
            policy,
            signature: Signature::any(1, Volatility::Immutable),
        }
    }

    /// As a [`ScalarUDF`] to register.
    pub fn udf(output: Output, policy: Arc<Policy>) -> ScalarUDF {
        ScalarUDF::new_from_impl(KernelUdf::new(output, policy))
    }
}

impl PartialEq for KernelUdf {
    fn eq(&self, other: &Self) -> bool {
        self.output == other.output && self.policy == other.policy
    }
}

impl Eq for KernelUdf {}

impl Hash for KernelUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Equal functions have equal outputs, so this is consistent with `eq`.
        self.output.hash(state);
    }
}

impl ScalarUDFImpl for KernelUdf {
    fn name(&self) -> &str {
        self.output.function()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match args {
            [DataType::Struct(_)] => Ok(self.output.data_type()),
            _ => plan_err!(
                "{}: takes one struct of a finding's facts, such as named_struct('first_seen', first_seen, 'exposure', exposure, …) (docs/distributed.md); got {args:?}",
                self.output.function()
            ),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [arg] = args.args.as_slice() else {
            return exec_err!("{}: takes one argument", self.output.function());
        };
        let array = arg.to_array(args.number_rows)?;
        let Some(facts) = array.as_any().downcast_ref::<StructArray>() else {
            return exec_err!("{}: the argument is not a struct", self.output.function());
        };
        let batch = RecordBatch::from(facts.clone());
        let rules = Evaluator::new(&self.policy)
            .map_err(|e| DataFusionError::Execution(format!("patchloop policy: {e}")))?;
        let out = evaluate_batch(&rules, &batch)
            .map_err(|e| DataFusionError::Execution(format!("{}: {e}", self.output.function())))?;
        // A bad row is an error, as a bad row of a bundle file is: named, never a
        // silent null (the first one, and how many more).
        if let Some(first) = out.errors.first() {
            let more = out.errors.len() - 1;
            return exec_err!(
                "{}: {first}{}",
                self.output.function(),
                if more > 0 {
                    format!(" (and {more} more rows)")
                } else {
                    String::new()
                }
            );
        }
        let column = out.batch.column_by_name(self.output.column()).cloned();
        match column {
            Some(c) => Ok(ColumnarValue::Array(c)),
            None => exec_err!("{}: the kernel gave no column", self.output.function()),
        }
    }
}
