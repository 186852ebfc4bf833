"""The real kubectl 1.35 against the simulated cluster: it must work and print what it prints
against a real kubeadm cluster."""

from __future__ import annotations

import re
import textwrap

import pytest

from conftest import run_kubectl, wait_until

NODE_HEADER = ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE",
               "KERNEL-VERSION", "CONTAINER-RUNTIME"]
POD_HEADER = ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE",
              "READINESS GATES"]


def columns(header_line: str) -> list[str]:
    return re.split(r"\s{3,}", header_line.strip())


def rows(out: str) -> dict[str, list[str]]:
    lines = out.strip().splitlines()
    return {re.split(r"\s{3,}", ln.strip())[0]: re.split(r"\s{3,}", ln.strip()) for ln in lines[1:]}


def test_get_nodes_wide(kubectl, seed_sim):
    r = run_kubectl(kubectl, seed_sim, "get", "nodes", "-o", "wide")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert columns(lines[0]) == NODE_HEADER
    master = rows(r.stdout)["k8s-master"]
    assert master[1:3] == ["Ready", "control-plane"]
    assert master[3] == "30d" and master[4] == "v1.34.3" and master[5] == "10.0.0.10" and master[6] == "<none>"
    assert master[7] == "Ubuntu 24.04.1 LTS" and master[9].startswith("containerd://")
    assert rows(r.stdout)["k8s-worker-1"][2] == "<none>"


def test_get_pods_all_namespaces_wide(kubectl, seed_sim):
    r = run_kubectl(kubectl, seed_sim, "get", "pods", "-A", "-o", "wide")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert columns(lines[0]) == POD_HEADER
    body = [re.split(r"\s{3,}", ln.strip()) for ln in lines[1:]]
    by_name = {row[1]: row for row in body}
    apiserver = by_name["kube-apiserver-k8s-master"]
    assert apiserver[0] == "kube-system" and apiserver[2:4] == ["1/1", "Running"]
    assert apiserver[6] == "10.0.0.10" and apiserver[7] == "k8s-master"
    web = [row for row in body if row[1].startswith("web-")]
    assert len(web) == 2 and {row[7] for row in web} == {"k8s-worker-1", "k8s-worker-2"}
    assert all(row[3] == "Running" and row[2] == "1/1" for row in web)
    assert by_name["debug-shell"][0] == "default"
    # every kubeadm piece is there
    names = set(by_name)
    for want in ("etcd-k8s-master", "kube-controller-manager-k8s-master", "kube-scheduler-k8s-master"):
        assert want in names
    assert sum(1 for n in names if n.startswith("kube-proxy-")) == 3
    assert sum(1 for n in names if n.startswith("calico-node-")) == 3
    assert sum(1 for n in names if n.startswith("coredns-")) == 2


