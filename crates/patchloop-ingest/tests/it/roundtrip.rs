//! Tests for the roundtrip inputs.
