-- The sales dashboard: the amount of open opportunities by stage, and by the
-- month they are expected to close (two aggregate requests, taken in turn).
dofile("bench/wrk/common.lua")

local paths = {
   "/api/opportunities/aggregate?group=stage&sum=amount",
   "/api/opportunities/aggregate?group=expected_close_on%3Amonth&sum=amount",
}
local n = 0

request = function()
   n = n + 1
   return get(paths[n % #paths + 1], session())
end
