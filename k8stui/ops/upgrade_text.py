"""Plain-text rendering of an upgrade plan and of the run's events (the CLI's output).

`format_plan(plan)` is the checklist, the blockers with their reasons and offered fixes, and per
node the steps with their exact commands. `EventPrinter` turns the run's event stream into lines:
node and step headers, each command (`$ sudo apt-get update`) with its streamed output indented
under it, gates, and the outcome of each step.
"""

from __future__ import annotations

from typing import TextIO

from k8stui.ops import upgrade_run as ev
from k8stui.ops.upgrade_plan import BLOCKER, INFO, WARNING, UpgradePlan

MARKS = {"ok": "[ok]     ", WARNING: "[warning]", BLOCKER: "[BLOCKER]", "not checked": "[-]      "}
ACTIONS = {"apply": "control plane, first: kubeadm upgrade apply", "node": "control plane: kubeadm upgrade node",
           "worker": "worker: kubeadm upgrade node"}


STEP_STATE_NOTES = {"done": "done in an earlier run", "skipped": "skipped in an earlier run",
                    "failed": "failed in an earlier run: runs again", "running": "interrupted: runs again"}


def version_change(plan: UpgradePlan, arrow: str = "→") -> str:
    """`v1.34.3 → v1.35.2 (minor upgrade)`: from the version the upgrade started from (the journal
    keeps it, as the cluster's own version moves during the run) to the target."""
    target = plan.target or plan.requested
    start = plan.start or plan.current
    requested = f"; requested {plan.requested}" if plan.requested != target else ""
    if plan.kind == "none":
        if start != target:
            return f"{start} {arrow} {target} (done: every node runs {target}{requested})"
        return f"{target} (nothing to upgrade: every node runs it{requested})"
    if plan.kind not in ("patch", "minor"):
        return f"{plan.current} {arrow} {target} ({plan.kind}{requested})"
    now = f"; the cluster runs {plan.current} now" if plan.current != start else ""
    return f"{start} {arrow} {target} ({plan.kind} upgrade{now}{requested})"


def facts_lines(plan: UpgradePlan) -> list[str]:
    """What the plan found, one row per node (API and SSH facts), as aligned columns."""
    rows = [["NODE", "ROLE", "READY", "KUBELET", "KUBEADM", "REPO", "HELD", "SWAP", "CONTROL PLANE (mirror pods)"]]
    short = {"kube-apiserver": "apiserver", "kube-controller-manager": "controller-manager",
             "kube-scheduler": "scheduler", "etcd": "etcd"}
    for name, f in plan.facts.items():
        h = plan.hosts.get(name)
        if h is None:
            continue
        repo = "-" if not h.repo else (h.repo.minor or (f"LEGACY {h.repo.legacy}" if h.repo.legacy else "?"))
        cp = ", ".join(f"{short.get(c, c)} {v}" for c, v in sorted(f.components.items()))
        if h.certs and h.certs.min_days is not None:
            cp += f"; certs {h.certs.min_days:.0f}d"
        rows.append([name, "control-plane" if f.control_plane else "worker", "yes" if f.ready else "NO",
                     f.kubelet or "?", h.kubeadm or ("unreachable" if h.error else "?"), repo,
                     ",".join(h.held or []) or "-", "-" if h.swap is None else ("ON" if h.swap else "off"), cp])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def format_plan(plan: UpgradePlan, commands: bool = True) -> str:
    out: list[str] = []
    w = out.append
    w(f"Upgrade plan: cluster {plan.cluster} ({plan.server}), context {plan.context}")
    w(f"  cluster version {version_change(plan, '->')}")
    if plan.packages:
        w("  packages: " + " ".join(f"{k}={v}" for k, v in plan.packages.items()))
    if plan.offered:
        w(f"  the {plan.target_minor} repository offers: {', '.join('v' + v.split('-')[0] for v in plan.offered)}"
          f"  ({plan.offered_source})")
    if plan.probes:
        w(f"  read-only probes on each host: {'; '.join(plan.probes)}")
    if plan.resume:
        at = plan.resume.get("at") or {}
        w(f"  an earlier run stopped ({plan.resume.get('status')}): `upgrade apply` resumes at {at.get('node')} "
          f"step {at.get('step')} (journal {plan.resume.get('path')})")
        bad = plan.resume.get("interrupted")
        if bad and bad.get("error"):
            w(f"    last error: {bad['error']}")
    w("")
    w("Checks:")
    for label, status, problems in plan.checklist():
        w(f"  {MARKS.get(status, status)} {label}")
        for p in problems:
            w(f"      {p.severity}: {p}")
            if p.fix:
                w(f"        fix: {p.fix}")
    infos = [p for p in plan.all_problems if p.severity == INFO and p.code != "node.up-to-date"]
    for p in infos:
        w(f"  [info]    {p}")
    if not plan.complete:
        return "\n".join(out) + "\n"
    w("")
    w("Found:")
    for line in facts_lines(plan):
        w("  " + line)
    w("")
    todo = plan.todo
    if not todo:
        w(f"Nothing to do: every node already runs {plan.target}.")
        return "\n".join(out) + "\n"
    w(f"Nodes, in order ({len(todo)} to upgrade; workers {plan.options.parallel} at a time):")
    for i, n in enumerate(plan.nodes, 1):
        if n.up_to_date:
            w(f"  {i}. {n.name}: already at {plan.target}")
            continue
        head = f"  {i}. {n.name} ({ACTIONS.get(n.action, n.action)}; kubelet {n.kubelet}, kubeadm {n.kubeadm or '?'})"
        w(head + (f"  BLOCKED ({len(n.blockers)})" if n.blockers else ""))
        for p in n.blockers:
            w(f"       blocker: {p.message}")
        if commands:
            for s in n.steps:
                note = STEP_STATE_NOTES.get(s.status)
                w(f"       - {s.title}" + (f"  ({note})" if note else ""))
                for c in s.commands:
                    w(f"           {c}")
    return "\n".join(out) + "\n"


