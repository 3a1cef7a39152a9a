-- wrk script: one MCP tools/call (protocol 2026-07-28, stateless) per request.
-- Environment: BENCH_TOOL (tool name), BENCH_KEY (API key, optional), BENCH_BEARER (token, optional),
-- BENCH_MODERN (0: plain JSON-RPC without the 2026 _meta, for servers that need no headers),
-- BENCH_SESSION (an MCP session id, for servers that need one), BENCH_ACCEPT (default
-- "application/json, text/event-stream", what the official SDKs send; the gateway answers JSON
-- unless there is progress to stream).
local tool = os.getenv("BENCH_TOOL") or "echo"
local key = os.getenv("BENCH_KEY")
local bearer = os.getenv("BENCH_BEARER")
local meta = ',"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
if os.getenv("BENCH_MODERN") == "0" then meta = "" end
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"' .. tool .. '","arguments":{"message":"hello"}' .. meta .. '}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = os.getenv("BENCH_ACCEPT") or "application/json, text/event-stream"
if os.getenv("BENCH_MODERN") ~= "0" then
  wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
  wrk.headers["Mcp-Method"] = "tools/call"
  wrk.headers["Mcp-Name"] = tool
end
if key then wrk.headers["X-API-Key"] = key end
local session = os.getenv("BENCH_SESSION")
if session then
  wrk.headers["Mcp-Session-Id"] = session
  wrk.headers["MCP-Protocol-Version"] = "2025-06-18"
end
if bearer then wrk.headers["Authorization"] = "Bearer " .. bearer end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
