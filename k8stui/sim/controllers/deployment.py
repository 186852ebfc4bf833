"""Deployment controller: ReplicaSets per pod template, rolling updates, status and conditions.

The ReplicaSet for the current template is found by comparing templates without the
`pod-template-hash` label (as `EqualIgnoreHash` does), so ReplicaSets made elsewhere (generated
clusters, rollbacks to an old template) are reused; a new one is named `<deployment>-<hash>`.
RollingUpdate follows the real reconcileNewReplicaSet / reconcileOldReplicaSets arithmetic with
maxSurge and maxUnavailable; Recreate scales old ReplicaSets to zero first. Revisions are kept in
`deployment.kubernetes.io/revision` annotations, old ReplicaSets beyond revisionHistoryLimit are
deleted.
"""

from __future__ import annotations

import copy
import re
import time
from typing import Any

from k8stui.sim.controllers.base import OwnerController
from k8stui.sim.controllers.util import (
    entry_active,
    entry_generation,
    entry_status,
    int_or_percent,
    owner_ref,
    parse_ts,
    template_hash,
)
from k8stui.sim.store import Entry

REV = "deployment.kubernetes.io/revision"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX = "deployment.kubernetes.io/max-replicas"
HASH = "pod-template-hash"
_SPEC_REPLICAS_RE = re.compile(rb'"spec":\{"replicas":(\d+)')


def _strip_hash(template: dict) -> dict:
    t = copy.deepcopy(template or {})
    labels = (t.get("metadata") or {}).get("labels")
    if labels and HASH in labels:
        del labels[HASH]
        if not labels:
            del t["metadata"]["labels"]
    if "metadata" in t and not t["metadata"]:
        del t["metadata"]
    return t


def equal_ignore_hash(a: dict, b: dict) -> bool:
    return _strip_hash(a) == _strip_hash(b)


def _rev(rs: dict) -> int:
    try:
        return int(((rs.get("metadata") or {}).get("annotations") or {}).get(REV, "0"))
    except ValueError:
        return 0


def _replicas(obj: dict) -> int:
    r = (obj.get("spec") or {}).get("replicas")
    return 1 if r is None else int(r)


def _st(obj: dict, field: str) -> int:
    return int((obj.get("status") or {}).get(field) or 0)


