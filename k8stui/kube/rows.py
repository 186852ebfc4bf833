"""Compact rows: what the views keep of each pod and node instead of the API objects.

A 150,000-pod cluster cannot be held as client model objects (about 0.6 ms each to build, and
kilobytes each in memory). A row keeps the printed cells (from `printers`, the same code the
simulated server's Table uses) plus the few facts views sort, filter and tally on.
"""

from __future__ import annotations

import sys
from typing import Any

from k8stui.kube import printers, scheduling
from k8stui.kube.quantity import cpu_millis, mem_bytes  # noqa: F401  (re-exported: the views' columns)

_intern = sys.intern

POD_WIDE = ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
NODE_WIDE = ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE",
             "KERNEL-VERSION", "CONTAINER-RUNTIME"]
AGE = "AGE"


def pod_requests(pod: dict) -> tuple[int, int]:
    """Effective requests (millicores, bytes) as the scheduler counts them (`scheduling.pod_requests`)."""
    return scheduling.pod_requests(pod.get("spec") or {})


class Row:
    """One object as a view shows it. `cells` follow the kind's wide columns; AGE is printed
    from `created` when drawn, so it stays true without rewriting rows."""

    __slots__ = ("uid", "namespace", "name", "cells", "created", "labels", "node", "restarts",
                 "cpu_m", "mem_b", "active", "extra")

    def __init__(self, uid: str, namespace: str, name: str, cells: list[str], created: float,
                 labels: dict[str, str], node: str = "", restarts: int = 0, cpu_m: int = 0, mem_b: int = 0,
                 active: bool = True, extra: Any = None):
        self.uid = uid
        self.namespace = namespace
        self.name = name
        self.cells = cells
        self.created = created
        self.labels = labels
        self.node = node
        self.restarts = restarts
        self.cpu_m = cpu_m
        self.mem_b = mem_b
        self.active = active  # counts toward its node's tally (not finished)
        self.extra = extra

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


def _created(meta: dict) -> float:
    ts = meta.get("creationTimestamp")
    return printers.parse_time(ts) if ts else 0.0


def pod_row(pod: dict, now: float) -> Row:
    meta = pod.get("metadata") or {}
    cells = [str(c) for c in printers.pod_cells(pod, now)]
    # the RESTARTS cell is "3" or "3 (5m ago)": its count, without a second pass over the statuses
    restarts = int(cells[3].split(" ", 1)[0])
    cpu, mem = pod_requests(pod)
    phase = (pod.get("status") or {}).get("phase")
    node = (pod.get("spec") or {}).get("nodeName") or ""
    cells[1] = _intern(cells[1])
    cells[2] = _intern(cells[2])
    return Row(meta.get("uid", ""), _intern(meta.get("namespace", "")), meta.get("name", ""), cells,
               _created(meta), meta.get("labels") or {}, _intern(node), restarts, cpu, mem,
               phase not in ("Succeeded", "Failed"))


def node_row(node: dict, now: float) -> Row:
    meta = node.get("metadata") or {}
    cells = [str(c) for c in printers.node_cells(node, now)]
    alloc = (node.get("status") or {}).get("allocatable") or {}
    # allocatable: (cpu millicores, memory bytes, pods)
    extra = (cpu_millis(alloc.get("cpu")), mem_bytes(alloc.get("memory")), int(alloc.get("pods", "110") or 110))
    return Row(meta.get("uid", ""), "", meta.get("name", ""), cells, _created(meta), meta.get("labels") or {},
               extra=extra)


ROW_BUILDERS = {"pods": pod_row, "nodes": node_row}
COLUMNS = {"pods": POD_WIDE, "nodes": NODE_WIDE}
