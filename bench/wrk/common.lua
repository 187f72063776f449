-- common.lua - shared by the wrk scenarios of bench/run.sh (loaded with dofile).
--
-- run.sh logs in with curl and writes BENCH_SESSIONS, a Lua file returning
-- { rep = { {user_id=, cookie=, csrf=, ids={...}}, ... }, director = {...} }:
-- each session's token, its CSRF token and customer ids the user may see.
-- BENCH_AS picks the group; each request goes out with a session of it.
-- done() prints one parseable line:
--   BENCH_RESULT requests=N duration_us=N rps=R p50_ms=X p90_ms=X p99_ms=X max_ms=X socket_errors=N non2xx=N

local file = os.getenv("BENCH_SESSIONS") or error("BENCH_SESSIONS is not set (run bench/run.sh)")
local group = os.getenv("BENCH_AS") or "rep"
sessions = dofile(file)[group] or error("no sessions for " .. group)

local threads = 0
function setup(thread)
   threads = threads + 1
   thread:set("thread_no", threads)
end

function init(args)
   -- a fixed seed per thread: the same run sends the same requests
   math.randomseed(20261128 + (thread_no or 0))
end

function pick(t)
   return t[math.random(#t)]
end

function session()
   return sessions[math.random(#sessions)]
end

function urlencode(s)
   return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- "a,b,c" from an environment variable, or the default list
function words(var, default)
   local out = {}
   for w in (os.getenv(var) or default):gmatch("[^,]+") do out[#out + 1] = w end
   return out
end

function get(path, s)
   return wrk.format("GET", path, { ["Cookie"] = "rapport_session=" .. s.cookie })
end

function post_json(path, s, body)
   return wrk.format("POST", path, {
      ["Cookie"] = "rapport_session=" .. s.cookie,
      ["X-CSRF-Token"] = s.csrf,
      ["Content-Type"] = "application/json",
   }, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "BENCH_RESULT requests=%d duration_us=%d rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f socket_errors=%d non2xx=%d\n",
      summary.requests, summary.duration, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, e.connect + e.read + e.write + e.timeout, e.status))
end
