"""portal-api end to end: every route of seed 002 against the running services."""
import json
import os
import threading
import time
import uuid

import httpx
import pytest

from conftest import subject_of
from test_audit_pipeline import call


def dev_headers(**extra):
    return {"X-API-Key": os.environ["TOLLGATE_DEV_API_KEY"], **extra}


def get(service_urls, path, key=None, **params):
    headers = {"X-API-Key": key} if key else dev_headers()
    return httpx.get(f"{service_urls['portal-api']}/api/v1/{path}", params=params, headers=headers, timeout=15)


def mint(service_urls, **body):
    body.setdefault("name", f"portal-{uuid.uuid4().hex[:10]}")
    response = httpx.post(f"{service_urls['portal-api']}/api/v1/admin/keys", json=body, headers=dev_headers(), timeout=15)
    assert response.status_code == 201, response.text
    return body["name"], response.json()["plaintext"]


def wait_events(service_urls, count, timeout=3.0, **filters):
    deadline = time.monotonic() + timeout
    while True:
        found = get(service_urls, "portal/audit/events", **filters).json()
        if found["total"] >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_credentials_are_required(service_urls):
    response = httpx.get(f"{service_urls['portal-api']}/api/v1/portal/me")
    assert response.status_code == 401
    assert response.json()["error"].startswith("authentication required")
    assert response.headers["www-authenticate"].startswith('Bearer realm="tollgate", resource_metadata="')
    bad = get(service_urls, "portal/me", key="mt_nope_not-a-key")
    assert bad.status_code == 401 and "error" in bad.json()


def test_identity_server_instructions_tools(service_urls):
    me = get(service_urls, "portal/me").json()
    assert me["subject"] == "apikey:dev" and me["auth_type"] == "apikey" and me["is_admin"] is True
    server = get(service_urls, "portal/server")
    assert server.status_code == 200
    body = server.json()
    assert body["version"] and body["config"]["internal.token"] == "[redacted]"
    assert body["config"]["postgres.password"] == "[redacted]" and body["gateway"]["config"]["auth.dev_api_key"] == "[redacted]"
    for secret in (os.environ["TOLLGATE_DEV_API_KEY"], os.environ["TOLLGATE_INTERNAL_TOKEN"], os.environ["TOLLGATE_REDIS_PASSWORD"]):
        assert secret not in server.text
    instructions = get(service_urls, "portal/instructions").json()["instructions"]
    assert instructions == body["gateway"]["instructions"] and instructions
    tools = get(service_urls, "portal/tools").json()["tools"]
    names = [tool["name"] for tool in tools]
    assert {"whoami", "echo", "headers", "fixed_response", "sized_response", "lorem", "error", "slow", "flaky", "progress",
            "long_output", "chatty"} <= set(names)
    echo = get(service_urls, "portal/tools/echo").json()
    assert echo["group"] == "identity" and echo["input_schema"]["required"] == ["message"] and echo["description"]
    unknown = get(service_urls, "portal/tools/no_such_tool")
    assert unknown.status_code == 404 and unknown.json() == {"error": "unknown tool: no_such_tool"}
    wellknown = get(service_urls, "portal/wellknown").json()
    assert wellknown["metadata"]["bearer_methods_supported"] == ["header"]
    assert wellknown["resource_metadata_url"].endswith("/.well-known/oauth-protected-resource")


def test_restricted_keys_see_their_tools_and_no_admin_routes(service_urls):
    _, key = mint(service_urls, allowed_tools=["echo", "fixed_*"])
    names = {tool["name"] for tool in get(service_urls, "portal/tools", key=key).json()["tools"]}
    assert names == {"echo", "fixed_response"}
    assert get(service_urls, "portal/tools/whoami", key=key).status_code == 404
    assert get(service_urls, "portal/me", key=key).json()["is_admin"] is False
    forbidden = get(service_urls, "admin/keys", key=key)
    assert forbidden.status_code == 403 and forbidden.json() == {"error": "this route needs the admin scope"}
    tryit = httpx.post(f"{service_urls['portal-api']}/api/v1/admin/tryit/echo", json={"arguments": {"message": "x"}}, headers={"X-API-Key": key})
    assert tryit.status_code == 403


