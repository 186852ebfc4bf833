"""Safety gates for drain and upgrade, other maintenance in progress, and the k8stui maintenance Lease.

UI-free and async. Three parts:

* Quorum arithmetic: `quorum(n) = n // 2 + 1`, `can_lose(ready, total)`.
* `check_node_gates(conn, node, action, drain_set=..., bypass_budgets=...)` -> `GateReport`.
  REFUSALS (the caller must not proceed unless the operator types `GateReport.override_phrase`,
  the node's name):
  - leaving fewer Ready control-plane nodes than a quorum of them;
  - leaving fewer Ready stacked-etcd members than etcd's quorum;
  - a workload left with no available replica by the whole drain set (this node, the nodes taken
    earlier in the same run, cordoned and NotReady nodes), or a PodDisruptionBudget a deleting
    drain would break (`k8stui.ops.availability`);
  - other maintenance in progress: a kured reboot lock held (annotation
    `weave.works/kured-node-lock` on kured's DaemonSet), system-upgrade-controller Plans applying.
  OUTAGE (an upgrade of the only, or last Ready, API server: "upgrading k8s-master takes down the
  only API server: ..."): refused until acknowledged once for the plan (`allows(...,
  outage_acknowledged=True)`) or overridden by the name. A drain leaves static pods running, so
  for a drain the same fact is only a warning.
  BLOCKERS (not overridable): another live k8stui session holds the maintenance Lease.
  WARNINGS: pods with no room elsewhere that still leave their workload something (requests
  placed onto the free allocatable CPU, memory and pod slots of the other Ready, schedulable
  nodes whose taints they tolerate and whose labels match their nodeSelector and required node
  affinity; pod (anti-)affinity and topology spread are not modelled).
  The gates only read (GETs): they work on a read-only connection.
* `acquire_maintenance_lease(conn, intent)`: an async context manager around the
  `coordination.k8s.io/v1` Lease `kube-system/k8stui-maintenance` (holderIdentity, the
  `k8stui.io/intent` annotation). It creates the Lease, or takes it over only when it is free or
  expired (renewTime + leaseDurationSeconds in the past), always with optimistic concurrency:
  a create that finds the Lease already there (409 AlreadyExists) or an update with a stale
  resourceVersion (409 Conflict) loses, re-reads, and then sees the winner, so two racing
  processes can never both hold it. While held it is renewed in the background; on exit it is
  deleted (with uid + resourceVersion preconditions: a Lease someone else took over is never
  deleted). A live holder other than us raises `MaintenanceInProgress` naming the holder, its
  intent and since when. Every acquire, takeover, refusal, loss and release is audited. On a
  read-only connection acquiring is refused (`ReadOnlyError`) before any request.
"""

from __future__ import annotations

import asyncio
import getpass
import inspect
import json
import os
import re
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from kubernetes.aio.client.exceptions import ApiException

from k8stui import audit
from k8stui.errors import ReadOnlyError, UserError
from k8stui.kube import printers
from k8stui.kube.connection import Connection, explain
from k8stui.ops.availability import RoomFacts, check_room, read_room_facts
from k8stui.ops.cluster_info import (
    ControlPlaneState,
    api_json,
    api_list,
    fmt_ago,
    fmt_time,
    node_ready,
    read_control_plane,
)

LEASE_NAMESPACE = "kube-system"
LEASE_NAME = "k8stui-maintenance"
LEASE_OBJECT = f"lease/{LEASE_NAMESPACE}/{LEASE_NAME}"
LEASE_PATH = f"/apis/coordination.k8s.io/v1/namespaces/{LEASE_NAMESPACE}/leases"
INTENT_ANNOTATION = "k8stui.io/intent"
MANAGED_BY = {"app.kubernetes.io/managed-by": "k8stui"}
DEFAULT_LEASE_SECONDS = 60
KURED_LOCK_ANNOTATION = "weave.works/kured-node-lock"
SUC_GROUP = "upgrade.cattle.io"
SUC_VERSION = "v1"
_VERBING = {"drain": "draining", "upgrade": "upgrading", "reboot": "rebooting", "cordon": "cordoning"}


# ---- quorum arithmetic ----------------------------------------------------------------------------

def quorum(n: int) -> int:
    """Members needed for a majority of `n` (etcd's quorum): 1->1, 2->2, 3->2, 4->3, 5->3."""
    return n // 2 + 1


