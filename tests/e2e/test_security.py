"""Issue 12, attacked from outside: each finding of the probe, as a client (a plain key, no key)
would try it against the running stack. Every test here failed before the fix."""
import concurrent.futures
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from conftest import free_port, subject_of
from test_audit_pipeline import audit_events, call
from test_gateway_auth import call as mcp_call
from test_portal_api import Stream
from test_upstreams import wait_for_port

HERE = os.path.dirname(__file__)
INTERNAL = {"X-Tollgate-Internal-Token": os.environ.get("TOLLGATE_INTERNAL_TOKEN", "")}


def dev():
    return {"X-API-Key": os.environ["TOLLGATE_DEV_API_KEY"]}


def mint(service_urls, **fields):
    """A database key minted at the keys service (no portal checks): the key's JSON and plaintext."""
    fields.setdefault("name", f"sec-{uuid.uuid4().hex[:10]}")
    response = httpx.post(f"{service_urls['keys']}/internal/v1/keys", json=fields, headers=INTERNAL, timeout=15)
    assert response.status_code == 201, response.text
    return response.json()["key"], response.json()["plaintext"]


def portal(service_urls, path, key=None, method="GET", **kwargs):
    headers = {**({"X-API-Key": key} if key else dev()), **kwargs.pop("headers", {})}
    return httpx.request(method, f"{service_urls['portal-api']}/api/v1/{path}", headers=headers, timeout=30, **kwargs)


def wait_rows(service_urls, count, timeout=5.0, **filters):
    deadline = time.monotonic() + timeout
    while True:
        found = audit_events(service_urls, **filters)
        if found["total"] >= count or time.monotonic() > deadline:
            return found["events"]
        time.sleep(0.05)


