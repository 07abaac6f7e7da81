//! One module per subcommand.
pub mod closure_plan;
pub mod convert;
pub mod events;
pub mod gen_fleet;
pub mod graph_cmds;
pub mod loop_cmds;
pub mod loop_lists;
pub mod loop_metrics;
pub mod loop_status;
pub mod metrics_csv;
pub mod queue_filter;
pub mod queue_out;
pub mod queue_sarif;
pub mod queue_scan;
pub mod score_cmds;
pub mod validate;
