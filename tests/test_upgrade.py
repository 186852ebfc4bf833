"""kubeadm upgrades (k8stui.ops.upgrade and `k8stui upgrade plan|apply`) against the simulated cluster:
real HTTPS API, real SSH to the simulated hosts (apt, kubeadm, systemctl), the drain engine.

Full patch and minor upgrades of `seed` (CLI) and `ha` (API); refusals (skipped minor, downgrade,
not offered, bad input, read-only); a failed step that stops the run and a second run that resumes;
a process killed with SIGKILL mid-run whose next run finishes; pre-flight blockers (PDB, legacy
repository, swap, certificates, NotReady, kubeadm skew, --nodes order); retry/skip/pause/confirm.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from conftest import wait_until
from k8stui import audit, cli
from k8stui.errors import UserError
from k8stui.hosts import shell
from k8stui.hosts.inventory import load_inventory
from k8stui.hosts.ssh import SSHRunner
from k8stui.kube.connection import connect
from k8stui.ops import upgrade as up
from k8stui.ops.upgrade_journal import Journal, ca_sha256, journal_path, legacy_journal_path
from k8stui.sim.scenario import load_scenario

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# seed has one control plane: upgrading it takes the API down, which the safety gate refuses
# unless the operator names the node
SEED_OVERRIDE = frozenset({"k8s-master"})
SEED_OVERRIDE_ARGS = ("--override-safety", "k8s-master")
SEED_NODES = ("k8s-master", "k8s-worker-1", "k8s-worker-2")


@pytest.fixture(autouse=True)
def _homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def start(make_sim, tmp_path: Path, scenario: str = "seed", version: str | None = None, **kw):
    sc = load_scenario(scenario, {"kubernetesVersion": version} if version else None)
    inv = tmp_path / f"inventory-{scenario}.yaml"
    sim = make_sim(sc, inventory_path=inv, **kw)
    return sim, inv


def run_cli(capsys, sim, inv: Path, *argv: str) -> tuple[int, str, str]:
    code = cli.main([*argv, "--kubeconfig", str(sim.kubeconfig_path), "--inventory", str(inv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def state(sim) -> dict:
    def read() -> dict:
        st = sim.cluster.store
        cfg = yaml.safe_load(st.get("configmaps", "kube-system", "kubeadm-config")["data"]["ClusterConfiguration"])
        return {
            "nodes": {n["metadata"]["name"]: n for n in st.objects("nodes")},
            "cp_pods": [p for p in st.objects("pods") if p["metadata"].get("namespace") == "kube-system"
                        and (p["metadata"].get("labels") or {}).get("tier") == "control-plane"],
            "version": cfg["kubernetesVersion"],
            "proxy": st.get("daemonsets", "kube-system", "kube-proxy")["spec"]["template"]["spec"]["containers"][0][
                "image"],
            "hosts": {name: {"installed": dict(h.state.installed), "held": set(h.state.held),
                             "repo": h.state.repo(), "history": list(h.state.history)}
                      for name, h in sim.cluster.hosts.hosts.items()},
        }

    return sim.call(read)


def ready(node: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"])


def assert_upgraded(sim, target: str) -> dict:
    """Every node Ready at the target, none cordoned; control plane, addons, packages at the target."""
    s = state(sim)
    for name, n in s["nodes"].items():
        assert n["status"]["nodeInfo"]["kubeletVersion"] == target, name
        assert ready(n), name
        assert not n["spec"].get("unschedulable"), f"{name} is still cordoned"
    comps = [p for p in s["cp_pods"] if p["metadata"]["labels"]["component"] != "etcd"]
    assert comps and all(p["spec"]["containers"][0]["image"].endswith(":" + target) for p in comps)
    assert s["version"] == target
    assert s["proxy"].endswith(":" + target)
    pkg = target[1:] + "-1.1"
    minor = ".".join(target.split(".")[:2])
    for name, h in s["hosts"].items():
        assert h["installed"] == {"kubeadm": pkg, "kubelet": pkg, "kubectl": pkg}, name
        assert {"kubeadm", "kubelet", "kubectl"} <= h["held"], name
        assert h["repo"][1] == minor, name
    return s


def journal_of(sim, target: str) -> Path:
    """Where the journal of this simulated cluster's upgrade to `target` is (its URL and CA)."""
    return journal_path("kubernetes", target, server=sim.cluster.url,
                        ca_fingerprint=ca_sha256(sim.cluster.pki.ca_cert_pem))


def writes(sim) -> list:
    return [r for r in sim.cluster.server.requests if r.method in WRITE_METHODS]


