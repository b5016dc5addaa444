#!/usr/bin/env bash
# Instructions per revoke round trip at concurrency 1, stack against raw, counted by callgrind
# (repeatable whatever else the machine is doing). The load example runs twice per mode with
# different request counts; the difference divided by the extra requests removes start-up cost.
# Client and in-process server are both counted; the server's share is the same in both modes.
# One runtime thread: at concurrency 1 there is nothing to run in parallel, and it keeps the
# count identical from run to run (with worker threads, wake-ups vary it by a few hundred).
set -euo pipefail
cd "$(dirname "$0")/.."
low=${1:-1000}; high=${2:-6000}
cargo build --quiet --release --example load
bin=target/release/examples/load
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --threads 1 --concurrency 1 --requests "$1" $2 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for mode in stack raw; do
  flag=""; [ "$mode" = raw ] && flag="--raw"
  a=$(count "$low" "$flag"); b=$(count "$high" "$flag")
  echo "$mode instructions/request=$(( (b - a) / (high - low) ))"
done
