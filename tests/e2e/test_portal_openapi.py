"""The OpenAPI document is true: schemathesis drives every operation of the portal API with
generated requests (valid and invalid) and checks each answer against the document."""
import os
import subprocess
import sys

import httpx


def test_document_is_served(service_urls):
    document = httpx.get(f"{service_urls['portal-api']}/api/v1/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/portal/audit/events" in document["paths"] and "/api/v1/admin/keys" in document["paths"]


def test_schemathesis_finds_no_server_error_and_no_violation(service_urls):
    portal = service_urls["portal-api"]
    st = os.path.join(os.path.dirname(sys.executable), "st")
    config = os.path.join(os.path.dirname(__file__), "schemathesis.toml")
    result = subprocess.run(
        [st, "--config-file", config, "run", f"{portal}/api/v1/openapi.json", "--url", portal,
         "--header", f"X-API-Key: {os.environ['TOLLGATE_DEV_API_KEY']}",
         # Every check, positive_data_acceptance and unsupported_method included.
         "--checks", "all",
         # The live stream never ends, and browser login is not configured in this stack (its 503 is the documented answer).
         "--exclude-path-regex", "^/(portal/auth/|api/v1/portal/audit/stream)",
         "--max-examples", "25", "--seed", "20261123", "--request-timeout", "30", "--no-color"],
        capture_output=True, text=True, timeout=900,
    )
    failures = result.stdout.find("FAILURES")
    report = result.stdout[failures:failures + 8000] if failures >= 0 else result.stdout[-6000:]
    assert result.returncode == 0, report + result.stderr[-2000:]
