"""DaemonSet controller: one pod per eligible node, bound by the default scheduler.

Eligibility is the real controller's: nodeSelector and required node affinity, and the node's
NoSchedule/NoExecute taints against the pod's tolerations plus the ones every DaemonSet pod gets
(not-ready, unreachable, disk/memory/pid-pressure, unschedulable, network-unavailable for host
network pods) -- so cordoned and control-plane nodes (if tolerated) run DaemonSet pods. Pods are
created with a required node affinity `matchFields metadata.name In [node]`; the scheduler binds
them. Template changes roll out with RollingUpdate maxUnavailable (OnDelete waits for deletions).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from k8stui.kube.scheduling import node_affinity_matches, untolerated_taint
from k8stui.sim.controllers.base import Controller
from k8stui.sim.controllers.index import Change, NodeInfo
from k8stui.sim.controllers.replicaset import pod_from_template
from k8stui.sim.controllers.util import (
    entry_deleting,
    entry_phase,
    entry_ready,
    int_or_percent,
    node_name_from_affinity,
    parse_ts,
    template_hash,
)
from k8stui.sim.store import Entry

_CREATED_RE = re.compile(rb'"creationTimestamp":"([^"]+)"')
HASH_LABEL = "controller-revision-hash"
GEN_LABEL = "pod-template-generation"


def daemon_tolerations(spec: dict) -> list[dict]:
    """The tolerations the DaemonSet controller adds to every pod it creates."""
    tols = [dict(t) for t in spec.get("tolerations") or []]

    def add(key: str, effect: str) -> None:
        if not any(t.get("key") == key and t.get("effect") == effect for t in tols):
            tols.append({"key": key, "operator": "Exists", "effect": effect})

    add("node.kubernetes.io/not-ready", "NoExecute")
    add("node.kubernetes.io/unreachable", "NoExecute")
    add("node.kubernetes.io/disk-pressure", "NoSchedule")
    add("node.kubernetes.io/memory-pressure", "NoSchedule")
    add("node.kubernetes.io/pid-pressure", "NoSchedule")
    add("node.kubernetes.io/unschedulable", "NoSchedule")
    if spec.get("hostNetwork"):
        add("node.kubernetes.io/network-unavailable", "NoSchedule")
    return tols


def pinned_affinity(spec: dict, node: str) -> dict:
    """Pod affinity with the node pinned as the real controller does (ReplaceDaemonSetPodNodeNameNodeAffinity)."""
    aff = copy.deepcopy(spec.get("affinity") or {})
    na = aff.setdefault("nodeAffinity", {})
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
    req = na.get("requiredDuringSchedulingIgnoredDuringExecution")
    if not req or not req.get("nodeSelectorTerms"):
        na["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [term]}
    else:
        terms = []
        for t in req["nodeSelectorTerms"]:
            t = dict(t)
            t["matchFields"] = term["matchFields"]
            terms.append(t)
        req["nodeSelectorTerms"] = terms
    return aff


class DaemonSetController(Controller):
    name = "daemonset"
    resources = ("daemonsets", "pods", "nodes")
    component = "daemonset-controller"

    def __init__(self, mgr: Any):
        super().__init__(mgr)
        self._node_sigs: dict[str, tuple] = {}
        self._start_gen: dict[str, int] = {}  # ds uid -> generation when first seen settled
        self._own_rv: dict[tuple[str, str], int] = {}

    def on_event(self, ch: Change) -> None:
        ev = ch.ev
        e = ev.entry
        if ev.resource == "daemonsets":
            key = (e.namespace, e.name)
            if ev.type == "DELETED":
                self._own_rv.pop(key, None)
            elif self._own_rv.get(key) != ev.rv:  # our own status write needs no new sync
                self.enqueue(key)
            return
        if ev.resource == "nodes":
            info = self.index.nodes.get(e.name)
            sig = info.signature() if info is not None else None
            if self._node_sigs.get(e.name) == sig:
                return
            if sig is None:
                self._node_sigs.pop(e.name, None)
            else:
                self._node_sigs[e.name] = sig
            for d in self.store.entries("daemonsets"):
                self.enqueue((d.namespace, d.name))
            return
        big = len(self.index.nodes) > 500
        for ref in (ch.controller, ch.old_controller):
            if ref is not None and ref.kind == "DaemonSet":
                if big:  # a sync walks every node: coalesce bursts of pod events
                    self.enqueue_coalesced((e.namespace, ref.name), 0.1)
                else:
                    self.enqueue((e.namespace, ref.name))

    def initial(self) -> None:
        for name, info in self.index.nodes.items():
            self._node_sigs[name] = info.signature()
        for e in self.store.entries("daemonsets"):
            try:
                o = e.obj()
            except ValueError:
                continue
            st = o.get("status") or {}
            if st.get("observedGeneration") == o["metadata"].get("generation"):
                self._start_gen[o["metadata"]["uid"]] = o["metadata"].get("generation", 1)
            if (st.get("observedGeneration") == o["metadata"].get("generation")
                    and st.get("desiredNumberScheduled") == len(self.index.nodes)
                    and st.get("numberReady") == st.get("desiredNumberScheduled")
                    and st.get("updatedNumberScheduled") == st.get("desiredNumberScheduled")):
                continue  # settled (generated large clusters)
            self.enqueue((e.namespace, e.name))

    @staticmethod
    def should_run(info: NodeInfo, pod_spec: dict, tolerations: list[dict] | None = None) -> bool:
        if not node_affinity_matches(pod_spec, info.name, info.labels):
            return False
        tols = tolerations if tolerations is not None else daemon_tolerations(pod_spec)
        return untolerated_taint(info.taints, tols) is None

    def _eligible(self, pod_spec: dict) -> dict[str, bool]:
        tols = daemon_tolerations(pod_spec)
        return {n: self.should_run(info, pod_spec, tols) for n, info in self.index.nodes.items()}

    def _updated(self, e: Entry, ds: dict, h: str) -> bool:
        """IsPodUpdated: the pod's revision hash or template generation is the current one. Pods that
        existed before the controllers started count as current while the DaemonSet's generation is the
        one it had then (their hash came from whoever made them)."""
        labels = e.labels
        gen = ds["metadata"].get("generation", 1)
        if labels.get(HASH_LABEL) == h or labels.get(GEN_LABEL) == str(gen):
            return True
        if self._start_gen.get(ds["metadata"]["uid"]) == gen:
            m = _CREATED_RE.search(e.raw)
            t = parse_ts(m.group(1).decode()) if m else None
            return t is not None and t < self.mgr.started_at - 1
        return False

    def sync(self, key: Any) -> None:
        ns, name = key
        ds = self.store.try_get("daemonsets", ns, name)
        if ds is None or ds["metadata"].get("deletionTimestamp"):
            return
        spec = ds.get("spec") or {}
        template = spec.get("template") or {}
        pod_spec = template.get("spec") or {}
        h = template_hash(template)
        gen = str(ds["metadata"].get("generation", 1))
        self._start_gen.setdefault(ds["metadata"]["uid"], ds["metadata"].get("generation", 1)
                                   if (ds.get("status") or {}).get("observedGeneration") ==
                                   ds["metadata"].get("generation", 1) else -1)
        eligible = self._eligible(pod_spec)
        pods = self.index.controlled_entries(ds["metadata"]["uid"], "pods")
        by_node: dict[str, list[Entry]] = {}
        for e in pods:
            if entry_deleting(e):
                continue
            node = e.fields.get("spec.nodeName", "")
            if not node:
                try:
                    node = node_name_from_affinity(e.obj().get("spec") or {})
                except ValueError:
                    node = ""
            by_node.setdefault(node, []).append(e)
        to_create: list[str] = []
        to_delete: list[Entry] = []
        for nname, run in eligible.items():
            have = by_node.get(nname, [])
            if run:
                failed = [e for e in have if entry_phase(e) == "Failed"]
                to_delete.extend(failed)
                live = [e for e in have if entry_phase(e) != "Failed"]
                if not live:
                    to_create.append(nname)
                elif len(live) > 1:
                    live.sort(key=lambda e: e.rv)
                    to_delete.extend(live[1:])
            else:
                to_delete.extend(have)
        for nname, have in by_node.items():
            if nname not in eligible:  # unbound and unpinned, or the node is gone
                to_delete.extend(have)
        tolerations = daemon_tolerations(pod_spec)
        for e in to_delete:
            try:
                self.store.delete("pods", e.namespace, e.name)
                self.recorder.record(ds, "Normal", "SuccessfulDelete", f"Deleted pod: {e.name}", self.component)
            except Exception:
                pass
        for nname in to_create[:500]:
            pod = pod_from_template(template, ds)
            pod["metadata"]["labels"][HASH_LABEL] = h
            pod["metadata"]["labels"][GEN_LABEL] = gen
            pod["spec"]["tolerations"] = [dict(t) for t in tolerations]
            pod["spec"]["affinity"] = pinned_affinity(pod_spec, nname)
            created = self.mgr.backdate(self.store.create("pods", pod), ds)
            self.recorder.record(ds, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}",
                                 self.component)
        if len(to_create) > 500:
            self.enqueue_after(0.1, key)
        self._rolling_update(ds, h, eligible)
        self._update_status(ds, h, eligible)

    def _rolling_update(self, ds: dict, h: str, eligible: dict[str, bool]) -> None:
        strat = (ds.get("spec") or {}).get("updateStrategy") or {}
        if strat.get("type") == "OnDelete":
            return
        pods = [e for e in self.index.controlled_entries(ds["metadata"]["uid"], "pods") if not entry_deleting(e)]
        old = [e for e in pods if not self._updated(e, ds, h)]
        if not old:
            return
        desired = max(1, sum(1 for v in eligible.values() if v))
        max_unavail = int_or_percent((strat.get("rollingUpdate") or {}).get("maxUnavailable", 1), desired, True)
        max_unavail = max(1, max_unavail)
        unavailable = sum(1 for e in pods if not entry_ready(e))
        # nodes whose old pod was deleted and not yet replaced count as unavailable too
        nodes_with_pod = {e.fields.get("spec.nodeName", "") for e in pods}
        missing = sum(1 for n, run in eligible.items() if run and n not in nodes_with_pod)
        budget = max_unavail - unavailable - missing
        # not-ready old pods go first: replacing them costs no availability
        old.sort(key=lambda e: (entry_ready(e), e.rv))
        for e in old:
            if entry_ready(e):
                if budget <= 0:
                    break
                budget -= 1
            try:
                self.store.delete("pods", e.namespace, e.name)
                self.recorder.record(ds, "Normal", "SuccessfulDelete", f"Deleted pod: {e.name}", self.component)
            except Exception:
                pass

    def _update_status(self, ds: dict, h: str, eligible: dict[str, bool]) -> None:
        pods = [e for e in self.index.controlled_entries(ds["metadata"]["uid"], "pods") if not entry_deleting(e)]
        by_node: dict[str, list[Entry]] = {}
        for e in pods:
            by_node.setdefault(e.fields.get("spec.nodeName", ""), []).append(e)
        desired = current = mis = ready = updated = 0
        for nname, run in eligible.items():
            have = by_node.get(nname, [])
            if run:
                desired += 1
                if have:
                    current += 1
                    if any(entry_ready(e) for e in have):
                        ready += 1
                    if any(self._updated(e, ds, h) for e in have):
                        updated += 1
            elif have:
                mis += 1
        status: dict[str, Any] = {
            "currentNumberScheduled": current,
            "desiredNumberScheduled": desired,
            "numberMisscheduled": mis,
            "numberReady": ready,
            "observedGeneration": ds["metadata"].get("generation", 1),
        }
        if ready:
            status["numberAvailable"] = ready
        if desired - ready > 0:
            status["numberUnavailable"] = desired - ready
        if updated:
            status["updatedNumberScheduled"] = updated
        old = ds.get("status") or {}
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        if old == status:
            return
        key = (ds["metadata"]["namespace"], ds["metadata"]["name"])
        self._own_rv[key] = self.store.rv + 1  # the listener sees the write before mutate returns
        self.store.mutate("daemonsets", key[0], key[1], lambda o: o.__setitem__("status", status),
                          subresource="status")
