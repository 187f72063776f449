-- The follow-ups page as it opens: newest first, 50 a page, within the caller's scope (a rep's
-- customers' follow-ups, or a manager's ~200 people's: read through the customer).
dofile("bench/wrk/common.lua")

request = function()
   return get("/api/activities?limit=50", session())
end