def fault_tolerance(n: int) -> int:
    """Members that may be down with all `n` otherwise healthy: 1->0, 2->0, 3->1, 5->2."""
    return max(0, n - quorum(n))


def has_quorum(members_ready: int, total: int) -> bool:
    return members_ready >= quorum(total)


def can_lose(members_ready: int, total: int) -> int:
    """How many more Ready members may go down before quorum is lost (0 when it already is)."""
    return max(0, members_ready - quorum(total))


# ---- other maintenance in progress ----------------------------------------------------------------

def holder_process_gone(holder: str) -> bool:
    """Whether `holder` (`user@host:pid`) names a process of this host that no longer runs."""
    m = re.fullmatch(r".*@(?P<host>[^@:]+):(?P<pid>\d+)", holder)
    if not m or m["host"] != socket.gethostname() or int(m["pid"]) == os.getpid():
        return False
    try:
        os.kill(int(m["pid"]), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, owned by someone else
        return False
    return False


def default_holder() -> str:
    """`user@host:pid`: who this process is, as the Lease's holderIdentity."""
    try:
        user = getpass.getuser()
    except Exception:
        user = os.environ.get("USER", "unknown")
    return f"{user}@{socket.gethostname()}:{os.getpid()}"


def _micro_time(t: float) -> str:
    """A metav1.MicroTime: RFC 3339 with microseconds, UTC."""
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: Any) -> float | None:
    if not text or not isinstance(text, str):
        return None
    try:
        return printers.parse_time(text)
    except ValueError:
        return None


@dataclass
class LeaseInfo:
    """The k8stui maintenance Lease as read from the API."""

    holder: str
    intent: str
    acquired: float | None
    renewed: float | None
    duration_s: int
    transitions: int
    resource_version: str = ""
    uid: str = ""
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, obj: dict) -> "LeaseInfo":
        meta = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        intent = (meta.get("annotations") or {}).get(INTENT_ANNOTATION, "")
        return cls(str(spec.get("holderIdentity") or ""), str(intent),
                   _parse_time(spec.get("acquireTime")), _parse_time(spec.get("renewTime")),
                   int(spec.get("leaseDurationSeconds") or 0), int(spec.get("leaseTransitions") or 0),
                   str(meta.get("resourceVersion") or ""), str(meta.get("uid") or ""), obj)

    def expires(self) -> float:
        base = self.renewed or self.acquired or 0.0
        return base + self.duration_s

    def expired(self, now: float | None = None) -> bool:
        """Free to take: no holder, not renewed in time, or its holder process on this host has
        died (a killed k8stui must not block its own resume for a whole lease duration)."""
        return (not self.holder or self.expires() <= (now if now is not None else time.time())
                or holder_process_gone(self.holder))

    def describe(self, now: float | None = None) -> str:
        now = now if now is not None else time.time()
        if not self.holder:
            return "free"
        what = f'"{self.intent}"' if self.intent else "(no intent given)"
        state = (f"expired {fmt_ago(self.expires(), now)} ago" if self.expired(now)
                 else f"renewed {fmt_ago(self.renewed, now)} ago, expires in "
                      f"{printers.human_duration(max(0.0, self.expires() - now))} unless renewed")
        return (f"{self.holder} holds {LEASE_OBJECT} for {what} since {fmt_time(self.acquired)} "
                f"({fmt_ago(self.acquired, now)} ago; {state})")


@dataclass
class MaintenanceActivity:
    kind: str  # "k8stui" | "kured" | "system-upgrade-controller"
    source: str  # the object that says so, e.g. daemonset/kube-system/kured
    holder: str  # the k8stui holder, the node kured is rebooting, the nodes a Plan is applying on
    detail: str  # the intent, kured's lock metadata, the Plan's version
    since: float | None
    message: str


@dataclass
class MaintenanceState:
    lease: LeaseInfo | None  # the k8stui Lease (None: absent or unreadable)
    activities: list[MaintenanceActivity]  # live ones only (an expired Lease is not maintenance)
    problems: list[str] = field(default_factory=list)
    holder: str = ""  # who "we" are (a Lease of ours is not someone else's maintenance)

    def foreign_lease(self, now: float | None = None) -> LeaseInfo | None:
        lease = self.lease
        if lease and lease.holder and lease.holder != self.holder and not lease.expired(now):
            return lease
        return None

    def lines(self, now: float | None = None) -> list[str]:
        now = now if now is not None else time.time()
        out = []
        lease = self.lease
        if lease is None or not lease.holder:
            out.append(f"k8stui lease: free ({LEASE_OBJECT})")
        elif lease.expired(now):
            out.append(f"k8stui lease: free (expired; last held by {lease.holder} for \"{lease.intent}\")")
        else:
            mine = " (this session)" if lease.holder == self.holder else ""
            out.append(f"k8stui lease: {lease.describe(now)}{mine}")
        kured = [f"kured: {a.message}" for a in self.activities if a.kind == "kured"]
        out.extend(kured or ["kured: no reboot lock held"])
        suc = [f"system-upgrade-controller: {a.message}" for a in self.activities
               if a.kind == "system-upgrade-controller"]
        out.extend(suc or ["system-upgrade-controller: no Plan applying"])
        return out


