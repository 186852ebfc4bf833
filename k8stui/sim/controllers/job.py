"""Job controller: runs pods until `completions` succeed, then marks the Job Complete.

Up to `parallelism` pods run at once (never more than the completions still missing); succeeded
pods are counted (the kubelet stand-in finishes Job pods), and a Job whose succeeded count reaches
`completions` gets `completionTime` and the conditions SuccessCriteriaMet and Complete, as
Kubernetes 1.31+ sets them. Failed pods count against backoffLimit (Failed/BackoffLimitExceeded).
Suspended Jobs delete their active pods. ttlSecondsAfterFinished deletes finished Jobs.
"""

from __future__ import annotations

import time
from typing import Any

from k8stui.sim.controllers.base import OwnerController
from k8stui.sim.controllers.replicaset import pod_from_template
from k8stui.sim.controllers.util import entry_deleting, entry_phase, entry_ready, parse_ts

UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")


def _finished(job: dict) -> str | None:
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
            return c["type"]
    return None


class JobController(OwnerController):
    name = "job"
    owner_kind = "Job"
    resources = ("jobs", "pods")
    component = "job-controller"

    def _fix_selector(self, job: dict) -> dict:
        """Generated selector/labels must carry the Job's uid (see defaults: the uid may not be known
        when defaulting runs)."""
        spec = job.get("spec") or {}
        if spec.get("manualSelector"):
            return job
        uid = job["metadata"]["uid"]
        sel = (spec.get("selector") or {}).get("matchLabels") or {}
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        if sel.get(UID_LABELS[0]) == uid and labels.get(UID_LABELS[0]) == uid:
            return job
        name = job["metadata"]["name"]

        def fn(o: dict) -> None:
            s = o.setdefault("spec", {})
            s["selector"] = {"matchLabels": {UID_LABELS[0]: uid}}
            tm = s.setdefault("template", {}).setdefault("metadata", {})
            lab = dict(tm.get("labels") or {})
            lab[UID_LABELS[0]] = uid
            lab[NAME_LABELS[0]] = name
            lab[UID_LABELS[1]] = uid
            lab[NAME_LABELS[1]] = name
            tm["labels"] = lab
            ml = o["metadata"].get("labels") or {}
            if not ml or set(ml) <= set(UID_LABELS + NAME_LABELS):
                o["metadata"]["labels"] = {UID_LABELS[0]: uid, NAME_LABELS[0]: name,
                                           UID_LABELS[1]: uid, NAME_LABELS[1]: name}

        return self.store.mutate("jobs", job["metadata"]["namespace"], name, fn, subresource="status")

    def sync(self, key: Any) -> None:
        ns, name = key
        job = self.store.try_get("jobs", ns, name)
        if job is None or job["metadata"].get("deletionTimestamp"):
            return
        job = self._fix_selector(job)
        spec = job.get("spec") or {}
        done = _finished(job)
        if done:
            self._ttl(job)
            return
        pods = self.index.controlled_entries(job["metadata"]["uid"], "pods")
        active = [e for e in pods if not entry_deleting(e) and entry_phase(e) not in ("Succeeded", "Failed")]
        succeeded = sum(1 for e in pods if entry_phase(e) == "Succeeded")
        failed = sum(1 for e in pods if entry_phase(e) == "Failed")
        completions = spec.get("completions")
        parallelism = 1 if spec.get("parallelism") is None else int(spec["parallelism"])
        backoff = 6 if spec.get("backoffLimit") is None else int(spec["backoffLimit"])
        old = job.get("status") or {}
        status: dict[str, Any] = {k: v for k, v in old.items() if k in ("startTime", "conditions",
                                                                          "completionTime")}
        ts = self.mgr.ts_for(job)
        conds = list(status.get("conditions") or [])
        suspended = bool(spec.get("suspend"))
        if suspended:
            for e in active:
                self._delete_pod(job, e.namespace, e.name)
            active = []
        elif "startTime" not in status:
            status["startTime"] = ts
        complete = False
        if completions is not None and succeeded >= int(completions):
            complete = True
        elif completions is None and succeeded > 0 and not active:
            complete = True
        if complete:
            for e in active:
                self._delete_pod(job, e.namespace, e.name)
            active = []
            for t in ("SuccessCriteriaMet", "Complete"):
                if not any(c.get("type") == t for c in conds):
                    conds.append({"type": t, "status": "True", "lastProbeTime": ts, "lastTransitionTime": ts,
                                  "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"})
            status["completionTime"] = ts
            self.recorder.record(job, "Normal", "Completed", "Job completed", self.component)
        elif failed > backoff:
            for e in active:
                self._delete_pod(job, e.namespace, e.name)
            active = []
            for t in ("FailureTarget", "Failed"):
                if not any(c.get("type") == t for c in conds):
                    conds.append({"type": t, "status": "True", "lastProbeTime": ts, "lastTransitionTime": ts,
                                  "reason": "BackoffLimitExceeded",
                                  "message": "Job has reached the specified backoff limit"})
            self.recorder.record(job, "Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit",
                                 self.component)
        elif not suspended:
            remaining = (int(completions) - succeeded) if completions is not None else parallelism
            want = max(0, min(parallelism, remaining))
            template = spec.get("template") or {}
            for _ in range(want - len(active)):
                pod = self.mgr.backdate(self.store.create("pods", pod_from_template(template, job)), job)
                self.recorder.record(job, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}",
                                     self.component)
            active = [e for e in self.index.controlled_entries(job["metadata"]["uid"], "pods")
                      if not entry_deleting(e) and entry_phase(e) not in ("Succeeded", "Failed")]
        if conds:
            status["conditions"] = conds
        if active:
            status["active"] = len(active)
        if succeeded:
            status["succeeded"] = succeeded
        if failed:
            status["failed"] = failed
        status["ready"] = sum(1 for e in active if entry_ready(e))
        status["terminating"] = sum(1 for e in pods if entry_deleting(e))
        status["uncountedTerminatedPods"] = {}
        if old != status:
            self.store.mutate("jobs", ns, name, lambda o: o.__setitem__("status", status), subresource="status")

    def _delete_pod(self, job: dict, ns: str, name: str) -> None:
        try:
            self.store.delete("pods", ns, name)
            self.recorder.record(job, "Normal", "SuccessfulDelete", f"Deleted pod: {name}", self.component)
        except Exception:
            pass

    def _ttl(self, job: dict) -> None:
        ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
        if ttl is None:
            return
        st = job.get("status") or {}
        finished = parse_ts(st.get("completionTime")) or max(
            (parse_ts(c.get("lastTransitionTime")) or 0 for c in st.get("conditions") or []), default=0)
        left = finished + int(ttl) - time.time()
        ns, name = job["metadata"]["namespace"], job["metadata"]["name"]
        if left <= 0:
            try:
                self.store.delete("jobs", ns, name)
            except Exception:
                pass
        else:
            self.enqueue_after(left + 0.05, (ns, name), scale=False)

