#!/usr/bin/env bash
# Groups and meetings benchmark (issue 7), on SQLite (WAL, synchronous=FULL):
#  1. import a synthetic Meeting Guide feed of MEETINGS meetings in GROUP_COUNT
#     groups with `belay import-meetings` (seconds, meetings per second);
#  2. a demo group with POSTS posts (`belay demo --group-posts`);
#  3. at CONNECTIONS connections: GET /healthz (the ceiling), the meeting
#     finder (API and page), /meetings.json, the busy group's page and its
#     threads API as a member; and single requests timing the feed's
#     generation.
#
#   bench/groups.sh
#   MEETINGS=2000 GROUP_COUNT=500 POSTS=10000 DURATION=5s bench/groups.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

MEETINGS=${MEETINGS:-20000}
GROUP_COUNT=${GROUP_COUNT:-5000}
POSTS=${POSTS:-100000}
CONNECTIONS=${CONNECTIONS:-16}
DURATION=${DURATION:-10s}
PORT=${PORT:-18586}
BASE="http://127.0.0.1:$PORT"
OUT=bench/out
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --release --quiet --bin belay
BIN=target/release/belay
SERVER=0
DATA=$(mktemp -d)
trap '[ "$SERVER" -gt 0 ] && kill "$SERVER" 2>/dev/null; rm -rf "$DATA"; true' EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/meeting_feed.py "$MEETINGS" "$GROUP_COUNT" > "$DATA/feed.json"
echo "feed: $MEETINGS meetings in $GROUP_COUNT groups, $(du -h "$DATA/feed.json" | cut -f1)"
BELAY_DATA_DIR="$DATA" BELAY_LOG=warn "$BIN" migrate > /dev/null
start=$(date +%s.%N)
BELAY_DATA_DIR="$DATA" BELAY_LOG=warn "$BIN" import-meetings "$DATA/feed.json" | head -1
took=$(echo "$(date +%s.%N) - $start" | bc)
printf 'import: %.2f s, %.0f meetings/s (one transaction)\n' "$took" "$(echo "$MEETINGS / $took" | bc -l)"
start=$(date +%s.%N)
BELAY_DATA_DIR="$DATA" BELAY_LOG=warn "$BIN" import-meetings "$DATA/feed.json" | head -1
took=$(echo "$(date +%s.%N) - $start" | bc)
printf 're-import (every meeting updated by slug): %.2f s, %.0f meetings/s\n' "$took" "$(echo "$MEETINGS / $took" | bc -l)"

FIRST=$(BELAY_DATA_DIR="$DATA" BELAY_LOG=warn "$BIN" demo --members 200 --group-posts "$POSTS" \
  | sed -n "s/^the first member's handle: //p")
python3 - "$DATA/belay.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
q = lambda s: db.execute(s).fetchone()[0]
print(f"rows: {q('select count(*) from peer_group')} groups, {q('select count(*) from meeting')} meetings, "
      f"{q('select count(*) from group_thread')} threads, {q('select count(*) from group_post')} posts")
PY

start_server "$BIN" "$DATA" "$PORT" "$OUT/groups-server.log"
SERVER=$SERVER_PID
SESSION=$(session_cookie "$BASE" "$FIRST")
[ -n "$SESSION" ] || { echo "could not log in as $FIRST" >&2; exit 1; }
page=$(curl -fs -H "Cookie: belay_session=$SESSION" "$BASE/groups/demo-group")
grep -q "Older threads" <<<"$page" || { echo "the group page did not render" >&2; exit 1; }
found=$(curl -fs "$BASE/api/v1/meetings?day=1&after=18:00&before=20:00" | grep -o '"slug"' | wc -l)
echo "the finder lists $found meetings for Monday 18:00-20:00"

