"""Federation: the gateway in front of real MCP servers (the SDK's MCPServer) over
Streamable HTTP and stdio, driven by the official SDK client in both modes."""
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time
import uuid

import anyio
import httpx
import pytest
from mcp.shared.exceptions import MCPError

from conftest import free_port
from test_mcp_http import keep_alive_round
from mcp_client import MODES, connect

pytestmark = pytest.mark.anyio
HERE = os.path.dirname(__file__)


@pytest.fixture
def anyio_backend():
    return "asyncio"


def wait_for_port(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def markers(tmp_path):
    return tmp_path


@pytest.fixture
def http_upstream(markers):
    port = free_port()
    process = subprocess.Popen([sys.executable, os.path.join(HERE, "upstream_server.py"), "http", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "UPSTREAM_MARKERS": str(markers)})
    wait_for_port(port)
    yield process, port
    process.kill()
    process.wait()


@pytest.fixture
def federated_gateway(spawn, http_upstream, markers):
    _, port = http_upstream
    upstreams = [
        {"name": "py", "transport": "http", "url": f"http://127.0.0.1:{port}/mcp", "exclude": ["hidden"], "timeout": "5s"},
        {"name": "pyio", "transport": "stdio", "command": sys.executable, "args": [os.path.join(HERE, "upstream_server.py"), "stdio"], "include": ["echo", "steps"],
         "env": {"UPSTREAM_MARKERS": str(markers)}},
    ]
    gateway = spawn("gateway", TOLLGATE_GATEWAY_UPSTREAMS=json.dumps(upstreams), TOLLGATE_DRAIN_PERIOD="0s", TOLLGATE_GATEWAY_UPSTREAM_REFRESH="2s",
                    TOLLGATE_GATEWAY_UPSTREAM_WITHDRAW_AFTER="0s")
    gateway.wait_ready()
    url = f"{gateway.url}/mcp"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        names = tool_names(url)
        if {"py__echo", "pyio__echo"} <= names:
            return gateway, url
        time.sleep(0.2)
    raise AssertionError(f"upstream tools never appeared: {names}")


def tool_names(url):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}}
    response = httpx.post(url, json=body, headers={"X-API-Key": os.environ["TOLLGATE_DEV_API_KEY"], "Accept": "application/json",
                                                   "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/list"})
    return {tool["name"] for tool in response.json()["result"]["tools"]}


@pytest.mark.parametrize("mode", MODES)
async def test_upstream_tools_are_prefixed_and_filtered(federated_gateway, mode):
    _, url = federated_gateway
    async with connect(mode, url=url) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert {"py__echo", "py__big", "py__steps", "py__nap", "pyio__echo", "pyio__steps"} <= names
    assert "py__hidden" not in names and "pyio__big" not in names
    assert "echo" in names  # the built-in fixtures are still there


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("prefix", ["py", "pyio"])
async def test_arguments_and_results_pass_through_unchanged(federated_gateway, mode, prefix):
    _, url = federated_gateway
    # 100,000 "é": a 2026-07-28 upstream escapes each as \u00e9, 7 bytes once inside the
    # text block, and the SDK client refuses SSE events over 1 MiB (a legacy client gets SSE).
    extras = {"float": 1.0, "int": 1, "big": "é" * 100_000, "list": [0.5, None, True], "data": "data:text/plain;base64,aGk="}
    async with connect(mode, url=url) as client:
        result = await client.call_tool(f"{prefix}__echo", {"message": "through", "extras": extras})
        assert not result.is_error
        returned = json.loads(result.content[0].text)
        assert returned == {"message": "through", "extras": extras}
        # Python's 1.0 == 1, so check the types too: a gateway that rewrote 1.0 as 1 fails here.
        assert type(returned["extras"]["float"]) is float and type(returned["extras"]["int"]) is int
        big = await client.call_tool(f"{prefix}__echo" if prefix == "pyio" else "py__big", {"size": 300_000} if prefix == "py" else {"message": "x"})
        if prefix == "py":
            assert big.content[0].text == "z" * 300_000


