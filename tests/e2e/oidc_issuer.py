"""A test OIDC provider served in-process: discovery, JWKS, and (for browser login) an
authorize endpoint that approves at once and a token endpoint that checks PKCE."""
import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import free_port

AUDIENCE = "tollgate-test"


class Issuer:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.keys = {"k1": rsa.generate_private_key(public_exponent=65537, key_size=2048)}
        # code -> what the authorize request asked for; the user the next login signs in as.
        self.codes = {}
        self.login_claims = {"sub": "alice", "email": "alice@example.com", "name": "Alice", "roles": ["reader"]}
        self.token_requests = []
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parsed = urllib.parse.urlparse(self.path)
                if parsed.path == "/.well-known/openid-configuration":
                    self.reply(200, {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks", "authorization_endpoint": f"{issuer.url}/authorize",
                                     "token_endpoint": f"{issuer.url}/token"})
                elif parsed.path == "/jwks":
                    self.reply(200, {"keys": [issuer.jwk(kid) for kid in issuer.keys]})
                elif parsed.path == "/authorize":
                    query = dict(urllib.parse.parse_qsl(parsed.query))
                    code = secrets.token_urlsafe(16)
                    issuer.codes[code] = query
                    location = f"{query['redirect_uri']}?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
                    self.send_response(302)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.reply(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                issuer.token_requests.append(form)
                asked = issuer.codes.pop(form.get("code", ""), None)
                if self.path != "/token" or asked is None:
                    self.reply(400, {"error": "invalid_grant"})
                    return
                challenge = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest()).rstrip(b"=").decode()
                if asked.get("code_challenge_method") != "S256" or challenge != asked.get("code_challenge") \
                        or form.get("redirect_uri") != asked.get("redirect_uri") or form.get("client_id") != asked.get("client_id"):
                    self.reply(400, {"error": "invalid_grant"})
                    return
                id_token = issuer.token(aud=asked["client_id"], nonce=asked.get("nonce"), azp=asked["client_id"], **issuer.login_claims)
                self.reply(200, {"access_token": "opaque", "token_type": "Bearer", "id_token": id_token, "expires_in": 300})

            def reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def jwk(self, kid):
        numbers = self.keys[kid].public_key().public_numbers()

        def b64(value):
            raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64(numbers.n), "e": b64(numbers.e)}

    def token(self, kid="k1", key=None, **overrides):
        now = int(time.time())
        claims = {"iss": self.url, "sub": "alice", "aud": AUDIENCE, "exp": now + 300, "iat": now, "email": "alice@example.com",
                  "name": "Alice", "roles": ["reader"], "azp": "tollgate-cli"}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key or self.keys[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def issuer():
    issuer = Issuer()
    yield issuer
    issuer.server.shutdown()
