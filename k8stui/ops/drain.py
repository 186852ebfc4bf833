"""Drain a node as `kubectl drain` does (kubectl 1.35, `k8s.io/kubectl/pkg/drain`), UI-free and async.

The shape follows kubectl's `drain.Helper`:

* `Drainer.plan()` lists the node's pods in pages (`fieldSelector=spec.nodeName=NODE`, the pod
  selector, `limit=chunk_size` + `continue`) and runs kubectl's filters in kubectl's order
  (skip-deleted, DaemonSet, mirror, local storage, unreplicated, then any additional filter; the
  first filter that says "don't delete" wins, otherwise the last filter's status is kept, so a
  warning of an earlier filter is dropped exactly as kubectl drops it). The result, a `DrainPlan`,
  is computed before anything changes and only reads, so it also works on a read-only connection.
  Each pod gets a verdict (evict / ignored / skipped / BLOCKED with the flag that would allow it)
  and, when a PodDisruptionBudget covers it, the budget's allowance and health counts.
* `Drainer.run()` cordons (through `k8stui.ops.cordon`), plans, and evicts with `policy/v1`
  Evictions (or DELETEs with `disable_eviction`, or when the server has no eviction subresource),
  retrying a 429 every `evict_retry_delay` seconds (kubectl's 5 s), and waits until each pod is
  gone (404) or its UID changed, all bounded by the global `timeout`. Progress goes out as events
  (dataclasses below) to an async or sync callback, or through `Drainer.stream()`; the CLI renders
  kubectl's lines from them with `kubectl_lines()`, a TUI board renders its rows from the same
  stream.

The texts are kubectl 1.35's as the binary prints them (tests/test_drain_cli.py compares the two):
warnings go out as `Warning: ...` (WarningPrinter, not `WARNING:`), every filter error gets a
`cannot delete ` prefix even when it has one already (`cannot delete cannot delete Pods that
declare no controller ...`), and a failed node ends with `error: unable to drain node "N" due to
error: ..., continuing command...`, `There are pending nodes to be drained:`, ` N`, then the
errors as `cmdutil.CheckErr` prints them (`DrainError.kubectl_lines()`).

Where k8stui deliberately differs from kubectl, and why:

* Concurrency. kubectl starts one goroutine per pod with no bound. Here at most `max_concurrency`
  (16) eviction/delete requests are in flight at once; a pod waiting out a 429 or waiting for its
  termination holds no slot. 16 keeps one drain well inside the client's connection pool (100)
  and far below the apiserver's default `--max-mutating-requests-inflight` (200), so a drain of
  a crowded node does not crowd out the UI's own requests or other clients, while 100 evictions
  against a real apiserver (a few ms each) still go out in a fraction of a second.
* Waiting. kubectl GETs every pod once a second. Here one watch of the node's pods, started at
  the resourceVersion of the list the plan came from (so no deletion can be missed), reports a
  pod gone on its DELETED event or when the name reappears with another UID: the same
  conditions, seen within milliseconds instead of up to a second later, with one request instead
  of one per pod per second. If the watch cannot be opened or breaks (403, 410 Gone, network), the
  waiters fall back to kubectl's GET polling every `poll_interval` (1 s); `use_watch=False`
  forces the polling.
* Resuming. A pod that is already terminating (a drain killed half-way, then run again) is not
  evicted a second time unless the new grace period would shorten its termination; it is
  waited for. Everything else a re-run does is what kubectl does: "already cordoned", then the
  pods that are still there.
* The 429 sleep ends early when the global timeout falls due (kubectl oversleeps by up to 5 s
  and then reports the same error) or when the operator acts on the pod.
* `disable_eviction` with `dry_run="server"` ends after the dry-run DELETEs; kubectl 1.35 then
  waits forever for pods that a dry run never removes. The DELETEs go out concurrently (bounded)
  where kubectl sends them one after the other.

Per-pod controls for a TUI: `skip(ns, name)`, `delete_despite_pdb(ns, name)` (a DELETE instead
of the refused eviction), and `stop()` for the whole drain. After a drain that stopped or failed,
the node stays cordoned unless the caller calls `uncordon()` (the CLI leaves it, as kubectl
does). Every eviction and deletion is written to the audit log; the cordon is audited by
`k8stui.ops.cordon`.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import aiohttp
from kubernetes.aio.client.exceptions import ApiException

from k8stui import audit
from k8stui.errors import ReadOnlyError, UserError
from k8stui.gofmt import format_go_duration, go_quote as _q
from k8stui.gofmt import parse_go_duration as parse_go_duration_ns
from k8stui.kube import raw
from k8stui.kube.connection import Connection, explain
from k8stui.kube.selectors import SelectorError, parse_label_selector, selector_from_spec
from k8stui.ops.cordon import CordonResult, set_unschedulable
from k8stui.ops.streaming import stream_events, wait_event

# ---- kubectl's constants and texts ---------------------------------------------------------------

EVICT_ERROR_RETRY_DELAY = 5.0  # kubectl cmd/drain: EvictErrorRetryDelay: 5 * time.Second
POLL_INTERVAL = 1.0  # pkg/drain waitForDelete: interval: 1 * time.Second
VERIFY_FACTOR = 10  # while watching, each waited-for pod is still checked by a GET every 10 intervals
DEFAULT_CHUNK_SIZE = 500  # cmdutil.DefaultChunkSize
DEFAULT_CONCURRENCY = 16  # see the module docstring
MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"

DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "cannot delete Pods that declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"
POD_SELECTOR_INVALID = "--pod-selector=<pod_selector> must be a valid label selector"
DELETE_LOCAL_DATA_DEPRECATED = ("Flag --delete-local-data has been deprecated, This option is deprecated "
                                "and will be deleted. Use --delete-emptydir-data.")

OKAY, SKIP, WARNING, ERROR = "Okay", "Skip", "Warning", "Error"  # PodDeleteStatusType*
FINISHED_PHASES = ("Succeeded", "Failed")


# ---- Go formatting -------------------------------------------------------------------------------

def go_duration(seconds: float) -> str:
    """Go's `time.Duration.String()` of a number of seconds: 5s, 200ms, 1m0s, 1h2m0s."""
    return format_go_duration(round(seconds * 1e9))


def parse_go_duration(text: str) -> float:
    """Go's `time.ParseDuration` (what `--timeout` takes: 30s, 5m, 1h2m, 300ms, 0), in seconds."""
    return parse_go_duration_ns(text) / 1e9


# ---- errors as kubectl prints them ---------------------------------------------------------------

@dataclass(frozen=True)
class GoError:
    """One error as kubectl holds it: a plain message, or an API Status (printed differently)."""

    message: str
    api: bool = False
    reason: str = ""  # the Status reason of an API error (NotFound, Forbidden, BadRequest, ...)

    def display(self) -> str:
        """`cmdutil.StandardErrorMessage`: `Error from server (NotFound): ...` for API errors."""
        if not self.api:
            return self.message
        if self.reason == "Unauthorized":
            return f"error: You must be logged in to the server ({self.message})"
        if self.reason:
            return f"Error from server ({self.reason}): {self.message}"
        return f"Error from server: {self.message}"