async def read_lease(conn: Connection) -> LeaseInfo | None:
    try:
        return LeaseInfo.of(await api_json(conn, "GET", f"{LEASE_PATH}/{LEASE_NAME}"))
    except ApiException as e:
        if e.status == 404:
            return None
        raise


def parse_kured_lock(value: str) -> list[dict]:
    """kured's lock annotation: one `{"nodeID","metadata","created","TTL"}` or, with
    `--concurrency`, `{"maxOwners": n, "locks": [...]}`. Returns the held locks (nodeID set)."""
    try:
        data = json.loads(value)
    except (ValueError, TypeError):
        return []
    locks = data.get("locks") if isinstance(data, dict) and "locks" in data else [data]
    return [lk for lk in locks or [] if isinstance(lk, dict) and lk.get("nodeID")]


def kured_activities(daemonsets: list[dict], now: float | None = None) -> list[MaintenanceActivity]:
    """Held kured locks on these DaemonSets (a lock whose TTL has run out is free, as kured treats it)."""
    now = now if now is not None else time.time()
    out = []
    for ds in daemonsets:
        meta = ds.get("metadata") or {}
        value = (meta.get("annotations") or {}).get(KURED_LOCK_ANNOTATION)
        if not value:
            continue
        src = f"daemonset/{meta.get('namespace', '')}/{meta.get('name', '')}"
        for lk in parse_kured_lock(value):
            created = _parse_time(lk.get("created"))
            ttl = lk.get("TTL") or 0
            ttl_s = ttl / 1e9 if isinstance(ttl, (int, float)) else 0  # a Go time.Duration: nanoseconds
            if ttl_s > 0 and created and created + ttl_s <= now:
                continue
            md = lk.get("metadata")
            detail = json.dumps(md, separators=(",", ":")) if md not in (None, {}, "") else ""
            since = f" since {fmt_time(created)} ({fmt_ago(created, now)} ago)" if created else ""
            out.append(MaintenanceActivity(
                "kured", src, str(lk["nodeID"]), detail, created,
                f"{src} holds the reboot lock ({KURED_LOCK_ANNOTATION}) for node {lk['nodeID']}{since}"
                + (f", metadata {detail}" if detail else "")))
    return out


async def find_kured_locks(conn: Connection, problems: list[str]) -> list[MaintenanceActivity]:
    try:
        daemonsets = await api_list(conn, "/apis/apps/v1/daemonsets")
    except ApiException as e:
        problems.append(f"daemonsets (kured lock): {explain(e, conn)}")
        return []
    return kured_activities(daemonsets)


def applying_plans(plans: list[dict]) -> list[MaintenanceActivity]:
    out = []
    for p in plans:
        meta = p.get("metadata") or {}
        applying = (p.get("status") or {}).get("applying") or []
        if not applying:
            continue
        src = f"plan/{meta.get('namespace', '')}/{meta.get('name', '')}"
        version = str((p.get("spec") or {}).get("version") or (p.get("status") or {}).get("latestVersion") or "")
        nodes = ", ".join(str(n) for n in applying)
        out.append(MaintenanceActivity(
            "system-upgrade-controller", src, nodes, version, None,
            f"{src} ({SUC_GROUP}) is applying" + (f" {version}" if version else "") + f" on {nodes}"))
    return out


