//! Tenable.io, Tenable.sc and Nessus CSV exports to multi-host reports.
