-- A mixed load for the soak (bench/soak.sh): per request, at random,
-- 60 % a customer by id, 15 % the intent list page, 8 % a two-character search,
-- 5 % the pipeline column, 2 % global search, 10 % a new follow-up (a write).
dofile("bench/wrk/common.lua")

local words2 = { "华夏", "东方", "恒通", "中科", "宏达", "瑞丰" }
for i, w in ipairs(words2) do words2[i] = urlencode(w) end
local names = { urlencode("张伟"), urlencode("王芳"), urlencode("李娜") }

request = function()
   local s = session()
   local r = math.random(100)
   if r <= 60 then
      return get("/api/customers/" .. pick(s.ids), s)
   elseif r <= 75 then
      return get("/api/customers?filter%5Bstatus%5D=intent&sort=-updated_at&limit=50", s)
   elseif r <= 83 then
      return get("/api/customers?q=" .. pick(words2) .. "&limit=50", s)
   elseif r <= 88 then
      return get("/api/opportunities?filter%5Bstage%5D=proposal&sort=-amount&limit=50", s)
   elseif r <= 90 then
      return get("/api/search?q=" .. pick(names), s)
   end
   return post_json("/api/activities", s,
      string.format('{"customer_id":%d,"type":"call","subject":"soak %d"}', pick(s.ids), r))
end
