"""core/v1 Events as the real components record them, aggregated and bounded.

Repeats of the same event (same object, reason, message, source, type) bump `count` and
`lastTimestamp` like client-go's EventCorrelator; each object keeps at most MAX_PER_OBJECT events,
the whole recorder at most MAX_TOTAL, and events not seen for TTL (one hour, the apiserver's
default event TTL) are deleted.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict, deque
from typing import TYPE_CHECKING

from k8stui.sim.controllers.util import parse_ts
from k8stui.sim.store import now_rfc3339

if TYPE_CHECKING:
    from k8stui.sim.controllers import ControllerManager

log = logging.getLogger("k8stui.sim.controllers")

_LAST_RE = re.compile(rb'"lastTimestamp":"([^"]+)"')


class EventRecorder:
    MAX_PER_OBJECT = 30
    MAX_TOTAL = 5000
    TTL = 3600.0
    AGGREGATE_WINDOW = 600.0

    def __init__(self, mgr: "ControllerManager"):
        self.mgr = mgr
        self.store = mgr.store
        self.enabled = True
        self._by_key: dict[tuple, tuple[str, str, float]] = {}
        self._per_object: dict[str, deque[tuple[str, str]]] = {}
        self._order: OrderedDict[tuple[str, str], str] = OrderedDict()  # event key -> involved uid
        self._last_ns = 0

    def _name_suffix(self) -> str:
        t = time.time_ns()
        if t <= self._last_ns:
            t = self._last_ns + 1
        self._last_ns = t
        return format(t, "x")

    def record(self, obj: dict, etype: str, reason: str, message: str, component: str, host: str = "",
               field_path: str | None = None) -> None:
        """Record an event about obj (a stored object); never raises."""
        if not self.enabled:
            return
        if self.mgr.warming and self.mgr.predates_start(obj):
            return  # a long-running cluster has no events left about its start-up
        try:
            self._record(obj, etype, reason, message, component, host, field_path)
        except Exception:
            log.exception("recording event %s for %s failed", reason, (obj.get("metadata") or {}).get("name"))

    def _record(self, obj: dict, etype: str, reason: str, message: str, component: str, host: str,
                field_path: str | None) -> None:
        st = self.store
        meta = obj.get("metadata") or {}
        kind = obj.get("kind", "")
        name = meta.get("name", "")
        obj_ns = meta.get("namespace", "")
        ns = obj_ns or "default"
        uid = meta.get("uid", "") or name
        now = time.time()
        ts = now_rfc3339(now)
        key = (uid, reason, message, component, host, etype, field_path)
        prev = self._by_key.get(key)
        if prev is not None and now - prev[2] < self.AGGREGATE_WINDOW and st.entry("events", prev[0], prev[1]):
            def bump(o: dict) -> None:
                o["count"] = int(o.get("count") or 1) + 1
                o["lastTimestamp"] = ts
            st.mutate("events", prev[0], prev[1], bump)
            self._by_key[key] = (prev[0], prev[1], now)
            self._order.move_to_end((prev[0], prev[1]))
            return
        involved = {"kind": kind, "namespace": obj_ns, "name": name, "uid": uid,
                    "apiVersion": obj.get("apiVersion", ""),
                    "resourceVersion": meta.get("resourceVersion", "")}
        if not obj_ns:
            involved.pop("namespace")
        if field_path:
            involved["fieldPath"] = field_path
        source = {"component": component}
        if host:
            source["host"] = host
        ev_name = f"{name}.{self._name_suffix()}"
        st.create("events", {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": ev_name, "namespace": ns},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": ts,
            "lastTimestamp": ts,
            "count": 1,
            "type": etype,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host,
        })
        ekey = (ns, ev_name)
        self._by_key[key] = (ns, ev_name, now)
        self._order[ekey] = uid
        per = self._per_object.setdefault(uid, deque())
        per.append(ekey)
        while len(per) > self.MAX_PER_OBJECT:
            self._delete(per.popleft())
        while len(self._order) > self.MAX_TOTAL:
            old, old_uid = self._order.popitem(last=False)
            d = self._per_object.get(old_uid)
            if d is not None:
                try:
                    d.remove(old)
                except ValueError:
                    pass
                if not d:
                    del self._per_object[old_uid]
            self._delete(old, untrack=False)

    def _delete(self, ekey: tuple[str, str], untrack: bool = True) -> None:
        if untrack:
            self._order.pop(ekey, None)
        try:
            if self.store.entry("events", ekey[0], ekey[1]) is not None:
                self.store.delete("events", ekey[0], ekey[1])
        except Exception:
            log.debug("deleting event %s failed", ekey, exc_info=True)

    def prune(self) -> None:
        """Delete events whose lastTimestamp is older than TTL (any component's)."""
        cutoff = time.time() - self.TTL
        for e in list(self.store.entries("events")):
            m = _LAST_RE.search(e.raw)
            t = parse_ts(m.group(1).decode()) if m else None
            if t is not None and t < cutoff:
                self._delete((e.namespace, e.name))
        for k, v in list(self._by_key.items()):
            if self.store.entry("events", v[0], v[1]) is None:
                del self._by_key[k]
        for uid, d in list(self._per_object.items()):
            live = deque(x for x in d if self.store.entry("events", x[0], x[1]) is not None)
            if live:
                self._per_object[uid] = live
            else:
                del self._per_object[uid]
