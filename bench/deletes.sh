#!/usr/bin/env bash
# Deletes inside the write lock: on a copy of FILLED (a data directory that
# `belay demo` filled, with its demo.txt), for MEMBERS demo members one after
# another, the wall time of deleting their first clock and then of erasing
# their account (which checks the password with Argon2 first).
#
# NOTICES=N first gives every member N notices, each from a member picked
# at random (the demo makes none; a real instance keeps every notice until
# its member goes). Into a copy from before migration 0018 they go the old
# way, and a build with 0018 migrates them when it starts, before the
# times below; into one after it, with the member each names.
#
#   FILLED=/tmp/demo bench/deletes.sh target/release/belay
#   NOTICES=20 FILLED=/tmp/demo bench/deletes.sh target/release/belay
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

[ $# -eq 1 ] || { echo "usage: FILLED=dir $0 BIN" >&2; exit 2; }
[ -n "${FILLED:-}" ] || { echo "FILLED: a data directory that belay demo filled" >&2; exit 2; }
MEMBERS=${MEMBERS:-6}
PORT=${PORT:-18994}
BASE="http://127.0.0.1:$PORT"
DATA=$(mktemp -d)
SERVER=0
trap '[ "$SERVER" -gt 0 ] && kill "$SERVER" 2>/dev/null; rm -rf "$DATA"; true' EXIT
cp "$FILLED"/belay.db* "$FILLED"/demo.txt "$DATA"/
if [ "${NOTICES:-0}" -gt 0 ]; then
  python3 - "$DATA/belay.db" "$NOTICES" <<'PY'
import json, random, sqlite3, sys, uuid
db = sqlite3.connect(sys.argv[1])
members = db.execute("select id, handle from member").fetchall()
per = int(sys.argv[2])
random.seed(7)
kinds = ["encouragement", "message", "help_request", "help_offer", "risk_nudge"]
about = any(c[1] == "about_member_id" for c in db.execute("pragma table_info(notice)"))
def rows():
    for i, (member, _) in enumerate(members):
        for j in range(per):
            sender, handle = random.choice(members)
            yield (uuid.uuid4().bytes, member, random.choice(kinds),
                   json.dumps({"from": handle}, separators=(",", ":")), f"bench:{i}:{j}",
                   f"2026-11-01T00:{j // 60 % 60:02}:{j % 60:02}.000000000+00:00",
                   sender if about else None)
columns = "id, member_id, kind, payload, dedupe_key, created_at" + (", about_member_id" if about else "")
db.executemany(f"insert into notice ({columns}) values (?, ?, ?, ?, ?, ?{', ?' if about else ''})",
               (r if about else r[:-1] for r in rows()))
db.commit()
print(f"notices: {db.execute('select count(*) from notice').fetchone()[0]}")
PY
fi
start_server "$1" "$DATA" "$PORT" "$DATA/server.log"
SERVER=$SERVER_PID
python3 - "$DATA/belay.db" "$MEMBERS" <<'PY' > "$DATA/members.txt"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (h,) in db.execute("select handle from member order by created_at limit ? offset 100", (int(sys.argv[2]),)):
    print(h)
PY
clocks=""
erasures=""
while read -r handle; do
  token=$(api_token "$BASE" "$handle")
  clock=$(curl -fs -H "Authorization: Bearer $token" "$BASE/api/v1/me/clocks" |
    python3 -c "import json, sys; d = json.load(sys.stdin); print((d.get('clocks', d) if isinstance(d, dict) else d)[0]['id'])")
  clocks="$clocks $(curl -s -o /dev/null -w '%{http_code}:%{time_total}' -X DELETE \
    -H "Authorization: Bearer $token" "$BASE/api/v1/me/clocks/$clock")"
  erasures="$erasures $(curl -s -o /dev/null -w '%{http_code}:%{time_total}' -X DELETE \
    -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"password\":\"$BENCH_PASSWORD\"}" "$BASE/api/v1/me")"
done < "$DATA/members.txt"
echo "clock deletes (status:seconds):$clocks"
echo "erasures (status:seconds):$erasures"
