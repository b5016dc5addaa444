#!/usr/bin/env bash
# Where the stack's extra instructions go: per-function instruction counts per request, stack
# minus raw, from callgrind at concurrency 1. Usage: scripts/instructions-diff.sh [requests] [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-3000}; rows=${2:-30}
cargo build --quiet --release --example load
for mode in stack raw; do
  flag=""; [ "$mode" = raw ] && flag="--raw"
  valgrind --tool=callgrind --callgrind-out-file="/tmp/callgrind.$mode" \
    target/release/examples/load --threads 1 --concurrency 1 --requests "$requests" $flag >/dev/null 2>&1
  callgrind_annotate "/tmp/callgrind.$mode" 2>/dev/null | grep -E '^ *[0-9,]+ ' \
    | sed -E 's/ \([0-9. ]+%\) +/\t/; s/ \[.*//' | tr -d ',' > "/tmp/callgrind.$mode.txt"
done
python3 - "$requests" "$rows" <<'PY'
import sys
requests, rows = int(sys.argv[1]), int(sys.argv[2])
def load(mode):
    counts = {}
    for line in open(f"/tmp/callgrind.{mode}.txt"):
        count, _, name = line.strip().partition("\t")
        counts[name] = counts.get(name, 0) + int(count)
    return counts
stack, raw = load("stack"), load("raw")
diff = sorted(((stack.get(k, 0) - raw.get(k, 0)) / requests, k) for k in set(stack) | set(raw))
for d, k in diff[::-1][:rows]:
    print(f"{d:8.0f}  {k[:140]}")
PY