async def find_applying_plans(conn: Connection, problems: list[str]) -> list[MaintenanceActivity]:
    """system-upgrade-controller Plans that are applying; discovery first (absent group: nothing)."""
    try:
        groups = await api_json(conn, "GET", "/apis")
    except ApiException as e:
        problems.append(f"/apis (system-upgrade-controller discovery): {explain(e, conn)}")
        return []
    group = next((g for g in groups.get("groups") or [] if g.get("name") == SUC_GROUP), None)
    if group is None:
        return []
    versions = [v.get("version") for v in group.get("versions") or []]
    version = SUC_VERSION if SUC_VERSION in versions else (group.get("preferredVersion") or {}).get("version")
    if not version:
        return []
    try:
        plans = await api_list(conn, f"/apis/{SUC_GROUP}/{version}/plans")
    except ApiException as e:
        problems.append(f"plans.{SUC_GROUP}: {explain(e, conn)}")
        return []
    return applying_plans(plans)


async def maintenance_state(conn: Connection, holder: str | None = None) -> MaintenanceState:
    """The k8stui Lease, kured locks and applying system-upgrade-controller Plans (GETs only)."""
    problems: list[str] = []
    me = holder or default_holder()

    async def lease() -> LeaseInfo | None:
        try:
            return await read_lease(conn)
        except ApiException as e:
            problems.append(f"{LEASE_OBJECT}: {explain(e, conn)}")
            return None

    info, kured, plans = await asyncio.gather(lease(), find_kured_locks(conn, problems),
                                              find_applying_plans(conn, problems))
    acts: list[MaintenanceActivity] = []
    now = time.time()
    if info and info.holder and not info.expired(now) and info.holder != me:
        acts.append(MaintenanceActivity("k8stui", LEASE_OBJECT, info.holder, info.intent, info.acquired,
                                        info.describe(now)))
    return MaintenanceState(info, acts + kured + plans, problems, me)


# ---- the gates ------------------------------------------------------------------------------------

class GateRefused(UserError):
    """The gates refused and the override phrase was not given (or a blocker cannot be overridden)."""

    def __init__(self, report: "GateReport"):
        self.report = report
        super().__init__(report.refusal_message())


@dataclass
class GateReport:
    node: str
    action: str  # drain | upgrade
    role: str  # control-plane | worker
    refusals: list[str] = field(default_factory=list)  # overridable with the typed phrase
    blockers: list[str] = field(default_factory=list)  # not overridable
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # facts behind the verdict (quorum counts, ...)
    maintenance: MaintenanceState | None = None
    override_phrase: str = ""  # what the operator must type to override the refusals: the node's name
    # the Kubernetes API goes down while the node is upgraded (its only, or last Ready, API server):
    # lifted by one acknowledgement for the whole plan, or by typing the node's name
    outage: list[str] = field(default_factory=list)
    drain_set: list[str] = field(default_factory=list)  # every node the room checks counted as gone

    @property
    def ok(self) -> bool:
        """Nothing refused or blocked (warnings may remain)."""
        return not self.refusals and not self.blockers and not self.outage

    def allows(self, typed: str | None = None, *, outage_acknowledged: bool = False) -> bool:
        """May the caller proceed? Blockers never; refusals only when `typed` is the phrase exactly;
        an API outage when acknowledged for the plan or when the phrase is typed."""
        if self.blockers:
            return False
        if not self.refusals and (not self.outage or outage_acknowledged):
            return True
        return typed is not None and typed.strip() == self.override_phrase

    def enforce(self, typed: str | None = None, *, outage_acknowledged: bool = False) -> None:
        """Raise `GateRefused` unless `allows(typed)`."""
        if not self.allows(typed, outage_acknowledged=outage_acknowledged):
            raise GateRefused(self)

    def refusal_message(self) -> str:
        """`refusing to drain NODE:`, then one line per reason exactly as the gates word it, then how
        to override (when it can be)."""
        lines = [f"refusing to {self.action} {self.node}:"]
        lines += self.blockers + self.outage + self.refusals
        if (self.refusals or self.outage) and not self.blockers:
            lines.append(f'to {self.action} anyway, confirm by typing the node name "{self.override_phrase}" '
                         f"(CLI: --override-safety={self.override_phrase})")
        return "\n".join(lines)

    def lines(self) -> list[str]:
        """Everything, one line each, prefixed by its kind (for logs and the CLI)."""
        return ([f"blocked: {b}" for b in self.blockers]
                + [f"refused: {r}" for r in self.outage + self.refusals]
                + [f"warning: {w}" for w in self.warnings] + [f"note: {n}" for n in self.notes])


def _verbing(action: str) -> str:
    return _VERBING.get(action, f"{action}ing")


# actions that stop the node's static pods (a drain and a cordon leave them running)
STOPS_STATIC_PODS = ("upgrade", "reboot")


