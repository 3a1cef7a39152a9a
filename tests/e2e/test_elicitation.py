"""Upstreams that ask the client for input (elicitation), through the gateway, in every pairing
of revisions: a 2026-07-28 client (`auto`) and a 2025-11-25 client (`legacy`) of the official
SDK, against an upstream the gateway speaks 2026-07-28 to (`modern`), one it speaks
2025-11-25 to over HTTP (`legacy`) and one over stdio.

- auto + modern: `input_required` and the retry pass through.
- legacy + legacy, legacy + stdio: the upstream's `elicitation/create` is relayed on the call's stream.
- auto + legacy, auto + stdio: bridged; the gateway answers `input_required` and holds the upstream call.
- legacy + modern: bridged; the gateway asks `elicitation/create` and retries upstream with the answers.
"""
import json
import os
import sys
import time
import uuid

import anyio
import httpx
import pytest
from mcp import types
from mcp.shared.exceptions import MCPError

from conftest import free_port
from mcp_client import MODES, connect
from test_security import mint
from test_upstreams import wait_for_port

pytestmark = pytest.mark.anyio
HERE = os.path.dirname(__file__)
UPSTREAMS = ["modern", "legacy", "stdio"]
MODERN = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}}}


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="module")
def elicit_upstreams():
    processes, ports = [], {}
    for name, extra in (("modern", []), ("legacy", ["--legacy"])):
        port = free_port()
        processes.append(subprocess_run([sys.executable, os.path.join(HERE, "elicit_upstream.py"), "http", str(port), *extra]))
        ports[name] = port
    for port in ports.values():
        wait_for_port(port)
    yield ports
    for process in processes:
        process.kill()
        process.wait()


def subprocess_run(command):
    import subprocess
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def gateway(spawn, elicit_upstreams):
    return start_gateway(spawn, elicit_upstreams)


def start_gateway(spawn, ports, timeout="20s"):
    upstreams = [
        {"name": "modern", "transport": "http", "url": f"http://127.0.0.1:{ports['modern']}/mcp", "timeout": timeout},
        {"name": "legacy", "transport": "http", "url": f"http://127.0.0.1:{ports['legacy']}/mcp", "timeout": timeout},
        {"name": "stdio", "transport": "stdio", "command": sys.executable, "args": [os.path.join(HERE, "elicit_upstream.py"), "stdio"], "timeout": timeout},
    ]
    process = spawn("gateway", TOLLGATE_GATEWAY_UPSTREAMS=json.dumps(upstreams), TOLLGATE_DRAIN_PERIOD="0s")
    process.wait_ready()
    url = f"{process.url}/mcp"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        names = tool_names(url)
        if {f"{name}__book" for name in UPSTREAMS} <= names:
            # The pairings the tests name are the ones spoken.
            report = httpx.get(f"{process.url}/internal/v1/upstreams", headers={"X-Tollgate-Internal-Token": os.environ.get("TOLLGATE_INTERNAL_TOKEN", "")}, timeout=10)
            versions = {entry["name"]: entry["protocol_version"] for entry in report.json()["upstreams"]}
            assert versions == {"modern": "2026-07-28", "legacy": "2025-11-25", "stdio": "2025-11-25"}, versions
            return process, url
        time.sleep(0.2)
    raise AssertionError(f"upstream tools never appeared: {names}")


