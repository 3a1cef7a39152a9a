"""The operator console in a real browser: Debian's Chromium driven by selenium through
chromium-driver. Each test signs in the way an operator does and checks what the page shows;
screenshots of every page at 1280x800 and 390x844 go to docs/console/."""
import os
import shutil
import time
import uuid

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

from oidc_issuer import AUDIENCE, issuer  # noqa: F401 (the fixture)
from test_audit_pipeline import call
from test_portal_api import dev_headers, mint

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture(scope="module")
def portal(spawn_module):
    # Its own portal-api with a cookie that is not Secure-only: the browser talks plain http.
    process = spawn_module("portal-api", TOLLGATE_PORTAL_COOKIE_SECURE="false", TOLLGATE_DRAIN_PERIOD="0s")
    process.wait_ready()
    return process


@pytest.fixture
def browser():
    driver_path = shutil.which("chromedriver")
    if not driver_path:
        pytest.fail("chromedriver is missing: ./dev test installs chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,800", "--lang=en-GB"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    resize(driver, "desktop")
    yield driver
    # No page may break the CSP or throw: the console has no inline script or style.
    problems = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE" and "favicon" not in entry["message"]
                and "status of 4" not in entry["message"] and "status of 5" not in entry["message"]]
    driver.quit()
    assert not problems, problems


def wait(driver, condition, timeout=20):
    return WebDriverWait(driver, timeout).until(condition)


def text_of(driver, selector):
    return driver.find_element(By.CSS_SELECTOR, selector).text


def sign_in(driver, portal, key):
    driver.get(f"{portal.url}/portal/")
    wait(driver, seen.url_contains("/portal/signin"))
    field = wait(driver, seen.visibility_of_element_located((By.ID, "api-key")))
    label = driver.find_element(By.CSS_SELECTOR, "label[for='api-key']")
    assert label.text == "API key" and field.get_attribute("type") == "password"
    field.send_keys(key)
    field.send_keys(Keys.ENTER)
    wait(driver, seen.visibility_of_element_located((By.ID, "sign-out")))


def shoot(driver, root, name):
    """Screenshots of the current page at both sizes (the page is re-rendered for each)."""
    folder = os.path.join(root, "docs", "console")
    os.makedirs(folder, exist_ok=True)
    for size, (width, height) in SIZES.items():
        resize(driver, size)
        time.sleep(0.4)
        driver.save_screenshot(os.path.join(folder, f"{name}-{size}.png"))
    resize(driver, "desktop")


def resize(driver, size):
    """The viewport of the size exactly (a window's size would include its frame)."""
    width, height = SIZES[size]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": size == "phone"})


def test_sign_in_with_the_dev_key_keeps_no_secret_in_the_browser(browser, portal, root):
    browser.get(f"{portal.url}/portal/signin")
    wait(browser, seen.visibility_of_element_located((By.ID, "api-key")))
    shoot(browser, root, "signin")
    # A wrong key is refused with a message, not a blank page.
    field = browser.find_element(By.ID, "api-key")
    field.send_keys("tg_dev_not-the-key")
    field.send_keys(Keys.ENTER)
    try:
        wait(browser, seen.text_to_be_present_in_element((By.CSS_SELECTOR, ".form-error"), "refused"))
    except TimeoutException:
        raise AssertionError(f"no refusal shown: {text_of(browser, 'main')!r} {browser.current_url}")
    sign_in(browser, portal, os.environ["TOLLGATE_DEV_API_KEY"])
    assert "dev" in text_of(browser, "#who") and "admin" in text_of(browser, "#who")
    stored = browser.execute_script("return [localStorage.length, sessionStorage.length, document.cookie]")
    assert stored == [0, 0, ""]  # the session cookie is HttpOnly; nothing else is kept
    cookie = browser.get_cookie("tollgate_session")
    assert cookie and cookie["httpOnly"] and cookie["value"] != os.environ["TOLLGATE_DEV_API_KEY"]
    # Sign out ends the session: the console asks for a key again.
    browser.find_element(By.ID, "sign-out").click()
    wait(browser, seen.url_contains("/portal/signin"))
    browser.get(f"{portal.url}/portal/keys")
    wait(browser, seen.url_contains("/portal/signin"))


