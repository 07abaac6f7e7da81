#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the committed test fixtures and examples/fleet.
# Run from anywhere; existing corpus files are kept (libFuzzer adds its own beside them).
set -euo pipefail
cd "$(dirname "$0")"
fx=../crates/patchloop-ingest/tests/fixtures
ho=$fx/hostile
fleet=../examples/fleet
seed() { # seed TARGET FILE...
    local t=$1; shift
    mkdir -p "corpus/$t"
    for f in "$@"; do
        [ -f "$f" ] || continue
        # Large real files are cut to 64 KiB: the fuzzer mutates the head anyway.
        head -c 65536 "$f" > "corpus/$t/$(echo "$f" | tr '/.' '__')"
    done
}
shopt -s nullglob globstar
seed kev_json $fx/kev/*.json $ho/kev/*.json $fleet/intel/kev.json
seed kev_csv $fx/kev/*.csv $ho/kev/*.csv
seed epss $fx/epss/*.csv $fx/epss/*.gz $ho/epss/* $fleet/intel/epss.csv
seed trivy $fx/trivy/**/*.json $ho/trivy/* $fleet/scans/*.json
seed grype $fx/grype/**/*.json $ho/grype/*
seed osv $fx/osv-scanner/**/*.json $ho/osv/*
seed gitleaks $fx/gitleaks/**/*.json $ho/gitleaks/* $fleet/identity/leaks/*.json
seed trufflehog $fx/trufflehog/**/*.json* $ho/trufflehog/*
seed patchloop_toml $fleet/patchloop.toml $ho/toml/*
seed nessus $fx/nessus/*.nessus
seed tenable $fx/tenable/*.csv
seed qualys $fx/qualys/*.csv
# The first byte picks the table (0 findings, 1 events, 2 assets): prefix each file.
mkdir -p corpus/parquet
for f in $fx/parquet/*.parquet; do
    case $f in *events*) p='\x01' ;; *assets*) p='\x02' ;; *) p='\x00' ;; esac
    { printf "$p"; cat "$f"; } > "corpus/parquet/$(basename "$f")"
done
id=$fx/identity
seed credential_report $id/aws-iam/*
seed identity_listings $id/vault/*.json $id/kubernetes/*.json $id/github-actions/*.json
seed ansible $fx/ansible/*.json
seed inspector2 $fx/inspector2/*.json
seed asff $fx/security-hub/*.json
seed ocsf $fx/ocsf/*.json
# The CloudTrail target: first byte odd = JSON lines, even = one JSON document.
mkdir -p corpus/cloudtrail
for f in $id/cloudtrail/*.json* ; do
    if [[ $f == *.jsonl ]]; then p='\x01'; else p='\x00'; fi
    { printf "$p"; head -c 65536 "$f"; } > "corpus/cloudtrail/$(echo "$f" | tr '/.' '__')"
done
# One vector per file, from every vector column of the CVSS fixtures.
mkdir -p corpus/cvss_vector
n=0
for f in $fx/cvss/*.csv; do
    { grep -o '\(CVSS:[0-9.]*/\)\?AV:[A-Za-z:/.]*' "$f" || true; } | sed -n 1,200p | while read -r v; do
        printf '%s' "$v" > "corpus/cvss_vector/$(basename "$f" .csv)_$((n++))"
    done
done
# The CSV target: first byte = index of the kind in CsvKind::ALL.
mkdir -p corpus/csv
i=0
for kind in assets discovery findings events exceptions secrets access resources cvss usage; do
    for f in $fleet/$kind.csv $fleet/identity/$kind.csv $fleet/intel/$kind.csv $ho/csv/$kind/*.csv; do
        [ -f "$f" ] || continue
        { printf "\\x$(printf %02x $i)"; head -c 65536 "$f"; } > "corpus/csv/${kind}_$(echo "$f" | tr '/.' '__')"
    done
    i=$((i + 1))
done
for d in corpus/*; do echo "$d: $(ls "$d" | wc -l) seeds"; done
