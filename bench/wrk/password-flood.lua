-- wrk script: a brute-force flood on one password-protected link, paced. Each request posts a wrong password from
-- another address (a random X-Forwarded-For in 10.0.0.0/8, for an edge that trusts the bench's address as its proxy).
-- Usage: wrk -t1 -c C ... -s password-flood.lua URL -- CODE HOST_HEADER RATE [get]
-- With "get", each request is a GET of CODE instead (the same traffic without a password: the bench's reference).
-- Tries leave on a schedule of RATE a second (the thread's clock, through LuaJIT's ffi: wrk's own timers are too
-- coarse to pace by a fixed delay), each on whichever of the C connections is free; a try that falls behind leaves at
-- once. done() prints one line: FLOOD sent=N status_403=N status_429=N status_503=N other=N.

local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } bounce_timespec;
  int clock_gettime(int clock, bounce_timespec *ts);
]]
local ts = ffi.new("bounce_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local code = "x"
local host = "127.0.0.1"
local period = 1
local due = nil
local get = false
local threads = {}
c403, c429, c503 = 0, 0, 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  code = args[1]
  if args[2] then host = args[2] end
  if args[3] then period = 1000 / tonumber(args[3]) end
  get = args[4] == "get"
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function delay()
  local now = now_ms()
  if due == nil then due = now end
  local wait = due - now
  due = due + period
  if wait < 0 then return 0 end
  return math.floor(wait)
end

function request()
  if get then
    return "GET /" .. code .. " HTTP/1.1\r\nHost: " .. host .. "\r\nX-Forwarded-For: 10." .. math.random(0, 255) .. "." ..
      math.random(0, 255) .. "." .. math.random(1, 254) .. "\r\n\r\n"
  end
  local body = "password=guess" .. math.random(1000000000)
  return "POST /" .. code .. " HTTP/1.1\r\nHost: " .. host .. "\r\nX-Forwarded-For: 10." .. math.random(0, 255) .. "." ..
    math.random(0, 255) .. "." .. math.random(1, 254) .. "\r\nContent-Type: application/x-www-form-urlencoded\r\n" ..
    "Content-Length: " .. #body .. "\r\n\r\n" .. body
end

function response(status, headers, body)
  if status == 403 then c403 = c403 + 1 elseif status == 429 then c429 = c429 + 1 elseif status == 503 then c503 = c503 + 1 end
end

function done(summary, latency, requests)
  -- response() counted in each thread's own Lua state: read them from there
  local a, b, c = 0, 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("c403"); b = b + thread:get("c429"); c = c + thread:get("c503")
  end
  io.write(string.format("FLOOD sent=%d status_403=%d status_429=%d status_503=%d other=%d\n", summary.requests,
    a, b, c, summary.requests - a - b - c))
end
