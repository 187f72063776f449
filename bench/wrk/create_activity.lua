-- POST /api/activities: log a follow-up call on one of the user's customers
-- (the hook then moves the customer's last contacted time: two writes).
dofile("bench/wrk/common.lua")

local subjects = { "电话回访", "跟进报价反馈", "确认交货时间", "Follow-up call" }

request = function()
   local s = session()
   local body = string.format('{"customer_id":%d,"type":"call","subject":"%s（压测）"}',
      pick(s.ids), pick(subjects))
   return post_json("/api/activities", s, body)
end
