"""The Kubernetes manifests (deploy/kubernetes) validate offline against a current Kubernetes
schema, and agree with the services: images run the right binary, ports and probe paths are
the ones the services serve, every TOLLGATE_* variable is one the service reads, the grace
period covers preStop and the drain, and the network policies admit only the callers."""
import copy
import glob
import os
import re
import subprocess

import httpx
import kubernetes_validate
import pytest
import yaml

SERVICES = {"gateway": "gateway", "portal-api": "portal", "keys": "keys", "audit": "audit"}
KUBERNETES = "deploy/kubernetes"


def documents(root, pattern):
    found = []
    for path in sorted(glob.glob(os.path.join(root, KUBERNETES, pattern), recursive=True)):
        if os.path.basename(path) == "kustomization.yaml":
            continue
        with open(path) as handle:
            found += [(os.path.relpath(path, root), doc) for doc in yaml.safe_load_all(handle) if doc]
    return found


def by_kind(docs, kind):
    return {doc["metadata"]["name"]: doc for _, doc in docs if doc["kind"] == kind}


def merge(base, patch):
    """A strategic merge as kustomize applies these simple patches: maps merge, null deletes,
    lists and scalars replace."""
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@pytest.fixture(scope="module")
def version():
    return kubernetes_validate.utils.latest_version()


@pytest.fixture(scope="module")
def base(root):
    return documents(root, "base/*.yaml")


@pytest.fixture(scope="module")
def config_keys(bin_dir):
    """Each service's environment variables, from its own configuration reference."""
    keys = {}
    for name in SERVICES:
        reference = subprocess.run([os.path.join(bin_dir, name), "--config-reference"], capture_output=True, text=True, check=True).stdout
        keys[name] = set(re.findall(r"\| `[^`]+` \| `(TOLLGATE_[A-Z0-9_]+)` \|", reference))
        assert keys[name], f"no keys in {name} --config-reference"
    return keys


def test_every_manifest_validates_strictly(root, base, version):
    docs = base + documents(root, "overlays/**/*.yaml")
    patches = {"in-cluster-postgres.yaml", "in-cluster-redis.yaml", "dev-config.yaml"}
    checked = 0
    for path, doc in docs:
        if os.path.basename(path) in patches:
            continue
        kubernetes_validate.validate(doc, version, strict=True)
        checked += 1
    assert checked >= 25
    # The dev overlay's patches, applied to the base as kustomize would, validate too.
    bases = {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in base}
    for path, patch in docs:
        if os.path.basename(path) in patches:
            target = bases[(patch["kind"], patch["metadata"]["name"])]
            kubernetes_validate.validate(merge(target, patch), version, strict=True)


def test_an_invalid_manifest_is_refused(base, version):
    deployment = copy.deepcopy(by_kind(base, "Deployment")["gateway"])
    deployment["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, version, strict=True)
    deployment = copy.deepcopy(by_kind(base, "Deployment")["gateway"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["pathh"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, version, strict=True)


def test_kustomizations_name_files_that_exist(root):
    for path in glob.glob(os.path.join(root, KUBERNETES, "**/kustomization.yaml"), recursive=True):
        folder = os.path.dirname(path)
        kustomization = yaml.safe_load(open(path))
        named = list(kustomization.get("resources", [])) + [patch["path"] for patch in kustomization.get("patches", [])]
        for generator in kustomization.get("configMapGenerator", []):
            named += [entry.split("=", 1)[-1] for entry in generator.get("files", [])]
        for name in named:
            assert os.path.exists(os.path.join(folder, name)), f"{path} names {name}"


def test_deployments_match_the_services(base, config_keys, service_urls, bin_dir):
    deployments = by_kind(base, "Deployment")
    services = by_kind(base, "Service")
    config = by_kind(base, "ConfigMap")["tollgate-config"]["data"]
    assert set(deployments) == set(SERVICES)
    for name in SERVICES:
        pod = deployments[name]["spec"]["template"]["spec"]
        container = pod["containers"][0]
        assert container["args"] == [name]
        port = container["ports"][0]["containerPort"]
        default_port = int(re.search(rf"`TOLLGATE_{SERVICES[name].upper()}_PORT` \| int \| `(\d+)`",
                                     subprocess.run([os.path.join(bin_dir, name), "--config-reference"],
                                                    capture_output=True, text=True).stdout).group(1))
        assert port == default_port, f"{name} listens on {default_port}"
        assert services[name]["spec"]["ports"][0]["port"] == port
        # The probe paths answer on the running service.
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            path = container[probe]["httpGet"]["path"]
            assert httpx.get(service_urls[name] + path, timeout=5).status_code == 200, f"{name} {path}"
        # Every variable is one this service reads (or feeds another variable's $(...)).
        names = [entry["name"] for entry in container["env"]]
        expanded = {ref for entry in container["env"] for ref in re.findall(r"\$\((\w+)\)", entry.get("value", ""))}
        for variable in names:
            assert variable in config_keys[name] or variable in expanded, f"{name} does not read {variable}"
        # Non-root, read-only, nothing escalates.
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert container["resources"]["requests"] and container["resources"]["limits"]
        # The grace period covers preStop, the drain, and some time for calls in flight.
        drain = int(config["TOLLGATE_DRAIN_PERIOD"].rstrip("s"))
        assert pod["terminationGracePeriodSeconds"] >= container["lifecycle"]["preStop"]["sleep"]["seconds"] + drain + 10
    # Every shared setting is read by some service.
    every_key = set().union(*config_keys.values())
    for variable in config:
        assert variable in every_key, f"no service reads {variable}"


def test_scaling_and_disruption(base):
    autoscalers = by_kind(base, "HorizontalPodAutoscaler")
    assert autoscalers["gateway"]["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "gateway"}
    assert autoscalers["gateway"]["spec"]["minReplicas"] >= 2
    budgets = by_kind(base, "PodDisruptionBudget")
    assert set(budgets) == set(SERVICES)
    for name, budget in budgets.items():
        assert budget["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}


def test_network_policies_admit_only_the_callers(base):
    policies = by_kind(base, "NetworkPolicy")
    assert policies["tollgate-default-deny-ingress"]["spec"] == {
        "podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "tollgate"}}, "policyTypes": ["Ingress"]}

    def pod_callers(name):
        rules = policies[f"{name}-ingress"]["spec"]["ingress"]
        callers = set()
        for rule in rules:
            for source in rule.get("from", []):
                if "podSelector" in source:
                    callers.add(source["podSelector"]["matchLabels"]["app.kubernetes.io/name"])
                else:
                    assert source == {"namespaceSelector": {"matchLabels": {"tollgate.io/metrics-scraper": "true"}}}
            assert "from" in rule, f"{name} admits everyone"
        return callers

    assert pod_callers("keys") == {"gateway", "portal-api"}
    assert pod_callers("audit") == {"portal-api"}
    # The public entry points take traffic from anywhere, on their port only.
    assert policies["gateway-ingress"]["spec"]["ingress"] == [{"ports": [{"port": 8080, "protocol": "TCP"}]}]
    assert policies["portal-api-ingress"]["spec"]["ingress"] == [{"ports": [{"port": 8081, "protocol": "TCP"}]}]
