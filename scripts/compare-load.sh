#!/usr/bin/env bash
# Run the load example alternately in stack and raw mode and compare them, so every ratio comes
# from one machine in one sitting. Each stack run is paired with the raw run right after it; the
# ratios reported are medians of those pairs, which cancels most of the machine's drift.
# Usage: scripts/compare-load.sh [runs] [requests] [concurrency] [threads, default one per core]
set -euo pipefail
runs=${1:-9}; requests=${2:-150000}; concurrency=${3:-64}; threads=${4:-}
cd "$(dirname "$0")/.."
cargo build --quiet --release --example load
bin=target/release/examples/load
extra=(); [ -n "$threads" ] && extra=(--threads "$threads")
out=$(mktemp -d)
for _ in $(seq "$runs"); do
  "$bin" --concurrency "$concurrency" --requests "$requests" "${extra[@]}" >> "$out/stack"
  "$bin" --concurrency "$concurrency" --requests "$requests" "${extra[@]}" --raw >> "$out/raw"
done
python3 - "$out" <<'PY'
import re, statistics, sys
def runs(mode):
    text = open(f"{sys.argv[1]}/{mode}").read()
    def us(v):
        n, unit = re.fullmatch(r"([\d.]+)(µs|ms|s)", v).groups()
        return float(n) * {"µs": 1, "ms": 1e3, "s": 1e6}[unit]
    rps = [float(x) for x in re.findall(r"throughput\s+(\d+)", text)]
    lat = [(us(a), us(b)) for a, b in re.findall(r"latency\s+p50 (\S+)\s+p90 \S+\s+p99 (\S+)", text)]
    return rps, lat
s_rps, s_lat = runs("stack")
r_rps, r_lat = runs("raw")
for mode, rps, lat in (("stack", s_rps, s_lat), ("raw", r_rps, r_lat)):
    print(f"{mode:5} requests/s={statistics.median(rps):.0f} p50_us={statistics.median(l[0] for l in lat):.0f} "
          f"p99_us={statistics.median(l[1] for l in lat):.0f}")
tp = [s / r for s, r in zip(s_rps, r_rps)]
p99 = [s[1] / r[1] for s, r in zip(s_lat, r_lat)]
print(f"stack/raw throughput: median {statistics.median(tp):.3f} of {len(tp)} pairs (range {min(tp):.2f}-{max(tp):.2f})")
print(f"stack/raw p99 latency: median {statistics.median(p99):.3f} (range {min(p99):.2f}-{max(p99):.2f})")
PY
rm -r "$out"
