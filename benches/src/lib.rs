//! Shared helpers for patchloop's criterion benchmarks (the benches live in `benches/`).
