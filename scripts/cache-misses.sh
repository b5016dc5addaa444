#!/usr/bin/env bash
# Per request: instructions, L1 instruction-cache misses and L1 data-cache misses of the client
# process, stack against raw, from cachegrind's simulated caches (repeatable, like callgrind).
# The server runs in a process of its own on CPU 0 (scripts/lib/server.sh), the client on CPU 1
# with one runtime thread. Two runs per mode with different request counts remove start-up cost.
# `estimate` weighs each L1 miss as 12 instructions (an L2 hit's latency), a rough model of the
# CPU time a request costs where instruction counts alone understate it.
# Usage: [SERVER=nginx|fixed] [CONCURRENCY=64] scripts/cache-misses.sh [low requests, 2000] [high, 6000]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/server.sh
low=${1:-2000}; high=${2:-6000}
server_build
out=$(mktemp -d)
trap 'server_stop; rm -rf "$out"' EXIT
trap 'exit 130' INT TERM
server_start
for mode in stack raw; do
  flags=(); [ "$mode" = raw ] && flags=(--raw)
  for n in "$low" "$high"; do
    taskset -c 1 valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=/dev/null "$LOAD" \
      --base-url "$SERVER_URL" --threads 1 --concurrency "${CONCURRENCY:-64}" --requests "$n" --max-seconds 900 \
      "${flags[@]}" > "$out/load.$mode.$n" 2> "$out/cg.$mode.$n"
    grep -q "^requests *$n in" "$out/load.$mode.$n" || { cat "$out/load.$mode.$n" "$out/cg.$mode.$n" >&2; exit 1; }
  done
done
python3 - "$out" "$low" "$high" <<'PY'
import re, sys
out, low, high = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def counts(mode, n):
    text = open(f"{out}/cg.{mode}.{n}").read()
    get = lambda key: int(re.search(key + r":\s+([\d,]+)", text).group(1).replace(",", ""))
    return [get(r"I\s+refs"), get(r"I1\s+misses"), get(r"D1\s+misses")]
per = {}
for mode in ("stack", "raw"):
    per[mode] = [(b - a) / (high - low) for a, b in zip(counts(mode, low), counts(mode, high))]
    i, i1, d1 = per[mode]
    per[mode].append(i + 12 * (i1 + d1))
    print(f"{mode:5} instructions={i:.0f} I1_misses={i1:.0f} D1_misses={d1:.0f} estimate={per[mode][3]:.0f}")
names = ["instructions", "I1_misses", "D1_misses", "estimate"]
print("stack/raw " + " ".join(f"{n}={s / r:.3f}" for n, s, r in zip(names, per["stack"], per["raw"])))
PY
