"""Helpers the simulated controllers share: quantities, cheap looks at stored pods (without parsing
their JSON), timestamps and hashes. The scheduling predicates (taints, tolerations, node affinity,
requests) are `k8stui.kube.scheduling`'s."""

from __future__ import annotations

import json
import math
import re
import time
from datetime import datetime, timezone
from typing import Any

from k8stui.sim.store import Entry, now_rfc3339

# ---- time ------------------------------------------------------------------------------------


def now_ts() -> str:
    return now_rfc3339()


def micro_ts(t: float | None = None) -> str:
    """A metav1.MicroTime, as Lease renewTime and Event eventTime carry it."""
    t = time.time() if t is None else t
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(s: str | None) -> float | None:
    if not s or not isinstance(s, str):
        return None
    try:
        s2 = s.replace("Z", "+00:00")
        return datetime.fromisoformat(s2).timestamp()
    except ValueError:
        return None


# ---- quantities ------------------------------------------------------------------------------

_BIN = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}
_DEC = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
        "E": 1e18}
_QTY_RE = re.compile(r"^([+-]?[0-9.]+)([eE][+-]?[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")


_QTY_CACHE: dict[str, float] = {}


def parse_quantity(q: Any) -> float:
    """A resource.Quantity in base units (cores, bytes, count); 0 for anything unparseable."""
    if q is None:
        return 0.0
    if isinstance(q, (int, float)):
        return float(q)
    q = str(q)
    v = _QTY_CACHE.get(q)
    if v is None:
        v = _parse_quantity(q)
        if len(_QTY_CACHE) > 10000:
            _QTY_CACHE.clear()
        _QTY_CACHE[q] = v
    return v


def _parse_quantity(q: str) -> float:
    m = _QTY_RE.match(q.strip())
    if not m:
        return 0.0
    try:
        v = float(m.group(1) + (m.group(2) or ""))
    except ValueError:
        return 0.0
    suf = m.group(3) or ""
    return v * (_BIN[suf] if suf in _BIN else _DEC[suf])


def cpu_millis(q: Any) -> int:
    return int(math.ceil(parse_quantity(q) * 1000 - 1e-9))


_REQ_RE = re.compile(rb'"requests":\{([^{}]*)\}')
_CPU_RE = re.compile(rb'"cpu":"?([^",}]*)')
_MEM_RE = re.compile(rb'"memory":"?([^",}]*)')


def raw_requests(raw: bytes) -> tuple[int, int]:
    """pod_requests from the stored JSON without parsing it (sums every requests block)."""
    if b'"requests":{' not in raw:
        return 0, 0
    cpu = mem = 0
    for block in _REQ_RE.findall(raw):
        got = _BLOCK_CACHE.get(block)
        if got is None:
            c = m_ = 0
            m = _CPU_RE.search(block)
            if m:
                c = cpu_millis(m.group(1).decode())
            m = _MEM_RE.search(block)
            if m:
                m_ = int(parse_quantity(m.group(1).decode()))
            got = (c, m_)
            if len(_BLOCK_CACHE) > 10000:
                _BLOCK_CACHE.clear()
            _BLOCK_CACHE[block] = got
        cpu += got[0]
        mem += got[1]
    return cpu, mem


_BLOCK_CACHE: dict[bytes, tuple[int, int]] = {}
_GEN_RE = re.compile(rb'"generation":(\d+)')


def entry_generation(e: Entry) -> int:
    m = _GEN_RE.search(e.raw)
    return int(m.group(1)) if m else 0


def entry_status(e: Entry) -> dict:
    """The object's status without parsing the whole object when status is its last field."""
    raw = e.raw
    i = raw.rfind(b'"status":{')
    if i > 0 and raw[i - 1:i] == b"," and raw.endswith(b"}"):
        try:
            st = json.loads(raw[i + 9:-1])
            if isinstance(st, dict):
                return st
        except ValueError:
            pass
    try:
        return e.obj().get("status") or {}
    except ValueError:
        return {}


def int_or_percent(v: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if v is None:
        return 0
    if isinstance(v, int):
        return v
    s = str(v)
    if s.endswith("%"):
        try:
            pct = int(s[:-1])
        except ValueError:
            return 0
        x = pct * total / 100
        return int(math.ceil(x)) if round_up else int(math.floor(x))
    try:
        return int(s)
    except ValueError:
        return 0


# ---- cheap looks at stored pods ---------------------------------------------------------------

_READY_TRUE = b'"type":"Ready","status":"True"'
_READY_KEY = b'"type":"Ready"'
_DELETING = b'"deletionTimestamp":"'


def entry_deleting(e: Entry) -> bool:
    return _DELETING in e.raw


def entry_ready(e: Entry) -> bool:
    raw = e.raw
    if _READY_TRUE in raw:
        return True
    if _READY_KEY not in raw:
        return False
    return pod_ready(e.obj())


def entry_phase(e: Entry) -> str:
    return e.fields.get("status.phase", "")


def entry_node(e: Entry) -> str:
    return e.fields.get("spec.nodeName", "")


def entry_active(e: Entry) -> bool:
    """Counts as a replica: not terminating and not finished."""
    return not entry_deleting(e) and entry_phase(e) not in ("Succeeded", "Failed")


def pod_condition(pod: dict, ctype: str) -> dict | None:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c
    return None


def pod_ready(pod: dict) -> bool:
    c = pod_condition(pod, "Ready")
    return bool(c and c.get("status") == "True")


def is_mirror(pod: dict) -> bool:
    return "kubernetes.io/config.mirror" in ((pod.get("metadata") or {}).get("annotations") or {})


def set_condition(conds: list[dict], cond: dict, ts: str) -> list[dict]:
    """Replace the condition of cond's type, keeping lastTransitionTime if the status is the same."""
    out = []
    found = False
    for c in conds:
        if c.get("type") == cond["type"]:
            found = True
            new = dict(cond)
            if c.get("status") == cond.get("status") and c.get("lastTransitionTime"):
                new["lastTransitionTime"] = c["lastTransitionTime"]
            else:
                new["lastTransitionTime"] = ts
            out.append(new)
        else:
            out.append(c)
    if not found:
        new = dict(cond)
        new.setdefault("lastTransitionTime", ts)
        out.append(new)
    return out


# ---- DaemonSet pods' node -----------------------------------------------------------------------

def node_name_from_affinity(spec: dict) -> str:
    """The node a DaemonSet pod is pinned to by its matchFields metadata.name affinity."""
    req = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
           .get("requiredDuringSchedulingIgnoredDuringExecution")) or {}
    for t in req.get("nodeSelectorTerms") or []:
        for f in t.get("matchFields") or []:
            if f.get("key") == "metadata.name" and f.get("operator") == "In" and len(f.get("values") or []) == 1:
                return f["values"][0]
    return ""


# ---- hashing (pod-template-hash, controller-revision-hash) ------------------------------------

_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def safe_encode(s: str) -> str:
    """k8s.io/apimachinery/pkg/util/rand.SafeEncodeString."""
    return "".join(_ALPHANUMS[b % len(_ALPHANUMS)] for b in s.encode())


def fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def template_hash(template: dict, collision_count: int | None = None) -> str:
    """ComputeHash: a stable hash of a pod template, encoded as the real controllers encode it."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        data += str(collision_count).encode()
    return safe_encode(str(fnv32a(data)))


def owner_ref(obj: dict, block: bool = True) -> dict:
    return {"apiVersion": obj.get("apiVersion", ""), "kind": obj.get("kind", ""),
            "name": obj["metadata"]["name"], "uid": obj["metadata"]["uid"], "controller": True,
            "blockOwnerDeletion": block}
