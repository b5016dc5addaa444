#!/usr/bin/env bash
# A small-molecule library screen of N molecules run into a run directory by this crate
# (`client.run`, examples/run_screen.rs) and by the official Python SDK
# (`run_small_molecule_library_screen`, scripts/sdk_run_screen.py), side by side against one
# `boltz-emulator` in its own process whose file origin waits FILE_LATENCY_MS (default 20) before
# each answer, as object storage does. Jobs run JOB_MS (default 2000). For each client: wall time,
# API and file requests (the emulator's counters), peak RSS (/usr/bin/time), results in the index.
# Usage: scripts/compare-runs.sh [N, 1000] [clients, "rust sdk"]   (PYTHON: a Python with boltz-api 0.50.0)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}; clients=${2:-"rust sdk"}
python=${PYTHON:-target/conformance-venv/bin/python}
cargo build --quiet --release -p boltz-api-emulator --bin boltz-emulator
cargo build --quiet --release --example run_screen
work=$(mktemp -d)
target/release/boltz-emulator --job-ms "${JOB_MS:-2000}" --pending-ms 0 --file-latency-ms "${FILE_LATENCY_MS:-20}" \
  > "$work/emulator.env" &
emulator=$!
trap 'kill $emulator 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q BOLTZ_API_KEY "$work/emulator.env" 2>/dev/null && break; sleep 0.05; done
export $(grep -E '^BOLTZ_(BASE_URL|API_KEY)=' "$work/emulator.env" | xargs)
counters() { curl -s "$BOLTZ_BASE_URL/__emulator/counters"; }
printf '%-6s %8s %10s %10s %10s %12s\n' client results seconds api_reqs file_reqs peak_rss_mib
for client in $clients; do
  before=$(counters)
  case $client in
    rust) cmd=(target/release/examples/run_screen "$n" "$work/runs") ;;
    sdk) cmd=("$python" scripts/sdk_run_screen.py "$n" "$work/runs") ;;
  esac
  /usr/bin/time -f '%M' -o "$work/rss" "${cmd[@]}" > "$work/out"
  after=$(counters)
  python3 - "$before" "$after" "$(cat "$work/out")" "$(tail -1 "$work/rss")" <<'PY'
import json, sys
before, after, out, rss = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
api = after["api_requests"] - before["api_requests"]
files = after["file_requests"] - before["file_requests"]
print(f'{out["client"]:<6} {out["results"]:>8} {out["seconds"]:>10.2f} {api:>10} {files:>10} {rss / 1024:>12.1f}')
PY
done
