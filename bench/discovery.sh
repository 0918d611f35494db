#!/usr/bin/env bash
# Discovery benchmark: GET /api/v1/discover at 16 connections on demo
# instances of 10,000 and 100,000 members (SQLite), next to the /healthz
# ceiling measured in the same run. Prints a Markdown table for
# BENCHMARKS.md.
#
#   bench/discovery.sh                      # 10k and 100k, 3 runs of 10 s
#   SIZES="2000" RUNS=1 DURATION=5s bench/discovery.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"10000 100000"}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18282}
BASE="http://127.0.0.1:$PORT"
OUT=bench/out
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --release --quiet
BIN=target/release/belay
SERVER=0
DATA=""
trap '[ "$SERVER" -gt 0 ] && kill "$SERVER" 2>/dev/null; [ -n "$DATA" ] && rm -rf "$DATA"; true' EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load $(cut -d' ' -f1-3 /proc/loadavg)"

# wrk once: "req/s p50_ms p99_ms non2xx"
measure() {
  local out
  out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$@")
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $5 }
    END { printf "%s %.2f %.2f %d\n", rps, p50, p99, bad }' <<<"$out"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "| members | target | req/s (median of $RUNS) | share of /healthz | p50 ms | p99 ms | non-2xx |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"
for members in $SIZES; do
  DATA=$(mktemp -d)
  start=$(date +%s)
  FIRST=$(BELAY_DATA_DIR="$DATA" BELAY_LOG=warn "$BIN" demo --members "$members" | sed -n "s/^the first member's handle: //p")
  echo "  (demo of $members members took $(( $(date +%s) - start )) s)" >&2
  BELAY_DATA_DIR="$DATA" BELAY_BIND="127.0.0.1:$PORT" BELAY_LOG=warn "$BIN" serve > "$OUT/discovery-server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.1; done
  TOKEN=$(curl -fs -X POST "$BASE/api/v1/tokens" -H 'content-type: application/json' \
    -d "{\"handle\":\"$FIRST\",\"password\":\"demo password for belay\"}" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  # The seeker in the benchmark looks for peers at their own stage.
  curl -fs -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/discover?kind=peers" | head -c 300 >&2; echo >&2
  declare -A R=()
  for i in $(seq 1 "$RUNS"); do
    for target in healthz peers mentors listeners; do
      case $target in
        healthz) args=("$BASE/healthz") ;;
        *) args=(-H "Authorization: Bearer $TOKEN" "$BASE/api/v1/discover?kind=$target") ;;
      esac
      [ "$i" = 1 ] && wrk -t1 -c"$CONNECTIONS" -d3s "${args[@]}" >/dev/null
      R["$target,$i"]=$(measure "${args[@]}")
      echo "  $members $target run $i: ${R["$target,$i"]}" >&2
    done
  done
  col() { for i in $(seq 1 "$RUNS"); do echo "${R["$1,$i"]}" | awk -v c="$2" '{print $c}'; done | median; }
  health=$(col healthz 1)
  for target in healthz peers mentors listeners; do
    rps=$(col "$target" 1)
    share=$(awk -v a="$rps" -v b="$health" 'BEGIN {printf "%.0f%%", 100*a/b}')
    label="\`GET /api/v1/discover?kind=$target\`"
    [ "$target" = healthz ] && label='`GET /healthz` (ceiling)'
    echo "| $members | $label | $rps | $share | $(col "$target" 2) | $(col "$target" 3) | $(col "$target" 4) |"
  done
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=0
  rm -rf "$DATA"; DATA=""
done
