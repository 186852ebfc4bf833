"""`k8stui drain` against the real `kubectl drain` (1.35): two identical fresh simulated clusters, one
drained by each, and their stdout, stderr and exit codes compared line by line.

Only what differs between two runs of kubectl itself is normalised: the random suffixes of pod
names, the order of the per-pod lines (kubectl starts one goroutine per pod), and the order of
groups that kubectl takes from a Go map (the `Warning:` groups, the `cannot delete` errors).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import run_kubectl, wait_settled, wait_until
from test_drain import ORPHAN_DS, add_pod, unschedulable

SUFFIX = re.compile(r"-[bcdfghjklmnpqrstvwxz2456789]{5}\b")
POD_LINES = ("evicting pod ", "pod/", "error when evicting pods/", "pod \"")


@pytest.fixture(autouse=True)
def _homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def run_k8stui(sim, *args: str, context: str = "admin", timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, KUBECONFIG=str(sim.kubeconfig_path))
    cmd = [sys.executable, "-m", "k8stui", "drain", *args]
    if context:
        cmd += ["--context", context]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


def norm_line(line: str) -> str:
    line = SUFFIX.sub("-XXXXX", line)
    if line.startswith("Warning: "):
        return "Warning: " + "; ".join(sorted(line[len("Warning: "):].split("; ")))
    m = re.search(r"due to error: \[(.*)\], continuing command", line)
    if m:
        items = sorted(re.split(r", (?=cannot delete )", m.group(1)))
        line = line[:m.start(1)] + ", ".join(items) + line[m.end(1):]
    return line


def canonical(stdout: str, stderr: str) -> tuple[list[str], list[str]]:
    """Lines with pod names normalised; runs of per-pod lines sorted; Go-map groups sorted."""
    def sort_runs(lines: list[str]) -> list[str]:
        out: list[str] = []
        run: list[str] = []
        for line in lines + [""]:
            if line.startswith(POD_LINES):
                run.append(line)
                continue
            out.extend(sorted(run))
            run = []
            out.append(line)
        return out[:-1]

    out = sort_runs([norm_line(x) for x in stdout.splitlines()])
    err = sort_runs([norm_line(x) for x in stderr.splitlines()])
    if "There are pending nodes to be drained:" in err:
        i = err.index("There are pending nodes to be drained:") + 2  # the final errors: one per map key
        err = err[:i] + sorted(err[i:])
    return out, err


def compare(make_sim, scenario: str, *args: str, context: str = "admin", setup=None,
            timeout: float = 60, ours_extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Drain with kubectl and with k8stui on twin clusters (at the same time); assert the same output.

    `ours_extra`: k8stui-only flags (the safety-gate override kubectl has no notion of)."""
    sims = [make_sim(scenario), make_sim(scenario)]
    if setup:
        for s in sims:
            setup(s)
    with ThreadPoolExecutor(2) as pool:
        fk = pool.submit(run_kubectl, KUBECTL[0], sims[0], "drain", *args, context=context, timeout=timeout)
        fo = pool.submit(run_k8stui, sims[1], *args, *ours_extra, context=context, timeout=timeout)
        kubectl, ours = fk.result(), fo.result()
    # k8stui's own notices (the maintenance Lease, the safety gates) are its additions to kubectl's output
    ours_err = "".join(ln for ln in ours.stderr.splitlines(keepends=True) if not ln.startswith("Warning: k8stui:"))
    assert canonical(ours.stdout, ours_err) == canonical(kubectl.stdout, kubectl.stderr), \
        f"\n--- kubectl ---\n{kubectl.stdout}{kubectl.stderr}\n--- k8stui ---\n{ours.stdout}{ours.stderr}"
    assert ours.returncode == kubectl.returncode
    return ours


KUBECTL: list[Path] = []


@pytest.fixture(autouse=True)
def _kubectl(kubectl: Path) -> None:
    KUBECTL[:] = [kubectl]


def test_drain_succeeds_like_kubectl(make_sim) -> None:
    r = compare(make_sim, "seed", "k8s-worker-1", "--ignore-daemonsets", "--force", "--grace-period=0")
    assert r.returncode == 0 and r.stdout.splitlines()[-1] == "node/k8s-worker-1 drained"


def test_filters_refuse_like_kubectl(make_sim) -> None:
    r = compare(make_sim, "seed", "k8s-worker-1")
    assert r.returncode == 1 and "cannot delete cannot delete Pods that declare no controller" in r.stderr


def test_emptydir_refused_like_kubectl(make_sim) -> None:
    compare(make_sim, "ha", "worker-5", "--ignore-daemonsets")


def test_missing_daemonset_like_kubectl(make_sim) -> None:
    def setup(sim) -> None:
        add_pod(sim, "orphan-ds", "k8s-worker-2", owner=ORPHAN_DS)
        add_pod(sim, "stuck", "k8s-worker-2", finalizers=["example.com/hold"])

    r = compare(make_sim, "seed", "k8s-worker-2", "--ignore-daemonsets", setup=setup)
    assert 'cannot delete daemonsets.apps "gone" not found: default/orphan-ds' in r.stderr
    # with --force: the orphan goes, and the pod that never terminates runs into the timeout
    r = compare(make_sim, "seed", "k8s-worker-2", "--ignore-daemonsets", "--force", "--timeout=2s", setup=setup)
    assert "context deadline exceeded" in r.stderr