echo
echo "| feed generation (single requests, after a warm-up) | ms |"
echo "| --- | ---: |"
# The server builds the feed at start-up; after a change the next request
# builds it again. Each round changes one meeting from outside the server
# (as another instance would) and times the request that rebuilds.
for i in 1 2 3 4 5; do
  python3 - "$DATA/belay.db" "$i" <<'PY'
import sqlite3, sys, datetime
db = sqlite3.connect(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f000+00:00')
db.execute("update meeting set notes = ?, updated_at = ? where rowid = (select min(rowid) from meeting)",
           (f"Changed {sys.argv[2]}", now))
db.commit()
PY
  curl -fs -o /dev/null -w '%{time_total}\n' "$BASE/meetings.json"
done | sort -n | awk '{a[NR]=$1*1000} END {printf "| `GET /meetings.json` after a change (rebuilds: query, export, JSON, digest), median of 5 (max) | %.1f (%.1f) |\n", a[3], a[5]}'
etag=$(curl -fsI "$BASE/meetings.json" | tr -d '\r' | sed -n 's/^etag: //Ip')
for i in 1 2 3 4 5; do
  curl -fs -o "$DATA/out.json" -w '%{time_total}\n' "$BASE/meetings.json"
done | sort -n | awk '{a[NR]=$1*1000} END {printf "| `GET /meetings.json` (%d meetings, cached, median of 5) | %.1f |\n", '"$MEETINGS"', a[3]}'
echo "feed size: $(du -h "$DATA/out.json" | cut -f1), $(grep -o '"slug"' "$DATA/out.json" | wc -l) entries"

measure() { local conns=$1; shift; bench_measure "$conns" "$DURATION" "$@"; }
row() { read -r rps p50 p99 bad <<<"$2"; echo "| $1 | $rps | $p50 | $p99 | $bad |"; }

echo
echo "| target ($CONNECTIONS connections, $DURATION) | req/s | p50 ms | p99 ms | non-2xx |"
echo "| --- | ---: | ---: | ---: | ---: |"
row '`GET /healthz` (ceiling)' "$(measure "$CONNECTIONS" "$BASE/healthz")"
row '`GET /api/v1/meetings?day=1&after=18:00&before=20:00`' "$(measure "$CONNECTIONS" "$BASE/api/v1/meetings?day=1&after=18:00&before=20:00")"
row '`GET /api/v1/meetings?day=D&after=HH:MM&before=…` (a different window each request: cache misses)' "$(measure "$CONNECTIONS" -s bench/finder_varied.lua "$BASE/")"
row '`GET /api/v1/meetings?q=serenity&type=O`' "$(measure "$CONNECTIONS" "$BASE/api/v1/meetings?q=serenity&type=O")"
row '`GET /api/v1/meetings?near=41.88,-87.63&day=3`' "$(measure "$CONNECTIONS" "$BASE/api/v1/meetings?near=41.88,-87.63&day=3")"
row '`GET /meetings?day=1&after=18:00&before=20:00` (finder page, with now and next)' "$(measure "$CONNECTIONS" "$BASE/meetings?day=1&after=18:00&before=20:00")"
row '`GET /meetings.json` (8 MB each)' "$(measure "$CONNECTIONS" "$BASE/meetings.json")"
row '`GET /meetings.json` with `Accept-Encoding: gzip`' "$(measure "$CONNECTIONS" -H "Accept-Encoding: gzip" "$BASE/meetings.json")"
row '`GET /meetings.json` with `If-None-Match` (304, what a polling consumer gets)' "$(measure "$CONNECTIONS" -H "If-None-Match: $etag" "$BASE/meetings.json")"
row "\`GET /groups/demo-group\` ($POSTS posts, member's session)" "$(measure "$CONNECTIONS" -H "Cookie: belay_session=$SESSION" "$BASE/groups/demo-group")"
row '`GET /api/v1/groups/demo-group/threads` (session)' "$(measure "$CONNECTIONS" -H "Cookie: belay_session=$SESSION" "$BASE/api/v1/groups/demo-group/threads")"
