# Shared by the benchmark scripts (source it): starting a server on a data
# directory, logging in, and one wrk measurement.
#
#   start_server BIN DATA PORT LOG   starts BIN serving DATA on 127.0.0.1:PORT
#                                    (logins unthrottled), sets SERVER_PID
#   api_token BASE HANDLE            prints a bearer token
#   session_cookie BASE HANDLE       prints the belay_session cookie's value
#   bench_measure CONNECTIONS DURATION wrk-args...   prints "req/s p50_ms p99_ms non2xx"

BENCH_PASSWORD="demo password for belay"

start_server() {
  local bin=$1 data=$2 port=$3 log=$4
  cat > "$data/belay.toml" <<TOML
signup_burst = 1000000
login_burst = 1000000
TOML
  BELAY_DATA_DIR="$data" BELAY_BIND="127.0.0.1:$port" BELAY_LOG=warn "$bin" --config "$data/belay.toml" serve > "$log" 2>&1 &
  SERVER_PID=$!
  # Up to five minutes: a new build migrates a filled copy before it serves.
  local _
  for _ in $(seq 1 3000); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the server on port $port did not start (see $log)" >&2
  return 1
}

api_token() {
  local answer
  answer=$(curl -s -X POST "$1/api/v1/tokens" -H 'content-type: application/json' \
    -d "{\"handle\":\"$2\",\"password\":\"$BENCH_PASSWORD\"}")
  sed -n 's/.*"token":"\([^"]*\)".*/\1/p' <<<"$answer" | grep . || { echo "no token for $2: $answer" >&2; return 1; }
}

session_cookie() {
  local jar csrf
  jar=$(mktemp)
  csrf=$(curl -fs -c "$jar" "$1/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -fs -b "$jar" -c "$jar" -o /dev/null -H 'sec-fetch-site: same-origin' \
    --data-urlencode "csrf=$csrf" --data-urlencode "handle=$2" --data-urlencode "password=$BENCH_PASSWORD" "$1/login"
  awk '$6 ~ /belay_session$/ {print $7}' "$jar" | grep . || { echo "no session for $2" >&2; rm -f "$jar"; return 1; }
  rm -f "$jar"
}

bench_measure() {
  local conns=$1 duration=$2; shift 2
  wrk -t2 -c"$conns" -d"$duration" --latency "$@" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $5 }
    END { printf "%s %.2f %.2f %d\n", rps, p50, p99, bad }'
}