def modern_headers(method, name=None, key=None):
    headers = {"X-API-Key": key or os.environ["TOLLGATE_DEV_API_KEY"], "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
    if name:
        headers["Mcp-Name"] = name
    return headers


def tool_names(url):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": MODERN}}
    response = httpx.post(url, json=body, headers=modern_headers("tools/list"), timeout=10)
    return {tool["name"] for tool in response.json().get("result", {}).get("tools", [])}


def answering(seat=None, approve=True, asked=None):
    """An elicitation callback: answers a seat question with `seat`, an approval with `approve`."""
    async def callback(context, params):
        asked.append(params.message)
        if "seat" in params.message:
            return types.ElicitResult(action="accept", content={"seat": seat})
        return types.ElicitResult(action="accept", content={"approve": approve})
    return callback


@pytest.mark.parametrize("upstream", UPSTREAMS)
@pytest.mark.parametrize("mode", MODES)
async def test_the_client_is_asked_and_its_answer_reaches_the_tool(gateway, mode, upstream):
    _, url = gateway
    asked = []
    seat = f"{uuid.uuid4().hex[:4]}A"
    async with connect(mode, url=url, elicitation_callback=answering(seat=seat, asked=asked)) as client:
        with anyio.fail_after(30):
            result = await client.call_tool(f"{upstream}__book", {"flight": "TG42"})
    assert not result.is_error, result
    assert result.content[0].text == f"booked TG42 seat {seat}"
    assert asked == ["Which seat on TG42?"]


@pytest.mark.parametrize("upstream", ["legacy", "stdio"])
@pytest.mark.parametrize("mode", MODES)
async def test_several_questions_in_one_call(gateway, mode, upstream):
    _, url = gateway
    asked = []
    async with connect(mode, url=url, elicitation_callback=answering(approve=True, asked=asked)) as client:
        with anyio.fail_after(30):
            result = await client.call_tool(f"{upstream}__confirm", {"action": "deploy"})
    assert not result.is_error, result
    assert result.content[0].text == "deploy: accept/accept [True, True]"
    assert asked == ["Approve deploy?", "Really deploy?"]


@pytest.mark.parametrize("upstream", UPSTREAMS)
@pytest.mark.parametrize("mode", MODES)
async def test_a_client_without_elicitation_gets_an_error_not_a_hang(gateway, mode, upstream):
    _, url = gateway
    async with connect(mode, url=url) as client:
        with anyio.fail_after(30):
            try:
                result = await client.call_tool(f"{upstream}__book", {"flight": "TG42"})
            except MCPError as error:
                assert "elicitation" in str(error).lower() or "capabilit" in str(error).lower(), error
                return
    assert result.is_error, result


def initialize(url, key=None):
    headers = {"X-API-Key": key or os.environ["TOLLGATE_DEV_API_KEY"], "Accept": "application/json, text/event-stream"}
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}}, "clientInfo": {"name": "raw", "version": "1"}}}
    response = httpx.post(url, json=body, headers=headers, timeout=10)
    session = response.headers["Mcp-Session-Id"]
    headers.update({"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"})
    httpx.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers, timeout=10)
    return headers


def sse_messages(response):
    for line in response.iter_lines():
        if line.startswith("data: "):
            yield json.loads(line[6:])


def test_an_answer_from_another_session_or_caller_reaches_nothing(gateway, service_urls):
    """The relayed request's id is the gateway's; answering it from another session (of the
    same key, or of another key) changes nothing; only the asking session's answer counts."""
    _, url = gateway
    owner = initialize(url)
    same_key_other_session = initialize(url)
    _, other_plaintext = mint(service_urls)
    other_key = initialize(url, key=other_plaintext)
    call = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "legacy__confirm", "arguments": {"action": "pay"}}}
    with httpx.stream("POST", url, json=call, headers=owner, timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        messages = sse_messages(response)
        question = next(messages)
        assert question["method"] == "elicitation/create"
        assert question["params"]["message"] == "Approve pay?"
        gateway_id = question["id"]
        assert isinstance(gateway_id, str) and gateway_id.startswith("tg-")
        forged = {"jsonrpc": "2.0", "id": gateway_id, "result": {"action": "accept", "content": {"approve": False}}}
        for headers in (same_key_other_session, other_key):
            assert httpx.post(url, json=forged, headers=headers, timeout=10).status_code == 202
        # Another session's answer did not count: the owner's does.
        answer = {"jsonrpc": "2.0", "id": gateway_id, "result": {"action": "accept", "content": {"approve": True}}}
        assert httpx.post(url, json=answer, headers=owner, timeout=10).status_code == 202
        second = next(messages)
        assert second["method"] == "elicitation/create" and second["id"] != gateway_id
        assert httpx.post(url, json={"jsonrpc": "2.0", "id": second["id"], "result": {"action": "decline"}}, headers=owner, timeout=10).status_code == 202
        final = next(messages)
    assert final["id"] == 7
    assert final["result"]["content"][0]["text"] == "pay: accept/decline [True, None]"


def test_a_bridged_state_is_bound_to_its_caller_and_its_round(gateway, service_urls):
    """A 2026-07-28 client of a 2025 upstream: the state the gateway hands out continues the
    call only for the caller it was given to, only once per round; a made-up one is refused."""
    _, url = gateway
    params = {"name": "legacy__book", "arguments": {"flight": "TG7"}, "_meta": MODERN}
    first = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params},
                       headers=modern_headers("tools/call", "legacy__book"), timeout=30).json()["result"]
    assert first["resultType"] == "input_required"
    (key, request), = first["inputRequests"].items()
    assert request["method"] == "elicitation/create" and request["params"]["message"] == "Which seat on TG7?"
    state = first["requestState"]
    retry = {**params, "inputResponses": {key: {"action": "accept", "content": {"seat": "9C"}}}, "requestState": state}

    _, other_plaintext = mint(service_urls)
    stolen = httpx.post(url, json={"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": retry},
                        headers=modern_headers("tools/call", "legacy__book", key=other_plaintext), timeout=30)
    assert stolen.json()["error"]["code"] == -32602, stolen.text

    prefix, replica, _, round_ = state.split("-")
    forged_state = "-".join([prefix, replica, uuid.uuid4().hex, round_])
    for bad in ({**retry, "requestState": forged_state}, {**retry, "inputResponses": {}}, {**retry, "inputResponses": {key: "yes"}}):
        refused = httpx.post(url, json={"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": bad},
                             headers=modern_headers("tools/call", "legacy__book"), timeout=30)
        assert refused.json()["error"]["code"] == -32602, refused.text

    done = httpx.post(url, json={"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": retry},
                      headers=modern_headers("tools/call", "legacy__book"), timeout=30).json()["result"]
    assert done["content"][0]["text"] == "booked TG7 seat 9C"
    assert done["resultType"] == "complete"
    replayed = httpx.post(url, json={"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": retry},
                          headers=modern_headers("tools/call", "legacy__book"), timeout=30)
    assert replayed.json()["error"]["code"] == -32602, replayed.text