def changed_hosts(sim) -> dict[str, list[str]]:
    """Commands run on each host that are not read-only probes."""
    out = {}
    for name, h in state(sim)["hosts"].items():
        bad = [c for c in h["history"] if not shell.is_read_only(c.removeprefix(shell.SUDO_NOPASSWD))
               and not c.startswith("curl -fsSL ")]
        if bad:
            out[name] = bad
    return out


async def session(sim, inv: Path):
    conn = await connect(sim.kubeconfig_path, "admin")
    runner = SSHRunner(load_inventory(inv), context=conn.context)
    return conn, runner


# ---- seed: full patch upgrade through the CLI, with the audit trail -------------------------------------

def test_seed_patch_upgrade_cli(make_sim, tmp_path, capsys) -> None:
    sim, inv = start(make_sim, tmp_path, version="v1.34.1")
    # the plan: the newest v1.34 patch, exact package strings, every command; the unmanaged pod blocks
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "plan", "--to", "v1.34")
    assert code == 1, err
    assert "cluster version v1.34.1 -> v1.34.3 (patch upgrade; requested v1.34)" in out
    assert "packages: kubeadm=1.34.3-1.1 kubelet=1.34.3-1.1 kubectl=1.34.3-1.1" in out
    assert ("cannot delete Pods that declare no controller (use --force to override): default/debug-shell"
            in out)
    assert "sudo kubeadm upgrade apply -y v1.34.3" in out and "sudo apt-get install -y kubeadm=1.34.3-1.1" in out
    assert out.index("1. k8s-master (control plane, first: kubeadm upgrade apply") < out.index("2. k8s-worker-1")
    # the only API server: the safety gate refuses until overridden by name
    assert "upgrading k8s-master takes down the only API server" in out
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "apply", "--to", "v1.34", "--yes")
    assert code == 1 and "error: the plan has 2 blocker(s); nothing was changed" in err
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "apply", "--to", "v1.34", "--yes", "--force")
    assert code == 1 and "error: the plan has 1 blocker(s); nothing was changed" in err
    assert "only API server" in err
    assert not writes(sim) and not changed_hosts(sim)

    code, out, err = run_cli(capsys, sim, inv, "upgrade", "apply", "--to", "v1.34", "--yes", "--force",
                             *SEED_OVERRIDE_ARGS)
    assert code == 0, out + err
    s = assert_upgraded(sim, "v1.34.3")
    assert "Upgrade complete." in out and "pod/debug-shell deleted" not in out
    assert out.index("==> [1/3] k8s-master") < out.index("==> [2/3] k8s-worker-1") < out.index("==> [3/3] k8s-worker-2")
    assert "$ sudo kubeadm upgrade apply -y v1.34.3" in out and "[upgrade/successful] SUCCESS!" in out
    master = s["hosts"]["k8s-master"]["history"]
    assert any("kubeadm upgrade apply -y v1.34.3" in c for c in master)
    assert any("kubeadm upgrade node" in c for c in s["hosts"]["k8s-worker-1"]["history"])
    assert not any("kubeadm upgrade apply" in c for c in s["hosts"]["k8s-worker-1"]["history"])
    # the audit log: every host command, the evictions, the uncordons, the run itself
    entries = audit.read()
    ssh = [e for e in entries if e["action"] == "ssh"]
    for node in SEED_NODES:
        assert any(e["object"] == f"host/{node}" and e["result"] == "ok"
                   and e["command"].endswith("apt-get install -y kubeadm=1.34.3-1.1") for e in ssh), node
        assert any(e["object"] == f"host/{node}" and e["command"].endswith("systemctl restart kubelet") for e in ssh)
        assert any(e["action"] == "uncordon" and e["object"] == f"node/{node}" for e in entries)
    assert any(e["action"] == "evict" for e in entries)
    assert [e["result"] for e in entries if e["action"] == "upgrade"] == ["started", "done"]
    j = Journal.load(journal_of(sim, "v1.34.3"))
    assert j is not None and j.data["status"] == "done"
    assert all(s2["status"] == "done" for n in j.nodes for s2 in n["steps"])
    # a second apply has nothing to do
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "apply", "--to", "v1.34", "--yes", "--force",
                             *SEED_OVERRIDE_ARGS)
    assert code == 0 and "Nothing to do: every node already runs v1.34.3." in out


# ---- seed: full minor upgrade, workers two at a time ------------------------------------------------

