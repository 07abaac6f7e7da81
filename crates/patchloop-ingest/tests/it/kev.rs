//! Tests for the kev inputs.
