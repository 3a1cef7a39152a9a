"""IBM's ContextForge gateway as the benchmark's peer, run as `../shared/peers/contextforge.md`
describes: PyPI `mcp-contextforge-gateway` 1.1.0 in its own Python 3.12 venv under .dev/bench,
SQLite, no Redis, one worker with stateful sessions, rate limiting off, bound to 127.0.0.1,
fronting the same upstream as Tollgate. Nothing of it is committed; it is installed when run."""
import glob
import json
import os
import signal
import subprocess
import time
import urllib.request

import httpx

from benchlib import free_port

VERSION = "1.1.0"


class Unavailable(Exception):
    pass


def _python312():
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for candidate in sorted(glob.glob(f"{root}/versions/3.12*/bin/python3")) + sorted(glob.glob(f"{root}/versions/3.13*/bin/python3")):
        return candidate
    for name in ("python3.12", "python3.13"):
        found = subprocess.run(["which", name], capture_output=True, text=True).stdout.strip()
        if found:
            return found
    raise Unavailable("ContextForge 1.1.0 needs Python 3.12 or 3.13, and neither is installed")


def _run(argv, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise Unavailable(f"`{' '.join(argv[:4])} ...` failed: {(result.stderr or result.stdout).strip()[-500:]}")
    return result.stdout


class Peer:
    def __init__(self, process, url, token, endpoint, tool, log):
        self.process, self.url, self.token, self.endpoint, self.tool, self.log = process, url, token, endpoint, tool, log
        self.version = VERSION
        self.mode = "SQLite, 1 worker, stateful sessions, no Redis"

    def check(self):
        """Opens the MCP session the load runs in (stateful sessions need one), then makes one call."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        init = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "tollgate-bench", "version": "1"}}}
        opened = httpx.post(self.endpoint, json=init, headers=headers, timeout=30)
        self.session = opened.headers.get("mcp-session-id")
        if opened.status_code != 200 or not self.session:
            raise Unavailable(f"initialize through ContextForge answered {opened.status_code}: {opened.text[:300]}")
        headers.update({"Mcp-Session-Id": self.session, "MCP-Protocol-Version": "2025-06-18"})
        httpx.post(self.endpoint, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers, timeout=30)
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": self.tool, "arguments": {"message": "hello"}}}
        response = httpx.post(self.endpoint, json=body, headers=headers, timeout=30)
        if response.status_code != 200 or "hello" not in response.text:
            raise Unavailable(f"a call through ContextForge answered {response.status_code}: {response.text[:300]}")

    def wrk(self, connections, seconds):
        import gateway_bench
        return gateway_bench.wrk(self.endpoint, self.tool, connections, seconds, modern=False, bearer=self.token,
                                 accept="application/json, text/event-stream", session=self.session)

    def rss_mib(self):
        """Resident memory of the server and every process it started."""
        total = 0
        pids = [self.process.pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()]
        for pid in pids:
            try:
                for line in open(f"/proc/{pid}/status"):
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total / 1024

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


def start(upstream_url, workdir_root):
    workdir = os.path.join(workdir_root, "contextforge")
    venv = os.path.join(workdir_root, "contextforge-venv")
    os.makedirs(workdir, exist_ok=True)
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(os.path.join(venv, "bin", "mcpgateway")):
        _run([_python312(), "-m", "venv", venv])
        _run([python, "-m", "pip", "install", "-q", f"mcp-contextforge-gateway=={VERSION}"], timeout=900)
    secrets_file = os.path.join(workdir, ".env.secrets")
    if not os.path.exists(secrets_file):
        _run([python, "-m", "mcpgateway.scripts.init_secrets", "--output", secrets_file, "--force"], cwd=workdir)
    secrets = {}
    for line in open(secrets_file):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            secrets[key] = value.strip().strip('"').strip("'")
    port = free_port()
    database = os.path.join(workdir, "mcp.db")
    if os.path.exists(database):
        os.unlink(database)
    env = {
        **os.environ, **secrets,
        "HOST": "127.0.0.1", "PORT": str(port), "DATABASE_URL": f"sqlite:///{database}", "CACHE_TYPE": "memory",
        "AUTH_REQUIRED": "true", "MCP_CLIENT_AUTH_ENABLED": "true", "MCPGATEWAY_UI_ENABLED": "false", "MCPGATEWAY_ADMIN_API_ENABLED": "true",
        "PLATFORM_ADMIN_EMAIL": "admin@example.com", "BASIC_AUTH_USER": "admin", "SSRF_ALLOW_LOCALHOST": "true",
        "SSRF_ALLOW_PRIVATE_NETWORKS": "true", "PLUGINS_ENABLED": "false", "OBSERVABILITY_ENABLED": "false",
        "OTEL_ENABLE_OBSERVABILITY": "false", "LOG_LEVEL": "ERROR", "ENVIRONMENT": "development", "MCPGATEWAY_A2A_ENABLED": "false",
        "RATE_LIMITING_ENABLED": "false", "USE_STATEFUL_SESSIONS": "true",
    }
    log = open(os.path.join(workdir_root, "contextforge.log"), "w")
    process = subprocess.Popen([os.path.join(venv, "bin", "mcpgateway"), "--host", "127.0.0.1", "--port", str(port)],
                               env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            raise Unavailable(f"mcpgateway exited with {process.returncode}; see .dev/bench/contextforge.log")
        try:
            if urllib.request.urlopen(f"{url}/health", timeout=2).status == 200:
                break
        except Exception:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise Unavailable("mcpgateway did not answer /health within 180 s")
        time.sleep(0.5)
    token = _run([python, "-m", "mcpgateway.utils.create_jwt_token", "--username", "admin@example.com", "--admin", "--exp", "120"],
                 env=env, cwd=workdir).strip().splitlines()[-1]
    admin = {"Authorization": f"Bearer {token}"}
    registered = httpx.post(f"{url}/gateways", json={"name": "echo-upstream", "url": upstream_url, "transport": "STREAMABLEHTTP"}, headers=admin, timeout=60)
    if registered.status_code >= 300:
        raise Unavailable(f"registering the upstream failed: {registered.status_code} {registered.text[:300]}")
    tools = httpx.get(f"{url}/tools", headers=admin, timeout=30).json()
    tools = tools.get("items", tools) if isinstance(tools, dict) else tools
    echo = next((t for t in tools if str(t.get("name", "")).endswith("echo")), None)
    if echo is None:
        raise Unavailable(f"the upstream's echo tool did not appear: {json.dumps(tools)[:300]}")
    server = httpx.post(f"{url}/servers", json={"server": {"name": "echo-vs", "associated_tools": [echo["id"]]}}, headers=admin, timeout=30)
    if server.status_code >= 300:
        raise Unavailable(f"creating the virtual server failed: {server.status_code} {server.text[:300]}")
    endpoint = f"{url}/servers/{server.json()['id']}/mcp"
    return Peer(process, url, token, endpoint, echo["name"], log)

