//! Tests for the bad_input inputs.
