-- wrk driver for bench/s3/run.sh: unsigned path-style S3 requests, GET or PUT of one object
-- size. Every request is built once in init(), so the driver costs the same for both servers
-- and little per request (wrk copies the string; no Lua work on a 1 MB body). Environment:
--   OP      get | put
--   BUCKET  the bucket
--   PREFIX  key prefix: GET reads PREFIX<i>, for i in [0, KEYS); wrk thread T PUTs PREFIX<T>/<i>
--   KEYS    how many keys (GET picks one at random; each thread's PUTs cycle through its own
--           KEYS keys, so a phase overwrites a bounded set: KEYS objects per thread)
--   BODY    PUT: the file whose bytes every PUT sends
--   ETAG    PUT: the expected ETag (the body's MD5, quoted); a 2xx answer without it counts as bad
-- done() prints one line "RESULT {json}": requests, seconds, bytes read, p50/p99 ms, non-2xx
-- answers, socket errors, bad ETags, and how many requests thread 0 sent (run.sh derives from
-- it which of thread 0's keys were last written long enough before the end to have finished).
local op = os.getenv("OP")
local bucket = os.getenv("BUCKET")
local prefix = os.getenv("PREFIX")
local keys = tonumber(os.getenv("KEYS"))
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local requests = {}

function init(args)
  math.randomseed(os.time() * 1000 + id)
  bad = 0
  local body = nil
  local headers = {}
  if op == "put" then
    local f = assert(io.open(os.getenv("BODY"), "rb"))
    body = f:read("*a")
    f:close()
    headers["Content-Type"] = "application/octet-stream"
  end
  for i = 0, keys - 1 do
    local key = op == "put" and string.format("%s%d/%d", prefix, id, i) or prefix .. i
    requests[i] = wrk.format(op == "put" and "PUT" or "GET",
                             string.format("/%s/%s", bucket, key), headers, body)
  end
  sent = 0
end

function request()
  if op == "put" then
    local r = requests[sent % keys]
    sent = sent + 1
    return r
  end
  return requests[math.random(0, keys - 1)]
end

if op == "put" then
  -- Only for PUT: with a response() wrk hands every body to Lua, which would copy each
  -- 1 MB GET answer; GET bodies are checked by the byte count and run.sh's spot checks.
  local etag = os.getenv("ETAG")
  function response(status, headers, body)
    if status >= 200 and status < 300 and (headers["ETag"] or headers["etag"]) ~= etag then
      bad = bad + 1
    end
  end
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, thread in ipairs(threads) do total_bad = total_bad + (thread:get("bad") or 0) end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%.6f,"bytes":%d,"p50":%.3f,"p99":%.3f,' ..
    '"non2xx":%d,"socket_errors":%d,"bad":%d,"sent0":%d}\n',
    summary.requests, summary.duration / 1e6, summary.bytes,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, total_bad, threads[1]:get("sent")))
end
