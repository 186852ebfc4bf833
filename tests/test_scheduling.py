"""The scheduling predicates (k8stui.kube.scheduling), table by table: what the simulated scheduler
and the safety gates both decide with."""

from __future__ import annotations

import pytest

from k8stui.kube import scheduling as s
from k8stui.kube.quantity import cpu_millis, mem_bytes

NO_SCHEDULE = {"key": "dedicated", "value": "db", "effect": "NoSchedule"}
NO_EXECUTE = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}
PREFER = {"key": "spot", "value": "true", "effect": "PreferNoSchedule"}


@pytest.mark.parametrize("toleration, taint, expected", [
    ({"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"}, NO_SCHEDULE, True),
    ({"key": "dedicated", "value": "db"}, NO_SCHEDULE, True),  # Equal is the default; no effect: any
    ({"key": "dedicated", "value": "web"}, NO_SCHEDULE, False),  # another value
    ({"key": "dedicated", "operator": "Exists"}, NO_SCHEDULE, True),
    ({"key": "other", "operator": "Exists"}, NO_SCHEDULE, False),
    ({"operator": "Exists"}, NO_SCHEDULE, True),  # empty key with Exists: every taint
    ({"operator": "Exists", "effect": "NoExecute"}, NO_SCHEDULE, False),  # ... of that effect only
    ({"operator": "Exists", "effect": "NoExecute"}, NO_EXECUTE, True),
    ({"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoExecute"}, NO_SCHEDULE, False),
])
def test_tolerates(toleration: dict, taint: dict, expected: bool) -> None:
    assert s.tolerates(toleration, taint) is expected


@pytest.mark.parametrize("taints, tolerations, blocking", [
    ([], [], None),
    ([NO_SCHEDULE], [], NO_SCHEDULE),
    ([NO_EXECUTE], [], NO_EXECUTE),
    ([PREFER], [], None),  # PreferNoSchedule never blocks
    ([PREFER, NO_SCHEDULE], [{"key": "dedicated", "operator": "Exists"}], None),
    ([NO_SCHEDULE, NO_EXECUTE], [{"key": "dedicated", "operator": "Exists"}], NO_EXECUTE),
    ([NO_SCHEDULE, NO_EXECUTE], [{"operator": "Exists"}], None),
])
def test_untolerated_taint(taints: list, tolerations: list, blocking: dict | None) -> None:
    assert s.untolerated_taint(taints, tolerations) == blocking


LABELS = {"zone": "a", "disk": "ssd", "cores": "8", "node-role.kubernetes.io/control-plane": ""}


@pytest.mark.parametrize("expr, expected", [
    ({"key": "zone", "operator": "In", "values": ["a", "b"]}, True),
    ({"key": "zone", "operator": "In", "values": ["b"]}, False),
    ({"key": "rack", "operator": "In", "values": ["a"]}, False),  # absent key: In fails
    ({"key": "zone", "operator": "NotIn", "values": ["b"]}, True),
    ({"key": "zone", "operator": "NotIn", "values": ["a"]}, False),
    ({"key": "rack", "operator": "NotIn", "values": ["a"]}, True),  # absent key: NotIn holds
    ({"key": "disk", "operator": "Exists"}, True),
    ({"key": "rack", "operator": "Exists"}, False),
    ({"key": "node-role.kubernetes.io/control-plane", "operator": "DoesNotExist"}, False),
    ({"key": "rack", "operator": "DoesNotExist"}, True),
    ({"key": "cores", "operator": "Gt", "values": ["4"]}, True),
    ({"key": "cores", "operator": "Gt", "values": ["8"]}, False),
    ({"key": "cores", "operator": "Lt", "values": ["16"]}, True),
    ({"key": "cores", "operator": "Lt", "values": ["8"]}, False),
    ({"key": "zone", "operator": "Gt", "values": ["1"]}, False),  # not an integer
    ({"key": "cores", "operator": "Gt", "values": ["1", "2"]}, False),  # exactly one value
    ({"key": "rack", "operator": "Lt", "values": ["1"]}, False),
    ({"key": "zone", "operator": "Like", "values": ["a"]}, False),  # unknown operator
])
def test_expression_matches(expr: dict, expected: bool) -> None:
    assert s.expression_matches(expr, LABELS) is expected