def stored_event(service_urls, event_id):
    response = httpx.get(f"{service_urls['audit']}/internal/v1/audit/events/{event_id}", headers=INTERNAL, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


# 1. Redaction ---------------------------------------------------------------------------------

def test_secrets_are_redacted_in_arguments_results_and_headers(service_urls):
    _, key = mint(service_urls)
    extras = {"nested": {"Password": "hunter2-pw"}, "access_token": "tok-abc-123", "apiKey": "k-xyz-789",
              "note": json.dumps({"client_secret": "s3cr3t-in-text"}), "keep": 1.0}
    response = call(service_urls, key, "echo", {"message": "redact me", "extras": extras}, {"X-Upstream-Token": "hdr-secret-456"})
    assert response.status_code == 200
    # The caller gets its result unchanged: redaction applies to what is captured, not to answers.
    assert "hunter2-pw" in response.text
    [row] = wait_rows(service_urls, 1, user=subject_of(key))
    served = portal(service_urls, f"portal/audit/events/{row['id']}")
    assert served.status_code == 200
    for secret in ("hunter2-pw", "tok-abc-123", "k-xyz-789", "s3cr3t-in-text", "hdr-secret-456", key):
        assert secret not in served.text, secret
    payload = served.json()["payload"]
    assert payload["request_params"]["extras"]["nested"]["Password"] == "[redacted]"
    assert payload["request_params"]["extras"]["access_token"] == "[redacted]"
    assert payload["request_params"]["extras"]["apiKey"] == "[redacted]"
    assert payload["request_params"]["extras"]["keep"] == 1.0
    assert payload["request_headers"]["x-upstream-token"] == ["[redacted]"]
    assert "[redacted]" in json.dumps(payload["response_result"])

    # A tool error whose text is JSON: the error message column is redacted too, and so is
    # the error data of a JSON-RPC error.
    leaky = json.dumps({"password": "pw-in-error", "detail": "x"})
    assert call(service_urls, key, "error", {"message": leaky, "as_tool": True}).status_code == 200
    [failed] = wait_rows(service_urls, 1, user=subject_of(key), tool="error")
    stored = portal(service_urls, f"portal/audit/events/{failed['id']}")
    assert failed["success"] is False and "pw-in-error" not in stored.text and "[redacted]" in stored.json()["error_message"]


# 2. A flood of made-up keys --------------------------------------------------------------------

def metric(url, name):
    text = httpx.get(f"{url}/metrics", timeout=5).text
    match = re.search(rf"^{re.escape(name)}(?:{{[^}}]*}})? ([0-9.e+]+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_made_up_keys_cost_no_bcrypt_and_do_not_starve_a_real_key(service_urls):
    _, real = mint(service_urls)  # not yet cached anywhere
    before = metric(service_urls["keys"], "tollgate_keys_bcrypt_verifications_total")

    def attacker(_):
        fake = f"mt_{secrets.token_hex(8)}_{secrets.token_hex(32)}"
        return call(service_urls, fake, "echo", {"message": "flood"}).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=60) as pool:
        flood = [pool.submit(attacker, index) for index in range(120)]
        time.sleep(0.05)
        started = time.monotonic()
        ok = call(service_urls, real, "echo", {"message": "real"})
        elapsed = time.monotonic() - started
        statuses = [future.result() for future in flood]
    assert ok.status_code == 200, ok.text
    assert statuses.count(401) == len(statuses), statuses  # never 503: nothing queued behind bcrypt
    after = metric(service_urls["keys"], "tollgate_keys_bcrypt_verifications_total")
    # 120 made-up keys and one real one: exactly one bcrypt verification, the real key's.
    assert after - before == 1, (before, after)
    print(f"real key validated in {elapsed * 1000:.0f} ms under a flood of 120 made-up keys")


# 3. Replay of denied calls ---------------------------------------------------------------------

def test_denied_calls_and_auth_failures_cannot_be_replayed(service_urls):
    _, key = mint(service_urls, allowed_tools=["echo"])
    denied = call(service_urls, key, "whoami", {"probe": "denied"})
    assert denied.json()["error"]["message"] == "unknown tool: whoami"
    [row] = wait_rows(service_urls, 1, user=subject_of(key), tool="whoami")
    assert row["error_category"] == "denied" and row["success"] is False
    replay = portal(service_urls, f"portal/audit/events/{row['id']}/replay", method="POST", headers={"X-Requested-With": "test"})
    assert replay.status_code == 422 and "denied" in replay.json()["error"]

    agent = f"sec-auth-{uuid.uuid4().hex[:8]}"
    assert call(service_urls, "not-a-key", "echo", {"message": "x"}, {"User-Agent": agent}).status_code == 401
    [failure] = wait_rows(service_urls, 1, tool="(authentication)", **{"header.user-agent": agent})
    replay = portal(service_urls, f"portal/audit/events/{failure['id']}/replay", method="POST", headers={"X-Requested-With": "test"})
    assert replay.status_code == 422 and "authentication" in replay.json()["error"]


# 4. Allow-lists over resources and prompts -----------------------------------------------------

@pytest.fixture(scope="module")
def upstream_gateway(bin_dir):
    """A gateway federating an upstream (`fm`) that serves the prompt `greet` and the resource `note://hello`."""
    port = free_port()
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "upstream_server.py"), "http", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    gateway_port = free_port()
    env = {**os.environ, "TOLLGATE_GATEWAY_PORT": str(gateway_port), "TOLLGATE_DRAIN_PERIOD": "0s",
           "TOLLGATE_GATEWAY_UPSTREAMS": json.dumps([{"name": "fm", "transport": "http", "url": f"http://127.0.0.1:{port}/mcp"}])}
    gateway = subprocess.Popen([os.path.join(bin_dir, "gateway")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{gateway_port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                listed = mcp_call(url, os.environ["TOLLGATE_DEV_API_KEY"], "prompts/list")
                if any(p["name"] == "fm__greet" for p in listed.json()["result"]["prompts"]):
                    break
            except (httpx.HTTPError, KeyError, ValueError):
                pass
            time.sleep(0.2)
        else:
            raise AssertionError("the upstream's prompts never appeared")
        yield url
    finally:
        gateway.kill()
        server.kill()
        gateway.wait()
        server.wait()


def test_allow_lists_cover_resources_and_prompts(service_urls, upstream_gateway):
    _, echo_only = mint(service_urls, allowed_tools=["echo"])
    assert mcp_call(upstream_gateway, echo_only, "resources/list").json()["result"]["resources"] == []
    assert mcp_call(upstream_gateway, echo_only, "resources/templates/list").json()["result"]["resourceTemplates"] == []
    assert mcp_call(upstream_gateway, echo_only, "prompts/list").json()["result"]["prompts"] == []
    read = mcp_call(upstream_gateway, echo_only, "resources/read", {"uri": "note://hello"}, {"Mcp-Name": "note://hello"}).json()
    assert read["error"]["code"] == -32002 and "hello from the upstream" not in json.dumps(read)
    got = mcp_call(upstream_gateway, echo_only, "prompts/get", {"name": "fm__greet", "arguments": {"name": "x"}}, {"Mcp-Name": "fm__greet"}).json()
    assert got["error"]["message"] == "unknown prompt: fm__greet"

    _, granted = mint(service_urls, allowed_tools=["echo", "note://*", "fm__greet"])
    assert [r["uri"] for r in mcp_call(upstream_gateway, granted, "resources/list").json()["result"]["resources"]] == ["note://hello"]
    assert [p["name"] for p in mcp_call(upstream_gateway, granted, "prompts/list").json()["result"]["prompts"]] == ["fm__greet"]
    read = mcp_call(upstream_gateway, granted, "resources/read", {"uri": "note://hello"}, {"Mcp-Name": "note://hello"}).json()
    assert read["result"]["contents"][0]["text"] == "hello from the upstream"
    got = mcp_call(upstream_gateway, granted, "prompts/get", {"name": "fm__greet", "arguments": {"name": "Ada"}}, {"Mcp-Name": "fm__greet"}).json()
    assert "Ada" in json.dumps(got["result"])

    # Both are audited, allowed or denied.
    rows = wait_rows(service_urls, 2, user=subject_of(granted))
    assert sorted(row["tool_name"] for row in rows) == ["fm__greet", "note://hello"]
    assert {stored_event(service_urls, row["id"])["payload"]["jsonrpc_method"] for row in rows} == {"resources/read", "prompts/get"}
    denied = wait_rows(service_urls, 2, user=subject_of(echo_only))
    assert {row["error_category"] for row in denied} == {"denied"}


# 5. Audit rows by scope ------------------------------------------------------------------------

def test_keys_without_the_audit_scope_read_only_their_own_rows(service_urls):
    _, alice = mint(service_urls)
    _, bob = mint(service_urls)
    _, auditor = mint(service_urls, scopes=["audit"])
    marker = uuid.uuid4().hex
    alice_stream = Stream(f"{service_urls['portal-api']}/api/v1/portal/audit/stream", headers={"X-API-Key": alice})
    try:
        assert alice_stream.wait(lambda s: ": connected" in s.lines)
        assert call(service_urls, alice, "echo", {"message": f"alice {marker}"}).status_code == 200
        assert call(service_urls, bob, "echo", {"message": f"bob {marker}"}).status_code == 200
        [bob_row] = wait_rows(service_urls, 1, user=subject_of(bob))
        [alice_row] = wait_rows(service_urls, 1, user=subject_of(alice))

        mine = portal(service_urls, "portal/audit/events", alice, params={"limit": 1000}).json()
        assert {event["user_subject"] for event in mine["events"]} == {subject_of(alice)}
        assert portal(service_urls, "portal/audit/events", alice, params={"user": subject_of(bob)}).json()["total"] == 0
        assert portal(service_urls, f"portal/audit/events/{bob_row['id']}", alice).status_code == 404
        assert portal(service_urls, f"portal/audit/events/{alice_row['id']}", alice).status_code == 200
        exported = [json.loads(line) for line in portal(service_urls, "portal/audit/export", alice).text.splitlines()]
        assert exported and {event["user_subject"] for event in exported} == {subject_of(alice)}
        series = portal(service_urls, "portal/audit/timeseries", alice).json()["points"]
        assert sum(point["count"] for point in series) == 1
        breakdown = portal(service_urls, "portal/audit/breakdown", alice, params={"by": "user"}).json()["breakdown"]
        assert [entry["key"] for entry in breakdown] == [subject_of(alice)]
        dashboard = portal(service_urls, "portal/dashboard", alice).json()
        assert dashboard["total"] == 1 and {event["user_subject"] for event in dashboard["recent"]} == {subject_of(alice)}
        assert portal(service_urls, f"portal/audit/events/{bob_row['id']}/replay", alice, method="POST",
                      headers={"X-Requested-With": "test"}).status_code == 404

        # The stream delivered Alice's event and not Bob's.
        assert alice_stream.wait(lambda s: any(marker in json.dumps(e) for e in s.events()))
        time.sleep(0.5)
        assert {e["user_subject"] for e in alice_stream.events()} == {subject_of(alice)}
    finally:
        alice_stream.close()

    # The audit scope (and admin, which implies it) reads every caller's rows.
    for key in (auditor, os.environ["TOLLGATE_DEV_API_KEY"]):
        assert portal(service_urls, f"portal/audit/events/{bob_row['id']}", key).status_code == 200
        assert portal(service_urls, "portal/audit/events", key, params={"user": subject_of(bob)}).json()["total"] == 1


# 6, 7. Hostile filters -------------------------------------------------------------------------

def test_audit_filters_are_bounded(service_urls):
    many = [(f"param.k{index}", "v") for index in range(1000)]
    started = time.monotonic()
    response = portal(service_urls, "portal/audit/events", params=many)
    assert response.status_code == 400 and "at most" in response.json()["error"]
    assert time.monotonic() - started < 5
    deep = portal(service_urls, "portal/audit/events", params={"param." + ".".join(["a"] * 9): "v"})
    assert deep.status_code == 400 and "path segments" in deep.json()["error"]
    long_tool = portal(service_urls, "portal/audit/events", params={"tool": "t" * 201})
    assert long_tool.status_code == 400


@pytest.mark.parametrize("value", ["1e999999", "-1e999999", "1e-999999"])
def test_numbers_postgres_cannot_hold_are_refused_before_answering(service_urls, value):
    for route in ("portal/audit/events", "portal/audit/export", "portal/audit/stream"):
        with httpx.stream("GET", f"{service_urls['portal-api']}/api/v1/{route}", params={"param.message": value}, headers=dev(), timeout=10) as response:
            assert response.status_code == 400, route
            assert "out of range" in json.loads(response.read())["error"]


# 8. Identity from the key id -------------------------------------------------------------------

def test_a_key_named_like_the_static_key_is_someone_else(service_urls):
    minted, impostor = mint(service_urls, name="dev")
    try:
        who = call(service_urls, impostor, "whoami", {}).json()["result"]["structuredContent"]
        assert who["subject"] == f"apikey:{minted['id']}" != "apikey:dev"
        # The dev key's session is not the impostor's.
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        init = httpx.post(f"{service_urls['gateway']}/mcp", headers={**headers, **dev()}, json={
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}})
        session = init.headers["mcp-session-id"]
        hijack = httpx.post(f"{service_urls['gateway']}/mcp", headers={**headers, "X-API-Key": impostor, "Mcp-Session-Id": session,
                                                                      "MCP-Protocol-Version": "2025-11-25"},
                            json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        assert hijack.status_code == 404
        assert httpx.delete(f"{service_urls['gateway']}/mcp", headers={"X-API-Key": impostor, "Mcp-Session-Id": session}).status_code == 404
    finally:
        httpx.delete(f"{service_urls['keys']}/internal/v1/keys/dev", headers=INTERNAL)
    # The portal does not mint keys with a static key's name.
    refused = portal(service_urls, "admin/keys", method="POST", json={"name": "dev"})
    assert refused.status_code == 409 and "reserved" in refused.json()["error"]


# 9. Captured headers and client addresses ------------------------------------------------------

def test_captured_headers_are_bounded_and_the_address_is_the_peer(service_urls):
    agent = f"sec-big-{uuid.uuid4().hex[:8]}"
    response = httpx.post(f"{service_urls['gateway']}/mcp", headers={
        "User-Agent": agent, "X-Padding": "p" * 80_000, "X-Forwarded-For": "6.6.6.6", "X-Real-IP": "7.7.7.7",
        "Content-Type": "application/json", "Accept": "application/json"}, content=b"{}", timeout=10)
    assert response.status_code == 401
    [row] = wait_rows(service_urls, 1, tool="(authentication)", **{"header.user-agent": agent})
    assert row["remote_addr"] == "127.0.0.1"
    payload = stored_event(service_urls, row["id"])["payload"]
    assert len(json.dumps(payload["request_headers"])) <= 65536
    assert payload["request_headers"]["x-padding"][0].endswith("[truncated]")
    assert payload["request_remote_addr"] == "127.0.0.1"


@pytest.fixture
def edge(spawn, service_urls, tmp_path):
    """The repository's nginx edge, rendered for local ports, in front of a gateway that trusts it."""
    gateway = spawn("gateway", TOLLGATE_GATEWAY_TRUSTED_PROXIES="127.0.0.1", TOLLGATE_DRAIN_PERIOD="0s")
    gateway.wait_ready()
    port = free_port()
    root = os.environ["TOLLGATE_ROOT"]
    config = open(os.path.join(root, "deploy/nginx/nginx.conf")).read()
    config = re.sub(r"\n\s*resolver [^;]*;", "", config)
    config = config.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    config = config.replace("http://gateway:8080", gateway.url).replace("http://portal-api:8081", service_urls["portal-api"])
    config = config.replace("worker_processes auto;", "worker_processes 1;")
    shutil.copy(os.path.join(root, "deploy/nginx/tollgate-proxy.conf"), tmp_path / "tollgate-proxy.conf")
    config = config.replace("/etc/nginx/tollgate-proxy.conf", str(tmp_path / "tollgate-proxy.conf"))
    (tmp_path / "nginx.conf").write_text(config)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path),
                                "-g", f"daemon off; pid {tmp_path}/nginx.pid; error_log stderr;"], stderr=subprocess.DEVNULL)
    wait_for_port(port)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait()


