-- wrk script: every request creates a new link (POST /api/v1/links) with a unique destination.
-- Usage: wrk ... -s create-links.lua URL -- API_KEY
-- done() prints one machine-readable BENCH line.

local key = ""
local n = 0
local tag = ""

function init(args)
  key = args[1]
  tag = tostring(math.random(1, 1e9))
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  tag = tostring(math.random(1, 1e9))
end

function request()
  n = n + 1
  local body = '{"url":"https://www.example-shop.com/products/item-' .. tag .. '-' .. n .. '?utm_source=bounce&utm_medium=bench"}'
  return wrk.format("POST", "/api/v1/links", {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d " ..
    "non2xx=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