def api_server_loss(cp: ControlPlaneState, node: str, action: str) -> str:
    """What taking `node` down does to the API when it runs the only (or the last Ready) API server:
    the outage text for an action that stops its static pods, a reassurance for a drain; "" if the
    API has other Ready servers."""
    me = cp.node(node)
    if me is None or me not in cp.api_servers:
        return ""
    others = [n for n in cp.api_servers if n.name != node]
    if any(n.api_server_ready for n in others):
        return ""
    which = ("the only API server" if not others
             else f"the last Ready API server ({', '.join(n.name for n in others)} not Ready)")
    verbing = _verbing(action)
    if action in STOPS_STATIC_PODS:
        return f"{verbing} {node} takes down {which}: the Kubernetes API will be unavailable until it is back"
    return (f"{node} runs {which}: {verbing} it leaves its static pods (kube-apiserver, etcd) running, so the "
            "API stays up, but there is no other API server to fall back on meanwhile")


def control_plane_refusals(cp: ControlPlaneState, node: str, action: str) -> tuple[list[str], list[str]]:
    """(refusals, notes) for taking `node` down: control-plane quorum, etcd quorum. (The API
    servers are `api_server_loss`'s.)"""
    refusals: list[str] = []
    notes: list[str] = []
    me = cp.node(node)
    if me is None:
        return refusals, notes
    verbing = _verbing(action)
    apis = cp.api_servers
    if me in apis:
        live_others = [n for n in apis if n.name != node and n.api_server_ready]
        notes.append(f"API servers: {len(apis)} ({sum(1 for n in apis if n.api_server_ready)} Ready); "
                     f"after {verbing} {node}: {len(live_others)} Ready")
    total = len(cp.nodes)
    ready = sum(1 for n in cp.nodes if n.ready)
    after = ready - (1 if me.ready else 0)
    q = quorum(total)
    if total > 1 and after < q:
        refusals.append(f"{verbing} {node} would leave {after} of {total} control-plane nodes Ready; "
                        f"a quorum of {q} is needed")
    notes.append(f"control-plane nodes: {total}, {ready} Ready, quorum {q}; after {verbing} {node}: {after} Ready")
    etcd = cp.etcd
    if etcd.mode == "stacked" and etcd.members:
        member = next((m for m in etcd.members if m.node == node), None)
        e_total, e_ready = etcd.total, etcd.ready
        e_after = e_ready - (1 if member and member.ready else 0)
        eq = quorum(e_total)
        if member is not None and e_total > 1 and e_after < eq:
            if e_ready < eq:
                refusals.append(f"etcd has already lost quorum ({e_ready} of {e_total} members ready, {eq} "
                                f"needed): {verbing} {node} would stop yet another member")
            else:
                refusals.append(f"{verbing} {node} would leave {e_after} of {e_total} etcd members ready; etcd "
                                f"needs {eq} for quorum: the cluster would lose quorum and the Kubernetes API "
                                "would stop until the member is back")
        notes.append(f"etcd (stacked): {e_total} members, {e_ready} ready, quorum {eq}; "
                     + (f"after {verbing} {node}: {e_after} ready (can lose {can_lose(e_after, e_total)} more)"
                        if member else f"{node} runs no etcd member"))
    elif etcd.mode == "external":
        notes.append(f"etcd is external ({', '.join(etcd.endpoints)}): {verbing} {node} does not touch it")
    return refusals, notes


def capacity_warnings(nodes: list[dict], pods: list[dict], node: str, action: str) -> tuple[list[str], list[str]]:
    """(warnings, notes): will `node`'s pods fit on the other Ready, schedulable nodes? (The room
    part of `availability.check_room` for one node; its refusals are left out.)"""
    check = check_room(RoomFacts(nodes, pods), [node], action)
    return check.warnings, check.notes


