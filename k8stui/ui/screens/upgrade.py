"""`:upgrade`: the kubeadm upgrade wizard: choose a target, read the plan, run it live.

Self-contained: `UpgradeScreen(conn, runner_factory, options=None)` needs a `Connection` and a
factory returning an `SSHRunner` (read-only sessions should get a read-only runner: the plan only
uses read-only probes). The screen creates the runner on first use and closes it when it goes away.
Everything it does goes through `k8stui.ops.upgrade`; the screen only renders:

1. Target: the versions the package repositories offer above the cluster's (newer patches of the
   current minor, the patches of the next minor), newest first. `f` toggles the drain's --force
   (unmanaged pods), `+`/`-` the number of workers upgraded at a time.
2. Plan: the checklist (blockers in red with their reasons and fixes), then per node its steps and
   exact commands. `a` applies it (the target version typed to confirm; refused read-only or with
   blockers), `r` re-plans.
   `o` first asks once for the plan to acknowledge its API outage (the only API server upgraded:
   the operator types that node's name; `options.outage_acknowledged_for` keeps the target), then
   overrides the other safety-gate refusals (quorum, a workload left with nothing, other
   maintenance) node by node: the operator types the node's name, which goes into
   `options.override_safety`, and the plan is made again (the refusals then show as warnings
   marked "overridden" / "acknowledged for this plan").
3. Run: a row per node (its state: pending, running, paused, stopped, failed or done; the current
   step; a progress bar of its steps, the journal's, so a resumed run starts where it stands), the
   counters (nodes done, steps done, of all selected) with an overall progress bar, and the
   commands with their streamed output. The header's cluster version is read again after each
   control-plane step and at the end. `p` pauses after the current step / resumes, `x`
   aborts (confirmed) after the current step. A failed step opens a dialog: retry, skip (confirmed)
   or abort; nothing else starts meanwhile. The journal keeps the place for a later run.
"""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, ContentSwitcher, DataTable, Footer, OptionList, ProgressBar, RichLog, Static
from textual.widgets.option_list import Option

from k8stui.errors import UserError
from k8stui.kube.connection import Connection
from k8stui.ops import upgrade as up
from k8stui.ops.upgrade_text import STEP_STATE_NOTES, facts_lines, version_change
from k8stui.ui.safe import plain
from k8stui.ui.screens.command import CommandScreen
from k8stui.ui.safe import cluster_text, markup_safe, markup_safe_lines, safe_text, table_row
from k8stui.ui.screens.confirm import ConfirmScreen, GuardedDialog
from k8stui.ui.styles import css_path

RunnerFactory = Callable[[], object]
CSS = [css_path("dialogs.tcss"), css_path("upgrade.tcss")]
NODE_COLUMNS = ("NODE", "ROLE", "STATUS", "STEP", "PROGRESS")
STATUS_STYLE = {"ok": "green", "warning": "yellow", "blocker": "bold red", "not checked": "dim"}
STATUS_MARK = {"ok": "✓", "warning": "!", "blocker": "✗", "not checked": "·"}
# a planned step as the journal knows it: finished ones are checked
STEP_MARK = {"done": "☑", "skipped": "☑", "failed": "☒", "running": "☐", "pending": "☐"}
NODE_STATE_STYLE = {"pending": "dim", "running": "bold cyan", "paused": "yellow", "stopped": "yellow",
                    "failed": "bold red", "done": "green"}
FINISHED = ("done", "skipped")


def bar(done: int, total: int, width: int = 12) -> str:
    """A text progress bar: ███████░░░░░ 7/12 (a node with no step to run: —)."""
    if not total:
        return "—"
    filled = round(width * done / total)
    return "█" * filled + "░" * (width - filled) + f" {done:>{len(str(total))}}/{total}"


def node_state(done: bool, failed: bool, started: bool) -> str:
    """A node's state on the board before this run touches it: done, failed (an earlier run's step
    failed there), stopped (an earlier run left it part way) or pending."""
    if done:
        return "done"
    if failed:
        return "failed"
    return "stopped" if started else "pending"


