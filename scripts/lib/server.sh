# Sourced by the measurement scripts (from the repository root): builds the load example and
# runs the fixed-response server in a process of its own, pinned to CPU 0, so that the client
# can be measured alone on CPU 1. SERVER=nginx (default when nginx is installed: one worker,
# every request answered with the revoke response) or SERVER=fixed (examples/fixed_server.rs,
# one thread). server_start sets SERVER_URL; server_stop is idempotent, call it from a trap.

if [ -z "${SERVER:-}" ]; then
  if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then SERVER=nginx; else SERVER=fixed; fi
fi
case $SERVER in nginx | fixed) ;; *) echo "SERVER must be nginx or fixed, not $SERVER" >&2; exit 2 ;; esac
SERVER_PID=""; SERVER_DIR=""; SERVER_URL=""
LOAD=target/release/examples/load

# The load example, and the fixed server when it is the one used.
server_build() {
  local extra=(); [ "$SERVER" = fixed ] && extra=(--example fixed_server)
  cargo build --quiet --release --example load "${extra[@]}"
}

server_start() {
  SERVER_DIR=$(mktemp -d)
  local port
  if [ "$SERVER" = nginx ]; then
    local nginx seed temp_paths=""
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
    seed=$(sed -n 's/^pub const SEED: &str = r#"\(.*\)"#;$/\1/p' benches/support/mod.rs)
    if [ -z "$seed" ] || [[ $seed == *[\'\$\\]* ]]; then
      echo "server.sh: SEED not found in benches/support/mod.rs, or not quotable for nginx" >&2; return 1
    fi
    # Keep every temp path in our directory (the compiled-in ones may not be writable).
    for module in client_body proxy fastcgi uwsgi scgi; do
      "$nginx" -V 2>&1 | grep -q -- "--without-http_${module}_module" \
        || temp_paths+="  ${module}_temp_path $SERVER_DIR/$module;"$'\n'
    done
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat > "$SERVER_DIR/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $SERVER_DIR/nginx.pid;
error_log $SERVER_DIR/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
$temp_paths  # A kept-alive connection is never closed during a run.
  keepalive_requests 1000000000;
  keepalive_timeout 3600s;
  keepalive_time 24h;
  server {
    listen 127.0.0.1:$port backlog=4096;
    location / {
      default_type application/json;
      return 200 '$seed';
    }
  }
}
EOF
    taskset -c 0 "$nginx" -p "$SERVER_DIR" -e "$SERVER_DIR/error.log" -c "$SERVER_DIR/nginx.conf" &
    SERVER_PID=$!
    SERVER_URL=http://127.0.0.1:$port
  else
    taskset -c 0 target/release/examples/fixed_server > "$SERVER_DIR/url" &
    SERVER_PID=$!
    for _ in $(seq 100); do [ -s "$SERVER_DIR/url" ] && break; sleep 0.05; done
    SERVER_URL=$(head -n1 "$SERVER_DIR/url")
  fi
  port=${SERVER_URL##*:}
  for _ in $(seq 100); do
    (exec 3<> "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  # One request in each mode: the server answers, and both clients decode the answer.
  if ! "$LOAD" --base-url "$SERVER_URL" --threads 1 --concurrency 1 --requests 1 --max-seconds 10 >/dev/null \
    || ! "$LOAD" --base-url "$SERVER_URL" --threads 1 --concurrency 1 --requests 1 --max-seconds 10 --raw >/dev/null; then
    echo "server.sh: the $SERVER server at ${SERVER_URL:-?} does not answer the revoke" >&2
    [ -f "$SERVER_DIR/error.log" ] && cat "$SERVER_DIR/error.log" >&2
    return 1
  fi
  echo "server: $SERVER at $SERVER_URL on CPU 0, pid $SERVER_PID" >&2
}

# CPU time the server has used so far (its processes, utime+stime), in 10 ms ticks.
server_cpu_ticks() {
  local t=0 p
  for p in $SERVER_PID $(pgrep -P "$SERVER_PID"); do
    t=$((t + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat")))
  done
  echo "$t"
}

server_stop() {
  if [ -n "$SERVER_PID" ]; then
    { kill -TERM "$SERVER_PID" && wait "$SERVER_PID"; } 2>/dev/null || true
    SERVER_PID=""
  fi
  if [ -n "$SERVER_DIR" ]; then
    if [ "$SERVER" = nginx ] && grep -q '' "$SERVER_DIR/error.log" 2>/dev/null; then
      echo "nginx error log:" >&2; cat "$SERVER_DIR/error.log" >&2
    fi
    rm -rf "$SERVER_DIR"; SERVER_DIR=""
  fi
}