class DeploymentController(OwnerController):
    name = "deployment"
    owner_kind = "Deployment"
    resources = ("deployments", "replicasets")
    component = "deployment-controller"

    def looks_settled(self, e: Entry) -> bool:
        """Already observed and fully rolled out (generated clusters): nothing to do at start."""
        st = entry_status(e)
        want = st.get("replicas", -1)
        if st.get("observedGeneration") != entry_generation(e) or not st.get("conditions"):
            return False
        if st.get("updatedReplicas", 0) != want or st.get("availableReplicas", 0) != want:
            return False
        m = _SPEC_REPLICAS_RE.search(e.raw)
        return m is not None and int(m.group(1)) == want

    # ---- sync ------------------------------------------------------------------------------

    def sync(self, key: Any) -> None:
        ns, name = key
        d = self.store.try_get("deployments", ns, name)
        if d is None or d["metadata"].get("deletionTimestamp"):
            return
        spec = d.get("spec") or {}
        template = spec.get("template") or {}
        rss = self._replica_sets(d)
        new_rs = None
        for rs in sorted(rss, key=lambda r: r["metadata"].get("creationTimestamp", "")):
            if equal_ignore_hash((rs.get("spec") or {}).get("template") or {}, template):
                new_rs = rs
                break
        olds = [r for r in rss if r is not new_rs]
        created = False
        if not spec.get("paused"):
            if new_rs is None:
                new_rs = self._create_rs(d, olds)
                created = new_rs is not None
                if new_rs is None:
                    return
            else:
                new_rs = self._ensure_revision(d, new_rs, olds)
            if (spec.get("strategy") or {}).get("type") == "Recreate":
                self._recreate(d, new_rs, olds)
            else:
                self._rolling(d, new_rs, olds)
            self._cleanup(d, new_rs)
        self._update_status(d, created)

    def _replica_sets(self, d: dict) -> list[dict]:
        out = []
        for e in self.index.controlled_entries(d["metadata"]["uid"], "replicasets"):
            try:
                out.append(e.obj())
            except ValueError:
                continue
        return out

    def _surge_unavailable(self, d: dict) -> tuple[int, int]:
        replicas = _replicas(d)
        strat = (d.get("spec") or {}).get("strategy") or {}
        if strat.get("type") == "Recreate":
            return 0, 0
        ru = strat.get("rollingUpdate") or {}
        surge = int_or_percent(ru.get("maxSurge", "25%"), replicas, True)
        unavail = int_or_percent(ru.get("maxUnavailable", "25%"), replicas, False)
        if surge == 0 and unavail == 0:
            unavail = 1
        return surge, unavail

    def _create_rs(self, d: dict, olds: list[dict]) -> dict | None:
        spec = d.get("spec") or {}
        template = copy.deepcopy(spec.get("template") or {})
        replicas = _replicas(d)
        surge, _ = self._surge_unavailable(d)
        collision = int((d.get("status") or {}).get("collisionCount") or 0)
        for _ in range(5):
            h = template_hash(template, collision)
            rs_name = f"{d['metadata']['name']}-{h}"
            if self.store.entry("replicasets", d["metadata"]["namespace"], rs_name) is None:
                break
            collision += 1
        else:
            return None
        if collision != int((d.get("status") or {}).get("collisionCount") or 0):
            self.store.mutate("deployments", d["metadata"]["namespace"], d["metadata"]["name"],
                              lambda o: o.setdefault("status", {}).__setitem__("collisionCount", collision),
                              subresource="status")
        tmeta = template.setdefault("metadata", {})
        tmeta["labels"] = {**(tmeta.get("labels") or {}), HASH: h}
        selector = copy.deepcopy(spec.get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH: h}
        # initial size: what RollingUpdate allows right now (Recreate waits for old pods)
        if (spec.get("strategy") or {}).get("type") == "Recreate":
            size = 0 if any(_replicas(r) > 0 for r in olds) else replicas
        else:
            current = sum(_replicas(r) for r in olds)
            size = max(0, min(replicas + surge - current, replicas))
        revision = max([_rev(r) for r in olds] + [0]) + 1
        rs_spec: dict[str, Any] = {"replicas": size, "selector": selector, "template": template}
        if spec.get("minReadySeconds"):
            rs_spec["minReadySeconds"] = spec["minReadySeconds"]
        rs = self.store.create("replicasets", {
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": rs_name, "namespace": d["metadata"]["namespace"],
                         "labels": dict(tmeta["labels"]),
                         "annotations": {DESIRED: str(replicas), MAX: str(replicas + surge), REV: str(revision)},
                         "ownerReferences": [owner_ref(d)]},
            "spec": rs_spec,
        })
        rs = self.mgr.backdate(rs, d)
        if size > 0:
            self.recorder.record(d, "Normal", "ScalingReplicaSet",
                                 f"Scaled up replica set {rs_name} from 0 to {size}", self.component)
        self._set_deployment_revision(d, str(revision))
        return rs

    def _ensure_revision(self, d: dict, rs: dict, olds: list[dict]) -> dict:
        max_old = max([_rev(r) for r in olds] + [0])
        rev = _rev(rs)
        if rev <= max_old:
            rev = max_old + 1
            rs = self.store.mutate("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"],
                                   lambda o: o["metadata"].setdefault("annotations", {}).__setitem__(REV, str(rev)))
        self._set_deployment_revision(d, str(rev))
        return rs

    def _set_deployment_revision(self, d: dict, rev: str) -> None:
        if ((d["metadata"].get("annotations") or {}).get(REV)) == rev:
            return
        self.store.mutate("deployments", d["metadata"]["namespace"], d["metadata"]["name"],
                          lambda o: o["metadata"].setdefault("annotations", {}).__setitem__(REV, rev))

    def _scale(self, d: dict, rs: dict, n: int) -> dict:
        old = _replicas(rs)
        surge, _ = self._surge_unavailable(d)
        want = _replicas(d)

        def fn(o: dict) -> None:
            o["spec"]["replicas"] = n
            ann = o["metadata"].setdefault("annotations", {})
            ann[DESIRED] = str(want)
            ann[MAX] = str(want + surge)

        out = self.store.mutate("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"], fn)
        if n != old:
            verb = "up" if n > old else "down"
            self.recorder.record(d, "Normal", "ScalingReplicaSet",
                                 f"Scaled {verb} replica set {rs['metadata']['name']} from {old} to {n}",
                                 self.component)
        return out

    def _rolling(self, d: dict, new_rs: dict, olds: list[dict]) -> None:
        replicas = _replicas(d)
        surge, unavail = self._surge_unavailable(d)
        # reconcileNewReplicaSet
        new_n = _replicas(new_rs)
        if new_n > replicas:
            new_rs = self._scale(d, new_rs, replicas)
        elif new_n < replicas:
            total = new_n + sum(_replicas(r) for r in olds)
            max_total = replicas + surge
            if total < max_total:
                up = min(max_total - total, replicas - new_n)
                if up > 0:
                    new_rs = self._scale(d, new_rs, new_n + up)
        # reconcileOldReplicaSets
        old_count = sum(_replicas(r) for r in olds)
        if old_count == 0:
            return
        all_count = _replicas(new_rs) + old_count
        min_available = replicas - unavail
        new_unavailable = _replicas(new_rs) - _st(new_rs, "availableReplicas")
        max_scaled_down = all_count - min_available - new_unavailable
        if max_scaled_down <= 0:
            return
        olds = sorted(olds, key=lambda r: r["metadata"].get("creationTimestamp", ""))
        # cleanupUnhealthyReplicas: old pods that are not available go first
        cleaned = 0
        fresh = []
        for rs in olds:
            if cleaned >= max_scaled_down:
                fresh.append(rs)
                continue
            n = _replicas(rs)
            unhealthy = n - _st(rs, "availableReplicas")
            if n == 0 or unhealthy <= 0:
                fresh.append(rs)
                continue
            down = min(max_scaled_down - cleaned, unhealthy)
            rs = self._scale(d, rs, n - down)
            cleaned += down
            fresh.append(rs)
        max_scaled_down -= cleaned
        if max_scaled_down <= 0:
            return
        # scaleDownOldReplicaSetsForRollingUpdate
        available = _st(new_rs, "availableReplicas") + sum(_st(r, "availableReplicas") for r in fresh)
        if available <= min_available:
            return
        budget = min(available - min_available, max_scaled_down)
        for rs in fresh:
            if budget <= 0:
                break
            n = _replicas(rs)
            if n == 0:
                continue
            down = min(n, budget)
            self._scale(d, rs, n - down)
            budget -= down

    def _recreate(self, d: dict, new_rs: dict, olds: list[dict]) -> None:
        for rs in olds:
            if _replicas(rs) > 0:
                self._scale(d, rs, 0)
        for rs in olds:
            if any(entry_active(e) for e in self.index.controlled_entries(rs["metadata"]["uid"], "pods")):
                return  # wait for old pods to be gone
        if _replicas(new_rs) != _replicas(d):
            self._scale(d, new_rs, _replicas(d))

    def _cleanup(self, d: dict, new_rs: dict) -> None:
        limit = (d.get("spec") or {}).get("revisionHistoryLimit", 10)
        if limit is None:
            return
        rss = [r for r in self._replica_sets(d) if r["metadata"]["uid"] != new_rs["metadata"]["uid"]]
        idle = [r for r in rss if _replicas(r) == 0 and _st(r, "replicas") == 0
                and not r["metadata"].get("deletionTimestamp")]
        excess = len(rss) - int(limit)
        for rs in sorted(idle, key=_rev)[:max(0, excess)]:
            try:
                self.store.delete("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"])
            except Exception:
                pass

    # ---- status ----------------------------------------------------------------------------

    def _update_status(self, d: dict, created_new: bool) -> None:
        ns, name = d["metadata"]["namespace"], d["metadata"]["name"]
        d = self.store.try_get("deployments", ns, name) or d
        spec = d.get("spec") or {}
        template = spec.get("template") or {}
        rss = self._replica_sets(d)
        new_rs = next((r for r in sorted(rss, key=lambda r: r["metadata"].get("creationTimestamp", ""))
                       if equal_ignore_hash((r.get("spec") or {}).get("template") or {}, template)), None)
        replicas = _replicas(d)
        _, unavail = self._surge_unavailable(d)
        total_spec = sum(_replicas(r) for r in rss)
        actual = sum(_st(r, "replicas") for r in rss)
        updated = _st(new_rs, "replicas") if new_rs else 0
        ready = sum(_st(r, "readyReplicas") for r in rss)
        available = sum(_st(r, "availableReplicas") for r in rss)
        old = d.get("status") or {}
        status: dict[str, Any] = {"observedGeneration": d["metadata"].get("generation", 1)}
        for k, v in (("replicas", actual), ("updatedReplicas", updated), ("readyReplicas", ready),
                     ("availableReplicas", available), ("unavailableReplicas", max(0, total_spec - available))):
            if v:
                status[k] = v
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        ts = self.mgr.ts_for(d)
        conds = {c.get("type"): c for c in old.get("conditions") or []}
        avail_ok = available >= replicas - unavail
        self._cond(conds, "Available", "True" if avail_ok else "False",
                   "MinimumReplicasAvailable" if avail_ok else "MinimumReplicasUnavailable",
                   "Deployment has minimum availability." if avail_ok else
                   "Deployment does not have minimum availability.", ts)
        rs_name = new_rs["metadata"]["name"] if new_rs else ""
        counts_changed = any(old.get(k, 0) != status.get(k, 0) for k in
                             ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"))
        complete = (new_rs is not None and updated == replicas and available == replicas and actual == replicas
                    and total_spec == replicas)
        prog = conds.get("Progressing")
        if spec.get("paused"):
            self._cond(conds, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", ts)
        elif complete:
            self._cond(conds, "Progressing", "True", "NewReplicaSetAvailable",
                       f'ReplicaSet "{rs_name}" has successfully progressed.', ts)
        elif created_new:
            self._cond(conds, "Progressing", "True", "NewReplicaSetCreated", f'Created new replica set "{rs_name}"',
                       ts, force=True)
        elif counts_changed or prog is None or prog.get("reason") in ("DeploymentPaused", "NewReplicaSetAvailable"):
            reason = "DeploymentResumed" if prog and prog.get("reason") == "DeploymentPaused" else "ReplicaSetUpdated"
            msg = "Deployment is resumed" if reason == "DeploymentResumed" else f'ReplicaSet "{rs_name}" is progressing.'
            self._cond(conds, "Progressing", "True", reason, msg, ts, force=True)
        else:
            deadline = spec.get("progressDeadlineSeconds")
            last = parse_ts(prog.get("lastUpdateTime")) if prog else None
            if deadline is not None and last is not None and prog.get("status") == "True" and not self.mgr.warming:
                if time.time() > last + int(deadline):
                    self._cond(conds, "Progressing", "False", "ProgressDeadlineExceeded",
                               f'ReplicaSet "{rs_name}" has timed out progressing.', ts)
                else:
                    self.enqueue_after(last + int(deadline) - time.time() + 1, (ns, name), scale=False)
        order = ["Available", "Progressing"]
        status["conditions"] = [conds[t] for t in order if t in conds] + [
            c for t, c in conds.items() if t not in order]
        if status == old:
            return
        self.store.mutate("deployments", ns, name, lambda o: o.__setitem__("status", status), subresource="status")

    @staticmethod
    def _cond(conds: dict, ctype: str, status: str, reason: str, message: str, ts: str, force: bool = False) -> None:
        prev = conds.get(ctype)
        if prev is not None and prev.get("status") == status and prev.get("reason") == reason \
                and prev.get("message") == message and not force:
            return
        c = {"type": ctype, "status": status, "lastUpdateTime": ts,
             "lastTransitionTime": prev.get("lastTransitionTime", ts) if prev and prev.get("status") == status else ts,
             "reason": reason, "message": message}
        if prev is not None and {k: v for k, v in prev.items() if k != "lastUpdateTime"} == \
                {k: v for k, v in c.items() if k != "lastUpdateTime"} and prev.get("lastUpdateTime") == ts:
            return
        conds[ctype] = c