async def test_numbers_keep_their_spelling_through_the_gateway(federated_gateway):
    _, url = federated_gateway
    body = ('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"py__echo","arguments":{"message":"n","extras":{"f":1.0,"i":1}},'
            '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}')
    response = httpx.post(url, content=body, headers={
        "X-API-Key": os.environ["TOLLGATE_DEV_API_KEY"], "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "py__echo"}, timeout=10)
    # Nothing to stream (no progress token): a JSON answer, even though the client accepts SSE.
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert data["result"]["resultType"] == "complete"
    # What the upstream received (and wrote back as text) still spells 1.0 and 1.
    upstream_saw = data["result"]["content"][0]["text"]
    assert '"f": 1.0' in upstream_saw and '"i": 1\n' in upstream_saw


@pytest.mark.parametrize("mode", MODES)
async def test_upstream_progress_is_forwarded_as_it_happens(federated_gateway, mode):
    _, url = federated_gateway
    seen = []

    async def on_progress(progress, total, message):
        seen.append((progress, message, time.monotonic()))

    async with connect(mode, url=url) as client:
        started = time.monotonic()
        result = await client.call_tool("py__steps", {"count": 3}, progress_callback=on_progress)
        finished = time.monotonic()
    assert "3 steps" in result.content[0].text
    assert [(p, m) for p, m, _ in seen] == [(1, "upstream step 1"), (2, "upstream step 2"), (3, "upstream step 3")]
    assert seen[0][2] - started < finished - started - 0.2


async def test_an_upstream_that_stops_fails_cleanly_and_alone(federated_gateway, http_upstream):
    _, url = federated_gateway
    process, _ = http_upstream
    async with connect("auto", url=url) as client:
        assert not (await client.call_tool("py__echo", {"message": "before"})).is_error
        process.kill()
        process.wait()
        with pytest.raises(MCPError) as failure:
            await client.call_tool("py__echo", {"message": "after"})
        assert failure.value.error.code == -32000
        assert "upstream py is unavailable" in failure.value.error.message
        # Everything else keeps working.
        assert not (await client.call_tool("echo", {"message": "builtin"})).is_error
        assert not (await client.call_tool("pyio__echo", {"message": "stdio"})).is_error
    names = tool_names(url)
    assert "py__echo" not in names and "pyio__echo" in names


async def test_upstream_calls_time_out_cleanly(federated_gateway):
    _, url = federated_gateway
    async with connect("legacy", url=url) as client:
        with pytest.raises(MCPError) as failure:
            await client.call_tool("py__nap", {"seconds": 10})
        assert failure.value.error.code == -32001
        assert "timed out" in failure.value.error.message


def test_catalog_snapshots_are_recorded(federated_gateway):
    rows = subprocess.run(
        ["psql", "-X", "-A", "-t", "-h", "127.0.0.1", "-p", os.environ["TOLLGATE_PG_PORT"], "-U", "postgres", "-d", "tollgate", "-c",
         "SELECT upstream || ':' || name || ':' || length(hash) FROM gateway.upstream_tools WHERE upstream IN ('py','pyio') ORDER BY 1"],
        env={**os.environ, "PGPASSWORD": os.environ["TOLLGATE_PG_SUPERUSER_PASSWORD"]}, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert "py:echo:64" in rows and "pyio:echo:64" in rows and "py:hidden:64" not in rows
    changes = subprocess.run(
        ["psql", "-X", "-A", "-t", "-h", "127.0.0.1", "-p", os.environ["TOLLGATE_PG_PORT"], "-U", "postgres", "-d", "tollgate", "-c",
         "SELECT count(*) FROM gateway.catalog_changes WHERE upstream = 'py' AND tool = 'echo' AND change = 'added'"],
        env={**os.environ, "PGPASSWORD": os.environ["TOLLGATE_PG_SUPERUSER_PASSWORD"]}, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert int(changes) >= 1


@pytest.mark.parametrize("mode", MODES)
async def test_prompts_and_resources_are_federated(federated_gateway, mode):
    _, url = federated_gateway
    async with connect(mode, url=url) as client:
        prompts = {prompt.name for prompt in (await client.list_prompts()).prompts}
        assert {"py__greet", "pyio__greet"} <= prompts
        prompt = await client.get_prompt("py__greet", {"name": "Ada"})
        assert "Please greet Ada warmly." in prompt.messages[0].content.text

        resources = {str(resource.uri) for resource in (await client.list_resources()).resources}
        assert "note://hello" in resources
        read = await client.read_resource("note://hello")
        assert read.contents[0].text == "hello from the upstream"
        templated = await client.read_resource("note://by-name/ada")
        assert templated.contents[0].text == "note for ada"
        with pytest.raises(MCPError) as missing:
            await client.read_resource("nowhere://x")
        assert missing.value.error.code == -32002


@pytest.mark.parametrize("mode", MODES)
async def test_cancelling_a_call_cancels_it_upstream_too(federated_gateway, markers, mode):
    _, url = federated_gateway
    tag = f"nap-{mode}-{time.monotonic_ns()}"
    async with connect(mode, url=url) as client:
        with anyio.move_on_after(1.0):
            await client.call_tool("py__nap", {"seconds": 4.5, "tag": tag})
    deadline = time.monotonic() + 3
    while not (markers / tag).exists() and time.monotonic() < deadline:
        await anyio.sleep(0.05)
    assert (markers / tag).exists(), "the upstream call kept running after the client cancelled"


def modern_call(url, key, name, arguments, progress_token=None, raw_arguments=None):
    """One 2026-07-28 tools/call as the SDKs send it; `raw_arguments` is spliced in as given."""
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
    if progress_token is not None:
        meta["progressToken"] = progress_token
    arguments_text = raw_arguments if raw_arguments is not None else json.dumps(arguments)
    body = ('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":%s,"arguments":%s,"_meta":%s}}'
            % (json.dumps(name), arguments_text, json.dumps(meta)))
    return httpx.post(url, content=body, timeout=30, headers={
        "X-API-Key": key, "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": name})


def sse_messages(response):
    if response.headers.get("content-type", "").startswith("application/json"):
        return [response.json()]
    return [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]


def test_arguments_cannot_smuggle_messages_into_a_stdio_upstream(federated_gateway, service_urls, markers):
    _, url = federated_gateway
    minted = httpx.post(f"{service_urls['keys']}/internal/v1/keys", json={"name": f"smuggle-{time.monotonic_ns()}", "allowed_tools": ["pyio__echo"]},
                        headers={"X-Tollgate-Internal-Token": os.environ["TOLLGATE_INTERNAL_TOKEN"]}).json()
    key = minted["plaintext"]
    smuggled = {"jsonrpc": "2.0", "id": 424242, "method": "tools/call", "params": {"name": "mark", "arguments": {"tag": "smuggled"}}}
    # Valid JSON: the embedded message sits between newlines in whitespace, and in a string.
    raw = '{"message":"hi","extras":{"inline":\n%s\n,"text":"\\n%s\\n"}}' % (json.dumps(smuggled), json.dumps(smuggled).replace('"', '\\"'))
    json.loads(raw)
    response = modern_call(url, key, "pyio__echo", None, raw_arguments=raw)
    assert response.status_code == 200, response.text
    [answer] = [m for m in sse_messages(response) if "id" in m]
    echoed = json.loads(answer["result"]["content"][0]["text"])
    assert echoed["message"] == "hi" and echoed["extras"]["inline"] == smuggled and echoed["extras"]["text"].strip() == json.dumps(smuggled)
    time.sleep(1.0)
    assert not (markers / "smuggled").exists(), "a smuggled line ran a tool the key may not call"
    # The same key cannot reach the tool directly either.
    refused = modern_call(url, key, "pyio__mark", {"tag": "direct"})
    assert "unknown tool" in refused.text and not (markers / "direct").exists()


@pytest.mark.parametrize("prefix", ["py", "pyio"])
def test_concurrent_callers_with_the_same_progress_token_get_only_their_own_progress(federated_gateway, prefix):
    _, url = federated_gateway
    key = os.environ["TOLLGATE_DEV_API_KEY"]
    counts = {"a": 3, "b": 5}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {caller: pool.submit(modern_call, url, key, f"{prefix}__steps", {"count": count}, 1) for caller, count in counts.items()}
        results = {caller: sse_messages(future.result()) for caller, future in futures.items()}
    for caller, count in counts.items():
        progress = [m for m in results[caller] if m.get("method") == "notifications/progress"]
        assert [m["params"]["progressToken"] for m in progress] == [1] * count, (caller, progress)
        assert [m["params"]["progress"] for m in progress] == list(range(1, count + 1))
        assert [m for m in results[caller] if "id" in m][0]["result"]["content"][0]["text"] == f"{count} steps"


def test_one_keep_alive_connection_serves_many_upstream_answers(federated_gateway):
    _, url = federated_gateway
    key = os.environ["TOLLGATE_DEV_API_KEY"]
    keep_alive_round(url, key, lambda index: ("py__steps", {"count": 1}) if index % 2 else ("py__echo", {"message": f"m{index}"}))


def start_upstream(markers, **env):
    port = free_port()
    process = subprocess.Popen([sys.executable, os.path.join(HERE, "upstream_server.py"), "http", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "UPSTREAM_MARKERS": str(markers), **env})
    wait_for_port(port)
    return process, port


def wait_for_tools(url, names, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if names <= tool_names(url):
            return
        time.sleep(0.2)
    raise AssertionError(f"{names} never appeared")


def test_benign_connection_closes_do_not_withdraw_tools(spawn, markers):
    # The upstream closes idle connections after 1 s; the gateway refreshes every second and
    # would withdraw the tools at the first failure (withdraw_after 0s): only the retry on a
    # fresh connection keeps them listed.
    process, port = start_upstream(markers, UPSTREAM_KEEPALIVE="1")
    try:
        upstreams = [{"name": "py", "transport": "http", "url": f"http://127.0.0.1:{port}/mcp"}]
        gateway = spawn("gateway", TOLLGATE_GATEWAY_UPSTREAMS=json.dumps(upstreams), TOLLGATE_DRAIN_PERIOD="0s",
                        TOLLGATE_GATEWAY_UPSTREAM_REFRESH="1s", TOLLGATE_GATEWAY_UPSTREAM_WITHDRAW_AFTER="0s")
        gateway.wait_ready()
        url = f"{gateway.url}/mcp"
        wait_for_tools(url, {"py__echo"})
        deadline = time.monotonic() + 12
        checks = 0
        while time.monotonic() < deadline:
            assert "py__echo" in tool_names(url), "the upstream's tools were withdrawn after a benign close"
            checks += 1
            time.sleep(0.3)
        # A call after the connection sat idle past the upstream's keep-alive also succeeds.
        time.sleep(1.5)
        assert "error" not in modern_call(url, os.environ["TOLLGATE_DEV_API_KEY"], "py__echo", {"message": "after idle"}).json()
        assert checks > 20
        assert "upstream request failed" not in gateway.stderr() and "withdrawn" not in gateway.stderr()
    finally:
        process.kill()
        process.wait()


def test_a_stateless_upstream_sees_one_request_per_call(spawn, markers):
    process, port = start_upstream(markers, UPSTREAM_STATELESS="1")
    try:
        upstreams = [{"name": "st", "transport": "http", "url": f"http://127.0.0.1:{port}/mcp"}]
        gateway = spawn("gateway", TOLLGATE_GATEWAY_UPSTREAMS=json.dumps(upstreams), TOLLGATE_DRAIN_PERIOD="0s", TOLLGATE_GATEWAY_UPSTREAM_REFRESH="1h")
        gateway.wait_ready()
        url = f"{gateway.url}/mcp"
        wait_for_tools(url, {"st__echo"})
        log = markers / "requests.log"
        before = log.read_text().splitlines()
        for index in range(5):
            answer = modern_call(url, os.environ["TOLLGATE_DEV_API_KEY"], "st__echo", {"message": f"s{index}"}).json()
            assert f"s{index}" in answer["result"]["content"][0]["text"]
        calls = log.read_text().splitlines()[len(before):]
        assert calls == ["tools/call"] * 5, calls
        # The upstream offers 2026-07-28: one probe, no handshake, and every call carries the
        # revision's headers.
        assert before.count("server/discover") == 1 and "initialize" not in before, before
        headers = [json.loads(line) for line in (markers / "headers.log").read_text().splitlines()]
        for entry in headers[-5:]:
            # Every call also continues a trace (header and _meta), checked in the trace test.
            assert entry.pop("traceparent") == entry.pop("meta_traceparent") is not None, entry
            assert entry == {"method": "tools/call", "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call",
                             "mcp-name": "echo", "mcp-session-id": None}, entry
    finally:
        process.kill()
        process.wait()


def test_a_2025_only_upstream_is_called_with_a_session(spawn, markers):
    # The upstream refuses server/discover as a 2025 server does: the gateway initializes,
    # keeps the session, and calls in 2025-11-25 (no initialize per call).
    process, port = start_upstream(markers, UPSTREAM_LEGACY="1")
    try:
        upstreams = [{"name": "old", "transport": "http", "url": f"http://127.0.0.1:{port}/mcp"}]
        gateway = spawn("gateway", TOLLGATE_GATEWAY_UPSTREAMS=json.dumps(upstreams), TOLLGATE_DRAIN_PERIOD="0s", TOLLGATE_GATEWAY_UPSTREAM_REFRESH="1h")
        gateway.wait_ready()
        url = f"{gateway.url}/mcp"
        wait_for_tools(url, {"old__echo"})
        for index in range(3):
            answer = modern_call(url, os.environ["TOLLGATE_DEV_API_KEY"], "old__echo", {"message": f"o{index}"}).json()
            assert f"o{index}" in answer["result"]["content"][0]["text"], answer
        methods = (markers / "requests.log").read_text().splitlines()
        assert methods.count("server/discover") == 1 and methods.count("initialize") == 1, methods
        assert methods.count("tools/call") == 3
        headers = [json.loads(line) for line in (markers / "headers.log").read_text().splitlines()]
        calls = [entry for entry in headers if entry["method"] == "tools/call"]
        assert all(entry["mcp-protocol-version"] == "2025-11-25" and entry["mcp-session-id"] for entry in calls), calls
        assert len({entry["mcp-session-id"] for entry in calls}) == 1
    finally:
        process.kill()
        process.wait()


def test_the_callers_trace_continues_to_the_upstream_and_into_the_audit_row(federated_gateway, markers, service_urls):
    _, url = federated_gateway
    key = os.environ["TOLLGATE_DEV_API_KEY"]
    trace_id, caller_span = uuid.uuid4().hex, "00f067aa0ba902b7"
    # The W3C header.
    answer = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "py__echo", "arguments": {"message": "traced"}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}},
        headers={"X-API-Key": key, "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2026-07-28",
                 "Mcp-Method": "tools/call", "Mcp-Name": "py__echo", "traceparent": f"00-{trace_id}-{caller_span}-01"}, timeout=30)
    assert answer.status_code == 200 and "traced" in answer.text, answer.text
    # `_meta.traceparent` (SEP-414) when there is no header; a malformed header is ignored for it.
    meta_trace = uuid.uuid4().hex
    answer = httpx.post(url, json={"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "py__echo", "arguments": {"message": "meta"}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {},
            "traceparent": f"00-{meta_trace}-{caller_span}-00"}}},
        headers={"X-API-Key": key, "Accept": "application/json", "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call",
                 "Mcp-Name": "py__echo", "traceparent": "00-NOT-A-TRACE-AT-ALL-00f067aa0ba902b7-01"}, timeout=30)
    assert answer.status_code == 200, answer.text

    calls = [json.loads(line) for line in (markers / "headers.log").read_text().splitlines() if '"tools/call"' in line]
    by_trace = {}
    for entry in calls:
        header = entry["traceparent"]
        assert header and header == entry["meta_traceparent"], entry
        by_trace[header.split("-")[1]] = header.split("-")
    version, _, span, flags = by_trace[trace_id]
    # The upstream's parent is the gateway's span, not the caller's; the sampling flag is kept.
    assert version == "00" and span != caller_span and len(span) == 16 and flags == "01", by_trace[trace_id]
    assert by_trace[meta_trace][3] == "00"

    def audited():
        events = httpx.get(f"{service_urls['audit']}/internal/v1/audit/events", params={"tool": "py__echo", "limit": 100},
                           headers={"X-Tollgate-Internal-Token": os.environ["TOLLGATE_INTERNAL_TOKEN"]}, timeout=10).json()["events"]
        return {event["trace_id"] for event in events} >= {trace_id, meta_trace}
    deadline = time.monotonic() + 15
    while not audited():
        assert time.monotonic() < deadline, "the audit rows do not carry the callers' trace ids"
        time.sleep(0.2)


