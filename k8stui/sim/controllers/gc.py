"""Garbage collector: deletes dependents whose owners are gone (background propagation).

When an object is deleted, every object whose ownerReferences name its uid is looked up in the
shared index; a dependent with no remaining live owner is deleted (pods gracefully), one that still
has another live owner just loses the dangling reference. Deleting a Deployment thus removes its
ReplicaSets, whose deletion removes their Pods. Orphan propagation is handled by the API server
(it strips the ownerReferences before we get here).

Also the namespace controller's part (a deleted or Terminating Namespace is emptied, then
finalized) and PodGC's (pods still bound to a deleted node are force-deleted after 40 s × speed).
"""

from __future__ import annotations

from typing import Any

from k8stui.sim.controllers.base import Controller
from k8stui.sim.controllers.index import Change
from k8stui.sim.resources import BY_KIND, BY_PLURAL

POD_GC_QUARANTINE = 40.0  # simulated seconds before pods of a deleted node are force-deleted
OWNER_RESOURCES = {"deployments", "replicasets", "daemonsets", "statefulsets", "jobs", "nodes", "pods",
                   "services", "configmaps", "secrets", "controllerrevisions", "leases", "namespaces"}


class GarbageCollector(Controller):
    name = "garbagecollector"
    resources = tuple(sorted(OWNER_RESOURCES))
    component = "garbage-collector"

    def __init__(self, mgr: Any):
        super().__init__(mgr)
        self._terminating: set[str] = set()

    def on_event(self, ch: Change) -> None:
        ev = ch.ev
        e = ev.entry
        if ev.resource == "namespaces":
            if ev.type == "DELETED" or b'"deletionTimestamp":"' in e.raw:
                self.enqueue(("namespace", e.name))
            return
        if e.namespace and e.namespace in self._terminating:
            self.enqueue(("namespace", e.namespace))
        if ev.type != "DELETED":
            return
        if ev.resource == "nodes":
            # PodGC: pods left bound to a node that is gone are force-deleted after a quarantine
            self.enqueue_after(POD_GC_QUARANTINE, ("orphaned-pods", e.name))
        uid = _uid(e.raw)
        if uid and uid in self.index.dependents:
            self.enqueue(("owner", uid))

    def sync(self, key: Any) -> None:
        if key[0] == "namespace":
            self._namespace_gone(key[1])
            return
        if key[0] == "orphaned-pods":
            if self.store.entry("nodes", "", key[1]) is None:
                for ns, name in list(self.index.pods_by_node.get(key[1], ())):
                    try:
                        self.store.delete("pods", ns, name, grace_seconds=0)
                    except Exception:
                        pass
            return
        uid = key[1]
        for res, ns, name in list(self.index.dependents.get(uid, ())):
            obj = self.store.try_get(res, ns, name)
            if obj is None:
                continue
            refs = obj["metadata"].get("ownerReferences") or []
            live = [r for r in refs if r.get("uid") != uid and self._alive(r, ns)]
            if live:
                keep = [r for r in refs if r.get("uid") != uid]
                self.store.mutate(res, ns, name, lambda o, k=keep: o["metadata"].__setitem__("ownerReferences", k))
                continue
            if obj["metadata"].get("deletionTimestamp"):
                continue
            try:
                self.store.delete(res, ns, name)
            except Exception:
                pass

    def _alive(self, ref: dict, ns: str) -> bool:
        res = BY_KIND.get(ref.get("kind", ""))
        if res is None:
            return True  # unknown kinds: assume alive, never delete on a guess
        obj = self.store.entry(res.plural, ns if res.namespaced else "", ref.get("name", ""))
        return obj is not None and _uid(obj.raw) == ref.get("uid")

    def _namespace_gone(self, ns: str) -> None:
        """The namespace controller: empty a deleted (or Terminating) namespace, then finalize it."""
        nsobj = self.store.try_get("namespaces", "", ns)
        terminating = nsobj is not None
        if terminating:
            self._terminating.add(ns)
            if (nsobj.get("status") or {}).get("phase") != "Terminating":
                self.store.mutate("namespaces", "", ns,
                                  lambda o: o.setdefault("status", {}).__setitem__("phase", "Terminating"),
                                  subresource="status")
        for plural, res in BY_PLURAL.items():
            if not res.namespaced or plural == "events":
                continue
            for e in list(self.store.entries(plural, ns)):
                if b'"deletionTimestamp":"' in e.raw:
                    continue
                try:
                    if plural == "pods" and not terminating:
                        # the namespace is already gone: nothing will wait for a kubelet
                        self.store.delete(plural, ns, e.name, grace_seconds=0)
                    else:
                        self.store.delete(plural, ns, e.name)
                except Exception:
                    pass
        if terminating:
            remaining = sum(len(self.store.entries(p, ns)) for p, r in BY_PLURAL.items()
                            if r.namespaced and p != "events")
            if remaining == 0:
                self._terminating.discard(ns)
                for e in list(self.store.entries("events", ns)):
                    try:
                        self.store.delete("events", ns, e.name)
                    except Exception:
                        pass
                def fin(o: dict) -> None:
                    spec = o.setdefault("spec", {})
                    spec["finalizers"] = [f for f in spec.get("finalizers") or [] if f != "kubernetes"]
                self.store.mutate("namespaces", "", ns, fin)
            else:
                self.enqueue_after(1.0, ("namespace", ns))
            return
        self._terminating.discard(ns)
        for e in list(self.store.entries("events", ns)):
            try:
                self.store.delete("events", ns, e.name)
            except Exception:
                pass


def _uid(raw: bytes) -> str:
    i = raw.find(b'"uid":"')
    if i < 0:
        return ""
    # metadata.uid precedes ownerReferences' uids only if metadata keys come in that order; parse
    # the object when ownerReferences come first.
    j = raw.find(b'"ownerReferences":[')
    if j >= 0 and j < i:
        import json

        try:
            return (json.loads(raw).get("metadata") or {}).get("uid", "")
        except ValueError:
            return ""
    end = raw.find(b'"', i + 7)
    return raw[i + 7:end].decode()
