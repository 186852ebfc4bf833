"""Scheduling predicates as kube-scheduler's default filters evaluate them, on raw API objects.

One implementation for everything that asks "may this pod run on that node?": the simulated
scheduler and DaemonSet controller (`k8stui.sim.controllers`) and the safety gates' room and
availability checks (`k8stui.ops.availability`). Pure functions of plain dicts (a pod's `spec`, a
node's labels, taints, allocatable), so callers that keep nodes pre-digested pass the pieces.

* NodeUnschedulable: `spec.unschedulable` (a cordon) rejects unless the pod tolerates
  `node.kubernetes.io/unschedulable:NoSchedule`.
* TaintToleration: a `NoSchedule` or `NoExecute` taint rejects unless tolerated; `PreferNoSchedule`
  never does. A toleration matches on effect (empty: any), then `Exists` (empty key: every taint)
  or `Equal` (key and value).
* NodeAffinity: every `nodeSelector` pair, and the required node affinity: `nodeSelectorTerms`
  ORed; within a term its `matchExpressions` (labels) and `matchFields` (only `metadata.name`)
  ANDed; a term with neither matches nothing (as kube-scheduler's nodeaffinity). Operators In,
  NotIn, Exists, DoesNotExist, Gt, Lt (one integer value).
* NodeResourcesFit: the pod's requests (containers summed, sidecars added, the largest init step,
  overhead; see `pod_requests`) against allocatable minus what the node's pods already request,
  and one pod slot. A zero request never fails its resource.
* Readiness: a NotReady node takes no pods (a real cluster taints it `not-ready:NoSchedule`).

The reason texts are kube-scheduler's (`FailedScheduling` messages count them per node).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from k8stui.kube.quantity import cpu_millis, mem_bytes

HARD_EFFECTS = ("NoSchedule", "NoExecute")
UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
DEFAULT_POD_SLOTS = 110

UNSCHEDULABLE = "node(s) were unschedulable"
AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector"
TOO_MANY_PODS = "Too many pods"
INSUFFICIENT_CPU = "Insufficient cpu"
INSUFFICIENT_MEMORY = "Insufficient memory"


# ---- taints and tolerations -------------------------------------------------------------------------

def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """Does this one toleration tolerate this taint? (v1.Toleration.ToleratesTaint)"""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if (toleration.get("operator") or "Equal") == "Exists":
        return not key or key == taint.get("key")
    if key != (taint.get("key") or ""):
        return False
    return (toleration.get("value") or "") == (taint.get("value") or "")


def untolerated_taint(taints: Iterable[Mapping[str, Any]], tolerations: Iterable[Mapping[str, Any]] | None,
                      effects: tuple[str, ...] = HARD_EFFECTS) -> Mapping[str, Any] | None:
    """The first taint with one of `effects` that no toleration tolerates (None: all tolerated)."""
    tols = list(tolerations or [])
    for t in taints:
        if t.get("effect") in effects and not any(tolerates(tol, t) for tol in tols):
            return t
    return None


def taint_text(taint: Mapping[str, Any]) -> str:
    """`{key: value}`, as kube-scheduler names an untolerated taint."""
    return f"{{{taint.get('key', '')}: {taint.get('value', '')}}}"


# ---- node selector and required node affinity -------------------------------------------------------

def expression_matches(expr: Mapping[str, Any], values_of: Mapping[str, str]) -> bool:
    """One NodeSelectorRequirement against a node's labels (or its fields)."""
    key = expr.get("key", "")
    op = expr.get("operator", "")
    vals = [str(v) for v in expr.get("values") or []]
    has = key in values_of
    v = values_of.get(key)
    if op == "In":
        return has and v in vals
    if op == "NotIn":
        return not has or v not in vals
    if op == "Exists":
        return has
    if op == "DoesNotExist":
        return not has
    if op in ("Gt", "Lt"):
        if not has or len(vals) != 1:
            return False
        try:
            have, bound = int(v or ""), int(vals[0])
        except ValueError:
            return False
        return have > bound if op == "Gt" else have < bound
    return False


def node_selector_term_matches(term: Mapping[str, Any], node_name: str, labels: Mapping[str, str]) -> bool:
    """matchExpressions AND matchFields; a term with neither matches nothing."""
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return False
    if not all(expression_matches(e, labels) for e in exprs):
        return False
    node_fields = {"metadata.name": node_name}
    return all(f.get("key") == "metadata.name" and expression_matches(f, node_fields) for f in fields)