def test_audit_meta(service_urls):
    meta = get(service_urls, "portal/audit/meta").json()
    assert meta == {"has_keys": ["request_params", "request_headers", "response_result", "response_error", "notifications", "replayed_from"],
                    "json_sources": ["param", "response", "header"], "replay": {"burst": 5, "refill_secs": 12, "sustained_min": 5},
                    "export": {"max_rows": 100000}}


@pytest.fixture(scope="module")
def recorded(service_urls):
    """Calls with distinct arguments, made once, for the filter tests: name → event."""
    name, key = mint(service_urls)
    user = subject_of(key)
    calls = {
        "alice": ("echo", {"message": "alice", "extras": {"user": {"id": "alice"}, "code": 200, "flag": True, "ratio": 1.5}}, "curl/8.0"),
        "bob": ("echo", {"message": "bob", "extras": {"user": {"id": "bob"}, "code": "200", "flag": False, "ratio": 2}}, "python-httpx/0.27"),
        "tool_error": ("error", {"message": "Disk 100% Full", "category": "tool", "as_tool": True}, "curl/8.0"),
        "protocol_error": ("error", {"message": "bad thing", "category": "protocol"}, "curl/8.0"),
    }
    for tool, arguments, agent in calls.values():
        assert call(service_urls, key, tool, arguments, {"User-Agent": agent}).status_code == 200
    found = wait_events(service_urls, len(calls), user=user)
    assert found["total"] == len(calls)
    by_message = {event["parameters"]["message"]: event for event in found["events"]}
    return user, {label: by_message[arguments["message"]] for label, (_, arguments, _) in calls.items()}


def ids(service_urls, user, **filters):
    response = get(service_urls, "portal/audit/events", user=user, **filters)
    assert response.status_code == 200, response.text
    return {event["id"] for event in response.json()["events"]}


@pytest.mark.parametrize("filters,expected", [
    ({"param.extras.user.id": "alice"}, {"alice"}),
    ({"param.extras.code": "200"}, {"alice"}),  # a bare number matches the number 200, not the string
    ({"param.extras.code": '"200"'}, {"bob"}),  # quotes force a string
    ({"param.extras.flag": "true"}, {"alice"}),
    ({"param.extras.flag": "false"}, {"bob"}),
    ({"param.extras.ratio": "1.5"}, {"alice"}),
    ({"param.extras.ratio": "2"}, {"bob"}),
    ({"response.isError": "true"}, {"tool_error"}),
    ({"header.User-Agent": "curl/8.0"}, {"alice", "tool_error", "protocol_error"}),
    ({"header.user-agent": "python-httpx/0.27"}, {"bob"}),  # names are canonicalised
    ({"header.User-Agent.x": "curl/8.0"}, {"alice", "bob", "tool_error", "protocol_error"}),  # dotted header names are dropped
    ({"param.extras..id": "alice"}, {"alice", "bob", "tool_error", "protocol_error"}),  # empty segments are dropped
    ({"has": "response_error"}, {"protocol_error"}),
    ({"has": "response_result"}, {"alice", "bob", "tool_error"}),
    ({"has": "password"}, {"alice", "bob", "tool_error", "protocol_error"}),  # unknown has= columns are dropped
    ({"tool": "error"}, {"tool_error", "protocol_error"}),
    ({"success": "false"}, {"tool_error", "protocol_error"}),
    ({"success": "true"}, {"alice", "bob"}),
    ({"q": "DISK 100%"}, {"tool_error"}),  # case-insensitive substring, % literal
    ({"q": "%"}, {"tool_error"}),
    ({"q": "_"}, set()),
    ({"param.extras.user.id": "alice", "response.isError": "true"}, set()),  # AND-combined
])
def test_event_filters(service_urls, recorded, filters, expected):
    user, events = recorded
    assert ids(service_urls, user, **filters) == {events[label]["id"] for label in expected}


