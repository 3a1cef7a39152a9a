"""Section 8 of bench/run: the operator console's first render per page in headless Chromium,
on an audit table seeded with N rows over the last 24 hours (bench/portal_seed.py). A page's
time runs from the start of navigation (a full load: HTML, modules, API calls) to the moment
the console has drawn it (`main[data-rendered-ms]`, set by app.js)."""
import os
import shutil
import time

import httpx
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

PAGES = [
    ("dashboard (last hour, 1 h charts)", "/portal/"),
    ("dashboard, 24 h charts", "/portal/?range=24h"),
    ("audit explorer, newest page", "/portal/audit"),
    ("audit explorer, `tool=echo&success=false`", "/portal/audit?tool=echo&success=false"),
    ("audit explorer, `param.key=k42`", "/portal/audit?param.key=k42"),
    ("live tail", "/portal/tail"),
    ("tools", "/portal/tools"),
    ("upstreams", "/portal/upstreams"),
    ("keys", "/portal/keys"),
    ("server", "/portal/server"),
]


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,800"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def section_console(args, seed, remove):
    rows = args.portal_rows if args.portal_rows <= 1_000_000 else 1_000_000
    print(f"\n## 8. Console pages, first render, with {rows:,} audit rows over the last 24 hours\n")
    print("Headless Chromium (Debian's, through chromium-driver) loads each page afresh, signed in with the dev key;")
    print("the time runs from navigation start to the console's drawing of the page (HTML, ES modules, the page's")
    print(f"API calls through portal-api and the audit service, DOM). One warm-up load, then {args.portal_runs} loads each.\n")
    portal = os.environ["TOLLGATE_PORTAL_URL"]
    seeded = seed(rows, days=1)
    driver = browser()
    try:
        cookie = httpx.post(f"{portal}/portal/auth/key", json={"key": os.environ["TOLLGATE_DEV_API_KEY"]},
                            headers={"X-Requested-With": "bench"}, timeout=30).cookies["tollgate_session"]
        driver.get(f"{portal}/portal/signin")
        driver.add_cookie({"name": "tollgate_session", "value": cookie, "path": "/", "httpOnly": True})
        print("| page | loads | p50 ms | p95 ms |")
        print("|---|---|---|---|")
        for label, path in PAGES:
            times = []
            for run in range(args.portal_runs + 1):
                driver.get(f"{portal}{path}")
                rendered = WebDriverWait(driver, 60).until(
                    lambda d: d.find_element(By.ID, "main").get_attribute("data-rendered-ms"))
                if run:
                    times.append(float(rendered))
            times.sort()
            print(f"| {label} | {len(times)} | {times[len(times) // 2]:.0f} | {times[min(len(times) - 1, int(len(times) * 0.95))]:.0f} |")
    finally:
        driver.quit()
        remove(seeded)
