-- The customer list page: intent customers, most recently updated first.
-- BENCH_OWN=1 adds filter[owner_id]=<the user> (a rep's "my customers").
dofile("bench/wrk/common.lua")

local own = os.getenv("BENCH_OWN") == "1"
local base = "/api/customers?filter%5Bstatus%5D=intent&sort=-updated_at&limit=50"

request = function()
   local s = session()
   local path = base
   if own then path = path .. "&filter%5Bowner_id%5D=" .. s.user_id end
   return get(path, s)
end
