//! Deployment evidence from the tools teams run (Ansible), as `deploy_succeeded` and
//! `deploy_failed` events with a classified failure reason.
pub mod ansible;
