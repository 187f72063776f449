-- The pipeline board's column: opportunities at the proposal stage, largest first.
dofile("bench/wrk/common.lua")

local stage = os.getenv("BENCH_STAGE") or "proposal"
local path = "/api/opportunities?filter%5Bstage%5D=" .. stage .. "&sort=-amount&limit=50"

request = function()
   return get(path, session())
end