def test_any_replica_continues_the_exchange(gateway, spawn, elicit_upstreams):
    """Replicas behind a load balancer: the 2026-07-28 retry, and the 2025 client's answer,
    reach another replica than the one holding the call, which goes on all the same."""
    _, url = gateway
    _, other_url = start_gateway(spawn, elicit_upstreams)

    params = {"name": "legacy__book", "arguments": {"flight": "TG9"}, "_meta": MODERN}
    first = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params},
                       headers=modern_headers("tools/call", "legacy__book"), timeout=30).json()["result"]
    (key, _), = first["inputRequests"].items()
    retry = {**params, "inputResponses": {key: {"action": "accept", "content": {"seat": "2F"}}}, "requestState": first["requestState"]}
    done = httpx.post(other_url, json={"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": retry},
                      headers=modern_headers("tools/call", "legacy__book"), timeout=30).json()
    assert done["result"]["content"][0]["text"] == "booked TG9 seat 2F", done

    owner = initialize(url)
    call = {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "stdio__book", "arguments": {"flight": "TG10"}}}
    with httpx.stream("POST", url, json=call, headers=owner, timeout=30) as response:
        messages = sse_messages(response)
        question = next(messages)
        answer = {"jsonrpc": "2.0", "id": question["id"], "result": {"action": "accept", "content": {"seat": "3B"}}}
        assert httpx.post(other_url, json=answer, headers=owner, timeout=10).status_code == 202
        final = next(messages)
    assert final["result"]["content"][0]["text"] == "booked TG10 seat 3B"


@pytest.mark.parametrize("upstream", ["legacy", "stdio"])
@pytest.mark.parametrize("mode", MODES)
async def test_an_answer_after_the_upstreams_timeout_finds_the_call_ended(spawn, elicit_upstreams, mode, upstream):
    """The upstream's timeout bounds the whole call, the person's answer included: a client
    that answers too late gets the timeout (-32001), in every pairing that holds the call."""
    _, url = start_gateway(spawn, elicit_upstreams, timeout="2s")

    async def slow(context, params):
        await anyio.sleep(3.5)
        return types.ElicitResult(action="accept", content={"seat": "late"})

    async with connect(mode, url=url, elicitation_callback=slow) as client:
        with anyio.fail_after(30):
            try:
                result = await client.call_tool(f"{upstream}__book", {"flight": "TG1"})
            except MCPError as error:
                assert error.error.code == -32001, error
                return
    raise AssertionError(f"a late answer still completed the call: {result}")
