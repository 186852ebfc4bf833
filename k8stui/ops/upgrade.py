"""kubeadm cluster upgrades (issue 7), UI-free and async: plan, run, journal, events.

    plan = await make_plan(conn, ssh_runner, "v1.35" | "v1.35.2", UpgradeOptions(force=..., parallel=...))
    plan.refusal          # a Problem when the target itself is refused (skipped minor, downgrade,
                          # not offered by the repository), else None
    plan.blockers         # every blocker (cluster-wide and per node), plan.warnings
    plan.nodes            # NodePlan in kubeadm's order, each with .steps (id, title, commands)
    plan.packages         # {"kubeadm": "1.35.2-1.1", "kubelet": ..., "kubectl": ...}
    plan.resume           # the unfinished journal this plan would resume, summarised (or None)

    run = UpgradeRun(conn, ssh_runner, plan, on_event=cb, on_failure=decide, confirm_next=ask)
    result = await run.run()               # RunResult(status done|failed|stopped, journal, failed)
    async for ev in run.stream(): ...      # the same, as events
    run.pause(); run.resume(); run.abort()

    offered = await offered_targets(conn, ssh_runner)   # versions the TUI's chooser lists

The modules: `upgrade_plan` (facts, checks, order, steps), `upgrade_run` (the steps, gates, events),
`upgrade_journal` (the resumable journal), `upgrade_kube` (API reads and watch-based waits).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from k8stui.kube.connection import Connection
from k8stui.ops import upgrade_kube as kube
from k8stui.ops.upgrade_journal import (Journal, find_journal, find_resumable, journal_dir, journal_path,
                                       plan_journal_path)
from k8stui.ops.upgrade_plan import (
    BLOCKER,
    INFO,
    WARNING,
    NodePlan,
    PlannedStep,
    Problem,
    UpgradeOptions,
    UpgradePlan,
    make_plan,
    minor_str,
    node_facts,
    parse_target,
    pkg_k8s,
    read_repo_index,
    vt,
    probe_host,
)
from k8stui.ops.upgrade_run import (
    CommandFinished,
    CommandStarted,
    DrainProgress,
    GatePassed,
    GateWaiting,
    NodeDone,
    NodeProgress,
    NodeStarted,
    OutputLine,
    Paused,
    Resumed,
    RunFinished,
    RunResult,
    RunStarted,
    StepFailed,
    StepFinished,
    StepSkipped,
    StepStarted,
    UpgradeEvent,
    UpgradeRun,
    run_upgrade,
)

__all__ = [
    "BLOCKER", "INFO", "WARNING", "NodePlan", "PlannedStep", "Problem", "UpgradeOptions", "UpgradePlan",
    "make_plan", "parse_target", "Journal", "find_journal", "find_resumable", "journal_dir", "journal_path",
    "plan_journal_path",
    "CommandFinished", "CommandStarted", "DrainProgress", "GatePassed", "GateWaiting", "NodeDone", "NodeProgress",
    "NodeStarted", "OutputLine", "Paused", "Resumed", "RunFinished", "RunResult", "RunStarted", "StepFailed",
    "StepFinished", "StepSkipped", "StepStarted", "UpgradeEvent", "UpgradeRun", "run_upgrade", "offered_targets",
    "OfferedTarget", "cluster_version",
]


@dataclass(frozen=True)
class OfferedTarget:
    version: str  # v1.35.2
    package: str  # 1.35.2-1.1
    kind: str  # patch | minor
    newest: bool  # the newest patch of its minor


async def cluster_version(conn: Connection) -> str:
    """The version the cluster runs now: ClusterConfiguration's kubernetesVersion, else /version."""
    k = kube.Kube(conn)
    cfg = await k.cluster_configuration()
    return str(cfg.get("kubernetesVersion") or await k.server_version())


async def offered_targets(conn: Connection, runner: Any, timeout: float | None = 120.0) -> tuple[str, list[OfferedTarget]]:
    """(cluster version, the versions the package repositories offer above it: newer patches of the
    current minor and the patches of the next minor, newest first). Read-only."""
    k = kube.Kube(conn)
    cfg, nodes = await asyncio.gather(k.cluster_configuration(), node_facts(k))
    current = str(cfg.get("kubernetesVersion") or await k.server_version())
    cur = vt(current)
    apis = [vt(v) for n in nodes for c, v in n.components.items() if c == "kube-apiserver"] or [cur]
    oldest = min(apis)
    facts = {n.name: n for n in nodes}
    probe_on = [n for n in nodes if n.control_plane][:1] or nodes[:1]
    hosts = {h.node: h for h in await asyncio.gather(*(probe_host(runner, n, timeout) for n in probe_on))}
    out: list[OfferedTarget] = []
    for minor in (minor_str(oldest), f"v{oldest[0]}.{oldest[1] + 1}"):
        index = await read_repo_index(runner, hosts, facts, minor, timeout)
        versions = [v for v in index.versions.get("kubeadm", []) if minor_str(vt(v)) == minor]
        for i, v in enumerate(versions):
            if vt(v) > cur or (vt(v) == cur and any(n.kubelet != current for n in nodes)):
                out.append(OfferedTarget(pkg_k8s(v), v, "patch" if minor == minor_str(cur) else "minor", i == 0))
    out.sort(key=lambda o: vt(o.version), reverse=True)
    return current, out
