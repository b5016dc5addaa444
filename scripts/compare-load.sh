#!/usr/bin/env bash
# Run the load example alternately in stack and raw mode and print the median of each figure, so
# the ratio comes from one machine in one sitting. Usage: scripts/compare-load.sh [runs] [requests] [concurrency]
set -euo pipefail
runs=${1:-5}; requests=${2:-50000}; concurrency=${3:-64}
cd "$(dirname "$0")/.."
cargo build --quiet --release --example load
bin=target/release/examples/load
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
to_us() { awk '{v=$1; if ($1 ~ /ms$/) {sub(/ms/,"",v); v*=1000} else if ($1 ~ /µs$/) {sub(/µs/,"",v)} else if ($1 ~ /s$/) {sub(/s/,"",v); v*=1000000}; print v}'; }
for mode in stack raw; do : > "/tmp/load-$mode.txt"; done
for _ in $(seq "$runs"); do
  for mode in stack raw; do
    flag=""; [ "$mode" = raw ] && flag="--raw"
    "$bin" --concurrency "$concurrency" --requests "$requests" $flag >> "/tmp/load-$mode.txt"
  done
done
for mode in stack raw; do
  rps=$(grep throughput "/tmp/load-$mode.txt" | awk '{print $2}' | median)
  p50=$(grep latency "/tmp/load-$mode.txt" | awk '{print $3}' | to_us | median)
  p99=$(grep latency "/tmp/load-$mode.txt" | awk '{print $7}' | to_us | median)
  mem=$(grep "peak memory" "/tmp/load-$mode.txt" | awk '{print $3}' | median)
  echo "$mode requests/s=$rps p50_us=$p50 p99_us=$p99 peak_mib=$mem"
done