def test_time_window_pagination_and_errors(service_urls, recorded):
    user, events = recorded
    first = min(event["timestamp"] for event in events.values())
    assert len(ids(service_urls, user, **{"from": "2000-01-01T00:00:00Z"})) == 4
    assert ids(service_urls, user, to="2000-01-01T00:00:00Z") == set()
    page1 = get(service_urls, "portal/audit/events", user=user, limit=3).json()
    page2 = get(service_urls, "portal/audit/events", user=user, limit=3, offset=3).json()
    assert page1["total"] == page2["total"] == 4 and len(page1["events"]) == 3 and len(page2["events"]) == 1
    assert first
    for bad in ({"limit": "0"}, {"limit": "x"}, {"limit": ""}, {"offset": ""}, {"from": "yesterday"}, {"success": "maybe"}):
        response = get(service_urls, "portal/audit/events", **bad)
        assert response.status_code == 400 and "error" in response.json(), bad


def test_single_event(service_urls, recorded):
    _, events = recorded
    event = get(service_urls, f"portal/audit/events/{events['alice']['id']}").json()
    assert event["tool_name"] == "echo" and event["payload"]["request_params"]["extras"]["ratio"] == 1.5
    assert event["payload"]["response_result"]["content"][0]["text"] == "alice"
    assert event["payload"]["request_headers"]["x-api-key"] == ["[redacted]"]
    bad = get(service_urls, "portal/audit/events/not-a-uuid")
    assert bad.status_code == 400 and bad.json() == {"error": "id must be a UUID"}
    missing = get(service_urls, f"portal/audit/events/{uuid.uuid4()}")
    assert missing.status_code == 404 and "error" in missing.json()


def test_export_streams_more_rows_than_a_page(service_urls):
    name, key = mint(service_urls)
    for index in range(60):
        assert call(service_urls, key, "echo", {"message": f"export {index}"}).status_code == 200
    user = subject_of(key)
    assert wait_events(service_urls, 60, timeout=5, user=user)["total"] == 60
    assert len(get(service_urls, "portal/audit/events", user=user).json()["events"]) == 50
    export = get(service_urls, "portal/audit/export", user=user)
    assert export.status_code == 200 and export.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in export.text.splitlines()]
    assert len(rows) == 60 and {row["parameters"]["message"] for row in rows} == {f"export {index}" for index in range(60)}
    assert get(service_urls, "portal/audit/export", user=user, format="csv").status_code == 400
    filtered = get(service_urls, "portal/audit/export", user=user, **{"param.message": "export 7"})
    assert [json.loads(line)["parameters"]["message"] for line in filtered.text.splitlines()] == ["export 7"]


def test_aggregates(service_urls, recorded):
    series = get(service_urls, "portal/audit/timeseries", bucket="1m").json()
    assert series["bucket"] == "1m0s" and len(series["points"]) >= 60
    assert sum(point["count"] for point in series["points"]) >= 4
    assert get(service_urls, "portal/audit/timeseries", bucket="soon").status_code == 400
    breakdown = get(service_urls, "portal/audit/breakdown", by="tool").json()
    assert breakdown["by"] == "tool" and {"echo", "error"} <= {row["key"] for row in breakdown["breakdown"]}
    assert get(service_urls, "portal/audit/breakdown", by="colour").status_code == 400
    dashboard = get(service_urls, "portal/dashboard").json()
    assert dashboard["window"] == "1h0m0s" and dashboard["total"] >= 4 and dashboard["errors"] >= 2
    assert dashboard["p50_ms"] is not None and dashboard["unique_tools"] >= 2 and len(dashboard["recent"]) >= 1


