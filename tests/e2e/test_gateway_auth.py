"""Gateway authentication, authorization, rate limiting and replicas, end to end."""
import json
import os
import time
import uuid

import httpx
import pytest

from conftest import subject_of

ACCEPT = "application/json, text/event-stream"
MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}


def call(url, key, method, params=None, headers=None):
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {**(params or {}), "_meta": MODERN_META}}
    all_headers = {"Content-Type": "application/json", "Accept": ACCEPT, "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
    if key is not None:
        all_headers["X-API-Key"] = key
    if method == "tools/call":
        all_headers["Mcp-Name"] = params["name"]
    all_headers.update(headers or {})
    return httpx.post(f"{url}/mcp", content=json.dumps(body), headers=all_headers, timeout=10)


@pytest.fixture
def keys_api(service_urls):
    token = os.environ["TOLLGATE_INTERNAL_TOKEN"]
    minted = []

    def mint(**fields):
        fields.setdefault("name", f"e2e-{uuid.uuid4().hex[:8]}")
        response = httpx.post(f"{service_urls['keys']}/internal/v1/keys", json=fields, headers={"X-Tollgate-Internal-Token": token})
        assert response.status_code == 201, response.text
        minted.append(fields["name"])
        return response.json()

    def revoke(name):
        response = httpx.delete(f"{service_urls['keys']}/internal/v1/keys/{name}", headers={"X-Tollgate-Internal-Token": token})
        assert response.status_code == 204

    yield mint, revoke
    for name in minted:
        httpx.delete(f"{service_urls['keys']}/internal/v1/keys/{name}", headers={"X-Tollgate-Internal-Token": token})


def test_no_credentials_get_401_with_the_resource_metadata_challenge(service_urls):
    response = call(service_urls["gateway"], None, "tools/list")
    assert response.status_code == 401
    base = service_urls["gateway"]
    assert response.headers["www-authenticate"] == f'Bearer realm="tollgate", resource_metadata="{base}/.well-known/oauth-protected-resource"'
    assert response.json()["error"]["code"] == -32003


@pytest.mark.parametrize("credential", [
    {"X-API-Key": "not-a-key"},
    {"X-API-Key": "mt_" + "0" * 16 + "_" + "1" * 64},
    {"Authorization": "Bearer mt_" + "0" * 16 + "_" + "1" * 64},
    {"Authorization": "Basic dXNlcjpwYXNz"},
])
def test_bad_credentials_are_refused(service_urls, credential):
    response = call(service_urls["gateway"], None, "tools/list", headers=credential)
    assert response.status_code == 401
    assert "www-authenticate" in response.headers


def test_database_keys_work_and_revocation_applies_within_a_second(service_urls, keys_api):
    mint, revoke = keys_api
    minted = mint()
    key, name = minted["plaintext"], minted["key"]["name"]
    ok = call(service_urls["gateway"], key, "tools/call", {"name": "whoami", "arguments": {}})
    assert ok.status_code == 200
    assert ok.json()["result"]["structuredContent"]["subject"] == subject_of(key)
    # Bearer works the same way.
    assert call(service_urls["gateway"], None, "tools/list", headers={"Authorization": f"Bearer {key}"}).status_code == 200

    revoke(name)
    revoked_at = time.monotonic()
    status = 200
    while time.monotonic() - revoked_at < 1.0:
        status = call(service_urls["gateway"], key, "tools/list").status_code
        if status == 401:
            break
        time.sleep(0.02)
    assert status == 401, "the gateway still accepted a revoked key after 1 s"
    assert call(service_urls["gateway"], key, "tools/list").json()["error"]["message"] == "API key revoked"


def test_tool_allow_lists_hide_and_refuse(service_urls, keys_api):
    mint, _ = keys_api
    key = mint(allowed_tools=["echo", "fixed_*"])["plaintext"]
    listed = call(service_urls["gateway"], key, "tools/list").json()["result"]["tools"]
    assert sorted(tool["name"] for tool in listed) == ["echo", "fixed_response"]
    refused = call(service_urls["gateway"], key, "tools/call", {"name": "whoami", "arguments": {}})
    assert refused.json()["error"]["code"] == -32602
    assert refused.json()["error"]["message"] == "unknown tool: whoami"
    allowed = call(service_urls["gateway"], key, "tools/call", {"name": "fixed_response", "arguments": {"key": "k"}})
    assert allowed.json()["result"]["isError"] is False


def test_rate_limit_answers_429_with_retry_after(spawn):
    gateway = spawn("gateway", TOLLGATE_GATEWAY_RATE_LIMIT="1", TOLLGATE_GATEWAY_RATE_BURST="3", TOLLGATE_DRAIN_PERIOD="0s")
    gateway.wait_ready()
    key = os.environ["TOLLGATE_DEV_API_KEY"]
    statuses = [call(gateway.url, key, "tools/list").status_code for _ in range(6)]
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses[3:]
    limited = call(gateway.url, key, "tools/list")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"]["message"].startswith("rate limit exceeded")


def test_two_gateways_share_sessions(spawn, service_urls):
    other = spawn("gateway", TOLLGATE_DRAIN_PERIOD="0s")
    other.wait_ready()
    key = os.environ["TOLLGATE_DEV_API_KEY"]
    headers = {"X-API-Key": key, "Content-Type": "application/json", "Accept": "application/json"}
    init = httpx.post(f"{service_urls['gateway']}/mcp", headers=headers, json={
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}})
    session = init.headers["mcp-session-id"]
    on_other = httpx.post(f"{other.url}/mcp", headers={**headers, "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"},
                          json={"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "echo", "arguments": {"message": "replica"}}})
    assert on_other.status_code == 200
    assert on_other.json()["result"]["content"][0]["text"] == "replica"
    # Another identity cannot use the session.
    assert httpx.delete(f"{other.url}/mcp", headers={"X-API-Key": key, "Mcp-Session-Id": session}).status_code == 200
    gone = httpx.post(f"{service_urls['gateway']}/mcp", headers={**headers, "Mcp-Session-Id": session},
                      json={"jsonrpc": "2.0", "id": 3, "method": "tools/list"})
    assert gone.status_code == 404
