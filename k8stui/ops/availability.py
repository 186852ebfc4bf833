"""Room and availability for a drain set: where the drained pods can go, and which workloads the
drain would leave with nothing available. UI-free; pure functions of listed objects, plus one reader.

The drain set is every node the operation takes away: the node to drain, the nodes drained before
it in the same run (marked nodes drained one after another, workers upgraded in parallel) and,
implicitly, every node already cordoned or NotReady. Pods can go only to the other nodes: Ready,
schedulable, not in the set, and passing the scheduling predicates (`k8stui.kube.scheduling`:
taints, nodeSelector, required node affinity, requests against free allocatable, pod slots).

A workload is a pod's controller, a ReplicaSet counted as its Deployment; DaemonSet pods, mirror
(static) pods, finished and terminating pods are not moved and not counted. For every workload with
pods on the drain set, after the drain it has the Ready pods it keeps on other nodes plus the pods
that can be placed elsewhere (placed one per workload first, then the rest largest first, each on
the fitting node with the most room). A workload available now with none after is a REFUSAL, one
line each:

    default/web: its 2 pods can run only on k8s-worker-1, k8s-worker-2, which this drain takes away:
    0 of 2 would be available

(or "no room for its N pods on ..., the only nodes left they can run on (Insufficient cpu)" when
room, not placement, is what is missing). Pods with no room that leave their workload something
are WARNINGS. When the drain deletes instead of evicting (`--disable-eviction`, a delete despite
the budget), a PodDisruptionBudget that would fall below what it requires is a REFUSAL too.
Pod (anti-)affinity and topology spread are not modelled.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from kubernetes.aio.client.exceptions import ApiException

from k8stui.kube import scheduling
from k8stui.kube.connection import Connection, explain
from k8stui.kube.selectors import selector_from_spec
from k8stui.ops.cluster_info import api_json, api_list, pod_ready

ACTIVE_PODS = [("fieldSelector", "status.phase!=Succeeded,status.phase!=Failed")]
_LIST_LIMIT = 6  # node names listed in a refusal before "and N more"
_VERBING = {"drain": "draining", "upgrade": "upgrading", "reboot": "rebooting", "cordon": "cordoning"}


@dataclass(frozen=True)
class Workload:
    kind: str  # Deployment, StatefulSet, ReplicaSet (bare), Job, ...
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass
class RoomFacts:
    """What the room checks read: nodes, unfinished pods, ReplicaSets (to find Deployments), budgets."""

    nodes: list[dict]
    pods: list[dict]
    replicasets: list[dict] = field(default_factory=list)
    pdbs: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what could not be read (the checks go on without)


@dataclass
class RoomCheck:
    refusals: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


async def read_room_facts(conn: Connection) -> RoomFacts:
    """Nodes and unfinished pods (required), ReplicaSets and PodDisruptionBudgets (best effort). GETs only."""
    problems: list[str] = []

    async def optional(path: str, what: str) -> list[dict]:
        try:
            return await api_list(conn, path)
        except ApiException as e:
            problems.append(f"{what}: {explain(e, conn)}")
            return []

    nodes, pods, replicasets, pdbs = await asyncio.gather(
        api_list(conn, "/api/v1/nodes"), api_list(conn, "/api/v1/pods", ACTIVE_PODS),
        optional("/apis/apps/v1/replicasets", "replicasets (workloads of pods)"),
        optional("/apis/policy/v1/poddisruptionbudgets", "poddisruptionbudgets"))
    return RoomFacts(nodes, pods, replicasets, pdbs, problems)


# ---- which pods move, and whose they are ------------------------------------------------------------

def controller_ref(pod: dict) -> dict | None:
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def _finished(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _counted(pod: dict) -> bool:
    """A replica of its workload: not finished, not terminating, not a mirror or DaemonSet pod."""
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp") or _finished(pod):
        return False
    if "kubernetes.io/config.mirror" in (meta.get("annotations") or {}):
        return False
    ref = controller_ref(pod)
    return ref is not None and ref.get("kind") != "DaemonSet"


def pods_needing_room(pods: list[dict], nodes: Collection[str]) -> list[dict]:
    """The pods on `nodes` that a drain evicts AND whose controller recreates elsewhere."""
    return [p for p in pods if (p.get("spec") or {}).get("nodeName") in nodes and _counted(p)]


def deployment_owners(replicasets: list[dict]) -> dict[tuple[str, str], str]:
    """(namespace, ReplicaSet name) -> the name of the Deployment that controls it."""
    out = {}
    for rs in replicasets:
        meta = rs.get("metadata") or {}
        ref = controller_ref(rs)
        if ref is not None and ref.get("kind") == "Deployment":
            out[(meta.get("namespace", ""), meta.get("name", ""))] = str(ref.get("name", ""))
    return out


def workload_of(pod: dict, deployments: dict[tuple[str, str], str]) -> Workload | None:
    ref = controller_ref(pod)
    if ref is None:
        return None
    ns = (pod.get("metadata") or {}).get("namespace", "")
    kind, name = str(ref.get("kind", "")), str(ref.get("name", ""))
    if kind == "ReplicaSet" and (ns, name) in deployments:
        return Workload("Deployment", ns, deployments[(ns, name)])
    return Workload(kind, ns, name)


# ---- placement ----------------------------------------------------------------------------------------

def _names(names: Sequence[str]) -> str:
    if len(names) <= _LIST_LIMIT:
        return ", ".join(names)
    return ", ".join(names[:_LIST_LIMIT]) + f" and {len(names) - _LIST_LIMIT} more"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _fmt_cpu(m: int) -> str:
    return f"{m}m" if abs(m) < 1000 else f"{m / 1000:g}"


def _fmt_mem(b: int) -> str:
    for unit, size in (("Gi", 1024 ** 3), ("Mi", 1024 ** 2), ("Ki", 1024)):
        if b >= size:
            return f"{b / size:.1f}{unit}".replace(".0" + unit, unit)
    return str(b)


def _placement_key(spec: dict) -> str:
    """What placement (not room) depends on: pods alike in it go to the same nodes."""
    return json.dumps([spec.get("nodeSelector"), (spec.get("affinity") or {}).get("nodeAffinity"),
                       spec.get("tolerations")], sort_keys=True, default=str)


class _Room:
    """The nodes pods can move to and their free room, consumed as pods are placed."""

    def __init__(self, nodes: list[dict], pods: list[dict], gone: Collection[str]):
        self.targets: dict[str, dict] = {}
        for n in nodes:
            name = n["metadata"]["name"]
            if name not in gone and scheduling.node_ready(n) and not scheduling.node_cordoned(n):
                self.targets[name] = n
        self.alloc = {name: scheduling.node_allocatable(n) for name, n in self.targets.items()}
        self.used = {name: [0, 0, 0] for name in self.targets}
        for p in pods:
            where = (p.get("spec") or {}).get("nodeName")
            if where in self.used and not _finished(p):
                cpu, mem = scheduling.pod_requests(p.get("spec") or {})
                u = self.used[where]
                u[0] += cpu
                u[1] += mem
                u[2] += 1
        self._eligible: dict[str, list[str]] = {}

    def eligible(self, spec: dict) -> list[str]:
        """Target nodes whose taints and node affinity let this pod in (room aside)."""
        key = _placement_key(spec)
        got = self._eligible.get(key)
        if got is None:
            got = self._eligible[key] = [
                name for name, n in self.targets.items()
                if scheduling.placement_failure(spec, name, scheduling.node_labels(n), scheduling.node_taints(n),
                                                False) is None]
        return got

    def place(self, spec: dict) -> tuple[str | None, set[str]]:
        """Bind a pod with this spec to the eligible node with the most free room: (node, {}) or
        (None, the resource shortfalls that stopped it)."""
        cpu, mem = scheduling.pod_requests(spec)
        fits, short = [], set()
        for name in self.eligible(spec):
            why = scheduling.resource_shortfalls(cpu, mem, tuple(self.used[name]), self.alloc[name])  # type: ignore
            if why:
                short.update(why)
            else:
                fits.append(name)
        if not fits:
            return None, short
        best = max(fits, key=lambda name: (self.alloc[name][0] - self.used[name][0],
                                           self.alloc[name][1] - self.used[name][1]))
        u = self.used[best]
        u[0] += cpu
        u[1] += mem
        u[2] += 1
        return best, set()

    def free(self) -> tuple[int, int, int]:
        return tuple(sum(max(0, self.alloc[n][i] - self.used[n][i]) for n in self.targets)  # type: ignore
                     for i in range(3))


def _placement_order(moving: list[dict], workload: dict[int, Workload | None]) -> list[dict]:
    """One pod of each workload first (so as many workloads as possible keep one), then the rest;
    largest requests first within each round, as the old capacity estimate did."""
    def size(p: dict) -> tuple[int, int]:
        return scheduling.pod_requests(p.get("spec") or {})

    first: dict[Workload | None, dict] = {}
    rest = []
    for p in sorted(moving, key=size, reverse=True):
        w = workload[id(p)]
        if w not in first:
            first[w] = p
        else:
            rest.append(p)
    return list(first.values()) + rest


# ---- the check ----------------------------------------------------------------------------------------

def check_room(facts: RoomFacts, drain_set: Sequence[str], action: str = "drain", *,
               bypass_budgets: bool = False) -> RoomCheck:
    """Refusals (workloads left with nothing available; budgets a delete would break) and warnings
    (pods with no room) for taking every node of `drain_set` away (the last is the one at hand)."""
    out = RoomCheck()
    gone = list(dict.fromkeys(drain_set))
    what = f"{_VERBING.get(action, action + 'ing')} {', '.join(gone)}"
    node_by_name = {n["metadata"]["name"]: n for n in facts.nodes}
    moving = pods_needing_room(facts.pods, gone)
    if bypass_budgets:
        out.refusals += budget_refusals(facts.pdbs, _deleted_by_drain(facts.pods, gone), facts.pods)
    if not moving:
        out.notes.append(f"no pod on {', '.join(gone)} needs to be rescheduled elsewhere")
        return out
    deployments = deployment_owners(facts.replicasets)
    workload = {id(p): workload_of(p, deployments) for p in facts.pods}
    room = _Room(facts.nodes, facts.pods, gone)
    free_before = room.free()
    placed: Counter[Workload | None] = Counter()
    unplaced: list[tuple[dict, set[str]]] = []
    shortfalls: dict[Workload | None, set[str]] = {}
    for p in _placement_order(moving, workload):
        node, short = room.place(p.get("spec") or {})
        if node is None:
            unplaced.append((p, short))
            shortfalls.setdefault(workload[id(p)], set()).update(short)
        else:
            placed[workload[id(p)]] += 1

    need_cpu = sum(scheduling.pod_requests(p.get("spec") or {})[0] for p in moving)
    need_mem = sum(scheduling.pod_requests(p.get("spec") or {})[1] for p in moving)
    out.notes.append(f"{len(moving)} pod(s) on {', '.join(gone)} to reschedule request {_fmt_cpu(need_cpu)} CPU, "
                     f"{_fmt_mem(need_mem)} memory; {len(room.targets)} other schedulable Ready node(s) have "
                     f"{_fmt_cpu(free_before[0])} CPU, {_fmt_mem(free_before[1])} memory and {free_before[2]} pod "
                     "slot(s) free")
    affected = {workload[id(p)] for p in moving}
    replicas: dict[Workload, list[dict]] = {}
    for p in facts.pods:
        w = workload[id(p)]
        if w in affected and w is not None and _counted(p):
            replicas.setdefault(w, []).append(p)
    for w in dict.fromkeys(workload[id(p)] for p in moving):
        if w is not None:
            line = _availability_refusal(w, replicas[w], gone, node_by_name, room, placed[w],
                                         shortfalls.get(w, set()))
            if line:
                out.refusals.append(line)
    if not room.targets:
        out.warnings.append(f"{what}: no other schedulable Ready node: its {len(moving)} pod(s) will stay "
                            "Pending until it is back")
    elif unplaced:
        names = ", ".join(f"{p['metadata'].get('namespace')}/{p['metadata'].get('name')} "
                          f"({_fmt_cpu(c)} CPU, {_fmt_mem(m)})"
                          for p, _ in unplaced[:5] for c, m in [scheduling.pod_requests(p.get("spec") or {})])
        more = f" and {len(unplaced) - 5} more" if len(unplaced) > 5 else ""
        out.warnings.append(f"{what}: {len(unplaced)} of {len(moving)} pod(s) may find no room on the other "
                            f"schedulable Ready nodes (free CPU, memory, pod slots, taints, node selectors) and "
                            f"stay Pending: {names}{more}")
    return out


def _availability_refusal(w: Workload, mine: list[dict], gone: list[str], node_by_name: dict[str, dict],
                          room: _Room, placed: int, short: set[str]) -> str:
    """The refusal line for a workload (its replicas `mine`) available now and with nothing
    available after the drain, else ""."""
    total = len(mine)

    def available(p: dict) -> bool:
        node = node_by_name.get((p.get("spec") or {}).get("nodeName") or "")
        return node is not None and scheduling.node_ready(node) and pod_ready(p)

    now = sum(1 for p in mine if available(p))
    staying = sum(1 for p in mine if available(p) and p["spec"].get("nodeName") not in gone)
    if now == 0 or staying + placed > 0:
        return ""
    spec = next(p.get("spec") or {} for p in mine if (p.get("spec") or {}).get("nodeName") in gone)
    its = f"its {_plural(total, 'pod')}"
    after = f"0 of {total} would be available"
    eligible = room.eligible(spec)
    if eligible:
        where = _names(sorted(eligible))
        pronoun = "it" if total == 1 else "they"
        only = f"the only {'node' if len(eligible) == 1 else 'nodes'} left {pronoun} can run on"
        why = ", ".join(sorted(short)) or "no room"
        return f"{w}: no room for {its} on {where}, {only} ({why}): {after}"
    could = sorted(name for name, n in node_by_name.items() if scheduling.may_run_on(spec, n))
    if not could:
        return (f"{w}: {its} can run on no node (their node selector, affinity and tolerations match none): "
                f"{after}")
    not_ready = [n for n in could if n not in gone and not scheduling.node_ready(node_by_name[n])
                 and not scheduling.node_cordoned(node_by_name[n])]
    tail = f" ({', '.join(not_ready)} NotReady)" if not_ready else ""
    return f"{w}: {its} can run only on {_names(could)}, which this drain takes away{tail}: {after}"


# ---- PodDisruptionBudgets a delete would break --------------------------------------------------------

def _deleted_by_drain(pods: list[dict], gone: Collection[str]) -> list[dict]:
    """What a deleting drain removes from these nodes: all but DaemonSet, mirror and finished pods."""
    out = []
    for p in pods:
        meta = p.get("metadata") or {}
        if (p.get("spec") or {}).get("nodeName") not in gone or _finished(p) or meta.get("deletionTimestamp"):
            continue
        if "kubernetes.io/config.mirror" in (meta.get("annotations") or {}):
            continue
        ref = controller_ref(p)
        if ref is not None and ref.get("kind") == "DaemonSet":
            continue
        out.append(p)
    return out


def _budget_rule(pdb: dict) -> str:
    spec = pdb.get("spec") or {}
    if spec.get("minAvailable") is not None:
        return f"minAvailable {spec['minAvailable']}"
    if spec.get("maxUnavailable") is not None:
        return f"maxUnavailable {spec['maxUnavailable']}"
    return "its status"


def budget_refusals(pdbs: list[dict], deleting: list[dict], pods: list[dict]) -> list[str]:
    """For each PodDisruptionBudget covering healthy pods among `deleting`: a line if deleting them
    (which no budget is asked about) leaves fewer healthy pods than it requires (its status'
    desiredHealthy, as the eviction API compares; currentHealthy counted from `pods` if absent)."""
    out = []
    for pdb in pdbs:
        meta = pdb.get("metadata") or {}
        ns = meta.get("namespace", "")
        sel = selector_from_spec((pdb.get("spec") or {}).get("selector"))

        def covered(p: dict) -> bool:
            pm = p.get("metadata") or {}
            return pm.get("namespace", "") == ns and sel.matches(pm.get("labels") or {})

        hit = [p for p in deleting if covered(p) and pod_ready(p)]
        if not hit:
            continue
        st = pdb.get("status") or {}
        current = int(st["currentHealthy"]) if st.get("currentHealthy") is not None else sum(
            1 for p in pods if covered(p) and pod_ready(p) and not (p.get("metadata") or {}).get("deletionTimestamp"))
        desired = int(st.get("desiredHealthy") or 0)
        left = current - len(hit)
        if left >= desired:
            continue
        where = _names(sorted({str((p.get("spec") or {}).get("nodeName") or "") for p in hit}))
        out.append(f"PodDisruptionBudget {ns}/{meta.get('name', '')}: deleting {_plural(len(hit), 'healthy pod')} "
                   f"on {where} without asking it would leave {left} healthy; it requires {desired} "
                   f"({_budget_rule(pdb)})")
    return out


async def delete_budget_refusals(conn: Connection, namespace: str, name: str) -> list[str]:
    """`budget_refusals` for deleting the one pod `namespace/name` (a delete despite its budget). GETs only."""
    try:
        pod, pdbs, pods = await asyncio.gather(
            api_json(conn, "GET", f"/api/v1/namespaces/{namespace}/pods/{name}"),
            api_list(conn, f"/apis/policy/v1/namespaces/{namespace}/poddisruptionbudgets"),
            api_list(conn, f"/api/v1/namespaces/{namespace}/pods", ACTIVE_PODS))
    except ApiException as e:
        if e.status == 404:
            return []  # gone already: nothing to delete, nothing to break
        raise explain(e, conn) from None
    return budget_refusals(pdbs, [pod], pods)
