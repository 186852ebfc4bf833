"""ReplicaSet controller: keeps spec.replicas active pods, reports status.

Pods are created from the template with `generateName: <rs>-` and a controller ownerReference;
terminating and finished pods do not count. Scale-down deletes pods in the order the real
controller ranks them: unscheduled before scheduled, Pending before Running, not ready before
ready, more restarts first, newest first.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from k8stui.sim.controllers.base import OwnerController
from k8stui.sim.controllers.util import (
    entry_active,
    entry_generation,
    entry_ready,
    entry_status,
    owner_ref,
    parse_ts,
)
from k8stui.kube.selectors import selector_from_spec
from k8stui.sim.store import Entry

_CREATED_RE = re.compile(rb'"creationTimestamp":"([^"]+)"')
_SPEC_REPLICAS_RE = re.compile(rb'"spec":\{"replicas":(\d+)')
BURST = 500  # at most this many creations/deletions per sync (slowStartBatch's spirit)


def pod_from_template(template: dict, owner: dict, generate_name: str | None = None,
                      name: str | None = None) -> dict:
    tmeta = template.get("metadata") or {}
    meta: dict[str, Any] = {"labels": dict(tmeta.get("labels") or {}),
                            "ownerReferences": [owner_ref(owner)]}
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    if tmeta.get("finalizers"):
        meta["finalizers"] = list(tmeta["finalizers"])
    if name:
        meta["name"] = name
    else:
        meta["generateName"] = generate_name or f"{owner['metadata']['name']}-"
    meta["namespace"] = owner["metadata"]["namespace"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": copy.deepcopy(template.get("spec") or {})}


def _rank(e: Entry) -> tuple:
    """Sort key: pods to delete first come first (controller.ActivePods ordering)."""
    node = e.fields.get("spec.nodeName", "")
    phase = e.fields.get("status.phase", "")
    phase_rank = {"Pending": 0, "Unknown": 1, "Running": 2}.get(phase, 0)
    ready = entry_ready(e)
    m = _CREATED_RE.search(e.raw)
    created = (parse_ts(m.group(1).decode()) or 0.0) if m else 0.0
    return (1 if node else 0, phase_rank, 1 if ready else 0, -created, -e.rv)


class ReplicaSetController(OwnerController):
    name = "replicaset"
    owner_kind = "ReplicaSet"
    resources = ("replicasets", "pods")
    component = "replicaset-controller"

    def looks_settled(self, e: Entry) -> bool:
        """Already observed with every replica available (generated clusters): nothing to do."""
        st = entry_status(e)
        want = st.get("replicas", -1)
        if st.get("observedGeneration") != entry_generation(e) or st.get("availableReplicas") != want:
            return False
        m = _SPEC_REPLICAS_RE.search(e.raw)
        return m is not None and int(m.group(1)) == want

    def sync(self, key: Any) -> None:
        ns, name = key
        rs = self.store.try_get("replicasets", ns, name)
        if rs is None or rs["metadata"].get("deletionTimestamp"):
            return
        spec = rs.get("spec") or {}
        want = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
        uid = rs["metadata"]["uid"]
        pods = self.index.controlled_entries(uid, "pods")
        active = [e for e in pods if entry_active(e)]
        diff = len(active) - want
        template = spec.get("template") or {}
        if diff < 0:
            n = min(-diff, BURST)
            for _ in range(n):
                pod = self.mgr.backdate(self.store.create("pods", pod_from_template(template, rs)), rs)
                self.recorder.record(rs, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}",
                                     self.component)
            if -diff > BURST:
                self.enqueue_after(0.1, key)
        elif diff > 0:
            victims = sorted(active, key=_rank)[:min(diff, BURST)]
            for e in victims:
                try:
                    self.store.delete("pods", e.namespace, e.name)
                except Exception:
                    continue
                self.recorder.record(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {e.name}", self.component)
            if diff > BURST:
                self.enqueue_after(0.1, key)
        self._update_status(rs, template)

    def _update_status(self, rs: dict, template: dict) -> None:
        uid = rs["metadata"]["uid"]
        pods = [e for e in self.index.controlled_entries(uid, "pods") if entry_active(e)]
        tsel = selector_from_spec({"matchLabels": (template.get("metadata") or {}).get("labels") or {}})
        ready = sum(1 for e in pods if entry_ready(e))
        status: dict[str, Any] = {
            "replicas": len(pods),
            "fullyLabeledReplicas": sum(1 for e in pods if tsel.matches(e.labels)),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        old = rs.get("status") or {}
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        for k in ("readyReplicas", "availableReplicas", "fullyLabeledReplicas"):
            if not status[k]:
                del status[k]
        if old == status:
            return
        self.store.mutate("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"],
                          lambda o: o.__setitem__("status", status), subresource="status")