class OTLPCollector:
    """A minimal OTLP/HTTP JSON receiver: keeps every span POSTed to /v1/traces."""

    def __init__(self):
        import http.server
        import threading
        spans = self.spans = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                for resource in body.get("resourceSpans", []):
                    service = {a["key"]: a["value"].get("stringValue") for a in resource.get("resource", {}).get("attributes", [])}.get("service.name")
                    for scope in resource.get("scopeSpans", []):
                        for span in scope.get("spans", []):
                            spans.append({**span, "service": service})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/traces"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def hex_id(value):
    import base64
    return base64.b64decode(value).hex()


def test_spans_are_exported_over_otlp_and_name_the_upstreams_parent(spawn, markers):
    """With otel.endpoint set, each MCP request is a server span (swift-otel, OTLP/HTTP): named
    and attributed per the MCP conventions, a child of the caller's trace, and the parent the
    upstream call names in its traceparent."""
    collector = OTLPCollector()
    process, port = start_upstream(markers)
    try:
        upstreams = [{"name": "ot", "transport": "http", "url": f"http://127.0.0.1:{port}/mcp"}]
        gateway = spawn("gateway", TOLLGATE_GATEWAY_UPSTREAMS=json.dumps(upstreams), TOLLGATE_DRAIN_PERIOD="0s",
                        TOLLGATE_GATEWAY_OTEL_ENDPOINT=collector.url, TOLLGATE_GATEWAY_OTEL_PROTOCOL="http/json",
                        TOLLGATE_GATEWAY_OTEL_SERVICE_NAME="gw-under-test", OTEL_BSP_SCHEDULE_DELAY="100")
        gateway.wait_ready()
        url = f"{gateway.url}/mcp"
        wait_for_tools(url, {"ot__echo"})
        trace_id, caller_span = uuid.uuid4().hex, "00f067aa0ba902b7"
        answer = httpx.post(url, json={"jsonrpc": "2.0", "id": 41, "method": "tools/call", "params": {
            "name": "ot__echo", "arguments": {"message": "spanned"}, "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}},
            headers={"X-API-Key": os.environ["TOLLGATE_DEV_API_KEY"], "Accept": "application/json", "MCP-Protocol-Version": "2026-07-28",
                     "Mcp-Method": "tools/call", "Mcp-Name": "ot__echo", "traceparent": f"00-{trace_id}-{caller_span}-01"}, timeout=30)
        assert answer.status_code == 200 and "spanned" in answer.text, answer.text
        assert modern_call(url, os.environ["TOLLGATE_DEV_API_KEY"], "ot__nope", {}).json()["error"]["code"] == -32602

        deadline = time.monotonic() + 20
        while not any(span["name"] == "tools/call ot__nope" for span in collector.spans):
            assert time.monotonic() < deadline, f"no spans exported: {collector.spans}"
            time.sleep(0.2)
        span = next(span for span in collector.spans if span["name"] == "tools/call ot__echo")
        attributes = {a["key"]: next(iter(a["value"].values())) for a in span["attributes"]}
        assert hex_id(span["traceId"]) == trace_id and hex_id(span["parentSpanId"]) == caller_span, span
        assert span["kind"] == 2 and span["service"] == "gw-under-test", span
        assert attributes["mcp.method.name"] == "tools/call" and attributes["gen_ai.tool.name"] == "ot__echo", attributes
        assert attributes["gen_ai.operation.name"] == "execute_tool" and attributes["jsonrpc.request.id"] == "41", attributes
        assert attributes["mcp.protocol.version"] == "2026-07-28", attributes
        failed = next(span for span in collector.spans if span["name"] == "tools/call ot__nope")
        assert {a["key"]: next(iter(a["value"].values())) for a in failed["attributes"]}["error.type"] == "-32602", failed
        assert failed.get("status", {}).get("code") == 2, failed

        # The upstream's parent is exactly the exported gateway span.
        calls = [json.loads(line) for line in (markers / "headers.log").read_text().splitlines() if '"tools/call"' in line]
        upstream_parent = next(entry["traceparent"] for entry in calls if entry["traceparent"].split("-")[1] == trace_id).split("-")[2]
        assert upstream_parent == hex_id(span["spanId"]), (upstream_parent, span)
    finally:
        collector.close()
        process.kill()
        process.wait()