def test_cordon_uncordon(kubectl, make_sim):
    sim = make_sim("seed")
    r = run_kubectl(kubectl, sim, "cordon", "k8s-worker-1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "node/k8s-worker-1 cordoned"
    r = run_kubectl(kubectl, sim, "get", "nodes")
    assert rows(r.stdout)["k8s-worker-1"][1] == "Ready,SchedulingDisabled"
    r = run_kubectl(kubectl, sim, "cordon", "k8s-worker-1")
    assert r.stdout.strip() == "node/k8s-worker-1 already cordoned"
    r = run_kubectl(kubectl, sim, "uncordon", "k8s-worker-1")
    assert r.returncode == 0 and r.stdout.strip() == "node/k8s-worker-1 uncordoned"
    r = run_kubectl(kubectl, sim, "get", "nodes")
    assert rows(r.stdout)["k8s-worker-1"][1] == "Ready"


def test_viewer_is_forbidden_to_cordon(kubectl, seed_sim):
    r = run_kubectl(kubectl, seed_sim, "cordon", "k8s-worker-2", context="viewer")
    # kubectl prints the error but exits 0 for cordon (its cordon loop only prints errors)
    assert r.stderr == ('error: unable to cordon node "k8s-worker-2": nodes "k8s-worker-2" is forbidden: '
                        'User "viewer" cannot patch resource "nodes" in API group "" at the cluster scope\n')
    assert r.stdout == ""


def test_drain_without_flags_refuses_daemonset_pods(kubectl, make_sim):
    sim = make_sim("seed")
    r = run_kubectl(kubectl, sim, "drain", "k8s-worker-2")
    assert r.returncode != 0
    assert "node/k8s-worker-2 cordoned" in r.stdout
    assert "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)" in r.stderr


def test_drain_evicts_and_pods_come_back_elsewhere(kubectl, make_sim):
    sim = make_sim("seed")
    r = run_kubectl(kubectl, sim, "drain", "k8s-worker-1", "--ignore-daemonsets", "--force",
                    "--delete-emptydir-data", "--timeout=60s")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "node/k8s-worker-1 cordoned" in out
    assert re.search(r"evicting pod default/web-", out)
    assert "evicting pod default/debug-shell" in out
    assert out.strip().endswith("node/k8s-worker-1 drained")
    assert "WARNING: deleting Pods that declare no controller: default/debug-shell" in r.stderr or \
        "ignoring DaemonSet-managed Pods" in r.stderr

    def web_running_elsewhere():
        r = run_kubectl(kubectl, sim, "get", "pods", "-l", "app=web", "-o", "wide")
        body = [re.split(r"\s{3,}", ln.strip()) for ln in r.stdout.splitlines()[1:]]
        return len(body) == 2 and all(row[2] == "Running" and row[6] != "k8s-worker-1" for row in body)

    wait_until(web_running_elsewhere, 30, 0.2, "web pods Running on other nodes")


def test_drain_into_zero_budget_retries_until_timeout(kubectl, make_sim):
    sim = make_sim("ha")
    r = run_kubectl(kubectl, sim, "get", "pods", "-n", "shop", "-l", "app=payments", "-o", "wide")
    node = re.split(r"\s{3,}", r.stdout.splitlines()[1].strip())[6]
    r = run_kubectl(kubectl, sim, "drain", node, "--ignore-daemonsets", "--delete-emptydir-data",
                    "--pod-selector=app=payments", "--timeout=7s", timeout=60)
    assert r.returncode != 0
    assert re.search(r'error when evicting pods/"payments-[a-z0-9-]+" -n "shop" \(will retry after 5s\): '
                     r"Cannot evict pod as it would violate the pod's disruption budget\.", r.stderr), r.stderr
    assert "global timeout reached: 7s" in r.stderr


def test_create_bare_pod_and_replace_status(kubectl, make_sim, tmp_path):
    sim = make_sim("empty")
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: bare
          namespace: default
        spec:
          containers:
          - name: app
            image: docker.io/library/busybox:1.36
            command: ["sleep", "3600"]
        """))
    r = run_kubectl(kubectl, sim, "create", "-f", str(manifest))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "pod/bare created"
    wait_until(lambda: "Running" in run_kubectl(kubectl, sim, "get", "pod", "bare").stdout, 20, 0.1,
               "bare pod Running")
    r = run_kubectl(kubectl, sim, "get", "pod", "bare", "-o", "json")
    import json

    pod = json.loads(r.stdout)
    # a condition of our own (as a readiness-gate controller writes): the kubelet keeps it
    pod["status"]["conditions"].append({"type": "example.com/drill", "status": "True",
                                        "lastTransitionTime": None, "reason": "Drill"})
    status_file = tmp_path / "status.json"
    status_file.write_text(json.dumps(pod))
    r = run_kubectl(kubectl, sim, "replace", "--subresource=status", "-f", str(status_file))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "pod/bare replaced"
    r = run_kubectl(kubectl, sim, "get", "pod", "bare", "-o", "jsonpath={.status.conditions[?(@.type=='example.com/drill')].reason}")
    assert r.stdout == "Drill"


def test_create_deployment_scale_pdb_delete(kubectl, make_sim):
    sim = make_sim("empty")
    r = run_kubectl(kubectl, sim, "create", "deployment", "api", "--image=nginx:1.27", "--replicas=2")
    assert r.returncode == 0 and r.stdout.strip() == "deployment.apps/api created", r.stderr
    r = run_kubectl(kubectl, sim, "create", "pdb", "api", "--selector=app=api", "--min-available=1")
    assert r.returncode == 0 and r.stdout.strip() == "poddisruptionbudget.policy/api created", r.stderr
    r = run_kubectl(kubectl, sim, "scale", "deployment/api", "--replicas=3")
    assert r.returncode == 0 and r.stdout.strip() == "deployment.apps/api scaled", r.stderr

    def three_running():
        out = run_kubectl(kubectl, sim, "get", "pods", "-l", "app=api").stdout
        return out.count("Running") == 3

    wait_until(three_running, 20, 0.1, "3 api pods Running")
    r = run_kubectl(kubectl, sim, "get", "pdb", "api")
    assert r.returncode == 0
    r = run_kubectl(kubectl, sim, "delete", "deployment", "api")
    assert r.returncode == 0 and r.stdout.strip() == 'deployment.apps "api" deleted from default namespace', r.stderr
    wait_until(lambda: "No resources found" in run_kubectl(kubectl, sim, "get", "pods", "-l", "app=api").stderr,
               20, 0.1, "api pods gone")


@pytest.mark.parametrize("scenario", ["ha", "empty"])
def test_get_nodes_and_pods_on_other_scenarios(kubectl, make_sim, scenario):
    sim = make_sim(scenario)
    r = run_kubectl(kubectl, sim, "get", "nodes", "-o", "wide")
    assert r.returncode == 0 and columns(r.stdout.splitlines()[0]) == NODE_HEADER
    r = run_kubectl(kubectl, sim, "get", "pods", "-A", "-o", "wide")
    assert r.returncode == 0 and columns(r.stdout.splitlines()[0]) == POD_HEADER
    if scenario == "ha":
        body = rows(r.stdout.replace("data   ", "", 0))
        assert any("Completed" in ln for ln in r.stdout.splitlines() if "db-migrate" in ln)
        assert body
