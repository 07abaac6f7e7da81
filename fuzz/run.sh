#!/usr/bin/env bash
# Runs every fuzz target (or those named in TARGETS) for SECONDS (default 150) each, JOBS
# (default 2) at a time, with
# the flags docs/hardening.md records. Logs go to fuzz/logs/<target>.log; crashes to
# fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-150}
jobs=${JOBS:-2}
targets=(${TARGETS:-kev_json kev_csv epss cvss_vector trivy grype osv gitleaks trufflehog csv patchloop_toml credential_report cloudtrail identity_listings ansible inspector2 asff ocsf nessus tenable qualys parquet})
mkdir -p logs
export RUSTC_BOOTSTRAP=1
# Safe Rust: no sanitizer needed to find panics, hangs and blow-ups; debug assertions on
# so that integer overflow panics.
cargo fuzz build -s none -a -O
run() {
    cargo fuzz run "$1" -s none -a -O -- -max_total_time="$secs" -max_len=8192 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 > "logs/$1.log" 2>&1 \
        && echo "$1: ok" || echo "$1: FAILED (logs/$1.log)"
}
for t in "${targets[@]}"; do
    while [ "$(jobs -r | wc -l)" -ge "$jobs" ]; do sleep 1; done
    run "$t" &
done
wait
