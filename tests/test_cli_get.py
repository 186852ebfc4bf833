"""`k8stui get` and `k8stui cordon/uncordon` print what the real kubectl prints, line by line."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import run_kubectl


def k8stui(sim, *args: str, context: str = "admin") -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_STATE_HOME=str(sim.cluster.workdir / "state"),
               XDG_CONFIG_HOME=str(sim.cluster.workdir / "config"))
    return subprocess.run([sys.executable, "-m", "k8stui", *args, "--kubeconfig", str(sim.kubeconfig_path),
                           "--context", context], capture_output=True, text=True, timeout=60, env=env)


def mask_age(text: str) -> list[str]:
    """Blank the AGE column: the two commands run a moment apart, so young objects may differ."""
    lines = text.splitlines()
    if not lines:
        return lines
    start = lines[0].find("AGE")
    end = start + 3
    while end < len(lines[0]) and lines[0][end] == " ":
        end += 1
    return [ln[:start] + "*" * (end - start) + ln[end:] if start >= 0 else ln for ln in lines]


@pytest.mark.parametrize("args", [
    ("nodes",),
    ("nodes", "-o", "wide"),
    ("pods", "-A"),
    ("pods", "-A", "-o", "wide"),
    ("pods", "-n", "kube-system", "-o", "wide"),
    ("pods", "-l", "app=web"),
    ("pods", "-A", "-l", "k8s-app in (kube-proxy,calico-node)", "-o", "wide"),
])
def test_get_matches_kubectl(kubectl, seed_sim, args):
    ours = k8stui(seed_sim, "get", *args)
    theirs = run_kubectl(kubectl, seed_sim, "get", *args)
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    assert mask_age(ours.stdout) == mask_age(theirs.stdout)
    assert ours.stdout.strip(), "something was printed"


def test_get_nothing_found_matches_kubectl(kubectl, seed_sim):
    ours = k8stui(seed_sim, "get", "pods", "-n", "kube-public")
    theirs = run_kubectl(kubectl, seed_sim, "get", "pods", "-n", "kube-public")
    assert ours.stdout == theirs.stdout == ""
    assert ours.stderr == theirs.stderr == "No resources found in kube-public namespace.\n"


def test_get_unknown_kind_is_one_line(seed_sim):
    r = k8stui(seed_sim, "get", "widgets")
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: ")
    assert "Traceback" not in r.stderr


def test_get_bad_kubeconfig_is_one_line(tmp_path):
    r = subprocess.run([sys.executable, "-m", "k8stui", "get", "nodes", "--kubeconfig", str(tmp_path / "nope")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.startswith("error: kubeconfig ") and "no such file" in r.stderr
    assert r.stderr.count("\n") == 1


def test_get_unreachable_server_is_one_line(seed_sim, tmp_path):
    cfg = seed_sim.kubeconfig_path.read_text()
    dead = re.sub(r"https://127\.0\.0\.1:\d+", "https://127.0.0.1:1", cfg)
    path = tmp_path / "dead"
    path.write_text(dead)
    r = subprocess.run([sys.executable, "-m", "k8stui", "get", "nodes", "--kubeconfig", str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.startswith("error: cannot reach the API server") and r.stderr.count("\n") == 1


def test_get_unknown_context_is_one_line(seed_sim):
    r = k8stui(seed_sim, "get", "nodes", context="nope")
    assert r.returncode == 1
    assert r.stderr.startswith('error: context "nope" not found') and r.stderr.count("\n") == 1


def test_cordon_uncordon_print_kubectls_lines(kubectl, make_sim):
    sim = make_sim("seed")
    assert k8stui(sim, "cordon", "k8s-worker-2").stdout == "node/k8s-worker-2 cordoned\n"
    assert k8stui(sim, "cordon", "k8s-worker-2").stdout == "node/k8s-worker-2 already cordoned\n"
    theirs = run_kubectl(kubectl, sim, "get", "nodes")
    assert "Ready,SchedulingDisabled" in [ln for ln in theirs.stdout.splitlines() if "k8s-worker-2" in ln][0]
    assert k8stui(sim, "uncordon", "k8s-worker-2").stdout == "node/k8s-worker-2 uncordoned\n"
    assert run_kubectl(kubectl, sim, "uncordon", "k8s-worker-2").stdout == "node/k8s-worker-2 already uncordoned\n"
    assert k8stui(sim, "cordon", "k8s-worker-2", "--dry-run=server").stdout == \
        "node/k8s-worker-2 cordoned (server dry run)\n"
    assert "SchedulingDisabled" not in run_kubectl(kubectl, sim, "get", "nodes").stdout


def test_cordon_forbidden_for_viewer_names_the_problem(seed_sim):
    r = k8stui(seed_sim, "cordon", "k8s-worker-1", context="viewer")
    assert r.returncode == 1
    assert r.stderr == ('error: unable to cordon node "k8s-worker-1": forbidden (viewer at '
                        f'{seed_sim.cluster.url}): nodes "k8s-worker-1" is forbidden: User "viewer" cannot patch '
                        'resource "nodes" in API group "" at the cluster scope\n')


def test_readonly_cordon_is_refused_before_any_write(seed_sim):
    before = len(seed_sim.cluster.server.requests)
    r = k8stui(seed_sim, "cordon", "k8s-worker-1", "--readonly")
    assert r.returncode == 1 and "read-only" in r.stderr
    sent = seed_sim.cluster.server.requests[before:]
    assert sent and all(req.verb in ("get", "list", "watch") for req in sent)
