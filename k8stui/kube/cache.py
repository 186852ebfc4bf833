"""List-then-watch caches of compact rows, kept true across dropped streams and compactions.

`ResourceCache.run()` lists in pages (limit/continue), then watches from the list's
resourceVersion. A dropped stream reconnects with backoff from the last resourceVersion seen
(bookmarks keep it fresh); a 410 Gone relists, and the relist replaces the row set, so rows
deleted while we were away disappear (no ghosts) and none are lost. Changes are folded into the
rows as they arrive and recorded as dirty keys; the UI takes them in batches (`take_changes`).

Never stale without saying so: every request has connect and read timeouts, and a watch that
brings nothing (no event, no bookmark) for `quiet_seconds` is probed with a cheap GET (a list of
one item) that must answer within `probe_seconds`. A failed probe declares the stream lost: the
state becomes `stale` and `stale_since` says since when the rows were last known true (the last
event, bookmark, list or answered probe). `last_update` is the last GOOD update (an event, a
bookmark, a list page) and never moves while disconnected. A state is `live` only once a watch
is open. With the defaults a hung server shows as stale within `quiet_seconds + probe_seconds`
(15 s) and a recovered one as live within `1.5 * max_backoff` (15 s) plus one list and watch.

Back by itself: a TLS failure or a 401 asks the connection to re-read a changed kubeconfig
(`Connection.refresh`); a new API client (a new `conn.generation`) makes every cache relist, so
the rows of the old cluster are replaced by the new one's.

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

from k8stui.errors import UserError
from k8stui.kube.connection import Connection, explain, needs_new_credentials
from k8stui.kube.rows import ROW_BUILDERS, Row

try:  # twice as fast on list pages and watch lines, when installed; same results
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    _loads = json.loads

PAGE = 500
WATCH_SECONDS = 300  # the server ends a watch after this (timeoutSeconds); it is made again at once
QUIET_SECONDS = 10.0  # a watch with no line for this long is probed
PROBE_SECONDS = 5.0  # the probe's whole budget: no answer in time, the stream is lost
CONNECT_SECONDS = 5.0  # every request: TCP connect and TLS handshake
READ_SECONDS = 15.0  # every request but the watch (which is probed): the longest silence of a socket
PAGE_SECONDS = 60.0  # one list page, in all
FIRST_BACKOFF = 0.2
MAX_BACKOFF = 10.0  # waits are jittered to 0.5-1.5 times this at most: back within 15 s of recovery
# states in which the rows may no longer be what the cluster holds
STALE_STATES = ("stale", "reconnecting")


class Gone(Exception):
    """The resourceVersion we hold was compacted away: relist."""


class StreamLost(UserError):
    """The watch went quiet and the server did not answer a probe in time."""


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
        self.last_update = 0.0  # the last good update: an event, a bookmark, a list page
        self.stale_since: float | None = None  # rows last known true then; None while live
        self.confirmed_at = 0.0  # the last time the rows were known true (good update, answered probe)
        # intervals (tests shorten them; see the module docstring for what the defaults promise)
        self.watch_seconds = WATCH_SECONDS
        self.quiet_seconds = QUIET_SECONDS
        self.probe_seconds = PROBE_SECONDS
        self.connect_seconds = CONNECT_SECONDS
        self.read_seconds = READ_SECONDS
        self.page_seconds = PAGE_SECONDS
        self.first_backoff = FIRST_BACKOFF
        self.max_backoff = MAX_BACKOFF
        self.probes = 0
        self.credential_refreshes = 0
        self._generation = conn.generation  # the connection's API client the rows were listed with
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

    @property
    def is_stale(self) -> bool:
        """The rows may be out of date: the stream was lost and is not back yet."""
        return self.stale_since is not None

    def worst_case_stale_s(self) -> float:
        """The longest a hung server can look live: the quiet wait, then the probe."""
        return self.quiet_seconds + self.probe_seconds

    def worst_case_recovery_s(self) -> float:
        """The longest wait, after a server is back, before the next attempt (which then needs
        only one list and one watch to be live)."""
        return 1.5 * self.max_backoff

    def _notify(self) -> None:
        """Good data arrived (an event, a bookmark, a list page)."""
        self.last_update = self.confirmed_at = self.clock()
        self._changed()

    def _changed(self) -> None:
        if self.on_change:
            self.on_change()

    # ---- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        """List, then watch forever; cancel the task to stop."""
        backoff = self.first_backoff
        need_list = True
        while True:
            try:
                if need_list or self._generation != self.conn.generation:
                    # a new API client (the kubeconfig changed) may point at another cluster
                    self._generation = self.conn.generation
                    self.state = "listing" if not self.synced.is_set() else "relisting"
                    self._changed()
                    await self._list()
                    need_list = False
                    self.synced.set()
                await self._watch()
                backoff = self.first_backoff  # a watch that ended normally (timeout) is made again at once
            except Gone:
                self.relists += 1
                need_list = True
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self._lost(e)
                if await self._refresh_credentials(e):
                    need_list = True
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(backoff * 2, self.max_backoff)
                if isinstance(e, ApiException) and e.status == 410:
                    need_list = True

    def _lost(self, e: Exception) -> None:
        """The stream failed: say why, and since when the rows are stale (the first failure of an
        outage fixes it). `last_update` stays: nothing good arrived."""
        self.error = str(explain(e, self.conn))
        # no answer in time: the server may be hung; anything else: it answered with an error
        self.state = "stale" if isinstance(e, (asyncio.TimeoutError, StreamLost)) else "reconnecting"
        if self.stale_since is None and self.synced.is_set():
            self.stale_since = self.confirmed_at or self.clock()
        self.reconnects += 1
        self._changed()

    async def _refresh_credentials(self, e: Exception) -> bool:
        """A TLS failure or a 401: a rewritten kubeconfig may cure it (see Connection.refresh)."""
        try:
            refreshed = await self.conn.refresh(e)
        except Exception as err:  # a broken kubeconfig: keep trying with what we have
            self.error = f"{self.error}; re-reading the kubeconfig failed: {err}"
            return False
        if refreshed:
            self.credential_refreshes += 1
        elif self.conn.refresh_error and needs_new_credentials(e):
            self.error = f"{self.error}; {self.conn.refresh_error}"
        return refreshed or self._generation != self.conn.generation

    def _went_live(self) -> None:
        self.state = "live"
        self.error = None
        self.stale_since = None
        self.confirmed_at = self.clock()
        self._changed()

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
        async with asyncio.timeout(self.page_seconds):
            resp = await self._call(limit=self.page_size, _continue=token,
                                    _request_timeout=(float(self.connect_seconds), float(self.read_seconds)))
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
        # a quiet stream is probed (a quiet cluster is not a dead server); the socket's own read
        # timeout only ends a stream the server never closes
        resp = await self._call(watch=True, resource_version=self.resource_version, allow_watch_bookmarks=True,
                                timeout_seconds=int(self.watch_seconds),
                                _request_timeout=(float(self.connect_seconds), self.watch_seconds + 30.0))
        if resp.status == 410:
            raise Gone()
        if resp.status >= 400:
            body = await resp.read()
            raise ApiException(status=resp.status, reason=resp.reason, body=body.decode(errors="replace"))
        self._went_live()
        content = resp.content
        # one read outstanding at a time, never cancelled by the quiet wait (a cancelled readline
        # would lose the part of a line it had taken)
        reading: asyncio.Future | None = None
        try:
            pending = 0
            while True:
                if reading is None:
                    reading = asyncio.ensure_future(content.readline())
                done, _ = await asyncio.wait((reading,), timeout=self.quiet_seconds)
                if not done:
                    await self._probe()  # raises when the server does not answer
                    continue
                line, reading = reading.result(), None
                if not line:
                    break  # the server ended the watch
                if not line.strip():
                    continue
                ev = _loads(line)
                self._apply(ev)
                pending += 1
                # fold a burst: notify once the stream has nothing more buffered
                if content.is_eof() or not content._buffer:  # type: ignore[attr-defined]
                    self._notify()
                    pending = 0
            if pending:
                self._notify()
        finally:
            if reading is not None and not reading.done():
                reading.cancel()
            resp.release()

    async def _probe(self) -> None:
        """The watch is quiet: is the server there? A list of one item must answer in time."""
        self.probes += 1
        budget = float(self.probe_seconds)
        resp = None
        try:
            async with asyncio.timeout(budget):
                resp = await self._call(limit=1, _request_timeout=(budget, budget))
                body = await resp.read()
        except asyncio.TimeoutError:
            if resp is not None:
                resp.release()
            raise StreamLost(f"the API server stopped answering ({self.conn.context} at {self.conn.server}): "
                             f"no watch event for {self.quiet_seconds:g}s and no answer to a probe in "
                             f"{budget:g}s") from None
        if resp.status >= 400:
            raise ApiException(status=resp.status, reason=resp.reason, body=body.decode(errors="replace"))
        self.confirmed_at = self.clock()

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
        if etype == "BOOKMARK":  # nothing changed up to rv: counts as a good update (see _watch)
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
