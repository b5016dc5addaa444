#!/usr/bin/env bash
# Where the stack's extra instructions go: per-function instruction counts per request, stack
# minus raw, from callgrind on the client process only at concurrency 1 (one runtime thread,
# CPU 1), against the server in its own process (scripts/lib/server.sh). Start-up is included
# but is the same in both modes (both build both clients). The PROGRAM TOTALS row is the total.
# Usage: [SERVER=nginx|fixed] [CONCURRENCY=1] scripts/instructions-diff.sh [requests, 3000] [rows, 30]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/server.sh
requests=${1:-3000}; rows=${2:-30}
server_build
out=$(mktemp -d)
trap 'server_stop; rm -rf "$out"' EXIT
trap 'exit 130' INT TERM
server_start
for mode in stack raw; do
  flags=(); [ "$mode" = raw ] && flags=(--raw)
  taskset -c 1 valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$mode" "$LOAD" --base-url "$SERVER_URL" \
    --threads 1 --concurrency "${CONCURRENCY:-1}" --requests "$requests" --max-seconds 900 "${flags[@]}" > "$out/load.$mode" 2>/dev/null \
    || { cat "$out/load.$mode" >&2; exit 1; }
  grep -q "^requests *$requests in" "$out/load.$mode" || { cat "$out/load.$mode" >&2; exit 1; }
  callgrind_annotate "$out/callgrind.$mode" 2>/dev/null | grep -E '^ *[0-9,]+ ' \
    | sed -E 's/ \([0-9. ]+%\) +/\t/; s/ \[.*//' | tr -d ',' > "$out/$mode.txt"
done
python3 - "$out" "$requests" "$rows" <<'PY'
import sys
out, requests, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(mode):
    counts = {}
    for line in open(f"{out}/{mode}.txt"):
        count, _, name = line.strip().partition("\t")
        counts[name] = counts.get(name, 0) + int(count)
    return counts
stack, raw = load("stack"), load("raw")
diff = sorted(((stack.get(k, 0) - raw.get(k, 0)) / requests, k) for k in set(stack) | set(raw))
for d, k in diff[::-1][:rows]:
    print(f"{d:8.0f}  {k[:140]}")
print("where the raw client spends more:")
for d, k in diff[:10]:
    print(f"{d:8.0f}  {k[:140]}")
PY
