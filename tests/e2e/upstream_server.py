"""A real upstream MCP server for the federation tests, built with the official SDK's MCPServer.
Run as `upstream_server.py http PORT` (Streamable HTTP at /mcp) or `upstream_server.py stdio`."""
import json
import os
import sys
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("py-upstream")


@server.tool()
def echo(message: str, extras: Any = None) -> dict:
    """Returns its arguments unchanged."""
    return {"message": message, "extras": extras}


@server.tool()
def big(size: int) -> str:
    """Returns `size` characters."""
    return "z" * size


@server.tool()
async def steps(count: int, ctx: Context) -> str:
    """Reports `count` progress steps 200 ms apart."""
    for index in range(count):
        await anyio.sleep(0.2)
        await ctx.report_progress(index + 1, count, f"upstream step {index + 1}")
    return f"{count} steps"


@server.tool()
async def nap(seconds: float, tag: str = "") -> str:
    """Sleeps; when cancelled, leaves a marker file named `tag` in $UPSTREAM_MARKERS."""
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        if tag and os.environ.get("UPSTREAM_MARKERS"):
            with open(os.path.join(os.environ["UPSTREAM_MARKERS"], tag), "w") as marker:
                marker.write("cancelled")
        raise
    return "rested"


@server.tool()
def mark(tag: str) -> str:
    """Leaves a marker file named `tag` in $UPSTREAM_MARKERS: proof that this tool ran."""
    if os.environ.get("UPSTREAM_MARKERS"):
        with open(os.path.join(os.environ["UPSTREAM_MARKERS"], os.path.basename(tag)), "w") as marker:
            marker.write("ran")
    return "marked"


@server.tool()
def hidden() -> str:
    """Excluded by the gateway's configuration."""
    return "should not be reachable"


@server.prompt()
def greet(name: str) -> str:
    """A greeting prompt."""
    return f"Please greet {name} warmly."


@server.resource("note://hello")
def hello_note() -> str:
    """A fixed note."""
    return "hello from the upstream"


@server.resource("note://by-name/{name}")
def named_note(name: str) -> str:
    """A note per name."""
    return f"note for {name}"


async def read_body(receive):
    """The whole body of an ASGI HTTP request."""
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def replaying(body, receive):
    """An ASGI `receive` that hands the already-read body to the app, then defers to `receive`."""
    replayed = False

    async def replay():
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}
    return replay


def counting(app, log_path):
    """ASGI middleware: appends the JSON-RPC method of every POST to `log_path` (one line each)."""
    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST":
            return await app(scope, receive, send)
        body = await read_body(receive)
        meta_traceparent = None
        try:
            message = json.loads(body)
            method = message.get("method", "(response)")
            meta_traceparent = ((message.get("params") or {}).get("_meta") or {}).get("traceparent")
        except (ValueError, AttributeError):
            method = "(invalid)"
        with open(log_path, "a") as log:
            log.write(method + "\n")
        headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
        with open(os.path.join(os.path.dirname(log_path), "headers.log"), "a") as log:
            log.write(json.dumps({"method": method, "meta_traceparent": meta_traceparent,
                                  **{k: headers.get(k) for k in ("mcp-protocol-version", "mcp-method", "mcp-name", "mcp-session-id", "traceparent")}}) + "\n")
        return await app(scope, replaying(body, receive), send)
    return wrapped


def legacy_only(app):
    """ASGI middleware: refuses protocol 2026-07-28 the way a 2025-only server does (400, an
    error without the request's id), so the gateway must fall back to initialize."""
    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST":
            return await app(scope, receive, send)
        body = await read_body(receive)
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = {}
        meta = (parsed.get("params") or {}).get("_meta") or {}
        if parsed.get("method") == "server/discover" or "io.modelcontextprotocol/protocolVersion" in meta:
            answer = json.dumps({"jsonrpc": "2.0", "id": "server-error", "error": {"code": -32600, "message": "Bad Request: Missing session ID"}}).encode()
            await send({"type": "http.response.start", "status": 400, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": answer})
            return
        return await app(scope, replaying(body, receive), send)
    return wrapped


if __name__ == "__main__":
    if sys.argv[1] == "stdio":
        server.run("stdio")
    else:
        import uvicorn

        # UPSTREAM_STATELESS=1: no sessions; UPSTREAM_KEEPALIVE=<s>: close idle connections after
        # that long; UPSTREAM_MARKERS: also log each request's method to requests.log there (and
        # its MCP headers to headers.log); UPSTREAM_LEGACY=1: refuse 2026-07-28 like a 2025 server.
        app = server.streamable_http_app(stateless_http=os.environ.get("UPSTREAM_STATELESS") == "1")
        if os.environ.get("UPSTREAM_LEGACY") == "1":
            app = legacy_only(app)
        if os.environ.get("UPSTREAM_MARKERS"):
            app = counting(app, os.path.join(os.environ["UPSTREAM_MARKERS"], "requests.log"))
        uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="error",
                    timeout_keep_alive=float(os.environ.get("UPSTREAM_KEEPALIVE", "5")))