class DrainError(UserError):
    """Why a drain failed, kept in kubectl's shape: one error, or an aggregate of several.

    `str()` is Go's `err.Error()` (an aggregate of two or more prints as `[a, b]`);
    `kubectl_lines()` is what `cmdutil.CheckErr` writes last on stderr.
    """

    def __init__(self, errors: Sequence[GoError], aggregate: bool = True):
        self.errors = tuple(errors)
        self.aggregate = aggregate
        super().__init__(self.go_error())

    def go_error(self) -> str:
        if not self.aggregate or len(self.errors) == 1:
            return self.errors[0].message
        msgs = list(dict.fromkeys(e.message for e in self.errors))
        return msgs[0] if len(msgs) == 1 else "[" + ", ".join(msgs) + "]"

    def kubectl_lines(self) -> list[str]:
        if self.aggregate:
            return [e.display() for e in self.errors]
        e = self.errors[0]
        if e.api:
            return [e.display()]
        return [e.message if e.message.startswith("error: ") else f"error: {e.message}"]


def _api_error(e: BaseException, conn: Connection | None = None) -> GoError:
    """An exception from a request, as kubectl would hold it."""
    if isinstance(e, ApiException):
        try:
            body = json.loads(e.body or "{}")
        except (TypeError, ValueError):
            body = {}
        if isinstance(body, dict) and body.get("kind") == "Status":
            return GoError(body.get("message") or e.reason or str(e.status), True, body.get("reason") or "")
        return GoError(e.reason or f"the server returned status {e.status}", True, "")
    if isinstance(e, UserError):
        return GoError(str(e))
    return GoError(str(explain(e, conn)))


def _status_causes(e: ApiException) -> list[dict]:
    try:
        body = json.loads(e.body or "{}")
        return ((body.get("details") or {}).get("causes")) or []
    except (TypeError, ValueError, AttributeError):
        return []


# ---- the plan ------------------------------------------------------------------------------------

@dataclass
class DrainOptions:
    """kubectl drain's flags, with kubectl's defaults (`grace_period=-1`: the pod's own;
    `timeout=0`: no limit), plus the knobs kubectl hard-codes (made parameters for tests)."""

    force: bool = False
    ignore_daemonsets: bool = False
    delete_emptydir_data: bool = False
    grace_period: int = -1
    timeout: float = 0.0  # seconds
    pod_selector: str = ""
    disable_eviction: bool = False
    skip_wait_for_delete_timeout: int = 0
    dry_run: str | None = None  # None, "client", "server"
    chunk_size: int = DEFAULT_CHUNK_SIZE
    evict_retry_delay: float = EVICT_ERROR_RETRY_DELAY
    poll_interval: float = POLL_INTERVAL
    max_concurrency: int = DEFAULT_CONCURRENCY
    use_watch: bool = True
    # kubectl's AdditionalFilters: called after the built-in ones, pod dict -> PodDeleteStatus
    additional_filters: list[Callable[[dict], "PodDeleteStatus | Awaitable[PodDeleteStatus]"]] = \
        field(default_factory=list)

    def validate(self) -> None:
        if self.dry_run not in (None, "client", "server"):
            raise UserError(f'invalid dry-run value ({self.dry_run}). Must be "none", "server", or "client".')
        if self.pod_selector:
            try:
                parse_label_selector(self.pod_selector)
            except SelectorError:
                raise UserError(POD_SELECTOR_INVALID) from None
        if self.max_concurrency < 1:
            raise UserError("max_concurrency must be at least 1")

    def kubectl_command(self, node: str) -> str:
        """The `kubectl drain` command line with these options (for the audit log)."""
        parts = ["kubectl", "drain", node]
        for flag, on in (("--force", self.force), ("--ignore-daemonsets", self.ignore_daemonsets),
                         ("--delete-emptydir-data", self.delete_emptydir_data),
                         ("--disable-eviction", self.disable_eviction)):
            if on:
                parts.append(flag)
        if self.grace_period >= 0:
            parts.append(f"--grace-period={self.grace_period}")
        if self.timeout:
            parts.append(f"--timeout={go_duration(self.timeout)}")
        if self.pod_selector:
            parts.append(f"--pod-selector={self.pod_selector}")
        if self.skip_wait_for_delete_timeout:
            parts.append(f"--skip-wait-for-delete-timeout={self.skip_wait_for_delete_timeout}")
        if self.chunk_size != DEFAULT_CHUNK_SIZE:
            parts.append(f"--chunk-size={self.chunk_size}")
        if self.dry_run:
            parts.append(f"--dry-run={self.dry_run}")
        return " ".join(parts)


@dataclass(frozen=True)
class PodDeleteStatus:
    """kubectl's PodDeleteStatus, plus which filter decided and which flag would change it."""

    delete: bool
    reason: str  # Okay, Skip, Warning, Error
    message: str = ""
    filter: str = ""
    flag: str | None = None  # the flag that would let the drain evict this pod

    @staticmethod
    def okay() -> "PodDeleteStatus":
        return PodDeleteStatus(True, OKAY)


@dataclass(frozen=True)
class PodRef:
    namespace: str
    name: str
    uid: str = ""

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class PdbStatus:
    """A PodDisruptionBudget's standing, as its status reports it."""

    namespace: str
    name: str
    disruptions_allowed: int
    current_healthy: int
    desired_healthy: int
    expected_pods: int

    @property
    def blocking(self) -> bool:
        """No disruption allowed now: evictions of its pods get 429 until that changes."""
        return self.disruptions_allowed <= 0

    def __str__(self) -> str:
        return (f"{self.namespace}/{self.name} ({self.disruptions_allowed}/{self.current_healthy}/"
                f"{self.desired_healthy})")

    @classmethod
    def of(cls, pdb: dict) -> "PdbStatus":
        st = pdb.get("status") or {}
        meta = pdb.get("metadata") or {}
        return cls(meta.get("namespace", ""), meta.get("name", ""), int(st.get("disruptionsAllowed") or 0),
                   int(st.get("currentHealthy") or 0), int(st.get("desiredHealthy") or 0),
                   int(st.get("expectedPods") or 0))


class Verdict(str, enum.Enum):
    EVICT = "evict"  # will be evicted (deleted with disable_eviction)
    IGNORED = "ignored"  # DaemonSet-managed, with --ignore-daemonsets: left on the node
    SKIPPED = "skipped"  # mirror (static) pod, or terminating longer than --skip-wait-for-delete-timeout
    BLOCKED = "blocked"  # the drain cannot proceed because of this pod (see `flag`)


