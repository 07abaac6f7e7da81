//! Tests for the epss inputs.
