#!/usr/bin/env bash
# compare.sh BUNDLE [N]: patchloop's queue against the DuckDB + igraph peer.
#
# 1. Runs `patchloop queue BUNDLE --top N --format csv` and `queue_duckdb.py BUNDLE --top N`
#    and checks that the top N are identical in rank, asset_id, vuln_id, decision, score
#    (two decimals, as patchloop prints it) and due (due_at); prints a diff if not.
# 2. Times both end to end with /usr/bin/time -v, RUNS runs each (default 3), alternating
#    patchloop and peer, and prints wall clock and peak RSS per run and their medians.
#
# Environment: PATCHLOOP (default target/release/patchloop of this checkout), PEER_PYTHON
# (default /tmp/peers-venv/bin/python), AS_OF (passed to both as --as-of; default: the
# bundle's as_of), RUNS (default 3). Exit status: 0 identical, 1 different, 2 usage.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 BUNDLE [N]" >&2
    exit 2
fi
BUNDLE=$1
N=${2:-100}
HERE=$(cd "$(dirname "$0")" && pwd)
PATCHLOOP=${PATCHLOOP:-$HERE/../../target/release/patchloop}
PY=${PEER_PYTHON:-/tmp/peers-venv/bin/python}
RUNS=${RUNS:-3}
ASOF=()
[[ -n ${AS_OF:-} ]] && ASOF=(--as-of "$AS_OF")

PL_CMD=("$PATCHLOOP" queue "$BUNDLE" --top "$N" --format csv "${ASOF[@]}")
PEER_CMD=("$PY" "$HERE/queue_duckdb.py" "$BUNDLE" --top "$N" "${ASOF[@]}")

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# --- 1. equality -------------------------------------------------------------------------
"${PL_CMD[@]}" > "$WORK/patchloop.csv"
"${PEER_CMD[@]}" > "$WORK/peer.csv"
# patchloop's CSV has every column of the JSON items (docs/user-guide.md §10); keep the six.
python3 - "$WORK/patchloop.csv" > "$WORK/patchloop6.csv" <<'EOF'
import csv, sys
rows = csv.DictReader(open(sys.argv[1], newline=""))
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["rank", "asset_id", "vuln_id", "decision", "score", "due"])
for r in rows:
    w.writerow([r["rank"], r["asset_id"], r["vuln_id"], r["decision"], r["score"], r["due_at"]])
EOF
rows=$(($(wc -l < "$WORK/patchloop6.csv") - 1))
echo "bundle:    $BUNDLE (top $N${AS_OF:+, as_of $AS_OF})"
echo "patchloop: $PATCHLOOP ($(stat -c '%y' "$PATCHLOOP" | cut -d. -f1))"
status=0
if diff -u --label patchloop "$WORK/patchloop6.csv" --label peer "$WORK/peer.csv" > "$WORK/diff"; then
    echo "top $N: IDENTICAL ($rows rows: rank, asset_id, vuln_id, decision, score, due)"
else
    echo "top $N: DIFFERENT"
    cat "$WORK/diff"
    status=1
fi

# --- 2. timing ---------------------------------------------------------------------------
measure() { # name, command...: one run under /usr/bin/time -v; prints "name wall rss_kb cpu"
    local name=$1
    shift
    /usr/bin/time -v -o "$WORK/time" "$@" > /dev/null 2> "$WORK/stderr"
    awk -F': ' -v n="$name" '
        /Elapsed \(wall clock\)/ { k = split($2, p, ":"); w = 0; for (i = 1; i <= k; i++) w = w * 60 + p[i] }
        /Maximum resident set size/ { rss = $2 }
        /User time|System time/ { cpu += $2 }
        END { print n, w, rss, cpu }' "$WORK/time"
}
show() { awk -v i="$1" '{ printf "  run %d    %-9s wall %7.2f s  peak RSS %8.1f MB  CPU %7.2f s\n", i, $1, $2, $3 / 1024, $4 }'; }
echo
echo "timing: $RUNS runs each, alternating; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$WORK/runs"
for i in $(seq 1 "$RUNS"); do
    measure patchloop "${PL_CMD[@]}" | tee -a "$WORK/runs" | show "$i"
    measure peer "${PEER_CMD[@]}" | tee -a "$WORK/runs" | show "$i"
done
median() { # name, column: the median of that column over the runs of name
    awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$WORK/runs" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
if [[ $RUNS -gt 0 ]]; then
    for name in patchloop peer; do
        echo "$name $(median $name 2) $(median $name 3) $(median $name 4)" |
            awk '{ printf "  median %-9s wall %7.2f s  peak RSS %8.1f MB  CPU %7.2f s\n", $1, $2, $3 / 1024, $4 }'
    done
fi
exit $status
