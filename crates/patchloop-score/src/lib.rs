//! Prioritisation (contract sections 3 and 4): SSVC decisions, the risk score, SLA due
//! dates and exceptions, over millions of findings in parallel.
//!
//! This crate will own: the SSVC deployer decision table and the CISA BOD 26-04 SLA
//! table as data; per-finding derived inputs, decision, score, due date and one-line
//! explanation; the queue as a total order (identical on any thread count); host-level
//! ranking. It takes the graph's results (`B(h)`, crown jewels reached) as plain
//! per-host numbers, never a graph.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
