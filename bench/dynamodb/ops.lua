-- wrk driver for bench/dynamodb/run.sh: one DynamoDB operation per request, the JSON 1.0
-- protocol written by hand (wrk is a lighter client than Node: the servers, not the driver,
-- should be what is measured). Environment:
--   OP     put | get | query
--   ITEMS  items loaded by client.mjs (pk "p<i % (ITEMS/10)>", sk i)
--   BASE   first sort key `put` writes (above ITEMS; each round passes a new one)
-- get checks that the item came back and query that the partition did; done() prints
-- "missing N" for responses without one, which run.sh counts as errors.
local op = os.getenv("OP")
local items = tonumber(os.getenv("ITEMS"))
local partitions = math.max(1, math.floor(items / 10))
local threads = {}

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810." ..
  ({put = "PutItem", get = "GetItem", query = "Query"})[op]
-- dynalite wants a syntactically valid SigV4 header; Gatehouse ignores it unless IAM is enforced.
wrk.headers["X-Amz-Date"] = "20260101T000000Z"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/" ..
  "aws4_request, SignedHeaders=host;x-amz-date, Signature=" .. string.rep("0", 64)

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  next_put = tonumber(os.getenv("BASE")) + id * 100000000
  missing = 0
end

local payload = string.rep("x", 100)

function request()
  if op == "put" then
    local i = next_put
    next_put = next_put + 1
    return wrk.format(nil, "/", nil, string.format(
      '{"TableName":"bench","Item":{"pk":{"S":"p%d"},"sk":{"N":"%d"},"payload":{"S":"%s"},' ..
      '"n":{"N":"%d"}}}', i % partitions, i, payload, i))
  end
  local i = math.random(0, items - 1)
  if op == "get" then
    return wrk.format(nil, "/", nil, string.format(
      '{"TableName":"bench","Key":{"pk":{"S":"p%d"},"sk":{"N":"%d"}}}', i % partitions, i))
  end
  return wrk.format(nil, "/", nil, string.format(
    '{"TableName":"bench","KeyConditionExpression":"pk = :p",' ..
    '"ExpressionAttributeValues":{":p":{"S":"p%d"}},"Limit":10}', i % partitions))
end

function response(status, headers, body)
  if status == 200 and ((op == "get" and not body:find('"Item"', 1, true)) or
                        (op == "query" and body:find('"Count":0', 1, true))) then
    missing = missing + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("missing") end
  io.write(string.format("missing %d\n", total))
end
