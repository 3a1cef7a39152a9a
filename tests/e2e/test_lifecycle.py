"""Process-level behaviour of the real binaries: drain on SIGTERM, clean exit, replicas
starting together, configuration errors, JSON logs with request ids."""
import threading
import time

import httpx


def test_sigterm_drains_then_exits_cleanly(spawn):
    keys = spawn("keys", TOLLGATE_DRAIN_PERIOD="2s")
    keys.wait_ready()
    keys.terminate()
    statuses = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and keys.process.poll() is None:
        try:
            statuses.append(httpx.get(f"{keys.url}/readyz", timeout=1).status_code)
        except httpx.HTTPError:
            statuses.append("refused")
        time.sleep(0.05)
    assert 503 in statuses, statuses
    assert keys.wait() == 0
    messages = [line["msg"] for line in keys.log_lines()]
    assert "draining before shutdown" in messages
    assert messages[-1] == "stopped"


def test_requests_in_the_drain_period_are_still_served(spawn):
    keys = spawn("keys", TOLLGATE_DRAIN_PERIOD="2s")
    keys.wait_ready()
    keys.terminate()
    time.sleep(0.5)
    assert httpx.get(f"{keys.url}/readyz", timeout=2).status_code == 503
    assert httpx.get(f"{keys.url}/healthz", timeout=2).status_code == 200
    assert keys.wait() == 0


def test_replicas_starting_together_both_become_ready(spawn):
    replicas = [spawn("audit", TOLLGATE_DRAIN_PERIOD="0s") for _ in range(3)]
    errors = []

    def wait(replica):
        try:
            replica.wait_ready()
        except AssertionError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=wait, args=(replica,)) for replica in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for replica in replicas:
        assert httpx.get(f"{replica.url}/readyz").status_code == 200
        replica.terminate()
        assert replica.wait() == 0


def test_a_missing_secret_stops_start_up_with_a_clear_message(spawn):
    keys = spawn("keys", TOLLGATE_KEYS_DB_PASSWORD=None)
    assert keys.wait() == 2
    assert "postgres.password (TOLLGATE_KEYS_DB_PASSWORD) is required" in keys.stderr()


def test_a_bad_config_file_stops_start_up(spawn, tmp_path):
    config = tmp_path / "keys.yaml"
    config.write_text("http:\n  port: ${TOLLGATE_TEST_UNSET_VARIABLE}\n")
    keys = spawn("keys", TOLLGATE_KEYS_CONFIG=str(config), TOLLGATE_KEYS_PORT=None)
    assert keys.wait() == 2
    assert "${TOLLGATE_TEST_UNSET_VARIABLE} is used in the configuration file but not set" in keys.stderr()


def test_yaml_config_file_with_interpolation(spawn, tmp_path):
    config = tmp_path / "keys.yaml"
    config.write_text("shutdown:\n  drain_period: ${TOLLGATE_TEST_DRAIN:-1s}\nlog:\n  level: debug\n")
    keys = spawn("keys", TOLLGATE_KEYS_CONFIG=str(config), TOLLGATE_DRAIN_PERIOD=None, TOLLGATE_LOG_LEVEL=None)
    keys.wait_ready()
    keys.terminate()
    assert keys.wait() == 0
    lines = keys.log_lines()
    drain = [line for line in lines if line["msg"] == "draining before shutdown"]
    assert drain and drain[0]["drain_period"] == "1.0 seconds"
    assert any(line["level"] == "debug" for line in lines)


def test_logs_are_json_lines_with_the_request_id(spawn):
    keys = spawn("keys", TOLLGATE_DRAIN_PERIOD="0s", TOLLGATE_ACCESS_LOG="true")
    keys.wait_ready()
    httpx.get(f"{keys.url}/some/missing/path", headers={"X-Request-Id": "e2e-log-42"})
    keys.terminate()
    assert keys.wait() == 0
    lines = keys.log_lines()  # every line parses as JSON
    access = [line for line in lines if line.get("request_id") == "e2e-log-42"]
    assert access, lines
    assert access[0]["http.status"] == "404"
    assert access[0]["service"] == "keys"
    assert all({"ts", "level", "service", "msg"} <= line.keys() for line in lines)
