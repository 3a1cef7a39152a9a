"""Every running service answers the standard routes the way operators and orchestrators expect."""
import pytest

from conftest import SERVICES


@pytest.mark.parametrize("service", list(SERVICES))
def test_health_and_readiness(service, service_urls, http):
    base = service_urls[service]
    health = http.get(f"{base}/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    ready = http.get(f"{base}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}
    assert ready.headers["server"] == f"tollgate-{service}"


@pytest.mark.parametrize("service", list(SERVICES))
def test_metrics_are_prometheus_text(service, service_urls, http):
    base = service_urls[service]
    http.get(f"{base}/no-such-route")
    metrics = http.get(f"{base}/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE hb_requests counter" in metrics.text
    assert 'http_response_status_code="404"' in metrics.text


@pytest.mark.parametrize("service", list(SERVICES))
def test_unknown_routes_get_json_errors_and_request_ids(service, service_urls, http):
    base = service_urls[service]
    response = http.get(f"{base}/definitely/not/here", headers={"X-Request-Id": "e2e-req-1"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"error": "not found"}
    assert response.headers["x-request-id"] == "e2e-req-1"
    generated = http.get(f"{base}/healthz", headers={"X-Request-Id": "bad id with spaces"})
    assert generated.headers["x-request-id"] not in ("", "bad id with spaces")