def plan_text(plan: up.UpgradePlan) -> Text:
    """The plan as the checklist and per-node steps (Rich text: blockers red)."""
    t = Text()
    change = plain(version_change(plan))  # versions read from the cluster and the journal
    head, _, rest = change.partition(" (")
    t.append(head, style="bold")
    t.append(f"  ({rest}\n" if rest else "\n")
    if plan.packages:
        t.append("packages: " + " ".join(f"{k}={v}" for k, v in plan.packages.items()) + "\n", style="dim")
    if plan.resume:
        at = plan.resume.get("at") or {}
        t.append(f"An earlier run stopped ({plan.resume.get('status')}): apply resumes at {at.get('node')} step "
                 f"{at.get('step')}\n", style="yellow")
    t.append("\nChecks\n", style="bold underline")
    for label, status, problems in plan.checklist():
        t.append(f" {STATUS_MARK.get(status, '?')} ", style=STATUS_STYLE.get(status, ""))
        t.append(label + "\n", style=STATUS_STYLE.get(status, "") if status != "ok" else "")
        for p in problems:
            t.append(f"     {p}\n", style=STATUS_STYLE.get(p.severity, ""))
            if p.fix:
                t.append(f"       fix: {p.fix}\n", style="dim")
    if not plan.complete:
        return t
    t.append("\nFound\n", style="bold underline")
    for i, line in enumerate(facts_lines(plan)):
        t.append(f" {line}\n", style="dim" if i == 0 else "")
    t.append("\nNodes, in order\n", style="bold underline")
    if not plan.todo:
        t.append(f" every node already runs {plan.target}\n", style="green")
    for i, n in enumerate(plan.nodes, 1):
        if n.up_to_date:
            t.append(f" {i}. {n.name}: already at {plan.target}\n", style="green")
            continue
        action = {"apply": "kubeadm upgrade apply", "node": "kubeadm upgrade node (control plane)",
                  "worker": "kubeadm upgrade node (worker)"}.get(n.action, n.action)
        t.append(f" {i}. {n.name}", style="bold red" if n.blockers else "bold")
        t.append(f"  {n.role}, {action}; kubelet {n.kubelet}, kubeadm {n.kubeadm or '?'}\n")
        for p in n.blockers:
            t.append(f"     ✗ {p.message}\n", style="bold red")
        for s in n.steps:
            note = STEP_STATE_NOTES.get(s.status)
            t.append(f"     {STEP_MARK.get(s.status, '☐')} {plain(s.title)}",
                     style="green" if s.status in FINISHED else "")
            t.append(f"  ({note})\n" if note else "\n", style="dim")
            for c in s.commands:
                t.append(f"         {c}\n", style="dim")
    return t


class StepFailedScreen(GuardedDialog):
    """A failed step: retry, skip (the caller confirms) or abort. Retry and skip take no key typed
    before the failure was on screen (see GuardedDialog)."""

    ARMED_KEYS = frozenset({"r", "s", "enter"})
    ARMED_BUTTONS = ("#retry", "#skip")

    BINDINGS = [Binding("r", "answer('retry')", "Retry"), Binding("s", "answer('skip')", "Skip"),
                Binding("a,escape", "answer('abort')", "Abort")]

    def __init__(self, failure: up.StepFailed):
        super().__init__()
        self.failure = failure

    def compose(self) -> ComposeResult:
        f = self.failure
        with Vertical(id="upgrade-failed-box"):
            yield Static(f"[b]{markup_safe(f.node)}: {markup_safe(f.title)} failed[/b]", id="upgrade-failed-title")
            yield Static(markup_safe_lines(f.error), id="upgrade-failed-error")
            if f.output:
                yield Static(markup_safe_lines("\n".join(f.output[-12:])), id="upgrade-failed-output")
            yield Static("Nothing else starts until you decide. The journal keeps the output.",
                         id="upgrade-failed-note")
            with Horizontal(id="upgrade-failed-buttons"):
                yield Button("Retry (r)", id="retry", variant="primary")
                yield Button("Skip (s)", id="skip", variant="warning")
                yield Button("Abort (a)", id="abort", variant="error")

    def focus_default(self) -> None:
        # Retry is disabled until armed, and a disabled button takes no focus: Abort holds it until then
        self.set_focus(self.query_one("#retry" if self.armed else "#abort", Button))

    def arm(self) -> None:
        super().arm()
        self.set_focus(self.query_one("#retry", Button))

    def action_answer(self, answer: str) -> None:
        if answer != "abort" and not self.answer_allowed():
            return
        self.dismiss(answer)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(str(event.button.id))


