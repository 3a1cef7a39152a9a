"""Three gateway replicas behind the repository's nginx edge (deploy/nginx, rendered for local
ports), under steady load from 2025-11-25 SDK sessions, 2026-07-28 stateless SDK clients and a
live-tail reader, while one replica is SIGKILLed, the others are restarted one by one with
SIGTERM, and a replica is added:
- sessions carry on on the other replicas with the same session id (never re-initialized);
- the rolling restart and the added replica fail no call: the edge follows the replicas'
  readiness the way a Kubernetes endpoint controller does (a draining replica answers /readyz
  with 503 and is taken out of the upstream group, nginx reloads), so no request reaches a
  replica after it stops accepting;
- the SIGKILL fails only calls that were in flight on the killed replica (counted in the edge's
  access log, and equal to what the clients saw);
- every call that returned has its audit row (rows = successful calls, plus at most the calls
  the killed replica had already answered when the edge lost them);
- rate limits are shared: a key's budget is the same through one replica or three."""
import asyncio
import os
import re
import shutil
import signal
import subprocess
import time
import uuid

import httpx
import pytest

from conftest import free_port, subject_of
from mcp_client import connect
from test_audit_pipeline import call, wait_for

CLIENTS_PER_KIND = 3
DRAIN = "2s"


def render_edge(root, tmp_path, gateway_ports, portal_url, edge_port):
    """deploy/nginx/nginx.conf for local processes: the ready gateway replicas as an upstream
    group instead of a DNS name, portal-api at its local address, an access log naming the
    replica that served (or failed) each request."""
    config = open(os.path.join(root, "deploy/nginx/nginx.conf")).read()
    shutil.copy(os.path.join(root, "deploy/nginx/tollgate-proxy.conf"), tmp_path / "tollgate-proxy.conf")
    config = config.replace("/etc/nginx/tollgate-proxy.conf", str(tmp_path / "tollgate-proxy.conf"))
    config = re.sub(r"\n\s*resolver [^;]*;", "", config)
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=1s;\n" for port in gateway_ports)
    config = config.replace("http {", "http {\n  upstream tollgate_gateways {\n" + servers + "  }\n"
                            "  log_format replicas '$msec $request_time $status $request_method \"$upstream_addr\" \"$upstream_status\"';\n", 1)
    config = config.replace("access_log off;", f"access_log {tmp_path}/access.log replicas;")
    config = config.replace("set $gateway http://gateway:8080;", "set $gateway http://tollgate_gateways;")
    config = config.replace("set $portal http://portal-api:8081;", f"set $portal {portal_url};")
    config = config.replace("listen 8080;", f"listen 127.0.0.1:{edge_port};")
    assert "tollgate_gateways" in config and str(edge_port) in config, "the edge config changed shape"
    config = "user root;\n" + config
    (tmp_path / "nginx.conf").write_text(config)
    return tmp_path / "nginx.conf"


class Edge:
    def __init__(self, root, tmp_path, gateway_ports, portal_url):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "access.log"
        self.error_log = tmp_path / "error.log"
        self.render = lambda ports: render_edge(root, tmp_path, ports, portal_url, self.port)
        self.members = list(gateway_ports)
        conf = self.render(self.members)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", str(tmp_path), "-g", f"daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/healthz", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"nginx did not start: {self.process.stderr.read1().decode() if self.process.poll() is not None else ''}")

    def entries(self):
        """(start, end, status, upstream addresses) per proxied request."""
        found = []
        for line in open(self.log):
            match = re.match(r'(\S+) (\S+) (\d+) (\S+) "([^"]*)" "([^"]*)"', line)
            if match:
                end, duration = float(match.group(1)), float(match.group(2))
                found.append((end - duration, end, int(match.group(3)), match.group(5)))
        return found

    def lost_calls(self, port):
        """Calls (POSTs) the edge had sent to the replica on `port` and lost when it went away:
        its error log names each (a refused connection is not one: the edge tried the next
        replica)."""
        lost = []
        for line in open(self.error_log):
            if f"upstream: \"http://127.0.0.1:{port}/" in line and 'request: "POST ' in line and "connect() failed" not in line:
                lost.append(line.strip())
        return lost

    def set_members(self, ports):
        """Rewrites the upstream group and reloads: new workers use it, old ones finish what
        they carry (nginx's graceful reload)."""
        if not ports or ports == self.members:
            return
        self.members = list(ports)
        self.render(self.members)
        self.process.send_signal(signal.SIGHUP)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