def test_forwarded_for_is_believed_only_from_the_trusted_edge(service_urls, edge):
    agent = f"sec-xff-{uuid.uuid4().hex[:8]}"
    # The client connects from 127.0.0.2 and claims to be 6.6.6.6; nginx appends the real peer.
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=10) as client:
        response = client.post(f"{edge}/mcp", headers={"User-Agent": agent, "X-Forwarded-For": "6.6.6.6",
                                                        "Content-Type": "application/json", "Accept": "application/json"}, content=b"{}")
    assert response.status_code == 401
    [row] = wait_rows(service_urls, 1, tool="(authentication)", **{"header.user-agent": agent})
    assert row["remote_addr"] == "127.0.0.2"


# 10. Slow and idle connections -----------------------------------------------------------------

def closed_within(port, first_bytes, limit):
    """Seconds until the server closes a connection that sent `first_bytes` and then nothing."""
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as sock:
        if first_bytes:
            sock.sendall(first_bytes)
        started = time.monotonic()
        try:
            while sock.recv(4096):
                pass
        except socket.timeout:
            return None
        except ConnectionResetError:
            pass
        return time.monotonic() - started


def test_half_sent_and_silent_connections_are_closed(service_urls):
    ports = [int(url.rsplit(":", 1)[1]) for url in service_urls.values()]
    attempts = [(port, first) for port in ports for first in (b"GET /hea", b"")]
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        results = list(pool.map(lambda attempt: closed_within(attempt[0], attempt[1], 30), attempts))
    # http.header_timeout is 10 s by default: every connection is gone well before 30 s.
    assert all(result is not None for result in results), list(zip(attempts, results))