class EventPrinter:
    """Writes the run's events as lines; `prefix` puts the node name before every line (parallel)."""

    def __init__(self, out: TextIO, err: TextIO, prefix: bool = False):
        self.out = out
        self.err = err
        self.prefix = prefix

    def _w(self, node: str, text: str, stream: TextIO | None = None) -> None:
        s = stream or self.out
        pre = f"[{node}] " if self.prefix and node else ""
        s.write(pre + text + "\n")
        s.flush()

    def __call__(self, e: ev.UpgradeEvent) -> None:
        n = e.node
        if isinstance(e, ev.RunStarted):
            what = "Resuming the upgrade" if e.resumed else "Upgrading"
            done = f"; already done: {', '.join(e.done)}" if e.done else ""
            self._w("", f"{what} to {e.target}: {', '.join(e.nodes) or 'no node left'}{done}")
            self._w("", f"  journal: {e.journal}")
        elif isinstance(e, ev.NodeStarted):
            self._w(n, f"==> [{e.index}/{e.total}] {n} ({ACTIONS.get(e.action, e.action)})")
        elif isinstance(e, ev.StepStarted):
            again = f" (attempt {e.attempt})" if e.attempt > 1 else ""
            self._w(n, f"--> {n} {e.index}/{e.total}: {e.title}{again}")
        elif isinstance(e, ev.CommandStarted):
            self._w(n, f"    $ {e.command}")
        elif isinstance(e, ev.OutputLine):
            self._w(n, f"      {e.line}")
        elif isinstance(e, ev.DrainProgress):
            for _stream, text in e.lines:
                for line in text.rstrip("\n").split("\n"):
                    self._w(n, f"      {line}")
        elif isinstance(e, ev.CommandFinished):
            if e.exit_status not in (0, None):
                self._w(n, f"      (exit status {e.exit_status})")
        elif isinstance(e, ev.GateWaiting):
            self._w(n, f"    waiting ({e.gate}): {e.detail}")
        elif isinstance(e, ev.GatePassed):
            self._w(n, f"    passed: {e.gate}")
        elif isinstance(e, ev.StepFinished):
            note = f": {e.note}" if e.note else ""
            self._w(n, f"    ok ({e.elapsed:.1f}s){note}")
        elif isinstance(e, ev.StepSkipped):
            self._w(n, f"--> {n}: {e.title}: skipped ({e.reason})")
        elif isinstance(e, ev.StepFailed):
            self._w(n, f"    FAILED: {e.error}", self.err)
        elif isinstance(e, ev.NodeDone):
            self._w(n, f"==> {n} upgraded ({e.elapsed:.1f}s)" if not e.already else f"==> {n}: already done")
        elif isinstance(e, ev.Paused):
            self._w(n, "paused")
        elif isinstance(e, ev.RunFinished):
            if e.ok:
                self._w("", "Upgrade complete.")
            elif e.status == "stopped":
                self._w("", f"Upgrade stopped; run the same command again to go on (journal {e.journal}).")
            else:
                node, step = e.failed or ("?", "?")
                self._w("", f"Upgrade stopped: step {step} on {node} failed; no further node was started. "
                            f"Run the same command again to retry it (journal {e.journal}).", self.err)
