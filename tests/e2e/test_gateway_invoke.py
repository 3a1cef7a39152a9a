"""The gateway's internal invoke endpoint, used by portal-api for try-it and replay."""
import os

import httpx


def invoke(service_urls, tool, body, token=None):
    headers = {"X-Tollgate-Internal-Token": token if token is not None else os.environ["TOLLGATE_INTERNAL_TOKEN"]}
    return httpx.post(f"{service_urls['gateway']}/internal/v1/invoke/{tool}", json=body, headers=headers, timeout=10)


OPERATOR = {"subject": "operator@example.com", "email": "operator@example.com", "name": "Op", "auth_type": "oidc"}


def test_runs_a_tool_as_the_given_identity(service_urls):
    response = invoke(service_urls, "whoami", {"arguments": {}, "identity": OPERATOR, "source": "portal-tryit"})
    assert response.status_code == 200
    result = response.json()
    assert result["isError"] is False
    assert result["structuredContent"]["subject"] == "operator@example.com"
    assert result["structuredContent"]["auth_type"] == "oidc"
    echo = invoke(service_urls, "echo", {"arguments": {"message": "hi", "extras": {"n": 1.0}}, "identity": OPERATOR, "source": "portal-replay"})
    assert echo.json()["content"][0]["text"] == "hi"
    assert '"n":1.0' in echo.text


def test_errors(service_urls):
    assert invoke(service_urls, "echo", {"identity": OPERATOR}, token="").status_code == 401
    assert invoke(service_urls, "echo", {"identity": OPERATOR}, token="wrong-token-wrong-token").status_code == 401
    unknown = invoke(service_urls, "nope", {"arguments": {}, "identity": OPERATOR})
    assert unknown.status_code == 404 and unknown.json() == {"error": "unknown tool: nope"}
    bad = invoke(service_urls, "sized_response", {"arguments": {"size": "x"}, "identity": OPERATOR})
    assert bad.status_code == 422 and "size" in bad.json()["error"]
    restricted = invoke(service_urls, "whoami", {"arguments": {}, "identity": {**OPERATOR, "allowed_tools": ["echo"]}})
    assert restricted.status_code == 404
    protocol = invoke(service_urls, "error", {"arguments": {"category": "auth", "message": "no"}, "identity": OPERATOR})
    assert protocol.status_code == 502 and protocol.json()["error"] == "tool answered with error -32003: no"
    assert invoke(service_urls, "echo", {"arguments": {}, "identity": {}}).status_code == 400
    assert invoke(service_urls, "echo", {"arguments": {"message": "x"}, "identity": OPERATOR, "source": "elsewhere"}).status_code == 400