async def follow_readiness(edge, candidates, stop):
    """What an orchestrator does for the edge (Kubernetes removes a pod whose readiness probe
    fails from its Service's endpoints): every 100 ms, the replicas whose /readyz answers 200
    are the upstream group. A replica in its drain period answers 503 and leaves the group
    before it stops accepting connections; a killed one stops answering and leaves too."""
    async with httpx.AsyncClient(timeout=0.5) as client:
        async def ready(port):
            try:
                return (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
            except httpx.HTTPError:
                return False
        while not stop.is_set():
            ports = list(candidates)
            states = await asyncio.gather(*(ready(port) for port in ports))
            edge.set_members([port for port, up in zip(ports, states) if up])
            await asyncio.sleep(0.1)


class Load:
    """Clients calling `slow` (150 ms, so calls are in flight when a replica dies) until stopped."""

    def __init__(self, url, key):
        self.url = url
        self.key = key
        self.stop = asyncio.Event()
        self.succeeded = 0
        self.failures = []
        self.session_ids = {}

    async def client(self, mode, index):
        observed = set()

        async def remember(request):
            if "mcp-session-id" in request.headers:
                observed.add(request.headers["mcp-session-id"])

        # A connection per request: each edge reload (a replica joins or leaves) retires nginx's
        # old workers, which close their idle keep-alive connections, and a request sent on one
        # just then dies in the client (ReadError) before any replica sees it. That race is
        # between the client and nginx; this test is about the replicas.
        async with connect(mode, key=self.key, url=f"{self.url}/mcp", headers={"Connection": "close"}, hooks={"request": [remember]}) as client:
            while not self.stop.is_set():
                try:
                    result = await client.call_tool("slow", {"milliseconds": 150})
                    assert not result.is_error, result
                    self.succeeded += 1
                except Exception as error:  # noqa: BLE001 - every failure is counted and reported
                    self.failures.append((time.time(), mode, repr(error)[:300]))
                    await asyncio.sleep(0.05)
        self.session_ids[(mode, index)] = observed


async def tail(url, key, stop, received):
    """The live tail through the edge, counting this test's events."""
    async with httpx.AsyncClient(timeout=httpx.Timeout(5, read=60)) as client:
        async with client.stream("GET", f"{url}/api/v1/portal/audit/stream", headers={"X-API-Key": os.environ["TOLLGATE_DEV_API_KEY"]},
                                 params={"user": subject_of(key)}) as response:
            assert response.status_code == 200
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    received.append(line)
                if stop.is_set():
                    return


def mint(service_urls):
    response = httpx.post(f"{service_urls['keys']}/internal/v1/keys", json={"name": f"scale-{uuid.uuid4().hex[:8]}"},
                          headers={"X-Tollgate-Internal-Token": os.environ["TOLLGATE_INTERNAL_TOKEN"]})
    assert response.status_code == 201, response.text
    return response.json()["plaintext"]


@pytest.mark.timeout(300)
def test_replicas_survive_kill_rolling_restart_and_scale_out(spawn, service_urls, root, tmp_path):
    ports = [free_port() for _ in range(4)]  # the fourth is added later
    settings = {"TOLLGATE_DRAIN_PERIOD": DRAIN, "TOLLGATE_GATEWAY_TRUSTED_PROXIES": "127.0.0.1"}

    def start(port):
        replica = spawn("gateway", TOLLGATE_GATEWAY_PORT=str(port), **settings)
        replica.wait_ready()
        return replica

    replicas = {port: start(port) for port in ports[:3]}
    edge = Edge(root, tmp_path, ports[:3], service_urls["portal-api"])
    key = mint(service_urls)
    load = Load(edge.url, key)
    received = []
    events = {}

    async def scenario():
        tail_stop = asyncio.Event()
        orchestrator_stop = asyncio.Event()
        orchestrator = asyncio.create_task(follow_readiness(edge, replicas, orchestrator_stop))
        tailer = asyncio.create_task(tail(edge.url, key, tail_stop, received))
        clients = [asyncio.create_task(load.client(mode, index)) for mode in ("legacy", "auto") for index in range(CLIENTS_PER_KIND)]
        await asyncio.sleep(3)
        # 1. A replica dies without warning.
        victim = ports[0]
        events["kill"] = time.time()
        replicas[victim].kill()
        await asyncio.sleep(3)
        events["killed_until"] = time.time()
        # 2. The survivors restart one by one: SIGTERM (drain), exit, start again.
        for port in ports[1:3]:
            replicas[port].terminate()
            assert await asyncio.to_thread(replicas[port].wait, 30) == 0
            replicas[port] = await asyncio.to_thread(start, port)
            await asyncio.sleep(2)
        # 3. A replica is added, and the killed one comes back.
        for port in (ports[3], victim):
            replicas[port] = await asyncio.to_thread(start, port)
        await asyncio.sleep(3)
        load.stop.set()
        await asyncio.gather(*clients)
        # The tail lags the calls by the audit pipeline's latency: wait for it to catch up.
        deadline = time.monotonic() + 30
        while len(received) < load.succeeded and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        tail_stop.set()
        tailer.cancel()
        orchestrator_stop.set()
        await asyncio.gather(tailer, orchestrator, return_exceptions=True)

    try:
        asyncio.run(scenario())
        calls = edge.entries()
    finally:
        edge.stop()

    print(f"scale-out: {load.succeeded} calls succeeded, {len(load.failures)} failed at the SIGKILL, "
          f"{len(received)} events tailed, {len(calls)} requests through the edge")
    assert load.succeeded > 50, f"too little load got through: {load.succeeded}"
    # Failures: only during the SIGKILL, and exactly the calls the edge had sent to the killed
    # replica and lost (cut before or while answering); never more than were in flight.
    lost = edge.lost_calls(ports[0])
    assert len(load.failures) == len(lost), (load.failures, lost)
    assert len(lost) <= 2 * CLIENTS_PER_KIND
    for moment, mode, error in load.failures:
        assert events["kill"] <= moment <= events["killed_until"], (mode, error)
    # Nothing else failed at the edge: every other error answer would be logged as 5xx.
    assert all(entry[2] < 500 or entry[3].split(", ")[-1] == f"127.0.0.1:{ports[0]}" for entry in calls)
    # Sessions were never re-established: one session id per 2025 client, none for 2026 ones.
    for (mode, _), observed in load.session_ids.items():
        assert len(observed) == (1 if mode == "legacy" else 0), (mode, observed)
    # Every returned call is in the trail; the killed replica may have stored a few it answered
    # into a connection the edge had already lost.
    stored = wait_for(service_urls, load.succeeded, timeout=30, user=subject_of(key))["total"]
    assert load.succeeded <= stored <= load.succeeded + len(lost)
    # The live tail, through the edge, delivered every stored call's event.
    assert len(received) >= load.succeeded, (len(received), load.succeeded)


def rate_limited_calls(url, key, count):
    """`count` quick calls in a row; how many the rate limit let through."""
    return sum(call({"gateway": url}, key, "echo", {"message": "x"}).status_code != 429 for _ in range(count))


def test_a_keys_budget_is_the_same_through_one_replica_or_three(spawn, service_urls, root, tmp_path):
    limits = {"TOLLGATE_GATEWAY_RATE_LIMIT": "1", "TOLLGATE_GATEWAY_RATE_BURST": "10"}
    replicas = [spawn("gateway", **limits) for _ in range(3)]
    for replica in replicas:
        replica.wait_ready()
    edge = Edge(root, tmp_path, [replica.port for replica in replicas], service_urls["portal-api"])
    try:
        started = time.monotonic()
        through_three = rate_limited_calls(edge.url, mint(service_urls), 30)
        three_seconds = time.monotonic() - started
        started = time.monotonic()
        through_one = rate_limited_calls(replicas[0].url, mint(service_urls), 30)
        one_seconds = time.monotonic() - started
    finally:
        edge.stop()
    # The burst plus what refilled while the calls ran (1/s); three private buckets would
    # have let about three bursts through.
    assert 10 <= through_three <= 10 + int(three_seconds) + 1, (through_three, three_seconds)
    assert 10 <= through_one <= 10 + int(one_seconds) + 1, (through_one, one_seconds)
