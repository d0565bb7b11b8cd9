-- GCRA rate-limit decision, run atomically by Redis (EVALSHA), for rate-limit policy: cluster.
-- KEYS[1] the bucket; ARGV[1] the interval between tokens, ARGV[2] the capacity (rate + burst).
-- Replies {allowed (1/0), tokens remaining, retry after, reset}, durations in microseconds of Redis TIME.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local window = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
local next = math.max(tat, now) + interval
if next - now > window then
  return {0, 0, next - now - window, tat - now}
end
redis.call('SET', KEYS[1], string.format('%.0f', next), 'PX', math.ceil((next - now) / 1000))
return {1, math.floor((window - (next - now)) / interval), 0, next - now}
