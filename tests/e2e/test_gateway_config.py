"""Gateway behaviour that depends on configuration, each on its own gateway process."""
import json

import httpx

MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}


def call(gateway, method, params=None, headers=None):
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {**(params or {}), "_meta": MODERN_META}}
    all_headers = {"Accept": "application/json", "Content-Type": "application/json", "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
    if method == "tools/call":
        all_headers["Mcp-Name"] = params["name"]
    all_headers.update(headers or {})
    return httpx.post(f"{gateway.url}/mcp", content=json.dumps(body), headers=all_headers, timeout=10)


def test_pagination_and_fixture_groups(spawn):
    import os
    key = {"X-API-Key": os.environ["TOLLGATE_DEV_API_KEY"]}
    gateway = spawn("gateway", TOLLGATE_GATEWAY_PAGE_SIZE="5", TOLLGATE_DRAIN_PERIOD="0s")
    gateway.wait_ready()
    names, cursor, pages = [], None, 0
    while True:
        result = call(gateway, "tools/list", {"cursor": cursor} if cursor else {}, key).json()["result"]
        names += [tool["name"] for tool in result["tools"]]
        pages += 1
        cursor = result.get("nextCursor")
        if not cursor:
            break
    assert pages == 3 and len(names) == 12 and len(set(names)) == 12

    only_identity = spawn("gateway", TOLLGATE_GATEWAY_FIXTURE_GROUPS="identity", TOLLGATE_DRAIN_PERIOD="0s")
    only_identity.wait_ready()
    tools = {tool["name"] for tool in call(only_identity, "tools/list", headers=key).json()["result"]["tools"]}
    assert tools == {"whoami", "echo", "headers"}


def test_static_keys_and_anonymous_access(spawn):
    gateway = spawn("gateway", TOLLGATE_GATEWAY_STATIC_KEYS="ci-bot:static-key-0123456789abcdef:admin",
                    TOLLGATE_GATEWAY_ALLOW_ANONYMOUS="true", TOLLGATE_DRAIN_PERIOD="0s")
    gateway.wait_ready()
    who = call(gateway, "tools/call", {"name": "whoami", "arguments": {}}, {"X-API-Key": "static-key-0123456789abcdef"})
    assert who.json()["result"]["structuredContent"]["subject"] == "apikey:ci-bot"
    anonymous = call(gateway, "tools/call", {"name": "whoami", "arguments": {}})
    assert anonymous.status_code == 200
    assert anonymous.json()["result"]["structuredContent"]["auth_type"] == "anonymous"
    # A wrong key is still refused, even with anonymous access on.
    assert call(gateway, "tools/list", headers={"X-API-Key": "static-key-0123456789abcdeX"}).status_code == 401


def test_cors_origins_can_be_restricted(spawn):
    gateway = spawn("gateway", TOLLGATE_GATEWAY_CORS_ORIGINS="https://portal.example", TOLLGATE_DRAIN_PERIOD="0s")
    gateway.wait_ready()
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key"}
    allowed = httpx.options(f"{gateway.url}/mcp", headers={"Origin": "https://portal.example", **preflight})
    assert allowed.headers.get("access-control-allow-origin") == "https://portal.example"
    other = httpx.options(f"{gateway.url}/mcp", headers={"Origin": "https://elsewhere.example", **preflight})
    assert "access-control-allow-origin" not in other.headers
