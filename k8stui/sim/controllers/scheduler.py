"""kube-scheduler stand-in: binds pending pods of `default-scheduler` to a feasible, least-loaded node.

Filters as the default profile does, in its order, each node failing on its first filter:
NodeUnschedulable (cordon), TaintToleration (NoSchedule/NoExecute), NodeAffinity (nodeSelector,
required affinity incl. matchFields), NodeResourcesFit (pods, cpu, memory requests against
allocatable); the predicates are `k8stui.kube.scheduling`'s, which the safety gates use too. Per-node usage is kept incrementally from pod events (never by rescanning pods), and
on large clusters only a sample of nodes is scored, like percentageOfNodesToScore.
Pods with scheduling gates stay Pending with PodScheduled=False/SchedulingGated; unschedulable pods
get PodScheduled=False/Unschedulable, a FailedScheduling event, and are retried when nodes change or
capacity frees up.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from k8stui.kube.scheduling import placement_failure, pod_requests, resource_shortfalls
from k8stui.sim.controllers.base import Controller
from k8stui.sim.controllers.index import Change, NodeInfo
from k8stui.sim.controllers.util import now_ts, raw_requests, set_condition
from k8stui.sim.store import Entry

UNRESOLVABLE = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"


class Usage:
    __slots__ = ("pods", "cpu", "mem")

    def __init__(self) -> None:
        self.pods = 0
        self.cpu = 0
        self.mem = 0


class Scheduler(Controller):
    name = "scheduler"
    resources = ("pods", "nodes")
    component = "default-scheduler"

    def __init__(self, mgr: Any):
        super().__init__(mgr)
        self.usage: dict[str, Usage] = {}
        self.assumed: dict[tuple[str, str], tuple[str, int, int]] = {}
        self.unschedulable: set[tuple[str, str]] = set()
        self._node_sigs: dict[str, tuple] = {}
        self._rotate = 0
        self._flush_scheduled = False
        self._own_rv: dict[tuple[str, str], int] = {}

    # ---- accounting ----------------------------------------------------------------------

    def _account(self, key: tuple[str, str], e: Entry | None) -> bool:
        """Bring the tally for pod key in line with entry e (None: gone). True if capacity was freed."""
        node = ""
        if e is not None:
            node = e.fields.get("spec.nodeName", "")
            if node and e.fields.get("status.phase") in ("Succeeded", "Failed"):
                node = ""
        cur = self.assumed.get(key)
        if cur is not None and cur[0] == node:
            return False
        freed = False
        if cur is not None:
            u = self.usage.get(cur[0])
            if u is not None:
                u.pods -= 1
                u.cpu -= cur[1]
                u.mem -= cur[2]
            del self.assumed[key]
            freed = True
        if node and e is not None:
            cpu, mem = raw_requests(e.raw)
            u = self.usage.get(node)
            if u is None:
                u = self.usage[node] = Usage()
            u.pods += 1
            u.cpu += cpu
            u.mem += mem
            self.assumed[key] = (node, cpu, mem)
        return freed

    async def build(self) -> None:
        import asyncio

        keys = list(self.store.table("pods").keys)
        for i, (ns, name) in enumerate(keys):
            self._account((ns, name), self.store.entry("pods", ns, name))
            if i % 5000 == 4999:
                await asyncio.sleep(0)
        for name, info in self.index.nodes.items():
            self._node_sigs[name] = info.signature()

    # ---- events --------------------------------------------------------------------------

    def on_event(self, ch: Change) -> None:
        ev = ch.ev
        e = ev.entry
        if ev.resource == "nodes":
            info = self.index.nodes.get(e.name)
            sig = info.signature() if info else None
            if self._node_sigs.get(e.name) != sig:
                if sig is None:
                    self._node_sigs.pop(e.name, None)
                else:
                    self._node_sigs[e.name] = sig
                self._flush_unschedulable()
            return
        key = (e.namespace, e.name)
        if ev.type == "DELETED":
            self.unschedulable.discard(key)
            self._own_rv.pop(key, None)
            if self._account(key, None):
                self._flush_unschedulable()
            return
        if self._account(key, e):
            self._flush_unschedulable()
        if not e.fields.get("spec.nodeName") and e.fields.get("spec.schedulerName", "default-scheduler") in (
                "default-scheduler", ""):
            if b'"deletionTimestamp":"' not in e.raw and e.fields.get("status.phase") not in ("Succeeded", "Failed"):
                # our own PodScheduled=False write does not make the pod worth another attempt
                if self._own_rv.get(key) != ev.rv:
                    self.enqueue(key)
        else:
            self.unschedulable.discard(key)
            self._own_rv.pop(key, None)

    def _flush_unschedulable(self) -> None:
        if not self.unschedulable or self._flush_scheduled:
            return
        self._flush_scheduled = True
        self.enqueue_after(0.2, "__flush__")

    def initial(self) -> None:
        for e in self.store.entries("pods"):
            if not e.fields.get("spec.nodeName") and e.fields.get("spec.schedulerName") in ("default-scheduler", ""):
                if e.fields.get("status.phase") not in ("Succeeded", "Failed"):
                    self.enqueue((e.namespace, e.name))

    async def periodic(self) -> None:
        # unschedulable pods are retried at least every 30 simulated seconds (the real one: 5 min)
        await self.every(lambda: max(self.scaled(30.0), 0.5), self._retry_all)

    def _retry_all(self) -> None:
        for key in list(self.unschedulable):
            self.enqueue(key)

    # ---- scheduling ----------------------------------------------------------------------

    def sync(self, key: Any) -> None:
        if key == "__flush__":
            self._flush_scheduled = False
            self._retry_all()
            return
        ns, name = key
        pod = self.store.try_get("pods", ns, name)
        if pod is None:
            self.unschedulable.discard(key)
            return
        spec = pod.get("spec") or {}
        meta = pod["metadata"]
        if spec.get("nodeName") or meta.get("deletionTimestamp"):
            self.unschedulable.discard(key)
            return
        if (spec.get("schedulerName") or "default-scheduler") != "default-scheduler":
            return
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return
        if spec.get("schedulingGates"):
            self.unschedulable.add(key)
            self._set_scheduled(pod, "False", "SchedulingGated",
                                "Scheduling is blocked due to non-empty scheduling gates")
            return
        node, message = self._pick(pod)
        if node is None:
            self.unschedulable.add(key)
            self._set_scheduled(pod, "False", "Unschedulable", message)
            # every failed attempt is an event (repeats aggregate into its count)
            self.recorder.record(pod, "Warning", "FailedScheduling", message, self.component)
            return
        self.unschedulable.discard(key)
        self._bind(pod, node)

    def _set_scheduled(self, pod: dict, status: str, reason: str, message: str) -> bool:
        cur = None
        for c in (pod.get("status") or {}).get("conditions") or []:
            if c.get("type") == "PodScheduled":
                cur = c
        if cur and cur.get("status") == status and cur.get("reason") == reason and cur.get("message") == message:
            return False
        ts = now_ts()
        cond = {"type": "PodScheduled", "status": status, "lastProbeTime": None, "reason": reason,
                "message": message}

        def fn(o: dict) -> None:
            st = o.setdefault("status", {})
            st.setdefault("phase", "Pending")
            st["conditions"] = set_condition(st.get("conditions") or [], cond, ts)

        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        # the listener sees our write synchronously: remember its resourceVersion beforehand
        self._own_rv[key] = self.store.rv + 1
        self.store.mutate("pods", key[0], key[1], fn, subresource="status")
        return True

    def _bind(self, pod: dict, node: str) -> None:
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        ts = self.mgr.ts_for(pod)
        uid = pod["metadata"].get("uid")

        def fn(o: dict) -> None:
            if o["metadata"].get("uid") != uid or (o.get("spec") or {}).get("nodeName"):
                return
            o["spec"]["nodeName"] = node
            st = o.setdefault("status", {})
            st.setdefault("phase", "Pending")
            conds = [c for c in st.get("conditions") or [] if c.get("type") != "PodScheduled"]
            conds.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                          "lastTransitionTime": ts})
            st["conditions"] = conds

        # status subresource semantics: binding does not bump metadata.generation
        out = self.store.mutate("pods", ns, name, fn, subresource="status")
        self.recorder.record(out, "Normal", "Scheduled", f"Successfully assigned {ns}/{name} to {node}",
                             self.component)

    def _pick(self, pod: dict) -> tuple[str | None, str]:
        spec = pod.get("spec") or {}
        cpu, mem = pod_requests(spec)
        nodes = self.index.nodes
        names = list(nodes)
        total = len(names)
        if total == 0:
            return None, "no nodes available to schedule pods"
        # percentageOfNodesToScore: adaptive, at least 100 nodes, all nodes for small clusters
        if total <= 100:
            want = total
        else:
            pct = max(5, 50 - total // 125)
            want = max(100, total * pct // 100)
        start = self._rotate % total
        self._rotate += 1
        feasible: list[tuple[float, str]] = []
        reasons: Counter[str] = Counter()
        preempt: Counter[str] = Counter()
        for i in range(total):
            nname = names[(start + i) % total]
            info = nodes[nname]
            why, resolvable = self._filter(info, spec, cpu, mem)
            if why:
                for w in why:
                    reasons[w] += 1
                preempt[NO_VICTIMS if resolvable else UNRESOLVABLE] += 1
                continue
            u = self.usage.get(nname)
            score = 0.0
            if u is not None:
                score = (u.pods / max(info.alloc_pods, 1) + u.cpu / max(info.alloc_cpu, 1)
                         + u.mem / max(info.alloc_mem, 1))
            feasible.append((score, nname))
            if len(feasible) >= want:
                break
        if feasible:
            feasible.sort()
            return feasible[0][1], ""
        parts = ", ".join(sorted(f"{n} {r}" for r, n in reasons.items()))
        pparts = ", ".join(sorted(f"{n} {r}" for r, n in preempt.items()))
        return None, (f"0/{total} nodes are available: {parts}. preemption: 0/{total} nodes are available: "
                      f"{pparts}.")

    def _filter(self, info: NodeInfo, spec: dict, cpu: int, mem: int) -> tuple[list[str], bool]:
        """([] if the pod fits, else the failure reasons) and whether preemption could help."""
        why = placement_failure(spec, info.name, info.labels, info.taints, info.unschedulable)
        if why:
            return [why], False
        u = self.usage.get(info.name)
        used = (u.cpu, u.mem, u.pods) if u is not None else (0, 0, 0)
        return resource_shortfalls(cpu, mem, used, (info.alloc_cpu, info.alloc_mem, info.alloc_pods)), True
