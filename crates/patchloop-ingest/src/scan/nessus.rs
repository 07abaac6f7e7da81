//! Tenable Nessus v2 XML exports (`.nessus`) to multi-host reports.
