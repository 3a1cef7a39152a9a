"""The official MCP Python SDK against the running gateway, in both protocol generations:
mode="auto" negotiates 2026-07-28 (stateless), mode="legacy" the 2025-11-25 handshake."""
import asyncio
import hashlib
import json
import time

import anyio
import httpx
import pytest
from mcp.shared.exceptions import MCPError

from mcp_client import MODES, connect

pytestmark = pytest.mark.anyio

FIXTURES = {
    "whoami", "echo", "headers", "fixed_response", "sized_response", "lorem",
    "error", "slow", "flaky", "progress", "long_output", "chatty",
}


@pytest.fixture
def anyio_backend():
    return "asyncio"


def text(result):
    return "".join(block.text for block in result.content if block.type == "text")


@pytest.mark.parametrize("mode", MODES)
async def test_negotiates_the_expected_protocol(mode):
    async with connect(mode) as client:
        tools = await client.list_tools()
        assert FIXTURES <= {tool.name for tool in tools.tools}
        session = client.session
        if mode == "auto":
            assert session.discover_result is not None
            assert "2026-07-28" in session.discover_result.supported_versions
        else:
            assert session.initialize_result is not None
            assert session.initialize_result.protocol_version == "2025-11-25"
            assert session.initialize_result.server_info.name == "tollgate"


@pytest.mark.parametrize("mode", MODES)
async def test_identity_tools(mode):
    async with connect(mode) as client:
        who = await client.call_tool("whoami", {})
        assert who.structured_content["subject"] == "apikey:dev"
        assert who.structured_content["auth_type"] == "apikey"

        extras = {"n": 1.0, "m": 1, "big": "x" * 100_000, "nested": [{"a": None, "b": True}], "data": "data:image/png;base64,AAAA"}
        echo = await client.call_tool("echo", {"message": "héllo", "extras": extras})
        assert not echo.is_error
        assert text(echo) == "héllo"
        assert echo.structured_content["extras"] == extras

        headers = await client.call_tool("headers", {})
        received = headers.structured_content["headers"]
        assert received["x-api-key"] == ["[redacted]"]
        assert "accept" in received


async def test_echo_keeps_numbers_exactly_as_written(service_urls):
    """Byte transparency, checked on the wire (Python's json would turn 1.0 into 1.0 but 1e3 into 1000.0)."""
    body = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"message":"m","extras":{"a":1.0,"b":1,"c":1e3,"d":-0.50}},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
    from mcp_client import dev_key
    response = httpx.post(
        f"{service_urls['gateway']}/mcp", content=body,
        headers={"X-API-Key": dev_key(), "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                 "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "echo"},
    )
    assert response.status_code == 200
    assert '"extras":{"a":1.0,"b":1,"c":1e3,"d":-0.50}' in response.text


@pytest.mark.parametrize("mode", MODES)
async def test_data_tools(mode):
    async with connect(mode) as client:
        fixed = await client.call_tool("fixed_response", {"key": "alpha"})
        digest = hashlib.sha256(b"alpha").hexdigest()
        assert fixed.structured_content == {"key": "alpha", "hash": digest, "body": f"fixed[alpha]: {digest}"}

        sized = await client.call_tool("sized_response", {"size": 70})
        assert text(sized) == ("abcdefghijklmnopqrstuvwxyz" * 3)[:70]
        assert text(await client.call_tool("sized_response", {"size": 0})) == ""

        first = await client.call_tool("lorem", {"words": 12, "seed": "s1"})
        again = await client.call_tool("lorem", {"words": 12, "seed": "s1"})
        other = await client.call_tool("lorem", {"words": 12, "seed": "s2"})
        assert text(first) == text(again) != text(other)
        assert len(text(first).split(" ")) == 12
        assert len(text(await client.call_tool("lorem", {})).split(" ")) == 50


@pytest.mark.parametrize("mode", MODES)
async def test_tool_errors_and_protocol_errors_are_kept_apart(mode):
    async with connect(mode) as client:
        as_tool = await client.call_tool("error", {"message": "boom", "category": "timeout", "as_tool": True})
        assert as_tool.is_error
        assert text(as_tool) == "boom"

        with pytest.raises(MCPError) as protocol:
            await client.call_tool("error", {"message": "kaput", "category": "auth"})
        assert protocol.value.error.code == -32003
        assert protocol.value.error.message == "kaput"

        with pytest.raises(MCPError) as unknown:
            await client.call_tool("no_such_tool", {})
        assert unknown.value.error.code == -32602

        with pytest.raises(MCPError) as bad_args:
            await client.call_tool("sized_response", {"size": -1})
        assert bad_args.value.error.code == -32602


@pytest.mark.parametrize("mode", MODES)
async def test_flaky_is_deterministic(mode):
    async with connect(mode) as client:
        outcomes = []
        for call_id in range(20):
            result = await client.call_tool("flaky", {"fail_rate": 0.5, "seed": "s", "call_id": call_id})
            repeat = await client.call_tool("flaky", {"fail_rate": 0.5, "seed": "s", "call_id": call_id})
            assert result.is_error == repeat.is_error
            assert result.structured_content["roll"] == repeat.structured_content["roll"]
            outcomes.append(result.is_error)
        assert True in outcomes and False in outcomes
        assert not (await client.call_tool("flaky", {"fail_rate": 0, "call_id": 1})).is_error
        assert (await client.call_tool("flaky", {"fail_rate": 1, "call_id": 1})).is_error


@pytest.mark.parametrize("mode", MODES)
async def test_streaming_tools(mode):
    async with connect(mode) as client:
        long = await client.call_tool("long_output", {"blocks": 4, "chars": 1000})
        assert [len(block.text) for block in long.content] == [1000] * 4
        chatty = await client.call_tool("chatty", {})
        assert {block.type for block in chatty.content} >= {"text", "image", "audio", "resource_link", "resource"}


@pytest.mark.parametrize("mode", MODES)
async def test_progress_notifications_arrive_one_by_one(mode):
    arrivals = []

    async def on_progress(progress, total, message):
        arrivals.append((progress, total, time.monotonic()))

    async with connect(mode) as client:
        started = time.monotonic()
        result = await client.call_tool("progress", {"steps": 4, "step_ms": 300}, progress_callback=on_progress)
        finished = time.monotonic()
    assert result.structured_content == {"steps": 4, "step_ms": 300}
    assert [(p, t) for p, t, _ in arrivals] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    # Delivered as they happened: the first long before the call finished.
    assert arrivals[0][2] - started < (finished - started) - 0.5


@pytest.mark.parametrize("mode", MODES)
async def test_a_slow_call_is_cancelled(mode, service_urls):
    def cancelled_count():
        metrics = httpx.get(f"{service_urls['gateway']}/metrics").text
        for line in metrics.splitlines():
            if line.startswith("tollgate_gateway_tool_calls_cancelled_total "):
                return float(line.split()[-1])
        return 0.0

    before = cancelled_count()
    async with connect(mode) as client:
        with anyio.move_on_after(0.5):
            await client.call_tool("slow", {"milliseconds": 20000})
        # The client keeps working after the cancellation.
        assert not (await client.call_tool("echo", {"message": "still here"})).is_error
    deadline = time.monotonic() + 5
    while cancelled_count() <= before and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert cancelled_count() > before, "the gateway kept running the cancelled call"
