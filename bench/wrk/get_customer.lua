-- GET /api/customers/{id}: one customer the user may see, at random.
dofile("bench/wrk/common.lua")

request = function()
   local s = session()
   return get("/api/customers/" .. pick(s.ids), s)
end
