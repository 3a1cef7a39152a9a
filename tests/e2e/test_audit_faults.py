"""Nothing is lost: the count of stored events equals the calls made, through Redis
stopping mid-burst and the audit service being SIGKILLed mid-burst. Each test runs its own
redis-server, gateway and audit processes (the shared Postgres test database)."""
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid

import httpx
import pytest

from conftest import free_port, subject_of

MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}


class Redis:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.password = uuid.uuid4().hex
        self.dir = tmp_path / "redis"
        self.dir.mkdir()
        self.process = None
        self.start()

    @property
    def url(self):
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self):
        # appendfsync always: a graceful stop loses nothing that Redis acknowledged.
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--requirepass", self.password,
             "--dir", str(self.dir), "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def redis(tmp_path):
    server = Redis(tmp_path)
    yield server
    server.kill()


def mint(service_urls):
    name = f"fault-{uuid.uuid4().hex[:8]}"
    response = httpx.post(f"{service_urls['keys']}/internal/v1/keys", json={"name": name},
                          headers={"X-Tollgate-Internal-Token": os.environ["TOLLGATE_INTERNAL_TOKEN"]})
    return name, response.json()["plaintext"]


def call(gateway, key, index):
    body = {"jsonrpc": "2.0", "id": index, "method": "tools/call",
            "params": {"name": "echo", "arguments": {"message": f"call {index}"}, "_meta": MODERN_META}}
    response = httpx.post(f"{gateway.url}/mcp", content=json.dumps(body), timeout=10, headers={
        "X-API-Key": key, "Accept": "application/json", "Content-Type": "application/json",
        "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "echo"})
    assert response.status_code == 200 and "result" in response.json(), response.text


def stored(audit_url, user):
    response = httpx.get(f"{audit_url}/internal/v1/audit/events", params={"user": user, "limit": 1},
                         headers={"X-Tollgate-Internal-Token": os.environ["TOLLGATE_INTERNAL_TOKEN"]}, timeout=10)
    return response.json()["total"]


def wait_until_stored(audit_url, user, expected, timeout=45):
    deadline = time.monotonic() + timeout
    count = 0
    while time.monotonic() < deadline:
        count = stored(audit_url, user)
        if count >= expected:
            break
        time.sleep(0.2)
    time.sleep(1)  # nothing more arrives: no duplicates either
    return stored(audit_url, user)


def assert_chain_verifies(audit_url, since):
    """The trail of the test's window still verifies: no link lost, doubled or broken."""
    window = {"from": since.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
              "to": (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    report = httpx.get(f"{audit_url}/internal/v1/audit/verify", params=window,
                       headers={"X-Tollgate-Internal-Token": os.environ["TOLLGATE_INTERNAL_TOKEN"]}, timeout=120).json()
    assert report["verified"], report
    assert report["links"] >= 1


def metric(gateway, name):
    for line in httpx.get(f"{gateway.url}/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


def test_redis_stopped_during_a_burst_loses_nothing(spawn, redis, service_urls, tmp_path):
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    common = {"TOLLGATE_REDIS_URL": redis.url, "TOLLGATE_DRAIN_PERIOD": "0s"}
    audit = spawn("audit", TOLLGATE_AUDIT_CONSUMER="fault-audit-1", TOLLGATE_AUDIT_BLOCK="200ms", **common)
    gateway = spawn("gateway", TOLLGATE_GATEWAY_AUDIT_SPOOL=str(tmp_path / "spool.jsonl"), **common)
    audit.wait_ready()
    gateway.wait_ready()
    name, key = mint(service_urls)
    calls = 0
    for index in range(60):
        call(gateway, key, index)
        calls += 1
    redis.stop()
    for index in range(60, 140):  # Redis is down: the calls still succeed, their events are spooled
        call(gateway, key, index)
        calls += 1
    assert metric(gateway, "tollgate_gateway_audit_spooled_total") > 0
    redis.start()
    for index in range(140, 200):
        call(gateway, key, index)
        calls += 1
    assert wait_until_stored(audit.url, subject_of(key), calls) == calls
    assert metric(gateway, "tollgate_gateway_audit_replayed_total") > 0
    assert metric(gateway, "tollgate_gateway_audit_dropped_total") == 0
    assert_chain_verifies(audit.url, since)


def test_audit_service_killed_mid_burst_loses_nothing(spawn, redis, service_urls):
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    common = {"TOLLGATE_REDIS_URL": redis.url, "TOLLGATE_DRAIN_PERIOD": "0s"}
    first = spawn("audit", TOLLGATE_AUDIT_CONSUMER="doomed", TOLLGATE_AUDIT_BLOCK="200ms", TOLLGATE_AUDIT_BATCH_SIZE="20", **common)
    gateway = spawn("gateway", **common)
    first.wait_ready()
    gateway.wait_ready()
    name, key = mint(service_urls)
    for index in range(100):
        call(gateway, key, index)
        if index == 50:
            first.process.kill()  # SIGKILL: whatever it had read but not stored stays pending
            first.process.wait()
    second = spawn("audit", TOLLGATE_AUDIT_CONSUMER="survivor", TOLLGATE_AUDIT_BLOCK="200ms", TOLLGATE_AUDIT_CLAIM_IDLE="2s", **common)
    second.wait_ready()
    for index in range(100, 150):
        call(gateway, key, index)
    assert wait_until_stored(second.url, subject_of(key), 150) == 150
    # The killed consumer's chain ends where its last transaction committed; the survivor's
    # chain holds what it claimed: both verify.
    assert_chain_verifies(second.url, since)