def test_idle_keep_alive_connections_are_closed(spawn):
    gateway = spawn("gateway", TOLLGATE_HTTP_IDLE_TIMEOUT="2s", TOLLGATE_DRAIN_PERIOD="0s")
    gateway.wait_ready()
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert b"200" in sock.recv(4096)
        started = time.monotonic()
        while sock.recv(4096):
            pass
        assert time.monotonic() - started < 15


# 11. Host --------------------------------------------------------------------------------------

def test_a_hostile_host_header_never_reaches_a_response(service_urls):
    for path, method in (("/.well-known/oauth-protected-resource", "GET"), ("/mcp", "POST")):
        response = httpx.request(method, service_urls["gateway"] + path, headers={"Host": 'a", error="x'}, timeout=10)
        assert response.status_code == 400 and response.json()["error"] == "invalid Host header"
        assert 'error="x' not in json.dumps(dict(response.headers))
    portal_response = httpx.get(f"{service_urls['portal-api']}/api/v1/portal/wellknown", headers={"Host": "evil/../x", **dev()})
    assert portal_response.status_code == 400


# 12. Configuration for admins only -------------------------------------------------------------

def test_plain_keys_do_not_see_the_configuration(service_urls):
    _, plain = mint(service_urls)
    server = portal(service_urls, "portal/server", plain)
    assert server.status_code == 200
    body = server.json()
    assert "config" not in body and "config" not in body["gateway"] and "upstreams" not in body["gateway"]
    assert body["version"] and body["gateway"]["name"]
    assert "config" in portal(service_urls, "portal/server").json()


