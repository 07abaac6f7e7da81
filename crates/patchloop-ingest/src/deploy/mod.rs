//! Deployment evidence from the tools teams run (Ansible): what a deployment did on each
//! host, with a classified failure reason, for the bundle loader to turn into
//! `deploy_succeeded` and `deploy_failed` events for the findings open on that host.
//!
//! | module | reads |
//! |---|---|
//! | [`ansible`] | `ansible-playbook` output of the `json` stdout callback |
//!
//! The failure classification (`reason`) is shared by every deployment reader, so a
//! "No space left on device" is `disk` whichever tool printed it.
pub mod ansible;
mod json;
mod reason;

pub use ansible::{AnsibleError, AnsibleRun, DeployOutcome};
