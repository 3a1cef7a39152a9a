"""Shared fixtures of the end-to-end suite. `./dev test` starts the services and sets the
environment; these tests drive the real binaries over HTTP."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

import httpx
import pytest

SERVICES = {
    "gateway": "TOLLGATE_GATEWAY_PORT",
    "portal-api": "TOLLGATE_PORTAL_PORT",
    "keys": "TOLLGATE_KEYS_PORT",
    "audit": "TOLLGATE_AUDIT_PORT",
}


def require_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the end-to-end suite with ./dev test")
    return value


@pytest.fixture(scope="session")
def root() -> str:
    return require_env("TOLLGATE_ROOT")


@pytest.fixture(scope="session")
def bin_dir() -> str:
    return require_env("TOLLGATE_BIN_DIR")


@pytest.fixture(scope="session")
def service_urls() -> dict:
    return {name: f"http://127.0.0.1:{require_env(var)}" for name, var in SERVICES.items()}


@pytest.fixture
def http():
    with httpx.Client(timeout=10) as client:
        yield client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServiceProcess:
    """A service binary started by a test, with its stderr (JSON logs) captured."""

    def __init__(self, bin_dir: str, name: str, env: dict):
        self.name = name
        self.env = env
        self.port = int(env.get(f"{prefix(name)}_PORT", "0"))
        self.url = f"http://127.0.0.1:{self.port}"
        # stderr goes to a file: a pipe nobody reads fills up and blocks the service's logging.
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen([os.path.join(bin_dir, name)], env=env, stdout=subprocess.DEVNULL, stderr=self.log, text=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}: {self.stderr()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not become ready in {timeout} s")

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 30) -> int:
        return self.process.wait(timeout=timeout)

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def log_lines(self) -> list:
        return [json.loads(line) for line in self.stderr().splitlines() if line.strip()]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def prefix(name: str) -> str:
    return "TOLLGATE_PORTAL" if name == "portal-api" else f"TOLLGATE_{name.upper()}"


@pytest.fixture
def spawn(bin_dir):
    """Starts extra service processes on free ports; kills leftovers after the test."""
    yield from spawner(bin_dir)


@pytest.fixture(scope="module")
def spawn_module(bin_dir):
    """`spawn` for processes that a whole module shares."""
    yield from spawner(bin_dir)


def spawner(bin_dir):
    started = []

    def start(name: str, **overrides) -> ServiceProcess:
        env = dict(os.environ)
        env[f"{prefix(name)}_PORT"] = str(free_port())
        env.update({key: value for key, value in overrides.items() if value is not None})
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
        process = ServiceProcess(bin_dir, name, env)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


def subject_of(plaintext: str) -> str:
    """The audit/identity subject of a database key: `apikey:<key id>` (never its name)."""
    return "apikey:" + plaintext.split("_")[1]