def test_seed_minor_upgrade_cli_parallel(make_sim, tmp_path, capsys) -> None:
    sim, inv = start(make_sim, tmp_path)
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "plan", "--to", "v1.35", "--force", *SEED_OVERRIDE_ARGS)
    assert code == 0, out + err
    assert "cluster version v1.34.3 -> v1.35.2 (minor upgrade; requested v1.35)" in out
    assert "the v1.35 repository offers: v1.35.2, v1.35.1, v1.35.0" in out
    assert "sudo sed -i -E 's#(/core:/stable:/)v[0-9]+\\.[0-9]+/#\\1v1.35/#g' " in out
    assert not writes(sim) and not changed_hosts(sim)  # the plan changed nothing
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "apply", "--to", "v1.35", "--yes", "--force", "--override-safety", "k8s-master",
                             "--parallel", "2")
    assert code == 0, out + err
    assert_upgraded(sim, "v1.35.2")
    assert out.index("[k8s-master] ==> k8s-master upgraded") < out.index("[k8s-worker-1] ==> [2/3]")
    # web may run only on workers: with both drained at once it would have nothing, so the second
    # worker waits for the first (ha's test has workers really running two at a time)
    waiting = ("[k8s-worker-2]     waiting (safety gates): starts when k8s-worker-1 is done: default/web: its 2 pods "
               "can run only on k8s-worker-1, k8s-worker-2, which this drain takes away: 0 of 2 would be available")
    assert waiting in out.splitlines(), out
    assert out.index("[k8s-worker-1] ==> k8s-worker-1 upgraded") < out.index("[k8s-worker-2] ==> [3/3]")


# ---- ha: patch then minor, PDB blocker reported before anything runs ----------------------------------

async def test_ha_patch_then_minor_upgrade(make_sim, tmp_path) -> None:
    sim, inv = start(make_sim, tmp_path, "ha", version="v1.34.1")
    conn, runner = await session(sim, inv)
    opts = up.UpgradeOptions(evict_retry_delay=0.1)
    try:
        plan = await up.make_plan(conn, runner, "v1.34", opts)
        assert plan.target == "v1.34.3" and plan.kind == "patch"
        assert [(n.name, n.action) for n in plan.nodes][:4] == [
            ("cp-1", "apply"), ("cp-2", "node"), ("cp-3", "node"), ("worker-1", "worker")]
        pdb = [p for p in plan.blockers if p.code == "drain.pdb"]
        assert pdb and all("PodDisruptionBudget shop/payments allows no disruption" in p.message for p in pdb)
        assert {p.node for p in pdb} == {n for n, _ in _payments_nodes(sim)}
        with pytest.raises(UserError, match="blocker"):
            await up.UpgradeRun(conn, runner, plan).run()
        assert not writes(sim) and not changed_hosts(sim)

        # relax the budget; the rest of the plan goes through
        sim.call(lambda: sim.cluster.store.mutate("poddisruptionbudgets", "shop", "payments",
                                                  lambda o: o["spec"].update(maxUnavailable=1)))
        wait_until(lambda: sim.call(lambda: sim.cluster.store.get("poddisruptionbudgets", "shop", "payments")
                                    ["status"].get("disruptionsAllowed")), what="the relaxed budget")
        # workers two at a time; worker-1 fails while worker-2 runs: worker-2 finishes, nothing else starts
        sim.call(lambda: sim.cluster.hosts.add_fault("worker-1", "apt-get install"))
        events: list = []
        decided: list[str] = []

        async def abort(f: up.StepFailed) -> str:
            decided.append(f"{f.node}/{f.step}")
            return "abort"

        par = up.UpgradeOptions(evict_retry_delay=0.1, parallel=2)
        plan = await up.make_plan(conn, runner, "v1.34", par)
        assert plan.ok, plan.blockers
        result = await up.UpgradeRun(conn, runner, plan, on_event=events.append, on_failure=abort).run()
        assert (result.status, result.failed, decided) == ("failed", ("worker-1", "kubeadm"), ["worker-1/kubeadm"])
        started = [(e.node, e.action) for e in events if isinstance(e, up.NodeStarted)]
        assert started == [("cp-1", "apply"), ("cp-2", "node"), ("cp-3", "node"), ("worker-1", "worker"),
                           ("worker-2", "worker")]
        seq = [(type(e).__name__, e.node) for e in events if isinstance(e, (up.NodeStarted, up.NodeDone))]
        # control planes strictly one after the other; the two workers at once
        assert seq[:6] == [(k, n) for n in ("cp-1", "cp-2", "cp-3") for k in ("NodeStarted", "NodeDone")]
        assert seq[6:] == [("NodeStarted", "worker-1"), ("NodeStarted", "worker-2"), ("NodeDone", "worker-2")]
        assert any(isinstance(e, up.GatePassed) and e.gate == "addons" and e.node == "cp-3" for e in events)

        events.clear()
        plan = await up.make_plan(conn, runner, "v1.34", par)
        assert plan.ok and plan.resume and plan.resume["at"] == {"node": "worker-1", "step": "kubeadm"}
        result = await up.UpgradeRun(conn, runner, plan, on_event=events.append).run()
        assert result.ok, result
        assert_upgraded(sim, "v1.34.3")
        assert [e.node for e in events if isinstance(e, up.NodeStarted)] == [f"worker-{i}" for i in (1, 3, 4, 5)]

        plan = await up.make_plan(conn, runner, "v1.35", opts)
        assert plan.target == "v1.35.2" and plan.kind == "minor" and plan.ok, plan.blockers
        assert [s.id for s in plan.nodes[0].steps][:4] == ["repo", "apt-update", "kubeadm", "verify"]
        events.clear()
        result = await up.UpgradeRun(conn, runner, plan, on_event=events.append).run()
        assert result.ok, result
        s = assert_upgraded(sim, "v1.35.2")
        # one node at a time by default: each finishes before the next starts
        seq = [(type(e).__name__, e.node) for e in events if isinstance(e, (up.NodeStarted, up.NodeDone))]
        order = ["cp-1", "cp-2", "cp-3"] + [f"worker-{i}" for i in range(1, 6)]
        assert seq == [(k, n) for n in order for k in ("NodeStarted", "NodeDone")]
        assert sum("kubeadm upgrade apply -y v1.35.2" in c for h in s["hosts"].values() for c in h["history"]) == 1
    finally:
        await runner.close()
        await conn.close()


