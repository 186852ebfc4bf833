"""List-then-watch caches of compact rows, kept true across dropped streams and compactions.

`ResourceCache.run()` lists in pages (limit/continue), then watches from the list's
resourceVersion. A dropped stream reconnects with backoff from the last resourceVersion seen
(bookmarks keep it fresh); a 410 Gone relists, and the relist replaces the row set, so rows
deleted while we were away disappear (no ghosts) and none are lost. Changes are folded into the
rows as they arrive and recorded as dirty keys; the UI takes them in batches (`take_changes`).

Pod caches also keep per-node tallies (pod count, requested CPU and memory) updated on every
change, so the nodes view never recounts 150,000 pods.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from kubernetes.aio.client.exceptions import ApiException

from k8stui.kube.connection import Connection, explain
from k8stui.kube.rows import ROW_BUILDERS, Row

try:  # twice as fast on list pages and watch lines, when installed; same results
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    _loads = json.loads

PAGE = 500
WATCH_SECONDS = 300


class Gone(Exception):
    """The resourceVersion we hold was compacted away: relist."""


@dataclass
class Tally:
    pods: int = 0
    cpu_m: int = 0
    mem_b: int = 0


@dataclass
class Changes:
    upserted: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    reset: bool = False  # membership was replaced wholesale (relist)

    def __bool__(self) -> bool:
        return bool(self.upserted or self.removed or self.reset)


class ResourceCache:
    def __init__(self, conn: Connection, resource: str, namespace: str | None = None,
                 label_selector: str | None = None, page_size: int = PAGE,
                 on_change: Callable[[], None] | None = None, clock: Callable[[], float] = time.time):
        if resource not in ROW_BUILDERS:
            raise ValueError(f"no row builder for {resource}")
        self.conn = conn
        self.resource = resource
        self.namespace = namespace
        self.label_selector = label_selector
        self.page_size = page_size
        self.on_change = on_change
        self.clock = clock
        self.rows: dict[str, Row] = {}
        self.tallies: dict[str, Tally] = {}
        self.resource_version = ""
        self.state = "connecting"
        self.error: str | None = None
        self.last_update = 0.0
        self.synced = asyncio.Event()  # the first full list is in
        self.first_page = asyncio.Event()
        self.relists = 0
        self.reconnects = 0
        self._changes = Changes()
        self._build = ROW_BUILDERS[resource]

    # ---- consumer side ----------------------------------------------------------------------

    def take_changes(self) -> Changes:
        out, self._changes = self._changes, Changes()
        return out

    def _notify(self) -> None:
        self.last_update = self.clock()
        if self.on_change:
            self.on_change()

    # ---- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        """List, then watch forever; cancel the task to stop."""
        backoff = 0.2
        need_list = True
        while True:
            try:
                if need_list:
                    self.state = "listing" if not self.synced.is_set() else "relisting"
                    await self._list()
                    need_list = False
                    self.synced.set()
                self.state = "live"
                self.error = None
                self._notify()
                await self._watch()
                backoff = 0.2  # a watch that ended normally (timeout) reconnects at once
            except Gone:
                self.relists += 1
                need_list = True
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self.error = str(explain(e, self.conn))
                self.state = "reconnecting"
                self.reconnects += 1
                self._notify()
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(backoff * 2, 30.0)
                if isinstance(e, ApiException) and e.status == 410:
                    need_list = True

    def _call(self, **kw: Any):
        core = self.conn.core()
        if self.label_selector:
            kw["label_selector"] = self.label_selector
        if self.resource == "nodes":
            return core.list_node_without_preload_content(**kw)
        if self.namespace:
            return core.list_namespaced_pod_without_preload_content(self.namespace, **kw)
        return core.list_pod_for_all_namespaces_without_preload_content(**kw)

    async def _page(self, token: str | None) -> tuple[int, str | None, bytes]:
        resp = await self._call(limit=self.page_size, _continue=token, _request_timeout=60)
        return resp.status, resp.reason, await resp.read()

    async def _list(self) -> None:
        """Page through the full list. The first sync shows rows page by page; a relist builds a
        new row set aside and swaps it in whole, so nothing flickers and nothing stale remains."""
        initial = not self.synced.is_set()
        token = None
        rows: dict[str, Row] = self.rows if initial else {}
        tallies: dict[str, Tally] = self.tallies if initial else {}
        first = True
        ahead: asyncio.Future | None = None  # the next page, asked for before this one is processed
        try:
            while True:
                fetch = ahead if ahead is not None else asyncio.ensure_future(self._page(token))
                ahead = None
                status, reason, body = await fetch
                if status == 410 and token:
                    # the continue token expired mid-list: start over from a fresh snapshot
                    token, first = None, True
                    rows.clear()
                    tallies.clear()
                    continue
                if status >= 400:
                    raise ApiException(status=status, reason=reason, body=body.decode(errors="replace"))
                data = _loads(body)
                meta = data.get("metadata") or {}
                token = meta.get("continue")
                if token:
                    # the server builds the next page while this one's rows are made
                    ahead = asyncio.ensure_future(self._page(token))
                now = self.clock()
                pods = self.resource == "pods"
                for obj in data.get("items") or []:
                    row = self._build(obj, now)
                    old = rows.get(row.uid)
                    if pods:
                        if old is not None:
                            _remove(tallies, old)
                        _add(tallies, row)
                    rows[row.uid] = row
                if first:
                    first = False
                    self.resource_version = meta.get("resourceVersion", "")
                if initial:
                    self._changes.reset = True
                    self.first_page.set()
                    self._notify()
                if not token:
                    break
                await asyncio.sleep(0)  # let the UI breathe between pages
        finally:
            if ahead is not None:
                if not ahead.done():
                    ahead.cancel()
                elif not ahead.cancelled():
                    ahead.exception()  # retrieved: an error there is moot now
        if not initial:
            removed = set(self.rows) - set(rows)
            self.rows = rows
            self.tallies = tallies
            self._changes.reset = True
            self._changes.removed |= removed
        self.first_page.set()
        self._notify()

    async def _watch(self) -> None:
        resp = await self._call(watch=True, resource_version=self.resource_version, allow_watch_bookmarks=True,
                                timeout_seconds=WATCH_SECONDS, _request_timeout=WATCH_SECONDS + 30)
        if resp.status == 410:
            raise Gone()
        if resp.status >= 400:
            body = await resp.read()
            raise ApiException(status=resp.status, reason=resp.reason, body=body.decode(errors="replace"))
        try:
            pending = 0
            async for line in resp.content:
                if not line.strip():
                    continue
                ev = _loads(line)
                self._apply(ev)
                pending += 1
                # fold a burst: notify once the stream has nothing more buffered
                if resp.content.is_eof() or not resp.content._buffer:  # type: ignore[attr-defined]
                    self._notify()
                    pending = 0
            if pending:
                self._notify()
        finally:
            resp.release()

    def _apply(self, ev: dict) -> None:
        etype = ev.get("type")
        obj = ev.get("object") or {}
        if etype == "ERROR":
            if obj.get("code") == 410:
                raise Gone()
            raise ApiException(status=obj.get("code", 500), reason=obj.get("reason"),
                               body=json.dumps(obj))
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if rv:
            self.resource_version = rv
        if etype == "BOOKMARK":
            return
        uid = (obj.get("metadata") or {}).get("uid", "")
        old = self.rows.get(uid)
        if etype == "DELETED":
            if old is not None:
                del self.rows[uid]
                if self.resource == "pods":
                    _remove(self.tallies, old)
                self._changes.removed.add(uid)
                self._changes.upserted.discard(uid)
            return
        row = self._build(obj, self.clock())
        if self.resource == "pods":
            if old is not None:
                _remove(self.tallies, old)
            _add(self.tallies, row)
        self.rows[uid] = row
        self._changes.upserted.add(uid)
        self._changes.removed.discard(uid)


def _add(tallies: dict[str, Tally], row: Row) -> None:
    if not row.node or not row.active:
        return
    t = tallies.get(row.node)
    if t is None:
        t = tallies[row.node] = Tally()
    t.pods += 1
    t.cpu_m += row.cpu_m
    t.mem_b += row.mem_b


def _remove(tallies: dict[str, Tally], row: Row) -> None:
    if not row.node or not row.active:
        return
    t = tallies.get(row.node)
    if t is None:
        return
    t.pods -= 1
    t.cpu_m -= row.cpu_m
    t.mem_b -= row.mem_b