def test_dashboard_draws_its_charts(browser, portal, service_urls, root):
    assert call(service_urls, os.environ["TOLLGATE_DEV_API_KEY"], "echo", {"message": "dashboard"}).status_code == 200
    sign_in(browser, portal, os.environ["TOLLGATE_DEV_API_KEY"])
    wait(browser, seen.visibility_of_element_located((By.CSS_SELECTOR, "#calls-chart svg")))
    assert browser.find_elements(By.CSS_SELECTOR, "#calls-chart svg rect.bar-ok"), "no bar for the call just made"
    assert browser.find_elements(By.CSS_SELECTOR, "#latency-chart svg path.line")
    cards = text_of(browser, ".cards")
    assert "Calls (1 h)" in cards and "p95 latency" in cards
    assert "echo" in text_of(browser, "main")  # top tools and recent activity
    shoot(browser, root, "dashboard")
    browser.find_element(By.XPATH, "//button[text()='24h']").click()
    wait(browser, seen.url_contains("range=24h"))
    wait(browser, seen.visibility_of_element_located((By.CSS_SELECTOR, "#calls-chart svg")))


def test_audit_explorer_finds_a_call_and_opens_its_drawer(browser, portal, service_urls, root):
    marker = f"console-{uuid.uuid4().hex[:12]}"
    assert call(service_urls, os.environ["TOLLGATE_DEV_API_KEY"], "echo", {"message": marker, "extras": {"token": "hunter2"}}).status_code == 200
    sign_in(browser, portal, os.environ["TOLLGATE_DEV_API_KEY"])
    browser.find_element(By.LINK_TEXT, "Audit").click()
    form = wait(browser, seen.visibility_of_element_located((By.CSS_SELECTOR, "form.filters")))
    form.find_element(By.NAME, "tool").send_keys("echo")
    form.find_element(By.NAME, "json").send_keys(f"param.message={marker}")
    deadline = time.monotonic() + 10
    while True:
        form = browser.find_element(By.CSS_SELECTOR, "form.filters")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(browser, seen.url_contains("param.message="))
        try:
            wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#results tr.clickable") or d.find_elements(By.CSS_SELECTOR, "#results .empty"))
        except TimeoutException:
            pass
        if browser.find_elements(By.CSS_SELECTOR, "#results tr.clickable") or time.monotonic() > deadline:
            break
        time.sleep(0.5)  # the event may still be on its way to Postgres
    rows = browser.find_elements(By.CSS_SELECTOR, "#results tr.clickable")
    assert len(rows) == 1
    # The URL holds the filters: opening it again shows the same view.
    shared = browser.current_url
    assert "tool=echo" in shared
    rows[0].click()
    drawer = wait(browser, seen.visibility_of_element_located((By.ID, "drawer")))
    wait(browser, seen.text_to_be_present_in_element((By.ID, "drawer"), marker))
    assert browser.find_elements(By.CSS_SELECTOR, "#drawer mark.redacted"), "the redacted token is not marked"
    assert "hunter2" not in drawer.text
    shoot(browser, root, "audit")
    browser.get(shared)
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results tr.clickable")) == 1)
    assert browser.find_element(By.ID, "export").get_attribute("href").endswith(f"param.message={marker}&format=jsonl")


