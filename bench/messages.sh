#!/usr/bin/env bash
# Messaging benchmark: messages per second through the API with every
# recipient's event stream open, and the latency from POST to the event
# arriving, at 16 and 64 concurrent pairs; on SQLite (synchronous=FULL)
# with group commit and, in the same run, with one transaction per request;
# resident memory with 10,000 open event streams; and, when
# BELAY_BENCH_POSTGRES_URL names a PostgreSQL server, the same with two
# instances (senders on one, streams on the other).
#
#   bench/messages.sh
#   PAIRS="16" SECONDS_EACH=5 STREAMS=2000 bench/messages.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS=${PAIRS:-"16 64"}
SECONDS_EACH=${SECONDS_EACH:-10}
STREAMS=${STREAMS:-10000}
PORT=${PORT:-18484}
OUT=bench/out
mkdir -p "$OUT"
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

# start_server PORT [GROUP_COMMIT] [DATABASE_URL]: prints the pid
start_server() {
  local port=$1 group=${2:-true} url=${3:-}
  local dir
  dir=$(mktemp -d)
  DIRS+=("$dir")
  cat > "$dir/belay.toml" <<TOML
sqlite_group_commit = $group
message_burst = 1000000
message_interval_ms = 1
signup_burst = 1000000
login_burst = 1000000
TOML
  BELAY_DATA_DIR="$dir" BELAY_BIND="127.0.0.1:$port" BELAY_LOG=warn DATABASE_URL="$url" \
    "$BIN" --config "$dir/belay.toml" serve > "$dir/server.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  echo "$pid"
}

rss_mib() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

echo "| backend | write path | pairs | msgs/s | delivery p50 ms | delivery p99 ms | POST p50 ms | POST p99 ms | undelivered |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
row() {
  local backend=$1 path=$2 line=$3
  local v
  v() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
  echo "| $backend | $path | $(v pairs) | $(v msgs_per_s) | $(v delivery_p50_ms) | $(v delivery_p99_ms) | $(v post_p50_ms) | $(v post_p99_ms) | $(v undelivered) |"
}

# The ceiling in the same run: the same server and machine, no database.
port=$((PORT + 1))
pid=$(start_server "$port")
if command -v wrk >/dev/null; then
  ceiling=$(wrk -t2 -c16 -d5s "http://127.0.0.1:$port/healthz" | awk '/Requests\/sec/ {print $2}')
  echo "ceiling: GET /healthz at 16 connections, $ceiling req/s (wrk -t2 -c16 -d5s)" >&2
  echo "| (ceiling) | \`GET /healthz\`, 16 connections | | $ceiling req/s | | | | | |"
fi
kill "$pid"; wait "$pid" 2>/dev/null || true

for group in true false; do
  for pairs in $PAIRS; do
    port=$((PORT + 1))
    pid=$(start_server "$port" "$group")
    line=$("$LOAD" messages "http://127.0.0.1:$port" "$pairs" "$SECONDS_EACH")
    echo "  $line" >&2
    label=$([ "$group" = true ] && echo "group commit" || echo "one transaction per request")
    row "SQLite, synchronous=FULL" "$label" "$line"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done

pid=$(start_server "$((PORT + 2))")
idle=$(rss_mib "$pid")
"$LOAD" streams "http://127.0.0.1:$((PORT + 2))" "$STREAMS" > "$OUT/streams.log" 2>&1 &
loader=$!
PIDS+=("$loader")
for _ in $(seq 1 600); do grep -q "^open" "$OUT/streams.log" && break; sleep 0.5; done
grep -q "^open" "$OUT/streams.log" || { echo "the streams did not all open" >&2; cat "$OUT/streams.log" >&2; exit 1; }
sleep 2
echo
echo "Resident memory (SQLite): ${idle} MiB idle; $(rss_mib "$pid") MiB with $STREAMS open event streams."
kill "$loader" "$pid"; wait "$pid" 2>/dev/null || true

if [ -n "${BELAY_BENCH_POSTGRES_URL:-}" ]; then
  db="belay_bench_$$"
  psql "$BELAY_BENCH_POSTGRES_URL" -qc "create database $db" >/dev/null
  pgurl="${BELAY_BENCH_POSTGRES_URL%/*}/$db"
  a=$(start_server "$((PORT + 3))" true "$pgurl")
  b=$(start_server "$((PORT + 4))" true "$pgurl")
  echo
  echo "| backend | write path | pairs | msgs/s | delivery p50 ms | delivery p99 ms | POST p50 ms | POST p99 ms | undelivered |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for pairs in $PAIRS; do
    line=$("$LOAD" messages "http://127.0.0.1:$((PORT + 3))" "$pairs" "$SECONDS_EACH" "http://127.0.0.1:$((PORT + 4))")
    echo "  $line" >&2
    row "PostgreSQL, two instances" "send to one, streams on the other" "$line"
  done
  echo
  echo "Resident memory (PostgreSQL): $(rss_mib "$a") MiB and $(rss_mib "$b") MiB for the two instances after the runs."
  kill "$a" "$b"; wait "$a" "$b" 2>/dev/null || true
  psql "$BELAY_BENCH_POSTGRES_URL" -qc "drop database $db with (force)" >/dev/null
fi
