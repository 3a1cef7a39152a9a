"""Measures audit ingest against its ceiling. Not a test: it prints numbers.

A: N events are written to the stream with `redis-cli --pipe` (the gateway's XADD, at full
speed); the clock stops when the audit service has committed all N rows (events and payloads).
B: the same N rows (new ids) are loaded with COPY into the same two tables in one psql session.
Bench rows are deleted afterwards."""
import argparse
import csv
import json
import os
import subprocess
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone

from benchlib import ENV, PG, psql

REDIS_PORT = os.environ.get("TOLLGATE_REDIS_PORT", "63790")

ARGUMENTS = {"message": "hello", "extras": {"n": 1.0, "list": [1, 2, 3]}}
RESULT = {"content": [{"type": "text", "text": "hello"}], "isError": False}
HEADERS = {"user-agent": ["bench"], "x-api-key": ["[redacted]"]}


def event(tool, index, now):
    return {
        "id": str(uuid.uuid4()), "timestamp": now, "duration_ms": index % 50, "request_id": f"bench-{index}",
        "user_subject": "apikey:bench", "auth_type": "apikey", "api_key_name": "bench", "tool_name": tool, "tool_group": "identity",
        "parameters": json.dumps(ARGUMENTS), "success": True, "request_chars": 60, "response_chars": 60, "content_blocks": 1,
        "transport": "http", "source": "mcp", "user_agent": "bench", "trace_id": uuid.uuid4().hex,
        "payload": {"jsonrpc_method": "tools/call", "request_params": json.dumps(ARGUMENTS), "request_size_bytes": 60,
                    "request_truncated": False, "request_headers": json.dumps(HEADERS), "response_result": json.dumps(RESULT),
                    "response_size_bytes": 60, "response_truncated": False, "notifications_truncated": False},
    }


def resp(*parts):
    out = [f"*{len(parts)}\r\n".encode()]
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def pipeline_round(count):
    tool = f"bench-stream-{uuid.uuid4().hex[:8]}"
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    with tempfile.NamedTemporaryFile(delete=False) as commands:
        for index in range(count):
            commands.write(resp("XADD", "tollgate:audit", "*", "e", json.dumps(event(tool, index, now))))
    before = stored_total()
    started = time.monotonic()
    with open(commands.name, "rb") as stream:
        subprocess.run(["redis-cli", "-p", REDIS_PORT, "--pipe"], stdin=stream, env=ENV, capture_output=True, check=True)
    written = time.monotonic()
    # The service's own counter of committed events is polled (cheap); counting the rows in
    # Postgres every few milliseconds would take CPU from the pipeline it measures. The rows
    # are counted once at the end.
    while stored_total() < before + count:
        time.sleep(0.02)
    committed = time.monotonic()
    stored = int(psql(f"SELECT count(*) FROM audit.audit_payloads p JOIN audit.audit_events e ON e.id = p.event_id AND e.ts = p.ts WHERE e.tool_name = '{tool}'"))
    if stored != count:
        raise SystemExit(f"pipeline round: {stored} of {count} rows stored")
    os.unlink(commands.name)
    verified = verify_window(now)
    remove(tool)
    pipeline_round.last_verify = verified
    return count / (committed - started), written - started, committed - started


def stored_total():
    """The audit service's `tollgate_audit_events_stored_total` (its /metrics)."""
    import urllib.request
    text = urllib.request.urlopen(f"{os.environ['TOLLGATE_AUDIT_URL']}/metrics", timeout=10).read().decode()
    for line in text.splitlines():
        if line.startswith("tollgate_audit_events_stored_total "):
            return float(line.split()[1])
    raise SystemExit("the audit service reports no tollgate_audit_events_stored_total")


def verify_window(stamp):
    """The audit service's chain verification of the millisecond `stamp`, which every event of the
    round carries and no other event does: (verified, links, elapsed ms as the service measured it).
    (A wider window took in the last events of the lag round before, whose rows `remove` had
    deleted while their links stay, and reported them as deleted.)"""
    import urllib.parse
    import urllib.request
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    window = {"from": moment.isoformat().replace("+00:00", "Z"), "to": (moment + timedelta(milliseconds=1)).isoformat().replace("+00:00", "Z")}
    request = urllib.request.Request(f"{os.environ['TOLLGATE_AUDIT_URL']}/internal/v1/audit/verify?{urllib.parse.urlencode(window)}",
                                     headers={"X-Tollgate-Internal-Token": os.environ["TOLLGATE_INTERNAL_TOKEN"]})
    report = json.loads(urllib.request.urlopen(request, timeout=600).read())
    return report["verified"], report["links"], report["elapsed_ms"]