async def check_node_gates(conn: Connection, node: str, action: str = "drain", *,
                           holder: str | None = None, capacity: bool = True, drain_set: Iterable[str] = (),
                           bypass_budgets: bool = False, room: RoomFacts | None = None) -> GateReport:
    """The safety gates for taking `node` down for `action` ("drain" or "upgrade"). Read-only.

    `drain_set`: the other nodes this operation takes away with it (drained earlier in the same
    run, upgraded in parallel); cordoned and NotReady nodes count as gone anyway. `capacity`: check
    room and availability (refusals for workloads left with nothing, warnings for pods with no
    room). `bypass_budgets`: the drain deletes instead of evicting, so PodDisruptionBudgets it
    would break are refused here. `room`: facts read once for many nodes (else read here)."""
    try:
        cp, maint, facts = await asyncio.gather(
            read_control_plane(conn), maintenance_state(conn, holder=holder),
            (_given(room) if room is not None else read_room_facts(conn)) if capacity else _given(None))
    except UserError:
        raise
    except Exception as e:
        raise explain(e, conn) from None
    by_name = {n["metadata"]["name"]: n for n in cp.all_nodes}
    if node not in by_name:
        raise UserError(f'nodes "{node}" not found')
    is_cp = cp.node(node) is not None
    gone = [n for n in dict.fromkeys(drain_set) if n != node] + [node]
    report = GateReport(node, action, "control-plane" if is_cp else "worker", maintenance=maint,
                        override_phrase=node, drain_set=gone)
    if not node_ready(by_name[node]):
        report.notes.append(f"{node} is NotReady")
    if is_cp:
        refusals, notes = control_plane_refusals(cp, node, action)
        report.refusals += refusals
        report.notes += notes
        loss = api_server_loss(cp, node, action)
        if loss:
            (report.outage if action in STOPS_STATIC_PODS else report.warnings).append(loss)
    now = time.time()
    lease = maint.foreign_lease(now)
    if lease is not None:
        report.blockers.append(f"another k8stui session is doing maintenance: {lease.describe(now)}")
    for a in maint.activities:
        if a.kind == "kured":
            report.refusals.append(f"kured is rebooting nodes: {a.message}")
        elif a.kind == "system-upgrade-controller":
            report.refusals.append(f"system-upgrade-controller is upgrading nodes: {a.message}")
    if facts is not None:
        check = check_room(facts, gone, action, bypass_budgets=bypass_budgets)
        report.refusals += check.refusals
        report.warnings += check.warnings
        report.notes += check.notes
        if len(gone) > 1:
            report.notes.append(f"counted as gone with {node}: {', '.join(gone[:-1])} (earlier in this run)")
        report.notes += [f"could not read {p}" for p in facts.problems]
    report.notes += [f"could not read {p}" for p in cp.problems + maint.problems]
    return report


async def _given(value: Any) -> Any:
    return value


# ---- the maintenance Lease ------------------------------------------------------------------------

class MaintenanceInProgress(UserError):
    """Another live k8stui session holds the maintenance Lease."""

    def __init__(self, lease: LeaseInfo, now: float | None = None):
        self.lease = lease
        self.holder = lease.holder
        self.intent = lease.intent
        self.since = lease.acquired
        super().__init__(f"maintenance in progress: {lease.describe(now)}")


class LeaseLost(UserError):
    """The Lease was taken over or deleted while we held it (or could not be renewed in time)."""


_HELD: dict[tuple[str, str], "MaintenanceLease"] = {}  # (server, holder) -> the lease this process holds


