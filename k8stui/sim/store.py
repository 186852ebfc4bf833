"""The simulated cluster's object store: what etcd plus the generic registry are to a real apiserver.

Objects are kept as their serialized JSON (bytes) plus the few fields that lists filter on, not as
Python dicts: 150,000 pods as dicts cost over a gigabyte, as bytes a fifth of that, and a list
response is then a join of stored bytes. Everything runs on one asyncio loop, so no locking.

Semantics kept from the real thing: one global, increasing resourceVersion; optimistic concurrency
(409 Conflict on a stale resourceVersion); graceful pod deletion (deletionTimestamp first, removal
later); finalizers; keys ordered by namespace/name for `limit`/`continue` paging; a bounded event
history from which watches start, and 410 Gone when a watch asks for a compacted resourceVersion.
"""

from __future__ import annotations

import base64
import bisect
import copy
import json
import random
import sys
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from k8stui.sim import errors
from k8stui.sim.errors import ApiError
from k8stui.sim.resources import BY_PLURAL, Resource, field_values

# Kinds whose spec changes bump metadata.generation (what their controllers observe).
GENERATION_KINDS = {
    "deployments", "replicasets", "daemonsets", "statefulsets", "jobs", "poddisruptionbudgets",
    "pods",
}
# Kinds with a status subresource: a PUT/PATCH of the main resource keeps the old status.
STATUS_KINDS = {r.plural for r in BY_PLURAL.values() if r.subresource("status")}

_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def now_rfc3339(t: float | None = None) -> str:
    t = time.time() if t is None else t
    return datetime.fromtimestamp(int(t), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def random_suffix(n: int = 5) -> str:
    return "".join(random.choice(_NAME_CHARS) for _ in range(n))


class Entry:
    """One stored object: its JSON and what selectors look at."""

    __slots__ = ("raw", "rv", "namespace", "name", "labels", "fields")

    def __init__(self, raw: bytes, rv: int, namespace: str, name: str,
                 labels: dict[str, str], fields: dict[str, str]):
        self.raw = raw
        self.rv = rv
        self.namespace = namespace
        self.name = name
        self.labels = labels
        self.fields = fields

    def obj(self) -> dict:
        return json.loads(self.raw)


@dataclass(slots=True)
class Event:
    type: str  # ADDED, MODIFIED, DELETED
    rv: int
    resource: str
    entry: Entry


class Table:
    """All objects of one resource, keyed and ordered by (namespace, name)."""

    def __init__(self, res: Resource):
        self.res = res
        self.items: dict[tuple[str, str], Entry] = {}
        self.keys: list[tuple[str, str]] = []

    def put(self, key: tuple[str, str], entry: Entry) -> None:
        if key not in self.items:
            bisect.insort(self.keys, key)
        self.items[key] = entry

    def remove(self, key: tuple[str, str]) -> None:
        del self.items[key]
        i = bisect.bisect_left(self.keys, key)
        del self.keys[i]


class Watcher:
    """A subscriber to one resource's events; the server drains `queue`."""

    def __init__(self, resource: str, namespace: str | None,
                 match: Callable[[Entry], bool], maxsize: int = 0):
        import asyncio

        self.resource = resource
        self.namespace = namespace
        self.match = match
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize)
        self.closed = False

    def offer(self, ev: Event) -> None:
        if self.closed:
            return
        if self.namespace and ev.entry.namespace != self.namespace:
            return
        self.queue.put_nowait(ev)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.queue.put_nowait(None)


