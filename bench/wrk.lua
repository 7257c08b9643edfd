-- The load of `npm run bench` when wrk is installed (bench/wrk.ts starts it). The endpoint's
-- requests are in the Lua file named by BENCH_WRK_DATA; each thread rotates over its own
-- share of them. For the document PATCH, a document is in one request at a time, with the
-- If-Match of its last ETag, so two connections never race on one version. done() writes
-- the counts and 1,000 evenly spaced latency quantiles (microseconds) to BENCH_WRK_OUT.
--
-- A thread's connections open 10 ms apart (0.3 s for 32). Opened all in the same instant,
-- some of their first answers came 100-400 ms late, from the app and from a bare Node.js
-- server alike: libuv accepts one connection per turn of a busy event loop. That one-off
-- storm would otherwise be the p99 of a 5 s run (docs/performance.md, decision 0008).

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local requests, next_request
local free, in_flight, edits = {}, {}, 0
local opened, connections = 0, 0
statuses = {}

function init()
  local data = dofile(os.getenv("BENCH_WRK_DATA"))
  local step = tonumber(os.getenv("BENCH_WRK_THREADS"))
  connections = tonumber(os.getenv("BENCH_WRK_CONNECTIONS")) / step
  if data.items then
    requests, next_request = {}, 0
    for i = thread_index + 1, #data.items, step do
      local item = data.items[i]
      local headers = { ["Authorization"] = "Bearer " .. item.token }
      if item.body then headers["Content-Type"] = "application/json" end
      table.insert(requests, wrk.format(item.method, item.path, headers, item.body))
    end
  else
    for i = thread_index + 1, #data.documents, step do table.insert(free, data.documents[i]) end
  end
end

-- Called before each request; a connection's first request is its opening.
function delay()
  if opened >= connections then return 0 end
  opened = opened + 1
  return opened * 10
end

function request()
  if requests then
    next_request = next_request % #requests + 1
    return requests[next_request]
  end
  local doc = table.remove(free, 1)
  -- Answers that name no document (errors) retire theirs; the PATCH load has 2 per connection.
  if not doc then error("no bench document left to edit: errors retired them") end
  in_flight[doc.id] = doc
  edits = edits + 1
  local body = string.format('{"content":"Edit %d.%d by the benchmark.","changeSummary":"bench edit"}', thread_index, edits)
  return wrk.format("PATCH", "/documents/" .. doc.id, {
    ["Authorization"] = "Bearer " .. doc.token,
    ["Content-Type"] = "application/json",
    ["If-Match"] = '"' .. doc.version .. '"',
  }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if requests then return end
  -- The answer names its document; one that does not (an error) leaves it retired.
  local id = body and string.match(body, '"id":"([%x-]+)"')
  local doc = id and in_flight[id]
  if not doc then return end
  in_flight[id] = nil
  local version = string.match(headers["ETag"] or headers["etag"] or "", '^"(%d+)"$')
  if status == 200 and version then doc.version = tonumber(version) end
  if status ~= 412 then table.insert(free, doc) end
end

function done(summary, latency)
  local byStatus, counts = {}, {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do byStatus[status] = (byStatus[status] or 0) + n end
  end
  for status, n in pairs(byStatus) do table.insert(counts, string.format('"%d":%d', status, n)) end
  local quantiles = {}
  if summary.requests > 0 then
    for k = 0, 999 do table.insert(quantiles, latency:percentile((k + 0.5) / 10)) end
  end
  local e = summary.errors
  local out = assert(io.open(os.getenv("BENCH_WRK_OUT"), "w"))
  out:write(string.format(
    '{"requests":%d,"durationUs":%d,"bytes":%d,"socketErrors":%d,"maxUs":%d,"statuses":{%s},"quantilesUs":[%s]}\n',
    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.timeout, latency.max,
    table.concat(counts, ","), table.concat(quantiles, ",")))
  out:close()
end
