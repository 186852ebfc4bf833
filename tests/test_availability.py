"""Room and availability for a drain set (k8stui.ops.availability), on hand-made objects: which
workloads a drain leaves with nothing available, and which budgets a deleting drain would break."""

from __future__ import annotations

import pytest

from k8stui.ops.availability import RoomFacts, budget_refusals, check_room, workload_of

WORKERS_ONLY = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
    {"matchExpressions": [{"key": "node-role.kubernetes.io/control-plane", "operator": "DoesNotExist"}]}]}}}


def node(name: str, cpu: str = "4", pods: int = 110, ready: bool = True, cordoned: bool = False,
         control_plane: bool = False, taints: list | None = None) -> dict:
    labels = {"kubernetes.io/hostname": name}
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
    return {"metadata": {"name": name, "labels": labels},
            "spec": {"unschedulable": cordoned, "taints": taints or []},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "Unknown"}],
                       "allocatable": {"cpu": cpu, "memory": "8Gi", "pods": str(pods)}}}


def pod(name: str, on: str | None, owner: tuple[str, str] | None = ("ReplicaSet", "web-abc"), cpu: str = "100m",
        ready: bool = True, ns: str = "default", labels: dict | None = None, mirror: bool = False,
        phase: str = "Running", **spec) -> dict:
    meta: dict = {"name": name, "namespace": ns, "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"kind": owner[0], "name": owner[1], "controller": True}]
    if mirror:
        meta["annotations"] = {"kubernetes.io/config.mirror": "x"}
    body: dict = {"containers": [{"name": "c", "resources": {"requests": {"cpu": cpu}}}], **spec}
    if on:
        body["nodeName"] = on
    return {"metadata": meta, "spec": body,
            "status": {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def rs(name: str, deployment: str | None, ns: str = "default") -> dict:
    meta: dict = {"name": name, "namespace": ns}
    if deployment:
        meta["ownerReferences"] = [{"kind": "Deployment", "name": deployment, "controller": True}]
    return {"metadata": meta}


SEED_NODES = [node("k8s-master", control_plane=True), node("k8s-worker-1"), node("k8s-worker-2")]
WEB_RS = [rs("web-abc", "web")]


def web(name: str, on: str, **kw) -> dict:
    return pod(name, on, affinity=WORKERS_ONLY, **kw)


@pytest.mark.parametrize("nodes, pods, drain_set, refusals", [
    # seed, one web pod per worker: draining one leaves the other (and its twin fits there)
    (SEED_NODES, [web("web-1", "k8s-worker-1"), web("web-2", "k8s-worker-2")], ["k8s-worker-1"], []),
    # both workers in one run: web may not run on the control plane
    (SEED_NODES, [web("web-1", "k8s-worker-1"), web("web-2", "k8s-worker-2")], ["k8s-worker-1", "k8s-worker-2"],
     ["default/web: its 2 pods can run only on k8s-worker-1, k8s-worker-2, which this drain takes away: "
      "0 of 2 would be available"]),
    # worker-1 drained (cordoned) earlier, both pods now on worker-2: draining it alone is refused too
    ([SEED_NODES[0], node("k8s-worker-1", cordoned=True), SEED_NODES[2]],
     [web("web-1", "k8s-worker-2"), web("web-2", "k8s-worker-2")], ["k8s-worker-2"],
     ["default/web: its 2 pods can run only on k8s-worker-1, k8s-worker-2, which this drain takes away: "
      "0 of 2 would be available"]),
    # a NotReady node is named as such
    ([SEED_NODES[0], node("k8s-worker-1", ready=False), SEED_NODES[2]],
     [web("web-1", "k8s-worker-2")], ["k8s-worker-2"],
     ["default/web: its 1 pod can run only on k8s-worker-1, k8s-worker-2, which this drain takes away "
      "(k8s-worker-1 NotReady): 0 of 1 would be available"]),
    # room, not placement: the one node left is too small
    ([node("a"), node("b", cpu="100m")], [pod("big-1", "a", owner=("StatefulSet", "db"), cpu="500m")], ["a"],
     ["default/db: no room for its 1 pod on b, the only node left it can run on (Insufficient cpu): "
      "0 of 1 would be available"]),
    # a node selector nothing else matches
    ([node("a"), node("b")], [pod("p", "a", owner=("Job", "once"), nodeSelector={"disk": "nvme"})], ["a"],
     ["default/once: its 1 pod can run on no node (their node selector, affinity and tolerations match none): "
      "0 of 1 would be available"]),
    # an untolerated NoSchedule taint on the only other node; tolerated, it is fine
    ([node("a"), node("b", taints=[{"key": "gpu", "effect": "NoSchedule"}])], [pod("p", "a")], ["a"],
     ["default/web: its 1 pod can run only on a, which this drain takes away: 0 of 1 would be available"]),
    ([node("a"), node("b", taints=[{"key": "gpu", "effect": "NoSchedule"}])],
     [pod("p", "a", tolerations=[{"key": "gpu", "operator": "Exists"}])], ["a"], []),
    # PreferNoSchedule never blocks
    ([node("a"), node("b", taints=[{"key": "gpu", "effect": "PreferNoSchedule"}])], [pod("p", "a")], ["a"], []),
    # nothing available now: the drain takes nothing away
    ([node("a"), node("b", cordoned=True)], [pod("p", "a", ready=False)], ["a"], []),
    # a Ready replica on another node stays
    ([node("a"), node("b", cordoned=True)], [pod("p1", "a"), pod("p2", "b")], ["a"], []),
    # DaemonSet, mirror, unmanaged and finished pods are not workloads that move
    ([node("a"), node("b", cordoned=True)],
     [pod("ds", "a", owner=("DaemonSet", "proxy")), pod("static", "a", owner=("Node", "a"), mirror=True),
      pod("bare", "a", owner=None), pod("done", "a", owner=("Job", "j"), phase="Succeeded")], ["a"], []),
])
def test_availability(nodes, pods, drain_set, refusals) -> None:
    check = check_room(RoomFacts(nodes, pods, WEB_RS), drain_set)
    assert check.refusals == refusals, check


def test_one_replica_of_each_workload_is_placed_first() -> None:
    # b has two pod slots left: web's second replica must not take the last one from db
    nodes = [node("a"), node("b", pods=2)]
    pods = [pod("web-1", "a", cpu="1"), pod("web-2", "a", cpu="1"), pod("db-0", "a", owner=("StatefulSet", "db"))]
    check = check_room(RoomFacts(nodes, pods, WEB_RS), ["a"])
    assert check.refusals == []
    assert len(check.warnings) == 1 and "1 of 3 pod(s) may find no room" in check.warnings[0]
    assert "default/web-2 (1 CPU" in check.warnings[0]


def test_replicasets_count_as_their_deployment() -> None:
    # a rollout: two ReplicaSets of one Deployment, one pod each, both on the drained node
    sets = [rs("web-old", "web"), rs("web-new", "web"), rs("bare", None)]
    pods = [pod("w1", "a", owner=("ReplicaSet", "web-old"), nodeSelector={"only": "a"}),
            pod("w2", "a", owner=("ReplicaSet", "web-new"), nodeSelector={"only": "a"})]
    nodes = [node("a"), node("b")]
    nodes[0]["metadata"]["labels"]["only"] = "a"
    check = check_room(RoomFacts(nodes, pods, sets), ["a"])
    assert check.refusals == ["default/web: its 2 pods can run only on a, which this drain takes away: "
                              "0 of 2 would be available"]
    deployments = {("default", "web-old"): "web"}
    assert str(workload_of(pods[0], deployments)) == "default/web"
    assert workload_of(pods[1], {}).kind == "ReplicaSet"  # no ReplicaSet known: the ReplicaSet itself


def pdb(name: str, selector: dict, current: int, desired: int, rule: dict, ns: str = "shop") -> dict:
    return {"metadata": {"name": name, "namespace": ns}, "spec": {"selector": {"matchLabels": selector}, **rule},
            "status": {"currentHealthy": current, "desiredHealthy": desired}}


@pytest.mark.parametrize("budget, deleting, expected", [
    # 2 healthy, 2 required: deleting one breaks it
    (pdb("payments", {"app": "payments"}, 2, 2, {"maxUnavailable": 0}),
     [pod("pay-1", "w5", ns="shop", labels={"app": "payments"})],
     ["PodDisruptionBudget shop/payments: deleting 1 healthy pod on w5 without asking it would leave 1 healthy; "
      "it requires 2 (maxUnavailable 0)"]),
    # 4 healthy, 3 required: one may go, two may not
    (pdb("frontend", {"app": "fe"}, 4, 3, {"minAvailable": 3}), [pod("fe-1", "w5", ns="shop", labels={"app": "fe"})],
     []),
    (pdb("frontend", {"app": "fe"}, 4, 3, {"minAvailable": 3}),
     [pod("fe-1", "w4", ns="shop", labels={"app": "fe"}), pod("fe-2", "w5", ns="shop", labels={"app": "fe"})],
     ["PodDisruptionBudget shop/frontend: deleting 2 healthy pods on w4, w5 without asking it would leave 2 "
      "healthy; it requires 3 (minAvailable 3)"]),
    # an unready pod is not healthy: deleting it costs the budget nothing
    (pdb("payments", {"app": "payments"}, 2, 2, {"maxUnavailable": 0}),
     [pod("pay-1", "w5", ns="shop", labels={"app": "payments"}, ready=False)], []),
    # another namespace, another selector: not covered
    (pdb("payments", {"app": "payments"}, 2, 2, {"maxUnavailable": 0}),
     [pod("pay-1", "w5", ns="default", labels={"app": "payments"}), pod("x", "w5", ns="shop", labels={"app": "x"})],
     []),
])
def test_budget_refusals(budget: dict, deleting: list, expected: list) -> None:
    assert budget_refusals([budget], deleting, deleting) == expected


def test_budgets_only_when_the_drain_deletes() -> None:
    nodes = [node("w5"), node("w4")]
    pods = [pod("pay-1", "w5", ns="shop", labels={"app": "payments"}, owner=("ReplicaSet", "payments-1")),
            pod("pay-2", "w4", ns="shop", labels={"app": "payments"}, owner=("ReplicaSet", "payments-1"))]
    facts = RoomFacts(nodes, pods, [], [pdb("payments", {"app": "payments"}, 2, 2, {"maxUnavailable": 0})])
    assert check_room(facts, ["w5"]).refusals == []  # evictions ask the budget themselves
    assert check_room(facts, ["w5"], bypass_budgets=True).refusals == [
        "PodDisruptionBudget shop/payments: deleting 1 healthy pod on w5 without asking it would leave 1 healthy; "
        "it requires 2 (maxUnavailable 0)"]
