"""StatefulSet controller: pods `<name>-0..N-1` with stable identity, ordered by default.

OrderedReady creates ordinal i only when 0..i-1 are Running and Ready, and scales down from the
highest ordinal one at a time; Parallel does both at once. Rolling updates replace pods from the
highest ordinal down to `partition`, one at a time, each when the rest are ready. Pods carry
`controller-revision-hash` (`<name>-<hash>`), `statefulset.kubernetes.io/pod-name` and
`apps.kubernetes.io/pod-index`, hostname and subdomain (serviceName).
"""

from __future__ import annotations

from typing import Any

from k8stui.sim.controllers.base import OwnerController
from k8stui.sim.controllers.replicaset import pod_from_template
from k8stui.sim.controllers.util import entry_deleting, entry_phase, entry_ready, template_hash
from k8stui.sim.store import Entry

REV_LABEL = "controller-revision-hash"
NAME_LABEL = "statefulset.kubernetes.io/pod-name"
INDEX_LABEL = "apps.kubernetes.io/pod-index"


def _ordinal(sts_name: str, pod_name: str) -> int | None:
    prefix = sts_name + "-"
    if not pod_name.startswith(prefix):
        return None
    rest = pod_name[len(prefix):]
    return int(rest) if rest.isdigit() else None


class StatefulSetController(OwnerController):
    name = "statefulset"
    owner_kind = "StatefulSet"
    resources = ("statefulsets", "pods")
    component = "statefulset-controller"

    def sync(self, key: Any) -> None:
        ns, name = key
        sts = self.store.try_get("statefulsets", ns, name)
        if sts is None or sts["metadata"].get("deletionTimestamp"):
            return
        spec = sts.get("spec") or {}
        replicas = 1 if spec.get("replicas") is None else int(spec["replicas"])
        template = spec.get("template") or {}
        revision = f"{name}-{template_hash(template)}"
        parallel = spec.get("podManagementPolicy") == "Parallel"
        pods: dict[int, Entry] = {}
        for e in self.index.controlled_entries(sts["metadata"]["uid"], "pods"):
            o = _ordinal(name, e.name)
            if o is not None:
                pods[o] = e
        # failed pods are deleted and recreated
        for o, e in list(pods.items()):
            if entry_phase(e) == "Failed" and not entry_deleting(e):
                self._delete(sts, e)
        # create missing ordinals / wait for order
        for i in range(replicas):
            e = pods.get(i)
            if e is None:
                self._create(sts, i, revision)
                if not parallel:
                    break
                continue
            if not parallel and (entry_deleting(e) or entry_phase(e) != "Running" or not entry_ready(e)):
                break
        else:
            # scale down: highest ordinal first
            extra = sorted((o for o in pods if o >= replicas), reverse=True)
            for o in extra:
                e = pods[o]
                if entry_deleting(e):
                    if not parallel:
                        break
                    continue
                self._delete(sts, e)
                if not parallel:
                    break
            else:
                self._rolling_update(sts, pods, replicas, revision)
        self._update_status(sts, revision)

    def _create(self, sts: dict, i: int, revision: str) -> None:
        name = sts["metadata"]["name"]
        spec = sts.get("spec") or {}
        pod_name = f"{name}-{i}"
        if self.store.entry("pods", sts["metadata"]["namespace"], pod_name) is not None:
            return  # an old incarnation is still terminating
        pod = pod_from_template(spec.get("template") or {}, sts, name=pod_name)
        labels = pod["metadata"]["labels"]
        labels[REV_LABEL] = revision
        labels[NAME_LABEL] = pod_name
        labels[INDEX_LABEL] = str(i)
        pod["spec"]["hostname"] = pod_name
        if spec.get("serviceName"):
            pod["spec"]["subdomain"] = spec["serviceName"]
        self.mgr.backdate(self.store.create("pods", pod), sts)
        self.recorder.record(sts, "Normal", "SuccessfulCreate",
                             f"create Pod {pod_name} in StatefulSet {name} successful", self.component)

    def _delete(self, sts: dict, e: Entry) -> None:
        try:
            self.store.delete("pods", e.namespace, e.name)
        except Exception:
            return
        self.recorder.record(sts, "Normal", "SuccessfulDelete",
                             f"delete Pod {e.name} in StatefulSet {sts['metadata']['name']} successful",
                             self.component)

    def _rolling_update(self, sts: dict, pods: dict[int, Entry], replicas: int, revision: str) -> None:
        strat = (sts.get("spec") or {}).get("updateStrategy") or {}
        if strat.get("type") == "OnDelete":
            return
        partition = int((strat.get("rollingUpdate") or {}).get("partition") or 0)
        # all pods must be ready before the next one is replaced
        for i in range(replicas):
            e = pods.get(i)
            if e is None or entry_deleting(e) or not entry_ready(e):
                return
        for i in range(replicas - 1, partition - 1, -1):
            e = pods.get(i)
            if e is not None and e.labels.get(REV_LABEL) != revision:
                self._delete(sts, e)
                return

    def _update_status(self, sts: dict, revision: str) -> None:
        name = sts["metadata"]["name"]
        pods = [e for e in self.index.controlled_entries(sts["metadata"]["uid"], "pods")
                if _ordinal(name, e.name) is not None]
        live = [e for e in pods if not entry_deleting(e)]
        ready = sum(1 for e in live if entry_ready(e))
        updated = sum(1 for e in live if e.labels.get(REV_LABEL) == revision)
        old = sts.get("status") or {}
        replicas = 1 if (sts.get("spec") or {}).get("replicas") is None else int(sts["spec"]["replicas"])
        current_rev = old.get("currentRevision") or revision
        if updated == len(live) and len(live) == replicas:
            current_rev = revision
        current = sum(1 for e in live if e.labels.get(REV_LABEL) == current_rev)
        status: dict[str, Any] = {
            "availableReplicas": ready,
            "collisionCount": old.get("collisionCount", 0),
            "currentReplicas": current,
            "currentRevision": current_rev,
            "observedGeneration": sts["metadata"].get("generation", 1),
            "readyReplicas": ready,
            "replicas": len(live),
            "updateRevision": revision,
            "updatedReplicas": updated,
        }
        for k in ("readyReplicas", "currentReplicas", "updatedReplicas"):
            if not status[k]:
                del status[k]
        if old == status:
            return
        self.store.mutate("statefulsets", sts["metadata"]["namespace"], name,
                          lambda o: o.__setitem__("status", status), subresource="status")
