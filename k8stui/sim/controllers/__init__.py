"""The simulated control loops: kube-controller-manager's controllers, kube-scheduler, kubelets.

`ControllerManager(sim)` runs them on the cluster's asyncio loop. One store listener keeps the
shared `Index` current and hands each committed event to the controllers interested in its
resource; each controller de-duplicates work in its own queue and drains it in its own task, so
listeners never write and no controller rescans the store per event. Simulated delays are
multiplied by `sim.speed` (1.0 = realistic, tests use 0.02).

Public API for the rest of the simulator (all on the cluster's loop):

- `await restart_kubelet(node, version=None, wait=False)` -- the node goes NotReady
  (KubeletNotReady, not-ready:NoSchedule taint) for ~2 s × speed, then Ready, with
  `status.nodeInfo.kubeletVersion = version` when given.
- `stop_kubelet(node)` / `start_kubelet(node, version=None)` -- the kubelet stops posting (Unknown
  and unreachable taints after the 40 s × speed grace period) / comes back Ready.
- `set_node_ready(node, ready)` -- at once: Unknown + unreachable taints + pods not ready, or Ready.
- `put_static_pod(pod)` / `remove_static_pod(ns, name)` -- a static pod manifest written (kubeadm
  init/join/upgrade: the mirror pod is re-posted with a new uid ~1 s × speed later) or removed.
  `forget_static_pod` / `remember_static_pod` only change what the kubelet recreates when a mirror
  pod is deleted through the API (it always is, as a real kubelet does).
- `finish_unsimulated_deletions` (attribute, default False): finish the deletion of pods on
  nodes that have no kubelet stand-in (generated large clusters), so drains complete there.
- `is_simulated(node)`, `idle()` (all queues empty), `errors()` (count of failed syncs),
  `await settled(timeout)` (the start-up settle is over).

Warm start: a scenario describes a cluster that has existed for `ageDays`, but its workloads are
only turned into ReplicaSets and Pods when the controllers start. Until that first settle is over
(`warming`), objects the controllers create for owners that predate the start are back-dated to
their owner's creationTimestamp (pod start times and conditions too), and events about such
objects are not recorded, so `kubectl get pods` shows a 30-day-old cluster rather than pods a few
seconds old. Set `warm_start = False` before `start()` to turn this off.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Coroutine

from k8stui.sim.controllers.base import Controller
from k8stui.sim.controllers.bootstrap import BootstrapSigner
from k8stui.sim.controllers.daemonset import DaemonSetController
from k8stui.sim.controllers.deployment import DeploymentController
from k8stui.sim.controllers.disruption import DisruptionController
from k8stui.sim.controllers.events import EventRecorder
from k8stui.sim.controllers.gc import GarbageCollector
from k8stui.sim.controllers.index import Index
from k8stui.sim.controllers.job import JobController
from k8stui.sim.controllers.kubelet import Kubelet
from k8stui.sim.controllers.replicaset import ReplicaSetController
from k8stui.sim.controllers.scheduler import Scheduler
from k8stui.sim.controllers.statefulset import StatefulSetController
from k8stui.sim.controllers.util import now_ts, parse_ts
from k8stui.sim.store import Event

log = logging.getLogger("k8stui.sim.controllers")

EVENT_PRUNE_INTERVAL = 60.0  # real seconds


class ControllerManager:
    def __init__(self, sim: Any):
        self.sim = sim
        self.store = sim.store
        self.index = Index(self.store)
        self.recorder = EventRecorder(self)
        self.scheduler = Scheduler(self)
        self.kubelet = Kubelet(self)
        self.replicaset = ReplicaSetController(self)
        self.deployment = DeploymentController(self)
        self.daemonset = DaemonSetController(self)
        self.statefulset = StatefulSetController(self)
        self.job = JobController(self)
        self.disruption = DisruptionController(self)
        self.gc = GarbageCollector(self)
        self.bootstrap = BootstrapSigner(self)
        self.controllers: list[Controller] = [
            self.disruption,  # first: eviction depends on current budgets
            self.scheduler, self.kubelet, self.replicaset, self.deployment, self.daemonset,
            self.statefulset, self.job, self.gc, self.bootstrap,
        ]
        self.routes: dict[str, list[Controller]] = {}
        for c in self.controllers:
            for r in c.resources:
                self.routes.setdefault(r, []).append(c)
        self._tasks: list[asyncio.Task] = []
        self._extra: set[asyncio.Task] = set()
        self._started = False
        self.warm_start = True
        # pods on nodes without a kubelet stand-in stay exactly as written -- including Terminating
        # forever once deleted. True: remove them after min(grace, 2 s) × speed, as if a kubelet had.
        self.finish_unsimulated_deletions = False
        self.warming = False
        self.busy = 0  # > 0 while a controller is writing: other writes are users' (end the warm start)
        self.started_at = time.time()
        self._settled = asyncio.Event()

    @property
    def speed(self) -> float:
        try:
            return max(0.0, float(self.sim.speed))
        except (TypeError, ValueError):
            return 1.0

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self.started_at = time.time()
        self.warming = self.warm_start
        self.store.listeners.append(self._on_event)
        await self.index.build()
        await self.scheduler.build()
        for c in self.controllers:
            try:
                c.initial()
            except Exception:
                log.exception("%s: initial sync failed", c.name)
            self._tasks.append(asyncio.create_task(c.run(), name=f"k8stui-sim-{c.name}"))
            self._tasks.append(asyncio.create_task(c.run_periodic(), name=f"k8stui-sim-{c.name}-timer"))
        self._tasks.append(asyncio.create_task(self._prune_events(), name="k8stui-sim-event-ttl"))
        self._tasks.append(asyncio.create_task(self._warm_up(), name="k8stui-sim-warm-up"))

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        try:
            self.store.listeners.remove(self._on_event)
        except ValueError:
            pass
        for c in self.controllers:
            c.stop()
        tasks = self._tasks + list(self._extra)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._extra.clear()

    def spawn(self, coro: Coroutine) -> asyncio.Task:
        """Run a background coroutine owned by the manager (cancelled on stop)."""
        t = asyncio.get_running_loop().create_task(coro)
        self._extra.add(t)
        t.add_done_callback(self._extra.discard)
        return t

    def _on_event(self, ev: Event) -> None:
        if self.warming and not self.busy and ev.resource != "events":
            # someone else (a client, the host simulation) acts: the start-up is over
            self._end_warm_up()
        try:
            ch = self.index.update(ev)
        except Exception:
            log.exception("index update failed for %s %s", ev.resource, ev.entry.name)
            return
        for c in self.routes.get(ev.resource, ()):
            try:
                c.on_event(ch)
            except Exception:
                log.exception("%s: on_event failed", c.name)

    async def _warm_up(self) -> None:
        """End the warm start once every controller is idle and no pod transition is pending."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(10.0, 60.0 * self.speed)
        quiet = 0
        while loop.time() < deadline:
            await asyncio.sleep(0.02)
            quiet = quiet + 1 if self.idle() and not self.kubelet.plan else 0
            if quiet >= 3 or not self.warming:
                break
        self._end_warm_up()

    def _end_warm_up(self) -> None:
        self.warming = False
        self._settled.set()

    async def settled(self, timeout: float | None = None) -> bool:
        """Wait until the start-up settle (see warm start) is over."""
        try:
            await asyncio.wait_for(self._settled.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    def predates_start(self, obj: dict | None) -> bool:
        t = parse_ts(((obj or {}).get("metadata") or {}).get("creationTimestamp"))
        return t is not None and t < self.started_at - 1

    def ts_for(self, obj: dict | None) -> str:
        """The time to write into obj's status: now, or its creation during the warm start."""
        if self.warming and self.predates_start(obj):
            return obj["metadata"]["creationTimestamp"]  # type: ignore[index]
        return now_ts()

    def backdate(self, created: dict, owner: dict) -> dict:
        """During the warm start, an object made for an old owner gets the owner's creation time."""
        if not self.warming or not self.predates_start(owner):
            return created
        ts = owner["metadata"]["creationTimestamp"]
        meta = created["metadata"]
        res = {"Pod": "pods", "ReplicaSet": "replicasets"}.get(created.get("kind", ""))
        if res is None:
            return created
        return self.store.mutate(res, meta.get("namespace", ""), meta["name"],
                                 lambda o: o["metadata"].__setitem__("creationTimestamp", ts), subresource="status")

    async def _prune_events(self) -> None:
        while True:
            await asyncio.sleep(EVENT_PRUNE_INTERVAL)
            try:
                self.recorder.prune()
            except Exception:
                log.exception("event pruning failed")

    # ---- introspection ---------------------------------------------------------------------

    def idle(self) -> bool:
        return all(c.idle for c in self.controllers)

    def errors(self) -> int:
        return sum(c.errors for c in self.controllers)

    def is_simulated(self, node: str) -> bool:
        return node in self.kubelet.knodes

    # ---- node operations (SSH host simulation, upgrades, demos) ----------------------------

    async def restart_kubelet(self, node: str, version: str | None = None, wait: bool = False) -> None:
        """`systemctl restart kubelet`: NotReady briefly, then Ready (with the new kubeletVersion)."""
        await self.kubelet.restart(node, version, wait)

    def stop_kubelet(self, node: str) -> None:
        self.kubelet.stop_kubelet(node)

    def start_kubelet(self, node: str, version: str | None = None) -> None:
        self.kubelet.kubelet_up(node, version)

    def set_node_ready(self, node: str, ready: bool) -> None:
        self.kubelet.set_node_ready(node, ready)

    def forget_static_pod(self, namespace: str, name: str) -> None:
        self.kubelet.forget_static_pod(namespace, name)

    def remember_static_pod(self, pod: dict) -> None:
        self.kubelet.remember_static_pod(pod)

    def put_static_pod(self, pod: dict) -> None:
        """Write/replace a static pod manifest: the mirror pod is re-posted (new uid) ~1 s × speed later."""
        self.kubelet.put_static_pod(pod)

    def remove_static_pod(self, namespace: str, name: str) -> None:
        """Remove a static pod manifest: its mirror pod disappears and is not recreated."""
        self.kubelet.remove_static_pod(namespace, name)

