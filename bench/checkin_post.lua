-- wrk script: POST /api/v1/checkins as many different members, one token
-- per request in turn (tokens in $TOKENS_FILE, one per line).
local tokens = {}
local n = 0

function init(args)
  for line in io.lines(os.getenv("TOKENS_FILE")) do
    if line ~= "" then tokens[#tokens + 1] = line end
  end
  assert(#tokens > 0, "no tokens in TOKENS_FILE")
end

function request()
  n = n + 1
  local token = tokens[(n % #tokens) + 1]
  local mood = (n % 5) + 1
  local body = string.format('{"mood":%d,"craving":%d,"sleep_hours":7.5,"triggers":["work"]}', mood, n % 8)
  return wrk.format("POST", "/api/v1/checkins",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end