def _payments_nodes(sim) -> list[tuple[str, str]]:
    return [(p["spec"]["nodeName"], p["metadata"]["name"]) for p in sim.call(lambda: sim.cluster.store.objects("pods"))
            if p["metadata"].get("namespace") == "shop" and p["metadata"]["name"].startswith("payments-")]


# ---- refusals ----------------------------------------------------------------------------------------

def test_refusals(make_sim, tmp_path, capsys) -> None:
    sim, inv = start(make_sim, tmp_path, version="v1.34.1")
    cases = [
        ("v1.36", "error: v1.36 would skip a minor version: the oldest API server runs v1.34.1; upgrade to v1.35 "
                  "first (skipping minor versions is unsupported)"),
        ("v1.33.5", "error: v1.33.5 would be a downgrade: the cluster runs v1.34.1"),
        ("v1.34.0", "error: v1.34.0 would be a downgrade: the cluster runs v1.34.1"),
        ("v1.35.9", "error: v1.35.9 is not offered by the v1.35 package repository (it offers v1.35.2, v1.35.1, "
                    "v1.35.0;"),
        ("v1.34.9", "error: v1.34.9 is not offered by the v1.34 package repository"),
        ("1.35.x", "error: invalid target version '1.35.x': expected a version like v1.35.2 or a minor like v1.35"),
    ]
    for target, message in cases:
        for verb in (["plan"], ["apply", "--yes"]):
            code, out, err = run_cli(capsys, sim, inv, "upgrade", *verb, "--to", target)
            assert code == 1, (target, verb, out, err)
            assert err.startswith(message) and err.count("\n") == 1, (target, err)
            assert out == ""
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "apply", "--to", "v1.35", "--yes", "--nodes", "nope")
    assert (code, err) == (1, "error: --nodes: no such node: nope\n")
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "apply", "--to", "v1.35", "--yes", "--parallel", "0")
    assert (code, err) == (1, "error: --parallel must be at least 1\n")
    assert not writes(sim) and not changed_hosts(sim)
    # a skipped minor is refused from the API alone: no host was asked anything about v1.36
    assert not any("v1.36" in c for h in state(sim)["hosts"].values() for c in h["history"])


