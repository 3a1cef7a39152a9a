"""The container deployment stays valid: docker-compose.yml, the edge proxy's nginx config."""
import os
import re
import shutil
import subprocess

import yaml


def compose_env(root):
    env = dict(os.environ)
    with open(os.path.join(root, "deploy/compose.env.example")) as example:
        for line in example:
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                env[key] = value
    return env


def test_compose_file_is_valid(root):
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "-q"],
        cwd=root, env=compose_env(root), capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_run_without_secrets(root):
    env = {key: value for key, value in os.environ.items() if not key.startswith("TOLLGATE_")}
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "-q"], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "set TOLLGATE_" in result.stderr


def test_compose_topology_scales_the_gateway(root):
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config"], cwd=root, env=compose_env(root), capture_output=True, text=True, check=True,
    )
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert set(services) == {"postgres", "redis", "gateway", "audit", "keys", "portal-api", "edge"}
    # Scalable: no fixed container name or host port on the gateway; only the edge publishes a port.
    assert "container_name" not in services["gateway"]
    assert [name for name, service in services.items() if service.get("ports")] == ["edge"]
    for name in ("gateway", "audit", "keys", "portal-api"):
        assert services[name]["command"] == [name]
        assert "healthcheck" in services[name]
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert any("init.sql" in str(volume) for volume in services["postgres"]["volumes"])


def test_edge_nginx_config_is_valid(root, tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert os.path.exists(nginx), "nginx is installed by ./dev"
    config = open(os.path.join(root, "deploy/nginx/nginx.conf")).read()
    shutil.copy(os.path.join(root, "deploy/nginx/tollgate-proxy.conf"), tmp_path / "tollgate-proxy.conf")
    config = config.replace("/etc/nginx/tollgate-proxy.conf", str(tmp_path / "tollgate-proxy.conf"))
    (tmp_path / "nginx.conf").write_text(config)
    result = subprocess.run(
        [nginx, "-t", "-q", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path), "-g", f"pid {tmp_path}/nginx.pid; error_log stderr;"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    # Routing: portal prefixes to portal-api, internal routes closed, the rest to the gateway.
    assert re.search(r"location /api/v1/ \{\s*proxy_pass \$portal;", config)
    assert re.search(r"location /portal/ \{\s*proxy_pass \$portal;", config)
    assert re.search(r"location / \{\s*proxy_pass \$gateway;", config)
    assert "location /internal/ { return 404" in config
