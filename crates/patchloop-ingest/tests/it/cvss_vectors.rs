//! Tests for the cvss_vectors inputs.
