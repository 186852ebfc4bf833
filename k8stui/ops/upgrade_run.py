"""RUN a kubeadm upgrade plan: the documented steps per node, health gates, a journal, an event stream.

    run = UpgradeRun(conn, ssh_runner, plan, on_event=..., on_failure=..., confirm_next=...)
    result = await run.run()          # or: async for ev in run.stream(): ...
    run.pause(); run.resume(); run.abort()

Per node (kubeadm.md §1.4-1.6), each step re-checking its effect first so that a re-run is safe:

  repo          point kubernetes.list at the target minor (skipped when it already does)
  apt-update    apt-get update
  kubeadm       madison must offer the exact version; apt-mark unhold, apt-get install -y
                kubeadm=1.35.2-1.1, apt-mark hold (skipped when kubeadm already is the target, held)
  verify        kubeadm version -o short == target
  upgrade-plan  kubeadm upgrade plan v1.35.2 -o json            (first control plane only)
  upgrade-apply kubeadm upgrade apply -y v1.35.2                (first control plane only)
  upgrade-node  kubeadm upgrade node                            (every other node; kubeadm's own
                                                                 re-run is its documented recovery)
  drain         the drain engine (--ignore-daemonsets --delete-emptydir-data, --force on request)
  kubelet       apt-mark unhold, apt-get install kubelet=... kubectl=..., apt-mark hold
                (skipped when `kubelet --version` is the target and both are held)
  restart       systemctl daemon-reload; systemctl restart kubelet (skipped when the node already
                reports the target kubeletVersion and is Ready)
  ready         watch the node until Ready with kubeletVersion == target
  uncordon      kubectl uncordon (already uncordoned is fine)
  gates         watch: node Ready at the target; control-plane pods Ready (this node's mirror pods at
                the target image; after the last control plane, kube-proxy at the target);
                DaemonSet pods on the node Ready

Control-plane nodes go strictly one after the other; workers one at a time, or `parallel` at a
time (a worker whose drain alongside the ones under way would leave a workload with nothing
available waits for them). A failed step stops the run: no further node starts (workers already running finish their
node), the output stays in the journal, and `on_failure` (the TUI's retry / skip / abort) decides;
without it the run ends failed and the next run retries that step. `confirm_next(node)` (optional)
is awaited before each node after the first; False stops the run cleanly.

Every host command is audited by the SSH runner, every eviction and cordon by the drain and cordon
operations; the run's start and end are audited here.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from k8stui import audit
from k8stui.errors import ReadOnlyError, UserError
from k8stui.hosts import shell
from k8stui.hosts.shell import Command
from k8stui.kube.connection import Connection
from k8stui.ops import upgrade_kube as kube
from k8stui.ops.cordon import set_unschedulable
from k8stui.ops.drain import DrainEvent, Drainer, kubectl_lines
from k8stui.ops.maintenance import MaintenanceLease, acquire_maintenance_lease, check_node_gates
from k8stui.ops.upgrade_journal import DONE_STATES, Journal
from k8stui.ops.upgrade_plan import (
    PACKAGES,
    UpgradePlan,
    display,
    parse_madison,
    parse_repo,
    step_commands,
    vt,
)
from k8stui.ops.streaming import stream_events


# ---- events ---------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class UpgradeEvent:
    node: str = ""
    at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class NodeProgress:
    """Where one node stands in the journal when a run starts."""
    name: str
    role: str
    status: str  # pending | running | failed | done (the journal's: running = an earlier run stopped in it)
    steps: tuple[str, ...]  # step ids, in order
    finished: tuple[str, ...]  # done or skipped, in earlier runs


@dataclass(frozen=True, kw_only=True)
class RunStarted(UpgradeEvent):
    target: str
    journal: str
    resumed: bool
    nodes: tuple[str, ...]  # in order, this run's
    done: tuple[str, ...] = ()  # finished earlier (or already at the target)
    progress: tuple[NodeProgress, ...] = ()  # every selected node, in order (todo and done)


@dataclass(frozen=True, kw_only=True)
class NodeStarted(UpgradeEvent):
    role: str
    action: str  # apply | node | worker
    index: int  # 1-based among this run's nodes
    total: int
    steps: tuple[str, ...]  # step ids


@dataclass(frozen=True, kw_only=True)
class StepStarted(UpgradeEvent):
    step: str
    title: str
    index: int  # 1-based within the node
    total: int
    attempt: int = 1


@dataclass(frozen=True, kw_only=True)
class CommandStarted(UpgradeEvent):
    step: str
    command: str


@dataclass(frozen=True, kw_only=True)
class OutputLine(UpgradeEvent):
    step: str
    command: str
    stream: str  # stdout | stderr
    line: str


@dataclass(frozen=True, kw_only=True)
class CommandFinished(UpgradeEvent):
    step: str
    command: str
    exit_status: int | None


@dataclass(frozen=True, kw_only=True)
class DrainProgress(UpgradeEvent):
    step: str
    event: DrainEvent
    lines: tuple[tuple[str, str], ...]  # kubectl's (stream, text) for it


@dataclass(frozen=True, kw_only=True)
class GateWaiting(UpgradeEvent):
    step: str
    gate: str
    detail: str


@dataclass(frozen=True, kw_only=True)
class GatePassed(UpgradeEvent):
    step: str
    gate: str


@dataclass(frozen=True, kw_only=True)
class StepFinished(UpgradeEvent):
    step: str
    title: str
    elapsed: float
    note: str = ""  # e.g. "already at v1.35.2" when the check found the effect in place


@dataclass(frozen=True, kw_only=True)
class StepSkipped(UpgradeEvent):
    step: str
    title: str
    reason: str  # "done in an earlier run", "skipped by the operator"


@dataclass(frozen=True, kw_only=True)
class StepFailed(UpgradeEvent):
    step: str
    title: str
    error: str
    output: tuple[str, ...] = ()  # the last lines of output


@dataclass(frozen=True, kw_only=True)
class NodeDone(UpgradeEvent):
    elapsed: float
    already: bool = False


@dataclass(frozen=True, kw_only=True)
class Paused(UpgradeEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class Resumed(UpgradeEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class RunFinished(UpgradeEvent):
    status: str  # done | failed | stopped
    journal: str
    failed: tuple[str, str] | None = None  # (node, step)
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "done"


@dataclass
class RunResult:
    status: str  # done | failed | stopped
    journal: Path
    failed: tuple[str, str] | None = None
    error: str = ""
    nodes_done: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "done"


EventCallback = Callable[[UpgradeEvent], "Awaitable[None] | None"]
FailureCallback = Callable[[StepFailed], Awaitable[str]]  # -> "retry" | "skip" | "abort"
ConfirmCallback = Callable[[str], Awaitable[bool]]


class StepError(Exception):
    """A step did not reach its effect; the message says why (one line)."""


# ---- the run --------------------------------------------------------------------------------------

class UpgradeRun:
    def __init__(self, conn: Connection, runner: Any, plan: UpgradePlan, *, on_event: EventCallback | None = None,
                 on_failure: FailureCallback | None = None, confirm_next: ConfirmCallback | None = None,
                 journal_dir: Path | None = None):
        self.conn = conn
        self.runner = runner
        self.plan = plan
        self.options = plan.options
        self.on_event = on_event
        self.on_failure = on_failure
        self.confirm_next = confirm_next
        self.journal_dir = journal_dir
        self.journal: Journal | None = None
        self.kube = kube.Kube(conn)
        self._queue: asyncio.Queue | None = None
        self._running = asyncio.Event()
        self._running.set()
        self._stop = False
        self._failed: tuple[str, str, str] | None = None
        self._lease: MaintenanceLease | None = None
        self._deciding = 0  # failed steps waiting for the operator: no node starts meanwhile
        self._started_nodes = 0

    # ---- controls -------------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        """Hold before the next step (the current one finishes)."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def abort(self) -> None:
        """Stop before the next step (the current one finishes); the journal keeps the place."""
        self._stop = True
        self._running.set()

    # ---- checks ---------------------------------------------------------------------------------

    def check(self) -> None:
        """Raise before anything is sent if this plan may not run here."""
        if self.conn.readonly or getattr(self.runner, "readonly", False):
            raise ReadOnlyError(f"upgrade the cluster to {self.plan.target or self.plan.requested}")
        refusal = self.plan.refusal
        if refusal is not None:
            raise UserError(refusal.message)
        if self.plan.blockers:
            raise UserError(f"the plan has {len(self.plan.blockers)} blocker(s): {self.plan.blockers[0]}"
                            + (" (and more)" if len(self.plan.blockers) > 1 else ""))

    # ---- running ----------------------------------------------------------------------------------

    def stream(self) -> AsyncIterator[UpgradeEvent]:
        """Run, yielding the events; closing the iterator early cancels the run (journal keeps it)."""
        return stream_events(self.run, lambda q: setattr(self, "_queue", q))

    async def run(self) -> RunResult:
        self.check()
        plan = self.plan
        j = self.journal = Journal.for_plan(plan, self.journal_dir)
        resumed = j.data.get("status") not in ("new",)
        selected = [n.name for n in plan.nodes]
        order = [n for n in j.nodes if n["name"] in selected]
        for n in order:  # upgraded meanwhile (by hand, or an earlier run that lost its journal entry)
            if n["status"] == "pending" and plan.node(n["name"]).up_to_date \
                    and all(s["status"] == "pending" for s in n["steps"]):
                n["status"], n["note"] = "done", "already at the target"
        todo = [n for n in order if n["status"] != "done"]
        j.data["options"] = {"force": self.options.force, "parallel": self.options.parallel,
                             "apiOutageAcknowledged": self.plan.outage_acknowledged}
        j.set_status("running")
        audit.record("upgrade", f"cluster/{plan.cluster}", context=self.conn.context, result="started",
                     target=plan.target, nodes=[n["name"] for n in todo], journal=str(j.path), resumed=resumed)
        await self._emit(RunStarted(target=plan.target, journal=str(j.path), resumed=resumed,
                                    nodes=tuple(n["name"] for n in todo),
                                    done=tuple(n["name"] for n in order if n["status"] == "done"),
                                    progress=tuple(_progress(n) for n in order)))
        total = len(todo)
        index = 0
        # one Lease for the whole run: no other k8stui session drains or upgrades meanwhile
        self._lease = acquire_maintenance_lease(self.conn, f"upgrade to {plan.target}", reentrant=True)
        try:
            await self._lease.acquire()
        except BaseException:
            j.set_status("stopped")
            raise
        try:
            cps = [n for n in todo if n["role"] == "control-plane"]
            workers = [n for n in todo if n["role"] != "control-plane"]
            for n in cps:
                index += 1
                if not await self._may_start(n["name"]) or not await self._node(n, index, total):
                    break
            else:
                await self._workers(workers, index, total)
        except asyncio.CancelledError:
            j.set_status("stopped")
            audit.record("upgrade", f"cluster/{plan.cluster}", context=self.conn.context, result="cancelled",
                         target=plan.target, journal=str(j.path))
            raise
        finally:
            await self._lease.release()
        if self._failed:
            status = "failed"
        elif any(n["status"] != "done" for n in order):
            status = "stopped"
        else:
            status = "done"
        j.set_status(status)
        failed = (self._failed[0], self._failed[1]) if self._failed else None
        error = self._failed[2] if self._failed else ""
        audit.record("upgrade", f"cluster/{plan.cluster}", context=self.conn.context, result=status,
                     target=plan.target, journal=str(j.path), **({"failed": list(failed), "error": error}
                                                                  if failed else {}))
        await self._emit(RunFinished(status=status, journal=str(j.path), failed=failed, error=error))
        return RunResult(status, j.path, failed, error, [n["name"] for n in order if n["status"] == "done"])

    async def _may_start(self, node: str, alongside: Sequence[str] = ()) -> bool:
        """May `node` start now, while the nodes `alongside` are being upgraded? False also when it
        must wait for them (see `_gates_allow`)."""
        if self._stop or self._failed or self._deciding:
            return False
        await self._checkpoint(node)
        if self._stop:
            return False
        if not await self._gates_allow(node, alongside):
            return False
        if self._started_nodes and self.confirm_next is not None:
            if not await self.confirm_next(node):
                self._stop = True
                return False
        self._started_nodes += 1
        return True

    async def _gates_allow(self, node: str, alongside: Sequence[str] = ()) -> bool:
        """The safety gates again, just before the node goes down: the cluster may have changed
        since the plan (another control plane NotReady, a kured lock, a workload that would be left
        with nothing). The workers upgraded `alongside` count as gone too; when only they make the
        gates refuse, the node waits for them (False, and the run goes on). Any other refusal ends
        the run; the plan's acknowledged API outage is not one."""
        if self._lease is not None:
            self._lease.check()
        holder = self._lease.holder if self._lease else None
        typed = node if node in self.options.override_safety else None
        ack = self.plan.outage_acknowledged
        try:
            report = await check_node_gates(self.conn, node, "upgrade", drain_set=alongside, holder=holder)
            if report.allows(typed, outage_acknowledged=ack):
                return True
            if alongside:
                alone = await check_node_gates(self.conn, node, "upgrade", holder=holder)
                if alone.allows(typed, outage_acknowledged=ack):
                    await self._emit(GateWaiting(node=node, step="", gate="safety gates",
                                                 detail=f"starts when {', '.join(alongside)} "
                                                        f"{'is' if len(alongside) == 1 else 'are'} done: "
                                                        + "; ".join(report.refusals)))
                    return False
        except UserError as e:
            report_error = str(e)
        else:
            report_error = report.refusal_message().replace("\n", " ")
        self._failed = (node, "safety-gates", report_error)
        return False

    async def _workers(self, workers: list[dict], index: int, total: int) -> None:
        pending = list(workers)
        running: set[asyncio.Task] = set()
        names: dict[asyncio.Task, str] = {}  # the node each running task upgrades
        try:
            while pending or running:
                while pending and len(running) < self.options.parallel and not (self._failed or self._stop
                                                                                 or self._deciding):
                    n = pending[0]
                    if not await self._may_start(n["name"], sorted(names[t] for t in running)):
                        break
                    pending.pop(0)
                    index += 1
                    task = asyncio.create_task(self._node(n, index, total))
                    names[task] = n["name"]
                    running.add(task)
                if not running:
                    break
                _done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for t in _done:
                    t.result()  # re-raise what a node task raised
        finally:
            for t in running:
                t.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)

    async def _checkpoint(self, node: str) -> None:
        if not self._running.is_set():
            await self._emit(Paused(node=node))
            await self._running.wait()
            if not self._stop:
                await self._emit(Resumed(node=node))

    async def _node(self, n: dict, index: int, total: int) -> bool:
        name = n["name"]
        j = self.journal
        assert j is not None
        t0 = time.monotonic()
        steps = n["steps"]
        await self._emit(NodeStarted(node=name, role=n["role"], action=n["action"], index=index, total=total,
                                     steps=tuple(s["id"] for s in steps)))
        for i, s in enumerate(steps, 1):
            if s["status"] in DONE_STATES:
                await self._emit(StepSkipped(node=name, step=s["id"], title=s["title"],
                                             reason=s.get("note") or "done in an earlier run"))
                continue
            if i > 1:
                await self._checkpoint(name)
            if self._stop:
                j.node_status(name, "running")
                return False
            while True:
                ok = await self._step(n, s, i, len(steps))
                if ok:
                    break
                decision = "abort"
                if self.on_failure is not None:
                    fail = StepFailed(node=name, step=s["id"], title=s["title"], error=s.get("error") or "",
                                      output=_tail(s))
                    self._deciding += 1
                    try:
                        decision = await self.on_failure(fail)
                    finally:
                        self._deciding -= 1
                if decision == "retry":
                    continue
                if decision == "skip":
                    reason = f"skipped by the operator after: {s.get('error')}"
                    j.step_finished(name, s["id"], "skipped", note=reason)
                    audit.record("upgrade-skip-step", f"node/{name}", context=self.conn.context, result="skipped",
                                 step=s["id"], error=s.get("error"), target=self.plan.target)
                    await self._emit(StepSkipped(node=name, step=s["id"], title=s["title"], reason=reason))
                    break
                self._failed = (name, s["id"], s.get("error") or "")
                j.node_status(name, "failed")
                return False
        j.node_status(name, "done")
        await self._emit(NodeDone(node=name, elapsed=time.monotonic() - t0))
        return True

    async def _step(self, n: dict, s: dict, index: int, total: int) -> bool:
        j = self.journal
        assert j is not None
        name, sid = n["name"], s["id"]
        j.step_started(name, sid)
        await self._emit(StepStarted(node=name, step=sid, title=s["title"], index=index, total=total,
                                     attempt=s.get("attempts", 1)))
        t0 = time.monotonic()
        ctx = _StepCtx(self, n, s)
        try:
            note = await getattr(self, "_step_" + sid.replace("-", "_"))(ctx)
        except Exception as e:  # StepError, UserError; anything else is a failed step too, not a traceback
            error = str(e) if isinstance(e, (StepError, UserError)) else f"unexpected error: {type(e).__name__}: {e}"
            j.step_finished(name, sid, "failed", error=error)
            await self._emit(StepFailed(node=name, step=sid, title=s["title"], error=error, output=_tail(s)))
            return False
        j.step_finished(name, sid, "done", note=note or "")
        await self._emit(StepFinished(node=name, step=sid, title=s["title"], elapsed=time.monotonic() - t0,
                                      note=note or ""))
        return True

    async def _emit(self, ev: UpgradeEvent) -> None:
        if self._queue is not None:
            self._queue.put_nowait(ev)
        if self.on_event is not None:
            out = self.on_event(ev)
            if inspect.isawaitable(out):
                await out

    # ---- helpers for the steps ----------------------------------------------------------------------

    @property
    def target(self) -> str:
        return self.journal.target  # type: ignore[union-attr]

    @property
    def target_minor(self) -> str:
        return self.journal.data["targetMinor"]  # type: ignore[union-attr]

    @property
    def packages(self) -> dict[str, str]:
        return self.journal.packages  # type: ignore[union-attr]

    def _ip(self, node: str) -> str | None:
        f = self.plan.facts.get(node)
        return f.internal_ip if f else None

    def _commands(self, ctx: "_StepCtx") -> list[Command]:
        return step_commands(ctx.step, ctx.node, ctx.action, self.target, self.target_minor, self.packages,
                             self.options.drain())

    async def _node_obj(self, node: str) -> dict:
        return await self.kube.read(f"/api/v1/nodes/{node}")

    # ---- the steps (each returns a note, or raises StepError) -----------------------------------------

    async def _step_repo(self, ctx: "_StepCtx") -> str | None:
        res = await ctx.ssh(shell.cat_repo_list(), check=False)
        repo = parse_repo(res.stdout) if res.ok else None
        if repo and repo.minor == self.target_minor:
            return f"already points at {self.target_minor}"
        if repo is None or not repo.base:
            raise StepError(f"{shell.REPO_LIST}: no pkgs.k8s.io repository line to switch"
                            + (f" ({repo.legacy}: the legacy repository is gone)" if repo and repo.legacy else ""))
        for cmd in self._commands(ctx):
            await ctx.ssh(cmd)
        res = await ctx.ssh(shell.cat_repo_list())
        now = parse_repo(res.stdout).minor
        if now != self.target_minor:
            raise StepError(f"{shell.REPO_LIST} still points at {now} after the switch")
        return None

    async def _step_apt_update(self, ctx: "_StepCtx") -> str | None:
        for cmd in self._commands(ctx):
            await ctx.ssh(cmd)
        return None

    async def _held(self, ctx: "_StepCtx") -> set[str]:
        res = await ctx.ssh(shell.apt_mark_showhold(), check=False)
        return set(res.stdout.split()) if res.ok else set()

    async def _step_kubeadm(self, ctx: "_StepCtx") -> str | None:
        res = await ctx.ssh(shell.kubeadm_version("short"), check=False)
        if res.ok and res.stdout.strip() == self.target and "kubeadm" in await self._held(ctx):
            return f"kubeadm already {self.target} (held)"
        mad = parse_madison((await ctx.ssh(shell.apt_cache_madison(*PACKAGES))).stdout)
        for pkg in PACKAGES:
            want = self.packages[pkg]
            if want not in mad.get(pkg, []):
                offered = ", ".join(mad.get(pkg, [])[:6]) or "nothing"
                raise StepError(f"{pkg} {want} is not offered by this host's repository (apt-cache madison lists "
                                f"{offered}): check {shell.REPO_LIST} and the apt-get update output")
        for cmd in self._commands(ctx):
            await ctx.ssh(cmd)
        return None

    async def _step_verify(self, ctx: "_StepCtx") -> str | None:
        res = await ctx.ssh(shell.kubeadm_version("short"))
        got = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else ""
        if got != self.target:
            raise StepError(f"kubeadm version -o short says {got or 'nothing'}, expected {self.target}")
        return None

    async def _step_upgrade_plan(self, ctx: "_StepCtx") -> str | None:
        (cmd,) = self._commands(ctx)
        res = await ctx.ssh(cmd)
        start = res.stdout.find("{")
        try:
            data = json.loads(res.stdout[start:]) if start >= 0 else {}
        except ValueError:
            return "kubeadm printed no JSON plan"
        comps = [c for u in data.get("availableUpgrades") or [] for c in u.get("components") or []]
        pending = [c for c in comps if c.get("currentVersion") != c.get("newVersion")]
        manual = [c.get("group") for c in data.get("configVersions") or [] if c.get("manualUpgradeRequired")]
        if manual:
            raise StepError(f"kubeadm upgrade plan: manual upgrade required for {', '.join(manual)} "
                            "(kubeadm upgrade apply would fail without a --config)")
        return f"{len(pending)} component(s) to upgrade" if comps else "kubeadm reports nothing to upgrade"

    async def _step_upgrade_apply(self, ctx: "_StepCtx") -> str | None:
        for cmd in self._commands(ctx):
            await ctx.ssh(cmd)
        return None

    async def _step_upgrade_node(self, ctx: "_StepCtx") -> str | None:
        for cmd in self._commands(ctx):
            await ctx.ssh(cmd)
        return None

    async def _step_drain(self, ctx: "_StepCtx") -> str | None:
        opts = self.options.drain()
        entry = ctx.journal.command_started(ctx.node, ctx.step, opts.kubectl_command(ctx.node))
        await self._emit(CommandStarted(node=ctx.node, step=ctx.step, command=entry["command"]))

        async def on_event(ev: DrainEvent) -> None:
            lines = tuple(kubectl_lines(ev))
            for stream, text in lines:
                for ln in text.rstrip("\n").split("\n"):
                    ctx.journal.add_line(entry, "stdout" if stream == "out" else "stderr", ln)
            await self._emit(DrainProgress(node=ctx.node, step=ctx.step, event=ev, lines=lines))

        result = await Drainer(self.conn, ctx.node, opts, on_event=on_event).run()
        ctx.journal.command_finished(entry, 0 if result.drained else 1)
        await self._emit(CommandFinished(node=ctx.node, step=ctx.step, command=entry["command"],
                                         exit_status=0 if result.drained else 1))
        if not result.drained:
            why = "; ".join(result.error.kubectl_lines()) if result.error else "stopped"
            raise StepError(f"drain of {ctx.node} failed: {why}")
        n = len(result.evicted) + len(result.deleted)
        return f"{n} pod(s) evicted" if n else "nothing to evict"

    async def _step_kubelet(self, ctx: "_StepCtx") -> str | None:
        res = await ctx.ssh(shell.kubelet_version(), check=False)
        if res.ok and vt(res.stdout) == vt(self.target) and {"kubelet", "kubectl"} <= await self._held(ctx):
            return f"kubelet already {self.target} (held)"
        for cmd in self._commands(ctx):
            await ctx.ssh(cmd)
        return None

    async def _step_restart(self, ctx: "_StepCtx") -> str | None:
        node = await self._node_obj(ctx.node)
        if kube.kubelet_version(node) == self.target and kube.node_ready(node)[0]:
            return f"the kubelet already runs {self.target}"
        for cmd in self._commands(ctx):
            await ctx.ssh(cmd)
        return None

    async def _wait(self, ctx: "_StepCtx", gate: str, path: str, query: list[tuple[str, str]],
                    cond: kube.Condition, timeout: float) -> None:
        async def progress(detail: str) -> None:
            ctx.detail = detail
            await self._emit(GateWaiting(node=ctx.node, step=ctx.step, gate=gate, detail=detail))

        try:
            await self.kube.wait_for(path, query, cond, timeout, progress)
        except TimeoutError as e:
            raise StepError(f"{gate}: not reached after {timeout:g}s: {e}") from None
        await self._emit(GatePassed(node=ctx.node, step=ctx.step, gate=gate))

    def _node_at_target(self, node: str) -> kube.Condition:
        target = self.target

        def cond(objs: dict[str, dict]) -> tuple[bool, str]:
            n = objs.get(f"/{node}")
            if n is None:
                return False, f"node/{node} not found"
            ready, reason = kube.node_ready(n)
            version = kube.kubelet_version(n)
            if version != target:
                return False, f"node/{node} kubeletVersion {version} (waiting for {target})"
            if not ready:
                return False, f"node/{node} not Ready ({reason})"
            return True, ""

        return cond

    async def _step_ready(self, ctx: "_StepCtx") -> str | None:
        await self._wait(ctx, "node ready", "/api/v1/nodes", [("fieldSelector", f"metadata.name={ctx.node}")],
                         self._node_at_target(ctx.node), self.options.ready_timeout)
        return None

    async def _step_uncordon(self, ctx: "_StepCtx") -> str | None:
        entry = ctx.journal.command_started(ctx.node, ctx.step, f"kubectl uncordon {ctx.node}")
        res = await set_unschedulable(self.conn, ctx.node, False)
        ctx.journal.add_line(entry, "stdout", res.message)
        ctx.journal.command_finished(entry, 0)
        await self._emit(OutputLine(node=ctx.node, step=ctx.step, command=entry["command"], stream="stdout",
                                    line=res.message))
        return None if res.changed else "already uncordoned"

    async def _step_gates(self, ctx: "_StepCtx") -> str | None:
        target, node = self.target, ctx.node
        timeout = self.options.gate_timeout
        await self._wait(ctx, "node ready", "/api/v1/nodes", [("fieldSelector", f"metadata.name={node}")],
                         self._node_at_target(node), timeout)
        is_cp = ctx.n["role"] == "control-plane"

        def cp_pods(objs: dict[str, dict]) -> tuple[bool, str]:
            mirrors = [p for p in objs.values()
                       if kube.MIRROR_ANNOTATION in ((p.get("metadata") or {}).get("annotations") or {})]
            if not mirrors:
                return False, "no control-plane pods seen"
            for p in mirrors:
                name = p["metadata"]["name"]
                comp = (p["metadata"].get("labels") or {}).get("component", "")
                on_node = (p.get("spec") or {}).get("nodeName") == node
                if is_cp and on_node and comp != "etcd" and kube.pod_image_tag(p) != target:
                    return False, f"kube-system/{name} runs {kube.pod_image_tag(p)} (waiting for {target})"
                if not kube.pod_ready(p):
                    return False, f"kube-system/{name} not Ready"
            return True, ""

        await self._wait(ctx, "control-plane pods", "/api/v1/namespaces/kube-system/pods",
                         [("labelSelector", "tier=control-plane")], cp_pods, timeout)

        def ds_pods(objs: dict[str, dict]) -> tuple[bool, str]:
            for p in objs.values():
                if kube.controller_kind(p) != "DaemonSet" or (p.get("metadata") or {}).get("deletionTimestamp"):
                    continue
                if (p.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                    continue
                if not kube.pod_ready(p):
                    return False, f"{p['metadata'].get('namespace')}/{p['metadata']['name']} not Ready"
            return True, ""

        await self._wait(ctx, "DaemonSet pods", "/api/v1/pods", [("fieldSelector", f"spec.nodeName={node}")],
                         ds_pods, timeout)
        if is_cp and await self._last_control_plane(node):
            def proxy(objs: dict[str, dict]) -> tuple[bool, str]:
                ds = objs.get("kube-system/kube-proxy")
                if ds is None:
                    return True, ""  # no kube-proxy (e.g. a CNI replacing it)
                tag = kube.image_tag((((ds.get("spec") or {}).get("template") or {}).get("spec") or {})
                                     .get("containers", [{}])[0].get("image", ""))
                return tag == target, f"kube-system/kube-proxy image {tag} (waiting for {target})"

            await self._wait(ctx, "addons", "/apis/apps/v1/namespaces/kube-system/daemonsets",
                             [("fieldSelector", "metadata.name=kube-proxy")], proxy, timeout)
        return None

    async def _last_control_plane(self, node: str) -> bool:
        pods = await self.kube.control_plane_pods()
        return all(kube.pod_image_tag(p) == self.target for p in pods
                   if (p["metadata"].get("labels") or {}).get("component") == "kube-apiserver")


class _StepCtx:
    """One step's running context: runs host commands with streaming, journaling and events."""

    def __init__(self, run: UpgradeRun, n: dict, s: dict):
        self.run = run
        self.n = n
        self.node = n["name"]
        self.action = n["action"]
        self.step = s["id"]
        self.journal: Journal = run.journal  # type: ignore[assignment]
        self.detail = ""

    async def ssh(self, cmd: Command, check: bool = True) -> Any:
        run = self.run
        text = display(cmd)
        entry = self.journal.command_started(self.node, self.step, text)
        await run._emit(CommandStarted(node=self.node, step=self.step, command=text))

        async def on_line(stream: str, line: str) -> None:
            self.journal.add_line(entry, stream, line)
            await run._emit(OutputLine(node=self.node, step=self.step, command=text, stream=stream, line=line))

        try:
            res = await run.runner.run(self.node, cmd, timeout=run.options.command_timeout, on_line=on_line,
                                       internal_ip=run._ip(self.node))
        except UserError as e:
            self.journal.add_line(entry, "stderr", str(e))
            self.journal.command_finished(entry, None)
            await run._emit(CommandFinished(node=self.node, step=self.step, command=text, exit_status=None))
            raise StepError(f"`{text}` on {self.node}: {e}") from None
        self.journal.command_finished(entry, res.exit_status)
        await run._emit(CommandFinished(node=self.node, step=self.step, command=text, exit_status=res.exit_status))
        if check and not res.ok:
            last = [ln for ln in (res.stderr or res.stdout).splitlines() if ln.strip()]
            raise StepError(f"`{text}` failed on {self.node} (exit status {res.exit_status})"
                            + (f": {last[-1].strip()}" if last else ""))
        return res


def _progress(n: dict) -> NodeProgress:
    return NodeProgress(n["name"], n["role"], n["status"], tuple(s["id"] for s in n["steps"]),
                        tuple(s["id"] for s in n["steps"] if s["status"] in DONE_STATES))


def _tail(s: dict, n: int = 20) -> tuple[str, ...]:
    lines = [ln for c in s.get("commands") or [] for _, ln in c.get("output") or []]
    return tuple(lines[-n:])


async def run_upgrade(conn: Connection, runner: Any, plan: UpgradePlan, **kw: Any) -> RunResult:
    """One run; see `UpgradeRun`."""
    return await UpgradeRun(conn, runner, plan, **kw).run()
