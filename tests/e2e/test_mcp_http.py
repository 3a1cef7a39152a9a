"""The MCP endpoint's HTTP contract, with raw requests: status codes, JSON-RPC errors,
headers, sessions. The SDK tests cover the happy paths; these cover what a client can get wrong."""
import json
import os
import socket

import httpx
import pytest

MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
ACCEPT = "application/json, text/event-stream"


@pytest.fixture
def mcp(service_urls):
    return f"{service_urls['gateway']}/mcp"


@pytest.fixture
def key():
    return os.environ["TOLLGATE_DEV_API_KEY"]


def modern(method, params=None, id=1):
    body = {"jsonrpc": "2.0", "id": id, "method": method, "params": {**(params or {}), "_meta": MODERN_META}}
    headers = {"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
    if method == "tools/call":
        headers["Mcp-Name"] = body["params"]["name"]
    return body, headers


def post(url, key, body, headers=None, raw=None):
    all_headers = {"X-API-Key": key, "Content-Type": "application/json", "Accept": ACCEPT, **(headers or {})}
    return httpx.post(url, content=raw if raw is not None else json.dumps(body), headers=all_headers, timeout=10)


def initialize(url, key):
    response = post(url, key, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                               "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}},
                    headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json()["result"]["protocolVersion"] == "2025-06-18"
    return response.headers["mcp-session-id"]


def test_parse_errors_and_invalid_requests(mcp, key):
    response = post(mcp, key, None, raw="{not json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == -32700
    assert response.json()["id"] is None

    response = post(mcp, key, {"jsonrpc": "1.0", "id": 5, "method": "ping"})
    assert response.json()["error"]["code"] == -32600
    assert response.json()["id"] == 5

    response = post(mcp, key, [{"jsonrpc": "2.0", "id": 1, "method": "ping"}])
    assert response.json()["error"]["code"] == -32600

    response = post(mcp, key, {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": []})
    assert response.json()["error"]["code"] == -32602


def test_unknown_methods_and_bad_params(mcp, key):
    body, headers = modern("does/not/exist")
    response = post(mcp, key, body, headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == -32601

    body, headers = modern("tools/call", {"name": "sized_response", "arguments": {"size": "big"}})
    response = post(mcp, key, body, headers)
    assert response.json()["error"]["code"] == -32602

    body, headers = modern("tools/list", {"cursor": "garbage!"})
    assert post(mcp, key, body, headers).json()["error"]["code"] == -32602


def test_modern_envelope_is_validated(mcp, key):
    body, headers = modern("tools/list")
    headers["Mcp-Method"] = "tools/call"
    response = post(mcp, key, body, headers)
    assert response.status_code == 400 and response.json()["error"]["code"] == -32020

    body, headers = modern("tools/call", {"name": "echo", "arguments": {"message": "x"}})
    headers["Mcp-Name"] = "whoami"
    assert post(mcp, key, body, headers).json()["error"]["code"] == -32020

    body = {"jsonrpc": "2.0", "id": 1, "method": "server/discover",
            "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": "2099-01-01", "io.modelcontextprotocol/clientCapabilities": {}}}}
    response = post(mcp, key, body, {"MCP-Protocol-Version": "2099-01-01", "Mcp-Method": "server/discover"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == -32022
    assert "2026-07-28" in error["data"]["supported"] and "2025-11-25" in error["data"]["supported"]

    body, headers = modern("server/discover")
    discovered = post(mcp, key, body, headers).json()["result"]
    assert discovered["resultType"] == "complete"
    assert discovered["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "tollgate"
    assert "mcp-session-id" not in post(mcp, key, body, headers).headers


def test_accept_content_type_and_body_limits(mcp, key):
    body, headers = modern("tools/list")
    assert post(mcp, key, body, {**headers, "Accept": "text/plain"}).status_code == 406
    assert post(mcp, key, body, {**headers, "Content-Type": "text/plain"}).status_code == 415
    huge = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"message": "x" * 2_000_000}}}
    assert post(mcp, key, huge, headers).status_code == 413


def test_origin_is_checked(mcp, key):
    body, headers = modern("tools/list")
    assert post(mcp, key, body, {**headers, "Origin": "https://evil.example"}).status_code == 403
    assert post(mcp, key, body, {**headers, "Origin": "http://localhost:3000"}).status_code == 200


def test_json_or_sse_by_accept(mcp, key):
    body, headers = modern("tools/call", {"name": "echo", "arguments": {"message": "x"}})
    as_json = post(mcp, key, body, {**headers, "Accept": "application/json"})
    assert as_json.headers["content-type"].startswith("application/json")
    as_sse = post(mcp, key, body, {**headers, "Accept": "text/event-stream"})
    assert as_sse.headers["content-type"].startswith("text/event-stream")
    assert as_sse.headers["x-accel-buffering"] == "no"
    event = [line for line in as_sse.text.splitlines() if line.startswith("data: ")][0]
    assert json.loads(event[6:])["result"]["content"][0]["text"] == "x"


def test_sessions_lifecycle(mcp, key):
    session = initialize(mcp, key)
    assert len(session) == 32
    listed = post(mcp, key, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
                  {"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18"})
    assert listed.status_code == 200 and listed.headers["mcp-session-id"] == session
    assert post(mcp, key, {"jsonrpc": "2.0", "method": "notifications/initialized"}, {"Mcp-Session-Id": session}).status_code == 202

    missing = post(mcp, key, {"jsonrpc": "2.0", "id": 3, "method": "tools/list"})
    assert missing.status_code == 400
    unknown = post(mcp, key, {"jsonrpc": "2.0", "id": 3, "method": "tools/list"}, {"Mcp-Session-Id": "0" * 32})
    assert unknown.status_code == 404

    ended = httpx.delete(mcp, headers={"X-API-Key": key, "Mcp-Session-Id": session})
    assert ended.status_code == 200
    after = post(mcp, key, {"jsonrpc": "2.0", "id": 4, "method": "tools/list"}, {"Mcp-Session-Id": session})
    assert after.status_code == 404
    assert httpx.delete(mcp, headers={"X-API-Key": key, "Mcp-Session-Id": session}).status_code == 404


def test_session_stream_and_get_rules(mcp, key, service_urls):
    assert httpx.get(mcp, headers={"X-API-Key": key, "Accept": "text/event-stream"}).status_code == 405
    session = initialize(mcp, key)
    with httpx.stream("GET", mcp, headers={"X-API-Key": key, "Accept": "text/event-stream", "Mcp-Session-Id": session}, timeout=5) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        first = next(stream.iter_lines())
        assert first == ": connected"
    browser = httpx.get(f"{service_urls['gateway']}/", headers={"Accept": "text/html"})
    assert browser.status_code == 302 and browser.headers["location"] == "/portal/"


def test_public_well_known_routes(service_urls):
    metadata = httpx.get(f"{service_urls['gateway']}/.well-known/oauth-protected-resource")
    assert metadata.status_code == 200
    assert metadata.json()["resource"].endswith("/mcp")
    assert metadata.json()["bearer_methods_supported"] == ["header"]
    assert httpx.get(f"{service_urls['gateway']}/.well-known/oauth-authorization-server").status_code == 404


def test_cors_preflight(mcp):
    response = httpx.options(mcp, headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
                                          "Access-Control-Request-Headers": "mcp-session-id, x-api-key"})
    assert response.status_code in (200, 204)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "mcp-session-id" in response.headers["access-control-allow-headers"].lower()


def test_status_comes_from_the_outcome_not_the_text(mcp, key):
    # A successful result whose text looks like a JSON-RPC error is still a 200 success.
    lookalike = '{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"method not found"}}'
    body, headers = modern("tools/call", {"name": "echo", "arguments": {"message": lookalike}})
    response = post(mcp, key, body, {**headers, "Accept": "application/json"})
    assert response.status_code == 200
    assert response.json()["result"]["content"][0]["text"] == lookalike
    # A real error still maps: an unknown method is 404, bad params 400 (2026-07-28).
    unknown, headers = modern("no/such/method")
    assert post(mcp, key, unknown, headers).status_code == 404


def test_one_keep_alive_connection_serves_many_answers(mcp, key):
    """100 answers in a row on one connection with the Accept header the SDKs send: JSON for a
    plain call, SSE for a call with a progress token, and the connection stays open after both."""
    keep_alive_round(mcp, key, lambda index: ("progress", {"steps": 2, "step_ms": 1}) if index % 2 else ("echo", {"message": f"m{index}"}))


def keep_alive_round(mcp, key, pick, count=100):
    """`count` tools/calls on one connection; odd ones carry a progress token (and must stream)."""
    with socket.create_connection(("127.0.0.1", int(mcp.rsplit(":", 1)[1].split("/")[0])), timeout=30) as sock:
        reader = sock.makefile("rb")
        for index in range(count):
            with_progress = index % 2 == 1
            name, arguments = pick(index)
            payload, headers = modern("tools/call", {"name": name, "arguments": arguments}, id=index)
            if with_progress:
                payload["params"]["_meta"] = {**MODERN_META, "progressToken": index}
            data = json.dumps(payload).encode()
            head = (f"POST /mcp HTTP/1.1\r\nHost: localhost\r\nX-API-Key: {key}\r\nContent-Type: application/json\r\n"
                    f"Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: {headers['MCP-Protocol-Version']}\r\n"
                    f"Mcp-Method: tools/call\r\nMcp-Name: {name}\r\nContent-Length: {len(data)}\r\n\r\n").encode()
            sock.sendall(head + data)
            status, response_headers, body = read_http_response(reader)
            assert status == 200, body
            assert response_headers.get("connection", "").lower() != "close"
            if with_progress:
                assert response_headers["content-type"].startswith("text/event-stream")
                assert body.count(b"notifications/progress") >= 1 and f'"id":{index}'.encode() in body
            else:
                assert response_headers["content-type"].startswith("application/json")
                assert f"m{index}" in json.loads(body)["result"]["content"][0]["text"]


def read_http_response(reader):
    """One HTTP/1.1 response (Content-Length or chunked) from a socket file."""
    status = int(reader.readline().split()[1])
    headers = {}
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        return status, headers, reader.read(int(headers["content-length"]))
    body = b""
    while (size := int(reader.readline().strip(), 16)) > 0:
        body += reader.read(size)
        reader.readline()
    reader.readline()
    return status, headers, body
