"""The skeleton every simulated controller shares: a de-duplicating work queue fed by store events,
one asyncio task draining it, scaled timers, and error isolation (a failing sync is logged and the
controller carries on)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import TYPE_CHECKING, Any, Hashable

from k8stui.sim.controllers.index import Change
from k8stui.sim.errors import ApiError

if TYPE_CHECKING:
    from k8stui.sim.controllers import ControllerManager

log = logging.getLogger("k8stui.sim.controllers")


class Controller:
    name = "controller"
    resources: tuple[str, ...] = ()  # the store resources whose events on_event receives
    # how long one drain may hold the loop before yielding (seconds)
    slice_seconds = 0.02

    def __init__(self, mgr: "ControllerManager"):
        self.mgr = mgr
        self.store = mgr.store
        self.index = mgr.index
        self.recorder = mgr.recorder
        self._queue: deque[Hashable] = deque()
        self._pending: set[Hashable] = set()
        self._wake = asyncio.Event()
        self._stopped = False
        self._delayed: set[Hashable] = set()
        self.errors = 0

    # ---- timing --------------------------------------------------------------------------

    @property
    def speed(self) -> float:
        return self.mgr.speed

    def scaled(self, seconds: float) -> float:
        return max(0.0, seconds * self.mgr.speed)

    # ---- queue ---------------------------------------------------------------------------

    def enqueue(self, key: Hashable) -> None:
        if self._stopped or key in self._pending:
            return
        self._pending.add(key)
        self._queue.append(key)
        self._wake.set()

    def enqueue_after(self, seconds: float, key: Hashable, scale: bool = True) -> None:
        """Enqueue key later; seconds are simulated seconds (scaled by speed) unless scale=False."""
        if self._stopped:
            return
        delay = self.scaled(seconds) if scale else max(0.0, seconds)
        asyncio.get_running_loop().call_later(delay, self.enqueue, key)

    def enqueue_coalesced(self, key: Hashable, delay: float) -> None:
        """Enqueue key after `delay` real seconds, once however often it is asked for meanwhile
        (expensive syncs of large objects: many events, one sync)."""
        if self._stopped or key in self._delayed:
            return
        self._delayed.add(key)

        def fire() -> None:
            self._delayed.discard(key)
            self.enqueue(key)

        asyncio.get_running_loop().call_later(delay, fire)

    @property
    def idle(self) -> bool:
        return not self._queue and not self._delayed

    # ---- hooks ---------------------------------------------------------------------------

    def on_event(self, ch: Change) -> None:
        """Called synchronously for each committed event of self.resources: enqueue only."""

    def initial(self) -> None:
        """Enqueue the work the objects already in the store need when the controller starts."""

    def sync(self, key: Any) -> None:
        raise NotImplementedError

    async def periodic(self) -> None:
        """Optional long-running timer loop (heartbeats, expiries); default: none."""

    # ---- loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopped:
            await self._wake.wait()
            self._wake.clear()
            t0 = loop.time()
            while self._queue and not self._stopped:
                key = self._queue.popleft()
                self._pending.discard(key)
                self.mgr.busy += 1
                try:
                    self.sync(key)
                except ApiError as e:
                    # conflicts and not-founds are normal races: retry shortly
                    if e.code in (404, 409):
                        self.enqueue_after(0.5, key)
                    else:
                        self.errors += 1
                        log.warning("%s: sync %r failed: %s", self.name, key, e.message)
                except Exception:
                    self.errors += 1
                    log.exception("%s: sync %r failed", self.name, key)
                finally:
                    self.mgr.busy -= 1
                if loop.time() - t0 > self.slice_seconds:
                    await asyncio.sleep(0)
                    t0 = loop.time()

    async def run_periodic(self) -> None:
        await self.periodic()

    async def every(self, interval: "Any", fn: "Any") -> None:
        """Call fn() every interval() real seconds until stopped, surviving its errors."""
        while not self._stopped:
            await asyncio.sleep(interval())
            self.mgr.busy += 1
            try:
                fn()
            except Exception:
                self.errors += 1
                log.exception("%s: periodic work failed", self.name)
            finally:
                self.mgr.busy -= 1

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()



class OwnerController(Controller):
    """A controller of one owner kind (the first of `resources`): a change to an owner, or to
    an object it controls (by controller ownerReference), queues the owner's key."""

    owner_kind = ""

    def on_event(self, ch: Change) -> None:
        ev = ch.ev
        if ev.resource == self.resources[0]:
            if ev.type != "DELETED":
                self.enqueue((ev.entry.namespace, ev.entry.name))
            return
        for ref in (ch.controller, ch.old_controller):
            if ref is not None and ref.kind == self.owner_kind:
                self.enqueue((ev.entry.namespace, ref.name))

    def initial(self) -> None:
        for e in self.store.entries(self.resources[0]):
            if not self.looks_settled(e):
                self.enqueue((e.namespace, e.name))

    def looks_settled(self, e: Any) -> bool:
        """Whether an owner needs no work at start (generated clusters come settled)."""
        return False
