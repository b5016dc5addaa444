#!/usr/bin/env bash
# Throughput, p50/p99 latency and client CPU time per request, stack against raw, with the client
# measured alone: the server runs in a process of its own on CPU 0 (scripts/lib/server.sh), the
# client on CPU 1 with one runtime thread. Runs alternate stack, raw, stack, raw...; each ratio is
# the median of the (stack run, next raw run) pairs, which cancels most of the machine's drift.
# CPU time is the client's user+sys while its requests ran (10 ms ticks; keep runs >= 1 s). The
# server's CPU per request, and what other processes used during the runs, are shown for context.
# Usage: [SERVER=nginx|fixed] [MAX_SECONDS=60] scripts/compare-load.sh [runs, 5]
#   [concurrencies, "1 16 64"] [requests per run, default 30000 at concurrency 1, 100000 above]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/server.sh
runs=${1:-5}; concurrencies=${2:-"1 16 64"}; concurrencies=${concurrencies//,/ }; requests=${3:-}
server_build
out=$(mktemp -d)
trap 'server_stop; rm -rf "$out"' EXIT
trap 'exit 130' INT TERM
server_start
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
for c in $concurrencies; do
  n=${requests:-$([ "$c" = 1 ] && echo 30000 || echo 100000)}
  for _ in $(seq "$runs"); do
    for mode in stack raw; do
      flags=(); [ "$mode" = raw ] && flags=(--raw)
      busy=$(busy_ticks); server=$(server_cpu_ticks)
      taskset -c 1 "$LOAD" --base-url "$SERVER_URL" --threads 1 --concurrency "$c" --requests "$n" \
        --max-seconds "${MAX_SECONDS:-60}" "${flags[@]}" >> "$out/$c.$mode"
      echo "ticks machine $(( $(busy_ticks) - busy )) server $(( $(server_cpu_ticks) - server ))" >> "$out/$c.$mode"
    done
  done
done
python3 - "$out" $concurrencies <<'PY'
import re, statistics as st, sys
out, concurrencies = sys.argv[1], sys.argv[2:]
def us(v):
    n, unit = re.fullmatch(r"([\d.]+)(ns|µs|ms|s)", v).groups()
    return float(n) * {"ns": 1e-3, "µs": 1, "ms": 1e3, "s": 1e6}[unit]
def runs(c, mode):
    text = open(f"{out}/{c}.{mode}").read()
    rps = [float(x) for x in re.findall(r"throughput\s+(\d+)", text)]
    lat = re.findall(r"latency\s+p50 (\S+)\s+p90 \S+\s+p99 (\S+)", text)
    cpu = [us(x) for x in re.findall(r"cpu .* per request (\S+)", text)]
    done = [(int(n), us(t)) for n, t in re.findall(r"requests\s+(\d+) in (\S+)", text)]
    user_sys = [(us(a), us(b)) for a, b in re.findall(r"cpu\s+user (\S+)\s+sys (\S+)", text)]
    client = [u + s for u, s in user_sys]
    ticks = [(int(m) * 1e4, int(s) * 1e4) for m, s in re.findall(r"ticks machine (\d+) server (\d+)", text)]
    server = [s / n for (n, _), (_, s) in zip(done, ticks)]
    others = [max(0.0, m - s - c) / t * 100 for (_, t), (m, s), c in zip(done, ticks, client)]
    return {"rps": rps, "p50": [us(a) for a, _ in lat], "p99": [us(b) for _, b in lat], "cpu": cpu,
            "user": [u / n for (n, _), (u, _) in zip(done, user_sys)],
            "sys": [s / n for (n, _), (_, s) in zip(done, user_sys)], "server": server, "others": others}
def ratio(name, s, r):
    pairs = [a / b for a, b in zip(s, r)]
    return f"{name} {st.median(pairs):.3f} ({min(pairs):.2f}-{max(pairs):.2f})"
for c in concurrencies:
    s, r = runs(c, "stack"), runs(c, "raw")
    print(f"concurrency {c}, {len(s['rps'])} pairs")
    for mode, m in (("stack", s), ("raw", r)):
        print(f"  {mode:5} requests/s={st.median(m['rps']):.0f} p50_us={st.median(m['p50']):.0f} "
              f"p99_us={st.median(m['p99']):.0f} cpu_us/request={st.median(m['cpu']):.2f} "
              f"(user {st.median(m['user']):.2f} sys {st.median(m['sys']):.2f}) "
              f"server_cpu_us/request={st.median(m['server']):.2f} "
              f"others_cpu={st.median(m['others']):.0f}% (max {max(m['others']):.0f}%)")
    print("  stack/raw medians (range): " + ", ".join([ratio("throughput", s["rps"], r["rps"]),
          ratio("p50", s["p50"], r["p50"]), ratio("p99", s["p99"], r["p99"]), ratio("cpu/request", s["cpu"], r["cpu"])]))
PY