class Store:
    def __init__(self, history_size: int = 200_000, clock: Callable[[], float] = time.time):
        self.rv = 1000
        self.clock = clock
        self.tables: dict[str, Table] = {p: Table(r) for p, r in BY_PLURAL.items()}
        self.history: deque[Event] = deque(maxlen=history_size)
        self.watchers: dict[str, set[Watcher]] = {p: set() for p in BY_PLURAL}
        # in-process controllers: called synchronously after every commit; they only enqueue
        self.listeners: list[Callable[[Event], None]] = []
        self.defaulter: Callable[[Resource, dict, dict | None], None] | None = None
        self.validator: Callable[[Resource, dict, dict | None], None] | None = None

    # ---- reads -----------------------------------------------------------------------------

    def table(self, resource: str) -> Table:
        return self.tables[resource]

    def entry(self, resource: str, namespace: str, name: str) -> Entry | None:
        return self.tables[resource].items.get((namespace or "", name))

    def get(self, resource: str, namespace: str, name: str) -> dict:
        e = self.entry(resource, namespace, name)
        if e is None:
            raise errors.not_found(BY_PLURAL[resource], name)
        return e.obj()

    def try_get(self, resource: str, namespace: str, name: str) -> dict | None:
        e = self.entry(resource, namespace, name)
        return e.obj() if e else None

    def entries(self, resource: str, namespace: str | None = None) -> Iterable[Entry]:
        t = self.tables[resource]
        if not namespace:
            return [t.items[k] for k in t.keys]
        lo = bisect.bisect_left(t.keys, (namespace, ""))
        out = []
        for k in t.keys[lo:]:
            if k[0] != namespace:
                break
            out.append(t.items[k])
        return out

    def objects(self, resource: str, namespace: str | None = None,
                match: Callable[[Entry], bool] | None = None) -> list[dict]:
        return [e.obj() for e in self.entries(resource, namespace) if match is None or match(e)]

    def list_page(self, resource: str, namespace: str | None, match: Callable[[Entry], bool] | None,
                  limit: int, continue_token: str | None) -> tuple[list[Entry], int, str, int | None]:
        """One page of a list: (entries, list resourceVersion, continue token, remaining count).

        A continued list reports the resourceVersion of its first page, as the real server does;
        objects changed since then appear as they are now, and a watch from that resourceVersion
        replays those changes, so list-then-watch clients still converge on the truth.
        """
        t = self.tables[resource]
        list_rv = self.rv
        start_key: tuple[str, str] | None = None
        if continue_token:
            list_rv, start_key = self._decode_continue(continue_token)
            if self.history and list_rv < self.history[0].rv - 1 and len(self.history) == self.history.maxlen:
                raise errors.gone("The provided continue parameter is too old to display a consistent "
                                  "list result. You can start a new list without the continue parameter, "
                                  "or use the continue token in this response to retrieve the remainder "
                                  "of the results. Continuing with the provided token results in an "
                                  "inconsistent list - objects that were created, modified, or deleted "
                                  "between the time the first chunk was returned and now may show up in "
                                  "the list.")
        keys = t.keys
        n = len(keys)
        # the scope: the whole table, or one namespace's contiguous run of keys
        lo = bisect.bisect_left(keys, (namespace, "")) if namespace else 0
        hi = bisect.bisect_left(keys, (namespace + "\x00", "")) if namespace else n
        i = bisect.bisect_right(keys, start_key) if start_key is not None else lo
        i = max(i, lo)
        out: list[Entry] = []
        last_key = None
        items = t.items
        while i < hi:
            k = keys[i]
            e = items[k]
            i += 1
            if match is None or match(e):
                out.append(e)
                last_key = k
                if limit and len(out) >= limit:
                    break
        token = ""
        remaining = None
        # as etcd3's store: a continue token whenever the limit stopped us with keys left in scope
        # (matching or not); remainingItemCount only for unfiltered lists
        if limit and len(out) >= limit and i < hi and last_key is not None:
            token = self._encode_continue(list_rv, last_key)
            if match is None:
                remaining = hi - i
        return out, list_rv, token, remaining

    @staticmethod
    def _encode_continue(rv: int, key: tuple[str, str]) -> str:
        raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": f"{key[0]}/{key[1]}"})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @staticmethod
    def _decode_continue(token: str) -> tuple[int, tuple[str, str]]:
        try:
            pad = "=" * (-len(token) % 4)
            data = json.loads(base64.urlsafe_b64decode(token + pad))
            ns, _, name = data["start"].partition("/")
            return int(data["rv"]), (ns, name)
        except Exception:
            raise errors.bad_request("continue key is not valid: incorrect encoded start resourceVersion "
                                     "(version meta.k8s.io/v1)") from None

    # ---- writes ----------------------------------------------------------------------------

    def _next_rv(self) -> int:
        self.rv += 1
        return self.rv

    def _commit(self, res: Resource, obj: dict, etype: str, rv: int) -> Entry:
        meta = obj["metadata"]
        ns = meta.get("namespace", "") if res.namespaced else ""
        fields = {k: sys.intern(v) for k, v in field_values(res, obj).items()}
        entry = Entry(dumps(obj), rv, ns, meta["name"], dict(meta.get("labels") or {}), fields)
        t = self.tables[res.plural]
        key = (ns, entry.name)
        if etype == "DELETED":
            t.remove(key)
        else:
            t.put(key, entry)
        ev = Event(etype, rv, res.plural, entry)
        self.history.append(ev)
        for w in list(self.watchers[res.plural]):
            w.offer(ev)
        for listener in self.listeners:
            listener(ev)
        return entry

    def create(self, resource: str, obj: dict, namespace: str | None = None,
               dry_run: bool = False, created: float | None = None) -> dict:
        res = BY_PLURAL[resource]
        obj = copy.deepcopy(obj)
        obj["apiVersion"] = res.api_version
        obj["kind"] = res.kind
        meta = obj.setdefault("metadata", {})
        if res.namespaced:
            ns = namespace or meta.get("namespace") or "default"
            if meta.get("namespace") and namespace and meta["namespace"] != namespace:
                raise errors.bad_request("the namespace of the provided object does not match the "
                                         "namespace sent on the request")
            meta["namespace"] = ns
            if not self.entry("namespaces", "", ns) and resource != "events":
                raise ApiError(404, f'namespaces "{ns}" not found', details={"name": ns, "kind": "namespaces"})
        else:
            meta.pop("namespace", None)
        if not meta.get("name"):
            if meta.get("generateName"):
                meta["name"] = meta["generateName"] + random_suffix()
            else:
                raise errors.invalid(res, "", [("metadata.name", "FieldValueRequired",
                                                "Required value: name or generateName is required")])
        # the uid first: defaulting may derive from it (a Job's controller-uid selector)
        meta["uid"] = str(uuid.uuid4())
        if self.defaulter:
            self.defaulter(res, obj, None)
        if self.validator:
            self.validator(res, obj, None)
        key = (meta.get("namespace", ""), meta["name"])
        if key in self.tables[resource].items:
            raise errors.already_exists(res, meta["name"])
        meta["creationTimestamp"] = now_rfc3339(self.clock() if created is None else created)
        meta.pop("deletionTimestamp", None)
        meta.pop("deletionGracePeriodSeconds", None)
        if resource in GENERATION_KINDS:
            meta["generation"] = 1
        if dry_run:
            meta["resourceVersion"] = ""
            return obj
        rv = self._next_rv()
        meta["resourceVersion"] = str(rv)
        self._commit(res, obj, "ADDED", rv)
        return obj

    def seed(self, resource: str, obj: dict, creation: float | None = None) -> dict:
        """Create an object as if it had existed for a while (scenario loading)."""
        return self.create(resource, obj, created=creation)

    def insert_loaded(self, resource: str, obj: dict, created: str) -> dict:
        """Bulk-load fast path for generated scenarios: the object is complete and valid already.

        No defaulting, validation or copying; `obj` is taken over. Listeners still see the event.
        """
        res = BY_PLURAL[resource]
        meta = obj["metadata"]
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = created
        if resource in GENERATION_KINDS:
            meta["generation"] = 1
        rv = self._next_rv()
        meta["resourceVersion"] = str(rv)
        self._commit(res, obj, "ADDED", rv)
        return obj

    def update(self, resource: str, obj: dict, subresource: str | None = None,
               dry_run: bool = False, namespace: str | None = None, name: str | None = None) -> dict:
        """PUT semantics: a stale metadata.resourceVersion is a 409; empty means unconditional."""
        res = BY_PLURAL[resource]
        meta = obj.get("metadata") or {}
        ns = (namespace if namespace is not None else meta.get("namespace", "")) if res.namespaced else ""
        name = name or meta.get("name", "")
        if meta.get("name") and name != meta.get("name"):
            raise errors.bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                     % (meta.get("name"), name))
        cur = self.entry(resource, ns, name)
        if cur is None:
            raise errors.not_found(res, name)
        want_rv = meta.get("resourceVersion")
        if want_rv and str(want_rv) != str(cur.rv):
            raise errors.conflict(res, name)
        old = cur.obj()
        new = copy.deepcopy(obj)
        new["apiVersion"], new["kind"] = res.api_version, res.kind
        nmeta = new.setdefault("metadata", {})
        # immutable metadata
        for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                  "generation"):
            if k in old["metadata"]:
                nmeta[k] = old["metadata"][k]
            else:
                nmeta.pop(k, None)
        nmeta["name"] = name
        if res.namespaced:
            nmeta["namespace"] = ns
        if subresource == "status":
            # a status write changes the status only: spec and metadata stay as stored
            merged = copy.deepcopy(old)
            merged["status"] = new.get("status")
            if merged["status"] is None:
                merged.pop("status")
            new = merged
        elif resource in STATUS_KINDS:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        if self.defaulter:
            self.defaulter(res, new, old)
        if self.validator:
            self.validator(res, new, old)
        if resource in GENERATION_KINDS and subresource != "status" and new.get("spec") != old.get("spec"):
            new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
        return self._write(res, new, old, dry_run)

    def _write(self, res: Resource, new: dict, old: dict, dry_run: bool) -> dict:
        meta = new["metadata"]
        if dry_run:
            meta["resourceVersion"] = old["metadata"]["resourceVersion"]
            return new
        if new == old:  # a no-op write does not bump the resourceVersion (as etcd3 store)
            return old
        # finalizers gone on a deleting object: it is removed now
        if meta.get("deletionTimestamp") and not meta.get("finalizers") and res.plural != "pods":
            rv = self._next_rv()
            meta["resourceVersion"] = str(rv)
            self._commit(res, new, "DELETED", rv)
            return new
        rv = self._next_rv()
        meta["resourceVersion"] = str(rv)
        self._commit(res, new, "MODIFIED", rv)
        return new

    def mutate(self, resource: str, namespace: str, name: str, fn: Callable[[dict], Any],
               subresource: str | None = None) -> dict:
        """Read-modify-write for in-process controllers (single loop, so no conflicts)."""
        res = BY_PLURAL[resource]
        cur = self.entry(resource, namespace, name)
        if cur is None:
            raise errors.not_found(res, name)
        old = cur.obj()
        new = copy.deepcopy(old)
        fn(new)
        if resource in GENERATION_KINDS and subresource != "status" and new.get("spec") != old.get("spec"):
            new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
        return self._write(res, new, old, False)

    def delete(self, resource: str, namespace: str, name: str, grace_seconds: int | None = None,
               preconditions: dict | None = None, dry_run: bool = False,
               immediate_if_unbound: bool = True) -> tuple[dict, bool]:
        """Delete; returns (object, removed_now). Pods on a node terminate gracefully."""
        res = BY_PLURAL[resource]
        ns = namespace if res.namespaced else ""
        cur = self.entry(resource, ns, name)
        if cur is None:
            raise errors.not_found(res, name)
        obj = cur.obj()
        meta = obj["metadata"]
        if preconditions:
            if preconditions.get("uid") and preconditions["uid"] != meta.get("uid"):
                raise ApiError(409, f'Precondition failed: UID in precondition: {preconditions["uid"]}, '
                               f'UID in object meta: {meta.get("uid")}', "Conflict")
            if preconditions.get("resourceVersion") and str(preconditions["resourceVersion"]) != str(cur.rv):
                raise ApiError(409, "Precondition failed: ResourceVersion in precondition: "
                               f'{preconditions["resourceVersion"]}, ResourceVersion in object meta: {cur.rv}',
                               "Conflict")
        graceful = False
        if resource == "pods":
            grace = grace_seconds if grace_seconds is not None else \
                (obj.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
            phase = (obj.get("status") or {}).get("phase")
            bound = bool((obj.get("spec") or {}).get("nodeName"))
            if bound and grace > 0 and phase not in ("Succeeded", "Failed"):
                graceful = True
            elif grace > 0 and not immediate_if_unbound:
                graceful = True
        if dry_run:
            return obj, not graceful
        if graceful:
            now = self.clock()
            existing = meta.get("deletionTimestamp")
            deadline = now + grace
            if existing and meta.get("deletionGracePeriodSeconds", 0) <= grace:
                return obj, False  # already terminating with a shorter or equal grace
            meta["deletionTimestamp"] = now_rfc3339(deadline)
            meta["deletionGracePeriodSeconds"] = grace
            if (obj.get("spec") or {}).get("terminationGracePeriodSeconds", 30) > grace:
                obj["spec"]["terminationGracePeriodSeconds"] = grace
            rv = self._next_rv()
            meta["resourceVersion"] = str(rv)
            self._commit(res, obj, "MODIFIED", rv)
            return obj, False
        if meta.get("finalizers"):
            if not meta.get("deletionTimestamp"):
                meta["deletionTimestamp"] = now_rfc3339(self.clock())
                meta["deletionGracePeriodSeconds"] = 0
                rv = self._next_rv()
                meta["resourceVersion"] = str(rv)
                self._commit(res, obj, "MODIFIED", rv)
            return obj, False
        rv = self._next_rv()
        meta["resourceVersion"] = str(rv)
        self._commit(res, obj, "DELETED", rv)
        return obj, True

    def finish_pod_deletion(self, namespace: str, name: str, uid: str | None = None) -> bool:
        """What the kubelet does when a terminating pod's containers are gone: delete with grace 0."""
        cur = self.entry("pods", namespace, name)
        if cur is None:
            return False
        obj = cur.obj()
        if uid and obj["metadata"].get("uid") != uid:
            return False
        if obj["metadata"].get("finalizers"):
            return False
        rv = self._next_rv()
        obj["metadata"]["resourceVersion"] = str(rv)
        self._commit(BY_PLURAL["pods"], obj, "DELETED", rv)
        return True

    # ---- watch -----------------------------------------------------------------------------

    def watch(self, resource: str, namespace: str | None, match: Callable[[Entry], bool],
              since_rv: int | None) -> tuple[Watcher, list[Event]]:
        """Subscribe; returns the watcher and the history events after `since_rv` to replay first.

        Raises 410 Gone when `since_rv` is older than the history kept, as a compacted etcd does.
        """
        backlog: list[Event] = []
        if since_rv is not None and since_rv < self.rv:
            oldest = self.history[0].rv if self.history else self.rv + 1
            if since_rv < oldest - 1:
                raise errors.gone(f"too old resource version: {since_rv} ({oldest - 1})")
            # history is ordered by rv: find the first event after since_rv
            lo, hi = 0, len(self.history)
            while lo < hi:
                mid = (lo + hi) // 2
                if self.history[mid].rv <= since_rv:
                    lo = mid + 1
                else:
                    hi = mid
            for i in range(lo, len(self.history)):
                ev = self.history[i]
                if ev.resource == resource and (not namespace or ev.entry.namespace == namespace):
                    backlog.append(ev)
        w = Watcher(resource, namespace, match)
        self.watchers[resource].add(w)
        return w, backlog

    def unwatch(self, w: Watcher) -> None:
        self.watchers[w.resource].discard(w)
        w.close()

    def close_watchers(self) -> None:
        for ws in self.watchers.values():
            for w in list(ws):
                w.close()
            ws.clear()
