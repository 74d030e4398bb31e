-- wrk script for bench/run.py: rotates through prepared requests (one per line of the file given
-- after `--`: method TAB path TAB cookie TAB body), so the load comes from many signed-in users.
-- Prints one BENCH_JSON line with counts and latency percentiles (microseconds) at the end.

local requests_ = {}
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    if cookie ~= "" then headers["Cookie"] = cookie end
    if body == "" then
      body = nil
    else
      headers["Content-Type"] = "application/x-www-form-urlencoded"
    end
    table.insert(requests_, wrk.format(method, path, headers, body))
  end
  -- threads start at different lines so they do not march in step
  counter = (id or 0) * 7919
end

function request()
  counter = counter + 1
  return requests_[(counter % #requests_) + 1]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d}, "mean_us": %.1f, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
