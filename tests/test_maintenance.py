"""Safety gates, other maintenance in progress, and the k8stui maintenance Lease
(k8stui.ops.maintenance) against the simulated kubeadm clusters, through the real API client."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from k8stui import audit
from k8stui.errors import ReadOnlyError, UserError
from k8stui.kube.connection import connect
from k8stui.ops import maintenance as m
from k8stui.ops.cluster_info import build_control_plane, pod_ready
from k8stui.sim.cluster import SimThread
from k8stui.sim.store import now_rfc3339

REPO = Path(__file__).resolve().parents[1]
UPGRADE_ONLY_API = ("upgrading k8s-master takes down the only API server: the Kubernetes API will be unavailable "
                    "until it is back")
DRAIN_ONLY_API = ("k8s-master runs the only API server: draining it leaves its static pods (kube-apiserver, etcd) "
                  "running, so the API stays up, but there is no other API server to fall back on meanwhile")
WEB_REFUSAL = ("default/web: its 2 pods can run only on k8s-worker-1, k8s-worker-2, which this drain takes away: "
               "0 of 2 would be available")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}




@pytest.fixture(autouse=True)
def _homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))




@pytest.fixture
def seed(sims) -> Iterator[SimThread]:
    sim = sims("seed")
    drop_lease(sim)
    yield sim
    drop_lease(sim)


def drop_lease(sim: SimThread) -> None:
    def drop() -> None:
        if sim.cluster.store.try_get("leases", m.LEASE_NAMESPACE, m.LEASE_NAME):
            sim.cluster.store.delete("leases", m.LEASE_NAMESPACE, m.LEASE_NAME)

    sim.call(drop)


def stored_lease(sim: SimThread) -> dict | None:
    return sim.call(lambda: sim.cluster.store.try_get("leases", m.LEASE_NAMESPACE, m.LEASE_NAME))


async def until(pred: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> object:
    """Poll a condition (never a bare sleep as synchronisation)."""
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


def audit_entries(action: str) -> list[dict]:
    return [e for e in audit.read() if e["action"] == action]


# ---- quorum arithmetic ----------------------------------------------------------------------------

@pytest.mark.parametrize("n, q, tolerance", [(1, 1, 0), (2, 2, 0), (3, 2, 1), (4, 3, 1), (5, 3, 2)])
def test_quorum_and_fault_tolerance(n: int, q: int, tolerance: int) -> None:
    assert m.quorum(n) == q
    assert m.fault_tolerance(n) == tolerance
    assert m.can_lose(n, n) == tolerance
    assert m.has_quorum(q, n) and not m.has_quorum(q - 1, n)


@pytest.mark.parametrize("ready, total, lose", [
    (1, 1, 0), (0, 1, 0),
    (2, 2, 0), (1, 2, 0),
    (3, 3, 1), (2, 3, 0), (1, 3, 0),
    (5, 5, 2), (4, 5, 1), (3, 5, 0), (2, 5, 0),
])
def test_can_lose(ready: int, total: int, lose: int) -> None:
    assert m.can_lose(ready, total) == lose


def synthetic_control_plane(n: int, etcd_unready: int = 0, node_not_ready: int = 0):
    """n stacked control-plane nodes cp-1..cp-n; the last `etcd_unready` have an unready etcd member,
    the first `node_not_ready` after cp-1 are NotReady."""
    nodes, pods = [], []
    for i in range(1, n + 1):
        name = f"cp-{i}"
        ready = not (1 < i <= 1 + node_not_ready)
        nodes.append({"metadata": {"name": name, "labels": {"node-role.kubernetes.io/control-plane": ""}},
                      "spec": {},
                      "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "Unknown"}],
                                             "nodeInfo": {"kubeletVersion": "v1.34.3"},
                                             "addresses": [{"type": "InternalIP", "address": f"10.0.0.{20 + i}"}]}})
        for comp in ("kube-apiserver", "etcd"):
            ok = not (comp == "etcd" and i > n - etcd_unready)
            pods.append({"metadata": {"name": f"{comp}-{name}", "namespace": "kube-system",
                                      "labels": {"component": comp, "tier": "control-plane"}, "annotations": {}},
                         "spec": {"nodeName": name, "containers": [{"image": f"registry.k8s.io/{comp}:v1.34.3"}]},
                         "status": {"phase": "Running",
                                    "conditions": [{"type": "Ready", "status": "True" if ok else "False"}]}})
    return build_control_plane(nodes, pods, {"etcd": {"local": {"dataDir": "/var/lib/etcd"}}})


@pytest.mark.parametrize("n, etcd_unready, node_not_ready, refused", [
    (1, 0, 0, False),   # the only API server and the only etcd member: its static pods stay (a warning)
    (2, 0, 0, True),    # 2 members need both: stopping one loses quorum
    (3, 0, 0, False),   # 3 members: one may go
    (3, 1, 0, True),    # one already down: cp-1 is the one that may not go
    (5, 0, 0, False),
    (5, 1, 0, False),   # 4 ready of 5: one more may go
    (5, 2, 0, True),    # 3 ready of 5: none may go
    (3, 0, 1, True),    # cp-2 NotReady: its member counts as down, and 1 of 3 control planes would stay
])
def test_quorum_gate_for_1_2_3_5_control_planes(n: int, etcd_unready: int, node_not_ready: int,
                                                 refused: bool) -> None:
    cp = synthetic_control_plane(n, etcd_unready, node_not_ready)
    refusals, notes = m.control_plane_refusals(cp, "cp-1", "drain")
    assert bool(refusals) == refused, (refusals, notes)
    if n == 1:
        assert m.api_server_loss(cp, "cp-1", "drain").startswith("cp-1 runs the only API server: draining it "
                                                                 "leaves its static pods")
        assert m.api_server_loss(cp, "cp-1", "upgrade") == UPGRADE_ONLY_API.replace("k8s-master", "cp-1")
    else:
        assert m.api_server_loss(cp, "cp-1", "upgrade") == ""
    if refused:
        assert any("etcd members ready" in r or "control-plane nodes Ready" in r for r in refusals)
    assert any(f"quorum {m.quorum(n)}" in note for note in notes)


# ---- gates on the simulated clusters ---------------------------------------------------------------

async def test_only_control_plane_drain_warns_upgrade_needs_acknowledgement(seed) -> None:
    conn = await connect(seed.kubeconfig_path, "admin")
    try:
        report = await m.check_node_gates(conn, "k8s-master", "drain")
        upgrade = await m.check_node_gates(conn, "k8s-master", "upgrade")
    finally:
        await conn.close()
    # a drain leaves the static pods running: the API stays up, so a warning and no refusal
    assert report.role == "control-plane"
    assert report.ok and report.allows() and report.refusals == [] and report.outage == []
    assert report.warnings == [DRAIN_ONLY_API]
    # an upgrade restarts them: refused until acknowledged for the plan, or the name typed
    assert upgrade.outage == [UPGRADE_ONLY_API] and upgrade.refusals == []
    assert not upgrade.ok and not upgrade.blockers
    assert upgrade.override_phrase == "k8s-master"
    assert not upgrade.allows() and not upgrade.allows("yes") and not upgrade.allows("k8s-worker-1")
    with pytest.raises(m.GateRefused) as exc:
        upgrade.enforce("y")
    assert str(exc.value).splitlines()[:2] == ["refusing to upgrade k8s-master:", UPGRADE_ONLY_API]
    assert "--override-safety=k8s-master" in str(exc.value)
    assert upgrade.allows("k8s-master") and upgrade.allows(" k8s-master\n")
    assert upgrade.allows(outage_acknowledged=True)  # once for the plan: no name per node
    upgrade.enforce(outage_acknowledged=True)


async def test_worker_of_seed_passes(seed) -> None:
    conn = await connect(seed.kubeconfig_path, "admin", readonly=True)  # the gates only read
    try:
        report = await m.check_node_gates(conn, "k8s-worker-1", "drain")
    finally:
        await conn.close()
    assert report.ok and report.allows() and report.role == "worker"
    assert not [x for x in conn.sent if x[0] in WRITES]
    with pytest.raises(UserError, match='nodes "nope" not found'):
        conn2 = await connect(seed.kubeconfig_path, "admin")
        try:
            await m.check_node_gates(conn2, "nope")
        finally:
            await conn2.close()


@pytest.mark.parametrize("name, node, refused", [
    ("ha", "cp-1", False),
    ("ha", "worker-1", False),
    ("ha-degraded", "cp-1", True),
    ("ha-degraded", "cp-2", True),
    ("ha-degraded", "cp-3", False),  # its member is the unready one: stopping it changes nothing
    ("ha-external-etcd", "cp-1", False),
])
async def test_ha_quorum_gates(sims, name: str, node: str, refused: bool) -> None:
    sim = sims(name)
    conn = await connect(sim.kubeconfig_path, "admin")
    try:
        report = await m.check_node_gates(conn, node, "drain", capacity=False)
    finally:
        await conn.close()
    assert bool(report.refusals) == refused, report.lines()
    if refused:
        assert report.refusals == [f"draining {node} would leave 1 of 3 etcd members ready; etcd needs 2 for "
                                   "quorum: the cluster would lose quorum and the Kubernetes API would stop until "
                                   "the member is back"]
        assert report.allows(node)
    if name == "ha-external-etcd":
        assert any("etcd is external" in n for n in report.notes)


async def test_pinned_workload_refused_with_its_room_warning(sims) -> None:
    sim = sims("ha")
    conn = await connect(sim.kubeconfig_path, "admin")
    try:
        await conn.apps().create_namespaced_deployment("default", {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "pinned"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "pinned"}},
                     "template": {"metadata": {"labels": {"app": "pinned"}},
                                  "spec": {"nodeSelector": {"kubernetes.io/hostname": "worker-1"},
                                           "containers": [{"name": "c", "image": "nginx",
                                                           "resources": {"requests": {"cpu": "100m"}}}]}}}})

        def ready() -> bool:
            return any(p["metadata"]["name"].startswith("pinned-") and pod_ready(p)
                       for p in sim.call(lambda: sim.cluster.store.objects("pods", "default")))

        await until(ready, what="the pinned pod to be Ready")
        report = await m.check_node_gates(conn, "worker-1", "drain")
        other = await m.check_node_gates(conn, "worker-2", "drain")
    finally:
        await conn.apps().delete_namespaced_deployment("pinned", "default")
        await conn.close()
    # its only replica can run nowhere else: the drain would leave it with nothing available
    assert report.refusals == ["default/pinned: its 1 pod can run only on worker-1, which this drain takes away: "
                               "0 of 1 would be available"], report.lines()
    assert report.allows("worker-1") and not report.allows()
    assert len(report.warnings) == 1, report.lines()
    assert "may find no room" in report.warnings[0] and "default/pinned-" in report.warnings[0]
    assert any("to reschedule request" in n for n in report.notes)
    assert other.ok and not any("pinned" in w for w in other.warnings + other.refusals)


def _node(name: str, cpu: str = "1", pods: int = 110, ready: bool = True, taints=None, labels=None) -> dict:
    return {"metadata": {"name": name, "labels": labels or {"kubernetes.io/hostname": name}},
            "spec": {"taints": taints or []},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "allocatable": {"cpu": cpu, "memory": "4Gi", "pods": str(pods)}}}


def _pod(name: str, node: str, cpu: str = "100m", owner: str | None = "ReplicaSet", **spec) -> dict:
    meta: dict = {"name": name, "namespace": "default"}
    if owner:
        meta["ownerReferences"] = [{"kind": owner, "name": "x", "controller": True}]
    return {"metadata": meta, "spec": {"nodeName": node, "containers": [{"resources": {"requests": {"cpu": cpu}}}],
                                       **spec}, "status": {"phase": "Running"}}


@pytest.mark.parametrize("nodes, pods, expect", [
    # room enough
    ([_node("a"), _node("b")], [_pod("p1", "a")], None),
    # nothing else Ready
    ([_node("a"), _node("b", ready=False)], [_pod("p1", "a")], "no other schedulable Ready node"),
    # CPU: 600m + 600m do not both fit in 1 CPU
    ([_node("a", cpu="2"), _node("b")], [_pod("p1", "a", "600m"), _pod("p2", "a", "600m")], "1 of 2 pod(s)"),
    # pod slots: b has room for one more pod only
    ([_node("a"), _node("b", pods=2)], [_pod("p1", "a"), _pod("p2", "a"), _pod("p0", "b")], "1 of 2 pod(s)"),
    # taints: b is tainted and the pod does not tolerate it
    ([_node("a"), _node("b", taints=[{"key": "k", "effect": "NoSchedule"}])], [_pod("p1", "a")], "may find no room"),
    # ... unless it tolerates it
    ([_node("a"), _node("b", taints=[{"key": "k", "effect": "NoSchedule"}])],
     [_pod("p1", "a", tolerations=[{"key": "k", "operator": "Exists"}])], None),
    # required node affinity that only a matches
    ([_node("a"), _node("b")], [_pod("p1", "a", affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": ["a"]}]}]}}})], "may find no room"),
    # DaemonSet pods and unmanaged pods need no room elsewhere
    ([_node("a"), _node("b", pods=0)], [_pod("d", "a", owner="DaemonSet"), _pod("u", "a", owner=None)], None),
])
def test_capacity_table(nodes, pods, expect) -> None:
    warnings, notes = m.capacity_warnings(nodes, pods, "a", "drain")
    if expect is None:
        assert warnings == [], warnings
    else:
        assert len(warnings) == 1 and expect in warnings[0], warnings


# ---- other maintenance in progress ----------------------------------------------------------------

async def test_kured_lock_detected(seed) -> None:
    created = now_rfc3339(time.time() - 120).replace("Z", ".123456789Z")  # kured writes nanoseconds
    lock = json.dumps({"nodeID": "k8s-worker-2", "metadata": {"unschedulable": False}, "created": created,
                       "TTL": 0})
    conn = await connect(seed.kubeconfig_path, "admin")
    try:
        await conn.apps().create_namespaced_daemon_set("kube-system", {
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "kured", "annotations": {m.KURED_LOCK_ANNOTATION: lock}},
            "spec": {"selector": {"matchLabels": {"name": "kured"}},
                     "template": {"metadata": {"labels": {"name": "kured"}},
                                  "spec": {"containers": [{"name": "kured",
                                                           "image": "ghcr.io/kubereboot/kured:1.17.1"}]}}}})
        try:
            report = await m.check_node_gates(conn, "k8s-worker-1", "drain")
            state = await m.maintenance_state(conn)
        finally:
            await conn.apps().delete_namespaced_daemon_set("kured", "kube-system")
        after = await m.check_node_gates(conn, "k8s-worker-1", "drain")
    finally:
        await conn.close()
    kured = [a for a in state.activities if a.kind == "kured"]
    assert len(kured) == 1 and kured[0].holder == "k8s-worker-2" and kured[0].source == "daemonset/kube-system/kured"
    assert abs(kured[0].since - (time.time() - 120)) < 5
    assert len(report.refusals) == 1, report.lines()
    assert ("kured is rebooting nodes: daemonset/kube-system/kured holds the reboot lock "
            "(weave.works/kured-node-lock) for node k8s-worker-2 since") in report.refusals[0]
    assert report.allows("k8s-worker-1") and not report.allows()
    assert after.ok


def test_kured_lock_formats() -> None:
    now = time.time()
    old = now_rfc3339(now - 3600)
    single_free = {"metadata": {"name": "kured", "namespace": "x", "annotations": {
        m.KURED_LOCK_ANNOTATION: json.dumps({"nodeID": "", "metadata": None, "created": old, "TTL": 0})}}}
    expired = {"metadata": {"name": "kured", "namespace": "x", "annotations": {
        m.KURED_LOCK_ANNOTATION: json.dumps({"nodeID": "n1", "created": old, "TTL": 60 * 10 ** 9})}}}
    multi = {"metadata": {"name": "kured", "namespace": "kured", "annotations": {
        m.KURED_LOCK_ANNOTATION: json.dumps({"maxOwners": 2, "locks": [
            {"nodeID": "n1", "created": old, "TTL": 0}, {"nodeID": "n2", "created": old, "TTL": 0}]})}}}
    garbage = {"metadata": {"name": "kured", "namespace": "y", "annotations": {m.KURED_LOCK_ANNOTATION: "{not json"}}}
    assert m.kured_activities([single_free, expired, garbage], now) == []
    assert [a.holder for a in m.kured_activities([multi], now)] == ["n1", "n2"]


async def test_system_upgrade_controller_plans(seed, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = await connect(seed.kubeconfig_path, "admin")
    try:
        problems: list[str] = []
        assert await m.find_applying_plans(conn, problems) == [] and problems == []  # the sim has no such group
        served = {"/apis": {"groups": [{"name": "upgrade.cattle.io", "versions": [{"version": "v1"}],
                                        "preferredVersion": {"version": "v1"}}]}}
        plans = [{"metadata": {"name": "server-plan", "namespace": "system-upgrade"},
                  "spec": {"version": "v1.34.4+k3s1"}, "status": {"applying": ["cp-1", "cp-2"]}},
                 {"metadata": {"name": "agent-plan", "namespace": "system-upgrade"}, "spec": {}, "status": {}}]
        asked: list[str] = []

        async def fake_json(conn, method, path, *a, **kw):
            asked.append(path)
            return served[path]

        async def fake_list(conn, path, *a, **kw):
            asked.append(path)
            return plans

        monkeypatch.setattr(m, "api_json", fake_json)
        monkeypatch.setattr(m, "api_list", fake_list)
        found = await m.find_applying_plans(conn, problems)
    finally:
        await conn.close()
    assert asked == ["/apis", "/apis/upgrade.cattle.io/v1/plans"]
    assert len(found) == 1
    assert found[0].message == ("plan/system-upgrade/server-plan (upgrade.cattle.io) is applying v1.34.4+k3s1 "
                                "on cp-1, cp-2")


# ---- the maintenance Lease ------------------------------------------------------------------------

HOLDER_SCRIPT = r"""
import asyncio, sys
from k8stui.errors import UserError
from k8stui.kube.connection import connect
from k8stui.ops.maintenance import acquire_maintenance_lease

