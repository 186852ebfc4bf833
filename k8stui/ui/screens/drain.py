"""The drain wizard: `d` on the nodes screen drains the marked nodes one after another (else the
node under the cursor), through `k8stui.ops.drain` (kubectl's semantics) and with the same safety
as `k8stui drain`: the maintenance Lease for the length of the drain and the safety gates.

`DrainScreen(conn, nodes, options=None)`; four steps on one screen:

1. Options: kubectl drain's flags, off as in kubectl (--force, --ignore-daemonsets, --delete-emptydir-data,
   --disable-eviction, --grace-period, --timeout as a Go duration (0: no limit), --pod-selector),
   with the resulting command line. Enter plans.
2. Plan (read only, so it works read-only too): every pod of every node with its verdict (will
   evict, ignored (DaemonSet), skipped (mirror), BLOCKED with the flag that would allow it), the
   PodDisruptionBudget of each pod to evict with allowed/current/desired (a budget at 0 flagged),
   and each node's safety-gate report (refusals, blockers, warnings, notes). `d` drains, `o` goes
   back to the options, `r` plans again.
3. Confirmation: typing the node's name when --force or --disable-eviction is on, or when the safety
   gates refuse (the override phrase); the number of nodes when there are several; a yes/no otherwise.
4. The live board: a row per pod (pending, evicting, blocked by PDB ns/name (a/c/d), deleting,
   terminating, gone, failed, skipped), its retries and elapsed time; the nodes of the sequence;
   an overall progress bar; kubectl's own lines underneath. `s` skips the pod under the cursor,
   `x` deletes it despite its budget (its name typed; the node's name instead when the delete would
   take the budget below what it requires), Esc stops the drain (confirmed). A drain that
   stops or fails asks whether to leave the node cordoned or uncordon it, and ends the sequence.

The engine runs in a Textual worker; its events are queued and rendered by a timer
(`FLUSH_INTERVAL`), never one message per event. Read-only sessions get the plan; running is
refused by the engine (`Drainer.check_writable` raises ReadOnlyError) before any request.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from typing import Callable, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import (Button, Checkbox, ContentSwitcher, DataTable, Footer, Input, Label, ProgressBar,
                             RichLog, Static)

from k8stui import audit
from k8stui.errors import ReadOnlyError, UserError
from k8stui.kube.connection import Connection
from k8stui.ops.drain import (
    CordonFailed,
    DrainEvent,
    Drainer,
    DrainFailed,
    DrainOptions,
    DrainPlan,
    DrainResult,
    DrainStopped,
    NodeCordoned,
    NodeDrained,
    PlanReady,
    PodBlocked,
    PodDeleting,
    PodEvent,
    PodEvicting,
    PodFailed,
    PodGone,
    PodPlan,
    PodSkipped,
    PodTerminating,
    PodWaitSkipped,
    Verdict,
    go_duration,
    kubectl_lines,
    parse_go_duration,
)
from k8stui.ops.availability import delete_budget_refusals
from k8stui.ops.maintenance import (
    GateReport,
    MaintenanceInProgress,
    MaintenanceLease,
    acquire_maintenance_lease,
    check_node_gates,
    default_holder,
)
from k8stui.ui.screens.command import CommandScreen
from k8stui.ui.safe import markup_safe, markup_safe_lines, plain, safe_text, table_row
from k8stui.ui.screens.confirm import ConfirmScreen, GuardedDialog
from k8stui.ui.screens.prompts import TypeNameScreen
from k8stui.ui.styles import css_path

FLUSH_INTERVAL = 0.1
PLAN_COLUMNS = ("NODE", "POD", "VERDICT", "FLAG", "PDB (allowed/current/desired)", "REASON")
BOARD_COLUMNS = ("NODE", "POD", "STATE", "RETRIES", "ELAPSED", "DETAIL")
FINAL = ("gone", "failed", "skipped")
STATE_STYLE = {"pending": "dim", "evicting": "cyan", "deleting": "yellow", "blocked": "bold yellow",
               "terminating": "cyan", "gone": "green", "failed": "bold red", "skipped": "magenta"}
NODE_STYLE = {"waiting": "dim", "checking": "cyan", "draining": "bold cyan", "drained": "bold green",
              "stopped": "bold yellow", "failed": "bold red", "refused": "bold red"}


def _error_text(e: BaseException) -> str:
    return str(e) if isinstance(e, UserError) else f"{type(e).__name__}: {e}"


def fmt_elapsed(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s}s" if s < 60 else f"{s // 60}m{s % 60:02d}s"


def verdict_cell(p: PodPlan, disable_eviction: bool) -> Text:
    v = p.verdict
    if v is Verdict.EVICT:
        return Text("will delete" if disable_eviction else "will evict", style="green")
    if v is Verdict.IGNORED:
        return Text("ignored (DaemonSet)", style="dim")
    if v is Verdict.SKIPPED:
        return Text("skipped (mirror)" if p.status.filter == "mirror" else "skipped", style="dim")
    return Text("BLOCKED", style="bold red")


def pdb_cell(p: PodPlan) -> Text:
    if p.verdict is not Verdict.EVICT or not p.pdbs:
        return Text("")
    if len(p.pdbs) > 1:
        return Text(f"{len(p.pdbs)} budgets: the eviction API refuses", style="bold red")
    b = p.pdb
    assert b is not None
    text = f"{b.namespace}/{b.name} {b.disruptions_allowed}/{b.current_healthy}/{b.desired_healthy}"
    if b.blocking and not p.terminating:
        return Text("⚠ " + text + " (allows 0)", style="bold yellow")
    return Text(text)


@dataclass
class PodLine:
    """One row of the live board."""

    node: str
    namespace: str
    name: str
    state: str = "pending"
    label: str = "pending"
    retries: int = 0
    t0: float | None = None  # drain clock of its first event
    t1: float | None = None  # ... of its final state
    detail: str = ""

    @property
    def key(self) -> str:
        return f"{self.node}/{self.namespace}/{self.name}"

    @property
    def final(self) -> bool:
        return self.state in FINAL


class FormCheckbox(Checkbox, inherit_bindings=False):
    """A checkbox of the options form: space toggles, enter submits the form. Its box reads `[x]`
    or `[ ]` (Textual's shows the same X in both states, told apart by colour only)."""

    BINDINGS = [Binding("space", "toggle_button", "Toggle", show=False),
                Binding("enter", "submit", "Plan", show=False)]

    class Submit(Message):
        pass

    def action_submit(self) -> None:
        self.post_message(self.Submit())

    @property
    def _button(self) -> Content:
        return Content.assemble(("[x]" if self.value else "[ ]", self.get_visual_style("toggle--button")))


class AfterDrainScreen(GuardedDialog):
    """A drain stopped or failed: leave the node cordoned (l, Esc) or uncordon it (u). Uncordon
    takes no key typed before the question was on screen (see GuardedDialog)."""

    ARMED_KEYS = frozenset({"u", "enter"})
    ARMED_BUTTONS = ("#uncordon",)

    BINDINGS = [Binding("u", "answer('uncordon')", "Uncordon"),
                Binding("l,escape", "answer('leave')", "Leave cordoned")]

    def __init__(self, node: str, what: str, detail: str):
        super().__init__()
        self.node, self.what, self.detail = node, what, detail

    def compose(self) -> ComposeResult:
        with Vertical(id="after-box"):
            yield Static(f"[b]The drain of {markup_safe(self.node)} {markup_safe(self.what)}[/b]", id="after-title")
            yield Static(markup_safe_lines(self.detail), id="after-detail")
            yield Static(f"{markup_safe(self.node)} is cordoned: no new pod is scheduled on it. Leave it so, or "
                         "make it schedulable again?", id="after-question")
            with Horizontal(id="after-buttons"):
                yield Button("Leave cordoned (l)", id="leave", variant="primary")
                yield Button("Uncordon (u)", id="uncordon", variant="warning")

    def focus_default(self) -> None:
        self.set_focus(self.query_one("#leave", Button))

    def action_answer(self, answer: str) -> None:
        if answer == "uncordon" and not self.answer_allowed():
            return
        self.dismiss(answer)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(str(event.button.id))


class DrainScreen(CommandScreen):
    CSS_PATH = [css_path("dialogs.tcss"), css_path("drain.tcss")]
    BINDINGS = [
        Binding("d", "run", "Drain"),
        Binding("r", "replan", "Re-plan"),
        Binding("o", "options", "Options"),
        Binding("s", "skip", "Skip pod"),
        Binding("x", "delete_pod", "Delete pod despite PDB"),
        Binding("escape", "back", "Back / Stop"),
    ]

    # the form's starting values (tests shorten the engine's delays here, e.g. evict_retry_delay)
    # (kubectl drain's defaults: every flag off)
    default_options: ClassVar[Callable[[], DrainOptions]] = staticmethod(lambda: DrainOptions())

    def __init__(self, conn: Connection, nodes: list[str], options: DrainOptions | None = None, *,
                 name: str | None = None, id: str | None = None):
        super().__init__(name=name, id=id)
        self.conn = conn
        self.nodes = list(dict.fromkeys(nodes))
        self.options = options or self.default_options()
        self.phase = "options"  # options | planning | plan | running | finished
        self.plans: dict[str, DrainPlan | str] = {}  # a plan, or why there is none
        self.gates: dict[str, GateReport | str] = {}
        self.node_states: dict[str, str] = {}
        self.results: dict[str, DrainResult] = {}
        self.lines: dict[str, PodLine] = {}  # board rows by key
        self.events: list[DrainEvent] = []  # everything the engine reported (tests, debugging)
        self.drainer: Drainer | None = None
        self.lease: MaintenanceLease | None = None
        self.lease_error = ""
        self._pending: list[DrainEvent] = []
        self._node_total: dict[str, int] = {}
        self._drain_t0 = 0.0
        self._stop_requested = False

    # ---- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        o = self.options
        yield Static(self._title(), id="drain-title")
        with ContentSwitcher(initial="drain-options", id="drain-panes"):
            with VerticalScroll(id="drain-options"):
                yield Static(f"Options for [b]kubectl drain {markup_safe(' '.join(self.nodes))}[/b] "
                             "(space toggles, tab moves, enter plans; nothing changes before you confirm)",
                             id="drain-options-label")
                yield FormCheckbox("--force: also delete pods no controller manages (they are gone for good)",
                                   o.force, id="drain-force")
                yield FormCheckbox("--ignore-daemonsets: leave DaemonSet-managed pods on the node",
                                   o.ignore_daemonsets, id="drain-ignore-daemonsets")
                yield FormCheckbox("--delete-emptydir-data: delete pods with emptyDir volumes (their data is lost)",
                                   o.delete_emptydir_data, id="drain-delete-emptydir-data")
                yield FormCheckbox("--disable-eviction: DELETE instead of evicting (PodDisruptionBudgets are "
                                   "not asked)", o.disable_eviction, id="drain-disable-eviction")
                with Horizontal(classes="drain-field"):
                    yield Label("--grace-period", classes="drain-field-label")
                    yield Input(str(o.grace_period), id="drain-grace",
                                placeholder="seconds; -1: each pod's own terminationGracePeriodSeconds")
                with Horizontal(classes="drain-field"):
                    yield Label("--timeout", classes="drain-field-label")
                    yield Input(go_duration(o.timeout) if o.timeout else "0", id="drain-timeout",
                                placeholder="Go duration (30s, 5m, 1h30m); 0: wait forever")
                with Horizontal(classes="drain-field"):
                    yield Label("--pod-selector", classes="drain-field-label")
                    yield Input(o.pod_selector, id="drain-selector",
                                placeholder="label selector: only these pods (e.g. app=web,tier!=db)")
                yield Static("", id="drain-form-error")
                yield Static("", id="drain-command")
                yield Button("Plan (enter)", id="drain-plan-button", variant="primary")
            with Vertical(id="drain-plan"):
                plan_table: DataTable = DataTable(id="drain-plan-table", cursor_type="row", zebra_stripes=True)
                for col in PLAN_COLUMNS:
                    plan_table.add_column(col, key=col)
                yield plan_table
                with VerticalScroll(id="drain-gates-scroll"):
                    yield Static("", id="drain-gates")
            with Vertical(id="drain-board"):
                yield Static("", id="drain-nodes")
                board: DataTable = DataTable(id="drain-board-table", cursor_type="row", zebra_stripes=True)
                for col in BOARD_COLUMNS:
                    board.add_column(col, key=col)
                yield board
                yield ProgressBar(id="drain-progress", show_eta=False)
                yield RichLog(id="drain-log", wrap=False, highlight=False, markup=False, max_lines=5000)
        yield Static("", id="drain-status")
        yield self.command_prompt()
        yield Footer()

    def _title(self) -> str:
        ro = "  [b $warning]READ-ONLY: plan only[/]" if self.conn.effective_readonly else ""
        what = ", ".join(self.nodes)
        return f"[b]Drain[/b] {markup_safe(what)}  [dim]{markup_safe(self.conn.context)}[/dim]{ro}"

    def on_mount(self) -> None:
        self.set_interval(FLUSH_INTERVAL, self.flush)
        self._update_command()
        self.query_one("#drain-force", FormCheckbox).focus()
        self.set_status("set the options, then enter to see the plan")

    def on_unmount(self) -> None:
        if self.drainer is not None and self.phase == "running":
            self.drainer.stop()

    def set_status(self, text: str) -> None:
        self.query_one("#drain-status", Static).update(text)

    def show(self, pane: str) -> None:
        self.query_one("#drain-panes", ContentSwitcher).current = f"drain-{pane}"

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self.refresh_bindings()

    def operation_summary(self) -> str | None:
        """While a drain runs: what it has done and what quitting or leaving this screen leaves
        (the app asks before Ctrl+Q with it); None otherwise."""
        if self.phase != "running":
            return None
        node = self.drainer.node if self.drainer is not None else next(
            (n for n in self.nodes if self.node_states.get(n) in ("checking", "draining")), self.nodes[0])
        mine = [p for p in self.lines.values() if p.node == node]
        gone = sum(1 for p in mine if p.state == "gone")
        left = sum(1 for p in mine if not p.final)
        verb = "deleted" if self.options.disable_eviction else "evicted"
        later = self.nodes[self.nodes.index(node) + 1:]
        rest = f" {', '.join(later)} not drained yet." if later else ""
        command = "k8stui" + self.options.kubectl_command(node)[len("kubectl"):]
        return (f"A drain of {node} is running: {gone} pod(s) {verb}, {left} left.{rest} Quitting stops it; "
                f"the node stays cordoned; `{command}` finishes it.")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys of the current step are shown (and work)."""
        if action == "run":
            return self.phase == "plan"
        if action in ("replan", "options"):
            return self.phase in ("plan", "finished")
        if action in ("skip", "delete_pod"):
            return self.phase == "running"
        return True

    # ---- 1. options -------------------------------------------------------------------------

    def read_form(self) -> DrainOptions | str:
        """The options the form describes (kept: the engine knobs of `self.options`), or an error."""
        q = self.query_one
        grace_text = q("#drain-grace", Input).value.strip() or "-1"
        try:
            grace = int(grace_text)
        except ValueError:
            return f"--grace-period: not a whole number of seconds: {grace_text!r}"
        timeout_text = q("#drain-timeout", Input).value.strip() or "0"
        try:
            timeout = parse_go_duration(timeout_text)
        except ValueError as e:
            return f"--timeout: {e} (e.g. 30s, 5m, 1h30m; 0: forever)"
        if timeout < 0:
            return "--timeout must not be negative (0: forever)"
        opts = replace(self.options,
                       force=q("#drain-force", Checkbox).value,
                       ignore_daemonsets=q("#drain-ignore-daemonsets", Checkbox).value,
                       delete_emptydir_data=q("#drain-delete-emptydir-data", Checkbox).value,
                       disable_eviction=q("#drain-disable-eviction", Checkbox).value,
                       grace_period=grace if grace >= 0 else -1, timeout=timeout,
                       pod_selector=q("#drain-selector", Input).value.strip())
        try:
            opts.validate()
        except UserError as e:
            return str(e)
        return opts

    def _update_command(self) -> None:
        opts = self.read_form()
        err = self.query_one("#drain-form-error", Static)
        cmd = self.query_one("#drain-command", Static)
        if isinstance(opts, str):
            err.update(f"[$error]{markup_safe(opts)}[/]")
            return
        err.update("")
        cmd.update("[dim]" + markup_safe_lines("\n".join(opts.kubectl_command(n) for n in self.nodes)) + "[/dim]")

    @on(Checkbox.Changed)
    @on(Input.Changed)
    def _form_changed(self, event: Message) -> None:
        if self.phase == "options":
            self._update_command()

    @on(FormCheckbox.Submit)
    @on(Input.Submitted)
    def _form_submitted(self, event: Message) -> None:
        event.stop()
        self.submit_form()

    @on(Button.Pressed, "#drain-plan-button")
    def _plan_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.submit_form()

    def submit_form(self) -> None:
        if self.phase != "options":
            return
        opts = self.read_form()
        if isinstance(opts, str):
            self.query_one("#drain-form-error", Static).update(f"[$error]{markup_safe(opts)}[/]")
            self.set_status(f"[$error]{markup_safe(opts)}[/]")
            return
        self.options = opts
        self.make_plan()

    def action_options(self) -> None:
        if self.phase not in ("plan", "finished"):
            return
        self.set_phase("options")
        self.show("options")
        self._update_command()
        self.query_one("#drain-force", FormCheckbox).focus()
        self.set_status("set the options, then enter to see the plan")

    # ---- 2. plan ----------------------------------------------------------------------------

    def action_replan(self) -> None:
        if self.phase in ("plan", "finished"):
            self.make_plan()

    @work(group="drain-plan", exclusive=True, exit_on_error=False)
    async def make_plan(self) -> None:
        self.set_phase("planning")
        self.set_status(f"planning the drain of {', '.join(self.nodes)} (reads only)…")
        holder = self.lease.holder if self.lease is not None else default_holder()

        async def one(node: str) -> tuple[str, object, object]:
            d = Drainer(self.conn, node, replace(self.options))
            plan, gates = await asyncio.gather(d.plan(), self.node_gates(node, holder), return_exceptions=True)
            return node, plan, gates

        results = await asyncio.gather(*(one(n) for n in self.nodes))
        self.plans, self.gates = {}, {}
        for node, plan, gates in results:
            self.plans[node] = _error_text(plan) if isinstance(plan, BaseException) else plan  # type: ignore
            self.gates[node] = _error_text(gates) if isinstance(gates, BaseException) else gates  # type: ignore
        self.render_plan()
        self.show("plan")
        self.set_phase("plan")
        self.query_one("#drain-plan-table", DataTable).focus()
        problems = self.run_problems()
        if self.conn.effective_readonly:
            self.set_status("[$warning]read-only session: the plan only[/] (d is refused by the engine)")
        elif problems:
            self.set_status(f"[$error]cannot drain yet:[/] {markup_safe(problems[0])}   (o: options, r: re-plan)")
        else:
            total = sum(len(p.to_evict) for p in self.plans.values() if isinstance(p, DrainPlan))
            self.set_status(f"d: drain {', '.join(self.nodes)} ({total} pod(s) to "
                            f"{'delete' if self.options.disable_eviction else 'evict'})   o: options   r: re-plan")

    async def node_gates(self, node: str, holder: str) -> GateReport:
        """The gates for `node` as the sequence reaches it: the nodes before it are gone by then, so
        their pods' room and their workloads' availability count against it too."""
        before = self.nodes[:self.nodes.index(node)]
        return await check_node_gates(self.conn, node, "drain", holder=holder, drain_set=before,
                                      bypass_budgets=self.options.disable_eviction)

    def render_plan(self) -> None:
        table = self.query_one("#drain-plan-table", DataTable)
        table.clear()
        report = Text()
        de = self.options.disable_eviction
        for node in self.nodes:
            plan = self.plans.get(node)
            gates = self.gates.get(node)
            if isinstance(plan, str) or plan is None:
                table.add_row(*table_row((node, "", Text("cannot plan", style="bold red"), "", "", plan or "")),
                              key=f"{node}/")
                report.append(f"{node}: cannot plan the drain: {plan}\n", style="bold red")
            else:
                for p in plan.pods:
                    reason = "" if p.reason == "will be evicted" else p.reason  # the verdict says it
                    table.add_row(*table_row((node, f"{p.namespace}/{p.name}", verdict_cell(p, de), p.flag or "",
                                              pdb_cell(p), reason)), key=f"{node}/{p.namespace}/{p.name}")
                counts = {v: len(plan.with_verdict(v)) for v in Verdict}
                role = f" ({gates.role})" if isinstance(gates, GateReport) else ""
                report.append(f"{node}{role}: ", style="bold")
                report.append(f"{counts[Verdict.EVICT]} to {'delete' if de else 'evict'} · "
                              f"{counts[Verdict.IGNORED]} ignored · {counts[Verdict.SKIPPED]} skipped · ")
                report.append(f"{counts[Verdict.BLOCKED]} BLOCKED",
                              style="bold red" if counts[Verdict.BLOCKED] else "")
                report.append(" · already cordoned\n" if plan.node_unschedulable else "\n")
                for p in plan.blocked:
                    fix = f" → allowed with {p.flag}" if p.flag else ""
                    report.append(f"  ✗ BLOCKED {p.namespace}/{p.name}: {p.reason}{fix}\n", style="bold red")
                for b in plan.zero_budgets:
                    report.append(f"  ⚠ PodDisruptionBudget {b} allows no disruption: its pods' evictions wait "
                                  "(429, retried) until it allows one, or until you skip or delete them\n",
                                  style="yellow")
                if plan.pdb_error:
                    report.append(f"  ! PodDisruptionBudgets could not be read: {plan.pdb_error}\n", style="yellow")
            if isinstance(gates, str) or gates is None:
                report.append(f"  ✗ safety gates could not be checked: {gates}\n", style="bold red")
            else:
                if gates.ok and not gates.warnings:
                    report.append("  ✓ safety gates: ok\n", style="green")
                for b in gates.blockers:
                    report.append(f"  ✗ blocked: {b}\n", style="bold red")
                for r in gates.refusals:
                    report.append(f"  ✗ refused: {r} (to drain anyway you will type {gates.override_phrase})\n",
                                  style="bold red")
                for w in gates.warnings:
                    report.append(f"  ! warning: {w}\n", style="yellow")
                for n in gates.notes:
                    report.append(f"    {n}\n", style="dim")
        self.query_one("#drain-gates", Static).update(safe_text(report))

    def run_problems(self) -> list[str]:
        """Why the plan cannot be run as it stands (empty: it can)."""
        out = []
        for node in self.nodes:
            plan, gates = self.plans.get(node), self.gates.get(node)
            if not isinstance(plan, DrainPlan):
                out.append(f"{node}: cannot plan the drain: {plan}")
            elif plan.blocked:
                flags = sorted({p.flag for p in plan.blocked if p.flag})
                out.append(f"{node}: {len(plan.blocked)} pod(s) BLOCKED"
                           + (f" (allowed with {', '.join(flags)}: o for the options)" if flags else ""))
            if isinstance(gates, GateReport):
                out += [f"{node}: {b}" for b in gates.blockers]
            else:
                out.append(f"{node}: the safety gates could not be checked: {gates}")
        return out

    # ---- 3. confirmation --------------------------------------------------------------------

    def typing_reasons(self, node: str) -> list[str]:
        """Why this node's drain must be confirmed by typing its name ([]: a yes will do)."""
        why = []
        if self.options.force:
            why.append("--force deletes pods that no controller manages: they are gone for good")
        if self.options.disable_eviction:
            why.append("--disable-eviction deletes pods without asking their PodDisruptionBudgets")
        gates = self.gates.get(node)
        if isinstance(gates, GateReport):
            why += [f"the safety gates refuse: {r}" for r in gates.refusals]
        return why

    def action_run(self) -> None:
        if self.phase != "plan":
            return
        if self.conn.effective_readonly:
            # no confirmation for what cannot happen: the engine refuses (ReadOnlyError) at once
            self.run_sequence({})
            return
        problems = self.run_problems()
        if problems:
            self.notify("cannot drain: " + problems[0], severity="error", timeout=8)
            self.set_status(f"[$error]cannot drain:[/] {markup_safe('; '.join(problems))}")
            return
        self.confirm_and_run()

    @work(group="drain-confirm", exclusive=True, exit_on_error=False)
    async def confirm_and_run(self) -> None:
        typed: dict[str, str] = {}
        verb = "delete" if self.options.disable_eviction else "evict"
        for node in self.nodes:
            why = self.typing_reasons(node)
            if not why:
                continue
            plan = self.plans.get(node)
            n = len(plan.to_evict) if isinstance(plan, DrainPlan) else 0
            detail = ("\n".join(f"• {w}" for w in why)
                      + f"\n\n{self.options.kubectl_command(node)}  ({n} pod(s) to {verb})")
            answer = await self.app.push_screen_wait(TypeNameScreen(f"Drain {node}?", detail, node, yes="Drain"))
            if answer is None:
                self.set_status("not started: the confirmation was cancelled   (d: drain, o: options)")
                return
            typed[node] = answer
        if not typed:
            lines = []
            for node in self.nodes:
                plan = self.plans.get(node)
                n = len(plan.to_evict) if isinstance(plan, DrainPlan) else 0
                lines.append(f"{self.options.kubectl_command(node)}  ({n} pod(s) to {verb})")
            more = "one after another; a failure stops the sequence. " if len(self.nodes) > 1 else ""
            question = f"Drain {', '.join(self.nodes)}?"
            detail = ("\n".join(lines) + f"\n\nEach node is cordoned, then its pods are {verb}ed, {more}"
                      "You can skip a pod, delete one despite its budget, or stop.")
            if len(self.nodes) > 1:  # typed, not y/n: the count of nodes taken out of service
                yes = await self.app.push_screen_wait(TypeNameScreen(question, detail, str(len(self.nodes)),
                                                                     yes="Drain"))
            else:
                yes = await self.app.push_screen_wait(ConfirmScreen(question, detail, yes="Drain"))
            if not yes:
                self.set_status("not started   (d: drain, o: options)")
                return
        self.run_sequence(typed)

    # ---- 4. the run -------------------------------------------------------------------------

    @work(group="drain-run", exclusive=True, exit_on_error=False)
    async def run_sequence(self, typed: dict[str, str]) -> None:
        conn = self.conn
        first = self.nodes[0]
        try:
            # the engine's own refusal on a read-only connection: nothing is sent
            Drainer(conn, first, replace(self.options)).check_writable()
        except ReadOnlyError as e:
            for node in self.nodes:
                audit.record("drain", f"node/{node}", context=conn.context, result="refused",
                             reason="read-only mode", kubectl=self.options.kubectl_command(node))
            self.notify(f"refused (read-only): {e}", severity="error", timeout=8)
            self.set_status(f"[$error]refused (read-only): {markup_safe(str(e))}[/]")
            return
        self._stop_requested = False
        self.lease_error = ""
        lease = acquire_maintenance_lease(conn, f"drain {', '.join(self.nodes)}", on_lost=self._lease_lost)
        try:
            await lease.acquire()
        except MaintenanceInProgress as e:
            self.lease_error = str(e)
            self.notify(f"cannot drain: {e}", severity="error", timeout=12)
            self.set_status(f"[$error]cannot drain: {markup_safe(str(e))}[/]   (r: re-plan)")
            return
        except UserError as e:
            if "forbidden" not in str(e):
                self.notify(f"cannot take the maintenance lease: {e}", severity="error", timeout=10)
                self.set_status(f"[$error]cannot take the maintenance lease: {markup_safe(str(e))}[/]")
                return
            # RBAC may allow evictions but not Leases (as the CLI): drain, and say so
            self.notify(f"cannot take the maintenance Lease ({e}); other k8stui sessions will not know about "
                        "this drain", severity="warning", timeout=10)
        self.lease = lease if lease.held else None
        self._start_board()
        try:
            for node in self.nodes:
                if self._stop_requested:
                    break
                if not await self.drain_node(node, typed.get(node), lease):
                    break
        except Exception as e:  # never a silent end: say what broke, the node's state is on the board
            self.notify(f"the drain stopped: {_error_text(e)}", severity="error", timeout=12)
        finally:
            self.drainer = None
            await lease.release()
            self.lease = None
            if self.is_mounted:
                self.flush()
                self._finish()

    def _start_board(self) -> None:
        self.set_phase("running")
        self.show("board")
        self.node_states = {n: "waiting" for n in self.nodes}
        self.results = {}
        self.lines = {}
        self.query_one("#drain-board-table", DataTable).clear()
        self.query_one("#drain-log", RichLog).clear()
        self._node_total = {n: len(p.to_evict) if isinstance(p, DrainPlan) else 0 for n, p in self.plans.items()}
        self._update_progress()
        self._render_nodes()
        self.query_one("#drain-board-table", DataTable).focus()

    def _lease_lost(self, lease: MaintenanceLease) -> None:
        self.lease_error = "the maintenance lease was lost (taken over or deleted): the drain stops"
        self.notify(self.lease_error, severity="error", timeout=12)
        self._stop_requested = True
        if self.drainer is not None:
            self.drainer.stop()

    async def drain_node(self, node: str, typed: str | None, lease: MaintenanceLease) -> bool:
        """Gates, a fresh plan, the drain of one node, and the operator's choice if it did not
        complete. True when the node drained."""
        conn = self.conn
        self.node_states[node] = "checking"
        self._render_nodes()
        self.set_status(f"{node}: checking the safety gates and the plan again…")
        try:
            report: GateReport | None = await self.node_gates(node, lease.holder)
        except UserError as e:
            if f'nodes "{node}" not found' not in str(e):
                return self._refuse(node, str(e))
            report = None  # no such node: the drain says so, as kubectl does
        if report is not None:
            if not report.allows(typed):
                return self._refuse(node, report.refusal_message().replace("\n", " "))
            if report.refusals:
                audit.record("override-safety", f"node/{node}", context=conn.context, result="ok",
                             refusals=report.refusals)
            for w in report.warnings:
                self._log(node, f"Warning: k8stui: {w}", "yellow")
        try:
            fresh = await Drainer(conn, node, replace(self.options)).plan()
        except UserError as e:
            fresh = None
            if "not found" not in str(e):
                return self._refuse(node, str(e))
        if fresh is not None and fresh.blocked:  # something new arrived since the plan: not even a cordon
            return self._refuse(node, "; ".join(fresh.errors()))
        if lease.lost.is_set() or self._stop_requested:
            return self._refuse(node, self.lease_error or "stopped")
        self.node_states[node] = "draining"
        self._render_nodes()
        self.set_status(f"draining {node}…   s: skip pod · x: delete pod despite its PDB · esc: stop")
        drainer = Drainer(conn, node, replace(self.options), on_event=self._on_event)
        self.drainer = drainer
        self._drain_t0 = time.monotonic()
        try:
            result = await drainer.run()
        except UserError as e:
            self.drainer = None
            return self._refuse(node, str(e))
        finally:
            self.flush()
        self.drainer = None
        self.results[node] = result
        if result.drained:
            self.node_states[node] = "drained"
            self._render_nodes()
            return True
        self.node_states[node] = "stopped" if result.stopped else "failed"
        self._render_nodes()
        if isinstance(result.error, UserError) and result.cordon is None:
            # failed before it began (the node does not exist): nothing was cordoned
            self.notify(f"drain of {node} failed: {result.error}", severity="error", timeout=10)
            return False
        what = "was stopped" if result.stopped else "failed"
        left = [p for p in self.lines.values() if p.node == node and not p.final]
        detail = (f"{result.error}\n" if result.error else "") + (
            f"{len(left)} pod(s) of the plan are still there: "
            + ", ".join(f"{p.namespace}/{p.name}" for p in left[:8]) + (" …" if len(left) > 8 else "")
            if left else "")
        if result.cordon is not None and not result.cordon.changed:
            detail += "\n(it was already cordoned before this drain)"
        choice = await self.app.push_screen_wait(AfterDrainScreen(node, what, detail.strip()))
        if choice == "uncordon":
            try:
                res = await drainer.uncordon()
                self._log(node, res.message, "green")
                self.notify(res.message, timeout=5)
            except UserError as e:
                self.notify(f"cannot uncordon {node}: {e}", severity="error", timeout=10)
        else:
            self._log(node, f"node/{node} left cordoned", "yellow")
        return False

    def _refuse(self, node: str, message: str) -> bool:
        self.node_states[node] = "refused"
        self._render_nodes()
        self._log(node, f"not drained: {message}", "bold red")
        self.notify(f"{node} not drained: {message}", severity="error", timeout=10)
        return False

    def _finish(self) -> None:
        self.set_phase("finished")
        self._render_nodes()
        self._update_progress()
        done = [n for n in self.nodes if self.node_states.get(n) == "drained"]
        if len(done) == len(self.nodes):
            self.set_status(f"[$success]drained: {', '.join(done)}[/]   (esc: back to the nodes, r: plan again)")
        else:
            rest = [f"{n} {self.node_states.get(n, 'waiting')}" for n in self.nodes if n not in done]
            drained = f"; drained: {', '.join(done)}" if done else ""
            self.set_status(f"[$warning]{markup_safe(', '.join(rest))}[/]{drained}   (r: plan again, o: options, esc: back)")

    # ---- events, rendered in batches --------------------------------------------------------

    def _on_event(self, ev: DrainEvent) -> None:
        self._pending.append(ev)

    def flush(self) -> None:
        """Apply the queued events to the board (at most every FLUSH_INTERVAL), and tick ELAPSED."""
        if not self.is_mounted:
            return
        pending, self._pending = self._pending, []
        changed: set[str] = set()
        for ev in pending:
            self.events.append(ev)
            for stream, text in kubectl_lines(ev):
                for line in text.rstrip("\n").split("\n"):
                    self._log(ev.node, line, "red" if stream == "err" else "")
            changed |= self._apply(ev)
        if self.phase == "running" and self.drainer is not None:
            now = time.monotonic() - self._drain_t0
            for key, line in self.lines.items():
                if line.t0 is not None and line.t1 is None and key not in changed:
                    self._set_cell(key, "ELAPSED", fmt_elapsed(now - line.t0))
        for key in changed:
            self._render_line(self.lines[key])
        if changed:
            self._update_progress()

    def _apply(self, ev: DrainEvent) -> set[str]:
        if isinstance(ev, PlanReady):
            table = self.query_one("#drain-board-table", DataTable)
            keys = set()
            for p in ev.plan.to_evict:
                line = PodLine(ev.node, p.namespace, p.name)
                if line.key not in self.lines:
                    self.lines[line.key] = line
                    table.add_row(*self._cells(line), key=line.key)
                keys.add(line.key)
            self._node_total[ev.node] = len(ev.plan.to_evict)
            return keys
        if isinstance(ev, DrainStopped):  # what was still under way stays on the node
            keys = set()
            for line in self.lines.values():
                if line.node == ev.node and not line.final:
                    line.label, line.detail, line.t1 = "left (drain stopped)", line.label, ev.elapsed
                    keys.add(line.key)
            return keys
        if isinstance(ev, NodeCordoned | CordonFailed | NodeDrained | DrainFailed):
            return set()
        if not isinstance(ev, PodEvent):
            return set()
        key = f"{ev.node}/{ev.pod.namespace}/{ev.pod.name}"
        line = self.lines.get(key)
        if line is None:
            line = PodLine(ev.node, ev.pod.namespace, ev.pod.name)
            self.lines[key] = line
            self.query_one("#drain-board-table", DataTable).add_row(*self._cells(line), key=key)
        if line.t0 is None:
            line.t0 = ev.elapsed
        line.state = ev.state.value
        line.detail = ""
        if isinstance(ev, PodEvicting):
            line.label = "evicting" if not ev.already_terminating else "terminating (evicted earlier)"
            line.retries = max(line.retries, ev.attempt)
        elif isinstance(ev, PodBlocked):
            line.retries = ev.retries
            if ev.pdb is not None:
                line.label = f"blocked by PDB {ev.pdb}"
            elif ev.namespace_terminating:
                line.label = "blocked: namespace terminating"
            else:
                line.label = "blocked"
            line.detail = f"retry in {go_duration(ev.retry_after)}: {ev.message}"
        elif isinstance(ev, PodDeleting):
            line.label = "deleting despite PDB" if ev.despite_pdb else "deleting"
        elif isinstance(ev, PodTerminating):
            line.label = "terminating"
        elif isinstance(ev, PodGone):
            line.label = "gone" if ev.via == "evict" else "gone (deleted)"
        elif isinstance(ev, PodFailed):
            line.label = "failed"
            line.detail = ev.error
        elif isinstance(ev, PodWaitSkipped):
            line.label = "skipped"
            line.detail = f"terminating for more than {ev.seconds}s"
        elif isinstance(ev, PodSkipped):
            line.label = "skipped"
            line.detail = "skipped by you: left on the node"
        else:
            line.label = ev.state.value
        if line.final:
            line.t1 = ev.elapsed
        return {key}

    def _cells(self, line: PodLine) -> tuple:
        if line.t0 is None:
            elapsed = ""
        else:
            end = line.t1 if line.t1 is not None else time.monotonic() - self._drain_t0
            elapsed = fmt_elapsed(end - line.t0)
        return tuple(table_row((line.node, f"{line.namespace}/{line.name}",
                                Text(line.label, style=STATE_STYLE.get(line.state, "")),
                                str(line.retries) if line.retries else "", elapsed, line.detail)))

    def _render_line(self, line: PodLine) -> None:
        for col, value in zip(BOARD_COLUMNS, self._cells(line)):
            if col != "NODE":
                self._set_cell(line.key, col, value)

    def _set_cell(self, key: str, col: str, value: object) -> None:
        table = self.query_one("#drain-board-table", DataTable)
        try:
            if str(table.get_cell(key, col)) != str(value):
                table.update_cell(key, col, value, update_width=col in ("STATE", "DETAIL"))
        except Exception:  # a row this table does not have (yet)
            pass

    def _update_progress(self) -> None:
        """Pods in a final state (gone, skipped, failed) of all the pods the sequence evicts."""
        total = sum(self._node_total.get(n, 0) for n in self.nodes)
        done = sum(1 for p in self.lines.values() if p.final)
        if total == 0:  # nothing to evict: full once every node is through
            finished = all(self.node_states.get(n) == "drained" for n in self.nodes)
            self.query_one("#drain-progress", ProgressBar).update(total=1, progress=1 if finished else 0)
        else:
            self.query_one("#drain-progress", ProgressBar).update(total=total, progress=min(done, total))

    def _render_nodes(self) -> None:
        t = Text()
        for i, node in enumerate(self.nodes, 1):
            state = self.node_states.get(node, "waiting")
            if i > 1:
                t.append("  →  ", style="dim")
            t.append(f"{i}. {node}: ")
            t.append(state, style=NODE_STYLE.get(state, ""))
        if self.lease is not None and self.lease.held and self.phase == "running":
            t.append(f"    maintenance lease held by {self.lease.holder}", style="dim")
        self.query_one("#drain-nodes", Static).update(safe_text(t))

    def _log(self, node: str, text: str, style: str = "") -> None:
        self.query_one("#drain-log", RichLog).write(Text(plain(f"{node}: {text}"), style=style))

    # ---- the operator's controls ------------------------------------------------------------

    def cursor_line(self) -> PodLine | None:
        table = self.query_one("#drain-board-table", DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:
            return None
        return self.lines.get(str(key))

    def _controllable(self) -> PodLine | None:
        line = self.cursor_line()
        d = self.drainer
        if line is None or d is None:
            self.notify("no pod selected", severity="warning", timeout=3)
            return None
        if line.node != d.node:
            self.notify(f"{line.namespace}/{line.name} is not part of the drain under way ({d.node})",
                        severity="warning", timeout=4)
            return None
        if line.final:
            self.notify(f"{line.namespace}/{line.name} is {line.label} already", severity="warning", timeout=4)
            return None
        return line

    def action_skip(self) -> None:
        line = self._controllable()
        if line is None or self.drainer is None:
            return
        if self.drainer.skip(line.namespace, line.name):
            self.notify(f"skipping {line.namespace}/{line.name}: it stays on {line.node}", timeout=4)
        else:
            self.notify(f"{line.namespace}/{line.name}: nothing to skip any more", severity="warning", timeout=4)

    def action_delete_pod(self) -> None:
        line = self._controllable()
        if line is None or self.drainer is None:
            return
        self.confirm_delete(line, self.drainer)

    @work(group="drain-delete", exclusive=True, exit_on_error=False)
    async def confirm_delete(self, line: PodLine, drainer: Drainer) -> None:
        """A delete despite the budget: a yes, or the node's name typed when the safety gates say the
        delete takes the budget below what it requires."""
        budget = line.label[len("blocked by PDB "):] if line.label.startswith("blocked by PDB ") else ""
        detail = ((f"Its PodDisruptionBudget {budget} allows no disruption now; a DELETE does not ask it, so "
                   "the application may drop below what its budget promises. " if budget else
                   "A DELETE does not ask the pod's PodDisruptionBudget. ")
                  + f"kubectl delete pod {line.name} -n {line.namespace}")
        title = f"Delete {line.namespace}/{line.name} despite its budget?"
        try:
            refusals = await delete_budget_refusals(self.conn, line.namespace, line.name)
        except Exception as e:  # unknown is not safe: ask for the name as for a refusal
            refusals = [f"the budget could not be checked: {_error_text(e)}"]
        if refusals:
            # the safety gates refuse: overriding them is the node's name typed, as for every gate
            why = "\n".join(f"• the safety gates refuse: {r}" for r in refusals)
            yes = await self.app.push_screen_wait(TypeNameScreen(title, f"{why}\n\n{detail}", line.node,
                                                                 yes="Delete")) is not None
            if yes:
                audit.record("override-safety", f"pod/{line.namespace}/{line.name}", context=self.conn.context,
                             result="ok", refusals=refusals)
        else:
            # typed, not y/n: the budget is what keeps the application up
            yes = await self.app.push_screen_wait(TypeNameScreen(title, detail, line.name, yes="Delete")) is not None
        if not yes:
            return
        if drainer.delete_despite_pdb(line.namespace, line.name):
            self.notify(f"deleting {line.namespace}/{line.name} despite its budget", timeout=4)
        else:
            self.notify(f"{line.namespace}/{line.name}: already finished", severity="warning", timeout=4)

    def action_back(self) -> None:
        if self.phase == "running":
            d = self.drainer
            if d is None:
                self.notify("the drain is between steps: stop when it is under way", severity="warning", timeout=3)
                return

            def answered(yes: bool | None) -> None:
                if yes and self.drainer is d:
                    self._stop_requested = True
                    d.stop()
                    self.set_status(f"stopping the drain of {d.node}…")

            self.app.push_screen(ConfirmScreen(
                f"Stop the drain of {d.node}?",
                "Nothing more is sent; evictions already accepted stand. Then you choose whether the node "
                "stays cordoned. Later nodes of the sequence are not drained.", yes="Stop"), answered)
            return
        if self.phase == "plan":
            self.action_options()
            return
        if self.phase == "planning":  # a slow API: give up on this plan
            self.workers.cancel_group(self, "drain-plan")
            self.set_phase("plan")
            self.action_options()
            return
        self.app.pop_screen()
