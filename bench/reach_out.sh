#!/usr/bin/env bash
# Reach-out benchmark, on SQLite (synchronous=FULL):
#   1. fan-out: one member reaches out to 50 people in their circle, each
#      holding an event stream; the time from the start of the POST to the
#      last of them receiving the notice, p50/p99 over 1,000 reach-outs;
#   2. lag: with 10,000 reach-outs open (each waiting an hour on its next
#      step), how late steps fire against their due times while members
#      keep reaching out with one-second waits.
# For reference, the same run measures the HTTP ceiling (`wrk` on /healthz).
#
#   bench/reach_out.sh
#   MEMBERS=50 COUNT=200 OPEN=2000 bench/reach_out.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MEMBERS=${MEMBERS:-50}
COUNT=${COUNT:-1000}
OPEN=${OPEN:-10000}
PROBES=${PROBES:-20}
PROBE_SECONDS=${PROBE_SECONDS:-30}
PORT=${PORT:-18584}
cargo build --release --quiet --bin belay --example message_load
BIN=target/release/belay
LOAD=target/release/examples/message_load
PIDS=()
DIRS=()
cleanup() {
  for p in "${PIDS[@]}"; do [ "$p" -gt 0 ] && kill "$p" 2>/dev/null; done
  for d in "${DIRS[@]}"; do rm -rf "$d"; done
  true
}
trap cleanup EXIT
ulimit -n 20000 2>/dev/null || true

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

start_server() {
  local port=$1
  local dir
  dir=$(mktemp -d)
  DIRS+=("$dir")
  cat > "$dir/belay.toml" <<TOML
reach_out_per_hour = 10000000
signup_burst = 1000000
login_burst = 1000000
message_burst = 1000000
TOML
  BELAY_DATA_DIR="$dir" BELAY_BIND="127.0.0.1:$port" BELAY_LOG=warn BELAY_REACHOUT_MIN_WAIT_SECONDS=1 \
    "$BIN" --config "$dir/belay.toml" serve > "$dir/server.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  echo "$pid"
}

pid=$(start_server "$PORT")
if command -v wrk >/dev/null; then
  ceiling=$(wrk -t2 -c64 -d5s "http://127.0.0.1:$PORT/healthz" | awk '/Requests\/sec/ {print $2}')
  echo "HTTP ceiling (wrk -t2 -c64 -d5s /healthz): $ceiling requests/s"
fi
line=$("$LOAD" fanout "http://127.0.0.1:$PORT" "$MEMBERS" "$COUNT")
echo "fan-out: $line"
kill "$pid"; wait "$pid" 2>/dev/null || true

pid=$(start_server "$((PORT + 1))")
line=$("$LOAD" lag "http://127.0.0.1:$((PORT + 1))" "$OPEN" "$PROBES" "$PROBE_SECONDS")
echo "lag: $line"
echo "resident memory after: $(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pid/status") MiB"
kill "$pid"; wait "$pid" 2>/dev/null || true
