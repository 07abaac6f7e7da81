//! Amazon Inspector v2 findings (`ListFindings` JSON) to multi-host reports.
