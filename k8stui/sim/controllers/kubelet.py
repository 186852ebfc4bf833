"""The kubelet stand-in: one logical kubelet per simulated node, all run by one task.

Pods bound to a simulated node go Pending/ContainerCreating, then Running and Ready, after scaled
delays (about 0.2 s and 1.4 s at speed 1.0); Job pods then run to completion (3 s) and go
Succeeded. Pods being deleted have their containers stopped after min(grace, 2 s), then are removed
with `store.finish_pod_deletion`. Mirror pods (static pods) are never started or stopped, and are
recreated about a second after someone deletes them, as a real kubelet does.

Node side: leases in kube-node-lease are renewed every 10 s (scaled; at least every 0.5 s of real
time) and the node's condition heartbeats every 60 s (scaled), for clusters of at most 500 nodes
(generated large clusters have no simulated nodes). `restart_kubelet`, `stop_kubelet`,
`start_kubelet` and `set_node_ready` move a node through NotReady/Unknown and back, with the taints
and events the node lifecycle controller and kubelet produce.

Pods bound to a node that is not simulated (or unknown) are left exactly as written.
"""

from __future__ import annotations

import asyncio
import copy
import ipaddress
import logging
from typing import Any

from k8stui.sim import podstatus
from k8stui.sim.controllers.base import Controller
from k8stui.sim.controllers.index import Change
from k8stui.sim.controllers.util import (
    is_mirror,
    micro_ts,
    now_ts,
    pod_ready,
)
from k8stui.sim.scenario import node_conditions
from k8stui.sim.store import now_rfc3339

log = logging.getLogger("k8stui.sim.controllers")

ACCEPT_DELAY = 0.2  # bound -> ContainerCreating
START_DELAY = 1.2  # ContainerCreating -> Running
READY_DELAY = 0.3  # Running (not ready, no probe delay) -> Ready
JOB_RUN_TIME = 3.0  # Running -> Succeeded for Job pods
MAX_STOP_TIME = 2.0  # containers stop within min(grace, this)
STATIC_RECREATE_DELAY = 1.0
RESTART_NOT_READY = 2.0  # a restarted kubelet reports NotReady this long
NODE_MONITOR_GRACE = 40.0  # kubelet silent this long: node controller marks the node Unknown
LEASE_PERIOD = 10.0
STATUS_PERIOD = 60.0
MAX_HEARTBEAT_NODES = 500

UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"


