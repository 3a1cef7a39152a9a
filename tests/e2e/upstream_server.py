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


def counting(app, log_path):
    """ASGI middleware: appends the JSON-RPC method of every POST to `log_path` (one line each)."""
    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST":
            return await app(scope, receive, send)
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        try:
            method = json.loads(body).get("method", "(response)")
        except ValueError:
            method = "(invalid)"
        with open(log_path, "a") as log:
            log.write(method + "\n")
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await app(scope, replay, send)
    return wrapped


if __name__ == "__main__":
    if sys.argv[1] == "stdio":
        server.run("stdio")
    else:
        import uvicorn

        # UPSTREAM_STATELESS=1: no sessions; UPSTREAM_KEEPALIVE=<s>: close idle connections after
        # that long; UPSTREAM_MARKERS: also log each request's method to requests.log there.
        app = server.streamable_http_app(stateless_http=os.environ.get("UPSTREAM_STATELESS") == "1")
        if os.environ.get("UPSTREAM_MARKERS"):
            app = counting(app, os.path.join(os.environ["UPSTREAM_MARKERS"], "requests.log"))
        uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="error",
                    timeout_keep_alive=float(os.environ.get("UPSTREAM_KEEPALIVE", "5")))