# 13. Response headers and CSRF -----------------------------------------------------------------

def test_security_response_headers(service_urls):
    for url in service_urls.values():
        for path in ("/healthz", "/no-such-route"):
            assert httpx.get(url + path).headers.get("x-content-type-options") == "nosniff", url + path
    assert httpx.post(f"{service_urls['gateway']}/mcp", json={}).headers["x-content-type-options"] == "nosniff"
    minted = portal(service_urls, "admin/keys", method="POST", json={"name": f"sec-{uuid.uuid4().hex[:8]}"})
    assert minted.status_code == 201 and minted.headers["cache-control"] == "no-store"
    assert portal(service_urls, "portal/me").headers["cache-control"] == "no-store"
    home = httpx.get(f"{service_urls['portal-api']}/portal/")
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
    logout = httpx.post(f"{service_urls['portal-api']}/portal/auth/logout", cookies={"tollgate_session": "x"})
    assert logout.status_code == 403


# 14. Key names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [".", "..", "...", "." * 64])
def test_key_names_made_only_of_dots_are_refused(service_urls, name):
    response = portal(service_urls, "admin/keys", method="POST", json={"name": name})
    assert response.status_code == 400 and "dots" in response.json()["error"]


# 15. /metrics at the edge ----------------------------------------------------------------------

