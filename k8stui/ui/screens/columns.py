"""Column specs of the nodes and pods tables: kubectl's wide columns, cells from the printers
(stored in `Row.cells`), AGE printed from `Row.created` when drawn, and the node extras (pods,
requested CPU and memory against allocatable) read from the pod cache's tallies."""

from __future__ import annotations

from typing import Callable

from k8stui.kube import printers
from k8stui.kube.rows import NODE_WIDE, POD_WIDE, Row
from k8stui.ui.widgets.resource_table import Column

GI = 1024 ** 3
MI = 1024 ** 2
KI = 1024


def age(created: float, now: float) -> str:
    """kubectl's AGE: HumanDuration(now - creationTimestamp), `<unknown>` without one."""
    if not created or created == printers.ZERO_TIME:
        return "<unknown>"
    return printers.human_duration(now - created)


def ip_key(text: str) -> tuple:
    """Sort IPs numerically; `<none>` last."""
    try:
        return (0,) + tuple(int(p) for p in text.split("."))
    except ValueError:
        return (1, text)


def ready_key(text: str) -> tuple:
    a, _, b = text.partition("/")
    try:
        return (int(a), int(b))
    except ValueError:
        return (0, 0)


def _cell(i: int) -> Callable[[Row, float], str]:
    return lambda row, now: row.cells[i]


def _cell_key(i: int) -> Callable[[Row], object]:
    return lambda row: row.cells[i]


def cpu(m: int) -> str:
    return f"{m // 1000}" if m % 1000 == 0 else f"{m}m"


def mem(b: int) -> str:
    if b >= GI:
        v = f"{b / GI:.1f}".removesuffix(".0")
        return f"{v}Gi"
    if b >= MI:
        return f"{b // MI}Mi"
    if b >= KI:
        return f"{b // KI}Ki"
    return str(b)


def pct(used: int, total: int) -> int:
    return int(used * 100 / total) if total else 0


def pod_columns(all_namespaces: bool) -> list[Column]:
    cols = []
    if all_namespaces:
        cols.append(Column("NAMESPACE", lambda r, now: r.namespace, lambda r: r.namespace))
    for i, name in enumerate(POD_WIDE):
        if name == "AGE":
            cols.append(Column("AGE", lambda r, now: age(r.created, now), lambda r: -r.created, volatile=True))
        elif name == "RESTARTS":
            cols.append(Column(name, _cell(i), lambda r: r.restarts))
        elif name == "READY":
            cols.append(Column(name, _cell(i), lambda r, i=i: ready_key(r.cells[i])))
        elif name == "IP":
            cols.append(Column(name, _cell(i), lambda r, i=i: ip_key(r.cells[i])))
        else:
            cols.append(Column(name, _cell(i), _cell_key(i)))
    return cols


POD_AGE_INDEX = POD_WIDE.index("AGE")
NODE_AGE_INDEX = NODE_WIDE.index("AGE")
EXTRA_NODE = ("PODS", "CPU", "MEM")

_POD_ERRORS = {"Failed", "Error", "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "OOMKilled", "Unknown",
               "CreateContainerConfigError", "CreateContainerError", "InvalidImageName", "Evicted",
               "ContainerStatusUnknown", "NodeLost", "RunContainerError"}
_POD_WARN = {"Pending", "ContainerCreating", "PodInitializing", "Terminating"}


def pod_tone(row: Row) -> str | None:
    status = row.cells[2]
    if status in _POD_ERRORS or status.startswith(("Init:Error", "Init:CrashLoop", "Init:ImagePull",
                                                    "Init:ErrImage", "Init:OOM")):
        return "error"
    if status in ("Completed", "Succeeded"):
        return "dim"
    if status in _POD_WARN or status.startswith("Init:"):
        return "warning"
    a, _, b = row.cells[1].partition("/")
    if a != b:
        return "warning"
    return None


def node_tone(row: Row) -> str | None:
    status = row.cells[1]
    if "NotReady" in status or "Unknown" in status:
        return "error"
    if "SchedulingDisabled" in status:
        return "warning"
    return None


def node_columns(tally: Callable[[str], object]) -> list[Column]:
    """`tally(node_name)` returns the pod cache's Tally (pods, cpu_m, mem_b) or None."""

    def pods(r: Row, now: float) -> str:
        t = tally(r.name)
        return str(t.pods if t else 0)  # type: ignore[attr-defined]

    def cpu_cell(r: Row, now: float) -> str:
        t = tally(r.name)
        used = t.cpu_m if t else 0  # type: ignore[attr-defined]
        alloc = r.extra[0] if r.extra else 0
        return f"{cpu(used)}/{cpu(alloc)} ({pct(used, alloc)}%)"

    def mem_cell(r: Row, now: float) -> str:
        t = tally(r.name)
        used = t.mem_b if t else 0  # type: ignore[attr-defined]
        alloc = r.extra[1] if r.extra else 0
        return f"{mem(used)}/{mem(alloc)} ({pct(used, alloc)}%)"

    def pods_key(r: Row) -> int:
        t = tally(r.name)
        return t.pods if t else 0  # type: ignore[attr-defined]

    def cpu_key(r: Row) -> float:
        t = tally(r.name)
        alloc = r.extra[0] if r.extra else 0
        return (t.cpu_m / alloc) if (t and alloc) else 0.0  # type: ignore[attr-defined]

    def mem_key(r: Row) -> float:
        t = tally(r.name)
        alloc = r.extra[1] if r.extra else 0
        return (t.mem_b / alloc) if (t and alloc) else 0.0  # type: ignore[attr-defined]

    cols: list[Column] = []
    for i, name in enumerate(NODE_WIDE):
        if name == "AGE":
            cols.append(Column("AGE", lambda r, now: age(r.created, now), lambda r: -r.created, volatile=True))
        elif name in ("INTERNAL-IP", "EXTERNAL-IP"):
            cols.append(Column(name, _cell(i), lambda r, i=i: ip_key(r.cells[i])))
        else:
            cols.append(Column(name, _cell(i), _cell_key(i)))
        if name == "VERSION":
            # k9s habit: the load columns next to the version, before the long OS/kernel columns
            cols.append(Column("PODS", pods, pods_key, align="right", volatile=True, stable_sort=False))
            cols.append(Column("CPU", cpu_cell, cpu_key, align="right", volatile=True, stable_sort=False))
            cols.append(Column("MEM", mem_cell, mem_key, align="right", volatile=True, stable_sort=False))
    return cols