class UpgradeScreen(CommandScreen):
    CSS_PATH = CSS
    BINDINGS = [
        Binding("a", "apply", "Apply"),
        Binding("r", "replan", "Re-plan"),
        Binding("o", "override", "Override safety"),
        Binding("f", "toggle_force", "Force"),
        Binding("plus,equals_sign", "parallel(1)", "+Parallel"),
        Binding("minus", "parallel(-1)", "-Parallel"),
        Binding("p", "pause", "Pause/Resume"),
        Binding("x", "abort", "Abort"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, conn: Connection, runner_factory: RunnerFactory, *, options: up.UpgradeOptions | None = None,
                 journal_dir=None, name: str | None = None, id: str | None = None):
        super().__init__(name=name, id=id)
        self.conn = conn
        self.runner_factory = runner_factory
        self.options = options or up.UpgradeOptions()
        self.journal_dir = journal_dir
        self.phase = "loading"  # loading | choose | planning | plan | running | finished
        self.current = ""
        self.offered: list[up.OfferedTarget] = []
        self.target: str | None = None
        self.plan: up.UpgradePlan | None = None
        self.run: up.UpgradeRun | None = None
        self.result: up.RunResult | None = None
        self.events: list[up.UpgradeEvent] = []  # everything the run reported (tests, debugging)
        self._runner = None
        # the board: per node its step ids (the journal's), the finished ones, its state
        self._steps: dict[str, tuple[str, ...]] = {}
        self._finished: dict[str, set[str]] = {}
        self._state: dict[str, str] = {}
        self._roles: dict[str, str] = {}
        self._lines: list[Text] = []

    # ---- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="upgrade-title")
        with ContentSwitcher(initial="upgrade-choose", id="upgrade-panes"):
            with Vertical(id="upgrade-choose"):
                yield Static("Target version (offered by the package repositories):", id="upgrade-choose-label")
                yield OptionList(id="upgrade-targets")
            with VerticalScroll(id="upgrade-plan"):
                yield Static("", id="upgrade-plan-text")
            with Vertical(id="upgrade-run"):
                table: DataTable = DataTable(id="upgrade-nodes", cursor_type="row", zebra_stripes=True)
                for col in NODE_COLUMNS:
                    table.add_column(col, key=col)
                yield table
                yield Static("", id="upgrade-counts")
                yield ProgressBar(id="upgrade-progress", show_eta=False)
                yield RichLog(id="upgrade-log", wrap=False, highlight=False, markup=False, max_lines=5000)
        yield Static("", id="upgrade-status")
        yield self.command_prompt()
        yield Footer()

    def _title(self) -> str:
        ro = " [b $warning]READ-ONLY: plan only[/]" if self.conn.readonly else ""
        cur = f" · cluster {markup_safe(self.current)}" if self.current else ""
        return f"[b]Cluster upgrade[/b]  [dim]{markup_safe(self.conn.context)}{cur}[/dim]{ro}"

    def on_mount(self) -> None:
        self.set_status("reading the cluster and the package repositories…")
        self.load_targets()
        self.set_interval(0.1, self._flush_log)

    async def on_unmount(self) -> None:
        if self.run is not None and self.phase == "running":
            self.run.abort()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.close()  # type: ignore[attr-defined]

    def runner(self):
        if self._runner is None:
            self._runner = self.runner_factory()
        return self._runner

    def set_status(self, text: str) -> None:
        opts = self.options
        flags = f"force {'on' if opts.force else 'off'} · workers {opts.parallel} at a time"
        self.query_one("#upgrade-status", Static).update(f"{text}   [dim]({flags})[/dim]")

    def show(self, pane: str) -> None:
        self.query_one("#upgrade-panes", ContentSwitcher).current = f"upgrade-{pane}"

    def operation_summary(self) -> str | None:
        """While the upgrade runs: where it is and what quitting or leaving this screen leaves
        (the app asks before Ctrl+Q with it); None otherwise."""
        plan = self.plan
        if self.phase != "running" or plan is None:
            return None
        journal = self.run.journal.path if self.run is not None and self.run.journal is not None else \
            up.plan_journal_path(plan, self.journal_dir)
        step = next((e for e in reversed(self.events) if isinstance(e, up.StepStarted)), None)
        where = f" ({step.node}: {step.title})" if step is not None else ""
        return (f"An upgrade to {plan.target} is running{where}. Quitting stops it in the middle of that step; "
                f"the journal {journal} keeps every step's state, and a rerun (`k8stui upgrade apply --to "
                f"{plan.target}`, or :upgrade and apply) resumes at the first unfinished step.")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys of the current phase are shown (and work)."""
        phase = self.phase
        if action == "apply":
            return phase == "plan"
        if action == "replan":
            return phase in ("plan", "finished")
        if action == "override":
            return phase == "plan"
        if action in ("toggle_force", "parallel"):
            return phase in ("choose", "plan")
        if action in ("pause", "abort"):
            return phase == "running"
        return True

    # ---- 1. targets ---------------------------------------------------------------------------

    @work(group="upgrade-load", exclusive=True)
    async def load_targets(self) -> None:
        try:
            self.current, self.offered = await up.offered_targets(self.conn, self.runner())
        except UserError as e:
            self.phase = "choose"
            self.set_status(f"[$error]{markup_safe(str(e))}[/]")
            return
        self.query_one("#upgrade-title", Static).update(self._title())
        ol = self.query_one("#upgrade-targets", OptionList)
        ol.clear_options()
        for o in self.offered:
            note = f"{o.kind} upgrade" + (", newest" if o.newest else "")
            ol.add_option(Option(cluster_text(f"{o.version}   ({note}; packages {o.package})"), id=o.version))
        self.phase = "choose"
        self.refresh_bindings()
        if not self.offered:
            self.set_status(f"no newer version offered: the cluster runs {markup_safe(self.current)}")
        else:
            self.set_status("choose a target and press enter")
            ol.highlighted = 0
            ol.focus()

    @on(OptionList.OptionSelected, "#upgrade-targets")
    def _target_chosen(self, event: OptionList.OptionSelected) -> None:
        self.target = event.option.id
        self.make_plan()

    # ---- 2. plan ------------------------------------------------------------------------------

    @work(group="upgrade-plan", exclusive=True)
    async def make_plan(self) -> None:
        if self.target is None:
            return
        self.phase = "planning"
        self.refresh_bindings()
        self.set_status(f"planning the upgrade to {self.target}…")
        try:
            plan = await up.make_plan(self.conn, self.runner(), self.target, self.options,
                                      journal_dir=self.journal_dir)
        except UserError as e:
            self.phase = "choose"
            self.refresh_bindings()
            self.set_status(f"[$error]{markup_safe(str(e))}[/]")
            return
        self.plan = plan
        self.show_current(plan.current)
        self.query_one("#upgrade-plan-text", Static).update(safe_text(plan_text(plan)))
        self.show("plan")
        self.phase = "plan"
        self.refresh_bindings()
        if plan.blockers:
            hint = (", o overrides the safety gates" if self.safety_refusals() or self.unacknowledged_outage()
                    else "")
            self.set_status(f"[$error]{len(plan.blockers)} blocker(s)[/]: fix them and re-plan (r){hint}")
        elif not plan.todo and not plan.resume:
            self.set_status(f"nothing to do: every node runs {plan.target}")
        elif self.conn.readonly:
            self.set_status("read-only session: the plan only")
        else:
            self.set_status(f"press a to upgrade {len(plan.todo)} node(s) to {plan.target}")

    def action_replan(self) -> None:
        if self.phase == "finished":
            self.run = None
        self.make_plan()

    def safety_refusals(self) -> dict[str, list[up.Problem]]:
        """The plan's safety-gate refusals not yet overridden, by node."""
        out: dict[str, list[up.Problem]] = {}
        for p in (self.plan.all_problems if self.plan is not None else []):
            if p.code == "safety.refused" and p.severity == up.BLOCKER and p.node:
                out.setdefault(p.node, []).append(p)
        return out

    def unacknowledged_outage(self) -> list[up.Problem]:
        """The plan's API-outage problems while not acknowledged for it."""
        return [p for p in (self.plan.all_problems if self.plan is not None else [])
                if p.code == "safety.api-outage" and p.severity == up.BLOCKER and p.node]

    def action_override(self) -> None:
        if self.phase != "plan":
            return
        if not self.safety_refusals() and not self.unacknowledged_outage():
            self.notify("no safety-gate refusal to override in this plan", severity="warning", timeout=4)
            return
        self.override_safety()

    @work(group="upgrade-override", exclusive=True)
    async def override_safety(self) -> None:
        from k8stui.ui.screens.prompts import TypeNameScreen

        added: list[str] = []
        acknowledged = False
        outage = self.unacknowledged_outage()
        if outage and self.plan is not None:
            first = outage[0].node or ""
            detail = "\n".join(f"• {p.node}: {p.message}" for p in outage) + (
                "\n\nThe Kubernetes API is down while its only API server restarts at the new version: k8stui, "
                "kubectl and controllers wait until it is back. This is asked once for the whole plan.")
            typed = await self.app.push_screen_wait(TypeNameScreen(
                "Acknowledge the API outage of this upgrade?", detail, first, yes="Acknowledge"))
            if typed is None:
                self.set_status("nothing acknowledged")
                return
            self.options.outage_acknowledged_for = self.plan.target
            acknowledged = True
        for node, problems in self.safety_refusals().items():
            detail = "\n".join(f"• {p.message}" for p in problems) + (
                "\n\nThe safety gates refuse to take this node down. Override only if you know why this is safe "
                "now (e.g. the API is reached through another path).")
            typed = await self.app.push_screen_wait(TypeNameScreen(f"Override the safety gates for {node}?", detail,
                                                                   node, yes="Override"))
            if typed is None:
                break
            added.append(node)
        if not added and not acknowledged:
            self.set_status("nothing overridden")
            return
        self.options.override_safety = frozenset(self.options.override_safety | set(added))
        done = (["the API outage acknowledged for this plan"] if acknowledged else []) + (
            [f"safety gates overridden for {', '.join(added)}"] if added else [])
        self.notify("; ".join(done), severity="warning", timeout=5)
        self.make_plan()

    def action_toggle_force(self) -> None:
        self.options.force = not self.options.force
        if self.phase == "plan":
            self.make_plan()
        else:
            self.set_status("force " + ("on: pods no controller manages are deleted" if self.options.force
                                        else "off"))

    def action_parallel(self, delta: int) -> None:
        self.options.parallel = max(1, min(10, self.options.parallel + delta))
        self.set_status(f"workers upgraded {self.options.parallel} at a time")

    # ---- 3. run -------------------------------------------------------------------------------

    def action_apply(self) -> None:
        plan = self.plan
        if plan is None:
            return
        if self.conn.readonly:
            self.notify("read-only mode: refused to upgrade the cluster", severity="error")
            return
        if plan.refusal is not None or plan.blockers:
            first = plan.refusal or plan.blockers[0]
            self.notify(f"the plan has blockers: {first}", severity="error")
            return
        if not plan.todo and not plan.resume:
            self.notify(f"nothing to do: every node runs {plan.target}")
            return
        detail = (f"{', '.join(n.name for n in plan.todo)}: control plane first, then workers "
                  f"{self.options.parallel} at a time. Each node is drained, upgraded and uncordoned.")

        def answered(typed: str | None) -> None:
            if typed:
                self.start_run()

        from k8stui.ui.screens.prompts import TypeNameScreen

        # typed, not y/n: every node is drained and restarted, and there is no downgrade
        self.app.push_screen(TypeNameScreen(f"Upgrade {len(plan.todo)} node(s) to {plan.target}?", detail,
                                            str(plan.target), yes="Upgrade"), answered)

    @work(group="upgrade-run", exclusive=True)
    async def start_run(self) -> None:
        plan = self.plan
        assert plan is not None
        self.phase = "running"
        self.refresh_bindings()
        self.show("run")
        table = self.query_one("#upgrade-nodes", DataTable)
        table.clear()
        self._steps, self._finished, self._state, self._roles = {}, {}, {}, {}
        for n in plan.nodes:  # the plan's steps are the journal's where it has the node
            self._steps[n.name] = tuple(s.id for s in n.steps)
            self._finished[n.name] = {s.id for s in n.steps if s.status in FINISHED}
            self._state[n.name] = node_state(n.up_to_date and len(self._finished[n.name]) == len(n.steps),
                                             any(s.status == "failed" for s in n.steps),
                                             any(s.status != "pending" for s in n.steps))
            self._roles[n.name] = n.role
            table.add_row(*table_row((n.name, n.role, self._state_cell(n.name), "", self._progress_cell(n.name))),
                          key=n.name)
        self._show_counts()
        self.set_status(f"upgrading to {plan.target}…")
        self.run = up.UpgradeRun(self.conn, self.runner(), plan, on_event=self._on_event,
                                 on_failure=self._on_failure, journal_dir=self.journal_dir)
        try:
            self.result = await self.run.run()
        except UserError as e:
            self.phase = "plan"
            self.refresh_bindings()
            self.set_status(f"[$error]{markup_safe(str(e))}[/]")
            return
        self.refresh_current()  # the control plane may have moved, whatever the outcome
        self.phase = "finished"
        self.refresh_bindings()
        r = self.result
        if r.ok:
            self.set_status(f"[$success]upgrade to {plan.target} complete[/]")
        elif r.status == "stopped":
            self.set_status(f"stopped; the journal keeps the place ({r.journal}): re-plan (r) and apply to go on")
        else:
            node, step = r.failed or ("?", "?")
            self.set_status(f"[$error]step {step} on {node} failed[/]: {markup_safe(r.error)}; re-plan (r) and apply "
                            "to retry")

    async def _on_failure(self, failure: up.StepFailed) -> str:
        answer = await self.app.push_screen_wait(StepFailedScreen(failure))
        if answer == "skip":
            sure = await self.app.push_screen_wait(ConfirmScreen(
                f"Skip '{failure.title}' on {failure.node}?",
                "The step is recorded as skipped and never run again for this upgrade; its effect stays "
                "undone unless you do it by hand.", yes="Skip"))
            if not sure:
                return await self._on_failure(failure)
        return answer

    def _set_node(self, node: str, **cells: str) -> None:
        table = self.query_one("#upgrade-nodes", DataTable)
        for col, value in cells.items():
            try:
                table.update_cell(node, col, cluster_text(value), update_width=col == "STEP")
            except Exception:  # a node this table does not show
                pass

    # ---- the board: states and counters ---------------------------------------------------------

    def _state_cell(self, node: str) -> Text:
        state = self._state.get(node, "pending")
        return Text(state, style=NODE_STATE_STYLE.get(state, ""))

    def _progress_cell(self, node: str) -> str:
        return bar(len(self._finished.get(node, ())), len(self._steps.get(node, ())))

    def _set_state(self, node: str, state: str, *, only_from: tuple[str, ...] = ()) -> None:
        if node not in self._state or (only_from and self._state[node] not in only_from):
            return
        self._state[node] = state
        self._set_node(node, STATUS=self._state_cell(node))
        self._show_counts()

    def _show_counts(self) -> None:
        """Nodes done of the nodes selected, steps finished of all their steps (the journal's)."""
        nodes_done = sum(1 for s in self._state.values() if s == "done")
        steps_total = sum(len(s) for s in self._steps.values())
        steps_done = sum(len(f) for f in self._finished.values())
        self.query_one("#upgrade-counts", Static).update(
            f"nodes {nodes_done}/{len(self._state)} done · steps {steps_done}/{steps_total}")
        self.query_one("#upgrade-progress", ProgressBar).update(total=steps_total or 1,
                                                                 progress=steps_done if steps_total else 1)

    def _board_from_journal(self, progress: tuple[up.NodeProgress, ...]) -> None:
        """The run's journal is the truth about steps and earlier runs: the board takes it over."""
        for p in progress:
            if p.name not in self._state:
                continue
            self._steps[p.name] = p.steps
            self._finished[p.name] = set(p.finished)
            self._state[p.name] = node_state(p.status == "done", p.status == "failed",
                                             p.status == "running" or bool(p.finished))
            self._set_node(p.name, STATUS=self._state_cell(p.name), PROGRESS=self._progress_cell(p.name))
        self._show_counts()

    def _step_done(self, node: str, step: str) -> None:
        if node not in self._finished:
            return
        self._finished[node].add(step)  # a set: a step reported twice still counts once
        self._set_node(node, PROGRESS=self._progress_cell(node))
        self._show_counts()

    def show_current(self, version: str) -> None:
        version = plain(version)  # ClusterConfiguration's text
        if version and version != self.current:
            self.current = version
            self.query_one("#upgrade-title", Static).update(self._title())

    @work(group="upgrade-version", exclusive=True)
    async def refresh_current(self) -> None:
        """The header's cluster version, read again (it moves with each control-plane step)."""
        try:
            self.show_current(await up.cluster_version(self.conn))
        except UserError:
            pass  # the header keeps the last version read; the run reports its own errors

    def _log(self, node: str, text: str, style: str = "") -> None:
        pre = f"{node}: " if node else ""
        self._lines.append(Text(plain(pre + text), style=style))

    def _flush_log(self) -> None:
        if self._lines:
            log = self.query_one("#upgrade-log", RichLog)
            lines, self._lines = self._lines, []
            for line in lines:
                log.write(line)

    def _on_event(self, e: up.UpgradeEvent) -> None:
        self.events.append(e)
        n = e.node
        if isinstance(e, up.RunStarted):
            self._log("", ("resuming" if e.resumed else "starting") + f" the upgrade to {e.target} "
                      f"(journal {e.journal})", "bold")
            self._board_from_journal(e.progress)
        elif isinstance(e, up.NodeStarted):
            self._set_state(n, "running")
            self._log(n, f"==> {e.role} ({e.action}) {e.index}/{e.total}", "bold")
        elif isinstance(e, up.StepStarted):
            self._set_node(n, STEP=e.title + (f" (attempt {e.attempt})" if e.attempt > 1 else ""))
            self._set_state(n, "running")
            self._log(n, f"--> {e.title}", "bold cyan")
        elif isinstance(e, up.CommandStarted):
            self._log(n, f"$ {e.command}", "yellow")
        elif isinstance(e, up.OutputLine):
            self._log(n, "    " + e.line, "red" if e.stream == "stderr" else "")
        elif isinstance(e, up.DrainProgress):
            for stream, text in e.lines:
                for line in text.rstrip("\n").split("\n"):
                    self._log(n, "    " + line, "red" if stream == "err" else "")
        elif isinstance(e, up.GateWaiting):
            self._set_node(n, STEP=f"waiting: {e.detail}")
            self._log(n, f"    waiting ({e.gate}): {e.detail}", "dim")
        elif isinstance(e, up.GatePassed):
            self._log(n, f"    ✓ {e.gate}", "green")
        elif isinstance(e, up.StepFinished):
            self._step_done(n, e.step)
            self._log(n, f"    ok ({e.elapsed:.1f}s)" + (f": {e.note}" if e.note else ""), "green")
            if self._roles.get(n) == "control-plane":
                self.refresh_current()
        elif isinstance(e, up.StepSkipped):
            self._step_done(n, e.step)
            self._log(n, f"--> {e.title}: skipped ({e.reason})", "dim")
        elif isinstance(e, up.StepFailed):
            self._set_state(n, "failed")
            self._log(n, f"    FAILED: {e.error}", "bold red")
        elif isinstance(e, up.NodeDone):
            self._set_node(n, STEP="")
            self._set_state(n, "done")
            self._log(n, f"==> upgraded ({e.elapsed:.1f}s)", "bold green")
        elif isinstance(e, up.Paused):
            self._set_state(n, "paused", only_from=("running",))  # a node not started yet stays pending
            self.set_status("paused: p resumes")
        elif isinstance(e, up.Resumed):
            self._set_state(n, "running", only_from=("paused",))
            self.set_status("running…")
        elif isinstance(e, up.RunFinished):
            for node, state in list(self._state.items()):  # held between steps when the run ended
                if state in ("running", "paused"):
                    self._set_state(node, "stopped")
            self._log("", f"run {e.status}" + (f": {e.error}" if e.error else ""),
                      "bold green" if e.ok else "bold red")

    def action_pause(self) -> None:
        if self.run is None:
            return
        if self.run.paused:
            self.run.resume()
            self.set_status("running…")
        else:
            self.run.pause()
            self.set_status("pausing after the current step… (p resumes)")

    def action_abort(self) -> None:
        if self.run is None:
            return

        def answered(yes: bool | None) -> None:
            if yes and self.run is not None:
                self.run.abort()
                self.set_status("aborting after the current step…")

        self.app.push_screen(ConfirmScreen("Abort the upgrade?", "The current step finishes; the journal keeps "
                                           "the place so that a later apply resumes there.", yes="Abort"), answered)

    def action_back(self) -> None:
        if self.phase == "running":
            self.notify("the upgrade is running: pause (p) or abort (x) first", severity="warning")
            return
        if self.phase in ("plan", "finished"):
            self.phase = "choose"
            self.refresh_bindings()
            self.show("choose")
            self.set_status("choose a target and press enter")
            self.query_one("#upgrade-targets", OptionList).focus()
            return
        self.app.pop_screen()