def affinity(*terms: dict) -> dict:
    return {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": list(terms)}}}}


IN_A = {"key": "zone", "operator": "In", "values": ["a"]}
IN_B = {"key": "zone", "operator": "In", "values": ["b"]}
SSD = {"key": "disk", "operator": "In", "values": ["ssd"]}
NAME_N1 = {"key": "metadata.name", "operator": "In", "values": ["n1"]}
NAME_N2 = {"key": "metadata.name", "operator": "In", "values": ["n2"]}


@pytest.mark.parametrize("spec, expected", [
    ({}, True),
    ({"nodeSelector": {"zone": "a"}}, True),
    ({"nodeSelector": {"zone": "a", "disk": "hdd"}}, False),  # every pair
    ({"nodeSelector": {"rack": "1"}}, False),
    (affinity({"matchExpressions": [IN_A, SSD]}), True),  # ANDed within a term
    (affinity({"matchExpressions": [IN_A, IN_B]}), False),
    (affinity({"matchExpressions": [IN_B]}, {"matchExpressions": [SSD]}), True),  # terms ORed
    (affinity({"matchExpressions": [IN_B]}, {"matchFields": [NAME_N2]}), False),
    (affinity({"matchFields": [NAME_N1]}), True),  # metadata.name
    (affinity({"matchFields": [NAME_N2]}), False),
    (affinity({"matchExpressions": [IN_A], "matchFields": [NAME_N2]}), False),  # expressions AND fields
    (affinity({"matchExpressions": [IN_A], "matchFields": [NAME_N1]}), True),
    (affinity({"matchFields": [{"key": "metadata.uid", "operator": "In", "values": ["x"]}]}), False),
    (affinity({}), False),  # an empty term matches nothing
    (affinity({}, {"matchExpressions": [IN_A]}), True),
    (affinity(), False),  # no term at all: nothing can match
    ({"affinity": {"nodeAffinity": {}}}, True),  # no required affinity: no constraint
    ({"nodeSelector": {"zone": "a"}, **affinity({"matchExpressions": [IN_B]})}, False),  # both must hold
])
def test_node_affinity(spec: dict, expected: bool) -> None:
    assert s.node_affinity_matches(spec, "n1", LABELS) is expected


@pytest.mark.parametrize("spec, taints, unschedulable, reason", [
    ({}, [], False, None),
    ({}, [], True, s.UNSCHEDULABLE),
    ({"tolerations": [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}]},
     [], True, None),
    ({}, [NO_SCHEDULE], False, "node(s) had untolerated taint {dedicated: db}"),
    ({}, [NO_SCHEDULE], True, s.UNSCHEDULABLE),  # the first filter to fail is the one reported
    ({"nodeSelector": {"zone": "b"}}, [], False, s.AFFINITY_MISMATCH),
    ({"nodeSelector": {"zone": "b"}}, [PREFER], False, s.AFFINITY_MISMATCH),
])
def test_placement_failure(spec: dict, taints: list, unschedulable: bool, reason: str | None) -> None:
    assert s.placement_failure(spec, "n1", LABELS, taints, unschedulable) == reason


def container(cpu: str | None = None, mem: str | None = None, **extra) -> dict:
    req = {k: v for k, v in (("cpu", cpu), ("memory", mem)) if v is not None}
    return {"name": "c", "resources": {"requests": req}, **extra}


@pytest.mark.parametrize("spec, cpu, mem", [
    ({}, 0, 0),
    ({"containers": [container("100m", "64Mi"), container("0.25", "1Gi")]}, 350, 64 * 2 ** 20 + 2 ** 30),
    # a plain init container larger than the containers: it is what the pod needs at its start
    ({"containers": [container("100m")], "initContainers": [container("500m"), container("200m")]}, 500, 0),
    ({"containers": [container("600m")], "initContainers": [container("500m")]}, 600, 0),
    # a sidecar (restartPolicy Always) keeps running: added to the containers, and to later init steps
    ({"containers": [container("100m")],
      "initContainers": [container("50m", restartPolicy="Always"), container("300m")]}, 350, 0),
    ({"containers": [container("100m")], "initContainers": [container("50m", restartPolicy="Always")]}, 150, 0),
    ({"containers": [container("100m", "1Mi")], "overhead": {"cpu": "10m", "memory": "1Mi"}}, 110, 2 * 2 ** 20),
    ({"containers": [container("4.35")]}, 4350, 0),  # rounded up, never 4349
])
def test_pod_requests(spec: dict, cpu: int, mem: int) -> None:
    assert s.pod_requests(spec) == (cpu, mem)


@pytest.mark.parametrize("q, millis", [("250m", 250), ("2", 2000), ("0.5", 500), ("0.1", 100), (None, 0),
                                       ("1.5m", 2), ("x", 0)])
def test_cpu_millis(q, millis: int) -> None:
    assert cpu_millis(q) == millis


@pytest.mark.parametrize("q, size", [("64Mi", 64 * 2 ** 20), ("1G", 10 ** 9), ("128974848", 128974848),
                                     ("129e6", 129 * 10 ** 6), ("1.5Gi", 3 * 2 ** 29), (None, 0), ("x", 0)])
def test_mem_bytes(q, size: int) -> None:
    assert mem_bytes(q) == size


@pytest.mark.parametrize("cpu, mem, used, alloc, why", [
    (100, 0, (0, 0, 0), (1000, 2 ** 30, 110), []),
    (100, 0, (950, 0, 3), (1000, 2 ** 30, 110), [s.INSUFFICIENT_CPU]),
    (0, 0, (1000, 0, 3), (1000, 2 ** 30, 110), []),  # no request: never short of it
    (0, 2 ** 20, (0, 2 ** 30, 3), (1000, 2 ** 30, 110), [s.INSUFFICIENT_MEMORY]),
    (0, 0, (0, 0, 110), (1000, 2 ** 30, 110), [s.TOO_MANY_PODS]),
    (2000, 2 ** 31, (0, 0, 1), (1000, 2 ** 30, 1), [s.TOO_MANY_PODS, s.INSUFFICIENT_CPU, s.INSUFFICIENT_MEMORY]),
])
def test_resource_shortfalls(cpu: int, mem: int, used: tuple, alloc: tuple, why: list[str]) -> None:
    assert s.resource_shortfalls(cpu, mem, used, alloc) == why


@pytest.mark.parametrize("node, ready, cordoned, alloc", [
    ({"status": {"conditions": [{"type": "Ready", "status": "True"}],
                 "allocatable": {"cpu": "2", "memory": "4Gi", "pods": "20"}}}, True, False, (2000, 4 * 2 ** 30, 20)),
    ({"spec": {"unschedulable": True}, "status": {"conditions": [{"type": "Ready", "status": "Unknown"}],
                                                  "capacity": {"cpu": "1"}}}, False, True, (1000, 0, 110)),
    ({}, False, False, (0, 0, 110)),
])
def test_node_state(node: dict, ready: bool, cordoned: bool, alloc: tuple) -> None:
    assert s.node_ready(node) is ready
    assert s.node_cordoned(node) is cordoned
    assert s.node_allocatable(node) == alloc
