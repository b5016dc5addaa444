#!/usr/bin/env bash
# Start the emulator binary on a free loopback port and run the official SDK script against it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
emulator=${EMULATOR:-"$here/../../target/debug/boltz-emulator"}

out=$(mktemp)
"$emulator" > "$out" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do
  grep -q '^BOLTZ_API_KEY=' "$out" && break
  sleep 0.1
done
export BOLTZ_BASE_URL=$(sed -n 's/^BOLTZ_BASE_URL=//p' "$out")
export BOLTZ_API_KEY=$(sed -n 's/^BOLTZ_API_KEY=//p' "$out")
[ -n "$BOLTZ_API_KEY" ] || { echo "the emulator did not start" >&2; exit 1; }
"$python" "$here/official_sdk.py"
