"""A real upstream MCP server for the federation tests, built with the official SDK's MCPServer.
Run as `upstream_server.py http PORT` (Streamable HTTP at /mcp) or `upstream_server.py stdio`."""
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


if __name__ == "__main__":
    if sys.argv[1] == "stdio":
        server.run("stdio")
    else:
        import uvicorn

        uvicorn.run(server.streamable_http_app(), host="127.0.0.1", port=int(sys.argv[2]), log_level="error")
