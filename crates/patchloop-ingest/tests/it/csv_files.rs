//! Tests for the csv_files inputs.
