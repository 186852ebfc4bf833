"""Pod status as a kubelet reports it, at each stage of a pod's life.

Shared by the kubelet stand-in (which moves pods through the stages) and the scenario generator
(which creates pods that are already running), so both produce the same shapes.
"""

from __future__ import annotations

import hashlib
from typing import Any


def _cond(t: str, status: str, ts: str, reason: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"type": t, "status": status, "lastProbeTime": None, "lastTransitionTime": ts}
    if reason:
        c["reason"] = reason
    return c


def _container_id(pod_uid: str, name: str, restart: int = 0) -> str:
    return "containerd://" + hashlib.sha256(f"{pod_uid}/{name}/{restart}".encode()).hexdigest()


def _image_id(image: str) -> str:
    repo = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    return f"{repo}@sha256:" + hashlib.sha256(image.encode()).hexdigest()


def qos_class(pod: dict) -> str:
    containers = (pod.get("spec") or {}).get("containers") or []
    any_req = False
    guaranteed = bool(containers)
    for c in containers:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if req or lim:
            any_req = True
        for r in ("cpu", "memory"):
            if not lim.get(r) or (req.get(r) and req.get(r) != lim.get(r)):
                guaranteed = False
    if guaranteed and any_req:
        return "Guaranteed"
    return "Burstable" if any_req else "BestEffort"


def pending(pod: dict, ts: str, host_ip: str | None = None) -> dict[str, Any]:
    """Scheduled and accepted by the kubelet; containers being created."""
    spec = pod.get("spec") or {}
    init = spec.get("initContainers") or []
    status: dict[str, Any] = {
        "phase": "Pending",
        "conditions": [
            _cond("PodReadyToStartContainers", "False", ts),
            _cond("Initialized", "False" if init else "True", ts, "ContainersNotInitialized" if init else None),
            _cond("Ready", "False", ts, "ContainersNotReady"),
            _cond("ContainersReady", "False", ts, "ContainersNotReady"),
            _cond("PodScheduled", "True", ts),
        ],
        "qosClass": qos_class(pod),
        "startTime": ts,
    }
    if host_ip:
        status["hostIP"] = host_ip
        status["hostIPs"] = [{"ip": host_ip}]
    waiting_reason = "PodInitializing" if init else "ContainerCreating"
    status["containerStatuses"] = [{
        "name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": False, "restartCount": 0,
        "started": False, "state": {"waiting": {"reason": waiting_reason}},
    } for c in spec.get("containers") or []]
    if init:
        status["initContainerStatuses"] = [{
            "name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": False, "restartCount": 0,
            "started": False, "state": {"waiting": {"reason": "PodInitializing"}},
        } for c in init]
    return status


def running(pod: dict, ts: str, host_ip: str, pod_ip: str, ready: bool = True) -> dict[str, Any]:
    spec = pod.get("spec") or {}
    uid = (pod.get("metadata") or {}).get("uid", "")
    flag = "True" if ready else "False"
    status: dict[str, Any] = {
        "phase": "Running",
        "conditions": [
            _cond("PodReadyToStartContainers", "True", ts),
            _cond("Initialized", "True", ts),
            _cond("Ready", flag, ts, None if ready else "ContainersNotReady"),
            _cond("ContainersReady", flag, ts, None if ready else "ContainersNotReady"),
            _cond("PodScheduled", "True", ts),
        ],
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "qosClass": qos_class(pod),
        "startTime": ts,
    }
    status["containerStatuses"] = [{
        "containerID": _container_id(uid, c["name"]), "image": c.get("image", ""),
        "imageID": _image_id(c.get("image", "")), "lastState": {}, "name": c["name"], "ready": ready,
        "restartCount": 0, "started": True, "state": {"running": {"startedAt": ts}},
    } for c in spec.get("containers") or []]
    init = spec.get("initContainers") or []
    if init:
        status["initContainerStatuses"] = [_init_done(uid, c, ts) for c in init]
    return status


def _init_done(uid: str, c: dict, ts: str) -> dict[str, Any]:
    sidecar = c.get("restartPolicy") == "Always"
    state = {"running": {"startedAt": ts}} if sidecar else {"terminated": {
        "containerID": _container_id(uid, c["name"]), "exitCode": 0, "finishedAt": ts, "reason": "Completed",
        "startedAt": ts}}
    return {"containerID": _container_id(uid, c["name"]), "image": c.get("image", ""),
            "imageID": _image_id(c.get("image", "")), "lastState": {}, "name": c["name"], "ready": sidecar,
            "restartCount": 0, "started": sidecar, "state": state}


def succeeded(pod: dict, ts: str, host_ip: str, pod_ip: str | None = None) -> dict[str, Any]:
    """A run-to-completion pod whose containers all exited 0 (what `Completed` prints from)."""
    spec = pod.get("spec") or {}
    uid = (pod.get("metadata") or {}).get("uid", "")
    status: dict[str, Any] = {
        "phase": "Succeeded",
        "conditions": [
            _cond("PodReadyToStartContainers", "False", ts),
            _cond("Initialized", "True", ts),
            _cond("Ready", "False", ts, "PodCompleted"),
            _cond("ContainersReady", "False", ts, "PodCompleted"),
            _cond("PodScheduled", "True", ts),
        ],
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "qosClass": qos_class(pod),
        "startTime": ts,
    }
    if pod_ip:
        status["podIP"] = pod_ip
        status["podIPs"] = [{"ip": pod_ip}]
    status["containerStatuses"] = [{
        "containerID": _container_id(uid, c["name"]), "image": c.get("image", ""),
        "imageID": _image_id(c.get("image", "")), "lastState": {}, "name": c["name"], "ready": False,
        "restartCount": 0, "started": False,
        "state": {"terminated": {"containerID": _container_id(uid, c["name"]), "exitCode": 0,
                                 "finishedAt": ts, "reason": "Completed", "startedAt": ts}},
    } for c in spec.get("containers") or []]
    return status


def terminated_all(pod: dict, ts: str) -> dict[str, Any]:
    """Containers stopped after a graceful deletion: what the kubelet reports just before removal."""
    status = dict(pod.get("status") or {})
    uid = (pod.get("metadata") or {}).get("uid", "")
    cs = []
    for c in status.get("containerStatuses") or []:
        c = dict(c)
        c["ready"] = False
        c["started"] = False
        c["state"] = {"terminated": {"containerID": c.get("containerID", _container_id(uid, c["name"])),
                                     "exitCode": 0, "finishedAt": ts, "reason": "Completed",
                                     "startedAt": (c.get("state", {}).get("running") or {}).get("startedAt", ts)}}
        cs.append(c)
    if cs:
        status["containerStatuses"] = cs
    return status
