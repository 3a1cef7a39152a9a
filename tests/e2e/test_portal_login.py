"""Browser login end to end: OIDC authorization code + PKCE against a test provider that this
test serves (discovery, authorize, token, JWKS); the session cookie; logout; tampering."""
import urllib.parse

import httpx
import pytest

from oidc_issuer import AUDIENCE, issuer  # noqa: F401 (the fixture)

CLIENT_ID = "tollgate-portal"


@pytest.fixture
def portal(spawn, issuer):
    portal = spawn(
        "portal-api", TOLLGATE_OIDC_ISSUER=issuer.url, TOLLGATE_OIDC_AUDIENCE=AUDIENCE, TOLLGATE_PORTAL_OIDC_CLIENT_ID=CLIENT_ID,
        TOLLGATE_PORTAL_COOKIE_SECURE="false", TOLLGATE_OIDC_ADMIN_ROLES="operator", TOLLGATE_DRAIN_PERIOD="0s",
    )
    portal.wait_ready()
    return portal


def log_in(portal, return_to="/portal/audit"):
    """Runs the whole browser flow; returns the callback's response (cookie and redirect)."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        start = browser.get(f"{portal.url}/portal/auth/login", params={"return_to": return_to})
        assert start.status_code == 302, start.text
        location = start.headers["location"]
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(location).query))
        assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
        assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
        assert query["redirect_uri"] == f"{portal.url}/portal/auth/callback" and "openid" in query["scope"].split()
        assert query["state"] and query["nonce"]
        at_issuer = browser.get(location)
        assert at_issuer.status_code == 302
        callback = browser.get(at_issuer.headers["location"])
        callback.extensions["callback_url"] = at_issuer.headers["location"]
        return callback


def cookie_of(response):
    header = response.headers["set-cookie"]
    name, value = header.split(";")[0].split("=", 1)
    assert name == "tollgate_session"
    return value, header


def me(portal, cookie):
    return httpx.get(f"{portal.url}/api/v1/portal/me", cookies={"tollgate_session": cookie}, timeout=10)


def test_login_sets_a_session_cookie_and_logout_ends_it(portal, issuer):
    callback = log_in(portal)
    assert callback.status_code == 302, callback.text
    assert callback.headers["location"] == "/portal/audit"
    cookie, header = cookie_of(callback)
    attributes = [part.strip().lower() for part in header.split(";")[1:]]
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    assert "secure" not in attributes  # configured off for this local http test
    assert issuer.token_requests[-1]["code_verifier"] and issuer.token_requests[-1]["grant_type"] == "authorization_code"

    who = me(portal, cookie)
    assert who.status_code == 200, who.text
    body = who.json()
    assert body["subject"] == "alice" and body["email"] == "alice@example.com" and body["auth_type"] == "oidc"
    assert body["roles"] == ["reader"] and body["is_admin"] is False

    # The code and state are used once.
    again = httpx.get(callback.extensions["callback_url"], follow_redirects=False)
    assert again.status_code == 400 and "error" in again.json()

    forged = httpx.post(f"{portal.url}/portal/auth/logout", cookies={"tollgate_session": cookie})
    assert forged.status_code == 403 and "X-Requested-With" in forged.json()["error"]  # a cross-site form cannot log out
    logout = httpx.post(f"{portal.url}/portal/auth/logout", cookies={"tollgate_session": cookie}, headers={"X-Requested-With": "fetch"})
    assert logout.status_code == 204
    assert "max-age=0" in logout.headers["set-cookie"].lower()
    assert me(portal, cookie).status_code == 401


def test_tampered_and_unknown_cookies_are_refused(portal):
    cookie, _ = cookie_of(log_in(portal))
    assert me(portal, cookie).status_code == 200
    flipped = cookie[:-1] + ("A" if cookie[-1] != "A" else "B")
    for forged in (flipped, cookie + "x", "", "not-a-session", "A" * 43):
        response = me(portal, forged)
        assert response.status_code == 401, forged
        assert "error" in response.json()


def test_cookie_sessions_need_the_csrf_header_and_admin_role(portal, issuer):
    reader, _ = cookie_of(log_in(portal))
    url = f"{portal.url}/api/v1/admin/keys"
    no_header = httpx.post(url, json={"name": "from-a-form"}, cookies={"tollgate_session": reader})
    assert no_header.status_code == 403 and "X-Requested-With" in no_header.json()["error"]
    not_admin = httpx.post(url, json={"name": "from-a-reader"}, cookies={"tollgate_session": reader}, headers={"X-Requested-With": "fetch"})
    assert not_admin.status_code == 403 and "admin" in not_admin.json()["error"]

    issuer.login_claims = {**issuer.login_claims, "sub": "olga", "roles": ["operator"]}
    operator, _ = cookie_of(log_in(portal))
    assert me(portal, operator).json()["is_admin"] is True
    listed = httpx.get(url, cookies={"tollgate_session": operator})
    assert listed.status_code == 200 and "keys" in listed.json()


def test_bad_callbacks(portal):
    missing = httpx.get(f"{portal.url}/portal/auth/callback")
    assert missing.status_code == 400 and "error" in missing.json()
    unknown = httpx.get(f"{portal.url}/portal/auth/callback", params={"code": "x", "state": "never-issued"})
    assert unknown.status_code == 400 and "state" in unknown.json()["error"]
    refused = httpx.get(f"{portal.url}/portal/auth/callback", params={"error": "access_denied"})
    assert refused.status_code == 400 and "access_denied" in refused.json()["error"]
    # An absolute return_to would make login an open redirect: it becomes the portal's root.
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        start = browser.get(f"{portal.url}/portal/auth/login", params={"return_to": "https://evil.example/"}, follow_redirects=False)
        landed = browser.get(start.headers["location"], follow_redirects=False)
        callback = browser.get(landed.headers["location"], follow_redirects=False)
        assert callback.headers["location"] == "/portal/"


def test_cookies_are_secure_by_default(spawn, issuer):
    portal = spawn("portal-api", TOLLGATE_OIDC_ISSUER=issuer.url, TOLLGATE_PORTAL_OIDC_CLIENT_ID=CLIENT_ID, TOLLGATE_DRAIN_PERIOD="0s")
    portal.wait_ready()
    _, header = cookie_of(log_in(portal))
    assert "secure" in [part.strip().lower() for part in header.split(";")[1:]]


def test_bearer_tokens_from_the_issuer(portal, issuer):
    url = f"{portal.url}/api/v1/portal/me"
    reader = httpx.get(url, headers={"Authorization": f"Bearer {issuer.token()}"})
    assert reader.status_code == 200 and reader.json()["subject"] == "alice" and reader.json()["is_admin"] is False
    operator = httpx.get(url, headers={"Authorization": f"Bearer {issuer.token(roles=['operator'])}"})
    assert operator.json()["is_admin"] is True and operator.json()["roles"] == ["operator"]
    # An ID token for the portal's client is not an access token for the API audience.
    wrong_audience = httpx.get(url, headers={"Authorization": f"Bearer {issuer.token(aud=CLIENT_ID)}"})
    assert wrong_audience.status_code == 401 and "audience" in wrong_audience.json()["error"]
