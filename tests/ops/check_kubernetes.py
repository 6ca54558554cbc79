#!/usr/bin/env python3
"""Render the kustomize base in installer/kubernetes offline and check the manifests.

Renders the base, then an overlay of the kind docs/install.md describes (namespace, 5 replicas,
own settings, image tag), with `kubectl kustomize`, which needs no cluster. Exit status 0 when
every check passed, 1 otherwise.

usage: check_kubernetes.py SOURCE_DIR
"""

import os
import subprocess
import sys
import tempfile

import yaml

failures = []


def check(condition, message):
    if condition:
        print("ok: " + message)
    else:
        print("FAIL: " + message, file=sys.stderr)
        failures.append(message)


def render(directory):
    result = subprocess.run(["kubectl", "kustomize", directory], capture_output=True, text=True,
                            timeout=120)
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        raise SystemExit("FAIL: kubectl kustomize %s failed" % directory)
    return [document for document in yaml.safe_load_all(result.stdout) if document]


def by_kind(documents, kind):
    return [document for document in documents if document["kind"] == kind]


def env_map(container):
    return {entry["name"]: entry for entry in container.get("env", [])}


def check_base(documents):
    deployments = by_kind(documents, "Deployment")
    check(len(deployments) == 1, "the base has one Deployment")
    deployment = deployments[0]
    spec = deployment["spec"]
    check(spec["replicas"] >= 2, "the base runs %d agent replicas" % spec["replicas"])
    check(spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0,
          "a rolling update starts a new replica before stopping an old one")

    labels = spec["selector"]["matchLabels"]
    check(labels.get("app.kubernetes.io/name") == "vcs-agent", "the selector names vcs-agent")
    check(spec["template"]["metadata"]["labels"] == {**spec["template"]["metadata"]["labels"],
                                                     **labels},
          "the pod labels match the selector")

    pod = spec["template"]["spec"]
    containers = pod["containers"]
    check(len(containers) == 1, "the pod has one container")
    container = containers[0]
    check("--no-gui" in container.get("args", []), "the container runs the headless agent")

    env = env_map(container)
    token = env.get("SPACELIFT_VCS_AGENT_POOL_TOKEN", {})
    secret_ref = token.get("valueFrom", {}).get("secretKeyRef", {})
    check(secret_ref.get("name") == "vcs-agent-token" and secret_ref.get("key") == "token",
          "the pool token comes from Secret vcs-agent-token, key token")
    check("value" not in token, "no token value is written into the manifest")
    health = env.get("VCS_AGENT_HEALTH_LISTEN", {}).get("value", "")
    check(health.endswith(":9102"), "the health listener is on port 9102")

    ports = {port["name"]: port["containerPort"] for port in container.get("ports", [])}
    check(ports.get("health") == 9102, "the container exposes the health port")
    liveness = container["livenessProbe"]["httpGet"]
    readiness = container["readinessProbe"]["httpGet"]
    check(liveness["path"] == "/healthz" and liveness["port"] == "health",
          "the liveness probe calls /healthz")
    check(readiness["path"] == "/readyz" and readiness["port"] == "health",
          "the readiness probe calls /readyz")

    resources = container["resources"]
    check(resources["requests"]["memory"] == "64Mi", "the memory request is 64Mi")
    check(resources["limits"]["memory"] == "128Mi", "the memory limit is 128Mi")
    check("cpu" in resources["requests"], "a CPU request is set")

    pod_security = pod["securityContext"]
    container_security = container["securityContext"]
    check(pod_security.get("runAsNonRoot") is True, "the pod runs as a non-root user")
    check(container_security.get("readOnlyRootFilesystem") is True,
          "the root file system is read-only")
    check(container_security.get("allowPrivilegeEscalation") is False,
          "privilege escalation is off")
    check(container_security.get("capabilities", {}).get("drop") == ["ALL"],
          "all capabilities are dropped")
    check(pod.get("terminationGracePeriodSeconds", 30) > 30,
          "the grace period exceeds the 30 s drain timeout")

    config_maps = by_kind(documents, "ConfigMap")
    check(len(config_maps) == 1, "the base has one settings ConfigMap")
    settings = config_maps[0]["data"]
    check("SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT" in settings, "the settings name the VCS")
    check(all("TOKEN" not in key for key in settings), "the ConfigMap holds no token")
    env_from = [source["configMapRef"]["name"] for source in container.get("envFrom", [])]
    check(env_from == [config_maps[0]["metadata"]["name"]],
          "the container reads the generated ConfigMap")

    budgets = by_kind(documents, "PodDisruptionBudget")
    check(len(budgets) == 1, "the base has a PodDisruptionBudget")
    budget = budgets[0]["spec"]
    check(budget["selector"]["matchLabels"] == labels,
          "the PodDisruptionBudget selects the agent pods")
    check(budget.get("maxUnavailable") == 1, "at most one replica is disrupted at a time")

    check(not by_kind(documents, "Secret"), "the base creates no Secret")
    return deployment


OVERLAY = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: vcs
resources:
  - {base}
replicas:
  - name: vcs-agent
    count: 5
configMapGenerator:
  - name: vcs-agent-settings
    behavior: merge
    literals:
      - SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT=https://git.corp.example
      - SPACELIFT_VCS_AGENT_VENDOR=github_enterprise
images:
  - name: ghcr.io/vcs-agent/vcs-agent
    newTag: 9.9.9
"""


def check_overlay(base_dir):
    with tempfile.TemporaryDirectory() as overlay_dir:
        base = os.path.relpath(base_dir, overlay_dir)
        with open(os.path.join(overlay_dir, "kustomization.yaml"), "w") as file:
            file.write(OVERLAY.format(base=base))
        documents = render(overlay_dir)
    deployment = by_kind(documents, "Deployment")[0]
    check(deployment["spec"]["replicas"] == 5, "an overlay sets the replica count")
    check(all(document["metadata"].get("namespace") == "vcs" for document in documents),
          "an overlay sets the namespace of every object")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    check(container["image"] == "ghcr.io/vcs-agent/vcs-agent:9.9.9", "an overlay sets the image")
    settings = by_kind(documents, "ConfigMap")[0]["data"]
    check(settings["SPACELIFT_VCS_AGENT_VENDOR"] == "github_enterprise",
          "an overlay replaces a setting")
    check(settings.get("SPACELIFT_VCS_AGENT_PARALLELISM") == "4",
          "an overlay keeps the settings it does not replace")
    env_from = container["envFrom"][0]["configMapRef"]["name"]
    check(env_from == by_kind(documents, "ConfigMap")[0]["metadata"]["name"],
          "the container follows the renamed ConfigMap")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 1
    base_dir = os.path.join(sys.argv[1], "installer", "kubernetes")
    documents = render(base_dir)
    check_base(documents)
    check_overlay(base_dir)
    if failures:
        print("%d checks failed" % len(failures), file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