def test_live_tail_shows_a_new_call_within_three_seconds(browser, portal, service_urls, root):
    sign_in(browser, portal, os.environ["TOLLGATE_DEV_API_KEY"])
    browser.get(f"{portal.url}/portal/tail?tool=echo")
    wait(browser, seen.text_to_be_present_in_element((By.ID, "tail-state"), "Live"))
    marker = f"tail-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    assert call(service_urls, os.environ["TOLLGATE_DEV_API_KEY"], "echo", {"message": marker}).status_code == 200
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#tail-rows tr"), timeout=3)
    assert time.monotonic() - started < 3
    assert "echo" in text_of(browser, "#tail-rows")
    # Another tool is filtered out.
    assert call(service_urls, os.environ["TOLLGATE_DEV_API_KEY"], "whoami", {}).status_code == 200
    time.sleep(1)
    assert "whoami" not in text_of(browser, "#tail-rows")
    shoot(browser, root, "tail")


def test_minting_shows_the_key_once_and_revoking_ends_it(browser, portal, service_urls, root):
    sign_in(browser, portal, os.environ["TOLLGATE_DEV_API_KEY"])
    browser.find_element(By.LINK_TEXT, "Keys").click()
    form = wait(browser, seen.visibility_of_element_located((By.CSS_SELECTOR, "form[aria-label='Mint a key']")))
    name = f"console-{uuid.uuid4().hex[:8]}"
    form.find_element(By.NAME, "name").send_keys(name)
    form.find_element(By.NAME, "allowed_tools").send_keys("echo")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    plaintext = wait(browser, seen.visibility_of_element_located((By.ID, "minted-plaintext"))).text
    assert plaintext and len(plaintext) > 20
    assert browser.find_element(By.ID, "copy-key").is_displayed()
    assert call(service_urls, plaintext, "echo", {"message": "minted in the console"}).status_code == 200
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"[data-revoke='{name}']"))
    shoot(browser, root, "keys")
    browser.find_element(By.ID, "hide-key").click()
    assert plaintext not in text_of(browser, "main")
    browser.refresh()
    revoke = wait(browser, seen.element_to_be_clickable((By.CSS_SELECTOR, f"[data-revoke='{name}']")))
    assert plaintext not in browser.page_source  # shown once, never again
    revoke.click()
    confirm = wait(browser, seen.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open] [data-confirm]")))
    confirm.click()
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, f"[data-revoke='{name}']"))
    deadline = time.monotonic() + 5
    while call(service_urls, plaintext, "echo", {"message": "after revoke"}).status_code != 401:
        assert time.monotonic() < deadline, "the revoked key still works"
        time.sleep(0.2)


def test_try_it_runs_echo(browser, portal, root):
    sign_in(browser, portal, os.environ["TOLLGATE_DEV_API_KEY"])
    browser.find_element(By.LINK_TEXT, "Tools").click()
    echo = wait(browser, seen.visibility_of_element_located((By.ID, "tool-echo")))
    # Grouped by origin: the fixture tools are the gateway's own.
    assert "built-in: identity" in [h2.text for h2 in browser.find_elements(By.CSS_SELECTOR, "main section h2")]
    echo.find_element(By.TAG_NAME, "summary").click()
    message = echo.find_element(By.ID, "arg-echo-message")
    assert echo.find_element(By.CSS_SELECTOR, "label[for='arg-echo-message']").text.startswith("message")
    message.send_keys("hello from try-it")
    echo.find_element(By.ID, "arg-echo-extras").send_keys('{"n": 1}')
    echo.find_element(By.CSS_SELECTOR, "button[data-tool='echo']").click()
    wait(browser, seen.text_to_be_present_in_element((By.CSS_SELECTOR, "#tool-echo .tryit-output"), "hello from try-it"))
    assert "isError: false" in text_of(browser, "#tool-echo .tryit-output")
    shoot(browser, root, "tools")


def test_upstreams_and_server_pages(browser, portal, root):
    sign_in(browser, portal, os.environ["TOLLGATE_DEV_API_KEY"])
    browser.find_element(By.LINK_TEXT, "Upstreams").click()
    wait(browser, seen.text_to_be_present_in_element((By.TAG_NAME, "main"), "Catalog changes"))
    shoot(browser, root, "upstreams")
    browser.find_element(By.LINK_TEXT, "Server").click()
    wait(browser, seen.text_to_be_present_in_element((By.TAG_NAME, "main"), "Protected-resource metadata"))
    page = text_of(browser, "main")
    assert browser.find_elements(By.CSS_SELECTOR, "main mark.redacted") and os.environ["TOLLGATE_DEV_API_KEY"] not in page
    shoot(browser, root, "server")


