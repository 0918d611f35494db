#!/usr/bin/env bash
# A server's resident memory as it serves many requests, for one or more
# builds in turn: RSS after a warm-up, then after each ROUNDS x DURATION of
# GET /healthz at CONNECTIONS connections. Memory that grows with requests
# served (rather than with data) is a leak.
#
#   bench/request_memory.sh target/release/belay [/tmp/belay-before ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
[ $# -ge 1 ] || { echo "usage: $0 BIN [BIN ...]" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
PORT=18611
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
echo "machine: $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); /healthz, $CONNECTIONS connections, $ROUNDS x $DURATION"
for bin in "$@"; do
  data=$(mktemp -d)
  start_server "$bin" "$data" "$PORT" "$data/server.log"
  pid=$SERVER_PID
  wrk -t2 -c"$CONNECTIONS" -d3s "http://127.0.0.1:$PORT/healthz" >/dev/null
  line="| $bin | $(rss_kb "$pid")"
  served=0
  for _ in $(seq 1 "$ROUNDS"); do
    n=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$PORT/healthz" | awk '/requests in/ {print $1}')
    served=$((served + n))
    line="$line | $(rss_kb "$pid")"
  done
  echo "$line | $served |"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data"
done