@dataclass
class PodPlan:
    pod: dict
    status: PodDeleteStatus
    pdbs: list[PdbStatus] = field(default_factory=list)

    @property
    def namespace(self) -> str:
        return self.pod["metadata"].get("namespace", "")

    @property
    def name(self) -> str:
        return self.pod["metadata"]["name"]

    @property
    def uid(self) -> str:
        return self.pod["metadata"].get("uid", "")

    @property
    def ref(self) -> PodRef:
        return PodRef(self.namespace, self.name, self.uid)

    @property
    def pdb(self) -> PdbStatus | None:
        """The budget that covers the pod (the eviction API refuses pods with more than one)."""
        return self.pdbs[0] if self.pdbs else None

    @property
    def terminating(self) -> bool:
        return bool(self.pod["metadata"].get("deletionTimestamp"))

    @property
    def phase(self) -> str:
        return (self.pod.get("status") or {}).get("phase", "")

    @property
    def controller(self) -> dict | None:
        return controller_of(self.pod)

    @property
    def verdict(self) -> Verdict:
        if self.status.delete:
            return Verdict.EVICT
        if self.status.reason == ERROR:
            return Verdict.BLOCKED
        if self.status.reason == WARNING:
            return Verdict.IGNORED
        return Verdict.SKIPPED

    @property
    def flag(self) -> str | None:
        return self.status.flag

    @property
    def reason(self) -> str:
        """A line for the plan view: why this verdict."""
        st = self.status
        v = self.verdict
        if v is Verdict.BLOCKED:
            return st.message
        if v is Verdict.IGNORED:
            return "DaemonSet-managed (--ignore-daemonsets): stays on the node"
        if v is Verdict.SKIPPED:
            if st.filter == "mirror":
                return "mirror pod of a static pod: the kubelet owns it"
            return st.message or "skipped"
        notes = []
        if st.reason == WARNING:
            notes.append(st.message)
        if self.terminating:
            notes.append("already terminating")
        if len(self.pdbs) > 1:
            notes.append("covered by more than one PodDisruptionBudget: the eviction API will refuse it")
        elif self.pdb and self.pdb.blocking:
            notes.append(f"PodDisruptionBudget {self.pdb} allows no disruption now")
        return "; ".join(notes) or "will be evicted"


@dataclass
class DrainPlan:
    node: str
    pods: list[PodPlan]
    resource_version: str = ""  # of the pod list: a watch from here misses nothing
    node_unschedulable: bool = False  # when the plan was made
    pdb_error: str = ""  # PodDisruptionBudgets could not be read (the plan lacks their numbers)

    @property
    def to_evict(self) -> list[PodPlan]:
        return [p for p in self.pods if p.status.delete]

    def with_verdict(self, verdict: Verdict) -> list[PodPlan]:
        return [p for p in self.pods if p.verdict is verdict]

    @property
    def blocked(self) -> list[PodPlan]:
        return self.with_verdict(Verdict.BLOCKED)

    @property
    def ok(self) -> bool:
        """kubectl would go ahead: no pod blocks the drain."""
        return not self.blocked

    @property
    def zero_budgets(self) -> list[PdbStatus]:
        """Budgets at 0 that cover pods to evict: those evictions will wait (429) until they move."""
        out: dict[tuple[str, str], PdbStatus] = {}
        for p in self.to_evict:
            if p.pdb and p.pdb.blocking and not p.terminating:
                out[(p.pdb.namespace, p.pdb.name)] = p.pdb
        return list(out.values())

    def errors(self) -> list[str]:
        """kubectl's `PodDeleteList.errors()`: `cannot delete <msg>: ns/a, ns/b`, one per message."""
        groups: dict[str, list[str]] = {}
        for p in self.pods:
            if p.status.reason == ERROR:
                groups.setdefault(p.status.message or "unexpected error", []).append(f"{p.namespace}/{p.name}")
        return [f"cannot delete {msg}: {', '.join(pods)}" for msg, pods in groups.items()]

    def warnings(self) -> str:
        """kubectl's `PodDeleteList.Warnings()`: `msg: ns/a, ns/b; msg2: ns/c` ("" if none)."""
        groups: dict[str, list[str]] = {}
        for p in self.pods:
            if p.status.reason == WARNING:
                groups.setdefault(p.status.message, []).append(f"{p.namespace}/{p.name}")
        return "; ".join(f"{msg}: {', '.join(pods)}" for msg, pods in groups.items())

    def error(self) -> DrainError | None:
        errs = self.errors()
        return DrainError([GoError(e) for e in errs]) if errs else None


