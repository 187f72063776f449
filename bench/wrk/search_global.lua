-- GET /api/search?q=<word>: the global search box (every searchable entity, 10 each).
dofile("bench/wrk/common.lua")

local list = words("BENCH_WORDS", "张伟,王芳,李娜")
for i, w in ipairs(list) do list[i] = urlencode(w) end

request = function()
   return get("/api/search?q=" .. pick(list), session())
end