async def main(kubeconfig, intent, hold):
    conn = await connect(kubeconfig, "admin")
    try:
        async with acquire_maintenance_lease(conn, intent) as lease:
            print("acquired", lease.holder, flush=True)
            if hold:  # hold it until the test says so (a line on stdin)
                await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        print("released", flush=True)
    finally:
        await conn.close()

try:
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] == "hold"))
except UserError as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(1)
"""


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO), XDG_STATE_HOME=str(tmp_path / "state"),
                XDG_CONFIG_HOME=str(tmp_path / "config"))


def _readline(stream, timeout: float = 60) -> str:
    """One line from a child's pipe, failing the test (not hanging it) if none comes."""
    box: list[str] = []
    t = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    t.start()
    t.join(timeout)
    assert box, f"no line from the child within {timeout}s"
    return box[0]


def test_two_processes_second_refused_while_held_then_proceeds(seed, tmp_path: Path) -> None:
    kc = str(seed.kubeconfig_path)
    env = _env(tmp_path)
    first = subprocess.Popen([sys.executable, "-c", HOLDER_SCRIPT, kc, "drain k8s-worker-1", "hold"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env, cwd=REPO)
    try:
        line = _readline(first.stdout)
        assert line.startswith("acquired "), line + first.stderr.read() if not line else line
        holder = line.split(" ", 1)[1].strip()
        assert holder.endswith(f":{first.pid}") and "@" in holder
        lease = stored_lease(seed)
        assert lease["spec"]["holderIdentity"] == holder
        assert lease["metadata"]["annotations"][m.INTENT_ANNOTATION] == "drain k8s-worker-1"

        second = subprocess.run([sys.executable, "-c", HOLDER_SCRIPT, kc, "drain k8s-worker-2", "once"],
                                capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
        assert second.returncode == 1, second.stdout + second.stderr
        assert "acquired" not in second.stdout
        err = second.stderr.strip()
        assert err.startswith(f"error: maintenance in progress: {holder} holds lease/kube-system/k8stui-maintenance "
                              'for "drain k8s-worker-1" since '), err
        assert stored_lease(seed)["spec"]["holderIdentity"] == holder  # untouched by the refused one

        first.stdin.write("\n")
        first.stdin.flush()
        assert _readline(first.stdout).strip() == "released"
        assert first.wait(30) == 0
        assert stored_lease(seed) is None  # released = deleted

        third = subprocess.run([sys.executable, "-c", HOLDER_SCRIPT, kc, "drain k8s-worker-2", "once"],
                               capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
        assert third.returncode == 0, third.stderr
        assert third.stdout.startswith("acquired ") and "released" in third.stdout
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(10)
    results = [(e["action"], e["result"], e["intent"]) for e in audit.read()
               if e["action"].startswith("maintenance-lease")]
    assert results == [("maintenance-lease-acquire", "ok", "drain k8s-worker-1"),
                       ("maintenance-lease-acquire", "refused", "drain k8s-worker-2"),
                       ("maintenance-lease-release", "ok", "drain k8s-worker-1"),
                       ("maintenance-lease-acquire", "ok", "drain k8s-worker-2"),
                       ("maintenance-lease-release", "ok", "drain k8s-worker-2")]


async def test_expired_lease_is_taken_over(seed) -> None:
    old = time.time() - 600

    def plant() -> None:
        seed.cluster.store.create("leases", {
            "metadata": {"name": m.LEASE_NAME, "namespace": m.LEASE_NAMESPACE,
                         "annotations": {m.INTENT_ANNOTATION: "upgrade cp-1"}},
            "spec": {"holderIdentity": "ghost@gone:1", "leaseDurationSeconds": 60, "leaseTransitions": 3,
                     "acquireTime": m._micro_time(old), "renewTime": m._micro_time(old + 30)}})

    seed.call(plant)
    conn = await connect(seed.kubeconfig_path, "admin")
    try:
        state = await m.maintenance_state(conn)
        assert state.lease.holder == "ghost@gone:1" and state.lease.expired()
        assert state.foreign_lease() is None and not state.activities  # expired: nobody is working
        async with m.acquire_maintenance_lease(conn, "drain k8s-worker-1", holder="me@here:1") as lease:
            assert lease.previous.holder == "ghost@gone:1"
            stored = stored_lease(seed)
            assert stored["spec"]["holderIdentity"] == "me@here:1"
            assert stored["spec"]["leaseTransitions"] == 4
            assert stored["metadata"]["annotations"][m.INTENT_ANNOTATION] == "drain k8s-worker-1"
    finally:
        await conn.close()
    assert stored_lease(seed) is None
    [entry] = audit_entries("maintenance-lease-acquire")
    assert entry["took_over"] == "ghost@gone:1" and entry["took_over_intent"] == "upgrade cp-1"


@pytest.mark.parametrize("expired_first", [False, True])
async def test_racing_acquirers_only_one_wins(seed, expired_first: bool) -> None:
    if expired_first:
        seed.call(lambda: seed.cluster.store.create("leases", {
            "metadata": {"name": m.LEASE_NAME, "namespace": m.LEASE_NAMESPACE},
            "spec": {"holderIdentity": "ghost@gone:1", "leaseDurationSeconds": 10,
                     "renewTime": m._micro_time(time.time() - 100)}}))
    conns = [await connect(seed.kubeconfig_path, "admin") for _ in range(4)]
    leases = [m.MaintenanceLease(c, f"drain node-{i}", holder=f"racer-{i}@host:{i}") for i, c in enumerate(conns)]
    try:
        results = await asyncio.gather(*(lease.acquire() for lease in leases), return_exceptions=True)
        winners = [r for r in results if isinstance(r, m.MaintenanceLease)]
        losers = [r for r in results if isinstance(r, m.MaintenanceInProgress)]
        assert len(winners) == 1 and len(losers) == 3, results
        assert all(e.holder == winners[0].holder and e.intent == winners[0].intent for e in losers)
        assert stored_lease(seed)["spec"]["holderIdentity"] == winners[0].holder
        await winners[0].release()
    finally:
        for c in conns:
            await c.close()


@pytest.mark.parametrize("expired_first", [False, True])
async def test_stale_read_loses_on_write_conflict(seed, monkeypatch: pytest.MonkeyPatch, expired_first: bool) -> None:
    """The interleaving forced: A reads (absent / expired), B takes the Lease, then A writes what it
    read: the API refuses A's create (409 AlreadyExists) or stale update (409 Conflict), A reads
    again and is refused naming B."""
    if expired_first:
        seed.call(lambda: seed.cluster.store.create("leases", {
            "metadata": {"name": m.LEASE_NAME, "namespace": m.LEASE_NAMESPACE},
            "spec": {"holderIdentity": "ghost@gone:1", "leaseDurationSeconds": 10,
                     "renewTime": m._micro_time(time.time() - 100)}}))
    conn_a = await connect(seed.kubeconfig_path, "admin")
    conn_b = await connect(seed.kubeconfig_path, "admin")
    a = m.MaintenanceLease(conn_a, "drain a", holder="a@host:1")
    b = m.MaintenanceLease(conn_b, "drain b", holder="b@host:2")
    original = m.read_lease
    reads: list[object] = []

    async def read_then_let_b_win(conn):
        info = await original(conn)
        if conn is conn_a and not reads:
            reads.append(info)
            await b.acquire()  # B wins between A's read and A's write
        return info

    monkeypatch.setattr(m, "read_lease", read_then_let_b_win)
    before = len(seed.cluster.server.requests)
    try:
        with pytest.raises(m.MaintenanceInProgress) as exc:
            await a.acquire()
        assert exc.value.holder == "b@host:2" and exc.value.intent == "drain b"
        assert stored_lease(seed)["spec"]["holderIdentity"] == "b@host:2"
        conflicts = [r for r in seed.cluster.server.requests[before:]
                     if r.resource == "leases" and r.method in ("POST", "PUT") and r.code == 409]
        assert len(conflicts) == 1 and conflicts[0].method == ("PUT" if expired_first else "POST")
        await b.release()
    finally:
        await conn_a.close()
        await conn_b.close()


async def test_lease_renewed_in_background_and_loss_detected(seed) -> None:
    lost: list[m.MaintenanceLease] = []
    conn = await connect(seed.kubeconfig_path, "admin")
    try:
        lease = m.acquire_maintenance_lease(conn, "upgrade cp-1", holder="me@here:2", duration_s=30,
                                            renew_every=0.05, on_lost=lost.append)
        async with lease:
            first = stored_lease(seed)["spec"]["renewTime"]
            await until(lambda: lease.renewals >= 2 and stored_lease(seed)["spec"]["renewTime"] != first,
                        what="two renewals")
            assert stored_lease(seed)["spec"]["acquireTime"] <= stored_lease(seed)["spec"]["renewTime"]
            lease.check()  # still ours

            def steal() -> None:  # someone breaks the lock and takes it
                seed.cluster.store.mutate("leases", m.LEASE_NAMESPACE, m.LEASE_NAME,
                                          lambda o: o["spec"].__setitem__("holderIdentity", "thief@x:9"))

            seed.call(steal)
            await until(lambda: lease.lost.is_set(), what="the loss to be noticed")
            assert lost == [lease]
            with pytest.raises(m.LeaseLost):
                lease.check()
        # ours no more: release must not delete the thief's Lease
        assert stored_lease(seed)["spec"]["holderIdentity"] == "thief@x:9"
    finally:
        await conn.close()
    assert [e["result"] for e in audit_entries("maintenance-lease-lost")][0].startswith(
        "error: the maintenance lease kube-system/k8stui-maintenance was taken over by thief@x:9")
    assert audit_entries("maintenance-lease-release")[0]["result"] == "skipped: the lease had been lost"


async def test_one_process_one_maintenance_unless_reentrant(seed) -> None:
    conn = await connect(seed.kubeconfig_path, "admin")
    try:
        async with m.acquire_maintenance_lease(conn, "upgrade k8s-worker-1", holder="me@here:3"):
            with pytest.raises(m.MaintenanceInProgress, match='me@here:3 holds .* for "upgrade k8s-worker-1"'):
                await m.acquire_maintenance_lease(conn, "drain k8s-worker-2", holder="me@here:3").acquire()
            async with m.acquire_maintenance_lease(conn, "drain k8s-worker-1", holder="me@here:3",
                                                   reentrant=True) as inner:
                assert inner.nested
            assert stored_lease(seed)["spec"]["holderIdentity"] == "me@here:3"  # the inner exit kept it
            report = await m.check_node_gates(conn, "k8s-worker-1", holder="me@here:3", capacity=False)
            assert report.ok  # our own Lease is not someone else's maintenance
            other = await m.check_node_gates(conn, "k8s-worker-1", holder="you@there:4", capacity=False)
            assert other.blockers and "me@here:3 holds" in other.blockers[0]
            assert not other.allows("k8s-worker-1")  # a Lease held by a live session cannot be overridden
    finally:
        await conn.close()
    assert stored_lease(seed) is None


async def test_readonly_refuses_the_lease_but_gates_work(seed) -> None:
    conn = await connect(seed.kubeconfig_path, "admin", readonly=True)
    try:
        with pytest.raises(ReadOnlyError, match="read-only mode: refused to take the maintenance lease"):
            async with m.acquire_maintenance_lease(conn, "drain k8s-worker-1"):
                pass
        report = await m.check_node_gates(conn, "k8s-master", "upgrade")
        assert report.outage == [UPGRADE_ONLY_API]
    finally:
        await conn.close()
    assert not [x for x in conn.sent if x[0] in WRITES]
    assert stored_lease(seed) is None
    [entry] = audit_entries("maintenance-lease-acquire")
    assert entry["result"] == "refused" and entry["reason"] == "read-only mode"


async def test_viewer_without_write_rights_gets_one_line(seed) -> None:
    conn = await connect(seed.kubeconfig_path, "viewer")
    try:
        with pytest.raises(UserError, match="^forbidden"):
            await m.acquire_maintenance_lease(conn, "drain k8s-worker-1").acquire()
    finally:
        await conn.close()
    assert audit_entries("maintenance-lease-acquire")[0]["result"].startswith("error: forbidden")


def test_a_dead_holder_on_this_host_frees_the_lease():
    import os
    import socket
    import subprocess
    import sys

    from k8stui.ops.maintenance import holder_process_gone

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = socket.gethostname()
    assert holder_process_gone(f"root@{host}:{gone.pid}")
    assert not holder_process_gone(f"root@{host}:{os.getpid()}")  # ourselves
    assert not holder_process_gone(f"root@{host}:1")  # alive
    assert not holder_process_gone(f"root@elsewhere.example:{gone.pid}")  # cannot tell: not ours
    assert not holder_process_gone("someone")