class Stream:
    """Reads an SSE response on a thread, collecting lines."""

    def __init__(self, url, params=None, headers=None):
        self.lines = []
        self.headers = None
        self.opened = threading.Event()
        self.client = httpx.Client(timeout=httpx.Timeout(10, read=60))
        self.thread = threading.Thread(target=self.run, args=(url, params, headers or dev_headers()), daemon=True)
        self.thread.start()
        assert self.opened.wait(10), "the stream did not open"

    def run(self, url, params, headers):
        try:
            with self.client.stream("GET", url, params=params, headers=headers) as response:
                self.headers = response.headers
                self.status = response.status_code
                self.opened.set()
                for line in response.iter_lines():
                    self.lines.append(line)
        except httpx.HTTPError:
            pass
        finally:
            self.opened.set()

    def events(self):
        return [json.loads(line[len("data: "):]) for line in list(self.lines) if line.startswith("data: ")]

    def wait(self, predicate, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            time.sleep(0.05)
        return False

    def close(self):
        self.client.close()


def test_live_stream_receives_calls_made_after_it_opened(service_urls):
    name, key = mint(service_urls)
    url = f"{service_urls['portal-api']}/api/v1/portal/audit/stream"
    everything = Stream(url)
    mine = Stream(url, params={"user": subject_of(key), "param.message": "streamed"})
    others = Stream(url, params={"user": "apikey:somebody-else"})
    try:
        assert everything.status == 200 and everything.headers["content-type"].startswith("text/event-stream")
        assert everything.headers["x-accel-buffering"] == "no"
        assert everything.wait(lambda s: ": connected" in s.lines)
        assert call(service_urls, key, "echo", {"message": "not this one"}).status_code == 200
        assert call(service_urls, key, "echo", {"message": "streamed"}).status_code == 200
        assert mine.wait(lambda s: len(s.events()) >= 1), "the filtered stream got nothing"
        assert everything.wait(lambda s: sum(e.get("user_subject") == subject_of(key) for e in s.events()) >= 2)
        time.sleep(0.5)
        got = mine.events()
        assert len(got) == 1 and got[0]["parameters"] == {"message": "streamed"} and got[0]["tool_name"] == "echo"
        assert got[0]["source"] == "mcp" and uuid.UUID(got[0]["id"])
        assert "event: audit" in mine.lines
        assert not any(e.get("user_subject") == subject_of(key) for e in others.events())
    finally:
        for stream in (everything, mine, others):
            stream.close()


def test_replay(service_urls, spawn):
    # A second portal-api replica: the replay budget is per operator, whichever replica answers.
    replica = spawn("portal-api", TOLLGATE_DRAIN_PERIOD="0s")
    replica.wait_ready()
    name, key = mint(service_urls)
    user = subject_of(key)
    assert call(service_urls, key, "echo", {"message": "again", "extras": {"n": 1.0, "big": "x" * 5000}}).status_code == 200
    assert call(service_urls, key, "echo", {"message": "secret", "extras": {"password": "hunter2"}}).status_code == 200
    events = {event["parameters"]["message"]: event for event in wait_events(service_urls, 2, user=user)["events"]}
    replay_url = f"{service_urls['portal-api']}/api/v1/portal/audit/events/{events['again']['id']}/replay"
    headers = {"X-API-Key": key, "X-Requested-With": "XMLHttpRequest"}

    no_csrf = httpx.post(replay_url, headers={"X-API-Key": key})
    assert no_csrf.status_code == 403 and "X-Requested-With" in no_csrf.json()["error"]
    redacted = httpx.post(replay_url.replace(events["again"]["id"], events["secret"]["id"]), headers=headers)
    assert redacted.status_code == 422 and "redacted" in redacted.json()["error"]
    assert httpx.post(replay_url.replace(events["again"]["id"], "nope"), headers=headers).status_code == 400
    assert httpx.post(replay_url.replace(events["again"]["id"], str(uuid.uuid4())), headers=headers).status_code == 404

    # Refusals spent no tokens: the whole burst of 5 is still there, shared by both replicas.
    replica_url = replay_url.replace(service_urls["portal-api"], replica.url)
    for attempt, url in enumerate([replay_url, replica_url, replay_url, replica_url, replay_url]):
        response = httpx.post(url, headers=headers, timeout=15)
        assert response.status_code == 200, (attempt, response.text)
        assert response.json()["content"][0]["text"] == "again" and '"n":1.0' in response.text
    for url in (replay_url, replica_url):
        limited = httpx.post(url, headers=headers)
        assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 12
        assert "error" in limited.json()

    replays = wait_events(service_urls, 5, user=user, has="replayed_from")
    assert replays["total"] == 5
    detail = get(service_urls, f"portal/audit/events/{replays['events'][0]['id']}").json()
    assert detail["source"] == "portal-replay" and detail["payload"]["replayed_from"] == events["again"]["id"]
    assert detail["parameters"]["extras"]["n"] == 1.0


def test_replay_refuses_rows_without_payload_or_tool(service_urls):
    agent = f"no-payload-{uuid.uuid4().hex[:8]}"
    assert call(service_urls, "wrong-key-wrong-key", "echo", {"message": "x"}, {"User-Agent": agent}).status_code == 401
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        failures = [e for e in get(service_urls, "portal/audit/events", tool="(authentication)", limit=200).json()["events"] if e["user_agent"] == agent]
        if failures:
            break
        time.sleep(0.05)
    assert failures
    response = httpx.post(f"{service_urls['portal-api']}/api/v1/portal/audit/events/{failures[0]['id']}/replay",
                          headers=dev_headers(**{"X-Requested-With": "XMLHttpRequest"}))
    assert response.status_code == 422 and "cannot be replayed" in response.json()["error"]


def test_admin_keys_work_on_the_gateway_until_revoked(service_urls):
    name, key = mint(service_urls, description="made by the portal test", scopes=["admin"])
    listed = {k["name"]: k for k in get(service_urls, "admin/keys").json()["keys"]}
    assert listed[name]["description"] == "made by the portal test" and listed[name]["created_by"] == "apikey:dev"
    assert "plaintext" not in listed[name] and "hash" not in listed[name]
    assert call(service_urls, key, "echo", {"message": "minted"}).status_code == 200
    duplicate = httpx.post(f"{service_urls['portal-api']}/api/v1/admin/keys", json={"name": name}, headers=dev_headers())
    assert duplicate.status_code == 409 and "error" in duplicate.json()
    for body in ("{", "[]", '{"description": "no name"}'):
        bad = httpx.post(f"{service_urls['portal-api']}/api/v1/admin/keys", content=body, headers=dev_headers(**{"Content-Type": "application/json"}))
        assert bad.status_code == 400 and "error" in bad.json(), body
    revoked = httpx.delete(f"{service_urls['portal-api']}/api/v1/admin/keys/{name}", headers=dev_headers())
    assert revoked.status_code == 204
    deadline = time.monotonic() + 1.0
    while call(service_urls, key, "echo", {"message": "after"}).status_code != 401:
        assert time.monotonic() < deadline, "a revoked key still worked after 1 s"
        time.sleep(0.02)
    again = httpx.delete(f"{service_urls['portal-api']}/api/v1/admin/keys/{name}", headers=dev_headers())
    assert again.status_code == 404 and "error" in again.json()


def test_tryit_runs_as_the_operator(service_urls):
    name, key = mint(service_urls, scopes=["admin"])
    url = f"{service_urls['portal-api']}/api/v1/admin/tryit"
    response = httpx.post(f"{url}/echo", content='{"arguments": {"message": "tried", "extras": {"x": 1.50}}}',
                          headers={"X-API-Key": key, "Content-Type": "application/json"})
    assert response.status_code == 200 and response.json()["content"][0]["text"] == "tried" and response.json()["isError"] is False
    assert '"x":1.50' in response.text  # arguments and results pass through unchanged
    whoami = httpx.post(f"{url}/whoami", json={}, headers={"X-API-Key": key}).json()
    assert whoami["structuredContent"]["subject"] == subject_of(key)
    tool_error = httpx.post(f"{url}/error", json={"arguments": {"as_tool": True}}, headers={"X-API-Key": key})
    assert tool_error.status_code == 200 and tool_error.json()["isError"] is True
    assert httpx.post(f"{url}/no_such_tool", json={}, headers={"X-API-Key": key}).status_code == 404
    assert httpx.post(f"{url}/echo", json={"arguments": []}, headers={"X-API-Key": key}).status_code == 400
    assert httpx.post(f"{url}/sized_response", json={"arguments": {"size": "big"}}, headers={"X-API-Key": key}).status_code == 422
    rows = wait_events(service_urls, 3, user=subject_of(key))["events"]
    assert {row["source"] for row in rows} == {"portal-tryit"} and {row["tool_name"] for row in rows} >= {"echo", "whoami"}


def test_cors(service_urls):
    preflight = httpx.options(f"{service_urls['portal-api']}/api/v1/portal/me", headers={
        "Origin": "https://ui.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "X-API-Key"})
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "DELETE" in preflight.headers["access-control-allow-methods"]
    assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()


def test_a_dependency_down_is_a_quick_503(spawn):
    portal = spawn("portal-api", TOLLGATE_AUDIT_URL="http://127.0.0.1:9", TOLLGATE_GATEWAY_URL="http://127.0.0.1:9", TOLLGATE_DRAIN_PERIOD="0s")
    portal.wait_ready()
    started = time.monotonic()
    for path in ("portal/audit/events", "portal/tools", "portal/dashboard", "portal/audit/export"):
        response = httpx.get(f"{portal.url}/api/v1/{path}", headers=dev_headers(), timeout=10)
        assert response.status_code == 503, (path, response.text)
        assert response.json()["error"] in ("the audit service is unavailable", "the gateway is unavailable")
    assert time.monotonic() - started < 5
    login = httpx.get(f"{portal.url}/portal/auth/login")
    assert login.status_code == 503 and "not configured" in login.json()["error"]


def test_a_stalled_stream_client_does_not_slow_the_others(service_urls):
    """A client that opens the live tail and never reads: its socket buffers fill, its events are
    dropped for it alone, and another stream still gets new events at once."""
    import socket as sockets
    from urllib.parse import urlparse
    name, key = mint(service_urls)
    portal = urlparse(service_urls["portal-api"])
    stalled = sockets.socket()
    stalled.setsockopt(sockets.SOL_SOCKET, sockets.SO_RCVBUF, 4096)
    stalled.connect((portal.hostname, portal.port))
    stalled.sendall((f"GET /api/v1/portal/audit/stream HTTP/1.1\r\nHost: {portal.netloc}\r\n"
                     f"X-API-Key: {os.environ['TOLLGATE_DEV_API_KEY']}\r\nAccept: text/event-stream\r\n\r\n").encode())
    live = Stream(f"{service_urls['portal-api']}/api/v1/portal/audit/stream", params={"user": subject_of(key), "param.message": "after the flood"})
    try:
        # Enough traffic to fill the stalled client's socket buffers many times over.
        padding = "x" * 4000
        with httpx.Client(timeout=10) as client:
            for index in range(400):
                body = {"jsonrpc": "2.0", "id": index, "method": "tools/call", "params": {
                    "name": "echo", "arguments": {"message": f"flood {index}", "extras": padding},
                    "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}}
                response = client.post(f"{service_urls['gateway']}/mcp", json=body, headers={
                    "X-API-Key": key, "Accept": "application/json", "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "echo"})
                assert response.status_code == 200
        assert wait_events(service_urls, 400, timeout=10, user=subject_of(key))["total"] == 400
        started = time.monotonic()
        assert call(service_urls, key, "echo", {"message": "after the flood"}).status_code == 200
        assert live.wait(lambda s: len(s.events()) >= 1, timeout=5), "a stalled client held up the live tail"
        assert time.monotonic() - started < 5
        assert get(service_urls, "portal/me").status_code == 200
    finally:
        stalled.close()
        live.close()