class MaintenanceLease:
    """The `kube-system/k8stui-maintenance` Lease; use as `async with acquire_maintenance_lease(...)`,
    or call `acquire()` / `release()` yourself (e.g. from a TUI worker)."""

    def __init__(self, conn: Connection, intent: str, holder: str | None = None,
                 duration_s: int = DEFAULT_LEASE_SECONDS, renew_every: float | None = None,
                 on_lost: Callable[["MaintenanceLease"], Any] | None = None, attempts: int = 8,
                 reentrant: bool = False):
        if duration_s < 1:
            raise ValueError("duration_s must be at least 1")
        self.conn = conn
        self.intent = intent
        self.holder = holder or default_holder()
        self.duration_s = int(duration_s)
        self.renew_every = renew_every if renew_every is not None else max(0.2, self.duration_s / 3)
        self.on_lost = on_lost
        self.attempts = attempts
        self.reentrant = reentrant
        self.info: LeaseInfo | None = None  # our Lease as last written
        self.previous: LeaseInfo | None = None  # the expired/free Lease we took over, if any
        self.held = False
        self.nested = False  # this process already held it: nothing to write or release
        self.lost = asyncio.Event()
        self.renewals = 0
        self._task: asyncio.Task | None = None

    # ---- acquire -------------------------------------------------------------------------------

    def _audit(self, action: str, result: str, **extra: Any) -> None:
        audit.record(action, LEASE_OBJECT, context=self.conn.context, result=result, holder=self.holder,
                     intent=self.intent, **extra)

    def _body(self, now: float, transitions: int, rv: str = "", prev: dict | None = None) -> dict:
        meta: dict[str, Any] = dict((prev or {}).get("metadata") or {})
        meta.pop("managedFields", None)
        meta.update({"name": LEASE_NAME, "namespace": LEASE_NAMESPACE})
        meta["labels"] = {**(meta.get("labels") or {}), **MANAGED_BY}
        meta["annotations"] = {**(meta.get("annotations") or {}), INTENT_ANNOTATION: self.intent}
        if rv:
            meta["resourceVersion"] = rv
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta,
                "spec": {"holderIdentity": self.holder, "leaseDurationSeconds": self.duration_s,
                         "acquireTime": _micro_time(now), "renewTime": _micro_time(now),
                         "leaseTransitions": transitions}}

    async def acquire(self) -> "MaintenanceLease":
        if self.held:
            return self
        conn = self.conn
        if conn.readonly:
            self._audit("maintenance-lease-acquire", "refused", reason="read-only mode")
            raise ReadOnlyError(f"take the maintenance lease {LEASE_NAMESPACE}/{LEASE_NAME}")
        outer = _HELD.get((conn.server, self.holder))
        if outer is not None and outer.held and not outer.lost.is_set():
            if not self.reentrant:
                # another operation of this very process holds it: one maintenance at a time
                self._audit("maintenance-lease-acquire", "refused", reason="held by this process",
                            held_by=outer.holder, held_for=outer.intent)
                assert outer.info is not None
                raise MaintenanceInProgress(outer.info)
            # a step of the operation that holds it (an upgrade that drains): nest, write nothing
            self.held, self.nested, self.info = True, True, outer.info
            return self
        try:
            for _ in range(self.attempts):
                now = time.time()
                cur = await read_lease(conn)
                if cur is None:
                    body = self._body(now, 0)
                    try:
                        created = await api_json(conn, "POST", LEASE_PATH, body=body)
                    except ApiException as e:
                        if e.status == 409:  # someone created it first: look again
                            continue
                        raise
                    self._won(LeaseInfo.of(created), None)
                    return self
                if cur.holder and cur.holder != self.holder and not cur.expired(now):
                    self._audit("maintenance-lease-acquire", "refused", reason=f"held by {cur.holder}",
                                held_by=cur.holder, held_for=cur.intent)
                    raise MaintenanceInProgress(cur, now)
                transitions = cur.transitions + (1 if cur.holder and cur.holder != self.holder else 0)
                body = self._body(now, transitions, cur.resource_version, cur.raw)
                try:
                    updated = await api_json(conn, "PUT", f"{LEASE_PATH}/{LEASE_NAME}", body=body)
                except ApiException as e:
                    if e.status in (404, 409):  # changed or deleted under us: look again
                        continue
                    raise
                self._won(LeaseInfo.of(updated), cur)
                return self
        except (MaintenanceInProgress, ReadOnlyError):
            raise
        except UserError as e:
            self._audit("maintenance-lease-acquire", f"error: {e}")
            raise
        except Exception as e:
            err = explain(e, conn)
            self._audit("maintenance-lease-acquire", f"error: {err}")
            raise err from None
        self._audit("maintenance-lease-acquire", "error: the Lease kept changing")
        raise UserError(f"could not take the maintenance lease {LEASE_NAMESPACE}/{LEASE_NAME}: it changed "
                        f"{self.attempts} times while trying; try again")

    def _won(self, info: LeaseInfo, previous: LeaseInfo | None) -> None:
        self.info, self.previous, self.held = info, previous, True
        extra: dict[str, Any] = {"duration_s": self.duration_s}
        if previous is not None and previous.holder and previous.holder != self.holder:
            extra.update(took_over=previous.holder, took_over_intent=previous.intent,
                         expired_at=fmt_time(previous.expires()))
        self._audit("maintenance-lease-acquire", "ok", **extra)
        _HELD[(self.conn.server, self.holder)] = self
        self._task = asyncio.get_running_loop().create_task(self._renew_loop(), name="k8stui-maintenance-lease")

    # ---- renew ---------------------------------------------------------------------------------

    async def renew(self) -> None:
        """Write a fresh renewTime (optimistic: our last resourceVersion); raises LeaseLost if not ours."""
        assert self.info is not None
        for _ in range(3):
            body = json.loads(json.dumps(self.info.raw))
            body["spec"]["renewTime"] = _micro_time(time.time())
            body["spec"]["holderIdentity"] = self.holder
            try:
                self.info = LeaseInfo.of(await api_json(self.conn, "PUT", f"{LEASE_PATH}/{LEASE_NAME}", body=body))
                self.renewals += 1
                return
            except ApiException as e:
                if e.status == 404:
                    raise LeaseLost(f"the maintenance lease {LEASE_NAMESPACE}/{LEASE_NAME} was deleted while "
                                    f'held for "{self.intent}"') from None
                if e.status != 409:
                    raise
            cur = await read_lease(self.conn)
            if cur is None or cur.holder != self.holder:
                who = cur.holder if cur and cur.holder else "nobody"
                raise LeaseLost(f"the maintenance lease {LEASE_NAMESPACE}/{LEASE_NAME} was taken over by {who} "
                                f'while held for "{self.intent}"')
            self.info = cur  # only its metadata changed (someone annotated it): retry on the new version
        raise LeaseLost(f"the maintenance lease {LEASE_NAMESPACE}/{LEASE_NAME} kept changing under us")

    async def _renew_loop(self) -> None:
        last_ok = time.time()
        while True:
            await asyncio.sleep(self.renew_every)
            try:
                await self.renew()
                last_ok = time.time()
            except LeaseLost as e:
                await self._lose(str(e))
                return
            except asyncio.CancelledError:
                raise
            except Exception as e:  # network trouble: keep trying until the Lease would have run out
                if time.time() - last_ok >= self.duration_s:
                    await self._lose(f"could not renew the maintenance lease for {self.duration_s}s: "
                                     f"{explain(e, self.conn)}")
                    return

    async def _lose(self, why: str) -> None:
        self.lost.set()
        self._audit("maintenance-lease-lost", f"error: {why}")
        _HELD.pop((self.conn.server, self.holder), None)
        if self.on_lost is not None:
            out = self.on_lost(self)
            if inspect.isawaitable(out):
                await out

    def check(self) -> None:
        """Raise LeaseLost if the Lease was lost (call between steps of a long operation)."""
        if self.lost.is_set():
            raise LeaseLost(f'the maintenance lease for "{self.intent}" was lost: stop and check who holds it')

    # ---- release -------------------------------------------------------------------------------

    async def release(self) -> None:
        if not self.held:
            return
        self.held = False
        if self.nested:
            return
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        if _HELD.get((self.conn.server, self.holder)) is self:
            del _HELD[(self.conn.server, self.holder)]
        if self.lost.is_set():
            self._audit("maintenance-lease-release", "skipped: the lease had been lost")
            return
        try:
            info = self.info
            for _ in range(3):
                if info is None or info.holder != self.holder:
                    break
                body = {"apiVersion": "v1", "kind": "DeleteOptions",
                        "preconditions": {"uid": info.uid, "resourceVersion": info.resource_version}}
                try:
                    await api_json(self.conn, "DELETE", f"{LEASE_PATH}/{LEASE_NAME}", body=body)
                    break
                except ApiException as e:
                    if e.status == 404:
                        break
                    if e.status != 409:
                        raise
                info = await read_lease(self.conn)
        except Exception as e:
            err = explain(e, self.conn)
            self._audit("maintenance-lease-release", f"error: {err}")
            return  # it expires by itself after duration_s
        self._audit("maintenance-lease-release", "ok", renewals=self.renewals)

    async def __aenter__(self) -> "MaintenanceLease":
        return await self.acquire()

    async def __aexit__(self, *exc: Any) -> None:
        await self.release()


def acquire_maintenance_lease(conn: Connection, intent: str, holder: str | None = None,
                              duration_s: int = DEFAULT_LEASE_SECONDS, *, renew_every: float | None = None,
                              on_lost: Callable[[MaintenanceLease], Any] | None = None,
                              reentrant: bool = False) -> MaintenanceLease:
    """`async with acquire_maintenance_lease(conn, "drain worker-1") as lease: ...`

    Raises (on entry) `MaintenanceInProgress` when another live session holds it (or another
    operation of this process does, unless `reentrant`: then, inside the holder's scope, it nests
    and writes nothing, e.g. the drain step of an upgrade), `ReadOnlyError` on a read-only
    connection, `UserError` for API failures. `holder` defaults to `user@host:pid`; `duration_s`
    is leaseDurationSeconds (renewed every third of it); `on_lost(lease)` is called if the Lease
    is taken over or deleted while held (`lease.lost` is set and `lease.check()` raises)."""
    return MaintenanceLease(conn, intent, holder, duration_s, renew_every, on_lost, reentrant=reentrant)