def test_budget_retries_and_global_timeout_like_kubectl(make_sim) -> None:
    r = compare(make_sim, "ha", "worker-5", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=6s")
    assert r.stderr.count("(will retry after 5s): Cannot evict pod as it would violate the pod's disruption "
                          "budget.") == 2
    assert 'global timeout reached: 6s' in r.stderr


@pytest.mark.parametrize("mode", ["client", "server"])
def test_dry_runs_like_kubectl(make_sim, mode: str) -> None:
    r = compare(make_sim, "ha", "worker-3", "--ignore-daemonsets", f"--dry-run={mode}")
    assert r.stdout.splitlines()[-1].startswith("node/worker-3 drained (")


def test_mirror_pods_and_pod_selector_like_kubectl(make_sim) -> None:
    # the only control plane: its static pods stay, so the API does too: a warning, no override needed
    ours = compare(make_sim, "seed", "k8s-master", "--ignore-daemonsets")
    assert ours.returncode == 0
    assert "Warning: k8stui: k8s-master runs the only API server: draining it leaves its static pods" in ours.stderr
    compare(make_sim, "seed", "k8s-worker-1", "--pod-selector=app=web", "--grace-period=0")


def evictions(sim) -> list[str]:
    """The pods the simulated API server was asked to evict or delete, in order."""
    return [r.path for r in sim.cluster.server.requests
            if (r.method == "POST" and r.path.endswith("/eviction")) or (r.method == "DELETE" and "/pods/" in r.path)]


def pods_by_node(sim) -> dict[str, str | None]:
    return {f'{p["metadata"]["namespace"]}/{p["metadata"]["name"]}': p["spec"].get("nodeName")
            for p in sim.call(lambda: sim.cluster.store.objects("pods"))}


WEB_LEFT_WITH_NOTHING = ("default/web: its 2 pods can run only on k8s-worker-1, k8s-worker-2, which this drain "
                         "takes away: 0 of 2 would be available")


def test_draining_both_workers_one_after_the_other_is_refused(make_sim) -> None:
    """seed's web may run only on workers: the first drain moves its pod to the other worker, the
    second would leave it nothing, so it is refused before anything changes, and overridable."""
    sim = make_sim("seed")
    first = run_k8stui(sim, "k8s-worker-1", "--ignore-daemonsets", "--force", "--grace-period=0")
    assert first.returncode == 0, first.stderr
    assert "Warning: k8stui:" not in first.stderr
    wait_until(lambda: [n for k, n in pods_by_node(sim).items() if k.startswith("default/web-")]
               == ["k8s-worker-2", "k8s-worker-2"], 30, 0.05, "both web pods on k8s-worker-2")
    wait_settled(sim)  # web available again, on k8s-worker-2 only
    before, placed = len(evictions(sim)), pods_by_node(sim)

    second = run_k8stui(sim, "k8s-worker-2", "--ignore-daemonsets", "--force", "--grace-period=0")
    assert second.returncode == 1 and second.stdout == ""
    errors = [ln for ln in second.stderr.splitlines() if not ln.startswith("Warning: k8stui:")]
    assert errors == ["error: refusing to drain k8s-worker-2:", WEB_LEFT_WITH_NOTHING,
                      'to drain anyway, confirm by typing the node name "k8s-worker-2" '
                      "(CLI: --override-safety=k8s-worker-2)"]
    assert len(evictions(sim)) == before and pods_by_node(sim) == placed  # nothing evicted, nothing moved
    assert not unschedulable(sim, "k8s-worker-2")  # not even cordoned

    forced = run_k8stui(sim, "k8s-worker-2", "--ignore-daemonsets", "--force", "--grace-period=0",
                        "--override-safety=k8s-worker-2")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.splitlines()[-1] == "node/k8s-worker-2 drained"
    assert len(evictions(sim)) > before


def test_disable_eviction_refused_when_it_breaks_a_budget(make_sim) -> None:
    sim = make_sim("ha")
    r = run_k8stui(sim, "worker-5", "--ignore-daemonsets", "--delete-emptydir-data", "--disable-eviction",
                   "--grace-period=0")
    assert r.returncode == 1 and r.stdout == ""
    assert ("PodDisruptionBudget shop/payments: deleting 1 healthy pod on worker-5 without asking it would leave 1 "
            "healthy; it requires 2 (maxUnavailable 0)") in r.stderr.splitlines()
    assert evictions(sim) == [] and not unschedulable(sim, "worker-5")


def test_errors_before_draining_like_kubectl(make_sim) -> None:
    compare(make_sim, "ha", "nope")
    compare(make_sim, "ha", "worker-1", "--pod-selector=a b")
    # not allowed to cordon: kubectl says so and drains anyway (and is refused again)
    compare(make_sim, "ha", "worker-1", "--ignore-daemonsets", context="viewer")


def test_rerun_is_already_cordoned(make_sim) -> None:
    sim = make_sim("ha")
    first = run_k8stui(sim, "worker-4", "--ignore-daemonsets", "--grace-period=0")
    again = run_k8stui(sim, "worker-4", "--ignore-daemonsets", "--grace-period=0")
    assert first.returncode == again.returncode == 0
    assert again.stdout.splitlines() == ["node/worker-4 already cordoned", "node/worker-4 drained"]


def test_read_only_cli_sends_nothing(make_sim, tmp_path: Path) -> None:
    sim = make_sim("seed")
    r = run_k8stui(sim, "k8s-worker-1", "--ignore-daemonsets", "--readonly")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "error: read-only mode: refused to drain node/k8s-worker-1\n")
    cfg = tmp_path / "config" / "k8stui" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("contexts:\n  admin:\n    readonly: true\n")
    r = run_k8stui(sim, "k8s-worker-1", "--ignore-daemonsets", "--dry-run=server")
    assert r.returncode == 1 and "read-only mode: refused to drain node/k8s-worker-1" in r.stderr
    assert sim.cluster.server.requests == []  # not even a GET
    r = run_k8stui(sim, "k8s-worker-1", "--ignore-daemonsets", "--force", "--dry-run=client")
    assert r.returncode == 0 and r.stdout.endswith("node/k8s-worker-1 drained (dry run)\n")
    assert {q.method for q in sim.cluster.server.requests} == {"GET"}
    assert not unschedulable(sim, "k8s-worker-1")