def test_a_key_without_admin_is_denied_the_admin_pages(browser, portal, service_urls, root):
    name, plaintext = mint(service_urls)
    sign_in(browser, portal, plaintext)
    assert "no scopes" in text_of(browser, "#who")
    browser.find_element(By.LINK_TEXT, "Keys").click()
    denied = wait(browser, seen.visibility_of_element_located((By.CSS_SELECTOR, ".state.denied")))
    assert "Access denied" in denied.text and "admin scope" in denied.text
    assert not browser.find_elements(By.CSS_SELECTOR, "form[aria-label='Mint a key']")
    shoot(browser, root, "denied")
    browser.find_element(By.LINK_TEXT, "Tools").click()
    wait(browser, seen.visibility_of_element_located((By.ID, "tool-echo")))
    assert not browser.find_element(By.CSS_SELECTOR, "button[data-tool='echo']").is_enabled()
    # Revoking the key ends the console session that it opened.
    assert httpx.delete(f"{service_urls['portal-api']}/api/v1/admin/keys/{name}", headers=dev_headers(), timeout=10).status_code == 204
    browser.get(f"{portal.url}/portal/tools")
    wait(browser, seen.url_contains("/portal/signin"))


def test_the_console_is_served_with_a_strict_policy(portal):
    page = httpx.get(f"{portal.url}/portal/audit?tool=x", timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in page.text and " style=" not in page.text
    asset = page.text.split('src="')[1].split('"')[0]
    script = httpx.get(f"{portal.url}{asset}", timeout=10)
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "immutable" in script.headers["cache-control"]
    assert httpx.get(f"{portal.url}/portal/assets/x/nope.js", timeout=10).status_code == 404
    # Sign-in needs the CSRF header (no login CSRF) and a JSON body.
    no_header = httpx.post(f"{portal.url}/portal/auth/key", json={"key": os.environ["TOLLGATE_DEV_API_KEY"]}, timeout=10)
    assert no_header.status_code == 403 and "set-cookie" not in no_header.headers
    for body in (b"", b"{", b'{"key": 5}', b'{"key": ""}', b"x" * 10000):
        bad = httpx.post(f"{portal.url}/portal/auth/key", content=body, headers={"X-Requested-With": "t", "Content-Type": "application/json"}, timeout=10)
        assert bad.status_code in (400, 413) and "error" in bad.json() and "set-cookie" not in bad.headers


def test_replay_from_the_drawer_opens_the_new_event(browser, portal, service_urls):
    marker = f"replay-{uuid.uuid4().hex[:10]}"
    assert call(service_urls, os.environ["TOLLGATE_DEV_API_KEY"], "echo", {"message": marker}).status_code == 200
    sign_in(browser, portal, os.environ["TOLLGATE_DEV_API_KEY"])
    deadline = time.monotonic() + 10
    while True:
        found = httpx.get(f"{service_urls['portal-api']}/api/v1/portal/audit/events", params={"param.message": marker},
                          headers=dev_headers(), timeout=10).json()["events"]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    original = found[0]["id"]
    browser.get(f"{portal.url}/portal/audit?param.message={marker}&event={original}")
    wait(browser, seen.text_to_be_present_in_element((By.ID, "drawer"), original))
    browser.find_element(By.ID, "replay").click()
    # Nothing happens before the confirmation; cancelling changes nothing.
    wait(browser, seen.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
    browser.find_element(By.CSS_SELECTOR, "dialog[open] button.secondary").click()
    browser.find_element(By.ID, "replay").click()
    wait(browser, seen.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open] [data-confirm]"))).click()
    # The drawer moves to the new event, which names the one it replays.
    wait(browser, seen.text_to_be_present_in_element((By.ID, "drawer"), "Replay of"), timeout=15)
    drawer = text_of(browser, "#drawer")
    assert "portal-replay" in drawer and original in drawer and marker in drawer
    replays = httpx.get(f"{service_urls['portal-api']}/api/v1/portal/audit/events", params={"param.message": marker},
                        headers=dev_headers(), timeout=10).json()["events"]
    assert sorted(event["source"] for event in replays) == ["mcp", "portal-replay"]  # one replay, after one confirmation


def test_a_service_that_is_down_is_shown_as_a_message(browser, spawn):
    # A portal-api whose audit service and gateway are gone: pages say so instead of going blank.
    from conftest import free_port
    dead = f"http://127.0.0.1:{free_port()}"
    portal = spawn("portal-api", TOLLGATE_PORTAL_COOKIE_SECURE="false", TOLLGATE_DRAIN_PERIOD="0s", TOLLGATE_AUDIT_URL=dead, TOLLGATE_GATEWAY_URL=dead)
    portal.wait_ready()
    sign_in(browser, portal, os.environ["TOLLGATE_DEV_API_KEY"])
    alert = wait(browser, seen.visibility_of_element_located((By.CSS_SELECTOR, "main [role=alert]")))
    assert "unavailable" in alert.text.lower()
    browser.find_element(By.LINK_TEXT, "Audit").click()
    wait(browser, seen.text_to_be_present_in_element((By.CSS_SELECTOR, "#results [role=alert]"), "unavailable"))
    browser.find_element(By.LINK_TEXT, "Tools").click()
    wait(browser, seen.text_to_be_present_in_element((By.CSS_SELECTOR, "main [role=alert]"), "unavailable"))


def test_oidc_sign_in_from_the_console(browser, spawn, issuer, portal):
    # Without OIDC configured, the sign-in page offers only the key.
    browser.get(f"{portal.url}/portal/signin")
    wait(browser, seen.visibility_of_element_located((By.ID, "api-key")))
    assert not browser.find_elements(By.ID, "oidc-login")
    oidc = spawn("portal-api", TOLLGATE_OIDC_ISSUER=issuer.url, TOLLGATE_OIDC_AUDIENCE=AUDIENCE, TOLLGATE_PORTAL_OIDC_CLIENT_ID="tollgate-portal",
                 TOLLGATE_PORTAL_COOKIE_SECURE="false", TOLLGATE_DRAIN_PERIOD="0s")
    oidc.wait_ready()
    browser.get(f"{oidc.url}/portal/tools")
    wait(browser, seen.element_to_be_clickable((By.ID, "oidc-login"))).click()
    # The issuer answers at once (the test provider), the callback sets the cookie and returns here.
    wait(browser, seen.visibility_of_element_located((By.ID, "sign-out")))
    assert "Alice" in text_of(browser, "#who")
    wait(browser, seen.visibility_of_element_located((By.ID, "tool-echo")))
    assert browser.current_url.endswith("/portal/tools")


def test_a_key_session_ends_with_its_key(portal, service_urls):
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 4))
    _, plaintext = mint(service_urls, expires_at=expires)
    signed_in = httpx.post(f"{portal.url}/portal/auth/key", json={"key": plaintext}, headers={"X-Requested-With": "t"}, timeout=10)
    assert signed_in.status_code == 200, signed_in.text
    max_age = int(signed_in.headers["set-cookie"].split("Max-Age=")[1].split(";")[0])
    assert 0 < max_age <= 4  # not the 8 h of a session
    cookie = {"tollgate_session": signed_in.cookies["tollgate_session"]}
    assert httpx.get(f"{portal.url}/api/v1/portal/me", cookies=cookie, timeout=10).status_code == 200
    time.sleep(5)
    assert httpx.get(f"{portal.url}/api/v1/portal/me", cookies=cookie, timeout=10).status_code == 401