def test_readonly(make_sim, tmp_path, capsys) -> None:
    sim, inv = start(make_sim, tmp_path, version="v1.34.1")
    before = len(sim.cluster.server.requests)
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "apply", "--to", "v1.34", "--yes", "--force", "--override-safety", "k8s-master", "--readonly")
    assert (code, out) == (1, "")
    assert err == "error: read-only mode: refused to upgrade the cluster to v1.34\n"
    assert len(sim.cluster.server.requests) == before  # refused before connecting anywhere
    assert all(not h["history"] for h in state(sim)["hosts"].values())
    assert audit.read()[-1]["result"] == "refused"
    # the plan works read-only: read-only probes only, no write
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "plan", "--to", "v1.34", "--force", "--readonly",
                             *SEED_OVERRIDE_ARGS)
    assert code == 0, out + err
    assert "packages: kubeadm=1.34.3-1.1" in out
    assert not writes(sim) and not changed_hosts(sim)
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "plan", "--to", "v1.35", "--force", "--readonly",
                             *SEED_OVERRIDE_ARGS)
    index_probe = "curl -fsSL https://pkgs.k8s.io/core:/stable:/v1.35/deb/Packages"
    if shell.is_read_only(index_probe):  # the allow-list accepts the repository index probe
        assert code == 0 and "packages: kubeadm=1.35.2-1.1" in out, out + err
    else:  # until it does, a read-only plan says why it cannot resolve a minor it cannot see
        assert code == 1 and "not in the read-only allow-list" in err, out + err
    assert not writes(sim) and not changed_hosts(sim)


# ---- a failed step stops the run; the next run resumes -----------------------------------------------

def test_failed_step_stops_and_next_run_resumes(make_sim, tmp_path, capsys) -> None:
    sim, inv = start(make_sim, tmp_path, version="v1.34.1", fail_once=[("k8s-worker-1", "apt-get install")])
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "apply", "--to", "v1.34", "--yes", "--force",
                             *SEED_OVERRIDE_ARGS)
    assert code == 1
    assert "FAILED: `sudo apt-get install -y kubeadm=1.34.3-1.1` failed on k8s-worker-1 (exit status 100)" in err
    assert "step kubeadm on k8s-worker-1 failed; no further node was started" in err
    assert "k8s-worker-2" not in out.split("==> [2/3] k8s-worker-1")[1]
    s = state(sim)
    assert s["nodes"]["k8s-master"]["status"]["nodeInfo"]["kubeletVersion"] == "v1.34.3"
    assert s["nodes"]["k8s-worker-2"]["status"]["nodeInfo"]["kubeletVersion"] == "v1.34.1"
    assert not any("apt-get" in c for c in s["hosts"]["k8s-worker-2"]["history"])  # never started
    j = Journal.load(journal_of(sim, "v1.34.3"))
    assert j is not None and j.data["status"] == "failed"
    step = j.step("k8s-worker-1", "kubeadm")
    assert step["status"] == "failed" and "exit status 100" in step["error"]
    failing = [c for c in step["commands"] if c["command"] == "sudo apt-get install -y kubeadm=1.34.3-1.1"]
    assert failing[0]["exitStatus"] == 100
    assert any("Could not get lock" in line for _, line in failing[0]["output"])  # the output is kept
    assert j.node("k8s-worker-2")["status"] == "pending"

    code, out, err = run_cli(capsys, sim, inv, "upgrade", "plan", "--to", "v1.34", "--force")
    assert "resumes at k8s-worker-1 step kubeadm" in out
    # from the version the run started from (the journal's), not the control plane's new one
    assert "cluster version v1.34.1 -> v1.34.3 (patch upgrade; the cluster runs v1.34.3 now; requested v1.34)" \
        in out
    worker_1 = out.split("k8s-worker-1 (worker")[1].split("k8s-worker-2 (worker")[0]
    assert "- Refresh the package index  (done in an earlier run)" in worker_1
    assert "- Upgrade kubeadm to 1.34.3-1.1  (failed in an earlier run: runs again)" in worker_1
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "apply", "--to", "v1.34", "--yes", "--force",
                             *SEED_OVERRIDE_ARGS)
    assert code == 0, out + err
    assert "Resuming the upgrade to v1.34.3: k8s-worker-1, k8s-worker-2; already done: k8s-master" in out
    assert "Upgrade kubeadm to 1.34.3-1.1 (attempt 2)" in out
    assert "Refresh the package index: skipped (done in an earlier run)" in out
    assert_upgraded(sim, "v1.34.3")
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "plan", "--to", "v1.34", "--force")
    assert "cluster version v1.34.1 -> v1.34.3 (done: every node runs v1.34.3; requested v1.34)" in out, out


# ---- the journal is the cluster's: two clusters named alike keep their own ------------------------------

