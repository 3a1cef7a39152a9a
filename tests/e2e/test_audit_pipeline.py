"""Every tool call through the gateway lands in the audit trail, redacted, within 2 seconds."""
import json
import os
import time
import uuid

import httpx

from conftest import subject_of

MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}


def call(service_urls, key, name, arguments, extra_headers=None):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments, "_meta": MODERN_META}}
    headers = {"X-API-Key": key, "Accept": "application/json", "Content-Type": "application/json", "MCP-Protocol-Version": "2026-07-28",
               "Mcp-Method": "tools/call", "Mcp-Name": name, **(extra_headers or {})}
    return httpx.post(f"{service_urls['gateway']}/mcp", content=json.dumps(body), headers=headers, timeout=10)


def audit_events(service_urls, **filters):
    response = httpx.get(f"{service_urls['audit']}/internal/v1/audit/events", params=filters,
                         headers={"X-Tollgate-Internal-Token": os.environ["TOLLGATE_INTERNAL_TOKEN"]}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(service_urls, count, timeout=2.0, **filters):
    deadline = time.monotonic() + timeout
    while True:
        found = audit_events(service_urls, **filters)
        if found["total"] >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def mint(service_urls):
    name = f"audit-{uuid.uuid4().hex[:8]}"
    response = httpx.post(f"{service_urls['keys']}/internal/v1/keys", json={"name": name},
                          headers={"X-Tollgate-Internal-Token": os.environ["TOLLGATE_INTERNAL_TOKEN"]})
    return name, response.json()["plaintext"]


def test_calls_appear_with_correct_columns_and_redaction(service_urls):
    name, key = mint(service_urls)
    extras = {"nested": {"Password": "hunter2", "keep": 1.0, "deeper": [{"api_key": "k"}]}, "token": "t"}
    assert call(service_urls, key, "echo", {"message": "audited", "extras": extras}, {"User-Agent": "audit-e2e/1"}).status_code == 200
    assert call(service_urls, key, "error", {"category": "timeout", "message": "late"}).status_code == 200
    found = wait_for(service_urls, 2, user=subject_of(key))
    assert found["total"] == 2, "calls were not in the audit trail within 2 s"
    by_tool = {event["tool_name"]: event for event in found["events"]}

    echo = by_tool["echo"]
    assert echo["success"] is True and echo["auth_type"] == "apikey" and echo["api_key_name"] == name
    assert echo["source"] == "mcp" and echo["transport"] == "http" and echo["tool_group"] == "identity"
    assert echo["user_agent"] == "audit-e2e/1" and echo["content_blocks"] == 1 and echo["duration_ms"] >= 0
    stored = echo["parameters"]
    assert stored["message"] == "audited"
    assert stored["extras"]["nested"]["Password"] == "[redacted]"
    assert stored["extras"]["nested"]["deeper"][0]["api_key"] == "[redacted]"
    assert stored["extras"]["token"] == "[redacted]"
    assert stored["extras"]["nested"]["keep"] == 1.0
    assert len(echo["trace_id"]) == 32

    failed = by_tool["error"]
    assert failed["success"] is False and failed["error_message"] == "late" and failed["error_category"] == "timeout"

    detail = httpx.get(f"{service_urls['audit']}/internal/v1/audit/events/{echo['id']}",
                       headers={"X-Tollgate-Internal-Token": os.environ["TOLLGATE_INTERNAL_TOKEN"]}).json()
    payload = detail["payload"]
    assert payload["request_headers"]["x-api-key"] == ["[redacted]"]
    assert payload["request_params"]["extras"]["token"] == "[redacted]"
    assert payload["response_result"]["content"][0]["text"] == "audited"
    assert payload["request_truncated"] is False


def test_authentication_failures_are_recorded(service_urls):
    agent = f"bad-key-{uuid.uuid4().hex[:8]}"
    assert call(service_urls, "not-a-real-key", "echo", {"message": "x"}, {"User-Agent": agent}).status_code == 401
    deadline = time.monotonic() + 2
    while True:
        events = audit_events(service_urls, tool="(authentication)", limit=200)["events"]
        mine = [event for event in events if event["user_agent"] == agent]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(mine) == 1
    assert mine[0]["success"] is False and mine[0]["error_category"] == "auth"
