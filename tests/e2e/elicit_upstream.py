"""An upstream whose tools ask the client for input, built with the official SDK's MCPServer.
`book` elicits through a resolver, which the SDK turns into a request during the call for a
2025 client and into an `input_required` result for a 2026-07-28 one; `confirm` calls
`ctx.elicit` (2025 only). Run as `elicit_upstream.py http PORT [--legacy]` (Streamable HTTP at
/mcp; `--legacy` refuses `server/discover`, so the gateway speaks 2025-11-25 to it) or
`elicit_upstream.py stdio`."""
import sys
from typing import Annotated

from pydantic import BaseModel

from mcp.server.mcpserver import Context, Elicit, MCPServer, Resolve

server = MCPServer("elicit-upstream")


class Seat(BaseModel):
    seat: str


class Approval(BaseModel):
    approve: bool


def ask_seat(flight: str) -> Elicit[Seat]:
    return Elicit(f"Which seat on {flight}?", Seat)


@server.tool()
async def book(flight: str, choice: Annotated[Seat, Resolve(ask_seat)]) -> str:
    """Books a seat; the seat is asked of the user."""
    return f"booked {flight} seat {choice.seat}"


@server.tool()
async def confirm(action: str, ctx: Context) -> str:
    """Asks the user to approve `action`, twice (two questions in one call)."""
    first = await ctx.elicit(f"Approve {action}?", Approval)
    second = await ctx.elicit(f"Really {action}?", Approval)
    answers = [getattr(getattr(result, "data", None), "approve", None) for result in (first, second)]
    return f"{action}: {first.action}/{second.action} {answers}"


def main():
    if sys.argv[1] == "stdio":
        server.run("stdio")
        return
    import uvicorn
    app = server.streamable_http_app()
    if "--legacy" in sys.argv:
        app = refuse_discover(app)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")


def refuse_discover(app):
    """An ASGI wrapper that answers `server/discover` 400, as a 2025-only server does."""
    async def wrapped(scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = dict(scope.get("headers") or [])
            if headers.get(b"mcp-method") == b"server/discover":
                body = b'{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"initialize first"}}'
                await send({"type": "http.response.start", "status": 400, "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)
    return wrapped


if __name__ == "__main__":
    main()
