"""Helpers to drive the gateway with the official MCP Python SDK."""
import contextlib
import os

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

MODES = ["auto", "legacy"]


def gateway_url() -> str:
    return f"http://127.0.0.1:{os.environ['TOLLGATE_GATEWAY_PORT']}/mcp"


def dev_key() -> str:
    return os.environ["TOLLGATE_DEV_API_KEY"]


@contextlib.asynccontextmanager
async def connect(mode: str, key: str | None = None, url: str | None = None, headers: dict | None = None, hooks: dict | None = None,
                  **client_options):
    """An SDK client connected to the gateway with an API key; `hooks` are the HTTP client's
    event hooks (to watch the requests the SDK sends); `client_options` go to `Client`
    (`message_handler`, ...)."""
    all_headers = {"X-API-Key": key or dev_key()}
    all_headers.update(headers or {})
    http = create_mcp_http_client(headers=all_headers)
    if hooks:
        http.event_hooks = hooks
    async with http:
        async with Client(streamable_http_client(url or gateway_url(), http_client=http), mode=mode, **client_options) as client:
            yield client