def node_selector_matches(spec: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """`spec.nodeSelector`: every pair present with that value."""
    return all(labels.get(k) == v for k, v in (spec.get("nodeSelector") or {}).items())


def required_affinity_matches(spec: Mapping[str, Any], node_name: str, labels: Mapping[str, str]) -> bool:
    """requiredDuringSchedulingIgnoredDuringExecution: any term matches (none given: no constraint)."""
    req = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
           .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if not req:
        return True
    return any(node_selector_term_matches(t, node_name, labels) for t in req.get("nodeSelectorTerms") or [])


def node_affinity_matches(spec: Mapping[str, Any], node_name: str, labels: Mapping[str, str]) -> bool:
    """What the NodeAffinity filter checks: the nodeSelector and the required node affinity."""
    return node_selector_matches(spec, labels) and required_affinity_matches(spec, node_name, labels)


# ---- the node's state ---------------------------------------------------------------------------------

def node_ready(node: Mapping[str, Any]) -> bool:
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def unschedulable_tolerated(tolerations: Iterable[Mapping[str, Any]] | None) -> bool:
    return any(tolerates(t, UNSCHEDULABLE_TAINT) for t in tolerations or [])


def node_labels(node: Mapping[str, Any]) -> dict[str, str]:
    return dict((node.get("metadata") or {}).get("labels") or {})


def node_taints(node: Mapping[str, Any]) -> list[dict]:
    return list((node.get("spec") or {}).get("taints") or [])


def node_cordoned(node: Mapping[str, Any]) -> bool:
    return bool((node.get("spec") or {}).get("unschedulable"))


# ---- the filters, first failure wins ------------------------------------------------------------------

def placement_failure(spec: Mapping[str, Any], node_name: str, labels: Mapping[str, str],
                      taints: Iterable[Mapping[str, Any]], unschedulable: bool) -> str | None:
    """NodeUnschedulable, TaintToleration, NodeAffinity in the default profile's order: the first
    reason this node is rejected for a pod with this spec, or None (room is not looked at)."""
    tolerations = spec.get("tolerations") or []
    if unschedulable and not unschedulable_tolerated(tolerations):
        return UNSCHEDULABLE
    taint = untolerated_taint(taints, tolerations)
    if taint is not None:
        return f"node(s) had untolerated taint {taint_text(taint)}"
    if not node_affinity_matches(spec, node_name, labels):
        return AFFINITY_MISMATCH
    return None


def may_run_on(spec: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    """Taints and node affinity only: could a pod with this spec ever run on `node` (were it Ready and
    uncordoned, with room)?"""
    name = (node.get("metadata") or {}).get("name", "")
    return placement_failure(spec, name, node_labels(node), node_taints(node), False) is None


# ---- requests and room --------------------------------------------------------------------------------

def _requests(c: Mapping[str, Any]) -> tuple[int, int]:
    req = (c.get("resources") or {}).get("requests") or {}
    return cpu_millis(req.get("cpu")), mem_bytes(req.get("memory"))


def pod_requests(spec: Mapping[str, Any]) -> tuple[int, int]:
    """(millicores, bytes) the scheduler reserves for a pod (resourcehelper.PodRequests): the
    containers summed plus the sidecars (restartPolicy Always init containers, which keep running),
    or the largest init step if larger (each plain init container runs beside the sidecars started
    before it), plus the pod overhead."""
    cpu = mem = 0
    for c in spec.get("containers") or []:
        ccpu, cmem = _requests(c)
        cpu += ccpu
        mem += cmem
    side_cpu = side_mem = init_cpu = init_mem = 0
    for c in spec.get("initContainers") or []:
        ccpu, cmem = _requests(c)
        if c.get("restartPolicy") == "Always":
            side_cpu += ccpu
            side_mem += cmem
            step_cpu, step_mem = side_cpu, side_mem
        else:
            step_cpu, step_mem = ccpu + side_cpu, cmem + side_mem
        init_cpu, init_mem = max(init_cpu, step_cpu), max(init_mem, step_mem)
    overhead = spec.get("overhead") or {}
    return (max(cpu + side_cpu, init_cpu) + cpu_millis(overhead.get("cpu")),
            max(mem + side_mem, init_mem) + mem_bytes(overhead.get("memory")))


def node_allocatable(node: Mapping[str, Any]) -> tuple[int, int, int]:
    """(millicores, bytes, pod slots) the node offers: allocatable, else capacity."""
    st = node.get("status") or {}
    alloc = st.get("allocatable") or st.get("capacity") or {}
    pods = alloc.get("pods")
    try:
        slots = int(str(pods)) if pods is not None else DEFAULT_POD_SLOTS
    except ValueError:
        slots = DEFAULT_POD_SLOTS
    return cpu_millis(alloc.get("cpu")), mem_bytes(alloc.get("memory")), slots


def resource_shortfalls(cpu: int, mem: int, used: tuple[int, int, int], allocatable: tuple[int, int, int]) -> list[str]:
    """NodeResourcesFit: why a pod requesting (cpu, mem) does not fit beside what already uses
    `used` = (cpu, mem, pods) of `allocatable` = (cpu, mem, pods); [] when it fits."""
    used_cpu, used_mem, used_pods = used
    alloc_cpu, alloc_mem, alloc_pods = allocatable
    why = []
    if used_pods + 1 > alloc_pods:
        why.append(TOO_MANY_PODS)
    if cpu and used_cpu + cpu > alloc_cpu:
        why.append(INSUFFICIENT_CPU)
    if mem and used_mem + mem > alloc_mem:
        why.append(INSUFFICIENT_MEMORY)
    return why
