//! OCSF findings (Vulnerability Finding 2002, Detection Finding 2004) to multi-host reports.
