"""The tamper-evident trail from outside: the portal verifies a window, serves its signed
checkpoints, and an export of the window verifies offline with `audit verify-export`; an
edited or shortened export does not."""
import datetime
import json
import os
import subprocess

import httpx

from conftest import subject_of
from test_audit_pipeline import call, mint, wait_for


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def portal_get(service_urls, path, key, **params):
    return httpx.get(f"{service_urls['portal-api']}{path}", params=params, headers={"X-API-Key": key}, timeout=120)


def window_with_calls(service_urls, calls=6):
    """Makes `calls` tool calls with a fresh key; the window around them once all are stored."""
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=2)
    _, key = mint(service_urls)
    for index in range(calls):
        assert call(service_urls, key, "echo", {"message": f"chained {index}"}).status_code == 200
    assert wait_for(service_urls, calls, timeout=10, user=subject_of(key))["total"] == calls
    return {"from": stamp(start), "to": stamp(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2))}, key


def test_the_portal_verifies_the_trail_and_refuses_callers_without_the_audit_scope(service_urls):
    window, plain_key = window_with_calls(service_urls)
    admin = os.environ["TOLLGATE_DEV_API_KEY"]
    report = portal_get(service_urls, "/api/v1/portal/audit/verify", admin, **window)
    assert report.status_code == 200, report.text
    assert report.json()["verified"] is True and report.json()["links"] >= 6, report.json()
    for path in ("/api/v1/portal/audit/verify", "/api/v1/portal/audit/checkpoints"):
        refused = portal_get(service_urls, path, plain_key, **window)
        assert refused.status_code == 403 and "audit scope" in refused.json()["error"]
    checkpoints = portal_get(service_urls, "/api/v1/portal/audit/checkpoints", admin, **window).json()
    assert checkpoints["algorithm"] == "Ed25519" and checkpoints["public_key"], checkpoints
    # Malformed and oversized windows are refused, not run.
    assert portal_get(service_urls, "/api/v1/portal/audit/verify", admin, **{"from": "yesterday"}).status_code == 400
    long = {"from": "2026-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}
    assert portal_get(service_urls, "/api/v1/portal/audit/verify", admin, **long).status_code == 422


def test_an_export_verifies_offline_and_a_tampered_one_does_not(service_urls, bin_dir, tmp_path):
    window, _ = window_with_calls(service_urls, calls=8)
    admin = os.environ["TOLLGATE_DEV_API_KEY"]
    export = portal_get(service_urls, "/api/v1/portal/audit/export", admin, format="jsonl", **window)
    assert export.status_code == 200
    lines = [json.loads(line) for line in export.text.splitlines() if line]
    assert len(lines) >= 8 and all("chain" in line for line in lines)
    checkpoints = portal_get(service_urls, "/api/v1/portal/audit/checkpoints", admin, **window).json()
    (tmp_path / "checkpoints.json").write_text(json.dumps(checkpoints))

    def verify(rows):
        (tmp_path / "export.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
        done = subprocess.run([os.path.join(bin_dir, "audit"), "verify-export", str(tmp_path / "export.jsonl"), str(tmp_path / "checkpoints.json"),
                               "--public-key", checkpoints["public_key"]], capture_output=True, text=True, timeout=60)
        return done.returncode, json.loads(done.stdout) if done.stdout else done.stderr

    status, report = verify(lines)
    assert status == 0 and report["verified"] and report["lines"] == len(lines), report

    # The content a link covers, edited: modified.
    edited = json.loads(json.dumps(lines))
    edited[3]["chain"]["event"] = edited[3]["chain"]["event"].replace("echo", "ohce", 1)
    status, report = verify(edited)
    assert status == 1 and report["first_break"]["kind"] == "modified", report

    # A visible field changed but the chained content left alone: modified too.
    edited = json.loads(json.dumps(lines))
    edited[2]["success"] = not edited[2]["success"]
    status, report = verify(edited)
    assert status == 1 and report["first_break"]["kind"] == "modified", report

    # A line of one chain removed from the middle: deleted.
    chain = lines[0]["chain"]["id"]
    same_chain = sorted((line for line in lines if line["chain"]["id"] == chain), key=lambda line: line["chain"]["seq"])
    if len(same_chain) >= 3:
        removed = same_chain[1]
        status, report = verify([line for line in lines if line is not removed])
        assert status == 1 and report["first_break"]["kind"] == "deleted", report

    # Garbage is a usage error, not a verdict.
    (tmp_path / "export.jsonl").write_text("not json\n")
    done = subprocess.run([os.path.join(bin_dir, "audit"), "verify-export", str(tmp_path / "export.jsonl"), str(tmp_path / "checkpoints.json")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not an audit event" in done.stderr
