"""Disruption controller: keeps every PodDisruptionBudget's status current.

For the pods its selector matches (in its namespace): currentHealthy counts pods that are Ready,
not terminating and not recently disrupted (`status.disruptedPods`, entries dropped once the pod is
gone or terminating, or after two simulated minutes); desiredHealthy comes from minAvailable (int:
the number; percent: of the expected count) or maxUnavailable (expected minus it); the expected
count is the pod count for an int minAvailable and otherwise the sum of the owning controllers'
replicas (Deployment via ReplicaSet, ReplicaSet, StatefulSet). Pod changes are handled promptly,
since the eviction subresource reads this status.
"""

from __future__ import annotations

import math
import time
from typing import Any

from k8stui.sim.controllers.base import Controller
from k8stui.sim.controllers.index import Change
from k8stui.sim.controllers.util import entry_deleting, entry_ready, now_ts, parse_ts
from k8stui.kube.selectors import LabelSelector, selector_from_spec

DELETION_TIMEOUT = 120.0  # seconds a disrupted pod is expected to take to go away


def _pct(v: Any) -> float | None:
    if isinstance(v, str) and v.endswith("%"):
        try:
            return int(v[:-1]) / 100.0
        except ValueError:
            return None
    return None


class DisruptionController(Controller):
    name = "disruption"
    resources = ("poddisruptionbudgets", "pods", "deployments", "replicasets", "statefulsets")
    component = "controllermanager"

    def __init__(self, mgr: Any):
        super().__init__(mgr)
        # namespace -> pdb name -> compiled selector
        self.selectors: dict[str, dict[str, LabelSelector]] = {}
        # pods that matched a budget last time we looked, so label changes re-sync the old budget
        self.pod_pdbs: dict[tuple[str, str], set[str]] = {}

    def _cache(self, ns: str, name: str, raw_obj: dict | None) -> None:
        if raw_obj is None:
            self.selectors.get(ns, {}).pop(name, None)
            return
        try:
            sel = selector_from_spec((raw_obj.get("spec") or {}).get("selector"))
        except Exception:
            sel = selector_from_spec(None)
        self.selectors.setdefault(ns, {})[name] = sel

    def on_event(self, ch: Change) -> None:
        ev = ch.ev
        e = ev.entry
        ns = e.namespace
        if ev.resource == "poddisruptionbudgets":
            if ev.type == "DELETED":
                self._cache(ns, e.name, None)
                return
            try:
                self._cache(ns, e.name, e.obj())
            except ValueError:
                pass
            self.enqueue((ns, e.name))
            return
        pdbs = self.selectors.get(ns)
        if not pdbs:
            return
        if ev.resource == "pods":
            key = (ns, e.name)
            hit = {name for name, sel in pdbs.items() if sel.matches(e.labels)}
            before = self.pod_pdbs.pop(key, set())
            if hit and ev.type != "DELETED":
                self.pod_pdbs[key] = hit
            for name in hit | before:
                self.enqueue((ns, name))
            return
        # scale changes of controllers change expected counts
        for name in pdbs:
            self.enqueue((ns, name))

    def initial(self) -> None:
        for e in self.store.entries("poddisruptionbudgets"):
            try:
                self._cache(e.namespace, e.name, e.obj())
            except ValueError:
                continue
            self.enqueue((e.namespace, e.name))

    # ---- expected count ----------------------------------------------------------------------

    def _scale_of(self, ns: str, ref_kind: str, ref_name: str, seen: dict[str, int]) -> str | None:
        """Add the replicas of the pod's scalable controller to seen (by uid); error text if none."""
        st = self.store
        if ref_kind == "ReplicaSet":
            rs = st.try_get("replicasets", ns, ref_name)
            if rs is None:
                return None
            for r in rs["metadata"].get("ownerReferences") or []:
                if r.get("controller") and r.get("kind") == "Deployment":
                    d = st.try_get("deployments", ns, r.get("name", ""))
                    if d is not None and d["metadata"]["uid"] == r.get("uid"):
                        seen[d["metadata"]["uid"]] = int((d.get("spec") or {}).get("replicas", 1))
                        return None
            seen[rs["metadata"]["uid"]] = int((rs.get("spec") or {}).get("replicas", 1))
            return None
        if ref_kind == "StatefulSet":
            s = st.try_get("statefulsets", ns, ref_name)
            if s is not None:
                seen[s["metadata"]["uid"]] = int((s.get("spec") or {}).get("replicas", 1))
            return None
        return f"{ref_kind} is not a scalable controller"

    def sync(self, key: Any) -> None:
        ns, name = key
        pdb = self.store.try_get("poddisruptionbudgets", ns, name)
        if pdb is None:
            return
        spec = pdb.get("spec") or {}
        try:
            sel = selector_from_spec(spec.get("selector"))
        except Exception:
            sel = selector_from_spec(None)
        pods = [e for e in self.store.entries("pods", ns) if sel.matches(e.labels)]
        now = time.time()
        timeout = DELETION_TIMEOUT * self.speed
        old = pdb.get("status") or {}
        disrupted_in = old.get("disruptedPods") or {}
        live_names = {e.name: e for e in pods}
        disrupted: dict[str, str] = {}
        next_expiry = None
        for pname, ts in disrupted_in.items():
            e = live_names.get(pname)
            if e is None or entry_deleting(e):
                continue
            t = parse_ts(ts)
            if t is None or t + timeout < now:
                continue
            disrupted[pname] = ts
            next_expiry = min(next_expiry or (t + timeout), t + timeout)
        healthy = sum(1 for e in pods if not entry_deleting(e) and e.name not in disrupted and entry_ready(e))
        error = None
        min_av = spec.get("minAvailable")
        max_un = spec.get("maxUnavailable")
        expected = len(pods)
        desired = 0
        if max_un is None and isinstance(min_av, int):
            desired = min_av
        elif max_un is None and min_av is None:
            desired = 0
        else:
            seen: dict[str, int] = {}
            for e in pods:
                ref = self.index.controller_of("pods", ns, e.name)
                if ref is None:
                    error = f'found no controller ref for pod "{e.name}"'
                    break
                err = self._scale_of(ns, ref.kind, ref.name, seen)
                if err:
                    error = err
                    break
            expected = sum(seen.values())
            if error is None:
                if max_un is not None:
                    pct = _pct(max_un)
                    mu = int(math.ceil(pct * expected)) if pct is not None else int(max_un)
                    desired = max(0, expected - mu)
                else:
                    pct = _pct(min_av)
                    desired = int(math.ceil((pct or 0) * expected))
        ts = now_ts()
        gen = pdb["metadata"].get("generation", 1)
        if error is not None:
            status: dict[str, Any] = {"observedGeneration": gen, "disruptionsAllowed": 0,
                                      "currentHealthy": healthy, "desiredHealthy": 0, "expectedPods": 0}
            cond = {"type": "DisruptionAllowed", "status": "False", "reason": "SyncFailed", "message": error,
                    "observedGeneration": gen}
        else:
            allowed = healthy - desired
            if expected <= 0 or allowed <= 0:
                allowed = 0
            status = {"observedGeneration": gen, "disruptionsAllowed": allowed, "currentHealthy": healthy,
                      "desiredHealthy": desired, "expectedPods": expected}
            cond = {"type": "DisruptionAllowed", "status": "True" if allowed > 0 else "False",
                    "reason": "SufficientPods" if allowed > 0 else "InsufficientPods", "message": "",
                    "observedGeneration": gen}
        if disrupted:
            status["disruptedPods"] = disrupted
        prev = next((c for c in old.get("conditions") or [] if c.get("type") == "DisruptionAllowed"), None)
        cond["lastTransitionTime"] = prev["lastTransitionTime"] if prev and prev.get("status") == cond["status"] \
            and prev.get("lastTransitionTime") else ts
        status["conditions"] = [cond]
        if next_expiry is not None:
            self.enqueue_after(max(0.0, next_expiry - now) + 0.05, key, scale=False)
        if status == old:
            return
        self.store.mutate("poddisruptionbudgets", ns, name, lambda o: o.__setitem__("status", status),
                          subresource="status")
