-- wrk script of bench/load.py: GET a list of paths in turn, as a logged-in user, and count
-- every response by status (wrk itself counts only 4xx/5xx as errors, never a 302 to the
-- login page). done() prints one line "LOAD-RESULT {json}" that bench/load.py reads.
--
--   wrk -t1 -c32 -d60s --latency -s bench/load/pages.lua http://127.0.0.1:8801 -- PATHS COOKIE
--
-- PATHS: a file with one path (and query) a line; COOKIE: a file whose first line is the
-- Cookie header value (the session of the logged-in user).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  assert(#paths > 0, "no paths in " .. args[1])
  local file = assert(io.open(args[2]))
  local cookie = file:read("*l")
  file:close()
  headers = { ["Cookie"] = cookie, ["Accept-Language"] = "en" }
  -- Threads start at different places of the list, and all go through it in the same order.
  index = ((id - 1) * 7919) % #paths
  ok = 0
  statuses = {}
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index], headers)
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  else
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local ok_total = 0
  local others = {}
  for _, thread in ipairs(threads) do
    ok_total = ok_total + thread:get("ok")
    for status, count in pairs(thread:get("statuses")) do
      others[status] = (others[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(others) do
    parts[#parts + 1] = string.format('"%d": %d', status, count)
  end
  local percentiles = {}
  for _, p in ipairs({ 50, 75, 90, 95, 99, 99.9 }) do
    percentiles[#percentiles + 1] = string.format('"%s": %d', p, latency:percentile(p))
  end
  local errors = summary.errors
  io.write(string.format(
    'LOAD-RESULT {"duration_us": %d, "requests": %d, "bytes": %d, "ok": %d, '
      .. '"other_statuses": {%s}, "socket_errors": {"connect": %d, "read": %d, "write": %d, '
      .. '"timeout": %d}, "wrk_status_errors": %d, "latency_us": {"min": %d, "mean": %.1f, '
      .. '"max": %d, "stdev": %.1f, "percentiles": {%s}}}\n',
    summary.duration, summary.requests, summary.bytes, ok_total, table.concat(parts, ", "),
    errors.connect, errors.read, errors.write, errors.timeout, errors.status,
    latency.min, latency.mean, latency.max, latency.stdev, table.concat(percentiles, ", ")
  ))
end