def lag_round(rate, seconds):
    """Events written at a steady `rate` for `seconds`, each stamped when written; the lag of an
    event is from that stamp to its announcement by the audit service after commit (the live
    tail sees it then). Returns (events, p50 ms, p99 ms, max ms)."""
    tool = f"bench-lag-{uuid.uuid4().hex[:8]}"
    listener = subprocess.Popen(["redis-cli", "-p", REDIS_PORT, "--no-raw", "SUBSCRIBE", "tollgate:audit:committed"],
                                env=ENV, stdout=subprocess.PIPE, text=True)
    lags = []

    def listen():
        for line in listener.stdout:
            arrived = time.time()
            line = line.strip()
            start = line.find("[{")
            if start < 0 or tool not in line:
                continue
            text = json.loads(line[line.find('"'):])  # redis-cli quotes the payload
            for announced in json.loads(text):
                if announced.get("tool_name") == tool:
                    stamped = datetime.fromisoformat(announced["timestamp"].replace("Z", "+00:00")).timestamp()
                    lags.append((arrived - stamped) * 1000)

    import threading
    reader = threading.Thread(target=listen, daemon=True)
    reader.start()
    time.sleep(0.5)
    chunk = max(1, rate // 20)
    total = 0
    deadline = time.monotonic() + seconds
    pipe = subprocess.Popen(["redis-cli", "-p", REDIS_PORT, "--pipe"], stdin=subprocess.PIPE, env=ENV, stdout=subprocess.DEVNULL)
    while time.monotonic() < deadline:
        tick = time.monotonic()
        now = datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
        pipe.stdin.write(b"".join(resp("XADD", "tollgate:audit", "*", "e", json.dumps(event(tool, total + i, now))) for i in range(chunk)))
        pipe.stdin.flush()
        total += chunk
        time.sleep(max(0, 0.05 - (time.monotonic() - tick)))
    pipe.stdin.close()
    pipe.wait()
    wait_until = time.monotonic() + 30
    while len(lags) < total and time.monotonic() < wait_until:
        time.sleep(0.05)
    listener.terminate()
    remove(tool)
    lags.sort()
    if not lags:
        return total, float("nan"), float("nan"), float("nan"), 0
    return total, lags[len(lags) // 2], lags[min(len(lags) - 1, int(len(lags) * 0.99))], lags[-1], len(lags)


def copy_round(count):
    tool = f"bench-copy-{uuid.uuid4().hex[:8]}"
    now = datetime.now(timezone.utc).isoformat()
    events_file = tempfile.NamedTemporaryFile("w", delete=False, newline="", suffix=".csv")
    payloads_file = tempfile.NamedTemporaryFile("w", delete=False, newline="", suffix=".csv")
    events, payloads = csv.writer(events_file), csv.writer(payloads_file)
    for index in range(count):
        e = event(tool, index, now)
        events.writerow([e["id"], now, e["duration_ms"], e["request_id"], e["user_subject"], e["auth_type"], e["api_key_name"], tool,
                         e["tool_group"], e["parameters"], "t", 60, 60, 1, "http", "mcp", "bench", e["trace_id"]])
        p = e["payload"]
        payloads.writerow([e["id"], now, "tools/call", p["request_params"], 60, "f", p["request_headers"], p["response_result"], 60, "f", "f"])
    events_file.close()
    payloads_file.close()
    for path in (events_file.name, payloads_file.name):
        os.chmod(path, 0o644)
    started = time.monotonic()
    subprocess.run(PG + [
        "-c", f"\\copy audit.audit_events (id, ts, duration_ms, request_id, user_subject, auth_type, api_key_name, tool_name, tool_group, parameters, success, request_chars, response_chars, content_blocks, transport, source, user_agent, trace_id) FROM '{events_file.name}' CSV",
        "-c", f"\\copy audit.audit_payloads (event_id, ts, jsonrpc_method, request_params, request_size_bytes, request_truncated, request_headers, response_result, response_size_bytes, response_truncated, notifications_truncated) FROM '{payloads_file.name}' CSV",
    ], env=ENV, capture_output=True, check=True)
    elapsed = time.monotonic() - started
    os.unlink(events_file.name)
    os.unlink(payloads_file.name)
    remove(tool)
    return count / elapsed, elapsed


def remove(tool):
    """Deletes a round's rows and vacuums, so the next round's inserts do not wade through
    dead index entries. The chain links stay: the next round's window verifies from the last
    link before it."""
    psql(
        f"DELETE FROM audit.audit_payloads WHERE event_id IN (SELECT id FROM audit.audit_events WHERE tool_name = '{tool}'); "
        f"DELETE FROM audit.audit_events WHERE tool_name = '{tool}'"
    )
    psql("VACUUM audit.audit_events, audit.audit_payloads")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rows = []
    for round_index in range(args.rounds):
        rate, written, total = pipeline_round(args.events)
        rows.append((f"A{round_index + 1}: XADD → committed (audit service)", args.events, total, rate))
        copy_rate, copy_time = copy_round(args.events)
        rows.append((f"B{round_index + 1}: COPY into the same tables", args.events, copy_time, copy_rate))
    print(f"machine: {os.cpu_count()} cores; audit service build: {os.environ.get('TOLLGATE_BUILD_CONFIG', 'debug')}; "
          f"batch size {os.environ.get('TOLLGATE_AUDIT_BATCH_SIZE', '2000')}")
    print("| run | events | seconds | events/s |")
    print("|---|---|---|---|")
    for name, count, seconds, rate in rows:
        print(f"| {name} | {count} | {seconds:.2f} | {rate:,.0f} |")
    stream = [rate for name, _, _, rate in rows if name.startswith("A")]
    copy = [rate for name, _, _, rate in rows if name.startswith("B")]
    print(f"\npipeline / COPY: {sum(stream) / sum(copy):.2f} (mean of {args.rounds} interleaved rounds)")


if __name__ == "__main__":
    main()
