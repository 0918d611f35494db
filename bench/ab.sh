#!/usr/bin/env bash
# Interleaved A/B of two builds on one filled instance: each build serves
# its own copy of FILLED (a data directory `belay demo` filled, with its
# demo.txt), and wrk measures them in turn, ROUNDS times, so the machine's
# drift touches both alike. Compare within one run only.
#
#   FILLED=/tmp/demo bench/ab.sh /tmp/belay-before target/release/belay
#   TARGET=feed ROUNDS=8 FILLED=/tmp/demo bench/ab.sh A B
#
# TARGET: home (the home page with its circle feed, session cookie; the
# default), feed (GET /api/v1/feed, token), me (GET /api/v1/me, token),
# history (GET /api/v1/checkins?days=7, token: a week and the streak),
# shared (GET /api/v1/members/FIRST/checkins as a connection FIRST shares
# check-ins with: the grant check and an access-log entry a minute),
# checkins (POST /api/v1/checkins as WRITERS members, after a warm-up).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

[ $# -eq 2 ] || { echo "usage: FILLED=dir $0 BIN_A BIN_B" >&2; exit 2; }
[ -n "${FILLED:-}" ] || { echo "FILLED: a data directory that belay demo filled" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
TARGET=${TARGET:-home}
ROUNDS=${ROUNDS:-6}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-8s}
BINS=("$1" "$2")
PORTS=(18601 18602)
DIRS=("$(mktemp -d)" "$(mktemp -d)")
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "${DIRS[@]}"; true' EXIT
FIRST=$(sed -n "s/^the first member's handle: //p" "$FILLED/demo.txt")

WRITERS=${WRITERS:-64}
HEADERS=()
URLS=()
TOKEN_FILES=()
for i in 0 1; do
  cp "$FILLED"/belay.db* "${DIRS[$i]}"/
  start_server "${BINS[$i]}" "${DIRS[$i]}" "${PORTS[$i]}" "${DIRS[$i]}/server.log"
  PIDS+=("$SERVER_PID")
  base="http://127.0.0.1:${PORTS[$i]}"
  case $TARGET in
    home) HEADERS+=("Cookie: belay_session=$(session_cookie "$base" "$FIRST")"); URLS+=("$base/") ;;
    feed) HEADERS+=("Authorization: Bearer $(api_token "$base" "$FIRST")"); URLS+=("$base/api/v1/feed") ;;
    me) HEADERS+=("Authorization: Bearer $(api_token "$base" "$FIRST")"); URLS+=("$base/api/v1/me") ;;
    history) HEADERS+=("Authorization: Bearer $(api_token "$base" "$FIRST")"); URLS+=("$base/api/v1/checkins?days=7") ;;
    shared)
      viewer=$(python3 - "${DIRS[$i]}/belay.db" "$FIRST" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("""select v.handle from connection_grant g join member o on o.id = g.owner_id
    join member v on v.id = g.viewer_id where o.handle = ? and g.checkins = 1
    order by v.handle limit 1""", (sys.argv[2],)).fetchone()[0])
PY
)
      HEADERS+=("Authorization: Bearer $(api_token "$base" "$viewer")"); URLS+=("$base/api/v1/members/$FIRST/checkins") ;;
    checkins)
      # Each server's writers log in on it; checkin_post.lua takes turns.
      tokens="${DIRS[$i]}/tokens"
      python3 - "${DIRS[$i]}/belay.db" "$WRITERS" <<'PY' | while read -r h; do api_token "$base" "$h"; done > "$tokens"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (h,) in db.execute("select handle from member order by created_at, handle limit ? offset 1", (int(sys.argv[2]),)):
    print(h)
PY
      TOKEN_FILES+=("$tokens"); HEADERS+=("X-Bench: checkins"); URLS+=("$base/api/v1/checkins")
      TOKENS_FILE=$tokens wrk -t2 -c"$WRITERS" -d3s -s bench/checkin_post.lua "${URLS[$i]}" >/dev/null ;;
    *) echo "TARGET: home, feed, me, history, shared or checkins" >&2; exit 2 ;;
  esac
done
# The same answer from both, but for the page's CSRF token and for ids and
# times (jobs due at start, such as milestones, write items of their own).
answer() {
  curl -fs -H "${HEADERS[$1]}" "${URLS[$1]}" | sed -E 's/name="csrf" value="[^"]*"//;
    s/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/ID/g;
    s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+]00:00)?/TIME/g; s/[0-9]+_ID/CURSOR/g'
}
if [ "$TARGET" != checkins ]; then
  cmp -s <(answer 0) <(answer 1) || echo "warning: A and B answer differently" >&2
fi

echo "machine: $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); $TARGET, $CONNECTIONS connections, $DURATION rounds"
# The server's CPU time per request (user and system, from /proc) moves
# less with the machine's neighbours than req/s and p99 do.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
echo "| round | A req/s | A p99 ms | A CPU µs/req | B req/s | B p99 ms | B CPU µs/req |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for r in $(seq 1 "$ROUNDS"); do
  line="| $r |"
  for i in 0 1; do
    t0=$(cpu_ticks "${PIDS[$i]}")
    if [ "$TARGET" = checkins ]; then
      read -r rps _ p99 bad <<<"$(TOKENS_FILE=${TOKEN_FILES[$i]} bench_measure "$WRITERS" "$DURATION" -s bench/checkin_post.lua "${URLS[$i]}")"
    else
      read -r rps _ p99 bad <<<"$(bench_measure "$CONNECTIONS" "$DURATION" -H "${HEADERS[$i]}" "${URLS[$i]}")"
    fi
    t1=$(cpu_ticks "${PIDS[$i]}")
    [ "$bad" = 0 ] || echo "warning: $bad non-2xx answers" >&2
    cpu=$(awk -v t="$(( (t1 - t0) * TICK_US ))" -v r="$rps" -v d="${DURATION%s}" 'BEGIN {printf "%.0f", t / (r * d)}')
    line="$line $rps | $p99 | $cpu |"
  done
  echo "$line"
done