def test_journal_keyed_by_server_and_ca(make_sim, tmp_path, capsys) -> None:
    a, inv_a = start(make_sim, tmp_path, version="v1.34.1", fail_once=[("k8s-worker-1", "apt-get install")])
    sc = load_scenario("seed", {"kubernetesVersion": "v1.34.1"})
    inv_b = tmp_path / "inventory-b.yaml"
    b = make_sim(sc, inventory_path=inv_b)
    names = {sim.cluster.kubeconfig()["clusters"][0]["name"] for sim in (a, b)}
    assert names == {"kubernetes"}  # the same name: only the server and the CA tell them apart
    code, out, err = run_cli(capsys, a, inv_a, "upgrade", "apply", "--to", "v1.34.3", "--yes", "--force",
                             *SEED_OVERRIDE_ARGS)
    assert code == 1 and "step kubeadm on k8s-worker-1 failed" in err
    assert journal_of(a, "v1.34.3") != journal_of(b, "v1.34.3")
    assert f"journal: {journal_of(a, 'v1.34.3')}" in out

    # the other cluster of the same name: nothing to resume, and its run is its own
    code, out, err = run_cli(capsys, b, inv_b, "upgrade", "plan", "--to", "v1.34.3", "--force", *SEED_OVERRIDE_ARGS)
    assert code == 0 and "resumes at" not in out, out + err
    code, out, err = run_cli(capsys, b, inv_b, "upgrade", "apply", "--to", "v1.34.3", "--yes", "--force",
                             *SEED_OVERRIDE_ARGS)
    assert code == 0, out + err
    assert "Upgrading to v1.34.3: k8s-master, k8s-worker-1, k8s-worker-2" in out
    assert_upgraded(b, "v1.34.3")
    assert Journal.load(journal_of(b, "v1.34.3")).data["status"] == "done"  # type: ignore[union-attr]
    assert Journal.load(journal_of(a, "v1.34.3")).data["status"] == "failed"  # type: ignore[union-attr]

    # a journal of the older name (cluster and target only) is read for its own server, moved on apply
    keyed = journal_of(a, "v1.34.3")
    legacy = legacy_journal_path("kubernetes", "v1.34.3")
    data = Journal.load(keyed).data  # type: ignore[union-attr]
    del data["caSha256"], data["from"]
    Journal(legacy, data).save()
    keyed.unlink()
    code, out, err = run_cli(capsys, b, inv_b, "upgrade", "plan", "--to", "v1.34.3", "--force")  # its own journal
    assert "resumes at" not in out and "v1.34.1 -> v1.34.3 (done: every node runs v1.34.3)" in out, out
    code, out, err = run_cli(capsys, a, inv_a, "upgrade", "plan", "--to", "v1.34.3", "--force")
    assert "resumes at k8s-worker-1 step kubeadm" in out and not keyed.exists()  # a plan moves nothing
    code, out, err = run_cli(capsys, a, inv_a, "upgrade", "apply", "--to", "v1.34.3", "--yes", "--force",
                             *SEED_OVERRIDE_ARGS)
    assert code == 0, out + err
    assert "Resuming the upgrade to v1.34.3: k8s-worker-1, k8s-worker-2; already done: k8s-master" in out
    assert_upgraded(a, "v1.34.3")
    assert not legacy.exists()
    moved = Journal.load(keyed)
    assert moved is not None and moved.data["status"] == "done"
    assert moved.data["caSha256"] == ca_sha256(a.cluster.pki.ca_cert_pem)


def test_journal_key_names_server_and_ca() -> None:
    ca_1, ca_2 = b"-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n", b"\x00\x01\x03"
    assert ca_sha256(ca_1) == ca_sha256(b"\x00\x01\x02")  # PEM: the DER inside
    same_url = [journal_path("kubernetes", "v1.35.2", server="https://10.0.0.10:6443", ca_fingerprint=f)
                for f in (ca_sha256(ca_1), ca_sha256(ca_2), None)]
    assert len(set(same_url)) == 3
    assert journal_path("kubernetes", "v1.35.2", server="https://10.0.0.11:6443", ca_fingerprint=None) \
        != same_url[2]
    assert all(p.name.startswith("kubernetes-") and p.name.endswith("-v1.35.2.json") for p in same_url)


# ---- a killed process resumes ------------------------------------------------------------------------

