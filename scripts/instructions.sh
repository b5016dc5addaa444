#!/usr/bin/env bash
# Instructions per revoke round trip at concurrency 1 (or CONCURRENCY), stack against raw, counted by callgrind in
# the client process only. The server runs in a process of its own on CPU 0 (scripts/lib/server.sh),
# the client on CPU 1 with one runtime thread. The load example runs twice per mode with different
# request counts; the difference divided by the extra requests removes start-up cost. Raw repeats
# to a few instructions; the stack moves by a few hundred from run to run (its shared attempt
# timer and the runtime's timer wheel depend on wall-clock time), so each mode is measured
# `repeats` times, interleaved, and the median reported.
# Usage: [SERVER=nginx|fixed] [CONCURRENCY=1] scripts/instructions.sh [low requests, 1000] [high, 6000] [repeats, 3]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/server.sh
low=${1:-1000}; high=${2:-6000}; repeats=${3:-3}
server_build
trap server_stop EXIT
trap 'exit 130' INT TERM
server_start
count() {
  local out
  out=$(taskset -c 1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$LOAD" --base-url "$SERVER_URL" \
    --threads 1 --concurrency "${CONCURRENCY:-1}" --requests "$1" --max-seconds 900 "${@:2}" 2>&1) || { echo "$out" >&2; return 1; }
  grep -q "^requests *$1 in" <<< "$out" || { echo "$out" >&2; echo "not all $1 requests ran" >&2; return 1; }
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' <<< "$out"
}
declare -A runs=([stack]="" [raw]="")
for _ in $(seq "$repeats"); do
  for mode in stack raw; do
    flags=(); [ "$mode" = raw ] && flags=(--raw)
    a=$(count "$low" "${flags[@]}"); b=$(count "$high" "${flags[@]}")
    runs[$mode]+=" $(( (b - a) / (high - low) ))"
  done
done
median() { tr ' ' '\n' <<< "$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
s=$(median "${runs[stack]}"); r=$(median "${runs[raw]}")
echo "stack instructions/request=$s (runs:${runs[stack]})"
echo "raw instructions/request=$r (runs:${runs[raw]})"
awk -v s="$s" -v r="$r" 'BEGIN { printf "stack/raw=%.3f (stack adds %d)\n", s / r, s - r }'