KUBELET_CONDITIONS = frozenset({"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                                "PodScheduled", "DisruptionTarget"})


class KNode:
    __slots__ = ("name", "ip", "net", "next_ip", "running", "images", "epoch", "spec")

    def __init__(self, spec: Any):
        self.spec = spec
        self.name = spec.name
        self.ip = spec.internal_ip
        self.net: ipaddress.IPv4Network | None = None
        self.next_ip = 2
        self.running = bool(spec.ready)
        self.images: set[str] = set()
        self.epoch = 0  # bumped on every kubelet stop/start, to cancel stale transitions


class Kubelet(Controller):
    name = "kubelet"
    resources = ("pods", "nodes")
    component = "kubelet"

    def __init__(self, mgr: Any):
        super().__init__(mgr)
        sc = mgr.sim.scenario
        self.knodes: dict[str, KNode] = {n.name: KNode(n) for n in sc.nodes if n.simulated}
        self.heartbeat = len(sc.nodes) <= MAX_HEARTBEAT_NODES
        self.plan: dict[tuple[str, str], tuple[str, str, float]] = {}
        self.static: dict[tuple[str, str], dict] = {}
        self.forgotten: set[tuple[str, str]] = set()
        self._cordoned: dict[str, bool] = {}

    # ---- events ----------------------------------------------------------------------------

    def on_event(self, ch: Change) -> None:
        ev = ch.ev
        e = ev.entry
        if ev.resource == "nodes":
            kn = self.knodes.get(e.name)
            if kn is None or ev.type == "DELETED":
                return
            info = self.index.nodes.get(e.name)
            if info is None:
                return
            prev = self._cordoned.get(e.name)
            self._cordoned[e.name] = info.unschedulable
            if prev is not None and prev != info.unschedulable:
                self.enqueue(("cordon-event", e.name, info.unschedulable))
            return
        node = ch.node or ch.old_node
        if node not in self.knodes:
            if self.mgr.finish_unsimulated_deletions and node and ev.type != "DELETED" \
                    and b'"deletionTimestamp":"' in e.raw and b'"kubernetes.io/config.mirror"' not in e.raw:
                self.enqueue_after(MAX_STOP_TIME, ("reap", e.namespace, e.name))
            return
        key = (e.namespace, e.name)
        if ev.type == "DELETED":
            self.plan.pop(key, None)
            if key in self.static and key not in self.forgotten:
                self.enqueue_after(STATIC_RECREATE_DELAY, ("recreate", e.namespace, e.name))
            return
        if b'"kubernetes.io/config.mirror"' in e.raw:
            try:
                self.static[key] = e.obj()
            except ValueError:
                pass
            if b'"deletionTimestamp":"' not in e.raw:
                return
        self.enqueue(key)

    def initial(self) -> None:
        for name, kn in self.knodes.items():
            info = self.index.nodes.get(name)
            if info is not None:
                self._cordoned[name] = info.unschedulable
                if info.pod_cidr:
                    try:
                        kn.net = ipaddress.ip_network(info.pod_cidr, strict=False)  # type: ignore[assignment]
                    except ValueError:
                        kn.net = None
            for ns, pname in list(self.index.pods_by_node.get(name, ())):
                e = self.store.entry("pods", ns, pname)
                if e is None:
                    continue
                if b'"kubernetes.io/config.mirror"' in e.raw:
                    self.static[(ns, pname)] = e.obj()
                    if b'"deletionTimestamp":"' not in e.raw:
                        continue
                phase = e.fields.get("status.phase", "")
                if phase in ("Succeeded", "Failed") and b'"deletionTimestamp":"' not in e.raw:
                    continue
                self.enqueue((ns, pname))
        if self.heartbeat:
            self.enqueue(("heartbeat-all",))

    # ---- pod lifecycle ---------------------------------------------------------------------

    def sync(self, key: Any) -> None:
        if len(key) != 2:
            self._sync_other(key)
            return
        ns, name = key
        pod = self.store.try_get("pods", ns, name)
        if pod is None:
            self.plan.pop(key, None)
            return
        spec = pod.get("spec") or {}
        kn = self.knodes.get(spec.get("nodeName") or "")
        if kn is None or not kn.running:
            return
        meta = pod["metadata"]
        uid = meta.get("uid", "")
        if is_mirror(pod):
            if meta.get("deletionTimestamp"):
                # a deleted mirror pod is removed at once and posted again from the manifest
                self.store.finish_pod_deletion(ns, name, uid)
            return
        nxt = self._next(pod)
        if nxt is None:
            self.plan.pop(key, None)
            return
        action, delay = nxt
        loop = asyncio.get_running_loop()
        p = self.plan.get(key)
        if p is not None and p[0] == uid and p[1] == action:
            if loop.time() >= p[2] - 0.001:
                self.plan.pop(key, None)
                self._do(action, pod, kn)
            return
        due = loop.time() + self.scaled(delay)
        self.plan[key] = (uid, action, due)
        self.enqueue_after(delay, key)
        if action == "kill":
            for c in spec.get("containers") or []:
                self.recorder.record(pod, "Normal", "Killing", f"Stopping container {c['name']}",
                                     self.component, kn.name, f"spec.containers{{{c['name']}}}")
        elif action == "accept":
            for c in spec.get("containers") or []:
                image = c.get("image", "")
                if c.get("imagePullPolicy") == "Always" or image not in kn.images:
                    self.recorder.record(pod, "Normal", "Pulling", f'Pulling image "{image}"', self.component,
                                         kn.name, f"spec.containers{{{c['name']}}}")

    def _is_job_pod(self, pod: dict) -> bool:
        for r in pod["metadata"].get("ownerReferences") or []:
            if r.get("kind") == "Job" and r.get("controller"):
                return True
        return False

    def _next(self, pod: dict) -> tuple[str, float] | None:
        meta = pod["metadata"]
        status = pod.get("status") or {}
        phase = status.get("phase") or "Pending"
        if meta.get("deletionTimestamp"):
            if phase in ("Succeeded", "Failed") or not status.get("containerStatuses") or phase == "Pending":
                return "kill", 0.1
            grace = meta.get("deletionGracePeriodSeconds")
            if grace is None:
                grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
            return "kill", max(0.05, min(float(grace), MAX_STOP_TIME))
        if phase in ("Succeeded", "Failed"):
            return None
        if phase == "Pending":
            if not status.get("containerStatuses"):
                return "accept", ACCEPT_DELAY
            return "start", START_DELAY
        if phase == "Running":
            if not pod_ready(pod):
                return "ready", self._ready_delay(pod)
            if self._is_job_pod(pod):
                return "complete", JOB_RUN_TIME
        return None

    @staticmethod
    def _ready_delay(pod: dict) -> float:
        delay = READY_DELAY
        for c in (pod.get("spec") or {}).get("containers") or []:
            probe = c.get("readinessProbe")
            if probe:
                delay = max(delay, float(probe.get("initialDelaySeconds") or 0) + float(probe.get("periodSeconds") or 10) / 2)
        return delay

    def _pod_ip(self, pod: dict, kn: KNode) -> str:
        if (pod.get("spec") or {}).get("hostNetwork"):
            return kn.ip
        cur = (pod.get("status") or {}).get("podIP")
        if cur:
            return cur
        if kn.net is None:
            info = self.index.nodes.get(kn.name)
            try:
                kn.net = ipaddress.ip_network(info.pod_cidr if info and info.pod_cidr else "10.244.0.0/24",
                                              strict=False)  # type: ignore[assignment]
            except ValueError:
                kn.net = ipaddress.ip_network("10.244.0.0/24")  # type: ignore[assignment]
        size = kn.net.num_addresses  # type: ignore[union-attr]
        if kn.next_ip >= size - 1:
            kn.next_ip = 2
        ip = str(kn.net.network_address + kn.next_ip)  # type: ignore[union-attr]
        kn.next_ip += 1
        return ip

    def _write_status(self, pod: dict, status: dict) -> dict:
        uid = pod["metadata"].get("uid")

        def fn(o: dict) -> None:
            if o["metadata"].get("uid") == uid:
                # as the kubelet's status manager: conditions it does not own (readiness gates,
                # ones other controllers write) survive its updates
                theirs = [c for c in (o.get("status") or {}).get("conditions") or []
                          if c.get("type") not in KUBELET_CONDITIONS]
                new = dict(status)
                if theirs:
                    own = [c for c in new.get("conditions") or [] if c.get("type") in KUBELET_CONDITIONS]
                    new["conditions"] = own + theirs
                o["status"] = new

        return self.store.mutate("pods", pod["metadata"]["namespace"], pod["metadata"]["name"], fn,
                                 subresource="status")

    def _do(self, action: str, pod: dict, kn: KNode) -> None:
        ts = self.mgr.ts_for(pod)
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        status = pod.get("status") or {}
        containers = (pod.get("spec") or {}).get("containers") or []
        if action == "accept":
            st = podstatus.pending(pod, ts, kn.ip)
            self._keep_scheduled(st, status)
            self._write_status(pod, st)
        elif action == "start":
            ip = self._pod_ip(pod, kn)
            has_probe = any(c.get("readinessProbe") for c in containers)
            st = podstatus.running(pod, ts, kn.ip, ip, ready=not has_probe)
            st["startTime"] = status.get("startTime") or ts
            self._keep_scheduled(st, status)
            out = self._write_status(pod, st)
            for c in containers:
                image = c.get("image", "")
                fp = f"spec.containers{{{c['name']}}}"
                if c.get("imagePullPolicy") == "Always" or image not in kn.images:
                    self.recorder.record(out, "Normal", "Pulled",
                                         f'Successfully pulled image "{image}" in 1.027s (1.027s including '
                                         f"waiting). Image size: 48672893 bytes.", self.component, kn.name, fp)
                    kn.images.add(image)
                else:
                    self.recorder.record(out, "Normal", "Pulled",
                                         f'Container image "{image}" already present on machine',
                                         self.component, kn.name, fp)
                self.recorder.record(out, "Normal", "Created", f"Created container: {c['name']}",
                                     self.component, kn.name, fp)
                self.recorder.record(out, "Normal", "Started", f"Started container {c['name']}",
                                     self.component, kn.name, fp)
        elif action == "ready":
            st = copy.deepcopy(status)
            for c in st.get("conditions") or []:
                if c.get("type") in ("Ready", "ContainersReady") and c.get("status") != "True":
                    c["status"] = "True"
                    c.pop("reason", None)
                    c.pop("message", None)
                    c["lastTransitionTime"] = ts
            for c in st.get("containerStatuses") or []:
                if "running" in (c.get("state") or {}):
                    c["ready"] = True
            self._write_status(pod, st)
        elif action == "complete":
            st = podstatus.succeeded(pod, ts, kn.ip, status.get("podIP"))
            st["startTime"] = status.get("startTime") or ts
            self._keep_scheduled(st, status)
            self._write_status(pod, st)
        elif action == "kill":
            uid = pod["metadata"].get("uid")
            if status.get("containerStatuses") and status.get("phase") not in ("Succeeded", "Failed"):
                self._write_status(pod, podstatus.terminated_all(pod, ts))
            self.store.finish_pod_deletion(ns, name, uid)

    @staticmethod
    def _keep_scheduled(st: dict, old: dict) -> None:
        """Keep the scheduler's PodScheduled transition time."""
        for c in old.get("conditions") or []:
            if c.get("type") == "PodScheduled" and c.get("status") == "True":
                st["conditions"] = [c if x.get("type") == "PodScheduled" else x for x in st.get("conditions") or []]

    # ---- static pods -----------------------------------------------------------------------

    def forget_static_pod(self, namespace: str, name: str) -> None:
        """The manifest is gone (kubeadm reset, upgrade moving it): stop recreating the mirror pod."""
        self.forgotten.add((namespace, name))
        self.static.pop((namespace, name), None)

    def remember_static_pod(self, pod: dict) -> None:
        key = (pod["metadata"].get("namespace") or "kube-system", pod["metadata"]["name"])
        self.forgotten.discard(key)
        pod = copy.deepcopy(pod)
        pod["metadata"]["namespace"] = key[0]
        self.static[key] = pod

    def put_static_pod(self, pod: dict) -> None:
        """A static pod manifest was (re)written on a node (kubeadm init/join/upgrade): the kubelet
        restarts the pod, removing its mirror pod and posting it again (new uid, the manifest's
        annotations such as kubernetes.io/config.hash) about a second later."""
        node = (pod.get("spec") or {}).get("nodeName", "")
        if node not in self.knodes:
            raise KeyError(f"node {node!r} is not a simulated node")
        self.remember_static_pod(pod)
        ns, name = pod["metadata"].get("namespace") or "kube-system", pod["metadata"]["name"]
        cur = self.store.entry("pods", ns, name)
        if cur is not None:
            self.store.finish_pod_deletion(ns, name)  # the DELETED event schedules the recreation
        else:
            self.enqueue_after(STATIC_RECREATE_DELAY, ("recreate", ns, name))

    def remove_static_pod(self, namespace: str, name: str) -> None:
        """The manifest was removed (kubeadm reset): the kubelet stops the pod; the mirror pod goes."""
        self.forget_static_pod(namespace, name)
        if self.store.entry("pods", namespace, name) is not None:
            self.store.finish_pod_deletion(namespace, name)

    def _recreate(self, ns: str, name: str) -> None:
        key = (ns, name)
        old = self.static.get(key)
        if old is None or key in self.forgotten or self.store.entry("pods", ns, name) is not None:
            return
        node = (old.get("spec") or {}).get("nodeName", "")
        kn = self.knodes.get(node)
        if kn is None:
            return
        if not kn.running:
            return  # recreated when the kubelet is back (start_kubelet re-lists)
        obj = copy.deepcopy(old)
        meta = obj["metadata"]
        for k in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                  "deletionGracePeriodSeconds", "generation", "managedFields"):
            meta.pop(k, None)
        info = self.index.nodes.get(node)
        if info is not None:
            refs = [r for r in meta.get("ownerReferences") or [] if r.get("kind") != "Node"]
            refs.append({"apiVersion": "v1", "kind": "Node", "name": node, "uid": info.uid, "controller": True})
            meta["ownerReferences"] = refs
        old_status = obj.pop("status", None) or {}
        created = self.store.create("pods", obj)
        ts = now_ts()
        ready = pod_ready({"status": old_status}) if old_status else True
        st = podstatus.running(created, ts, kn.ip, kn.ip, ready=ready)
        self.store.mutate("pods", ns, name, lambda o: o.__setitem__("status", st), subresource="status")

    # ---- nodes -----------------------------------------------------------------------------

    def _sync_other(self, key: tuple) -> None:
        kind = key[0]
        if kind == "recreate":
            self._recreate(key[1], key[2])
        elif kind == "reap":
            e = self.store.entry("pods", key[1], key[2])
            if e is not None and b'"deletionTimestamp":"' in e.raw:
                self.store.finish_pod_deletion(key[1], key[2])
        elif kind == "cordon-event":
            node = self.store.try_get("nodes", "", key[1])
            if node is not None:
                state = "NodeNotSchedulable" if key[2] else "NodeSchedulable"
                self.recorder.record(node, "Normal", state, f"Node {key[1]} status is now: {state}",
                                     self.component, key[1])
        elif kind == "heartbeat-all":
            self._heartbeat(leases=True, status=True)
        elif kind == "relist":
            kn = self.knodes.get(key[1])
            if kn is None or not kn.running:
                return
            for ns, pname in list(self.index.pods_by_node.get(kn.name, ())):
                self.enqueue((ns, pname))
            for (ns, pname), obj in list(self.static.items()):
                if (obj.get("spec") or {}).get("nodeName") == kn.name and self.store.entry("pods", ns, pname) is None:
                    self.enqueue(("recreate", ns, pname))

    async def periodic(self) -> None:
        if not self.heartbeat or not self.knodes:
            return
        loop = asyncio.get_running_loop()
        last_status = loop.time()
        while not self._stopped:
            await asyncio.sleep(max(self.scaled(LEASE_PERIOD), 0.5))
            do_status = loop.time() - last_status >= max(self.scaled(STATUS_PERIOD), 1.0)
            if do_status:
                last_status = loop.time()
            self.mgr.busy += 1
            try:
                self._heartbeat(leases=True, status=do_status)
            except Exception:
                self.errors += 1
                log.exception("kubelet heartbeat failed")
            finally:
                self.mgr.busy -= 1

    def _heartbeat(self, leases: bool, status: bool) -> None:
        renew = micro_ts()
        ts = now_ts()
        for name, kn in self.knodes.items():
            if not kn.running:
                continue
            if leases and self.store.entry("leases", "kube-node-lease", name) is not None:
                self.store.mutate("leases", "kube-node-lease", name,
                                  lambda o: o.setdefault("spec", {}).__setitem__("renewTime", renew))
            if status and self.store.entry("nodes", "", name) is not None:
                def beat(o: dict) -> None:
                    for c in (o.get("status") or {}).get("conditions") or []:
                        c["lastHeartbeatTime"] = ts
                self.store.mutate("nodes", "", name, beat, subresource="status")

    # ---- node readiness (public, via ControllerManager) ------------------------------------

    def _node_event(self, name: str, reason: str, component: str, etype: str = "Normal",
                    message: str | None = None) -> None:
        node = self.store.try_get("nodes", "", name)
        if node is not None:
            self.recorder.record(node, etype, reason, message or f"Node {name} status is now: {reason}",
                                 component, name if component == "kubelet" else "")

    def _set_conditions(self, name: str, conds: list[dict], taints_add: list[dict], taints_remove: set[str],
                        version: str | None = None) -> None:
        if self.store.entry("nodes", "", name) is None:
            return
        ts = now_ts()

        def fn(o: dict) -> None:
            st = o.setdefault("status", {})
            old = {c.get("type"): c for c in st.get("conditions") or []}
            out = []
            for c in conds:
                prev = old.get(c["type"])
                c = dict(c)
                c["lastHeartbeatTime"] = ts
                if prev is not None and prev.get("status") == c["status"]:
                    c["lastTransitionTime"] = prev.get("lastTransitionTime", ts)
                else:
                    c["lastTransitionTime"] = ts
                out.append(c)
            st["conditions"] = out
            if version:
                st.setdefault("nodeInfo", {})["kubeletVersion"] = version
            spec = o.setdefault("spec", {})
            taints = [t for t in spec.get("taints") or [] if t.get("key") not in taints_remove]
            for t in taints_add:
                if not any(x.get("key") == t["key"] and x.get("effect") == t["effect"] for x in taints):
                    taints.append(dict(t))
            if taints:
                spec["taints"] = taints
            else:
                spec.pop("taints", None)

        self.store.mutate("nodes", "", name, fn, subresource="status")

    def _mark_pods_not_ready(self, name: str) -> None:
        ts = now_ts()
        for ns, pname in list(self.index.pods_by_node.get(name, ())):
            e = self.store.entry("pods", ns, pname)
            if e is None or b'"type":"Ready","status":"True"' not in e.raw:
                continue

            def fn(o: dict) -> None:
                for c in (o.get("status") or {}).get("conditions") or []:
                    if c.get("type") == "Ready" and c.get("status") == "True":
                        c["status"] = "False"
                        c["lastTransitionTime"] = ts

            self.store.mutate("pods", ns, pname, fn, subresource="status")

    def _ready_conditions(self) -> list[dict]:
        return [{k: v for k, v in c.items() if k not in ("lastHeartbeatTime", "lastTransitionTime")}
                for c in node_conditions(True, "")]

    def kubelet_down(self, name: str, reason: str = "restart") -> None:
        kn = self._knode(name)
        kn.running = False
        kn.epoch += 1
        if reason == "restart":
            conds = self._ready_conditions()
            conds[-1] = {"type": "Ready", "status": "False", "reason": "KubeletNotReady",
                         "message": "container runtime status check may not have completed yet"}
            self._set_conditions(name, conds, [{"key": NOT_READY, "effect": "NoSchedule"}], set())
            self._node_event(name, "NodeNotReady", "node-controller")
        else:
            conds = [{"type": t, "status": "Unknown", "reason": "NodeStatusUnknown",
                      "message": "Kubelet stopped posting node status."}
                     for t in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")]
            now = now_rfc3339()
            self._set_conditions(name, conds, [{"key": UNREACHABLE, "effect": "NoSchedule"},
                                               {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": now}],
                                 {NOT_READY})
            self._node_event(name, "NodeNotReady", "node-controller")
            self._mark_pods_not_ready(name)

    def kubelet_up(self, name: str, version: str | None = None) -> None:
        kn = self._knode(name)
        kn.running = True
        kn.epoch += 1
        if version:
            kn.spec.kubelet_version = version
        self._set_conditions(name, self._ready_conditions(), [], {NOT_READY, UNREACHABLE}, version)
        self._node_event(name, "NodeReady", "kubelet")
        self.enqueue(("relist", name, ""))

    def _knode(self, name: str) -> KNode:
        kn = self.knodes.get(name)
        if kn is None:
            raise KeyError(f"node {name!r} is not a simulated node")
        return kn

    async def restart(self, name: str, version: str | None = None, wait: bool = False) -> None:
        kn = self._knode(name)
        node = self.store.try_get("nodes", "", name)
        if node is not None:
            self.recorder.record(node, "Normal", "Starting", "Starting kubelet.", self.component, name)
        self.kubelet_down(name, "restart")
        epoch = kn.epoch

        async def later() -> None:
            await asyncio.sleep(self.scaled(RESTART_NOT_READY))
            if kn.epoch == epoch and not self._stopped:
                self.kubelet_up(name, version)

        if wait:
            await later()
        else:
            self.mgr.spawn(later())

    def stop_kubelet(self, name: str) -> None:
        """The kubelet stops posting: after the node-monitor grace period the node goes Unknown."""
        kn = self._knode(name)
        kn.running = False
        kn.epoch += 1
        epoch = kn.epoch

        async def later() -> None:
            await asyncio.sleep(self.scaled(NODE_MONITOR_GRACE))
            if kn.epoch == epoch and not self._stopped:
                self.kubelet_down(name, "unknown")

        self.mgr.spawn(later())

    def set_node_ready(self, name: str, ready: bool) -> None:
        if ready:
            self.kubelet_up(name)
        else:
            self.kubelet_down(name, "unknown")
