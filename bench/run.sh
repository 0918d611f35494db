#!/usr/bin/env bash
# Belay's benchmark: starts the release binary on a demo instance and
# measures requests per second and latency with wrk at 64 connections, for
# GET /healthz (the ceiling, measured in the same run), GET /api/v1/me and
# the home page. Prints a Markdown table; copy it into BENCHMARKS.md.
#
#   bench/run.sh                 # 10,000 members, 3 runs of 10 s per target
#   MEMBERS=2000 RUNS=1 DURATION=5s bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

MEMBERS=${MEMBERS:-10000}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18181}
BASE="http://127.0.0.1:$PORT"
OUT=bench/out
mkdir -p "$OUT"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --release --quiet
BIN=target/release/belay
DATA=$(mktemp -d)
SERVER=0
trap '[ "$SERVER" -gt 0 ] && kill "$SERVER" 2>/dev/null; rm -rf "$DATA"; true' EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)" | tee "$OUT/machine.txt"
echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"

echo "filling a demo instance with $MEMBERS members..."
FIRST=$(BELAY_DATA_DIR="$DATA" BELAY_LOG=warn "$BIN" demo --members "$MEMBERS" | sed -n "s/^the first member's handle: //p")

BELAY_DATA_DIR="$DATA" BELAY_BIND="127.0.0.1:$PORT" BELAY_LOG=warn "$BIN" serve > "$OUT/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.1; done
sleep 2
IDLE_RSS=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")

TOKEN=$(api_token "$BASE" "$FIRST")
SESSION=$(session_cookie "$BASE" "$FIRST")
[ -n "$TOKEN" ] && [ -n "$SESSION" ] || { echo "could not log in as $FIRST" >&2; exit 1; }
curl -fs -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/me" >/dev/null
# Read whole before searching: `grep -q` stops at the first match, and
# with pipefail the writer's broken pipe would fail a page that rendered.
home=$(curl -fs -H "Cookie: belay_session=$SESSION" "$BASE/")
grep -q "Hi, $FIRST" <<<"$home" || { echo "the home page did not render" >&2; exit 1; }

# One wrk run: prints "req/s p50_ms p99_ms non2xx".
measure() {
  local url=$1; shift
  local out
  out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") ${errors:-0}"
}
to_ms() {
  local v=$1
  case $v in
    *us) awk -v x="${v%us}" 'BEGIN {printf "%.2f", x/1000}' ;;
    *ms) awk -v x="${v%ms}" 'BEGIN {printf "%.2f", x}' ;;
    *s) awk -v x="${v%s}" 'BEGIN {printf "%.2f", x*1000}' ;;
  esac
}

declare -A RESULTS
echo "measuring ($RUNS x $DURATION, $CONNECTIONS connections)..."
# Interleave the targets run by run so the noisy machine affects all alike.
for i in $(seq 1 "$RUNS"); do
  for target in healthz me home; do
    case $target in
      healthz) url="$BASE/healthz"; hdr=() ;;
      me) url="$BASE/api/v1/me"; hdr=(-H "Authorization: Bearer $TOKEN") ;;
      home) url="$BASE/"; hdr=(-H "Cookie: belay_session=$SESSION") ;;
    esac
    [ "$i" = 1 ] && wrk -t1 -c"$CONNECTIONS" -d3s "${hdr[@]}" "$url" >/dev/null
    RESULTS["$target,$i"]=$(measure "$url" "${hdr[@]}")
    echo "  $target run $i: ${RESULTS["$target,$i"]}"
  done
done
LOADED_RSS=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { local t=$1 c=$2; for i in $(seq 1 "$RUNS"); do echo "${RESULTS["$t,$i"]}" | awk -v c="$c" '{print $c}'; done | median; }

HEALTH=$(col healthz 1)
{
  echo "| target | req/s (median of $RUNS) | share of /healthz | p50 ms | p99 ms | non-2xx |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  for target in healthz me home; do
    rps=$(col "$target" 1)
    share=$(awk -v a="$rps" -v b="$HEALTH" 'BEGIN {printf "%.0f%%", 100*a/b}')
    name=$target
    [ "$target" = healthz ] && name='`GET /healthz` (ceiling)'
    [ "$target" = me ] && name='`GET /api/v1/me` (bearer token)'
    [ "$target" = home ] && name='`GET /` home page (session cookie)'
    echo "| $name | $rps | $share | $(col "$target" 2) | $(col "$target" 3) | $(col "$target" 4) |"
  done
  echo
  echo "Resident memory: idle after start $((IDLE_RSS / 1024)) MiB; after the runs $((LOADED_RSS / 1024)) MiB."
  echo "Instance: $MEMBERS demo members (SQLite, synchronous=FULL); wrk -t1 -c$CONNECTIONS -d$DURATION --latency, 3 s warm-up."
} | tee "$OUT/results.md"
