-- GET /api/customers?q=<word>: the customer list's search box.
-- BENCH_WORDS: comma-separated words, one at random per request.
dofile("bench/wrk/common.lua")

local list = words("BENCH_WORDS", "华夏,东方,恒通,中科,宏达,瑞丰")
for i, w in ipairs(list) do list[i] = urlencode(w) end

request = function()
   return get("/api/customers?q=" .. pick(list) .. "&limit=50", session())
end
