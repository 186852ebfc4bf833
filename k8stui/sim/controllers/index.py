"""Indexes the controllers share, kept in step with the store by a synchronous listener.

The store only knows objects by namespace/name; controllers need "the pods this ReplicaSet
controls", "the dependents of this uid", "the pods on this node" and parsed node facts. Those are
maintained incrementally here (ownerReferences are read from the stored JSON with a regex, so a
150,000-pod cluster is indexed without parsing every pod), never by rescanning the store per event.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from k8stui.sim.controllers.util import cpu_millis, parse_quantity
from k8stui.sim.store import Entry, Event, Store

_OWNERS_RE = re.compile(rb'"ownerReferences":(\[[^\]]*\])')
# the canonical shape (what the controllers and generator write), parsed without json
_REF_RE = re.compile(rb'\{"apiVersion":"([^"\\]*)","kind":"([^"\\]*)","name":"([^"\\]*)","uid":"([^"\\]*)"'
                     rb'(?:,"controller":(true|false))?(?:,"blockOwnerDeletion":(?:true|false))?\}')

# kinds whose objects can own others or be owned, as far as the controllers care
OWNED_RESOURCES = ("pods", "replicasets", "jobs", "controllerrevisions", "daemonsets", "statefulsets",
                   "deployments", "configmaps", "secrets", "services", "leases")


class OwnerRef(NamedTuple):
    kind: str
    name: str
    uid: str
    controller: bool
    api_version: str


Key = tuple[str, str, str]  # (resource, namespace, name)

_NO_OWNERS: tuple[OwnerRef, ...] = ()


@dataclass(slots=True)
class Change:
    """One committed event with what the index knows about it (before/after)."""

    ev: Event
    owners: tuple[OwnerRef, ...] = _NO_OWNERS  # current owners (for DELETED: the last ones)
    old_owners: tuple[OwnerRef, ...] = _NO_OWNERS
    node: str = ""  # pods: current spec.nodeName
    old_node: str = ""

    @property
    def controller(self) -> OwnerRef | None:
        for o in self.owners:
            if o.controller:
                return o
        return None

    @property
    def old_controller(self) -> OwnerRef | None:
        for o in self.old_owners:
            if o.controller:
                return o
        return None


@dataclass(slots=True)
class NodeInfo:
    name: str
    uid: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[dict] = field(default_factory=list)
    unschedulable: bool = False
    ready: bool = True
    alloc_cpu: int = 0  # millicores
    alloc_mem: int = 0  # bytes
    alloc_pods: int = 110
    internal_ip: str = ""
    pod_cidr: str = ""

    def signature(self) -> tuple:
        """What scheduling and DaemonSet placement depend on."""
        return (tuple(sorted(self.labels.items())), json.dumps(self.taints, sort_keys=True), self.unschedulable,
                self.ready, self.alloc_cpu, self.alloc_mem, self.alloc_pods)


def node_info(obj: dict) -> NodeInfo:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    alloc = status.get("allocatable") or status.get("capacity") or {}
    ready = False
    for c in status.get("conditions") or []:
        if c.get("type") == "Ready":
            ready = c.get("status") == "True"
    ip = ""
    for a in status.get("addresses") or []:
        if a.get("type") == "InternalIP":
            ip = a.get("address", "")
            break
    pods = alloc.get("pods")
    return NodeInfo(
        name=meta.get("name", ""), uid=meta.get("uid", ""), labels=dict(meta.get("labels") or {}),
        taints=list(spec.get("taints") or []), unschedulable=bool(spec.get("unschedulable")), ready=ready,
        alloc_cpu=cpu_millis(alloc.get("cpu")) if alloc.get("cpu") is not None else 10 ** 9,
        alloc_mem=int(parse_quantity(alloc.get("memory"))) if alloc.get("memory") is not None else 2 ** 62,
        alloc_pods=int(parse_quantity(pods)) if pods is not None else 110,
        internal_ip=ip, pod_cidr=spec.get("podCIDR", ""))


class Index:
    def __init__(self, store: Store):
        self.store = store
        self.owners: dict[Key, tuple[OwnerRef, ...]] = {}
        self.dependents: dict[str, set[Key]] = {}  # owner uid -> every object referencing it
        self.controlled: dict[str, set[Key]] = {}  # owner uid -> objects it is the controller of
        self.pod_node: dict[tuple[str, str], str] = {}
        self.pods_by_node: dict[str, set[tuple[str, str]]] = {}
        self.nodes: dict[str, NodeInfo] = {}
        self._owner_cache: dict[bytes, tuple[OwnerRef, ...]] = {}

    # ---- owners ------------------------------------------------------------------------------

    def _parse_owners(self, raw: bytes) -> tuple[OwnerRef, ...]:
        if b'"ownerReferences":[' not in raw:
            return _NO_OWNERS
        m = _OWNERS_RE.search(raw)
        if not m:
            return _NO_OWNERS
        seg = m.group(1)
        cached = self._owner_cache.get(seg)
        if cached is not None:
            return cached
        fast = _REF_RE.findall(seg)
        if fast and len(fast) == seg.count(b"{"):
            out = tuple(OwnerRef(k.decode(), n.decode(), u.decode(), c == b"true", a.decode())
                        for a, k, n, u, c in fast)
        else:
            try:
                refs = json.loads(seg)
            except ValueError:
                # a `]` inside a value: fall back to the full object
                try:
                    refs = (json.loads(raw).get("metadata") or {}).get("ownerReferences") or []
                except ValueError:
                    refs = []
            out = tuple(OwnerRef(r.get("kind", ""), r.get("name", ""), r.get("uid", ""), bool(r.get("controller")),
                                 r.get("apiVersion", "")) for r in refs if isinstance(r, dict))
        if len(self._owner_cache) > 20000:
            self._owner_cache.clear()
        self._owner_cache[seg] = out
        return out

    def _set_owners(self, key: Key, owners: tuple[OwnerRef, ...]) -> tuple[OwnerRef, ...]:
        old = self.owners.get(key, _NO_OWNERS)
        if old == owners:
            return old
        for o in old:
            s = self.dependents.get(o.uid)
            if s is not None:
                s.discard(key)
                if not s:
                    del self.dependents[o.uid]
            if o.controller:
                s = self.controlled.get(o.uid)
                if s is not None:
                    s.discard(key)
                    if not s:
                        del self.controlled[o.uid]
        if owners:
            self.owners[key] = owners
            for o in owners:
                self.dependents.setdefault(o.uid, set()).add(key)
                if o.controller:
                    self.controlled.setdefault(o.uid, set()).add(key)
        else:
            self.owners.pop(key, None)
        return old

    def controlled_entries(self, uid: str, resource: str) -> list[Entry]:
        out = []
        for key in list(self.controlled.get(uid, ())):
            if key[0] != resource:
                continue
            e = self.store.entry(resource, key[1], key[2])
            if e is not None:
                out.append(e)
        return out

    def controller_of(self, resource: str, namespace: str, name: str) -> OwnerRef | None:
        for o in self.owners.get((resource, namespace, name), _NO_OWNERS):
            if o.controller:
                return o
        return None

    # ---- pods by node ------------------------------------------------------------------------

    def _set_pod_node(self, key: tuple[str, str], node: str) -> str:
        old = self.pod_node.get(key, "")
        if old == node:
            return old
        if old:
            s = self.pods_by_node.get(old)
            if s is not None:
                s.discard(key)
        if node:
            self.pod_node[key] = node
            self.pods_by_node.setdefault(node, set()).add(key)
        else:
            self.pod_node.pop(key, None)
        return old

    # ---- maintenance -------------------------------------------------------------------------

    def update(self, ev: Event) -> Change:
        res = ev.resource
        e = ev.entry
        ch = Change(ev)
        if res == "events":
            return ch
        key = (res, e.namespace, e.name)
        if ev.type == "DELETED":
            ch.owners = self._set_owners(key, _NO_OWNERS)
            ch.old_owners = ch.owners
        else:
            owners = self._parse_owners(e.raw)
            ch.old_owners = self._set_owners(key, owners)
            ch.owners = owners
        if res == "pods":
            pk = (e.namespace, e.name)
            if ev.type == "DELETED":
                ch.old_node = self._set_pod_node(pk, "")
                ch.node = ch.old_node
            else:
                ch.node = e.fields.get("spec.nodeName", "")
                ch.old_node = self._set_pod_node(pk, ch.node)
        elif res == "nodes":
            if ev.type == "DELETED":
                self.nodes.pop(e.name, None)
            else:
                self.nodes[e.name] = node_info(e.obj())
        return ch

    async def build(self) -> None:
        """Index what the store holds (chunked, so a large cluster does not stall the loop)."""
        st = self.store
        for e in st.entries("nodes"):
            self.nodes[e.name] = node_info(e.obj())
        n = 0
        for res in OWNED_RESOURCES:
            keys = list(st.table(res).keys)
            for ns, name in keys:
                e = st.entry(res, ns, name)
                if e is None:
                    continue
                self._set_owners((res, ns, name), self._parse_owners(e.raw))
                if res == "pods":
                    self._set_pod_node((ns, name), e.fields.get("spec.nodeName", ""))
                n += 1
                if n % 5000 == 0:
                    await asyncio.sleep(0)
