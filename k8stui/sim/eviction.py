"""The pods/eviction subresource, with the apiserver's PodDisruptionBudget rules.

Mirrors `pkg/registry/core/pod/storage/eviction.go`: terminal, pending and already-deleting pods
are evicted without consulting budgets; more than one matching budget is a 500; a budget whose
`disruptionsAllowed` is 0 answers 429 TooManyRequests with the text kubectl prints; otherwise the
budget's allowance is spent (recorded in `status.disruptedPods`) before the pod is deleted, so
concurrent evictions cannot overspend it.
"""

from __future__ import annotations

from typing import Any

from k8stui.sim import errors
from k8stui.sim.errors import ApiError
from k8stui.kube.selectors import selector_from_spec
from k8stui.sim.store import Store, now_rfc3339

DISRUPTION_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget."


def _is_ready(pod: dict) -> bool:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def matching_pdbs(store: Store, pod: dict) -> list[dict]:
    ns = pod["metadata"].get("namespace", "")
    labels = pod["metadata"].get("labels") or {}
    out = []
    for pdb in store.objects("poddisruptionbudgets", ns):
        sel = selector_from_spec((pdb.get("spec") or {}).get("selector"))
        if sel.matches(labels):
            out.append(pdb)
    return out


def evict(store: Store, namespace: str, name: str, body: dict, dry_run: bool = False) -> dict[str, Any]:
    if body.get("kind") not in (None, "Eviction"):
        raise errors.bad_request(f'the kind in the data ({body.get("kind")}) is not an Eviction')
    ev_name = (body.get("metadata") or {}).get("name")
    if ev_name and ev_name != name:
        raise errors.bad_request(f"name in URL does not match name in Eviction object")
    pod = store.get("pods", namespace, name)
    opts = body.get("deleteOptions") or {}
    grace = opts.get("gracePeriodSeconds")
    dry = dry_run or "All" in (opts.get("dryRun") or [])
    ok = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed", "Pending") or pod["metadata"].get("deletionTimestamp"):
        store.delete("pods", namespace, name, grace, opts.get("preconditions"), dry)
        return ok
    pdbs = matching_pdbs(store, pod)
    if len(pdbs) > 1:
        raise ApiError(500, "This pod has more than one PodDisruptionBudget, which the eviction "
                       "subresource does not support.", "")
    if pdbs:
        pdb = pdbs[0]
        status = pdb.get("status") or {}
        pdb_name = pdb["metadata"]["name"]
        if status.get("observedGeneration", 0) < pdb["metadata"].get("generation", 1):
            raise ApiError(429, DISRUPTION_MESSAGE, "TooManyRequests", details={"causes": [{
                "reason": "DisruptionBudget",
                "message": f"The disruption budget {pdb_name} is still being processed by the server."}]})
        healthy_enough = status.get("currentHealthy", 0) >= status.get("desiredHealthy", 0) > 0
        policy = (pdb.get("spec") or {}).get("unhealthyPodEvictionPolicy", "IfHealthyBudget")
        unhealthy_ok = not _is_ready(pod) and (policy == "AlwaysAllow" or healthy_enough)
        if not unhealthy_ok:
            if status.get("disruptionsAllowed", 0) <= 0:
                raise ApiError(429, DISRUPTION_MESSAGE, "TooManyRequests", details={"causes": [{
                    "reason": "DisruptionBudget",
                    "message": f"The disruption budget {pdb_name} needs {status.get('desiredHealthy', 0)} "
                               f"healthy pods and has {status.get('currentHealthy', 0)} currently"}]})
            if not dry:
                def spend(o: dict) -> None:
                    st = o.setdefault("status", {})
                    st["disruptionsAllowed"] = max(0, st.get("disruptionsAllowed", 0) - 1)
                    st.setdefault("disruptedPods", {})[name] = now_rfc3339(store.clock())

                store.mutate("poddisruptionbudgets", namespace, pdb_name, spend, subresource="status")
    store.delete("pods", namespace, name, grace, opts.get("preconditions"), dry)
    return ok
