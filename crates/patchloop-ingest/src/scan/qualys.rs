//! Qualys VM and VMDR CSV exports to multi-host reports.