def test_disable_eviction_like_kubectl(make_sim) -> None:
    # deleting payments' pod breaks its budget: k8stui's gate refuses unless the node is named
    r = compare(make_sim, "ha", "worker-5", "--ignore-daemonsets", "--delete-emptydir-data", "--disable-eviction",
                "--grace-period=0", ours_extra=("--override-safety=worker-5",))
    assert sorted(x.split("-")[0] for x in r.stdout.splitlines()[1:-1]) == ["pod/cache", "pod/frontend",
                                                                             "pod/payments"]


def test_deprecated_delete_local_data(make_sim) -> None:
    # kubectl 1.35 no longer knows the flag; k8stui still takes it, with kubectl's old deprecation notice
    sim = make_sim("ha")
    r = run_k8stui(sim, "worker-5", "--pod-selector=app=cache", "--delete-local-data", "--grace-period=0")
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines()[0] == ("Flag --delete-local-data has been deprecated, This option is deprecated "
                                        "and will be deleted. Use --delete-emptydir-data.")
    assert not [p for p in sim.call(lambda: sim.cluster.store.objects("pods", "shop"))
                if p["spec"].get("nodeName") == "worker-5" and p["metadata"]["name"].startswith("cache-")]


def test_concurrent_drains_from_two_processes_are_serialised_by_the_lease(make_sim) -> None:
    """The second drain is refused while the first holds the maintenance Lease, and proceeds after."""
    sim = make_sim("ha")
    pod = sim.call(lambda: next(p for p in sim.cluster.store.objects("pods", "shop")
                                if p["metadata"]["name"].startswith("payments-")))
    blocked_node = pod["spec"]["nodeName"]  # payments' budget allows no eviction: the drain waits
    other = next(n for n in ("worker-1", "worker-2", "worker-3", "worker-4", "worker-5") if n != blocked_node)
    env = dict(os.environ, KUBECONFIG=str(sim.kubeconfig_path))
    first = subprocess.Popen([sys.executable, "-m", "k8stui", "drain", blocked_node, "--ignore-daemonsets",
                              "--delete-emptydir-data", "--pod-selector=app=payments", "--timeout=30s",
                              "--context", "admin"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env)
    try:
        def lease_held():
            lease = sim.call(lambda: sim.cluster.store.try_get("leases", "kube-system", "k8stui-maintenance"))
            return lease and (lease.get("spec") or {}).get("holderIdentity")

        holder = wait_until(lease_held, 30, 0.05, "the first drain's Lease")
        second = run_k8stui(sim, other, "--ignore-daemonsets", "--delete-emptydir-data", "--grace-period=0")
        assert second.returncode == 1
        assert second.stderr.startswith(f"error: maintenance in progress: {holder} holds lease/kube-system/"
                                        "k8stui-maintenance for ")
        assert f'"drain {blocked_node}"' in second.stderr and second.stdout == ""
        assert not sim.call(lambda: sim.cluster.store.get("nodes", "", other)["spec"].get("unschedulable"))
    finally:
        first.terminate()
        first.wait(30)
    # SIGTERM ends the first process; its Lease is released, or freed as its holder is gone
    third = run_k8stui(sim, other, "--ignore-daemonsets", "--delete-emptydir-data", "--grace-period=0")
    assert third.returncode == 0, third.stderr
    assert third.stdout.splitlines()[-1] == f"node/{other} drained"
