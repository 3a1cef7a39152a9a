"""Postgres restarted during ingest: nothing is lost. (Named to run last: it restarts the
suite's shared cluster; every service reconnects by itself.)"""
import os
import subprocess
import time

import pytest

from conftest import subject_of
from test_audit_faults import Redis, call, mint, stored, wait_until_stored


@pytest.fixture
def redis(tmp_path):
    server = Redis(tmp_path)
    yield server
    server.kill()


def restart_postgres():
    data = os.environ.get("TOLLGATE_PG_DATA")
    binaries = os.environ.get("TOLLGATE_PG_BIN")
    assert data and binaries, "run through ./dev test (it passes TOLLGATE_PG_DATA and TOLLGATE_PG_BIN)"
    log = os.environ.get("TOLLGATE_PG_LOG", "/dev/null")
    command = [os.path.join(binaries, "pg_ctl"), "-D", data, "-l", log, "-m", "fast", "-w", "-t", "60", "restart"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--"] + command
    # pg_ctl restart reuses the options the server was started with (port, socket, listen address).
    # The new postmaster writes to the log file, not to our pipes (a captured pipe would never close).
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=90)


def test_postgres_restarted_during_ingest_loses_nothing(spawn, redis, service_urls):
    common = {"TOLLGATE_REDIS_URL": redis.url, "TOLLGATE_DRAIN_PERIOD": "0s"}
    audit = spawn("audit", TOLLGATE_AUDIT_CONSUMER="pg-restart", TOLLGATE_AUDIT_BLOCK="200ms", TOLLGATE_AUDIT_BATCH_SIZE="10", **common)
    gateway = spawn("gateway", **common)
    audit.wait_ready()
    gateway.wait_ready()
    name, key = mint(service_urls)
    calls = 0
    for index in range(80):
        call(gateway, key, index)  # the key is cached after the first call: no Postgres needed
        calls += 1
        if index == 30:
            restart_postgres()
    assert wait_until_stored(audit.url, subject_of(key), calls, timeout=60) == calls
