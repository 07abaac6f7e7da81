//! Tests for the scans inputs.
