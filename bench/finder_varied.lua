-- The finder with a different day and hour window on each request, so that
-- almost every request misses the finder's per-minute answers.
math.randomseed(os.time())
request = function()
  local d = math.random(0, 6)
  local h = math.random(0, 22)
  local m = math.random(0, 59)
  return wrk.format("GET", string.format("/api/v1/meetings?day=%d&after=%02d:%02d&before=%02d:%02d", d, h, m, h + 1, m))
end
