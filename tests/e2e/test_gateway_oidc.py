"""Bearer JWTs from a test OIDC issuer that this test serves (discovery + JWKS)."""
import base64
import json
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from oidc_issuer import AUDIENCE, issuer  # noqa: F401 (the fixture)

MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}


@pytest.fixture
def oidc_gateway(spawn, issuer):
    gateway = spawn(
        "gateway", TOLLGATE_OIDC_ISSUER=issuer.url, TOLLGATE_OIDC_AUDIENCE=AUDIENCE, TOLLGATE_OIDC_ALLOWED_CLIENTS="tollgate-cli",
        TOLLGATE_OIDC_ROLE_TOOLS=json.dumps({"reader": ["echo", "whoami"], "admin": ["*"]}), TOLLGATE_OIDC_CLOCK_SKEW="30",
        TOLLGATE_DRAIN_PERIOD="0s",
    )
    gateway.wait_ready()
    return gateway


def call(gateway, token, method="tools/list", params=None):
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {**(params or {}), "_meta": MODERN_META}}
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", "Content-Type": "application/json",
               "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
    if method == "tools/call":
        headers["Mcp-Name"] = params["name"]
    return httpx.post(f"{gateway.url}/mcp", content=json.dumps(body), headers=headers, timeout=10)


def test_a_valid_token_is_accepted_with_its_claims(oidc_gateway, issuer):
    response = call(oidc_gateway, issuer.token(), "tools/call", {"name": "whoami", "arguments": {}})
    assert response.status_code == 200, response.text
    who = response.json()["result"]["structuredContent"]
    assert who["subject"] == "alice" and who["email"] == "alice@example.com" and who["auth_type"] == "oidc"
    assert who["claims"]["roles"] == ["reader"]


def test_roles_map_to_tools(oidc_gateway, issuer):
    reader = {tool["name"] for tool in call(oidc_gateway, issuer.token()).json()["result"]["tools"]}
    assert reader == {"echo", "whoami"}
    admin = {tool["name"] for tool in call(oidc_gateway, issuer.token(roles=["admin"])).json()["result"]["tools"]}
    assert {"echo", "slow", "chatty"} <= admin
    nobody = call(oidc_gateway, issuer.token(roles=[])).json()["result"]["tools"]
    assert nobody == []
    refused = call(oidc_gateway, issuer.token(), "tools/call", {"name": "slow", "arguments": {"milliseconds": 1}})
    assert refused.json()["error"]["code"] == -32602


@pytest.mark.parametrize("case,expected", [
    ("wrong_audience", "token audience does not include tollgate-test"),
    ("expired", "token expired"),
    ("wrong_issuer", "token issuer is not trusted"),
    ("not_yet_valid", "token not yet valid"),
    ("wrong_client", "token client is not allowed"),
    ("unknown_kid", "token signed with an unknown key"),
    ("bad_signature", "invalid token signature"),
    ("alg_none", None),
])
def test_bad_tokens_are_refused(oidc_gateway, issuer, case, expected):
    now = int(time.time())
    if case == "wrong_audience":
        token = issuer.token(aud="someone-else")
    elif case == "expired":
        token = issuer.token(exp=now - 120, iat=now - 600)
    elif case == "wrong_issuer":
        token = issuer.token(iss="https://evil.example")
    elif case == "not_yet_valid":
        token = issuer.token(nbf=now + 600)
    elif case == "wrong_client":
        token = issuer.token(azp="other-client")
    elif case == "unknown_kid":
        token = issuer.token(kid="stranger", key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    elif case == "bad_signature":
        header, payload, signature = issuer.token().split(".")
        forged = json.loads(base64.urlsafe_b64decode(payload + "==").decode())
        forged["sub"] = "mallory"
        payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
        token = f"{header}.{payload}.{signature}"
    else:
        token = jwt.encode({"iss": issuer.url, "sub": "alice", "aud": AUDIENCE, "exp": now + 300}, None, algorithm="none")
        token = token if token.count(".") == 2 and not token.endswith(".") else token + "x"
    response = call(oidc_gateway, token)
    assert response.status_code == 401, response.text
    assert "www-authenticate" in response.headers
    if expected:
        assert response.json()["error"]["message"] == expected


def test_rotated_keys_are_fetched_on_an_unknown_kid(oidc_gateway, issuer):
    assert call(oidc_gateway, issuer.token()).status_code == 200
    issuer.keys["k2"] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    time.sleep(10.5)  # refetches of the JWKS are rate limited to one per 10 s
    assert call(oidc_gateway, issuer.token(kid="k2")).status_code == 200


def test_discovery_documents_point_at_the_issuer(oidc_gateway, issuer):
    metadata = httpx.get(f"{oidc_gateway.url}/.well-known/oauth-protected-resource").json()
    assert metadata["authorization_servers"] == [issuer.url]
    server = httpx.get(f"{oidc_gateway.url}/.well-known/oauth-authorization-server")
    assert server.status_code == 200 and server.json()["issuer"] == issuer.url