def controller_of(pod: dict) -> dict | None:
    """`metav1.GetControllerOf`: the ownerReference with controller: true."""
    for ref in pod["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def _parse_time(ts: str) -> float:
    return datetime.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()


def should_skip_pod(pod: dict, skip_seconds: int, now: float | None = None) -> bool:
    """kubectl's shouldSkipPod: deletionTimestamp more than N (> 0) whole seconds in the past."""
    ts = pod["metadata"].get("deletionTimestamp")
    if skip_seconds <= 0 or not ts:
        return False
    now = time.time() if now is None else now
    return int(now - _parse_time(ts)) > skip_seconds


# ---- events --------------------------------------------------------------------------------------

class PodState(str, enum.Enum):
    EVICTING = "evicting"
    DELETING = "deleting"
    BLOCKED = "blocked"  # eviction refused (429: a PodDisruptionBudget), will retry
    TERMINATING = "terminating"
    GONE = "gone"
    FAILED = "failed"
    SKIPPED = "skipped"  # by the operator, or --skip-wait-for-delete-timeout while waiting


@dataclass(frozen=True, kw_only=True)
class DrainEvent:
    node: str
    elapsed: float  # seconds since the drain started


@dataclass(frozen=True, kw_only=True)
class NodeCordoned(DrainEvent):
    result: CordonResult  # .changed False: it already was; .message is kubectl's line


@dataclass(frozen=True, kw_only=True)
class CordonFailed(DrainEvent):
    error: str  # kubectl goes on draining after this; so does k8stui


@dataclass(frozen=True, kw_only=True)
class PlanReady(DrainEvent):
    plan: DrainPlan


@dataclass(frozen=True, kw_only=True)
class PodEvent(DrainEvent):
    pod: PodRef
    state: PodState = PodState.EVICTING


@dataclass(frozen=True, kw_only=True)
class PodEvicting(PodEvent):
    attempt: int = 0  # retries so far
    dry_run: str | None = None
    already_terminating: bool = False  # a pod terminating since an earlier drain: waited for, not re-evicted
    state: PodState = PodState.EVICTING


@dataclass(frozen=True, kw_only=True)
class PodDeleting(PodEvent):
    despite_pdb: bool = False  # the operator chose a DELETE over a refused eviction
    dry_run: str | None = None
    state: PodState = PodState.DELETING


@dataclass(frozen=True, kw_only=True)
class PodBlocked(PodEvent):
    retries: int
    retry_after: float
    message: str  # the server's
    pdb: PdbStatus | None = None
    namespace_terminating: bool = False
    state: PodState = PodState.BLOCKED


@dataclass(frozen=True, kw_only=True)
class PodTerminating(PodEvent):
    via: str = "evict"  # or "delete"
    state: PodState = PodState.TERMINATING


@dataclass(frozen=True, kw_only=True)
class PodGone(PodEvent):
    via: str = "evict"
    already: bool = False  # it was gone when we came to evict it (kubectl prints nothing then)
    dry_run: str | None = None
    state: PodState = PodState.GONE


@dataclass(frozen=True, kw_only=True)
class PodWaitSkipped(PodEvent):
    seconds: int  # --skip-wait-for-delete-timeout
    state: PodState = PodState.SKIPPED


@dataclass(frozen=True, kw_only=True)
class PodSkipped(PodEvent):
    state: PodState = PodState.SKIPPED


@dataclass(frozen=True, kw_only=True)
class PodFailed(PodEvent):
    error: str
    state: PodState = PodState.FAILED


@dataclass(frozen=True, kw_only=True)
class NodeDrained(DrainEvent):
    dry_run: str | None = None
    skipped: tuple[PodRef, ...] = ()  # pods the operator chose to leave


@dataclass(frozen=True, kw_only=True)
class DrainFailed(DrainEvent):
    error: DrainError
    pending: tuple[str, ...] = ()  # pods still to delete (kubectl's re-list after an error)
    pending_error: DrainError | None = None  # that re-list's own errors
    before_drain: bool = False  # failed before draining began (e.g. the node does not exist)


@dataclass(frozen=True, kw_only=True)
class DrainStopped(DrainEvent):
    pass


@dataclass
class DrainResult:
    node: str
    drained: bool = False
    stopped: bool = False
    error: DrainError | None = None
    plan: DrainPlan | None = None
    cordon: CordonResult | None = None
    evicted: list[PodRef] = field(default_factory=list)
    deleted: list[PodRef] = field(default_factory=list)
    skipped: list[PodRef] = field(default_factory=list)
    failed: list[tuple[PodRef, str]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    elapsed: float = 0.0


def kubectl_lines(ev: DrainEvent) -> list[tuple[str, str]]:
    """What `kubectl drain` prints for an event: (stream, text) pairs, stream "out" or "err".

    A text without a trailing newline is printed as is (kubectl has one such line).
    """
    def dry(d: str | None) -> str:
        return {"client": " (dry run)", "server": " (server dry run)"}.get(d or "", "")

    if isinstance(ev, NodeCordoned):
        return [("out", ev.result.message + "\n")]
    if isinstance(ev, CordonFailed):
        return [("err", f"error: {ev.error}\n")]
    if isinstance(ev, PlanReady):
        w = ev.plan.warnings() if ev.plan.ok else ""
        return [("err", f"Warning: {w}\n")] if w else []
    if isinstance(ev, PodEvicting):
        return [("out", f"evicting pod {ev.pod.namespace}/{ev.pod.name}{dry(ev.dry_run)}\n")]
    if isinstance(ev, PodBlocked):
        if ev.namespace_terminating:
            return [("err", f"error when evicting pod {_q(ev.pod.name)} from terminating namespace "
                            f"{_q(ev.pod.namespace)} (will retry after {go_duration(ev.retry_after)}): {ev.message}\n")]
        return [("err", f"error when evicting pods/{_q(ev.pod.name)} -n {_q(ev.pod.namespace)} (will retry "
                        f"after {go_duration(ev.retry_after)}): {ev.message}\n")]
    if isinstance(ev, PodGone):
        if ev.already or ev.dry_run:
            return []
        return [("out", f"pod/{ev.pod.name} {'evicted' if ev.via == 'evict' else 'deleted'}\n")]
    if isinstance(ev, PodWaitSkipped):
        return [("out", f"pod {_q(ev.pod.name)} has DeletionTimestamp older than {ev.seconds} seconds, skipping\n")]
    if isinstance(ev, NodeDrained):
        return [("out", f"node/{ev.node} drained{dry(ev.dry_run)}\n")]
    if isinstance(ev, DrainFailed):
        lines: list[tuple[str, str]] = []
        if not ev.before_drain:
            if ev.pending:
                lines.append(("err", f"There are pending pods in node {_q(ev.node)} when an error occurred: "
                                     f"{ev.error.go_error()}\n"))
                lines.extend(("err", f"pod/{name}\n") for name in ev.pending)
            if ev.pending_error is not None:
                lines.append(("err", "Following errors occurred while getting the list of pods to delete:\n"
                                     + ev.pending_error.go_error()))
            lines.append(("err", f"error: unable to drain node {_q(ev.node)} due to error: {ev.error.go_error()}, "
                                 "continuing command...\n"))
            lines.append(("err", "There are pending nodes to be drained:\n"))
            lines.append(("err", f" {ev.node}\n"))
        lines.extend(("err", line + "\n") for line in ev.error.kubectl_lines())
        return lines
    return []


# ---- the API calls, as raw JSON ------------------------------------------------------------------

class _Api:
    """The few requests a drain makes, sent through the connection's client (and its read-only
    guard) and parsed as plain JSON: no model classes for hundreds of pods."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.client = conn.api

    async def send(self, method: str, path: str, query: list[tuple[str, str]] | None = None,
                   body: Any = None, timeout: Any = None) -> aiohttp.ClientResponse:
        return await raw.send(self.conn, method, path, query, body, timeout)

    async def request(self, method: str, path: str, query: list[tuple[str, str]] | None = None,
                      body: Any = None) -> dict:
        resp = await self.send(method, path, query, body)
        try:
            data = await resp.read()
        finally:
            resp.release()
        if resp.status >= 400:
            raise raw.api_exception(resp.status, data, resp.headers)
        return json.loads(data) if data else {}

    async def get_node(self, node: str) -> dict:
        return await self.request("GET", f"/api/v1/nodes/{node}")

    async def list_pods(self, node: str, selector: str, limit: int, cont: str | None) -> dict:
        q = [("fieldSelector", f"spec.nodeName={node}")]
        if selector:
            q.append(("labelSelector", selector))
        if limit > 0:
            q.append(("limit", str(limit)))
        if cont:
            q.append(("continue", cont))
        return await self.request("GET", "/api/v1/pods", q)

    async def get_pod(self, ns: str, name: str) -> dict:
        return await self.request("GET", f"/api/v1/namespaces/{ns}/pods/{name}")

    async def get_daemonset(self, ns: str, name: str) -> dict:
        return await self.request("GET", f"/apis/apps/v1/namespaces/{ns}/daemonsets/{name}")

    async def list_pdbs(self) -> dict:
        return await self.request("GET", "/apis/policy/v1/poddisruptionbudgets")

    async def get_pdb(self, ns: str, name: str) -> dict:
        return await self.request("GET", f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/{name}")

    async def eviction_group_version(self) -> str | None:
        """kubectl's CheckEvictionSupport: "policy/v1" (or v1beta1) if pods/eviction is served."""
        for r in (await self.request("GET", "/api/v1")).get("resources") or []:
            if r.get("name") == "pods/eviction" and r.get("kind") == "Eviction" and r.get("group") \
                    and r.get("version"):
                return f"{r['group']}/{r['version']}"
        return None

    async def evict(self, ns: str, name: str, group_version: str, options: dict) -> None:
        body = {"apiVersion": group_version, "kind": "Eviction",
                "metadata": {"name": name, "namespace": ns}, "deleteOptions": options}
        await self.request("POST", f"/api/v1/namespaces/{ns}/pods/{name}/eviction", body=body)

    async def delete_pod(self, ns: str, name: str, options: dict) -> dict:
        return await self.request("DELETE", f"/api/v1/namespaces/{ns}/pods/{name}", body=options)


# ---- the drain -----------------------------------------------------------------------------------

PodFilter = Callable[[dict], Awaitable[PodDeleteStatus]]
EventCallback = Callable[[DrainEvent], "Awaitable[None] | None"]


class _PodRun:
    """One pod's progress through a run, and the operator's requests for it."""

    def __init__(self, plan: PodPlan):
        self.plan = plan
        self.ref = plan.ref
        self.pod = plan.pod  # the latest version seen
        self.gone = False
        self.action: str | None = None  # "skip" or "delete"
        self.deleted = False  # a DELETE was sent
        self.state: PodState | None = None
        self.retries = 0
        self.wake = asyncio.Event()

    def poke(self) -> None:
        self.wake.set()


class _Timeout(Exception):
    pass


class Drainer:
    """kubectl's drain.Helper for one node. See the module docstring."""

    def __init__(self, conn: Connection, node: str, options: DrainOptions | None = None,
                 on_event: EventCallback | None = None):
        self.conn = conn
        self.node = node
        self.options = options or DrainOptions()
        self.options.validate()
        self.on_event = on_event
        self.api = _Api(conn)
        self.filters: list[PodFilter] = [self.skip_deleted_filter, self.daemonset_filter,
                                         self.mirror_pod_filter, self.local_storage_filter,
                                         self.unreplicated_filter]
        self.plan_result: DrainPlan | None = None
        self.result: DrainResult | None = None
        self._runs: dict[tuple[str, str], _PodRun] = {}
        self._by_uid: dict[str, _PodRun] = {}
        self._t0 = 0.0
        self._deadline: float | None = None
        self._slots = asyncio.Semaphore(self.options.max_concurrency)
        self._watching = False
        self._inner: asyncio.Task | None = None
        self._stop_requested = False
        self._queue: asyncio.Queue | None = None

    # ---- filters (kubectl's order; each returns a PodDeleteStatus) ----------------------------

    async def skip_deleted_filter(self, pod: dict) -> PodDeleteStatus:
        n = self.options.skip_wait_for_delete_timeout
        if should_skip_pod(pod, n):
            return PodDeleteStatus(False, SKIP, f"terminating for more than {n}s (--skip-wait-for-delete-timeout)",
                                   "skip-deleted")
        return PodDeleteStatus.okay()

    async def daemonset_filter(self, pod: dict) -> PodDeleteStatus:
        ref = controller_of(pod)
        if ref is None or ref.get("kind") != "DaemonSet":
            return PodDeleteStatus.okay()
        if (pod.get("status") or {}).get("phase") in FINISHED_PHASES:
            return PodDeleteStatus.okay()
        try:
            await self.api.get_daemonset(pod["metadata"].get("namespace", ""), ref.get("name", ""))
        except ApiException as e:
            msg = _api_error(e).message
            if e.status == 404 and self.options.force:
                return PodDeleteStatus(True, WARNING, msg, "daemonset")
            return PodDeleteStatus(False, ERROR, msg, "daemonset", "--force" if e.status == 404 else None)
        if not self.options.ignore_daemonsets:
            return PodDeleteStatus(False, ERROR, DAEMONSET_FATAL, "daemonset", "--ignore-daemonsets")
        return PodDeleteStatus(False, WARNING, DAEMONSET_WARNING, "daemonset")

    async def mirror_pod_filter(self, pod: dict) -> PodDeleteStatus:
        if MIRROR_POD_ANNOTATION in (pod["metadata"].get("annotations") or {}):
            return PodDeleteStatus(False, SKIP, "", "mirror")
        return PodDeleteStatus.okay()

    async def local_storage_filter(self, pod: dict) -> PodDeleteStatus:
        if not any("emptyDir" in v for v in (pod.get("spec") or {}).get("volumes") or []):
            return PodDeleteStatus.okay()
        if (pod.get("status") or {}).get("phase") in FINISHED_PHASES:
            return PodDeleteStatus.okay()
        if not self.options.delete_emptydir_data:
            return PodDeleteStatus(False, ERROR, LOCAL_STORAGE_FATAL, "local-storage", "--delete-emptydir-data")
        return PodDeleteStatus(True, WARNING, LOCAL_STORAGE_WARNING, "local-storage")

    async def unreplicated_filter(self, pod: dict) -> PodDeleteStatus:
        if (pod.get("status") or {}).get("phase") in FINISHED_PHASES:
            return PodDeleteStatus.okay()
        if controller_of(pod) is not None:
            return PodDeleteStatus.okay()
        if self.options.force:
            return PodDeleteStatus(True, WARNING, UNMANAGED_WARNING, "unreplicated")
        return PodDeleteStatus(False, ERROR, UNMANAGED_FATAL, "unreplicated", "--force")

    async def classify(self, pod: dict) -> PodDeleteStatus:
        """Run the filters in order; the first "don't delete" wins, else the last status stands."""
        status = PodDeleteStatus.okay()
        for f in [*self.filters, *self.options.additional_filters]:
            out = f(pod)
            status = await out if inspect.isawaitable(out) else out  # type: ignore[assignment]
            if not status.delete:
                break
        return status

    # ---- the plan ------------------------------------------------------------------------------

    async def list_pods(self) -> tuple[list[dict], str]:
        """All pods on the node (and matching the pod selector), page by page; and the list's RV."""
        sel = str(parse_label_selector(self.options.pod_selector)) if self.options.pod_selector else ""
        pods: list[dict] = []
        cont: str | None = None
        rv = ""
        while True:
            page = await self.api.list_pods(self.node, sel, self.options.chunk_size, cont)
            pods.extend(page.get("items") or [])
            meta = page.get("metadata") or {}
            rv = rv or meta.get("resourceVersion", "")
            cont = meta.get("continue")
            if not cont:
                return pods, rv

    async def plan(self, node_obj: dict | None = None) -> DrainPlan:
        """What a drain would do now; reads only (GETs), so it also works read-only.

        Raises DrainError if the node or its pods cannot be read.
        """
        try:
            if node_obj is None:
                node_obj = await self.api.get_node(self.node)
            pods, rv = await self.list_pods()
        except (ApiException, aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            raise DrainError([_api_error(e, self.conn)]) from None
        plans = [PodPlan(pod, await self.classify(pod)) for pod in pods]
        plan = DrainPlan(self.node, plans, rv, bool((node_obj.get("spec") or {}).get("unschedulable")))
        await self._attach_pdbs(plan)
        self.plan_result = plan
        return plan

    async def _attach_pdbs(self, plan: DrainPlan) -> None:
        if not plan.pods:
            return
        try:
            pdbs = (await self.api.list_pdbs()).get("items") or []
        except (ApiException, aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            plan.pdb_error = _api_error(e, self.conn).display()
            return
        by_ns: dict[str, list[tuple[Any, PdbStatus]]] = {}
        for pdb in pdbs:
            sel = selector_from_spec((pdb.get("spec") or {}).get("selector"))
            by_ns.setdefault(pdb["metadata"].get("namespace", ""), []).append((sel, PdbStatus.of(pdb)))
        for p in plan.pods:
            labels = p.pod["metadata"].get("labels") or {}
            p.pdbs = [st for sel, st in by_ns.get(p.namespace, []) if sel.matches(labels)]

    # ---- controls (for a TUI) --------------------------------------------------------------------

    def skip(self, namespace: str, name: str) -> bool:
        """Leave this pod alone: stop retrying its eviction or waiting for it."""
        return self._act(namespace, name, "skip")

    def delete_despite_pdb(self, namespace: str, name: str) -> bool:
        """Send a DELETE for this pod (its budget is not consulted), then wait for it as usual."""
        return self._act(namespace, name, "delete")

    def _act(self, namespace: str, name: str, action: str) -> bool:
        run = self._runs.get((namespace, name))
        if run is None or run.state in (PodState.GONE, PodState.FAILED, PodState.SKIPPED):
            return False
        run.action = action
        run.poke()
        return True

    def stop(self) -> None:
        """Stop the drain: nothing more is sent; `run()` returns a result with `stopped=True`."""
        self._stop_requested = True
        if self._inner is not None and not self._inner.done():
            self._inner.cancel()

    async def uncordon(self) -> CordonResult:
        """Make the node schedulable again (after a drain that stopped or failed, if wanted)."""
        return await set_unschedulable(self.conn, self.node, False, self.options.dry_run)

    # ---- running ---------------------------------------------------------------------------------

    def check_writable(self) -> None:
        """A read-only connection may plan and client-dry-run a drain, nothing else."""
        if self.conn.readonly and self.options.dry_run != "client":
            raise ReadOnlyError(f"drain node/{self.node}")

    def stream(self) -> AsyncIterator[DrainEvent]:
        """Run the drain, yielding its events; closing the iterator early stops the drain."""
        return stream_events(self.run, lambda q: setattr(self, "_queue", q))

    async def run(self) -> DrainResult:
        """Cordon, plan, evict, wait. Returns the result (also on failure: see `.error`).

        Raises ReadOnlyError (nothing sent) on a read-only connection, and CancelledError if the
        calling task is cancelled (the node stays cordoned, accepted evictions stand).
        """
        self.check_writable()
        if self.result is not None:
            raise RuntimeError("a Drainer runs once; make a new one to drain again")
        loop = asyncio.get_running_loop()
        self._t0 = loop.time()
        self.result = DrainResult(self.node)
        self._inner = asyncio.create_task(self._run())
        if self._stop_requested:
            self._inner.cancel()
        try:
            await self._inner
        except asyncio.CancelledError:
            me = asyncio.current_task()
            if not self._stop_requested or (me is not None and me.cancelling()):
                raise
            self.result.stopped = True
            await self._emit(DrainStopped(node=self.node, elapsed=self._elapsed()))
        self.result.elapsed = self._elapsed()
        return self.result

    def _elapsed(self) -> float:
        return asyncio.get_running_loop().time() - self._t0

    async def _emit(self, ev: DrainEvent) -> None:
        if self._queue is not None:
            self._queue.put_nowait(ev)
        if self.on_event is not None:
            out = self.on_event(ev)
            if out is not None and hasattr(out, "__await__"):
                await out

    async def _fail(self, error: DrainError, pending: Sequence[str] = (), pending_error: DrainError | None = None,
                    before_drain: bool = False) -> None:
        assert self.result is not None
        self.result.error = error
        self.result.pending = list(pending)
        await self._emit(DrainFailed(node=self.node, elapsed=self._elapsed(), error=error, pending=tuple(pending),
                                     pending_error=pending_error, before_drain=before_drain))

    async def _run(self) -> None:
        res = self.result
        assert res is not None
        opts = self.options
        # kubectl reads the node first (its Builder): a missing node ends it before any change
        try:
            node_obj = await self.api.get_node(self.node)
        except (ApiException, aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            await self._fail(DrainError([_api_error(e, self.conn)], aggregate=False), before_drain=True)
            return
        try:
            res.cordon = await set_unschedulable(self.conn, self.node, True, opts.dry_run)
            await self._emit(NodeCordoned(node=self.node, elapsed=self._elapsed(), result=res.cordon))
        except UserError as e:
            # kubectl prints the error and drains anyway
            await self._emit(CordonFailed(node=self.node, elapsed=self._elapsed(), error=_cordon_error(e, self.node)))
        try:
            plan = await self.plan(node_obj)
        except DrainError as e:
            await self._fail(e)
            return
        res.plan = plan
        await self._emit(PlanReady(node=self.node, elapsed=self._elapsed(), plan=plan))
        err = plan.error()
        if err is not None:
            await self._fail(err)
            return
        pods = plan.to_evict
        if opts.dry_run == "client":
            for p in pods:
                await self._emit(PodEvicting(node=self.node, elapsed=self._elapsed(), pod=p.ref, dry_run="client"))
            await self._emit(NodeDrained(node=self.node, elapsed=self._elapsed(), dry_run="client"))
            res.drained = True
            return
        error = await self._evict_or_delete(plan, pods)
        if error is not None:
            pending: list[str] = []
            pending_error = None
            try:
                again = await self.plan()
                pending = [p.name for p in again.to_evict]
                pending_error = again.error()
            except DrainError as e:
                pending_error = e
            await self._fail(error, pending, pending_error)
            return
        res.drained = True
        await self._emit(NodeDrained(node=self.node, elapsed=self._elapsed(), dry_run=opts.dry_run,
                                     skipped=tuple(res.skipped)))

    async def _evict_or_delete(self, plan: DrainPlan, pods: list[PodPlan]) -> DrainError | None:
        if not pods:
            return None
        opts = self.options
        group_version: str | None = None
        if not opts.disable_eviction:
            try:
                group_version = await self.api.eviction_group_version()
            except (ApiException, aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
                return DrainError([_api_error(e, self.conn)], aggregate=False)
        loop = asyncio.get_running_loop()
        if opts.timeout:
            self._deadline = loop.time() + opts.timeout
        for p in pods:
            run = _PodRun(p)
            self._runs[(p.namespace, p.name)] = run
            self._by_uid[p.uid] = run
        runs = list(self._runs.values())
        watcher: asyncio.Task | None = None
        if opts.dry_run != "server" and opts.use_watch:
            self._watching = True
            watcher = asyncio.create_task(self._watch(plan.resource_version))
        try:
            if group_version is not None:
                results = await self._gather([self._evict_pod(r, group_version) for r in runs])
                errors = [e for e in results if e is not None]
                return DrainError(errors) if errors else None
            return await self._delete_all(runs)
        finally:
            if watcher is not None:
                watcher.cancel()
                try:
                    await watcher
                except (asyncio.CancelledError, Exception):
                    pass

    @staticmethod
    async def _gather(coros: list[Awaitable[Any]]) -> list[Any]:
        """Run concurrently; on cancellation every child is cancelled and awaited first."""
        tasks: list[asyncio.Task] = []
        try:
            async with asyncio.TaskGroup() as tg:
                for c in coros:
                    tasks.append(tg.create_task(c))  # type: ignore[arg-type]
        except BaseExceptionGroup as eg:  # a failing event callback, say: raise it as itself
            raise eg.exceptions[0] from None
        return [t.result() for t in tasks]

    def _delete_options(self) -> dict:
        out: dict[str, Any] = {}
        if self.options.grace_period >= 0:
            out["gracePeriodSeconds"] = self.options.grace_period
        if self.options.dry_run == "server":
            out["dryRun"] = ["All"]
        return out

    def _expired(self) -> bool:
        return self._deadline is not None and asyncio.get_running_loop().time() >= self._deadline

    def _would_shorten(self, pod: dict) -> bool:
        """Would our grace period cut short the termination already under way?"""
        g = self.options.grace_period
        cur = pod["metadata"].get("deletionGracePeriodSeconds")
        return g >= 0 and (cur is None or g < int(cur))

    async def _set(self, run: _PodRun, ev: PodEvent) -> None:
        run.state = ev.state
        await self._emit(ev)

    def _pod_event(self, cls: type, run: _PodRun, **kw: Any) -> Any:
        return cls(node=self.node, elapsed=self._elapsed(), pod=run.ref, **kw)

    async def _evict_pod(self, run: _PodRun, group_version: str) -> GoError | None:
        """kubectl's per-pod goroutine of evictPods, with the operator's controls."""
        opts = self.options
        ns, name = run.ref.namespace, run.ref.name
        accepted = sent = False
        if run.plan.terminating and not self._would_shorten(run.pod) and opts.dry_run != "server":
            # evicted by an earlier drain (or deleted by someone): wait for it, don't evict again
            await self._set(run, self._pod_event(PodEvicting, run, already_terminating=True))
            accepted = True
        while not accepted:
            if run.action == "skip":
                return await self._skipped(run)
            if run.action == "delete":
                return await self._delete_and_wait(run, despite_pdb=True)
            async with self._slots:
                await self._set(run, self._pod_event(PodEvicting, run, attempt=run.retries, dry_run=opts.dry_run))
                if self._expired():
                    return await self._failed(run, f"error when evicting pods/{_q(name)} -n {_q(ns)}: global timeout "
                                                   f"reached: {go_duration(opts.timeout)}", "evict")
                if run.gone:
                    await self._set(run, self._pod_event(PodGone, run, already=True))
                    return None
                try:
                    await self.api.evict(ns, name, group_version, self._delete_options())
                    accepted = sent = True
                    break
                except ApiException as e:
                    error = e
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
                    return await self._failed(run, f"error when evicting pods/{_q(name)} -n {_q(ns)}: "
                                                   f"{_api_error(e, self.conn).message}", "evict")
            # the slot is free again here: a pod waiting out a 429 holds none
            msg = _api_error(error).message
            terminating_ns = error.status == 403 and any(
                c.get("type") == "NamespaceTerminating" for c in _status_causes(error))
            if error.status == 404:
                await self._set(run, self._pod_event(PodGone, run, already=True))
                return None
            if error.status == 429 or (terminating_ns and not run.pod["metadata"].get("deletionTimestamp")):
                run.retries += 1
                pdb = await self._pdb_for(run, error) if error.status == 429 else None
                await self._set(run, self._pod_event(PodBlocked, run, retries=run.retries,
                                                     retry_after=opts.evict_retry_delay, message=msg, pdb=pdb,
                                                     namespace_terminating=terminating_ns))
                await self._pause(run, opts.evict_retry_delay)
                try:  # kubectl re-reads the pod; errors are ignored
                    fresh = await self.api.get_pod(ns, name)
                    if fresh["metadata"].get("uid") == run.ref.uid:
                        run.pod = fresh
                    else:  # replaced meanwhile (kubectl would go on to evict the new pod)
                        run.gone = True
                except (ApiException, aiohttp.ClientError, asyncio.TimeoutError, OSError):
                    pass
                continue
            if terminating_ns:
                accepted = True  # already deleting in a deleting namespace: wait for it
                break
            return await self._failed(run, f"error when evicting pods/{_q(name)} -n {_q(ns)}: {msg}", "evict")
        if opts.dry_run == "server":
            await self._set(run, self._pod_event(PodGone, run, dry_run="server"))
            return None
        if sent:
            self._audit("evict", run, "ok")
        return await self._wait(run, "evict")

    async def _pdb_for(self, run: _PodRun, error: ApiException) -> PdbStatus | None:
        """The budget that refused the eviction, with fresh numbers."""
        name = run.plan.pdb.name if run.plan.pdb else None
        if name is None:
            for c in _status_causes(error):
                m = re.match(r"The disruption budget (\S+) ", c.get("message") or "")
                if m:
                    name = m.group(1)
                    break
        if name is None:
            return None
        try:
            return PdbStatus.of(await self.api.get_pdb(run.ref.namespace, name))
        except (ApiException, aiohttp.ClientError, asyncio.TimeoutError, OSError):
            return run.plan.pdb

    async def _pause(self, run: _PodRun, delay: float) -> None:
        """Sleep `delay`, ending early for an operator action, the pod's end, or the deadline."""
        loop = asyncio.get_running_loop()
        end = loop.time() + delay
        if self._deadline is not None:
            end = min(end, self._deadline)
        while True:
            run.wake.clear()
            remaining = end - loop.time()
            if run.action or run.gone or remaining <= 0:
                return
            if not await wait_event(run.wake, remaining):
                return

    async def _delete(self, run: _PodRun, despite_pdb: bool) -> GoError | None:
        """One DELETE for the pod (with the drain's grace period and dry-run)."""
        opts = self.options
        await self._set(run, self._pod_event(PodDeleting, run, despite_pdb=despite_pdb, dry_run=opts.dry_run))
        try:
            async with self._slots:
                await self.api.delete_pod(run.ref.namespace, run.ref.name, self._delete_options())
        except ApiException as e:
            if e.status == 404:
                run.gone = True
                run.deleted = True
                return None
            err = _api_error(e)
            self._audit("delete", run, f"error: {err.message}")
            return err
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            err = _api_error(e, self.conn)
            self._audit("delete", run, f"error: {err.message}")
            return err
        run.deleted = True
        if opts.dry_run is None:
            self._audit("delete", run, "ok")
        return None

    async def _delete_and_wait(self, run: _PodRun, despite_pdb: bool) -> GoError | None:
        err = await self._delete(run, despite_pdb)
        if err is not None:
            return await self._failed(run, err.message, "delete", err)
        if self.options.dry_run == "server":
            await self._set(run, self._pod_event(PodGone, run, via="delete", dry_run="server"))
            return None
        return await self._wait(run, "delete")

    async def _delete_all(self, runs: list[_PodRun]) -> DrainError | None:
        """kubectl's deletePods: DELETE every pod, then wait for them all. A failed DELETE (the first
        in the pods' order) fails the drain without waiting, as in kubectl; the DELETEs go out
        concurrently (bounded) where kubectl sends them one by one."""
        errors = await self._gather([self._delete(r, False) for r in runs])
        for run, err in zip(runs, errors):
            if err is not None:
                run.state = PodState.FAILED
                return DrainError([err], aggregate=False)
        if self.options.dry_run == "server":
            return None
        results = await self._gather([self._wait(r, "delete", report_timeout=False) for r in runs])
        if any(r is _TIMED_OUT for r in results):
            return DrainError([GoError("context deadline exceeded")], aggregate=False)
        errs = [r for r in results if isinstance(r, GoError)]
        return DrainError(errs[:1], aggregate=False) if errs else None

    async def _wait(self, run: _PodRun, via: str, report_timeout: bool = True) -> Any:
        """Wait until the pod is gone (kubectl's waitForDelete, for one pod)."""
        await self._set(run, self._pod_event(PodTerminating, run, via=via))
        loop = asyncio.get_running_loop()
        n = self.options.skip_wait_for_delete_timeout
        # with the watch, a GET now and then all the same: a watch that silently stops delivering
        # (a buffering proxy, say) must not leave the drain waiting forever
        verify_every = self.options.poll_interval * VERIFY_FACTOR
        next_verify = loop.time() + verify_every
        while True:
            run.wake.clear()
            if run.action == "skip":
                return await self._skipped(run)
            if run.action == "delete" and not run.deleted:
                err = await self._delete(run, despite_pdb=True)
                if err is not None:
                    return await self._failed(run, err.message, "delete", err)
                via = "delete"
                continue
            if not self._watching or (not run.gone and loop.time() >= next_verify):
                next_verify = loop.time() + verify_every
                try:
                    fresh = await self.api.get_pod(run.ref.namespace, run.ref.name)
                    if fresh["metadata"].get("uid") != run.ref.uid:
                        run.gone = True
                    else:
                        run.pod = fresh
                except ApiException as e:
                    if e.status != 404:
                        return await self._wait_failed(run, via, _api_error(e).message)
                    run.gone = True
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
                    return await self._wait_failed(run, via, _api_error(e, self.conn).message)
            if run.gone:
                await self._set(run, self._pod_event(PodGone, run, via=via))
                if via == "evict":
                    self.result.evicted.append(run.ref)  # type: ignore[union-attr]
                else:
                    self.result.deleted.append(run.ref)  # type: ignore[union-attr]
                return None
            if should_skip_pod(run.pod, n):
                await self._set(run, self._pod_event(PodWaitSkipped, run, seconds=n))
                return None
            now = loop.time()
            if self._deadline is not None and now >= self._deadline:
                if not report_timeout:
                    run.state = PodState.FAILED
                    return _TIMED_OUT
                return await self._wait_failed(run, via, "context deadline exceeded")
            timeout = max(0.0, next_verify - now) if self._watching else self.options.poll_interval
            if self._deadline is not None:
                timeout = min(timeout, self._deadline - now)
            ts = run.pod["metadata"].get("deletionTimestamp")
            if n > 0 and ts:  # when --skip-wait-for-delete-timeout falls due
                timeout = min(timeout, max(0.05, _parse_time(ts) + n + 1 - time.time()))
            await wait_event(run.wake, timeout)

    async def _wait_failed(self, run: _PodRun, via: str, message: str) -> GoError:
        if via == "evict":
            message = (f"error when waiting for pod {_q(run.ref.name)} in namespace {_q(run.ref.namespace)} "
                       f"to terminate: {message}")
        return await self._failed(run, message, None)

    async def _skipped(self, run: _PodRun) -> None:
        await self._set(run, self._pod_event(PodSkipped, run))
        self.result.skipped.append(run.ref)  # type: ignore[union-attr]
        return None

    async def _failed(self, run: _PodRun, message: str, audit_action: str | None,
                      error: GoError | None = None) -> GoError:
        if audit_action == "evict":
            self._audit("evict", run, f"error: {message}")
        await self._set(run, self._pod_event(PodFailed, run, error=message))
        self.result.failed.append((run.ref, message))  # type: ignore[union-attr]
        return error or GoError(message)

    def _audit(self, action: str, run: _PodRun, result: str) -> None:
        if self.options.dry_run is not None:
            return
        ns, name = run.ref.namespace, run.ref.name
        if action == "evict":
            cmd = self.options.kubectl_command(self.node)
        else:
            g = self.options.grace_period
            cmd = f"kubectl delete pod {name} -n {ns}" + (f" --grace-period={g}" if g >= 0 else "")
        audit.record(action, f"pod/{ns}/{name}", context=self.conn.context, result=result, kubectl=cmd,
                     node=self.node)

    # ---- the watch that sees pods go ---------------------------------------------------------------

    async def _watch(self, rv: str) -> None:
        """Follow the node's pods from the plan's list RV; mark tracked pods gone. On any failure
        switch the waiters to kubectl's polling."""
        try:
            while True:
                rv = await self._watch_once(rv)
        except asyncio.CancelledError:
            raise
        except Exception:
            self._watching = False
            for run in self._runs.values():
                run.poke()

    async def _watch_once(self, rv: str) -> str:
        q = [("watch", "true"), ("fieldSelector", f"spec.nodeName={self.node}"), ("allowWatchBookmarks", "true"),
             ("timeoutSeconds", "300")]
        if rv:
            q.append(("resourceVersion", rv))
        resp = await self.api.send("GET", "/api/v1/pods", q,
                                   timeout=aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=None))
        try:
            if resp.status >= 400:
                raise ApiException(status=resp.status, reason=resp.reason)
            while True:
                line = await resp.content.readline()
                if not line:
                    return rv  # the server ended the watch: resume from where we are
                ev = json.loads(line)
                obj = ev.get("object") or {}
                if ev.get("type") == "ERROR":
                    raise ApiException(status=obj.get("code"), reason=obj.get("message"))
                meta = obj.get("metadata") or {}
                rv = meta.get("resourceVersion") or rv
                if ev.get("type") == "BOOKMARK":
                    continue
                self._observe(ev.get("type", ""), obj)
        finally:
            resp.close()

    def _observe(self, etype: str, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        run = self._by_uid.get(meta.get("uid", ""))
        if run is not None:
            if etype == "DELETED":
                run.gone = True
            else:
                run.pod = obj
            run.poke()
            return
        other = self._runs.get((meta.get("namespace", ""), meta.get("name", "")))
        if other is not None and etype != "DELETED":  # the name is back with another UID
            other.gone = True
            other.poke()


_TIMED_OUT = object()


def _cordon_error(e: UserError, node: str) -> str:
    """kubectl's `unable to cordon node "x": <API message>` from ops.cordon's error."""
    cause = e.__cause__ or e.__context__
    if isinstance(cause, ApiException):
        return f"unable to cordon node {_q(node)}: {_api_error(cause).message}"
    return str(e)


async def drain(conn: Connection, node: str, options: DrainOptions | None = None,
                on_event: EventCallback | None = None) -> DrainResult:
    """One drain, kubectl-style; see `Drainer`."""
    return await Drainer(conn, node, options, on_event).run()