def test_metrics_are_not_routed_at_the_edge(edge):
    assert httpx.get(f"{edge}/metrics").status_code == 404
    assert httpx.get(f"{edge}/healthz").status_code == 200
    assert httpx.get(f"{edge}/internal/v1/tools").status_code == 404


# 16. The OpenAPI document and the code agree ---------------------------------------------------

def test_documented_inputs_behave_as_documented(service_urls):
    assert portal(service_urls, "portal/me", method="TRACE").status_code == 405
    same = "2026-11-30T10:00:00Z"
    assert portal(service_urls, "portal/audit/events", params={"from": same, "to": same}).status_code == 200
    assert portal(service_urls, "portal/audit/timeseries", params={"from": same, "to": same}).status_code == 200
    assert portal(service_urls, "portal/audit/events", params={"from": "2026-11-30T10:00:00+23:34"}).status_code == 200
    assert portal(service_urls, "portal/audit/events", params={"user": "u" * 201}).status_code == 400
    assert portal(service_urls, "portal/audit/events/not-a-uuid").status_code == 400
    document = httpx.get(f"{service_urls['portal-api']}/api/v1/openapi.json").json()
    assert document["paths"]["/api/v1/portal/audit/events/{id}"]["get"]["parameters"][0]["schema"]["format"] == "uuid"