def test_killed_process_resumes(make_sim, tmp_path, capsys) -> None:
    sim, inv = start(make_sim, tmp_path)
    sim.call(lambda: setattr(sim.cluster.hosts.state("k8s-worker-1"), "pace", 0.02))  # a slower host
    env = dict(os.environ, XDG_STATE_HOME=os.environ["XDG_STATE_HOME"],
               XDG_CONFIG_HOME=os.environ["XDG_CONFIG_HOME"])
    argv = [sys.executable, "-m", "k8stui", "upgrade", "apply", "--to", "v1.35", "--yes", "--force", "--override-safety", "k8s-master",
            "--kubeconfig", str(sim.kubeconfig_path), "--inventory", str(inv)]
    jpath = journal_of(sim, "v1.35.2")
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        def mid_run() -> object:
            if proc.poll() is not None:
                raise AssertionError(f"the run ended before it could be killed: {proc.stderr.read()}")
            j = Journal.load(jpath) if jpath.exists() else None
            if j is None:
                return None
            return next((s["id"] for s in j.node("k8s-worker-1")["steps"] if s["status"] == "running"), None)

        step = wait_until(mid_run, timeout=60, interval=0.005, what="a running step on k8s-worker-1")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stderr.close()
    j = Journal.load(jpath)
    assert j is not None and j.data["status"] == "running"  # the journal kept the place
    assert j.step("k8s-worker-1", str(step))["status"] in ("running", "done")
    sim.call(lambda: setattr(sim.cluster.hosts.state("k8s-worker-1"), "pace", 0.0))
    code, out, err = run_cli(capsys, sim, inv, "upgrade", "apply", "--to", "v1.35", "--yes", "--force",
                             *SEED_OVERRIDE_ARGS)
    assert code == 0, out + err
    assert "Resuming the upgrade to v1.35.2" in out
    assert_upgraded(sim, "v1.35.2")
    assert Journal.load(jpath).data["status"] == "done"  # type: ignore[union-attr]


# ---- pre-flight blockers and warnings -------------------------------------------------------------------

async def test_preflight_checks(make_sim, tmp_path) -> None:
    sim, inv = start(make_sim, tmp_path)

    def damage() -> None:
        hosts = sim.cluster.hosts
        hosts.state("k8s-worker-2").files[shell.REPO_LIST] = \
            "deb https://apt.kubernetes.io/ kubernetes-xenial main\n"
        hosts.state("k8s-worker-1").swap = True
        hosts.state("k8s-master").cert_expiry = datetime.now(timezone.utc) + timedelta(days=10)
        hosts.state("k8s-worker-1").installed["kubeadm"] = "1.33.5-1.1"
        sim.cluster.controllers.set_node_ready("k8s-worker-2", False)

    sim.call(damage)
    conn, runner = await session(sim, inv)
    try:
        plan = await up.make_plan(conn, runner, "v1.35", up.UpgradeOptions(force=True, override_safety=SEED_OVERRIDE))
        got = {(p.severity, p.code, p.node) for p in plan.all_problems}
        assert ("blocker", "preflight.legacy-repo", "k8s-worker-2") in got
        assert ("blocker", "preflight.swap", "k8s-worker-1") in got
        assert ("warning", "preflight.certs-expiring", "k8s-master") in got
        assert ("blocker", "node.not-ready", "k8s-worker-2") in got
        assert ("blocker", "skew.kubeadm-too-old", "k8s-worker-1") in got
        legacy = next(p for p in plan.all_problems if p.code == "preflight.legacy-repo")
        assert "apt.kubernetes.io" in legacy.message and "gone since March 2024" in legacy.message
        assert ("deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] "
                "https://pkgs.k8s.io/core:/stable:/v1.35/deb/ /") in (legacy.fix or "")
        checks = {label.split(" (")[0]: status for label, status, _ in plan.checklist()}
        assert checks["Swap off"] == "blocker" and checks["Control-plane certificates valid"] == "warning"
        assert checks["Nodes Ready"] == "blocker" and checks["Package repositories"] == "blocker"
        with pytest.raises(UserError, match="blocker"):
            await up.UpgradeRun(conn, runner, plan).run()
        # --nodes keeps kubeadm's order: no worker before the control plane
        plan = await up.make_plan(conn, runner, "v1.35", up.UpgradeOptions(force=True, nodes=["k8s-worker-1"], override_safety=SEED_OVERRIDE))
        codes = {p.code for p in plan.blockers}
        assert {"order.apply-first", "order.control-plane-first"} <= codes
        assert [n.name for n in plan.nodes] == ["k8s-worker-1"]
        # read-only sessions may plan, never run
        ro = await connect(sim.kubeconfig_path, "admin", readonly=True)
        try:
            plan = await up.make_plan(ro, runner, "v1.34", up.UpgradeOptions(force=True, override_safety=SEED_OVERRIDE))
            with pytest.raises(UserError, match="read-only"):
                await up.UpgradeRun(ro, runner, plan).run()
        finally:
            await ro.close()
    finally:
        await runner.close()
        await conn.close()
    assert not writes(sim)


