-- wrk script: each request asks for a code chosen at random from the data set's codes.txt.
-- Usage: wrk ... -s random-codes.lua URL -- CODES_FILE HOST_HEADER [close|keep-alive] [browser]
-- With "close", every request asks for Connection: close, so each one opens a new connection (over
-- TLS: a full handshake each, as wrk keeps no session to resume). With "browser", every request carries a
-- desktop Chrome's User-Agent and Accept-Language, as link rules read them.
-- done() prints one machine-readable BENCH line with throughput, latency quantiles and errors.

local codes = {}
local count = 0
local host = "127.0.0.1"
local connection = ""
local browser = ""

function init(args)
  for line in io.lines(args[1]) do
    count = count + 1
    codes[count] = line
  end
  if args[2] then host = args[2] end
  if args[3] == "close" then connection = "Connection: close\r\n" end
  if args[4] == "browser" then
    browser = "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) " ..
      "Chrome/131.0.0.0 Safari/537.36\r\nAccept-Language: en-US,en;q=0.9\r\n"
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function request()
  return "GET /" .. codes[math.random(count)] .. " HTTP/1.1\r\nHost: " .. host .. "\r\n" .. browser .. connection .. "\r\n"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d " ..
    "non3xx=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
