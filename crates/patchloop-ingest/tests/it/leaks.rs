//! Tests for the leaks inputs.