# ---- operator decisions: skip, retry, pause, confirm between nodes -----------------------------------

async def test_retry_skip_pause_confirm(make_sim, tmp_path) -> None:
    sim, inv = start(make_sim, tmp_path, version="v1.34.1",
                     fail_once=[("k8s-worker-1", "apt-mark hold kubeadm"), ("k8s-worker-2", "apt-get install")])
    conn, runner = await session(sim, inv)
    events: list = []
    asked: list[str] = []
    decisions = {"k8s-worker-1": "skip", "k8s-worker-2": "retry"}

    async def on_failure(f: up.StepFailed) -> str:
        return decisions[f.node]

    async def confirm(node: str) -> bool:
        asked.append(node)
        return True

    try:
        plan = await up.make_plan(conn, runner, "v1.34.3", up.UpgradeOptions(force=True, override_safety=SEED_OVERRIDE))
        run = up.UpgradeRun(conn, runner, plan, on_failure=on_failure, confirm_next=confirm)
        async for e in run.stream():  # the same events as on_event, as an async iterator
            events.append(e)
            if isinstance(e, up.NodeDone) and e.node == "k8s-master":
                run.pause()
            if isinstance(e, up.Paused):
                assert run.paused
                run.resume()
        assert isinstance(events[-1], up.RunFinished) and events[-1].ok, events[-1]
    finally:
        await runner.close()
        await conn.close()
    assert asked == ["k8s-worker-1", "k8s-worker-2"]
    assert any(isinstance(e, up.Paused) for e in events) and any(isinstance(e, up.Resumed) for e in events)
    failed = [(e.node, e.step) for e in events if isinstance(e, up.StepFailed)]
    assert failed == [("k8s-worker-1", "kubeadm"), ("k8s-worker-2", "kubeadm")]
    skipped = [e for e in events if isinstance(e, up.StepSkipped)]
    assert [(e.node, e.step) for e in skipped] == [("k8s-worker-1", "kubeadm")]
    assert skipped[0].reason.startswith("skipped by the operator after: `sudo apt-mark hold kubeadm` failed")
    assert any(isinstance(e, up.StepStarted) and e.node == "k8s-worker-2" and e.step == "kubeadm"
               and e.attempt == 2 for e in events)
    s = state(sim)
    assert s["hosts"]["k8s-worker-1"]["installed"]["kubeadm"] == "1.34.3-1.1"
    assert "kubeadm" not in s["hosts"]["k8s-worker-1"]["held"]  # what was skipped stays undone
    assert any(e["action"] == "upgrade-skip-step" for e in audit.read())


# ---- the API outage of an HA-less upgrade: acknowledged once for the plan -----------------------------

async def test_api_outage_is_acknowledged_once_for_the_plan(make_sim, tmp_path) -> None:
    sim, inv = start(make_sim, tmp_path, version="v1.34.1")
    conn, runner = await session(sim, inv)
    try:
        plan = await up.make_plan(conn, runner, "v1.34.3", up.UpgradeOptions(force=True))
        [outage] = [p for p in plan.all_problems if p.code == "safety.api-outage"]
        assert (outage.severity, outage.node) == (up.BLOCKER, "k8s-master")
        assert outage.message == ("upgrading k8s-master takes down the only API server: the Kubernetes API will be "
                                  "unavailable until it is back")
        assert outage.fix == "acknowledge the outage once for this plan (--override-safety=k8s-master)"
        assert plan.blockers == [outage] and not plan.outage_acknowledged
        # acknowledged for another target: not this plan's
        other = await up.make_plan(conn, runner, "v1.34.3", up.UpgradeOptions(force=True,
                                                                              outage_acknowledged_for="v1.34.2"))
        assert not other.ok
        # acknowledged once for this plan: no name per node, and the run's own gate check honours it
        opts = up.UpgradeOptions(force=True, outage_acknowledged_for="v1.34.3", evict_retry_delay=0.1)
        plan = await up.make_plan(conn, runner, "v1.34.3", opts)
        assert plan.ok, plan.blockers
        assert plan.outage_acknowledged and opts.override_safety == frozenset()
        [outage] = [p for p in plan.all_problems if p.code == "safety.api-outage"]
        assert outage.severity == up.WARNING and outage.message.endswith("(acknowledged for this plan)")
        result = await up.UpgradeRun(conn, runner, plan).run()
        assert result.ok, result
        assert json.loads(result.journal.read_text())["options"]["apiOutageAcknowledged"] is True
    finally:
        await runner.close()
        await conn.close()
    assert_upgraded(sim, "v1.34.3")
